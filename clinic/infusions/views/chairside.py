"""The chair-side page (gate before the start, live panel, controls), its polled fragments, the
physician's gate override and abandoning a session before the start."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.accounts.roles import Perm
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record
from clinic.core.permissions import permission_required
from clinic.infusions import forms as f
from clinic.infusions.calculations import (
    clock_time_to_datetime,
)
from clinic.infusions.models import (
    NON_OVERRIDABLE_ITEMS,
    GateItem,
)
from clinic.infusions.selectors import (
    gate_state,
    infusion_settings,
    session_state,
    session_timeline,
)
from clinic.infusions.services import (
    gate_override,
    readiness_check_complete,
    session_abandon,
)
from clinic.infusions.views._common import (
    ABANDONED,
    GATE_FAILED,
    GATE_PASSED,
    OVERRIDDEN,
    _add_errors,
    _alerts_with_forms,
    _errors_of,
    _session_context,
    _session_or_404,
    readiness_form,
)
from clinic.infusions.views.alerts import alert_top_context, open_alerts_with_forms


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_GET
def session_page(request, session_id: int):
    """The chair-side page: gate before the start, then controls, live numbers, vitals, alerts."""
    session = _session_or_404(request, session_id)
    with transaction.atomic():
        audit_record(
            action=AuditAction.VIEW,
            actor=request.user,
            clinic=session.clinic,
            obj=session,
            patient_id=session.patient_id,
            summary="Infusion chart opened",
        )
    return render(request, "infusions/session.html", _session_context(request, session))


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_GET
def live(request, session_id: int):
    """The live panel (polled every 5 s with X-Background-Poll: 1, so it does not count as activity),
    with the open alerts at the top of the page out of band (a new alert shows within a poll)."""
    session = _session_or_404(request, session_id)
    config = infusion_settings(clinic=session.clinic)
    state = session_state(session=session, config=config)
    alerts = alert_top_context(session=session, alerts=open_alerts_with_forms(session), config=config)
    return render(request, "infusions/_live_poll.html", {"session": session, "state": state, **alerts})


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_GET
def panels(request, session_id: int):
    """The alerts and the timeline, refreshed after each charting entry."""
    session = _session_or_404(request, session_id)
    alerts = _alerts_with_forms(session)
    context = {
        "session": session,
        "alerts": alerts,
        "open_alerts": [alert for alert in alerts if alert.is_open],
        "timeline": session_timeline(session=session),
    }
    return render(request, "infusions/_panels.html", context)


# --- The readiness gate -----------------------------------------------------------------------


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def gate(request, session_id: int):
    session = _session_or_404(request, session_id)
    config = infusion_settings(clinic=session.clinic)
    form = readiness_form(session, config, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        now = timezone.now().astimezone(session.clinic.tzinfo)

        def when(value: dt.time | None):
            return (
                None
                if value is None
                else clock_time_to_datetime(now=now, hour=value.hour, minute=value.minute)
            )

        try:
            check = readiness_check_complete(
                session=session,
                completed_by=request.user,
                identity_name_confirmed=data["identity_name_confirmed"],
                identity_date_of_birth=data["identity_date_of_birth"],
                last_solids_at=when(data["last_solids_time"]),
                last_clear_liquids_at=when(data["last_clear_liquids_time"]),
                escort_name=data["escort_name"],
                escort_phone=data["escort_phone"],
                escort_confirmed=data["escort_confirmed"],
                medications_reviewed=data["medications_reviewed"],
                medication_changes=data["medication_changes"],
                pregnancy_status=data.get("pregnancy_status", ""),
                sbp=data["sbp"],
                dbp=data["dbp"],
                hr=data["hr"],
                spo2=data["spo2"],
                rr=data["rr"],
                temp_c=data["temp_c"],
                changes_confirmed=form.changes_confirmed(),
                submission_key=data["submission_key"],
            )
        except ValidationError as exc:
            exc_errors = _errors_of(exc)
            for name, errors in exc_errors.items():
                target = {
                    "last_solids_at": "last_solids_time",
                    "last_clear_liquids_at": "last_clear_liquids_time",
                }
                name = target.get(name, name)
                form.add_error(name if name in form.fields else None, errors)
        else:
            if check.passed:
                messages.success(request, GATE_PASSED)
            else:
                messages.warning(request, GATE_FAILED)
            return redirect(reverse("infusions:session", kwargs={"session_id": session.pk}) + "#gate")
    return render(request, "infusions/session.html", _session_context(request, session, bound={"gate": form}))


@permission_required(Perm.ORDER_SIGN)
@require_http_methods(["GET", "POST"])
def override(request, session_id: int, item: str):
    """A physician signs an override of one failing gate item, with a reason."""
    session = _session_or_404(request, session_id)
    if item not in GateItem.values:
        raise Http404("No such gate item.")
    state = gate_state(session=session)
    row = next((r for r in state.rows if r.key == item), None)
    form = f.OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            gate_override(
                session=session,
                item=item,
                overridden_by=request.user,
                reason=form.cleaned_data["reason"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, OVERRIDDEN)
            return redirect(reverse("infusions:session", kwargs={"session_id": session.pk}) + "#gate")
    return render(
        request,
        "infusions/override.html",
        {
            "nav": "infusions",
            "session": session,
            "patient": session.patient,
            "row": row,
            "item_label": GateItem(item).label,
            "form": form,
            "overridable": item not in NON_OVERRIDABLE_ITEMS,
        },
    )


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def abandon(request, session_id: int):
    session = _session_or_404(request, session_id)
    form = f.AbandonForm(request.POST)
    if form.is_valid():
        try:
            session_abandon(session=session, abandoned_by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, ABANDONED)
            return redirect("infusions:day")
    return render(
        request, "infusions/session.html", _session_context(request, session, bound={"abandon": form})
    )

"""Messages and helpers the infusion-day views share: lookups, errors, the chair-side page context."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from clinic.accounts.roles import Perm
from clinic.core.permissions import user_can
from clinic.core.validators import age_on, format_phone
from clinic.infusions import forms as f
from clinic.infusions.calculations import (
    RATING_SCALES,
    pregnancy_check_applies,
    stored_gate_answers,
)
from clinic.infusions.models import (
    NON_OVERRIDABLE_ITEMS,
    PRE_START_STATUSES,
    InfusionSession,
    VitalAlert,
)
from clinic.infusions.selectors import (
    gate_state,
    infusion_settings,
    preparation_for,
    session_alerts,
    session_for_chart,
    session_state,
    session_timeline,
)
from clinic.infusions.views.alerts import alert_top_context

CHECKED_IN = "Checked in to {chair}."
GATE_PASSED = "Readiness gate passed: ready to start."
GATE_FAILED = "Readiness gate not passed: see the failing items."
OVERRIDDEN = "Override signed."
ABANDONED = "The infusion will not be given today; the session is closed."
DISCHARGED = "Discharged with {driver}."
SAVED = {
    "start": "Infusion started.",
    "pause": "Infusion paused.",
    "resume": "Infusion resumed.",
    "rate": "Rate changed.",
    "stop": "Infusion stopped; recovery started.",
    "vitals": "Vital signs saved.",
    "acknowledge": "Alert acknowledged.",
    "side_effect": "Side effect saved.",
    "rescue": "Rescue medication saved.",
    "rating": "Rating saved.",
}
FORM_PREFIX = {
    "vitals": "vitals",
    "pause": "pause",
    "resume": "resume",
    "rate": "rate",
    "stop": "stop",
    "start": "start",
    "side_effect": "effect",
    "rescue": "rescue",
    "rating": "rating",
}


def _session_or_404(request, session_id: int) -> InfusionSession:
    try:
        return session_for_chart(clinic=request.clinic, session_id=session_id)
    except InfusionSession.DoesNotExist:
        raise Http404("No such infusion session.") from None


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _errors_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: list(ValidationError(errors).messages) for name, errors in exc.error_dict.items()}
    return {"__all__": list(exc.messages)}


def _add_errors(form, exc: ValidationError) -> None:
    for name, errors in _errors_of(exc).items():
        form.add_error(name if name in form.fields else None, errors)


# --- The chair-side page ----------------------------------------------------------------------


def _pregnancy_applies(session, config) -> bool:
    patient = session.patient
    today = timezone.now().astimezone(session.clinic.tzinfo).date()
    return pregnancy_check_applies(
        sex_at_birth=patient.sex_at_birth,
        age_years=age_on(patient.date_of_birth, today),
        required=config.pregnancy_check_required,
    )


def _local_time(value, tz):
    if not value:
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.astimezone(tz).time().replace(second=0, microsecond=0)


def _readiness_initial(session, previous=None) -> dict:
    """Where the gate form starts. A re-check starts from the last check's answers (`previous`),
    never from an older source; only the first check is pre-filled from the patient's preparation
    confirmation (reminders) or the chart's escort. Ticks, the pregnancy status and the vital signs
    start empty: they are asked, confirmed or measured at this check."""
    tz = session.clinic.tzinfo
    if previous is not None:
        answers = stored_gate_answers(previous.items)
        dob = answers["identity"].get("identity_date_of_birth")
        return {
            "identity_date_of_birth": dt.date.fromisoformat(dob) if dob else None,
            "last_solids_time": _local_time(answers["fasting"].get("last_solids_at"), tz),
            "last_clear_liquids_time": _local_time(answers["fasting"].get("last_clear_liquids_at"), tz),
            "escort_name": answers["escort"].get("escort_name", ""),
            "escort_phone": format_phone(answers["escort"].get("escort_phone", "")),
            "medication_changes": answers["medications"].get("medication_changes", ""),
            "pregnancy_status": answers["pregnancy"].get("pregnancy_status", ""),
        }
    patient = session.patient
    initial = {"escort_name": patient.escort_name, "escort_phone": format_phone(patient.escort_phone)}
    preparation = preparation_for(session.appointment)
    if preparation is not None:
        initial.update(
            {
                "last_solids_time": _local_time(preparation.last_solid_food_at, tz),
                "last_clear_liquids_time": _local_time(preparation.last_clear_liquid_at, tz),
                "escort_name": preparation.driver_name or initial["escort_name"],
                "escort_phone": format_phone(preparation.driver_phone) or initial["escort_phone"],
                "medication_changes": preparation.medication_changes_detail,
            }
        )
    return initial


def preparation_pregnancy_text(session) -> str:
    """The pregnancy status the patient gave with the preparation confirmation, in words (shown
    beside the gate's question as a reminder, never as its answer), or ""."""
    preparation = preparation_for(session.appointment)
    if preparation is None or preparation.pregnancy_status in ("", "not_applicable"):
        return ""
    return preparation.get_pregnancy_status_display()


def readiness_form(session, config, data=None, *, gate=None):
    """The gate form: a re-check knows the last check's items (failed items, last answers)."""
    check = (gate or gate_state(session=session)).check
    return f.ReadinessForm(
        data,
        pregnancy_applies=_pregnancy_applies(session, config),
        previous_items=check.items if check is not None else None,
        tz=session.clinic.tzinfo,
        initial=None if data is not None else _readiness_initial(session, check),
    )


def _alerts_with_forms(session, bound=None) -> list[VitalAlert]:
    """The session's alerts, each open one with its acknowledge form (`alert.ack_form`)."""
    alerts = list(session_alerts(session=session, with_escalations=True))
    for alert in alerts:
        if alert.is_open:
            if bound is not None and bound.prefix == f"ack{alert.pk}":
                alert.ack_form = bound
            else:
                alert.ack_form = f.AcknowledgeForm(prefix=f"ack{alert.pk}")
    return alerts


def _chart_forms(session, bound: dict | None = None) -> dict:
    bound = bound or {}

    def make(name, cls, **kwargs):
        return bound.get(name) or cls(prefix=FORM_PREFIX.get(name), **kwargs)

    return {
        "start_form": make("start", f.EventForm),
        "pause_form": make("pause", f.EventForm),
        "resume_form": make("resume", f.ResumeForm),
        "rate_form": make("rate", f.RateForm),
        "stop_form": make("stop", f.StopForm),
        "vitals_form": make("vitals", f.VitalsForm),
        "effect_form": make("side_effect", f.SideEffectForm),
        "rescue_form": make("rescue", f.RescueForm),
        "rating_form": make("rating", f.RatingForm),
    }


def _session_context(request, session, *, bound: dict | None = None) -> dict:
    config = infusion_settings(clinic=session.clinic)
    state = session_state(session=session, config=config)
    gate = gate_state(session=session)
    context = {
        "nav": "infusions",
        "session": session,
        "patient": session.patient,
        "order": session.order,
        "state": state,
        "gate": gate,
        "config": config,
        "alerts": _alerts_with_forms(session, (bound or {}).get("acknowledge")),
        "timeline": session_timeline(session=session),
        "can_override": user_can(request, Perm.ORDER_SIGN),
        "non_overridable": NON_OVERRIDABLE_ITEMS,
        "rating_scales": RATING_SCALES.values(),
        **_chart_forms(session, bound),
    }
    # The open alerts at the top of the page (most severe first, with their acknowledge forms).
    context.update(alert_top_context(session=session, alerts=context["alerts"], config=config))
    if session.status in PRE_START_STATUSES:
        context["readiness_form"] = (
            bound.get("gate") if bound and bound.get("gate") else readiness_form(session, config, gate=gate)
        )
        context["preparation_pregnancy"] = preparation_pregnancy_text(session)
        context["abandon_form"] = (bound or {}).get("abandon") or f.AbandonForm()
    return context

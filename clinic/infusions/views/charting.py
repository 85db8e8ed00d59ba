"""Chair-side charting POSTs: JSON for chairside.js (which retries and queues offline; the server
dedupes by client_key), a redirect or the page with the form's errors without JavaScript.

A JSON request from a signed-out user gets 401 JSON, and one from a role without the permission
403 JSON with `forbidden`, so the tablet tells "sign in again" (keeping the entry) from "your role
does not allow this" (`chart_permission_required`). The other signed-out answers it recognises are
the idle sign-out's redirect to the sign-in page and the 403 page of a CSRF failure."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinic.accounts.roles import Perm
from clinic.core.permissions import NO_CLINIC, NOT_PERMITTED, permission_required, user_can
from clinic.infusions import forms as f
from clinic.infusions.models import (
    InfusionSession,
    VitalAlert,
)
from clinic.infusions.services import (
    infusion_pause,
    infusion_rate_change,
    infusion_resume,
    infusion_start,
    infusion_stop,
    rating_record,
    rescue_medication_record,
    side_effect_record,
    vital_alert_acknowledge,
    vital_record,
)
from clinic.infusions.views._common import (
    FORM_PREFIX,
    SAVED,
    _add_errors,
    _session_context,
    _session_or_404,
    _wants_json,
)

# --- Chair-side charting (JSON for chairside.js, redirect without JavaScript) -----------------

SIGNED_OUT = "Your sign-in has ended. Sign in again to send this entry; it is kept on this tablet."


def chart_permission_required(perm: str):
    """`permission_required` for the charting POSTs, answering chairside.js in JSON: 401
    `signed_out` without a signed-in user, 403 `forbidden` for a role without `perm` (or no active
    membership). Requests without JSON behave exactly as `permission_required`."""

    def decorator(view):
        guarded = permission_required(perm)(view)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if _wants_json(request):
                if not request.user.is_authenticated:
                    return JsonResponse({"ok": False, "signed_out": True, "message": SIGNED_OUT}, status=401)
                if not user_can(request, perm):
                    message = NO_CLINIC if getattr(request, "membership", None) is None else NOT_PERMITTED
                    return JsonResponse({"ok": False, "forbidden": True, "message": message}, status=403)
            return guarded(request, *args, **kwargs)

        wrapped.required_permission = perm
        return wrapped

    return decorator


def _json_errors(form) -> dict[str, list[str]]:
    """Form errors keyed by the HTML field names (with the form's prefix), for chairside.js."""
    return {
        (name if name == "__all__" else form.add_prefix(name)): [str(e) for e in errors]
        for name, errors in form.errors.items()
    }


def _chart_post(request, session_id: int, name: str, form_class, action):
    # Charting is the hot path (bench/README.md §3): the service locks and re-reads the session
    # itself, so load only the row and its clinic here; the full page context only on an error.
    session = get_object_or_404(
        InfusionSession.objects.select_related("clinic"), clinic=request.clinic, pk=session_id
    )
    form = form_class(request.POST, prefix=FORM_PREFIX.get(name))
    if form.is_valid():
        try:
            action(session, form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            status = InfusionSession.objects.filter(pk=session.pk).values_list("status", flat=True).get()
            if _wants_json(request):
                return JsonResponse({"ok": True, "message": SAVED[name], "status": status})
            messages.success(request, SAVED[name])
            return redirect("infusions:session", session_id=session.pk)
    if _wants_json(request):
        return JsonResponse({"ok": False, "errors": _json_errors(form)}, status=400)
    session = _session_or_404(request, session_id)
    return render(request, "infusions/session.html", _session_context(request, session, bound={name: form}))


def _common(data) -> dict:
    return {"client_key": data["client_key"], "client_time": data.get("client_time")}


@chart_permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def start(request, session_id: int):
    return _chart_post(
        request,
        session_id,
        "start",
        f.EventForm,
        lambda s, d: infusion_start(session=s, started_by=request.user, note=d["note"], **_common(d)),
    )


@chart_permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def pause(request, session_id: int):
    return _chart_post(
        request,
        session_id,
        "pause",
        f.EventForm,
        lambda s, d: infusion_pause(session=s, paused_by=request.user, note=d["note"], **_common(d)),
    )


@chart_permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def resume(request, session_id: int):
    return _chart_post(
        request,
        session_id,
        "resume",
        f.ResumeForm,
        lambda s, d: infusion_resume(
            session=s, resumed_by=request.user, rate_ml_h=d["rate_ml_h"], **_common(d)
        ),
    )


@chart_permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def rate(request, session_id: int):
    return _chart_post(
        request,
        session_id,
        "rate",
        f.RateForm,
        lambda s, d: infusion_rate_change(
            session=s, changed_by=request.user, rate_ml_h=d["rate_ml_h"], note=d["note"], **_common(d)
        ),
    )


@chart_permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def stop(request, session_id: int):
    return _chart_post(
        request,
        session_id,
        "stop",
        f.StopForm,
        lambda s, d: infusion_stop(
            session=s,
            stopped_by=request.user,
            reason=d["reason"],
            reason_detail=d["reason_detail"],
            **_common(d),
        ),
    )


@chart_permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def vitals(request, session_id: int):
    return _chart_post(
        request,
        session_id,
        "vitals",
        f.VitalsForm,
        lambda s, d: vital_record(
            session=s,
            recorded_by=request.user,
            sbp=d["sbp"],
            dbp=d["dbp"],
            hr=d["hr"],
            spo2=d["spo2"],
            rr=d["rr"],
            temp_c=d["temp_c"],
            note=d["note"],
            **_common(d),
        ),
    )


@chart_permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def side_effect(request, session_id: int):
    return _chart_post(
        request,
        session_id,
        "side_effect",
        f.SideEffectForm,
        lambda s, d: side_effect_record(
            session=s,
            recorded_by=request.user,
            kind=d["kind"],
            severity=d["severity"],
            note=d["note"],
            **_common(d),
        ),
    )


@chart_permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def rescue(request, session_id: int):
    return _chart_post(
        request,
        session_id,
        "rescue",
        f.RescueForm,
        lambda s, d: rescue_medication_record(
            session=s,
            given_by=request.user,
            drug=d["drug"],
            drug_name=d["drug_name"],
            dose=d["dose"],
            route=d["route"],
            note=d["note"],
            **_common(d),
        ),
    )


@chart_permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def rating(request, session_id: int):
    return _chart_post(
        request,
        session_id,
        "rating",
        f.RatingForm,
        lambda s, d: rating_record(
            session=s, recorded_by=request.user, scale=d["scale"], value=d["value"], **_common(d)
        ),
    )


@chart_permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def alert_acknowledge(request, session_id: int, alert_id: int):
    session = _session_or_404(request, session_id)
    alert = get_object_or_404(VitalAlert.objects.select_related("session"), pk=alert_id, session=session)
    form = f.AcknowledgeForm(request.POST, prefix=f"ack{alert.pk}")
    if form.is_valid():
        try:
            vital_alert_acknowledge(
                alert=alert,
                acknowledged_by=request.user,
                action_taken=form.cleaned_data["action_taken"],
                client_key=form.cleaned_data["client_key"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if _wants_json(request):
                return JsonResponse({"ok": True, "message": SAVED["acknowledge"], "status": session.status})
            messages.success(request, SAVED["acknowledge"])
            return redirect(reverse("infusions:session", kwargs={"session_id": session.pk}) + "#alerts")
    if _wants_json(request):
        return JsonResponse({"ok": False, "errors": _json_errors(form)}, status=400)
    return render(
        request, "infusions/session.html", _session_context(request, session, bound={"acknowledge": form})
    )

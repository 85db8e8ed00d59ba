"""Messages and helpers the infusion-day views share: lookups, errors, the chair-side page context."""

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


def _readiness_initial(session) -> dict:
    """Pre-fill the gate from the patient's preparation confirmation (reminders) or the chart."""
    patient = session.patient
    initial = {"escort_name": patient.escort_name, "escort_phone": format_phone(patient.escort_phone)}
    preparation = preparation_for(session.appointment)
    if preparation is not None:
        tz = session.clinic.tzinfo
        initial.update(
            {
                "last_solids_time": preparation.last_solid_food_at.astimezone(tz).time().replace(second=0),
                "last_clear_liquids_time": preparation.last_clear_liquid_at.astimezone(tz)
                .time()
                .replace(second=0),
                "escort_name": preparation.driver_name or initial["escort_name"],
                "escort_phone": format_phone(preparation.driver_phone) or initial["escort_phone"],
                "medication_changes": preparation.medication_changes_detail,
            }
        )
        if preparation.pregnancy_status in ("not_pregnant", "pregnant", "unsure"):
            initial["pregnancy_status"] = preparation.pregnancy_status
    return initial


def _alerts_with_forms(session, bound=None) -> list[VitalAlert]:
    """The session's alerts, each open one with its acknowledge form (`alert.ack_form`)."""
    alerts = list(session_alerts(session=session))
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
    context = {
        "nav": "infusions",
        "session": session,
        "patient": session.patient,
        "order": session.order,
        "state": state,
        "gate": gate_state(session=session),
        "config": config,
        "alerts": _alerts_with_forms(session, (bound or {}).get("acknowledge")),
        "timeline": session_timeline(session=session),
        "can_override": user_can(request, Perm.ORDER_SIGN),
        "non_overridable": NON_OVERRIDABLE_ITEMS,
        "rating_scales": RATING_SCALES.values(),
        **_chart_forms(session, bound),
    }
    if session.status in PRE_START_STATUSES:
        applies = _pregnancy_applies(session, config)
        context["readiness_form"] = (
            bound.get("gate")
            if bound and bound.get("gate")
            else f.ReadinessForm(pregnancy_applies=applies, initial=_readiness_initial(session))
        )
        context["abandon_form"] = (bound or {}).get("abandon") or f.AbandonForm()
    return context

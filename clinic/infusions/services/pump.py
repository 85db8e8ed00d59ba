"""The pump events (start, pause, resume, rate change, stop) and the start of recovery.

Status changes re-read the session under a lock so two tablets cannot both start (or stop) the
same infusion; every event is stored once per client key."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.display import display_quantity
from clinic.infusions.calculations import EventKind
from clinic.infusions.models import (
    PRE_START_STATUSES,
    InfusionEvent,
    InfusionSession,
    SessionStatus,
    StopReason,
)
from clinic.infusions.selectors import gate_state
from clinic.infusions.services._common import (
    audit_session,
    lock_session,
    parse_client_key,
    parse_client_time,
    require_clinician,
)
from clinic.treatment.models import OrderStatus

# Pump.
GATE_NOT_PASSED = (
    "The readiness gate has not passed: complete it, or have a physician override each failing item."
)
ALREADY_STARTED = "The infusion has already been started (no second start)."
NOT_STARTABLE = "This session is {status}; the infusion cannot start."
ORDER_NO_LONGER_VERIFIED = "The order is no longer active (status: {status})."
NOT_RUNNING = "The infusion is not running."
NOT_PAUSED = "The infusion is not paused."
NOT_INFUSING = "The infusion is not running or paused."
RATE_REQUIRED = "Enter the new rate in mL/h."
RATE_NOT_POSITIVE = "The rate must be above 0 mL/h; use Pause to stop the pump for a while."
RATE_ABOVE_ORDER = "{rate} is above the ordered rate of {ordered}; a faster rate needs a new order."
STOP_REASON_REQUIRED = "Choose why the infusion stopped."
STOP_DETAIL_REQUIRED = "Describe the reason (required for 'other')."
RECOVERY_NOT_STOPPED = "Recovery starts when the infusion stops."


# --- Pump events ------------------------------------------------------------------------------


def _existing_event(session, key):
    return InfusionEvent.objects.filter(session=session, client_key=key).first()


def _event(session, *, kind, actor, key, rate=None, note="", client_time=None) -> InfusionEvent:
    event = InfusionEvent.objects.create(
        clinic=session.clinic,
        session=session,
        kind=kind,
        occurred_at=timezone.now(),
        rate_ml_h=rate,
        note=(note or "").strip()[:500],
        client_key=key,
        client_time=parse_client_time(client_time),
        recorded_by=actor,
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        clinic=session.clinic,
        obj=event,
        patient_id=session.patient_id,
        summary=f"Infusion {event.get_kind_display().lower()}"
        + (f" at {display_quantity(rate, 'ml_per_h')}" if rate is not None else ""),
        after=model_snapshot(event),
    )
    return event


def _set_status(session, status, *, actor, summary, **fields) -> None:
    before = model_snapshot(session)
    session.status = status
    for name, value in fields.items():
        setattr(session, name, value)
    session.save(update_fields=["status", *fields, "updated_at"])
    audit_session(session, actor=actor, before=before, summary=summary)


def _parse_rate(rate_ml_h) -> Decimal:
    if rate_ml_h in (None, ""):
        raise ValidationError({"rate_ml_h": [RATE_REQUIRED]})
    try:
        rate = rate_ml_h if isinstance(rate_ml_h, Decimal) else Decimal(str(rate_ml_h).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"rate_ml_h": [RATE_REQUIRED]}) from None
    if not rate.is_finite():
        raise ValidationError({"rate_ml_h": [RATE_REQUIRED]})
    if rate <= 0:
        raise ValidationError({"rate_ml_h": [RATE_NOT_POSITIVE]})
    return rate


def _check_rate(rate: Decimal, session) -> None:
    ordered = session.order.rate_ml_h
    if rate > ordered:
        raise ValidationError(
            {
                "rate_ml_h": [
                    RATE_ABOVE_ORDER.format(
                        rate=display_quantity(rate, "ml_per_h"), ordered=display_quantity(ordered, "ml_per_h")
                    )
                ]
            }
        )


def _current_rate(session) -> Decimal:
    last = (
        session.events.filter(rate_ml_h__isnull=False)
        .order_by("-occurred_at", "-pk")
        .values_list("rate_ml_h", flat=True)
        .first()
    )
    return last if last is not None else session.order.rate_ml_h


def infusion_start(
    *, session: InfusionSession, started_by, client_key, note: str = "", client_time=None
) -> InfusionEvent:
    """Start the pump at the ordered rate. Refused unless the gate is cleared (passed, or every
    failing item overridden) and the order is still verified; refused once started."""
    require_clinician(user=started_by, clinic=session.clinic)
    key = parse_client_key(client_key)
    with transaction.atomic():
        session = lock_session(session)
        existing = _existing_event(session, key)
        if existing is not None:
            return existing
        if session.started_at is not None or session.status not in PRE_START_STATUSES:
            if session.started_at is not None:
                raise ValidationError(ALREADY_STARTED, code="already_started")
            raise ValidationError(
                NOT_STARTABLE.format(status=session.get_status_display().lower()), code="transition"
            )
        if session.status != SessionStatus.READY or not gate_state(session=session).cleared:
            raise ValidationError(GATE_NOT_PASSED, code="gate")
        order = session.order
        if order.status != OrderStatus.VERIFIED:
            raise ValidationError(
                ORDER_NO_LONGER_VERIFIED.format(status=order.get_status_display()), code="order"
            )
        event = _event(
            session,
            kind=EventKind.START,
            actor=started_by,
            key=key,
            rate=order.rate_ml_h,
            note=note,
            client_time=client_time,
        )
        _set_status(
            session,
            SessionStatus.RUNNING,
            actor=started_by,
            summary="Infusion started",
            started_at=event.occurred_at,
        )
    return event


def infusion_pause(
    *, session: InfusionSession, paused_by, client_key, note: str = "", client_time=None
) -> InfusionEvent:
    """Pause the pump (running → paused)."""
    require_clinician(user=paused_by, clinic=session.clinic)
    key = parse_client_key(client_key)
    with transaction.atomic():
        session = lock_session(session)
        existing = _existing_event(session, key)
        if existing is not None:
            return existing
        if session.status != SessionStatus.RUNNING:
            raise ValidationError(NOT_RUNNING, code="transition")
        event = _event(
            session, kind=EventKind.PAUSE, actor=paused_by, key=key, note=note, client_time=client_time
        )
        _set_status(session, SessionStatus.PAUSED, actor=paused_by, summary="Infusion paused")
    return event


def infusion_resume(
    *, session: InfusionSession, resumed_by, client_key, rate_ml_h=None, note: str = "", client_time=None
) -> InfusionEvent:
    """Resume the pump (paused → running) at the rate before the pause, or a given rate no higher
    than the ordered rate."""
    require_clinician(user=resumed_by, clinic=session.clinic)
    key = parse_client_key(client_key)
    with transaction.atomic():
        session = lock_session(session)
        existing = _existing_event(session, key)
        if existing is not None:
            return existing
        if session.status != SessionStatus.PAUSED:
            raise ValidationError(NOT_PAUSED, code="transition")
        rate = _current_rate(session) if rate_ml_h in (None, "") else _parse_rate(rate_ml_h)
        _check_rate(rate, session)
        event = _event(
            session,
            kind=EventKind.RESUME,
            actor=resumed_by,
            key=key,
            rate=rate,
            note=note,
            client_time=client_time,
        )
        _set_status(session, SessionStatus.RUNNING, actor=resumed_by, summary="Infusion resumed")
    return event


def infusion_rate_change(
    *, session: InfusionSession, changed_by, rate_ml_h, client_key, note: str = "", client_time=None
) -> InfusionEvent:
    """Change the pump rate while running or paused. Any rate above the ordered rate is refused
    (a faster infusion needs a new, double-checked order)."""
    require_clinician(user=changed_by, clinic=session.clinic)
    key = parse_client_key(client_key)
    with transaction.atomic():
        session = lock_session(session)
        existing = _existing_event(session, key)
        if existing is not None:
            return existing
        if session.status not in (SessionStatus.RUNNING, SessionStatus.PAUSED):
            raise ValidationError(NOT_INFUSING, code="transition")
        rate = _parse_rate(rate_ml_h)
        _check_rate(rate, session)
        event = _event(
            session,
            kind=EventKind.RATE_CHANGE,
            actor=changed_by,
            key=key,
            rate=rate,
            note=note,
            client_time=client_time,
        )
    return event


def infusion_stop(
    *,
    session: InfusionSession,
    stopped_by,
    reason: str,
    client_key,
    reason_detail: str = "",
    note: str = "",
    client_time=None,
) -> InfusionEvent:
    """Stop the infusion for a reason (completed, dissociation bothersome to the patient,
    hypertension, …; 'other' needs a description). Recovery starts at once."""
    require_clinician(user=stopped_by, clinic=session.clinic)
    key = parse_client_key(client_key)
    reason_detail = (reason_detail or "").strip()
    with transaction.atomic():
        session = lock_session(session)
        existing = _existing_event(session, key)
        if existing is not None:
            return existing
        if session.status not in (SessionStatus.RUNNING, SessionStatus.PAUSED):
            raise ValidationError(NOT_INFUSING, code="transition")
        if reason not in StopReason.values:
            raise ValidationError({"reason": [STOP_REASON_REQUIRED]})
        if reason == StopReason.OTHER and not reason_detail:
            raise ValidationError({"reason_detail": [STOP_DETAIL_REQUIRED]})
        event = _event(
            session,
            kind=EventKind.STOP,
            actor=stopped_by,
            key=key,
            note=note or StopReason(reason).label,
            client_time=client_time,
        )
        _set_status(
            session,
            SessionStatus.STOPPED,
            actor=stopped_by,
            summary=f"Infusion stopped: {StopReason(reason).label}",
            stopped_at=event.occurred_at,
            stop_reason=reason,
            stop_reason_detail=reason_detail[:300],
        )
        _recovery_begin(session, actor=stopped_by)
    return event


def _recovery_begin(session: InfusionSession, *, actor) -> None:
    _set_status(
        session,
        SessionStatus.RECOVERING,
        actor=actor,
        summary="Recovery started",
        recovery_started_at=timezone.now(),
    )


def recovery_start(*, session: InfusionSession, started_by) -> InfusionSession:
    """Begin recovery observation after the stop (infusion_stop does this itself)."""
    require_clinician(user=started_by, clinic=session.clinic)
    with transaction.atomic():
        session = lock_session(session)
        if session.status != SessionStatus.STOPPED:
            raise ValidationError(RECOVERY_NOT_STOPPED, code="transition")
        _recovery_begin(session, actor=started_by)
    return session

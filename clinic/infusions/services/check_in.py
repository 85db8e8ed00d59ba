"""Check-in of today's infusion appointment, and abandoning a session before the start."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Membership
from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction
from clinic.audit.services import model_snapshot
from clinic.core.services import idempotent
from clinic.infusions.models import (
    ACTIVE_STATUSES,
    PRE_START_STATUSES,
    InfusionSession,
    SessionStatus,
)
from clinic.infusions.selectors import INFUSION_APPOINTMENT_KINDS, check_in_choice
from clinic.infusions.services._common import (
    WRONG_CLINIC,
    appointment_set_status,
    audit_session,
    lock_session,
    require_clinician,
)
from clinic.scheduling.models import AppointmentStatus, Room, RoomKind
from clinic.scheduling.selectors import clinic_day_bounds, clinic_today
from clinic.treatment.models import OrderStatus

# Check-in.
NOT_AN_INFUSION = "Only infusion appointments are checked in here."
APPOINTMENT_NOT_TODAY = "Only today's appointments can be checked in."
APPOINTMENT_NOT_ACTIVE = "This appointment is {status}; it cannot be checked in."
ALREADY_CHECKED_IN = "This appointment is already checked in (session #{pk})."
ORDER_NOT_VERIFIED = "Choose a double-checked (verified) order."
ORDER_OTHER_PATIENT = "That order is for another patient."
ORDER_IN_USE = "That order is already used by session #{pk}."
CHAIR_NOT_A_CHAIR = "Choose an infusion chair."
CHAIR_INACTIVE = "That chair is out of use."
CHAIR_OCCUPIED = "{chair} is occupied by another patient's session."
NURSE_NOT_CLINICIAN = "The responsible nurse must be a nurse or physician of this clinic."
# Another order than the next in sequence (e.g. "Infusion 1" at the third visit, after a titration
# the wrong dose) needs the nurse's reason, stored on the session and audited.
ORDER_NOT_NEXT_REASON_REQUIRED = (
    "Infusion {chosen} is not the next order in sequence ({next}). Give the reason for choosing it."
)
NEXT_ORDER_NAMED = "the next is infusion {sequence} of the current course"
NO_NEXT_ORDER = "no double-checked order follows the last infusion given in the current course"

ABANDON_REASON_REQUIRED = "Give the reason the infusion will not be given."
ABANDON_AFTER_START = "The infusion has started; stop it instead."

CHECK_IN_SCOPE = "infusions.session_check_in"


# --- Check-in ---------------------------------------------------------------------------------


def session_check_in(
    *,
    appointment,
    order,
    chair: Room,
    nurse,
    checked_in_by=None,
    order_choice_reason: str = "",
    submission_key=None,
) -> InfusionSession:
    """Open the infusion session of today's infusion appointment with a verified order for the
    patient and a free chair; the appointment becomes 'checked in'. The order should be the next in
    sequence (selectors.check_in_choice); any other needs `order_choice_reason`, stored on the
    session and in the audit event. A repeat with the same `submission_key` returns the first
    session."""
    checked_in_by = checked_in_by or nurse
    clinic = appointment.clinic
    require_clinician(user=checked_in_by, clinic=clinic)
    with transaction.atomic():

        def create() -> InfusionSession:
            errors: dict[str, list[str]] = {}
            if appointment.kind not in INFUSION_APPOINTMENT_KINDS:
                raise ValidationError(NOT_AN_INFUSION, code="kind")
            start, end = clinic_day_bounds(clinic, clinic_today(clinic))
            if not start <= appointment.starts_at < end:
                raise ValidationError(APPOINTMENT_NOT_TODAY, code="not_today")
            if appointment.status not in (
                AppointmentStatus.BOOKED,
                AppointmentStatus.CONFIRMED,
                AppointmentStatus.CHECKED_IN,
            ):
                raise ValidationError(
                    APPOINTMENT_NOT_ACTIVE.format(status=appointment.get_status_display().lower()),
                    code="appointment_status",
                )
            live = (
                InfusionSession.objects.filter(appointment=appointment)
                .exclude(status=SessionStatus.ABANDONED)
                .first()
            )
            if live is not None:
                raise ValidationError(ALREADY_CHECKED_IN.format(pk=live.pk), code="already")
            if order is None or order.clinic_id != clinic.pk:
                errors["order"] = [ORDER_NOT_VERIFIED if order is None else WRONG_CLINIC]
            elif order.patient_id != appointment.patient_id:
                errors["order"] = [ORDER_OTHER_PATIENT]
            elif order.status != OrderStatus.VERIFIED:
                errors["order"] = [ORDER_NOT_VERIFIED]
            else:
                used = (
                    InfusionSession.objects.filter(order=order)
                    .exclude(status=SessionStatus.ABANDONED)
                    .first()
                )
                if used is not None:
                    errors["order"] = [ORDER_IN_USE.format(pk=used.pk)]
            reason = (order_choice_reason or "").strip()[:300]
            choice = None
            if "order" not in errors:
                choice = check_in_choice(patient=appointment.patient)
                if choice.next_order is not None and choice.next_order.pk == order.pk:
                    reason = ""  # the next order needs no reason
                elif not reason:
                    named = (
                        NEXT_ORDER_NAMED.format(sequence=choice.next_order.sequence)
                        if choice.next_order is not None
                        else NO_NEXT_ORDER
                    )
                    errors["order_choice_reason"] = [
                        ORDER_NOT_NEXT_REASON_REQUIRED.format(chosen=order.sequence, next=named)
                    ]
            if chair is None or chair.clinic_id != clinic.pk:
                errors["chair"] = [CHAIR_NOT_A_CHAIR if chair is None else WRONG_CLINIC]
            elif chair.kind != RoomKind.CHAIR:
                errors["chair"] = [CHAIR_NOT_A_CHAIR]
            elif not chair.is_active:
                errors["chair"] = [CHAIR_INACTIVE]
            elif InfusionSession.objects.filter(chair=chair, status__in=ACTIVE_STATUSES).exists():
                errors["chair"] = [CHAIR_OCCUPIED.format(chair=chair.name)]
            if (
                nurse is None
                or not Membership.objects.filter(
                    user=nurse, clinic=clinic, role__in=(Role.NURSE, Role.PHYSICIAN), is_active=True
                ).exists()
            ):
                errors["nurse"] = [NURSE_NOT_CLINICIAN]
            if errors:
                raise ValidationError(errors)
            session = InfusionSession.objects.create(
                clinic=clinic,
                appointment=appointment,
                patient=appointment.patient,
                order=order,
                chair=chair,
                nurse=nurse,
                status=SessionStatus.CHECKED_IN,
                checked_in_at=timezone.now(),
                checked_in_by=checked_in_by,
                order_choice_reason=reason,
            )
            audit_session(
                session,
                actor=checked_in_by,
                action=AuditAction.CREATE,
                summary=f"Checked in for infusion in {chair.name}"
                + (f" with infusion {order.sequence}, not the next in sequence" if reason else ""),
                extra={
                    "order_sequence": order.sequence,
                    "next_order": choice.next_order.pk if choice.next_order else None,
                    "next_sequence": choice.next_order.sequence if choice.next_order else None,
                    "order_choice_reason": reason,
                },
            )
            appointment_set_status(appointment, AppointmentStatus.CHECKED_IN, actor=checked_in_by)
            return session

        session, _ = idempotent(
            scope=CHECK_IN_SCOPE, key=submission_key, clinic=clinic, model=InfusionSession, create=create
        )
    return session


def session_abandon(*, session: InfusionSession, abandoned_by, reason: str) -> InfusionSession:
    """Close a session before the start (the infusion will not be given today), with the reason."""
    require_clinician(user=abandoned_by, clinic=session.clinic)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [ABANDON_REASON_REQUIRED]})
    with transaction.atomic():
        session = lock_session(session)
        if session.status not in PRE_START_STATUSES:
            raise ValidationError(ABANDON_AFTER_START, code="transition")
        before = model_snapshot(session)
        session.status = SessionStatus.ABANDONED
        session.abandoned_at = timezone.now()
        session.abandon_reason = reason[:300]
        session.save(update_fields=["status", "abandoned_at", "abandon_reason", "updated_at"])
        audit_session(
            session,
            actor=abandoned_by,
            summary="Infusion abandoned before the start",
            before=before,
            extra={"reason": session.abandon_reason},
        )
    return session

"""Helpers shared by the infusion-day services: role checks, locking, client keys and times."""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinic.accounts.models import Membership
from clinic.accounts.roles import Perm, role_has_perm
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.infusions.models import InfusionSession

ONLY_CLINICIANS_CHART = "Only a nurse or physician of this clinic can chart the infusion."
ONLY_PHYSICIAN_OVERRIDE = "Only a physician can override the readiness gate."
CLIENT_KEY_INVALID = "The entry has no valid client key; reload the page and try again."
WRONG_CLINIC = "That record belongs to another clinic."


def user_has_perm(*, user, clinic, perm: str) -> bool:
    """True when `user` holds an active membership at `clinic` whose role grants `perm`.

    Services check this themselves (not only the views), so a script or an API cannot chart as a
    front-desk user.
    """
    roles = Membership.objects.filter(user=user, clinic=clinic, is_active=True).values_list("role", flat=True)
    return any(role_has_perm(role, perm) for role in roles)


def require_clinician(*, user, clinic) -> None:
    if not user_has_perm(user=user, clinic=clinic, perm=Perm.PATIENT_CLINICAL_EDIT):
        raise ValidationError(ONLY_CLINICIANS_CHART, code="not_permitted")


def require_physician(*, user, clinic) -> None:
    if not user_has_perm(user=user, clinic=clinic, perm=Perm.ORDER_SIGN):
        raise ValidationError(ONLY_PHYSICIAN_OVERRIDE, code="not_permitted")


def parse_client_key(value) -> uuid.UUID:
    """The tablet's UUID for one entry (a retry carries the same one)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError({"client_key": [CLIENT_KEY_INVALID]}, code="client_key") from None


def parse_client_time(value) -> dt.datetime | None:
    """The device's clock at entry, kept for reconciliation only (never used in calculations)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = parse_datetime(str(value))
        except ValueError:
            return None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        return None
    return moment


def lock_session(session: InfusionSession) -> InfusionSession:
    """Re-read the session under a row lock: status checks and writes of one session serialize
    (PostgreSQL row lock; SQLite takes the write lock at BEGIN IMMEDIATE)."""
    return (
        InfusionSession.objects.select_for_update(of=("self",))
        .select_related("order__course__protocol", "patient", "clinic", "appointment")
        .get(pk=session.pk)
    )


def audit_session(session, *, actor, action=AuditAction.UPDATE, summary, before=None, extra=None):
    audit_record(
        action=action,
        actor=actor,
        clinic=session.clinic,
        obj=session,
        patient_id=session.patient_id,
        summary=summary,
        before=before,
        after=model_snapshot(session),
        extra=extra,
    )


def appointment_set_status(appointment, status: str, *, actor) -> None:
    """Move the appointment along with the session (checked in, completed), audited."""
    if appointment.status == status:
        return
    before = model_snapshot(appointment)
    appointment.status = status
    appointment._history_user = actor  # names the user in django-simple-history
    appointment.save(update_fields=["status", "updated_at"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        clinic=appointment.clinic,
        obj=appointment,
        patient_id=appointment.patient_id,
        summary=f"Appointment {appointment.get_status_display().lower()}",
        before=before,
        after=model_snapshot(appointment),
    )

"""Booking appointments."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Membership
from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.selectors import clinic_setting_value
from clinic.core.services import idempotent
from clinic.scheduling.models import Appointment, AppointmentKind, AppointmentStatus, Room, RoomKind

ROOM_TAKEN = "{room} is already booked from {start:%H:%M} to {end:%H:%M} that day."
ENDS_BEFORE_START = "The appointment must end after it starts."
ROOM_OTHER_CLINIC = "That room belongs to another clinic."

ROOM_NAME_TAKEN = "There is already a room or chair called {name} at this clinic."

ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN)


def room_create(*, clinic, name: str, kind: str, created_by) -> Room:
    """Add a consultation room or an infusion chair to a clinic."""
    name = (name or "").strip()
    with transaction.atomic():
        if Room.objects.filter(clinic=clinic, name__iexact=name).exists():
            raise ValidationError({"name": ROOM_NAME_TAKEN.format(name=name)})
        room = Room(clinic=clinic, name=name, kind=kind)
        room.full_clean()
        room.save()
        audit_record(
            action=AuditAction.CREATE, actor=created_by, clinic=clinic, obj=room,
            summary=f"{room.get_kind_display()} {room.name} added", after=model_snapshot(room),
        )
    return room


def room_overlaps(*, room: Room, starts_at: dt.datetime, ends_at: dt.datetime, exclude_id=None):
    overlapping = Appointment.objects.filter(
        room=room, status__in=ACTIVE_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude_id:
        overlapping = overlapping.exclude(pk=exclude_id)
    return overlapping.first()


def appointment_book(
    *, patient, kind: str, starts_at: dt.datetime, ends_at: dt.datetime, booked_by,
    room: Room | None = None, clinician=None, notes: str = "",
) -> Appointment:
    """Book one appointment; refuses a room that is already taken at that time."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": ENDS_BEFORE_START})
    with transaction.atomic():
        if room is not None:
            if room.clinic_id != patient.clinic_id:
                raise ValidationError({"room": ROOM_OTHER_CLINIC})
            # Lock the room row so two bookings cannot take the same slot concurrently.
            room = Room.objects.select_for_update().get(pk=room.pk)
            clash = room_overlaps(room=room, starts_at=starts_at, ends_at=ends_at)
            if clash is not None:
                tz = patient.clinic.tzinfo
                raise ValidationError({"room": ROOM_TAKEN.format(
                    room=room.name, start=clash.starts_at.astimezone(tz), end=clash.ends_at.astimezone(tz))})
        appointment = Appointment(
            clinic=patient.clinic, patient=patient, kind=kind, starts_at=starts_at, ends_at=ends_at,
            room=room, clinician=clinician, notes=notes, booked_by=booked_by,
        )
        appointment.full_clean()
        appointment.save()
        audit_record(
            action=AuditAction.CREATE, actor=booked_by, clinic=patient.clinic, obj=appointment,
            patient_id=patient.pk, summary=f"{appointment.get_kind_display()} booked",
            after=model_snapshot(appointment),
        )
    return appointment


STARTS_IN_PAST = "The start time has already passed; choose a time from now on."
ROOM_NOT_CONSULT = "Choose a consultation room, not an infusion chair."
ROOM_INACTIVE = "That room is out of use."
CLINICIAN_NOT_PHYSICIAN = "The clinician must be a physician at this clinic."
NOT_AWARE = "Start time must carry a time zone."


def consultation_book(
    *, patient, starts_at: dt.datetime, booked_by, room: Room | None = None, clinician=None,
    notes: str = "", submission_key=None,
) -> Appointment:
    """Book a consultation of the clinic's standard length in a consultation room with a physician.

    The length is the clinic setting `consultation_length_minutes`; times are aware (stored UTC).
    A repeat with the same `submission_key` returns the first appointment.
    """
    clinic = patient.clinic
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": NOT_AWARE})
    errors: dict[str, str] = {}
    if room is not None:
        if room.clinic_id != clinic.pk:
            errors["room"] = ROOM_OTHER_CLINIC
        elif room.kind != RoomKind.CONSULT:
            errors["room"] = ROOM_NOT_CONSULT
        elif not room.is_active:
            errors["room"] = ROOM_INACTIVE
    if clinician is not None and not Membership.objects.filter(
        user=clinician, clinic=clinic, role=Role.PHYSICIAN, is_active=True
    ).exists():
        errors["clinician"] = CLINICIAN_NOT_PHYSICIAN
    length = dt.timedelta(minutes=clinic_setting_value(clinic, "consultation_length_minutes"))
    with transaction.atomic():
        def create() -> Appointment:
            # Checked inside `create` so a repeat of an already-booked submission still succeeds.
            if starts_at < timezone.now():
                errors["starts_at"] = STARTS_IN_PAST
            if errors:
                raise ValidationError(errors)
            return appointment_book(
                patient=patient, kind=AppointmentKind.CONSULTATION, starts_at=starts_at,
                ends_at=starts_at + length, booked_by=booked_by, room=room, clinician=clinician,
                notes=notes,
            )

        appointment, _ = idempotent(
            scope="scheduling.consultation_book", key=submission_key, clinic=clinic,
            model=Appointment, create=create,
        )
    return appointment

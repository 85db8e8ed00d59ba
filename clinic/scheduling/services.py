"""Booking appointments."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.scheduling.models import Appointment, AppointmentStatus, Room

ROOM_TAKEN = "{room} is already booked from {start:%H:%M} to {end:%H:%M} that day."
ENDS_BEFORE_START = "The appointment must end after it starts."
ROOM_OTHER_CLINIC = "That room belongs to another clinic."

ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN)


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

"""Small audited writes the demo needs where no service exists yet, and calendar helpers.

Each write runs in one transaction with its audit event, exactly like a service, so the audit chain
of a demo database looks like one built by users.
"""

import datetime as dt
import re
import zoneinfo

from django.db import transaction

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.models import Clinic
from clinic.scheduling.models import Appointment, Room


def demo_clinic_create(*, slug: str, created_by=None, **fields) -> Clinic:
    """Create a clinic (tenant) with its first audit event."""
    with transaction.atomic():
        clinic = Clinic(slug=slug, **fields)
        clinic.full_clean()
        clinic.save()
        audit_record(
            action=AuditAction.CREATE,
            actor=created_by,
            clinic=clinic,
            obj=clinic,
            summary=f"Clinic {clinic.name} created",
            after=model_snapshot(clinic),
        )
    return clinic


def demo_room_create(*, clinic: Clinic, name: str, kind: str, created_by=None) -> Room:
    """Create an infusion chair or consultation room."""
    with transaction.atomic():
        room = Room(clinic=clinic, name=name, kind=kind)
        room.full_clean()
        room.save()
        audit_record(
            action=AuditAction.CREATE,
            actor=created_by,
            clinic=clinic,
            obj=room,
            summary=f"{room.get_kind_display()} {name} added",
            after=model_snapshot(room),
        )
    return room


def demo_appointment_set_status(
    *, appointment: Appointment, status: str, changed_by, reason: str = ""
) -> Appointment:
    """Record what happened to a past appointment (completed, no-show, cancelled)."""
    with transaction.atomic():
        before = model_snapshot(appointment)
        appointment.status = status
        if reason:
            appointment.cancel_reason = reason
        appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=changed_by,
            clinic=appointment.clinic,
            obj=appointment,
            patient_id=appointment.patient_id,
            summary=f"{appointment.get_kind_display()} {appointment.get_status_display().lower()}",
            before=before,
            after=model_snapshot(appointment),
        )
    return appointment


def demo_backdate(model, pk: int, **fields) -> None:
    """Move a demo record's own timestamps (created_at, signed_at, activated_at…) into the past.

    Demo only, so a course signed "weeks ago" reads that way on its page. Only columns outside
    every hash are moved: `created_at` is not in model snapshots, and a signature's content hash
    covers the signed record, not `signed_at`; audit events are never touched, so
    `manage.py audit_verify` still passes.
    """
    if fields:
        model.objects.filter(pk=pk).update(**fields)


def demo_remember_password(user) -> None:
    """Check a demo user's password for real once, then remember the answer on this instance.

    Every signature re-asks the password (a deliberately slow Argon2 check, ~0.1 s); the loader signs
    a few hundred records as the same handful of people, so each person's password is verified once.
    """
    verified: set[str] = set()
    check = user.check_password

    def remembered(raw_password: str) -> bool:
        if raw_password in verified:
            return True
        if check(raw_password):
            verified.add(raw_password)
            return True
        return False

    user.check_password = remembered


def add_working_days(day: dt.date, n: int) -> dt.date:
    """`day` moved by n working days (Monday to Friday); n may be negative."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        day += dt.timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


def next_working_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def email_for(given_name: str, family_name: str, domain: str = "example.com") -> str:
    local = re.sub(r"[^a-z0-9.]", "", f"{given_name}.{family_name}".lower())
    return f"{local}@{domain}"


class RoomCalendar:
    """Finds free, non-overlapping slots in a clinic's rooms so demo bookings never clash.

    Slots are laid on a fixed grid in the clinic's local time; a booking takes the first room of
    the asked kind that is free for the whole interval.
    """

    CONSULT_STARTS = [dt.time(h) for h in (9, 10, 11, 13, 14, 15, 16)]
    # Two-hour chair visits (a mood infusion and its recovery) on the hour.
    CHAIR_STARTS = [dt.time(8), dt.time(10), dt.time(12), dt.time(14), dt.time(16)]
    LONG_CHAIR_STARTS = [dt.time(8), dt.time(12, 30)]

    def __init__(self, *, tz: zoneinfo.ZoneInfo, rooms: list[Room]):
        self.tz = tz
        self.rooms = rooms
        self.busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {r.pk: [] for r in rooms}

    def reserve(self, room: Room, start: dt.datetime, end: dt.datetime) -> None:
        """Hold a slot chosen elsewhere (today's infusion day) so no other booking takes it."""
        self.busy[room.pk].append((start, end))

    def _free(self, room: Room, start: dt.datetime, end: dt.datetime) -> bool:
        return all(end <= s or start >= e for s, e in self.busy[room.pk])

    def take(
        self,
        *,
        day: dt.date,
        kind: str,
        minutes: int,
        not_before: dt.datetime | None = None,
        preferred: int = 0,
    ) -> tuple[Room, dt.datetime, dt.datetime] | None:
        """Reserve the first free slot on `day` (trying later days is the caller's choice)."""
        if kind == "consult":
            starts = self.CONSULT_STARTS
        else:
            starts = self.LONG_CHAIR_STARTS if minutes > 120 else self.CHAIR_STARTS
        rooms = [r for r in self.rooms if r.kind == kind]
        # Rotate the grid so patients do not all pile into the first morning slot.
        order = starts[preferred % len(starts) :] + starts[: preferred % len(starts)]
        for start_time in order:
            start = dt.datetime.combine(day, start_time, tzinfo=self.tz)
            if not_before is not None and start < not_before:
                continue
            end = start + dt.timedelta(minutes=minutes)
            for room in rooms:
                if self._free(room, start, end):
                    self.busy[room.pk].append((start, end))
                    return room, start, end
        return None

    def take_on_or_after(
        self,
        *,
        day: dt.date,
        kind: str,
        minutes: int,
        not_before: dt.datetime | None = None,
        preferred: int = 0,
    ) -> tuple[Room, dt.datetime, dt.datetime]:
        day = next_working_day(day)
        for _ in range(60):
            slot = self.take(day=day, kind=kind, minutes=minutes, not_before=not_before, preferred=preferred)
            if slot is not None:
                return slot
            day = add_working_days(day, 1)
        raise RuntimeError("No free slot in 60 working days; the demo calendar is too full.")

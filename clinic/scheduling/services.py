"""Writes for scheduling: rooms, hours, shifts, visit types, appointments, series and calendar feeds.

Every write runs in one transaction with its audit event. Booking re-checks chairs, opening hours,
nurse capacity and spacing with the planner's rules while holding a lock on the clinic's chairs, so
two desks cannot book the same chair at once (on SQLite the IMMEDIATE transaction serialises writers;
on PostgreSQL the chair rows are locked with SELECT ... FOR UPDATE).

Every booking a person makes (`consultation_book`, `series_book`, `appointment_reschedule`,
`series_move`) must also fit the clinic's hours and closures and the clinician's availability (no
overlapping visits, within their shifts when the clinic keeps a roster for their role that day):
the rules are in `availability.py`. `appointment_book` is the low-level write those services call
after their checks (and that the demo uses to record past visits): it refuses only what can never
happen at any hour, a taken room or a clinician already seeing someone one-to-one.
"""

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Membership
from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.selectors import clinic_setting_value
from clinic.core.services import idempotent
from clinic.scheduling import availability, planner, selectors
from clinic.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentSeries,
    AppointmentStatus,
    AppointmentType,
    CalendarFeedToken,
    ClinicClosure,
    ClinicHours,
    Colour,
    Room,
    RoomKind,
    SeriesStatus,
    StaffShift,
)
from clinic.scheduling.planner import Slot

ROOM_TAKEN = availability.ROOM_TAKEN
CLINICIAN_BUSY = availability.CLINICIAN_BUSY
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


def _room_taken(room: Room, clash: Appointment, tz) -> str:
    start, end = clash.starts_at.astimezone(tz), clash.ends_at.astimezone(tz)
    return ROOM_TAKEN.format(room=room.name, start=f"{start:%H:%M}", end=f"{end:%H:%M}")


def clinician_overlaps(
    *, clinician, clinic, starts_at: dt.datetime, ends_at: dt.datetime, in_chair: bool, exclude_id=None
) -> Appointment | None:
    """The clinician's first visit this one may not overlap: any, for a one-to-one visit; their
    one-to-one visits only, for a visit in an infusion chair (nurses watch several chairs at once)."""
    overlapping = Appointment.objects.filter(
        clinic=clinic, clinician=clinician, status__in=ACTIVE_STATUSES, starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    if in_chair:
        overlapping = overlapping.exclude(room__kind=RoomKind.CHAIR)
    if exclude_id:
        overlapping = overlapping.exclude(pk=exclude_id)
    return overlapping.order_by("starts_at").first()


def booking_refusals(
    *, clinic, starts_at: dt.datetime, ends_at: dt.datetime, room_kind: str, room: Room | None,
    clinician, patient, exclude_ids: tuple[int, ...] = (), active_minutes: int | None = None,
    now: dt.datetime | None = None,
) -> dict[str, list[str]]:
    """Everything that stops this booking (hours, closures, room, patient, clinician and their
    shifts, nurses), by form field; empty when it can happen. Call under the booking's locks."""
    tz = clinic.tzinfo
    calendar = selectors.booking_calendar(
        clinic=clinic, first_day=starts_at.astimezone(tz).date(), last_day=ends_at.astimezone(tz).date(),
        room_kind=room_kind, room=room, clinician=clinician, patient=patient, exclude_ids=exclude_ids,
        active_minutes=active_minutes,
    )
    return availability.booking_problems(
        calendar, start=starts_at, end=ends_at, room_id=room.pk if room is not None else None,
        not_before=now,
    )


def _lock_clinician(clinician, clinic) -> None:
    """Lock the clinician's membership row, so two desks cannot give them overlapping visits."""
    if clinician is not None:
        list(Membership.objects.select_for_update().filter(user=clinician, clinic=clinic))


def appointment_book(
    *, patient, kind: str, starts_at: dt.datetime, ends_at: dt.datetime, booked_by,
    room: Room | None = None, clinician=None, notes: str = "",
    appointment_type: AppointmentType | None = None, active_minutes: int | None = None,
    series: AppointmentSeries | None = None, sequence: int | None = None,
) -> Appointment:
    """Record one appointment: the low-level write the booking services call after their checks.

    Refuses what can happen at no hour: a room already taken then, or a clinician already seeing
    someone one-to-one then. Opening hours, closures and shifts are the booking services' checks
    (`consultation_book`, `series_book`, `appointment_reschedule`, `series_move`), so the demo can
    record past visits here. `series`/`sequence` are set by `series_book`; `active_minutes` is the
    nurse-occupied part.
    """
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
                raise ValidationError({"room": _room_taken(room, clash, patient.clinic.tzinfo)})
        if clinician is not None:
            clash = clinician_overlaps(
                clinician=clinician, clinic=patient.clinic, starts_at=starts_at, ends_at=ends_at,
                in_chair=room is not None and room.kind == RoomKind.CHAIR,
            )
            if clash is not None:
                tz = patient.clinic.tzinfo
                raise ValidationError({"clinician": CLINICIAN_BUSY.format(
                    name=clinician.signature_name, start=f"{clash.starts_at.astimezone(tz):%H:%M}",
                    end=f"{clash.ends_at.astimezone(tz):%H:%M}")})
        appointment = Appointment(
            clinic=patient.clinic, patient=patient, kind=kind, starts_at=starts_at, ends_at=ends_at,
            room=room, clinician=clinician, notes=notes, booked_by=booked_by,
            appointment_type=appointment_type, active_minutes=active_minutes, series=series,
            sequence=sequence,
        )
        appointment.full_clean()
        appointment.save()
        audit_record(
            action=AuditAction.CREATE, actor=booked_by, clinic=patient.clinic, obj=appointment,
            patient_id=patient.pk,
            summary=f"{appointment.get_kind_display()} booked"
            + (f" (series visit {sequence})" if series is not None else ""),
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
    Refused (by field) outside opening hours or on a closed day, in a taken room, when the patient
    has another visit, and when the physician has another visit or is off shift (availability.py).
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
            if room is not None:
                Room.objects.select_for_update().filter(pk=room.pk).first()
            _lock_clinician(clinician, clinic)
            refusals = booking_refusals(
                clinic=clinic, starts_at=starts_at, ends_at=starts_at + length, room_kind=RoomKind.CONSULT,
                room=room, clinician=clinician, patient=patient,
            )
            if refusals:
                raise ValidationError(refusals)
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


# --- shared refusals ------------------------------------------------------------------------------

REASON_REQUIRED = "Give a reason (it is kept in the audit trail)."
PAST_CANNOT_CHANGE = "This visit has already started or passed; it cannot be moved or cancelled."
NOT_CHANGEABLE = "A visit that is {status} cannot be moved or cancelled."
TIME_SKIPPED = "{when} does not exist in the clinic's zone (the clocks go forward); choose another time."
ROOM_WRONG_KIND = "Choose {kind} for this visit."
OUTSIDE_HOURS = availability.OUTSIDE_HOURS_ON
CLINIC_CLOSED = availability.CLINIC_CLOSED_ON
PATIENT_BUSY = availability.PATIENT_BUSY
GAP_TOO_SHORT = "Series visits must start at least {gap} h apart; this is {hours} h after visit {n}."


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    return reason[:300]


def _local(moment: dt.datetime, clinic) -> str:
    return moment.astimezone(clinic.tzinfo).strftime("%a %d %b %Y %H:%M")


def _lock_chairs(clinic) -> None:
    """Lock every chair of the clinic (in id order, so lockers never deadlock)."""
    list(Room.objects.select_for_update().filter(clinic=clinic, kind=RoomKind.CHAIR).order_by("pk"))


# --- clinic hours and closures --------------------------------------------------------------------

HOURS_REQUIRED = "Enter opening and closing times, or mark the day closed."
HOURS_ORDER = "Closing time must be after opening time."
CLOSURE_EXISTS = "That date is already marked closed."
CLOSURE_DATE_REQUIRED = "Enter the date."


def clinic_hours_set(
    *, clinic, weekday: int, is_closed: bool, opens: dt.time | None, closes: dt.time | None, changed_by,
) -> ClinicHours:
    """Set one weekday's opening hours (wall-clock, the clinic's zone); audited with old and new."""
    if not 0 <= int(weekday) <= 6:
        raise ValidationError({"weekday": "Choose a weekday."})
    if not is_closed:
        if opens is None or closes is None:
            raise ValidationError({"opens": HOURS_REQUIRED})
        if closes <= opens:
            raise ValidationError({"closes": HOURS_ORDER})
    else:
        opens = closes = None
    with transaction.atomic():
        row = ClinicHours.objects.select_for_update().filter(clinic=clinic, weekday=weekday).first()
        before = model_snapshot(row) if row else None
        if row is None:
            row = ClinicHours(clinic=clinic, weekday=weekday)
        row.is_closed, row.opens, row.closes, row.changed_by = is_closed, opens, closes, changed_by
        row.save()
        audit_record(
            action=AuditAction.UPDATE if before else AuditAction.CREATE, actor=changed_by, clinic=clinic,
            obj=row, summary=f"Clinic hours: {row}", before=before, after=model_snapshot(row),
        )
    return row


def clinic_week_hours_set(
    *, clinic, week: dict[int, tuple[bool, dt.time | None, dt.time | None]], changed_by,
) -> list[ClinicHours]:
    """Save the weekly hours at once (weekday -> (is_closed, opens, closes)); unchanged days are
    skipped, and one invalid day saves nothing."""
    current = selectors.clinic_hours_week(clinic=clinic)
    saved = []
    with transaction.atomic():
        for weekday, (is_closed, opens, closes) in sorted(week.items()):
            new = None if is_closed else (opens, closes)
            if new == current.get(weekday):
                continue
            saved.append(clinic_hours_set(
                clinic=clinic, weekday=weekday, is_closed=is_closed, opens=opens, closes=closes,
                changed_by=changed_by,
            ))
    return saved


def clinic_closure_add(*, clinic, date: dt.date, reason: str, added_by) -> ClinicClosure:
    """Mark a date closed (a holiday); the planner places no visit that day."""
    if date is None:
        raise ValidationError({"date": CLOSURE_DATE_REQUIRED})
    reason = _reason(reason)[:200]
    with transaction.atomic():
        if ClinicClosure.objects.filter(clinic=clinic, date=date).exists():
            raise ValidationError({"date": CLOSURE_EXISTS})
        closure = ClinicClosure.objects.create(clinic=clinic, date=date, reason=reason, created_by=added_by)
        audit_record(
            action=AuditAction.CREATE, actor=added_by, clinic=clinic, obj=closure,
            summary=f"Clinic closed on {date:%Y-%m-%d}", after=model_snapshot(closure),
        )
    return closure


def clinic_closure_remove(*, closure: ClinicClosure, removed_by) -> None:
    """Reopen a closed date. Removing one already removed (a double submit) does nothing."""
    with transaction.atomic():
        closure = ClinicClosure.objects.select_for_update().filter(pk=closure.pk).first()
        if closure is None:
            return
        before = model_snapshot(closure)
        audit_record(
            action=AuditAction.DELETE, actor=removed_by, clinic=closure.clinic, obj=closure,
            summary=f"Closure on {closure.date:%Y-%m-%d} removed", before=before,
        )
        closure.delete()


# --- rooms ----------------------------------------------------------------------------------------


def room_set_active(*, room: Room, is_active: bool, changed_by) -> Room:
    """Take a chair or room out of use (or back). Booked visits stay; the planner stops using it.
    A room already in the wanted state is left as it is (nothing audited)."""
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room.pk)
        if room.is_active == is_active:
            return room
        before = model_snapshot(room)
        room.is_active = is_active
        room.save(update_fields=["is_active", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, actor=changed_by, clinic=room.clinic, obj=room,
            summary=f"{room.name} {'back in use' if is_active else 'out of use'}",
            before=before, after=model_snapshot(room),
        )
    return room


# --- appointment types ----------------------------------------------------------------------------

TYPE_NAME_TAKEN = "There is already a visit type called {name}."
TYPE_NAME_REQUIRED = "Enter a name."
TYPE_MINUTES_RANGE = "Chair time must be between 10 and 720 minutes."
TYPE_INFUSION_LONGER = "The infusion cannot be longer than the whole visit."
TYPE_INFUSION_REQUIRED = "Enter the infusion minutes for a visit in an infusion chair."

# Defaults copied from the standard protocols (treatment.services.protocols, domain.md §1.1, §1.2,
# §1.4): mood 40 min infusion, 120 min in the chair; CRPS 240 + 60 min; consultation per clinic.
STANDARD_TYPES = (
    {"kind": AppointmentKind.MOOD_INFUSION, "name": "Mood infusion", "chair_minutes": 120,
     "infusion_minutes": 40, "room_kind": RoomKind.CHAIR, "colour": Colour.BLUE},
    {"kind": AppointmentKind.PAIN_INFUSION, "name": "Pain infusion", "chair_minutes": 300,
     "infusion_minutes": 240, "room_kind": RoomKind.CHAIR, "colour": Colour.PURPLE},
    {"kind": AppointmentKind.BOOSTER, "name": "Booster infusion", "chair_minutes": 120,
     "infusion_minutes": 40, "room_kind": RoomKind.CHAIR, "colour": Colour.TEAL},
    {"kind": AppointmentKind.CONSULTATION, "name": "Consultation", "chair_minutes": 60,
     "infusion_minutes": None, "room_kind": RoomKind.CONSULT, "colour": Colour.AMBER},
)


def _type_validate(*, name: str, chair_minutes: int, infusion_minutes: int | None, room_kind: str) -> str:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = TYPE_NAME_REQUIRED
    if not chair_minutes or not 10 <= chair_minutes <= 720:
        errors["chair_minutes"] = TYPE_MINUTES_RANGE
    if room_kind == RoomKind.CHAIR and not infusion_minutes:
        errors["infusion_minutes"] = TYPE_INFUSION_REQUIRED
    elif infusion_minutes and chair_minutes and infusion_minutes > chair_minutes:
        errors["infusion_minutes"] = TYPE_INFUSION_LONGER
    if errors:
        raise ValidationError(errors)
    return name


def appointment_type_create(
    *, clinic, kind: str, name: str, chair_minutes: int, infusion_minutes: int | None, room_kind: str,
    colour: str = Colour.BLUE, created_by,
) -> AppointmentType:
    """Add a visit type (idempotent by name: a repeat with the same name is refused, not doubled)."""
    name = _type_validate(name=name, chair_minutes=chair_minutes, infusion_minutes=infusion_minutes,
                          room_kind=room_kind)
    with transaction.atomic():
        if AppointmentType.objects.filter(clinic=clinic, name__iexact=name).exists():
            raise ValidationError({"name": TYPE_NAME_TAKEN.format(name=name)})
        appointment_type = AppointmentType(
            clinic=clinic, kind=kind, name=name, chair_minutes=chair_minutes,
            infusion_minutes=infusion_minutes or None, room_kind=room_kind, colour=colour,
        )
        appointment_type.full_clean()
        appointment_type.save()
        audit_record(
            action=AuditAction.CREATE, actor=created_by, clinic=clinic, obj=appointment_type,
            summary=f"Visit type {name} added", after=model_snapshot(appointment_type),
        )
    return appointment_type


def appointment_type_update(*, appointment_type: AppointmentType, updated_by, **fields) -> AppointmentType:
    """Change a visit type; booked visits keep their own times."""
    allowed = {"kind", "name", "chair_minutes", "infusion_minutes", "room_kind", "colour", "is_active"}
    data = {name: getattr(appointment_type, name) for name in allowed}
    data.update({k: v for k, v in fields.items() if k in allowed})
    data["name"] = _type_validate(name=data["name"], chair_minutes=data["chair_minutes"],
                                  infusion_minutes=data["infusion_minutes"], room_kind=data["room_kind"])
    with transaction.atomic():
        current = AppointmentType.objects.select_for_update().get(pk=appointment_type.pk)
        if AppointmentType.objects.filter(
            clinic_id=current.clinic_id, name__iexact=data["name"]
        ).exclude(pk=current.pk).exists():
            raise ValidationError({"name": TYPE_NAME_TAKEN.format(name=data["name"])})
        before = model_snapshot(current)
        for name, value in data.items():
            setattr(current, name, value)
        current.infusion_minutes = current.infusion_minutes or None
        current.full_clean()
        current.save()
        audit_record(
            action=AuditAction.UPDATE, actor=updated_by, clinic=current.clinic, obj=current,
            summary=f"Visit type {current.name} changed", before=before, after=model_snapshot(current),
        )
    return current


def appointment_types_seed(*, clinic, seeded_by) -> list[AppointmentType]:
    """Add the standard visit types the clinic does not have yet (by kind); returns those added."""
    added = []
    with transaction.atomic():
        for definition in STANDARD_TYPES:
            if AppointmentType.objects.filter(clinic=clinic, kind=definition["kind"]).exists():
                continue
            if AppointmentType.objects.filter(clinic=clinic, name__iexact=definition["name"]).exists():
                continue
            added.append(appointment_type_create(clinic=clinic, created_by=seeded_by, **definition))
    return added


# --- staff shifts ---------------------------------------------------------------------------------

SHIFT_ENDS_BEFORE_START = "The shift must end after it starts."
SHIFT_TOO_LONG = "A shift is at most 24 hours."
SHIFT_NOT_STAFF = "Choose a staff member of this clinic."
SHIFT_OVERLAP = "{name} already has a shift from {start:%H:%M} to {end:%H:%M} that day."


def staff_shift_create(
    *, clinic, user, starts_at: dt.datetime, ends_at: dt.datetime, created_by, notes: str = "",
    submission_key: uuid.UUID | str | None = None,
) -> StaffShift:
    """Put a staff member on duty; their role now is kept with the shift (nurses set capacity)."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": SHIFT_ENDS_BEFORE_START})
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise ValidationError({"ends_at": SHIFT_TOO_LONG})
    role = selectors.staff_role(clinic=clinic, user=user)
    if role is None or role == Role.PATIENT:
        raise ValidationError({"user": SHIFT_NOT_STAFF})

    def create() -> StaffShift:
        clash = StaffShift.objects.filter(
            clinic=clinic, user=user, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).first()
        if clash is not None:
            tz = clinic.tzinfo
            raise ValidationError({"starts_at": SHIFT_OVERLAP.format(
                name=user.signature_name, start=clash.starts_at.astimezone(tz),
                end=clash.ends_at.astimezone(tz))})
        shift = StaffShift.objects.create(
            clinic=clinic, user=user, role=role, starts_at=starts_at, ends_at=ends_at,
            notes=(notes or "").strip()[:200], created_by=created_by,
        )
        audit_record(
            action=AuditAction.CREATE, actor=created_by, clinic=clinic, obj=shift,
            summary=f"Shift added ({shift.get_role_display()})", after=model_snapshot(shift),
        )
        return shift

    with transaction.atomic():
        shift, _ = idempotent(
            scope="scheduling.staff_shift_create", key=submission_key, clinic=clinic,
            model=StaffShift, create=create,
        )
    return shift


def staff_shift_remove(*, shift: StaffShift, removed_by, reason: str) -> None:
    """Take a shift off the roster (audited with the shift as it was and the reason)."""
    reason = _reason(reason)
    with transaction.atomic():
        shift = StaffShift.objects.select_for_update().filter(pk=shift.pk).first()
        if shift is None:
            return  # already removed (a double submit)
        audit_record(
            action=AuditAction.DELETE, actor=removed_by, clinic=shift.clinic, obj=shift,
            summary="Shift removed", before=model_snapshot(shift), extra={"reason": reason},
        )
        shift.delete()


# --- series: propose, check, book -----------------------------------------------------------------

SERIES_EMPTY = "Propose or enter at least one visit."
SERIES_TOO_MANY = "A series has at most 30 visits."
SERIES_COUNT_RANGE = "The number of visits must be between 1 and 30."
COURSE_OTHER_PATIENT = "That course belongs to another patient."
COURSE_NOT_BOOKABLE = "Only a signed or active course can be booked; this one is {status}."
SERIES_NOT_ACTIVE = "This series is cancelled."
COURSE_HAS_SERIES = "This course already has a booked series (#{id}); move or cancel it instead."
SERIES_CONFLICT = "The series was not booked: {problems}"
START_DATE_PAST = "The first day cannot be in the past."


@dataclass
class SeriesProposal:
    parameters: selectors.SeriesParameters
    proposal: planner.Proposal
    chair_names: dict[int, str]
    start_date: dt.date


def _check_course(*, patient, course) -> None:
    if course is None:
        return
    if course.patient_id != patient.pk or course.clinic_id != patient.clinic_id:
        raise ValidationError({"course": COURSE_OTHER_PATIENT})
    if course.status not in selectors.BOOKABLE_COURSE_STATUSES:
        status = course.get_status_display().lower()
        raise ValidationError({"course": COURSE_NOT_BOOKABLE.format(status=status)})


def series_propose(
    *, patient, start_date: dt.date, preferred_weekdays=(), preferred_times=(), course=None,
    appointment_type: AppointmentType | None = None, count: int | None = None,
    window_days: int | None = None, min_gap_hours: int | None = None, now: dt.datetime | None = None,
) -> SeriesProposal:
    """Plan a series for `patient` with today's chairs, hours, closures and nurse shifts.

    Reads only (nothing is booked). Numbers default to the course's protocol (count, window, gap,
    chair time, infusion) or the visit type and clinic settings; explicit arguments override them.
    """
    clinic = patient.clinic
    _check_course(patient=patient, course=course)
    params = selectors.series_parameters(clinic=clinic, course=course, appointment_type=appointment_type)
    count = params.count if count is None else count
    if not 1 <= count <= 30:
        raise ValidationError({"count": SERIES_COUNT_RANGE})
    window = params.window_days if window_days is None else window_days
    gap = params.min_gap_hours if min_gap_hours is None else min_gap_hours
    params.count, params.window_days, params.min_gap_hours = count, window, gap
    now = now or timezone.now()
    if start_date < now.astimezone(clinic.tzinfo).date():
        raise ValidationError({"start_date": START_DATE_PAST})
    last_day = start_date + dt.timedelta(days=max(window, 1) - 1)
    data = selectors.planning_data(clinic=clinic, patient=patient, first_day=start_date, last_day=last_day)
    proposal = planner.propose_series(
        count=count, window_days=window, min_gap_hours=gap, start_date=start_date,
        preferred_weekdays=set(preferred_weekdays), preferred_times=list(preferred_times),
        chair_minutes=params.chair_minutes, clinic_hours=data.clinic_hours,
        existing_bookings_by_chair=data.bookings_by_chair, nurse_capacity=data.nurse_shifts,
        nurse_to_active_infusion_ratio=data.ratio, tz=data.tz, infusion_minutes=params.active_minutes,
        slot_minutes=data.slot_minutes, closed_dates=data.closed_dates, patient_busy=data.patient_busy,
        not_before=now, other_infusions=data.other_infusions,
    )
    if not data.bookings_by_chair:
        proposal.problems.insert(0, "The clinic has no infusion chairs in use; add them first.")
    return SeriesProposal(parameters=params, proposal=proposal, chair_names=data.chair_names,
                          start_date=start_date)


def _normalise_slots(slots) -> list[Slot]:
    return sorted((Slot(s[0], s[1], int(s[2])) for s in slots), key=lambda s: s.start)


def series_check(
    *, patient, slots, course=None, appointment_type: AppointmentType | None = None,
    min_gap_hours: int | None = None, start_date: dt.date | None = None, window_days: int | None = None,
    exclude_ids: tuple[int, ...] = (), now: dt.datetime | None = None,
) -> planner.SeriesCheck:
    """Check a list of (start, end, chair id) for `patient` against chairs, hours, nurses and spacing."""
    clinic = patient.clinic
    ordered = _normalise_slots(slots)
    if not ordered:
        return planner.SeriesCheck(errors=[SERIES_EMPTY])
    params = selectors.series_parameters(clinic=clinic, course=course, appointment_type=appointment_type)
    gap = params.min_gap_hours if min_gap_hours is None else min_gap_hours
    tz = clinic.tzinfo
    first_day = ordered[0].start.astimezone(tz).date()
    last_day = ordered[-1].end.astimezone(tz).date()
    data = selectors.planning_data(
        clinic=clinic, patient=patient, first_day=first_day, last_day=last_day, exclude_ids=exclude_ids
    )
    return planner.check_series(
        slots=ordered, min_gap_hours=gap, clinic_hours=data.clinic_hours,
        existing_bookings_by_chair=data.bookings_by_chair, nurse_capacity=data.nurse_shifts,
        nurse_to_active_infusion_ratio=data.ratio, tz=tz, infusion_minutes=params.active_minutes,
        closed_dates=data.closed_dates, patient_busy=data.patient_busy,
        not_before=now or timezone.now(), chair_names=data.chair_names, start_date=start_date,
        window_days=window_days if window_days is not None else (params.window_days if start_date else None),
        other_infusions=data.other_infusions,
    )


def series_book(
    *, patient, course, slots, booked_by, submission_key: uuid.UUID | str | None = None,
    appointment_type: AppointmentType | None = None, min_gap_hours: int | None = None,
    window_days: int | None = None,
) -> AppointmentSeries:
    """Book the whole series at once: one AppointmentSeries and one appointment per slot.

    `slots` are (start, end, chair id) tuples (planner.Slot). Under a lock on the clinic's chairs the
    slots are re-checked (chairs, hours, closures, nurse ratio, spacing, the patient's other visits);
    if any slot was taken meanwhile, nothing is booked. A repeat with the same `submission_key`
    returns the first series.
    """
    clinic = patient.clinic
    _check_course(patient=patient, course=course)
    ordered = _normalise_slots(slots)
    if not ordered:
        raise ValidationError({"slots": SERIES_EMPTY})
    if len(ordered) > 30:
        raise ValidationError({"slots": SERIES_TOO_MANY})
    if appointment_type is not None and appointment_type.clinic_id != clinic.pk:
        raise ValidationError({"appointment_type": "Choose one of this clinic's visit types."})
    params = selectors.series_parameters(clinic=clinic, course=course, appointment_type=appointment_type)
    gap = params.min_gap_hours if min_gap_hours is None else min_gap_hours
    window = params.window_days if window_days is None else window_days
    if appointment_type is None:
        appointment_type = AppointmentType.objects.filter(
            clinic=clinic, kind=params.kind, is_active=True
        ).order_by("pk").first()

    def create() -> AppointmentSeries:
        _lock_chairs(clinic)
        if course is not None:
            existing = AppointmentSeries.objects.filter(course=course, status=SeriesStatus.ACTIVE).first()
            if existing is not None:
                raise ValidationError({"course": COURSE_HAS_SERIES.format(id=existing.pk)})
        check = series_check(
            patient=patient, slots=ordered, course=course, appointment_type=appointment_type,
            min_gap_hours=gap,
        )
        if check.errors:
            raise ValidationError({"slots": check.errors})
        series = AppointmentSeries.objects.create(
            clinic=clinic, patient=patient, course=course, appointment_type=appointment_type,
            kind=params.kind, min_gap_hours=gap, window_days=window, created_by=booked_by,
        )
        chair_ids = {s.chair_id for s in ordered}
        rooms = {room.pk: room for room in Room.objects.filter(clinic=clinic, pk__in=chair_ids)}
        for sequence, slot in enumerate(ordered, start=1):
            appointment_book(
                patient=patient, kind=params.kind, starts_at=slot.start, ends_at=slot.end,
                booked_by=booked_by, room=rooms[slot.chair_id], appointment_type=appointment_type,
                active_minutes=params.active_minutes, series=series, sequence=sequence,
            )
        audit_record(
            action=AuditAction.CREATE, actor=booked_by, clinic=clinic, obj=series, patient_id=patient.pk,
            summary=f"Series of {len(ordered)} visits booked",
            after={**model_snapshot(series), "visits": [
                {"starts_at": s.start, "ends_at": s.end, "room_id": s.chair_id} for s in ordered]},
        )
        return series

    with transaction.atomic():
        series, _ = idempotent(
            scope="scheduling.series_book", key=submission_key, clinic=clinic,
            model=AppointmentSeries, create=create,
        )
    return series


# --- moving and cancelling ------------------------------------------------------------------------

MOVE_ONE_OF = "Give either a number of days to move by or a new first start, not both."
MOVE_NOTHING = "Nothing to move: give a number of days or a new first start."
MOVE_NO_FUTURE = "No visit of this series is still to come."
MOVE_NO_CHAIR = "Visit {n} ({when}): no chair is free then."


def _require_changeable(appointment: Appointment, now: dt.datetime) -> None:
    if appointment.status not in selectors.MOVABLE_STATUSES:
        raise ValidationError(NOT_CHANGEABLE.format(status=appointment.get_status_display().lower()))
    if appointment.starts_at <= now:
        raise ValidationError(PAST_CANNOT_CHANGE)


def _shift_wall_clock(moment: dt.datetime, delta: dt.timedelta, tz) -> dt.datetime:
    """Move by `delta` on the clinic's wall clock (09:00 stays 09:00 across a clock change)."""
    local = moment.astimezone(tz).replace(tzinfo=None) + delta
    aware = planner.local_to_utc(local.date(), local.time(), tz)
    if aware is None:
        raise ValidationError(TIME_SKIPPED.format(when=local.strftime("%a %d %b %Y %H:%M")))
    return aware


def _series_gap_errors(series: AppointmentSeries, moved: dict[int, Slot], tz) -> list[str]:
    """Spacing of the whole series (visits not cancelled) with `moved` visits at their new times."""
    visits = Appointment.objects.filter(series=series).exclude(
        status__in=(AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
    ).values_list("pk", "sequence", "starts_at")
    timeline = sorted(
        (moved[pk].start if pk in moved else starts_at, sequence) for pk, sequence, starts_at in visits
    )
    errors = []
    gap = dt.timedelta(hours=series.min_gap_hours)
    for (first, n), (second, _) in zip(timeline, timeline[1:], strict=False):
        if second - first < gap:
            hours = (second - first).total_seconds() / 3600
            errors.append(GAP_TOO_SHORT.format(
                gap=series.min_gap_hours, hours=f"{hours:.1f}".rstrip("0").rstrip("."), n=n))
    return errors


def appointment_reschedule(
    *, appointment: Appointment, starts_at: dt.datetime, room: Room | None, moved_by, reason: str,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move one visit (same length) to a new start and room; the reason is kept.

    Refuses a visit that has started or passed, a time in the past, a room of the wrong kind, a taken
    room, times outside opening hours or on a closed day, the nurse ratio, the patient's or the
    clinician's other visits, a clinician off shift, and (in a series) visits closer than the series'
    minimum gap.
    """
    reason = _reason(reason)
    now = now or timezone.now()
    clinic = appointment.clinic
    tz = clinic.tzinfo
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": NOT_AWARE})
    with transaction.atomic():
        _lock_chairs(clinic)
        # No select_related here: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _require_changeable(current, now)
        if starts_at < now:
            raise ValidationError({"starts_at": STARTS_IN_PAST})
        length = current.ends_at - current.starts_at
        ends_at = starts_at + length
        needed = (
            current.appointment_type.room_kind if current.appointment_type_id
            else (RoomKind.CONSULT if current.kind == AppointmentKind.CONSULTATION else RoomKind.CHAIR)
        )
        if room is not None:
            if room.clinic_id != clinic.pk:
                raise ValidationError({"room": ROOM_OTHER_CLINIC})
            if room.kind != needed:
                label = "an infusion chair" if needed == RoomKind.CHAIR else "a consultation room"
                raise ValidationError({"room": ROOM_WRONG_KIND.format(kind=label)})
            if not room.is_active:
                raise ValidationError({"room": ROOM_INACTIVE})
        if room is not None and room.kind == RoomKind.CHAIR:
            data = selectors.planning_data(
                clinic=clinic, patient=current.patient, first_day=starts_at.astimezone(tz).date(),
                last_day=ends_at.astimezone(tz).date(), exclude_ids=(current.pk,),
            )
            check = planner.check_series(
                slots=[Slot(starts_at, ends_at, room.pk)], min_gap_hours=0,
                clinic_hours=data.clinic_hours, existing_bookings_by_chair=data.bookings_by_chair,
                nurse_capacity=data.nurse_shifts, nurse_to_active_infusion_ratio=data.ratio, tz=tz,
                infusion_minutes=current.active_minutes, closed_dates=data.closed_dates,
                patient_busy=data.patient_busy, not_before=now, chair_names=data.chair_names,
                other_infusions=data.other_infusions,
            )
            # One visit: drop the "Visit 1 (when): " prefix the series messages carry.
            errors = [_capitalised(e.split("): ", 1)[-1]) for e in check.errors]
            if errors:
                raise ValidationError({"starts_at": errors})
            # The planner knows nothing of the clinician: their visits and shifts are checked here.
            _lock_clinician(current.clinician, clinic)
            refusals = booking_refusals(
                clinic=clinic, starts_at=starts_at, ends_at=ends_at, room_kind=needed, room=room,
                clinician=current.clinician, patient=None, exclude_ids=(current.pk,),
            )
            if refusals.get("clinician"):
                raise ValidationError({"clinician": refusals["clinician"]})
        else:
            if room is not None:
                Room.objects.select_for_update().filter(pk=room.pk).first()
            _lock_clinician(current.clinician, clinic)
            refusals = booking_refusals(
                clinic=clinic, starts_at=starts_at, ends_at=ends_at, room_kind=needed, room=room,
                clinician=current.clinician, patient=current.patient, exclude_ids=(current.pk,),
                active_minutes=current.active_minutes if needed == RoomKind.CHAIR else None,
            )
            if refusals:
                raise ValidationError(refusals)
        if current.series_id:
            gap_errors = _series_gap_errors(current.series, {current.pk: Slot(starts_at, ends_at, 0)}, tz)
            if gap_errors:
                raise ValidationError({"starts_at": gap_errors})
        before = model_snapshot(current)
        current.starts_at, current.ends_at, current.room = starts_at, ends_at, room
        current.save(update_fields=["starts_at", "ends_at", "room", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, actor=moved_by, clinic=clinic, obj=current,
            patient_id=current.patient_id,
            summary=f"{current.get_kind_display()} moved to {_local(starts_at, clinic)}",
            before=before, after=model_snapshot(current), extra={"reason": reason},
        )
    return current


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def appointment_cancel(
    *, appointment: Appointment, cancelled_by, reason: str, now: dt.datetime | None = None
) -> Appointment:
    """Cancel one visit that is still to come; the reason is kept on the visit and in the audit."""
    reason = _reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        current = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _require_changeable(current, now)
        before = model_snapshot(current)
        current.status = AppointmentStatus.CANCELLED
        current.cancel_reason = reason
        current.save(update_fields=["status", "cancel_reason", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, actor=cancelled_by, clinic=current.clinic, obj=current,
            patient_id=current.patient_id, summary=f"{current.get_kind_display()} cancelled",
            before=before, after=model_snapshot(current), extra={"reason": reason},
        )
    return current


def _future_visits(series: AppointmentSeries, now: dt.datetime) -> list[Appointment]:
    return list(
        Appointment.objects.select_for_update()
        .filter(series=series, status__in=selectors.MOVABLE_STATUSES, starts_at__gt=now)
        .order_by("starts_at")
    )


def series_move(
    *, series: AppointmentSeries, moved_by, reason: str, shift_by: dt.timedelta | None = None,
    new_first_start: dt.datetime | None = None, now: dt.datetime | None = None,
) -> AppointmentSeries:
    """Move every visit still to come by the same wall-clock amount, keeping their spacing.

    Either `shift_by` (e.g. 7 days) or `new_first_start` (the next visit's new start; the others keep
    their distance from it). Each visit keeps its chair when free, else takes another free chair; the
    whole move is re-checked (hours, chairs, nurses, spacing with the visits already given) and
    nothing moves if any visit does not fit.
    """
    reason = _reason(reason)
    if (shift_by is None) == (new_first_start is None):
        raise ValidationError(MOVE_ONE_OF if shift_by is not None else MOVE_NOTHING)
    now = now or timezone.now()
    clinic = series.clinic
    tz = clinic.tzinfo
    with transaction.atomic():
        _lock_chairs(clinic)
        series = AppointmentSeries.objects.select_for_update().get(pk=series.pk)
        if series.status != SeriesStatus.ACTIVE:
            raise ValidationError(SERIES_NOT_ACTIVE)
        visits = _future_visits(series, now)
        if not visits:
            raise ValidationError(MOVE_NO_FUTURE)
        if new_first_start is not None:
            if timezone.is_naive(new_first_start):
                raise ValidationError({"starts_at": NOT_AWARE})
            shift_by = (
                new_first_start.astimezone(tz).replace(tzinfo=None)
                - visits[0].starts_at.astimezone(tz).replace(tzinfo=None)
            )
        new_starts = [_shift_wall_clock(v.starts_at, shift_by, tz) for v in visits]
        ids = tuple(v.pk for v in visits)
        data = selectors.planning_data(
            clinic=clinic, patient=series.patient, first_day=min(new_starts).astimezone(tz).date(),
            last_day=(max(new_starts) + dt.timedelta(days=1)).astimezone(tz).date(), exclude_ids=ids,
        )
        slots = []
        for n, (visit, start) in enumerate(zip(visits, new_starts, strict=True), start=1):
            end = start + (visit.ends_at - visit.starts_at)
            chair = _free_chair(data, visit.room_id, start, end)
            if chair is None:
                message = MOVE_NO_CHAIR.format(n=visit.sequence or n, when=_local(start, clinic))
                raise ValidationError({"shift": message})
            slots.append(Slot(start, end, chair))
        check = planner.check_series(
            slots=slots, min_gap_hours=0, clinic_hours=data.clinic_hours,
            existing_bookings_by_chair=data.bookings_by_chair, nurse_capacity=data.nurse_shifts,
            nurse_to_active_infusion_ratio=data.ratio, tz=tz, infusion_minutes=visits[0].active_minutes,
            closed_dates=data.closed_dates, patient_busy=data.patient_busy, not_before=now,
            chair_names=data.chair_names, other_infusions=data.other_infusions,
            numbers=[v.sequence or n for n, v in enumerate(visits, start=1)],
        )
        errors = check.errors + _series_gap_errors(
            series, {v.pk: s for v, s in zip(visits, slots, strict=True)}, tz
        )
        for n, (visit, slot) in enumerate(zip(visits, slots, strict=True), start=1):
            if visit.clinician_id is None:
                continue
            _lock_clinician(visit.clinician, clinic)
            refusals = booking_refusals(
                clinic=clinic, starts_at=slot.start, ends_at=slot.end, room_kind=RoomKind.CHAIR, room=None,
                clinician=visit.clinician, patient=None, exclude_ids=ids,
            )
            errors += [
                f"Visit {visit.sequence or n} ({_local(slot.start, clinic)}): {message}"
                for message in refusals.get("clinician", [])
            ]
        if errors:
            raise ValidationError({"shift": errors})
        rooms = {r.pk: r for r in Room.objects.filter(clinic=clinic, pk__in={s.chair_id for s in slots})}
        for visit, slot in zip(visits, slots, strict=True):
            before = model_snapshot(visit)
            visit.starts_at, visit.ends_at, visit.room = slot.start, slot.end, rooms[slot.chair_id]
            visit.save(update_fields=["starts_at", "ends_at", "room", "updated_at"])
            audit_record(
                action=AuditAction.UPDATE, actor=moved_by, clinic=clinic, obj=visit,
                patient_id=visit.patient_id,
                summary=f"Series visit {visit.sequence} moved to {_local(slot.start, clinic)}",
                before=before, after=model_snapshot(visit), extra={"reason": reason},
            )
        audit_record(
            action=AuditAction.UPDATE, actor=moved_by, clinic=clinic, obj=series,
            patient_id=series.patient_id, summary=f"Series moved ({len(visits)} visits)",
            extra={"reason": reason, "shift_by_minutes": int(shift_by.total_seconds() // 60)},
        )
    return series


def _free_chair(data: selectors.PlanningData, preferred: int | None, start, end) -> int | None:
    order = sorted(
        data.bookings_by_chair, key=lambda chair: (chair != preferred, data.chair_names[chair], chair)
    )
    for chair in order:
        if not any(b.start < end and b.end > start for b in data.bookings_by_chair[chair]):
            return chair
    return None


def series_cancel(
    *, series: AppointmentSeries, cancelled_by, reason: str, now: dt.datetime | None = None
) -> AppointmentSeries:
    """Cancel the series and every visit still to come; visits already given stay as they are."""
    reason = _reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        series = AppointmentSeries.objects.select_for_update().get(pk=series.pk)
        if series.status != SeriesStatus.ACTIVE:
            raise ValidationError(SERIES_NOT_ACTIVE)
        for visit in _future_visits(series, now):
            before = model_snapshot(visit)
            visit.status, visit.cancel_reason = AppointmentStatus.CANCELLED, reason
            visit.save(update_fields=["status", "cancel_reason", "updated_at"])
            audit_record(
                action=AuditAction.UPDATE, actor=cancelled_by, clinic=series.clinic, obj=visit,
                patient_id=visit.patient_id, summary=f"Series visit {visit.sequence} cancelled",
                before=before, after=model_snapshot(visit), extra={"reason": reason},
            )
        before = model_snapshot(series)
        series.status, series.cancel_reason, series.cancelled_at = SeriesStatus.CANCELLED, reason, now
        series.save(update_fields=["status", "cancel_reason", "cancelled_at", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, actor=cancelled_by, clinic=series.clinic, obj=series,
            patient_id=series.patient_id, summary="Series cancelled", before=before,
            after=model_snapshot(series), extra={"reason": reason},
        )
    return series


# --- calendar feeds -------------------------------------------------------------------------------

FEED_OWNER_REQUIRED = "A calendar feed belongs to one staff member or one patient."
FEED_OWNER_OTHER_CLINIC = "The feed's owner must belong to this clinic."
FEED_ALREADY_REVOKED = "This feed address was already revoked."
FEED_AUDIT_EVERY = dt.timedelta(hours=1)


def calendar_feed_token_create(
    *, clinic, created_by, user=None, patient=None, label: str = "",
) -> tuple[CalendarFeedToken, str]:
    """A new secret feed address for a staff member or a patient. Returns (token, raw secret).

    The secret (32 random bytes, URL-safe) is returned once and only its SHA-256 is stored.
    """
    if (user is None) == (patient is None):
        raise ValidationError(FEED_OWNER_REQUIRED)
    if patient is not None and patient.clinic_id != clinic.pk:
        raise ValidationError(FEED_OWNER_OTHER_CLINIC)
    if user is not None and selectors.staff_role(clinic=clinic, user=user) in (None, Role.PATIENT):
        raise ValidationError(FEED_OWNER_OTHER_CLINIC)
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = CalendarFeedToken.objects.create(
            clinic=clinic, user=user, patient=patient, token_hash=selectors.token_hash(raw),
            label=(label or "").strip()[:80], created_by=created_by,
        )
        audit_record(
            action=AuditAction.CREATE, actor=created_by, clinic=clinic, obj=token,
            patient_id=patient.pk if patient is not None else None,
            summary="Calendar feed address created", after=model_snapshot(token, exclude=("token_hash",)),
        )
    return token, raw


def calendar_feed_token_revoke(*, token: CalendarFeedToken, revoked_by) -> CalendarFeedToken:
    """Revoke a feed address at once: the feed answers 404 from now on."""
    with transaction.atomic():
        current = CalendarFeedToken.objects.select_for_update().get(pk=token.pk)
        if current.revoked_at is not None:
            raise ValidationError(FEED_ALREADY_REVOKED)
        before = model_snapshot(current, exclude=("token_hash",))
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, actor=revoked_by, clinic=current.clinic, obj=current,
            patient_id=current.patient_id, summary="Calendar feed address revoked",
            before=before, after=model_snapshot(current, exclude=("token_hash",)),
        )
    return current


def calendar_feed_fetched(*, token: CalendarFeedToken, now: dt.datetime | None = None) -> None:
    """Note that a calendar fetched the feed: `last_used_at`, and an export audit event at most
    hourly per address (calendar apps poll often; an event per poll would drown the trail)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < FEED_AUDIT_EVERY:
        return
    with transaction.atomic():
        CalendarFeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
        audit_record(
            action=AuditAction.EXPORT, actor=token.user, clinic=token.clinic, obj=token,
            patient_id=token.patient_id, summary="Calendar feed read",
        )

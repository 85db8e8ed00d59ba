"""Reads for scheduling: days and weeks of appointments, chairs, hours, shifts, series and feeds."""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from clinic.accounts.models import Membership, User
from clinic.accounts.roles import STAFF_ROLES, Role
from clinic.core.models import Clinic
from clinic.core.phones import clinic_phone_display
from clinic.core.selectors import clinic_setting_value
from clinic.patients.models import Patient
from clinic.scheduling import availability
from clinic.scheduling import settings as keys
from clinic.scheduling.grid import DayGrid, build_day_grid
from clinic.scheduling.ics import IcsEvent
from clinic.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentSeries,
    AppointmentStatus,
    AppointmentType,
    CalendarFeedToken,
    ClinicClosure,
    ClinicHours,
    Room,
    RoomKind,
    StaffShift,
)
from clinic.scheduling.planner import Busy


def clinic_today(clinic: Clinic) -> dt.date:
    """Today's date where the clinic is, whatever the server's zone."""
    return timezone.now().astimezone(clinic.tzinfo).date()


def clinic_day_bounds(clinic: Clinic, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The clinic's local midnight of `day` and of the next day, as aware datetimes.

    A day is 23 or 25 hours long when the clocks change; both ends are computed in the zone.
    """
    tz = clinic.tzinfo
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def appointments_for_day(*, clinic: Clinic, day: dt.date) -> QuerySet[Appointment]:
    """Every appointment starting on the clinic's local `day`, in time order (uses clinic+starts_at)."""
    start, end = clinic_day_bounds(clinic, day)
    return (
        Appointment.objects.filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
        .select_related("patient", "room", "clinician")
        .order_by("starts_at", "pk")
    )


def consultation_rooms(*, clinic: Clinic) -> QuerySet[Room]:
    return Room.objects.filter(clinic=clinic, kind=RoomKind.CONSULT, is_active=True).order_by("name")


def physicians(*, clinic: Clinic) -> QuerySet[User]:
    """Users who are active physicians at the clinic, by name."""
    return User.objects.filter(
        memberships__clinic=clinic, memberships__role=Role.PHYSICIAN, memberships__is_active=True,
        is_active=True,
    ).order_by("last_name", "first_name", "username")


ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN)
MOVABLE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)

# Product default until the clinic sets its own hours: weekdays 08:00–18:00, closed at weekends.
DEFAULT_HOURS: dict[int, tuple[dt.time, dt.time] | None] = {
    **{weekday: (dt.time(8, 0), dt.time(18, 0)) for weekday in range(5)},
    5: None,
    6: None,
}


# --- hours and closures ---------------------------------------------------------------------------


def clinic_hours_week(*, clinic: Clinic) -> dict[int, tuple[dt.time, dt.time] | None]:
    """weekday (0 = Monday) -> (opens, closes) in the clinic's zone, or None when closed."""
    week = dict(DEFAULT_HOURS)
    for row in ClinicHours.objects.filter(clinic=clinic):
        week[row.weekday] = None if row.is_closed or not row.opens or not row.closes else (
            row.opens, row.closes
        )
    return week


def clinic_hours_rows(*, clinic: Clinic) -> list[dict]:
    """One row per weekday for the hours page: the hours in force and whether they are the default."""
    stored = {row.weekday: row for row in ClinicHours.objects.filter(clinic=clinic)}
    week = clinic_hours_week(clinic=clinic)
    return [
        {"weekday": weekday, "label": label, "hours": week[weekday], "is_default": weekday not in stored}
        for weekday, label in ((0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"),
                               (4, "Friday"), (5, "Saturday"), (6, "Sunday"))
    ]


def clinic_closures(*, clinic: Clinic, start: dt.date | None = None) -> QuerySet[ClinicClosure]:
    closures = ClinicClosure.objects.filter(clinic=clinic)
    if start is not None:
        closures = closures.filter(date__gte=start)
    return closures.order_by("date")


def closed_dates(*, clinic: Clinic, start: dt.date, end: dt.date) -> set[dt.date]:
    """Dates from `start` to `end` (inclusive) on which the clinic is closed by a closure."""
    return set(
        ClinicClosure.objects.filter(clinic=clinic, date__gte=start, date__lte=end).values_list(
            "date", flat=True
        )
    )


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# --- rooms, types, staff --------------------------------------------------------------------------


def chairs(*, clinic: Clinic) -> QuerySet[Room]:
    """The clinic's infusion chairs in use, by name."""
    return Room.objects.filter(clinic=clinic, kind=RoomKind.CHAIR, is_active=True).order_by("name", "pk")


def rooms_all(*, clinic: Clinic) -> QuerySet[Room]:
    return Room.objects.filter(clinic=clinic).order_by("kind", "name")


def appointment_types(*, clinic: Clinic, include_inactive: bool = False) -> QuerySet[AppointmentType]:
    types = AppointmentType.objects.filter(clinic=clinic)
    if not include_inactive:
        types = types.filter(is_active=True)
    return types.order_by("name")


def series_appointment_types(*, clinic: Clinic) -> QuerySet[AppointmentType]:
    """Types a series can be booked as: active, in an infusion chair."""
    return appointment_types(clinic=clinic).filter(room_kind=RoomKind.CHAIR)


def staff_members(*, clinic: Clinic) -> QuerySet[User]:
    """Active staff (not patients) of the clinic, by name: who can be put on a shift."""
    return User.objects.filter(
        memberships__clinic=clinic, memberships__is_active=True, memberships__role__in=STAFF_ROLES,
        is_active=True,
    ).order_by("last_name", "first_name", "username")


def staff_role(*, clinic: Clinic, user) -> str | None:
    return (
        Membership.objects.filter(clinic=clinic, user=user, is_active=True)
        .values_list("role", flat=True)
        .first()
    )


def shifts_between(*, clinic: Clinic, start: dt.datetime, end: dt.datetime) -> QuerySet[StaffShift]:
    """Shifts overlapping [start, end), in time order (uses clinic+starts_at)."""
    return (
        StaffShift.objects.filter(clinic=clinic, starts_at__lt=end, ends_at__gt=start)
        .select_related("user")
        .order_by("starts_at", "pk")
    )


def nurse_shift_intervals(
    *, clinic: Clinic, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    return list(
        StaffShift.objects.filter(
            clinic=clinic, role=Role.NURSE, starts_at__lt=end, ends_at__gt=start
        ).values_list("starts_at", "ends_at")
    )


# --- what the planner needs -----------------------------------------------------------------------


@dataclass
class PlanningData:
    """Everything the planner reads from the database for one range of days."""

    tz: ZoneInfo
    clinic_hours: dict[int, tuple[dt.time, dt.time] | None]
    closed_dates: set[dt.date]
    bookings_by_chair: dict[int, list[Busy]]
    other_infusions: list[Busy]
    nurse_shifts: list[tuple[dt.datetime, dt.datetime]] | None
    patient_busy: list[tuple[dt.datetime, dt.datetime]]
    chair_names: dict[int, str]
    ratio: int
    slot_minutes: int


def _busy(appointment) -> Busy:
    active_until = None
    if appointment.active_minutes is not None:
        active_until = appointment.starts_at + dt.timedelta(minutes=appointment.active_minutes)
    return Busy(appointment.starts_at, appointment.ends_at, active_until)


def planning_data(
    *, clinic: Clinic, patient: Patient | None, first_day: dt.date, last_day: dt.date,
    exclude_ids: tuple[int, ...] = (),
) -> PlanningData:
    """Chairs with their bookings, nurse shifts, hours, closures and the patient's other visits from
    the clinic's local `first_day` to `last_day` (inclusive). `exclude_ids`: appointments being moved.

    Nurse shifts are None when none are recorded in the range: the clinic does not keep a roster
    there, and the planner says that the ratio was not checked.
    """
    start, _ = clinic_day_bounds(clinic, first_day)
    _, end = clinic_day_bounds(clinic, last_day)
    chair_rooms = list(chairs(clinic=clinic))
    by_chair: dict[int, list[Busy]] = {room.pk: [] for room in chair_rooms}
    others: list[Busy] = []
    bookings = (
        Appointment.objects.filter(
            clinic=clinic, status__in=ACTIVE_STATUSES, starts_at__lt=end, ends_at__gt=start,
            room__kind=RoomKind.CHAIR,
        )
        .exclude(pk__in=exclude_ids)
        .only("pk", "starts_at", "ends_at", "room_id", "active_minutes")
    )
    for appointment in bookings:
        busy = _busy(appointment)
        if appointment.room_id in by_chair:
            by_chair[appointment.room_id].append(busy)
        else:
            others.append(busy)  # an inactive chair still occupies a nurse
    patient_busy: list[tuple[dt.datetime, dt.datetime]] = []
    if patient is not None:
        patient_busy = list(
            Appointment.objects.filter(
                clinic=clinic, patient=patient, status__in=ACTIVE_STATUSES, starts_at__lt=end,
                ends_at__gt=start,
            )
            .exclude(pk__in=exclude_ids)
            .values_list("starts_at", "ends_at")
        )
    shifts = nurse_shift_intervals(clinic=clinic, start=start, end=end)
    return PlanningData(
        tz=clinic.tzinfo,
        clinic_hours=clinic_hours_week(clinic=clinic),
        closed_dates=closed_dates(clinic=clinic, start=first_day, end=last_day),
        bookings_by_chair=by_chair,
        other_infusions=others,
        nurse_shifts=shifts or None,
        patient_busy=patient_busy,
        chair_names={room.pk: room.name for room in chair_rooms},
        ratio=clinic_setting_value(clinic, keys.NURSE_RATIO),
        slot_minutes=clinic_setting_value(clinic, keys.SLOT_MINUTES),
    )


# --- series ---------------------------------------------------------------------------------------

BOOKABLE_COURSE_STATUSES = ("signed", "active")


def bookable_courses(*, patient: Patient):
    """The patient's signed or active treatment courses (a series is booked for one of them)."""
    from clinic.treatment.models import TreatmentCourse

    return (
        TreatmentCourse.objects.filter(
            clinic_id=patient.clinic_id, patient=patient, status__in=BOOKABLE_COURSE_STATUSES
        )
        .select_related("protocol")
        .order_by("-created_at")
    )


KIND_FOR_PROTOCOL = {
    "mood_induction": AppointmentKind.MOOD_INFUSION,
    "pain": AppointmentKind.PAIN_INFUSION,
    "headache": AppointmentKind.PAIN_INFUSION,
    "booster": AppointmentKind.BOOSTER,
}


@dataclass
class SeriesParameters:
    """The numbers a series is planned with, and where each came from (shown on the page)."""

    kind: str
    count: int
    window_days: int
    min_gap_hours: int
    chair_minutes: int
    infusion_minutes: int | None
    active_minutes: int | None
    appointment_type: AppointmentType | None = None
    course: object | None = None
    sources: list[str] = field(default_factory=list)


def series_parameters(
    *, clinic: Clinic, course=None, appointment_type: AppointmentType | None = None,
) -> SeriesParameters:
    """The course's protocol numbers when a course is given; else the visit type and clinic settings.

    The active (nurse) part of a visit is the readiness check plus the infusion.
    """
    readiness = clinic_setting_value(clinic, keys.READINESS_MINUTES)
    sources = []
    if course is not None:
        protocol = course.protocol
        window = protocol.series_window_max_days or clinic_setting_value(clinic, keys.SERIES_WINDOW_DAYS)
        gap = protocol.minimum_gap_hours or clinic_setting_value(clinic, keys.SERIES_MIN_GAP_HOURS)
        chair_minutes = protocol.visit_length_min
        infusion = protocol.default_duration_min
        kind = KIND_FOR_PROTOCOL.get(protocol.kind, AppointmentKind.MOOD_INFUSION)
        sources.append(
            f"From {protocol}: {course.planned_infusions} infusions, window {window} days, at least "
            f"{gap} h apart, {chair_minutes} min in the chair (infusion {infusion} min)."
        )
        count = course.planned_infusions
    else:
        window = clinic_setting_value(clinic, keys.SERIES_WINDOW_DAYS)
        gap = clinic_setting_value(clinic, keys.SERIES_MIN_GAP_HOURS)
        if appointment_type is not None:
            chair_minutes = appointment_type.chair_minutes
            infusion = appointment_type.infusion_minutes
            kind = appointment_type.kind
            sources.append(
                f"From the visit type {appointment_type.name}: {chair_minutes} min in the chair"
                + (f" (infusion {infusion} min)." if infusion else ".")
            )
        else:
            chair_minutes, infusion, kind = 120, None, AppointmentKind.MOOD_INFUSION
            sources.append("No course or visit type: 120 min in the chair, counted whole for nurses.")
        sources.append(f"Window {window} days and {gap} h between visits: clinic settings.")
        count = 6
    active = None if infusion is None else min(chair_minutes, infusion + readiness)
    if active is not None:
        sources.append(
            f"Nurse time per visit: {readiness} min readiness check + {infusion} min infusion."
        )
    return SeriesParameters(
        kind=kind, count=count, window_days=window, min_gap_hours=gap, chair_minutes=chair_minutes,
        infusion_minutes=infusion, active_minutes=active, appointment_type=appointment_type,
        course=course, sources=sources,
    )


def series_for_patient(*, patient: Patient) -> QuerySet[AppointmentSeries]:
    return AppointmentSeries.objects.filter(clinic_id=patient.clinic_id, patient=patient).order_by(
        "-created_at"
    )


def series_detail(*, clinic: Clinic, series_id: int) -> AppointmentSeries:
    """The series with its patient, course and type (raises DoesNotExist for another clinic's)."""
    return AppointmentSeries.objects.select_related(
        "patient", "course", "course__protocol", "appointment_type", "created_by"
    ).get(clinic=clinic, pk=series_id)


def series_visits(*, series: AppointmentSeries) -> list[Appointment]:
    return list(
        Appointment.objects.filter(clinic_id=series.clinic_id, series=series)
        .select_related("room", "clinician")
        .order_by("sequence", "starts_at")
    )


def appointment_detail(*, clinic: Clinic, appointment_id: int) -> Appointment:
    return Appointment.objects.select_related("patient", "room", "series", "appointment_type").get(
        clinic=clinic, pk=appointment_id
    )


# --- day and week views ---------------------------------------------------------------------------


def _appointments_between(clinic: Clinic, start: dt.datetime, end: dt.datetime) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(
            clinic=clinic, starts_at__gte=start, starts_at__lt=end, status__in=ACTIVE_STATUSES
            + (AppointmentStatus.COMPLETED,),
        )
        .select_related("patient", "room", "appointment_type", "clinician")
        .order_by("starts_at", "pk")
    )


@dataclass
class DayView:
    day: dt.date
    chairs: list[Room]
    grid: DayGrid
    other: list[Appointment]  # not in a chair (consultations), listed under the grid
    hours: tuple[dt.time, dt.time] | None
    closure: ClinicClosure | None
    nurses_recorded: bool
    ratio: int


def day_view(*, clinic: Clinic, day: dt.date) -> DayView:
    """The chairs of one local day: a grid of time rows × chairs with the visits as blocks.

    A fixed number of queries whatever the number of visits (chairs, visits, hours, closure, shifts,
    two settings).
    """
    start, end = clinic_day_bounds(clinic, day)
    chair_rooms = list(chairs(clinic=clinic))
    appointments = list(_appointments_between(clinic, start, end))
    chair_ids = [room.pk for room in chair_rooms]
    closure = ClinicClosure.objects.filter(clinic=clinic, date=day).first()
    hours = None if closure else clinic_hours_week(clinic=clinic)[day.weekday()]
    shifts = nurse_shift_intervals(clinic=clinic, start=start, end=end)
    ratio = clinic_setting_value(clinic, keys.NURSE_RATIO)
    grid = build_day_grid(
        day=day, tz=clinic.tzinfo, hours=hours,
        slot_minutes=clinic_setting_value(clinic, keys.SLOT_MINUTES), chair_ids=chair_ids,
        appointments=appointments, nurse_shifts=shifts or None, ratio=ratio,
    )
    other = [a for a in appointments if a.room_id not in set(chair_ids)]
    return DayView(
        day=day, chairs=chair_rooms, grid=grid, other=other, hours=hours, closure=closure,
        nurses_recorded=bool(shifts), ratio=ratio,
    )


@dataclass
class WeekDay:
    day: dt.date
    hours: tuple[dt.time, dt.time] | None
    closure: ClinicClosure | None
    appointments: list[Appointment]
    shifts: list[StaffShift]


@dataclass
class WeekView:
    start: dt.date
    days: list[WeekDay]


def week_view(*, clinic: Clinic, week_start: dt.date) -> WeekView:
    """Seven local days from `week_start` (a Monday) with their visits and shifts; fixed queries."""
    tz = clinic.tzinfo
    start, _ = clinic_day_bounds(clinic, week_start)
    _, end = clinic_day_bounds(clinic, week_start + dt.timedelta(days=6))
    appointments = list(_appointments_between(clinic, start, end))
    shifts = list(shifts_between(clinic=clinic, start=start, end=end))
    closures = {c.date: c for c in ClinicClosure.objects.filter(
        clinic=clinic, date__gte=week_start, date__lte=week_start + dt.timedelta(days=6))}
    week = clinic_hours_week(clinic=clinic)
    days = []
    for offset in range(7):
        day = week_start + dt.timedelta(days=offset)
        days.append(WeekDay(
            day=day,
            hours=None if day in closures else week[day.weekday()],
            closure=closures.get(day),
            appointments=[a for a in appointments if a.starts_at.astimezone(tz).date() == day],
            shifts=[s for s in shifts if s.starts_at.astimezone(tz).date() == day],
        ))
    return WeekView(start=week_start, days=days)


# --- calendar feeds -------------------------------------------------------------------------------

FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 180
FEED_MAX_EVENTS = 2000


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def feed_token_lookup(*, raw: str) -> CalendarFeedToken | None:
    """The live token for a feed address, or None (unknown, revoked, or its owner lost access)."""
    if not raw or len(raw) > 100:
        return None
    token = (
        CalendarFeedToken.objects.select_related("clinic", "user", "patient")
        .filter(token_hash=token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    if token.user_id is not None:
        active = Membership.objects.filter(
            user_id=token.user_id, clinic_id=token.clinic_id, is_active=True, role__in=STAFF_ROLES
        ).exists()
        if not active or not token.user.is_active:
            return None
    elif token.patient.clinic_id != token.clinic_id:
        return None
    return token


def feed_tokens_for_user(*, clinic: Clinic, user) -> QuerySet[CalendarFeedToken]:
    return CalendarFeedToken.objects.filter(clinic=clinic, user=user).order_by("-created_at")


def feed_tokens_for_patient(*, patient: Patient) -> QuerySet[CalendarFeedToken]:
    return CalendarFeedToken.objects.filter(clinic_id=patient.clinic_id, patient=patient).order_by(
        "-created_at"
    )


def initials(patient: Patient) -> str:
    return "".join(f"{part[:1].upper()}." for part in (patient.given_name, patient.family_name) if part)


def _uid(kind: str, pk: int, clinic: Clinic) -> str:
    return f"{kind}-{pk}@{clinic.slug}.ketaclinic"


def feed_events(*, token: CalendarFeedToken, now: dt.datetime | None = None) -> list[IcsEvent]:
    """The events of one feed, from 30 days ago to 180 days ahead, without cancelled visits.

    Staff: their shifts, visits they are the clinician for, and (nurses) every chair visit of the
    clinic; a visit shows the patient's initials and record number only. Patient: their own visits
    with the clinic's preparation reminder.
    """
    now = now or timezone.now()
    clinic = token.clinic
    start, end = now - dt.timedelta(days=FEED_PAST_DAYS), now + dt.timedelta(days=FEED_FUTURE_DAYS)
    visits = Appointment.objects.filter(
        clinic=clinic, starts_at__gte=start, starts_at__lt=end, status__in=ACTIVE_STATUSES
        + (AppointmentStatus.COMPLETED,),
    ).select_related("room", "patient", "appointment_type", "series")
    events: list[IcsEvent] = []
    if token.patient_id is not None:
        preparation = clinic_setting_value(clinic, keys.PREPARATION_TEXT)
        location = ", ".join(
            part for part in (clinic.name, clinic.address_line, clinic.city, clinic.state) if part
        )
        for visit in visits.filter(patient_id=token.patient_id).order_by("starts_at")[:FEED_MAX_EVENTS]:
            is_infusion = visit.kind != AppointmentKind.CONSULTATION
            summary = f"{visit.get_kind_display()} at {clinic.name}"
            if visit.series_id and visit.sequence:
                summary += f" (visit {visit.sequence})"
            description = preparation if is_infusion else "Consultation with the clinic."
            if clinic.phone:
                phone = clinic_phone_display(clinic.phone, clinic=clinic)
                description += f"\nQuestions or changes: call {phone}."
            events.append(IcsEvent(
                uid=_uid("appointment", visit.pk, clinic), starts_at=visit.starts_at,
                ends_at=visit.ends_at, summary=summary, description=description, location=location,
                updated_at=visit.updated_at,
            ))
        return events

    user = token.user
    role = staff_role(clinic=clinic, user=user)
    mine = Q(clinician=user)
    if role == Role.NURSE:
        mine |= Q(room__kind=RoomKind.CHAIR)
    for visit in visits.filter(mine).order_by("starts_at")[:FEED_MAX_EVENTS]:
        label = visit.appointment_type.name if visit.appointment_type_id else visit.get_kind_display()
        summary = f"{label} — {initials(visit.patient)} ({visit.patient.record_number})"
        events.append(IcsEvent(
            uid=_uid("appointment", visit.pk, clinic), starts_at=visit.starts_at, ends_at=visit.ends_at,
            summary=summary, location=visit.room.name if visit.room_id else clinic.name,
            updated_at=visit.updated_at,
        ))
    shifts = StaffShift.objects.filter(
        clinic=clinic, user=user, starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at")[:FEED_MAX_EVENTS]
    for shift in shifts:
        events.append(IcsEvent(
            uid=_uid("shift", shift.pk, clinic), starts_at=shift.starts_at, ends_at=shift.ends_at,
            summary=f"Shift at {clinic.name} ({shift.get_role_display()})", location=clinic.name,
            updated_at=shift.updated_at,
        ))
    events.sort(key=lambda e: e.starts_at)
    return events


# --- can a visit happen then? (availability) ------------------------------------------------------


def _room_kind_of(appointment_kind: str, appointment_type: AppointmentType | None = None) -> str:
    if appointment_type is not None:
        return appointment_type.room_kind
    return RoomKind.CONSULT if appointment_kind == AppointmentKind.CONSULTATION else RoomKind.CHAIR


def booking_calendar(
    *,
    clinic: Clinic,
    first_day: dt.date,
    last_day: dt.date,
    room_kind: str,
    room: Room | None = None,
    clinician=None,
    patient: Patient | None = None,
    exclude_ids: tuple[int, ...] = (),
    active_minutes: int | None = None,
    start_window: tuple[dt.datetime | None, dt.datetime | None] = (None, None),
) -> "availability.Calendar":
    """What a visit from the clinic's local `first_day` to `last_day` is checked against: hours,
    closures, the room (or every active room of `room_kind`, the chosen one first), the patient's and
    the clinician's other visits, the clinician's shifts and their role's roster days, and (for an
    infusion, `active_minutes` set) the nurse capacity. `exclude_ids`: the visit being moved.
    A fixed number of queries (at most 12), whatever the number of bookings.
    """
    tz = clinic.tzinfo
    start, _ = clinic_day_bounds(clinic, first_day)
    _, end = clinic_day_bounds(clinic, last_day)
    overlapping = Q(clinic=clinic, status__in=ACTIVE_STATUSES, starts_at__lt=end, ends_at__gt=start)
    candidates = list(
        Room.objects.filter(clinic=clinic, kind=room_kind, is_active=True).order_by("name", "pk")
    )
    if room is not None:
        candidates = [room] + [r for r in candidates if r.pk != room.pk]
    rooms: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {r.pk: [] for r in candidates}
    for room_id, s, e in (
        Appointment.objects.filter(overlapping, room_id__in=list(rooms))
        .exclude(pk__in=exclude_ids)
        .values_list("room_id", "starts_at", "ends_at")
    ):
        rooms[room_id].append((s, e))
    patient_busy = []
    if patient is not None:
        patient_busy = list(
            Appointment.objects.filter(overlapping, patient=patient)
            .exclude(pk__in=exclude_ids)
            .values_list("starts_at", "ends_at")
        )
    name, busy, own_shifts, roster_days = "", [], [], set()
    if clinician is not None:
        name = clinician.signature_name
        theirs = Appointment.objects.filter(overlapping, clinician=clinician).exclude(pk__in=exclude_ids)
        if room_kind == RoomKind.CHAIR:
            # A chair visit may overlap the clinician's other chair visits (nurses watch several
            # chairs, within the ratio), never a one-to-one visit of theirs.
            theirs = theirs.exclude(room__kind=RoomKind.CHAIR)
        busy = list(theirs.values_list("starts_at", "ends_at"))
        role = staff_role(clinic=clinic, user=clinician)
        shifts = StaffShift.objects.filter(clinic=clinic, starts_at__lt=end, ends_at__gt=start)
        own_shifts = list(shifts.filter(user=clinician).values_list("starts_at", "ends_at"))
        for s, e in shifts.filter(role=role).values_list("starts_at", "ends_at"):
            roster_days.update({s.astimezone(tz).date(), e.astimezone(tz).date()})
    nurse_shifts, actives, ratio = None, [], 0
    if active_minutes is not None:
        nurse_shifts = nurse_shift_intervals(clinic=clinic, start=start, end=end) or None
        actives = [
            (b.start, b.active_end)
            for b in (
                _busy(a)
                for a in Appointment.objects.filter(overlapping, room__kind=RoomKind.CHAIR)
                .exclude(pk__in=exclude_ids)
                .only("starts_at", "ends_at", "active_minutes")
            )
        ]
        ratio = clinic_setting_value(clinic, keys.NURSE_RATIO)
    return availability.Calendar(
        tz=tz,
        clinic_hours=clinic_hours_week(clinic=clinic),
        closed_dates=closed_dates(clinic=clinic, start=first_day, end=last_day),
        rooms=rooms,
        room_names={r.pk: r.name for r in candidates},
        patient_busy=patient_busy,
        clinician_name=name,
        clinician_busy=busy,
        clinician_shifts=own_shifts,
        roster_days=roster_days,
        nurse_shifts=nurse_shifts,
        active_bookings=actives,
        ratio=ratio,
        active_minutes=active_minutes,
        start_window=start_window,
    )


@dataclass
class SlotOffer:
    """A free time as the booking forms offer it: when, where, and the values that fill the form."""

    start: dt.datetime  # in the clinic's zone
    end: dt.datetime
    room_id: int | None
    room_name: str
    label: str
    value: str  # "YYYY-MM-DDTHH:MM|room id" — what the pick button submits


def next_free_slots(
    *,
    clinic: Clinic,
    length_minutes: int,
    room_kind: str,
    after: dt.datetime | None = None,
    room: Room | None = None,
    clinician=None,
    patient: Patient | None = None,
    exclude_ids: tuple[int, ...] = (),
    active_minutes: int | None = None,
    start_window: tuple[dt.datetime | None, dt.datetime | None] = (None, None),
    count: int = availability.SLOTS_OFFERED,
    now: dt.datetime | None = None,
) -> list[SlotOffer]:
    """The next `count` times (from `after`, never before now) when such a visit can happen: inside
    opening hours, with a free room of `room_kind` (the chosen `room` first), the patient free, the
    clinician free and on shift, and nurse capacity for an infusion. Within the next 28 days."""
    now = now or timezone.now()
    after = max(after or now, now)
    tz = clinic.tzinfo
    first_day = after.astimezone(tz).date()
    calendar = booking_calendar(
        clinic=clinic, first_day=first_day, last_day=first_day + dt.timedelta(days=availability.HORIZON_DAYS),
        room_kind=room_kind, room=room, clinician=clinician, patient=patient, exclude_ids=exclude_ids,
        active_minutes=active_minutes, start_window=start_window,
    )
    slots = availability.free_slots(
        calendar, after=after, length=dt.timedelta(minutes=length_minutes),
        step_minutes=clinic_setting_value(clinic, keys.SLOT_MINUTES), count=count, not_before=now,
    )
    offers = []
    for slot in slots:
        local = slot.start.astimezone(tz)
        room_name = calendar.room_names.get(slot.room_id, "") if slot.room_id else ""
        offers.append(
            SlotOffer(
                start=local,
                end=slot.end.astimezone(tz),
                room_id=slot.room_id,
                room_name=room_name,
                label=f"{local:%a %d %b} {local:%H:%M}" + (f" · {room_name}" if room_name else ""),
                value=f"{local:%Y-%m-%dT%H:%M}|{slot.room_id or ''}",
            )
        )
    return offers


def series_start_window(*, appointment: Appointment) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Earliest and latest start that keeps a series visit its series' minimum gap to the visits
    before and after it (None, None outside a series)."""
    if appointment.series_id is None:
        return None, None
    gap = dt.timedelta(hours=appointment.series.min_gap_hours)
    others = (
        Appointment.objects.filter(series_id=appointment.series_id)
        .exclude(pk=appointment.pk)
        .exclude(status__in=(AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW))
    )
    before = others.filter(starts_at__lt=appointment.starts_at).order_by("-starts_at").first()
    after = others.filter(starts_at__gt=appointment.starts_at).order_by("starts_at").first()
    return (before.starts_at + gap if before else None, after.starts_at - gap if after else None)

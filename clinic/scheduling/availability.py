"""Can a visit happen then? And when is the next time it can? Pure Python, no ORM, no clock.

Every booking (a consultation, an infusion, a move) must fit:
- **the clinic's opening hours** of its local day, wholly, and not on a closed date;
- **the room or chair**: free for the whole visit;
- **the patient**: no other appointment at the same time;
- **the clinician** (when one is named):
  - *one-to-one visits* (outside the infusion chairs: consultations) have their whole attention, so
    none of their other appointments may overlap; a visit in an infusion chair may not overlap a
    one-to-one visit of theirs either. Chair visits may overlap each other: the nurses on duty
    watch several chairs at once, limited by the nurse ratio instead (below);
  - *shifts*: if the clinic recorded any shift for the clinician's role on that local day (it keeps
    a roster for that role that day), the visit must lie wholly within the clinician's own shifts.
    With no shift recorded for the role that day, the roster is not kept and this is not checked;
- **the nurses** (infusion visits, when nurse shifts are recorded): active infusions at every
  instant ≤ nurses on duty × the clinic's ratio, as the series planner checks.

`booking_problems` says what is wrong with one time, field by field, in words for the front desk;
`free_slots` walks the booking grid from a moment on and returns the first times that pass every
rule, each with a free room. The selectors (`selectors.booking_calendar`) read the data once; the
services refuse with these messages; the views offer the free times as buttons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from clinic.scheduling.planner import _Intervals, local_to_utc, opening_interval, ratio_shortfall

Interval = tuple[dt.datetime, dt.datetime]

# Messages (the tests reuse them). Times are the clinic's wall clock, "HH:MM"; days "Tue 05 May".
ENDS_BEFORE_START = "The visit must end after it starts."
IN_PAST = "That time has already passed; choose a time from now on."
CLINIC_CLOSED_ON = "The clinic is closed on {day}."
OUTSIDE_HOURS_ON = "On {day} the clinic is open {opens}–{closes}; this visit would run {start}–{end}."
ROOM_TAKEN = "{room} is already booked from {start} to {end} that day."
PATIENT_BUSY = "The patient has another appointment from {start} to {end} that day."
CLINICIAN_BUSY = "{name} already has a visit from {start} to {end} that day."
CLINICIAN_NO_SHIFT = "{name} has no shift on {day}, and the clinic keeps a roster for their role that day."
CLINICIAN_OFF_SHIFT = "{name} is not on shift for the whole visit (their shifts on {day}: {shifts})."
NURSES_FULL = (
    "More infusions than the nurses on duty can watch then ({nurses} nurse(s) × {ratio} infusions each)."
)

HORIZON_DAYS = 28
SLOTS_OFFERED = 5


@dataclass(frozen=True)
class Calendar:
    """Everything a booking is checked against, read once by the selector (aware datetimes, UTC).

    `rooms`: the rooms the visit may take, in order of preference, each with its bookings; empty when
    the visit needs none. `clinician_busy`: the clinician's appointments this visit may not overlap
    (see the module docstring). `roster_days`: local dates on which the clinic recorded a shift for
    the clinician's role. `nurse_shifts` None: no nurse roster, the ratio is not checked; with
    `active_minutes` None the visit occupies no nurse (a consultation). `start_window`: earliest and
    latest start a free time may have (a series visit keeps its gap to the others).
    """

    tz: ZoneInfo
    clinic_hours: Mapping[int, tuple[dt.time, dt.time] | None]
    closed_dates: Collection[dt.date] = ()
    rooms: Mapping[int, Sequence[Interval]] = field(default_factory=dict)
    room_names: Mapping[int, str] = field(default_factory=dict)
    patient_busy: Sequence[Interval] = ()
    clinician_name: str = ""
    clinician_busy: Sequence[Interval] = ()
    clinician_shifts: Sequence[Interval] = ()
    roster_days: Collection[dt.date] = ()
    nurse_shifts: Sequence[Interval] | None = None
    active_bookings: Sequence[Interval] = ()
    ratio: int = 0
    active_minutes: int | None = None
    start_window: tuple[dt.datetime | None, dt.datetime | None] = (None, None)

    def __post_init__(self) -> None:
        # Index the nurse data once: free_slots checks hundreds of candidate times.
        object.__setattr__(self, "_actives", _Intervals(list(self.active_bookings)))
        nurses = None if self.nurse_shifts is None else _Intervals(list(self.nurse_shifts))
        object.__setattr__(self, "_nurses", nurses)


@dataclass(frozen=True)
class FreeSlot:
    """A time a visit can happen: start, end (aware, UTC) and the room it would take (or None)."""

    start: dt.datetime
    end: dt.datetime
    room_id: int | None


def _hm(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def _day(day: dt.date) -> str:
    return day.strftime("%a %d %b")


def _first_overlap(intervals: Sequence[Interval], start: dt.datetime, end: dt.datetime) -> Interval | None:
    found = [(s, e) for s, e in intervals if s < end and e > start]
    return min(found) if found else None


def _covered(start: dt.datetime, end: dt.datetime, shifts: Sequence[Interval]) -> bool:
    """Whether the union of `shifts` covers [start, end) (back-to-back shifts count as one)."""
    reach = start
    for s, e in sorted(shifts):
        if s > reach:
            break
        reach = max(reach, e)
        if reach >= end:
            return True
    return reach >= end


def booking_problems(
    calendar: Calendar,
    *,
    start: dt.datetime,
    end: dt.datetime,
    room_id: int | None = None,
    not_before: dt.datetime | None = None,
) -> dict[str, list[str]]:
    """What stops a visit from `start` to `end` (in `room_id`, if any), by form field:
    "starts_at" (time, hours, patient, nurses), "room" and "clinician". Empty when it can happen."""
    tz = calendar.tz
    problems: dict[str, list[str]] = {}

    def add(field_name: str, message: str) -> None:
        problems.setdefault(field_name, []).append(message)

    if end <= start:
        add("starts_at", ENDS_BEFORE_START)
        return problems
    if not_before is not None and start < not_before:
        add("starts_at", IN_PAST)
    day = start.astimezone(tz).date()
    interval = opening_interval(day, calendar.clinic_hours, calendar.closed_dates, tz)
    if interval is None:
        add("starts_at", CLINIC_CLOSED_ON.format(day=_day(day)))
    elif start < interval[0] or end > interval[1]:
        add(
            "starts_at",
            OUTSIDE_HOURS_ON.format(
                day=_day(day),
                opens=_hm(interval[0], tz),
                closes=_hm(interval[1], tz),
                start=_hm(start, tz),
                end=_hm(end, tz),
            ),
        )
    clash = _first_overlap(calendar.patient_busy, start, end)
    if clash is not None:
        add("starts_at", PATIENT_BUSY.format(start=_hm(clash[0], tz), end=_hm(clash[1], tz)))
    if room_id is not None and room_id in calendar.rooms:
        clash = _first_overlap(calendar.rooms[room_id], start, end)
        if clash is not None:
            add(
                "room",
                ROOM_TAKEN.format(
                    room=calendar.room_names.get(room_id, "That room"),
                    start=_hm(clash[0], tz),
                    end=_hm(clash[1], tz),
                ),
            )
    if calendar.clinician_name:
        clash = _first_overlap(calendar.clinician_busy, start, end)
        if clash is not None:
            add(
                "clinician",
                CLINICIAN_BUSY.format(
                    name=calendar.clinician_name, start=_hm(clash[0], tz), end=_hm(clash[1], tz)
                ),
            )
        if day in calendar.roster_days and not _covered(start, end, calendar.clinician_shifts):
            theirs = [
                (s, e)
                for s, e in sorted(calendar.clinician_shifts)
                if s.astimezone(tz).date() <= day <= e.astimezone(tz).date()
            ]
            if not theirs:
                add("clinician", CLINICIAN_NO_SHIFT.format(name=calendar.clinician_name, day=_day(day)))
            else:
                shifts = ", ".join(f"{_hm(s, tz)}–{_hm(e, tz)}" for s, e in theirs)
                add(
                    "clinician",
                    CLINICIAN_OFF_SHIFT.format(name=calendar.clinician_name, day=_day(day), shifts=shifts),
                )
    if calendar.active_minutes is not None and calendar.nurse_shifts is not None:
        active_end = min(end, start + dt.timedelta(minutes=calendar.active_minutes))
        shortfall = ratio_shortfall(
            start=start,
            end=active_end,
            actives=calendar._actives,
            nurses=calendar._nurses,
            ratio=calendar.ratio,
        )
        if shortfall is not None:
            add("starts_at", NURSES_FULL.format(nurses=shortfall, ratio=calendar.ratio))
    return problems


def free_slots(
    calendar: Calendar,
    *,
    after: dt.datetime,
    length: dt.timedelta,
    step_minutes: int = 15,
    count: int = SLOTS_OFFERED,
    horizon_days: int = HORIZON_DAYS,
    not_before: dt.datetime | None = None,
) -> list[FreeSlot]:
    """The first `count` times from `after` on (within `horizon_days`) when the visit can happen.

    Starts lie on the clinic's booking grid (every `step_minutes` from opening time). Each free time
    takes the first free room of `calendar.rooms` (their order is the preference); with no rooms in
    the calendar the visit needs none. Every time returned passes `booking_problems`.
    """
    tz = calendar.tz
    earliest = max(t for t in (after, not_before, calendar.start_window[0]) if t is not None)
    latest = calendar.start_window[1]
    step = max(1, int(step_minutes))
    found: list[FreeSlot] = []
    first_day = earliest.astimezone(tz).date()
    for offset in range(horizon_days + 1):
        day = first_day + dt.timedelta(days=offset)
        interval = opening_interval(day, calendar.clinic_hours, calendar.closed_dates, tz)
        if interval is None:
            continue
        opens_at, closes_at = interval
        opens_local = opens_at.astimezone(tz)
        minute = opens_local.hour * 60 + opens_local.minute
        while minute < 24 * 60:
            start = local_to_utc(day, dt.time(minute // 60, minute % 60), tz)
            minute += step
            if start is None or start < earliest:
                continue
            if latest is not None and start > latest:
                return found
            end = start + length
            if end > closes_at:
                break
            room = _free_room(calendar, start, end)
            if room is False:
                continue
            if booking_problems(calendar, start=start, end=end, room_id=room, not_before=not_before):
                continue
            found.append(FreeSlot(start=start, end=end, room_id=room))
            if len(found) >= count:
                return found
    return found


def _free_room(calendar: Calendar, start: dt.datetime, end: dt.datetime) -> int | None | bool:
    """The first room free for the whole visit; None when the visit needs no room; False when
    every room is taken."""
    if not calendar.rooms:
        return None
    for room_id, bookings in calendar.rooms.items():
        if _first_overlap(bookings, start, end) is None:
            return room_id
    return False

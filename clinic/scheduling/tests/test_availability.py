"""The booking rules and the free-time finder (clinic/scheduling/availability.py): pure, no database.

Examples for each rule (the issue's Sunday, 22:00 after an 18:00 close, a physician booked twice),
then hypothesis: every free time offered passes every rule, and none is skipped (checked against a
brute-force walk of the booking grid)."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.scheduling.availability import (
    CLINIC_CLOSED_ON,
    CLINICIAN_BUSY,
    CLINICIAN_NO_SHIFT,
    CLINICIAN_OFF_SHIFT,
    ENDS_BEFORE_START,
    IN_PAST,
    NURSES_FULL,
    OUTSIDE_HOURS_ON,
    PATIENT_BUSY,
    ROOM_TAKEN,
    Calendar,
    FreeSlot,
    booking_problems,
    free_slots,
)

NY = ZoneInfo("America/New_York")
WEEKDAYS_8_TO_18 = {**{d: (dt.time(8), dt.time(18)) for d in range(5)}, 5: None, 6: None}
MONDAY = dt.date(2030, 3, 4)  # the US clocks go forward on Sunday 10 March 2030
HOUR = dt.timedelta(hours=1)


def at(day: dt.date, hhmm: str, tz=NY) -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)


def day(offset: int) -> dt.date:
    return MONDAY + dt.timedelta(days=offset)


def calendar(**kw) -> Calendar:
    return Calendar(tz=NY, clinic_hours=kw.pop("clinic_hours", WEEKDAYS_8_TO_18), **kw)


# --- the rules, one by one ------------------------------------------------------------------------


def test_a_visit_inside_opening_hours_with_everyone_free_can_happen():
    assert booking_problems(calendar(), start=at(MONDAY, "09:00"), end=at(MONDAY, "10:00")) == {}


def test_the_issue_sunday_is_refused_naming_the_day():
    sunday = day(6)
    problems = booking_problems(calendar(), start=at(sunday, "10:00"), end=at(sunday, "11:00"))
    assert problems == {"starts_at": [CLINIC_CLOSED_ON.format(day="Sun 10 Mar")]}


def test_the_issue_22_00_after_an_18_00_close_is_refused_with_the_hours():
    problems = booking_problems(calendar(), start=at(MONDAY, "22:00"), end=at(MONDAY, "23:00"))
    assert problems == {
        "starts_at": [
            OUTSIDE_HOURS_ON.format(
                day="Mon 04 Mar", opens="08:00", closes="18:00", start="22:00", end="23:00"
            )
        ]
    }


def test_a_visit_running_past_closing_or_starting_before_opening_is_refused():
    assert booking_problems(calendar(), start=at(MONDAY, "17:30"), end=at(MONDAY, "18:30"))
    assert booking_problems(calendar(), start=at(MONDAY, "07:45"), end=at(MONDAY, "08:45"))
    assert booking_problems(calendar(), start=at(MONDAY, "17:00"), end=at(MONDAY, "18:00")) == {}


def test_a_closed_date_is_refused_whatever_the_weekday():
    problems = booking_problems(
        calendar(closed_dates={MONDAY}), start=at(MONDAY, "09:00"), end=at(MONDAY, "10:00")
    )
    assert problems == {"starts_at": [CLINIC_CLOSED_ON.format(day="Mon 04 Mar")]}


def test_the_past_and_an_empty_visit_are_refused():
    now = at(MONDAY, "12:00")
    assert booking_problems(
        calendar(), start=at(MONDAY, "11:00"), end=at(MONDAY, "11:30"), not_before=now
    ) == {"starts_at": [IN_PAST]}
    assert booking_problems(calendar(), start=at(MONDAY, "11:00"), end=at(MONDAY, "11:00")) == {
        "starts_at": [ENDS_BEFORE_START]
    }


def test_the_issue_a_physician_booked_twice_at_overlapping_times_is_refused():
    cal = calendar(
        clinician_name="Elena Marsh, MD", clinician_busy=[(at(MONDAY, "10:00"), at(MONDAY, "11:00"))]
    )
    problems = booking_problems(cal, start=at(MONDAY, "10:30"), end=at(MONDAY, "11:30"))
    assert problems == {
        "clinician": [CLINICIAN_BUSY.format(name="Elena Marsh, MD", start="10:00", end="11:00")]
    }
    # back to back is fine
    assert booking_problems(cal, start=at(MONDAY, "11:00"), end=at(MONDAY, "12:00")) == {}


def test_the_room_and_the_patient_must_be_free():
    cal = calendar(
        rooms={7: [(at(MONDAY, "09:00"), at(MONDAY, "10:00"))]},
        room_names={7: "Consult 1"},
        patient_busy=[(at(MONDAY, "13:00"), at(MONDAY, "15:00"))],
    )
    assert booking_problems(cal, start=at(MONDAY, "09:30"), end=at(MONDAY, "10:30"), room_id=7) == {
        "room": [ROOM_TAKEN.format(room="Consult 1", start="09:00", end="10:00")]
    }
    assert booking_problems(cal, start=at(MONDAY, "14:00"), end=at(MONDAY, "15:00")) == {
        "starts_at": [PATIENT_BUSY.format(start="13:00", end="15:00")]
    }


def test_shifts_are_checked_only_on_days_the_clinic_keeps_a_roster_for_the_role():
    shifts = [(at(MONDAY, "08:00"), at(MONDAY, "12:00")), (at(MONDAY, "12:00"), at(MONDAY, "14:00"))]
    cal = calendar(clinician_name="Dr A", clinician_shifts=shifts, roster_days={MONDAY, day(1)})
    # inside back-to-back shifts
    assert booking_problems(cal, start=at(MONDAY, "11:30"), end=at(MONDAY, "12:30")) == {}
    # running past the end of the last shift
    assert booking_problems(cal, start=at(MONDAY, "13:30"), end=at(MONDAY, "14:30")) == {
        "clinician": [
            CLINICIAN_OFF_SHIFT.format(name="Dr A", day="Mon 04 Mar", shifts="08:00–12:00, 12:00–14:00")
        ]
    }
    # a roster day without a shift of theirs
    assert booking_problems(cal, start=at(day(1), "09:00"), end=at(day(1), "10:00")) == {
        "clinician": [CLINICIAN_NO_SHIFT.format(name="Dr A", day="Tue 05 Mar")]
    }
    # a day without any shift recorded for the role: not checked
    assert booking_problems(cal, start=at(day(2), "09:00"), end=at(day(2), "10:00")) == {}


def test_infusions_respect_the_nurse_ratio_when_nurses_are_rostered():
    running = [(at(MONDAY, "09:00"), at(MONDAY, "10:00"))] * 2
    one_nurse = [(at(MONDAY, "08:00"), at(MONDAY, "16:00"))]
    cal = calendar(active_minutes=55, nurse_shifts=one_nurse, active_bookings=running, ratio=2)
    assert booking_problems(cal, start=at(MONDAY, "09:30"), end=at(MONDAY, "11:30")) == {
        "starts_at": [NURSES_FULL.format(nurses=1, ratio=2)]
    }
    assert booking_problems(cal, start=at(MONDAY, "10:00"), end=at(MONDAY, "12:00")) == {}
    # a consultation takes no nurse
    consult = calendar(nurse_shifts=one_nurse, active_bookings=running, ratio=2)
    assert booking_problems(consult, start=at(MONDAY, "09:30"), end=at(MONDAY, "10:30")) == {}


# --- the free-time finder ---------------------------------------------------------------------------


def test_refused_at_22_00_friday_the_next_free_times_are_monday_morning():
    friday, next_monday = day(4), day(7)
    cal = calendar(
        rooms={
            1: [(at(next_monday, "08:00"), at(next_monday, "09:00"))],
            2: [(at(next_monday, "08:00"), at(next_monday, "10:00"))],
        },
        room_names={1: "Consult 1", 2: "Consult 2"},
        clinician_name="Dr A",
        clinician_busy=[(at(next_monday, "09:00"), at(next_monday, "09:30"))],
    )
    slots = free_slots(cal, after=at(friday, "22:00"), length=HOUR, step_minutes=15, count=3)
    assert slots == [
        FreeSlot(at(next_monday, "09:30"), at(next_monday, "10:30"), 1),
        FreeSlot(at(next_monday, "09:45"), at(next_monday, "10:45"), 1),
        FreeSlot(at(next_monday, "10:00"), at(next_monday, "11:00"), 1),
    ]


def test_the_finder_prefers_the_first_room_and_needs_none_when_there_are_none():
    cal = calendar(
        rooms={5: [(at(MONDAY, "08:00"), at(MONDAY, "09:00"))], 3: []}, room_names={5: "B", 3: "A"}
    )
    assert [s.room_id for s in free_slots(cal, after=at(MONDAY, "08:00"), length=HOUR, count=5)] == [
        3,
        3,
        3,
        3,
        5,
    ]
    no_rooms = free_slots(calendar(), after=at(MONDAY, "08:00"), length=HOUR, count=2)
    assert [(s.start, s.room_id) for s in no_rooms] == [
        (at(MONDAY, "08:00"), None),
        (at(MONDAY, "08:15"), None),
    ]


def test_the_finder_keeps_a_series_visit_inside_its_window_and_stops_at_the_horizon():
    cal = calendar(start_window=(at(day(1), "12:00"), at(day(1), "13:00")))
    slots = free_slots(cal, after=at(MONDAY, "08:00"), length=HOUR, count=10)
    assert [s.start for s in slots] == [
        at(day(1), f"{h}") for h in ("12:00", "12:15", "12:30", "12:45", "13:00")
    ]
    closed = calendar(clinic_hours={d: None for d in range(7)})
    assert free_slots(closed, after=at(MONDAY, "08:00"), length=HOUR) == []


def test_the_finder_starts_on_the_grid_from_opening_and_skips_the_dst_gap():
    # a clinic open 01:00–05:00 every day, on Sunday 10 March the clocks skip 02:00–03:00
    cal = calendar(clinic_hours={d: (dt.time(1), dt.time(5)) for d in range(7)})
    slots = free_slots(
        cal, after=at(day(6), "01:50"), length=dt.timedelta(minutes=30), step_minutes=20, count=4
    )
    assert [s.start.astimezone(NY).strftime("%H:%M") for s in slots] == ["03:00", "03:20", "03:40", "04:00"]


# --- properties ---------------------------------------------------------------------------------------

ZONES = [NY, ZoneInfo("Europe/London"), ZoneInfo("UTC")]


@st.composite
def calendars(draw):
    tz = draw(st.sampled_from(ZONES))
    hours = {}
    for weekday in range(7):
        if draw(st.integers(0, 9)) < 2:
            hours[weekday] = None
        else:
            opens = draw(st.integers(6 * 4, 11 * 4))
            closes = draw(st.integers(opens + 4, 21 * 4))
            hours[weekday] = (dt.time(opens // 4, opens % 4 * 15), dt.time(closes // 4, closes % 4 * 15))

    def moment():
        when = dt.datetime.combine(
            MONDAY + dt.timedelta(days=draw(st.integers(0, 9))), dt.time(draw(st.integers(6, 19))), tzinfo=tz
        )
        return when + dt.timedelta(minutes=draw(st.sampled_from([0, 10, 15, 30, 45])))

    def intervals(max_size):
        items = []
        for _ in range(draw(st.integers(0, max_size))):
            start = moment()
            items.append((start, start + dt.timedelta(minutes=draw(st.sampled_from([20, 30, 60, 120])))))
        return items

    rooms = {room: intervals(5) for room in range(1, draw(st.integers(0, 3)) + 1)}
    roster = {MONDAY + dt.timedelta(days=d) for d in draw(st.sets(st.integers(0, 9), max_size=5))}
    return Calendar(
        tz=tz,
        clinic_hours=hours,
        closed_dates={MONDAY + dt.timedelta(days=d) for d in draw(st.sets(st.integers(0, 9), max_size=3))},
        rooms=rooms,
        room_names={r: f"Room {r}" for r in rooms},
        patient_busy=intervals(3),
        clinician_name=draw(st.sampled_from(["", "Dr A"])),
        clinician_busy=intervals(4),
        clinician_shifts=[(s, s + dt.timedelta(hours=draw(st.integers(2, 8)))) for s, _ in intervals(4)],
        roster_days=roster,
    )


def brute_force(cal: Calendar, after, length, step, count, horizon):
    """An independent walk: every grid time of every open day, each rule checked directly."""
    tz, found = cal.tz, []
    for offset in range(horizon + 1):
        today = after.astimezone(tz).date() + dt.timedelta(days=offset)
        hours = cal.clinic_hours.get(today.weekday())
        if not hours or today in cal.closed_dates:
            continue
        opens = dt.datetime.combine(today, hours[0], tzinfo=tz)
        closes = dt.datetime.combine(today, hours[1], tzinfo=tz)
        for minute in range(0, 24 * 60, step):
            start = opens + dt.timedelta(minutes=minute)
            if start.date() != today or start.astimezone(dt.UTC).astimezone(tz).replace(
                tzinfo=None
            ) != start.replace(tzinfo=None):
                continue
            end = start + length
            if start < after or end > closes:
                continue

            def free(intervals):
                return all(not (s < end and e > start) for s, e in intervals)

            if not free(cal.patient_busy) or (cal.clinician_name and not free(cal.clinician_busy)):
                continue
            if cal.clinician_name and today in cal.roster_days:
                reach = start
                for s, e in sorted(cal.clinician_shifts):
                    if s <= reach:
                        reach = max(reach, e)
                if reach < end:
                    continue
            room = None
            if cal.rooms:
                room = next((r for r, busy in cal.rooms.items() if free(busy)), None)
                if room is None:
                    continue
            found.append(FreeSlot(start.astimezone(dt.UTC), end.astimezone(dt.UTC), room))
            if len(found) == count:
                return found
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cal=calendars(),
    after_day=st.integers(0, 8),
    after_minute=st.integers(0, 24 * 60 - 1),
    length=st.sampled_from([15, 30, 60, 90]),
    step=st.sampled_from([10, 15, 30]),
    count=st.integers(1, 6),
)
def test_free_times_pass_every_rule_and_none_is_skipped(cal, after_day, after_minute, length, step, count):
    after = dt.datetime.combine(
        MONDAY + dt.timedelta(days=after_day), dt.time(0), tzinfo=cal.tz
    ) + dt.timedelta(minutes=after_minute)
    length = dt.timedelta(minutes=length)
    slots = free_slots(cal, after=after, length=length, step_minutes=step, count=count, horizon_days=10)
    for slot in slots:
        assert slot.start >= after
        assert booking_problems(cal, start=slot.start, end=slot.end, room_id=slot.room_id) == {}
    assert [s.start for s in slots] == sorted({s.start for s in slots})
    assert slots == brute_force(cal, after, length, step, count, horizon=10)

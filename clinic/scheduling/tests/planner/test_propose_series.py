"""The series planner on hand-made clinics: preferences, chairs, hours, gaps, nurses, explanations."""

import datetime as dt
from zoneinfo import ZoneInfo

from clinic.scheduling.planner import (
    CLOSED_DAYS,
    NO_OPEN_TIME,
    NOT_PREFERRED_DAY,
    NOT_PREFERRED_TIME,
    NURSES_NOT_CHECKED,
    WINDOW_TOO_SHORT,
    Busy,
    check_series,
    propose_series,
)

TZ = ZoneInfo("America/New_York")
MONDAY = dt.date(2030, 3, 4)  # the US clocks go forward on Sunday 10 March 2030
WEEKDAYS_8_TO_6 = {d: (dt.time(8), dt.time(18)) for d in range(5)}
MON_WED_FRI = {0, 2, 4}


def at(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def shifts(first: dt.date, days: int, nurses: int = 1, hours=("07:30", "18:30")):
    return [
        (at(first + dt.timedelta(days=d), hours[0]), at(first + dt.timedelta(days=d), hours[1]))
        for d in range(days)
        for _ in range(nurses)
    ]


def plan(**overrides):
    args = {
        "count": 6,
        "window_days": 21,
        "min_gap_hours": 44,
        "start_date": MONDAY,
        "preferred_weekdays": MON_WED_FRI,
        "preferred_times": [dt.time(9)],
        "chair_minutes": 120,
        "clinic_hours": WEEKDAYS_8_TO_6,
        "existing_bookings_by_chair": {1: [], 2: [], 3: []},
        "nurse_capacity": shifts(MONDAY, 30),
        "nurse_to_active_infusion_ratio": 2,
        "tz": TZ,
        "infusion_minutes": 55,
    }
    args.update(overrides)
    return propose_series(**args), args


def check(proposal, args):
    return check_series(
        slots=proposal.slots,
        min_gap_hours=args["min_gap_hours"],
        clinic_hours=args["clinic_hours"],
        existing_bookings_by_chair=args["existing_bookings_by_chair"],
        nurse_capacity=args["nurse_capacity"],
        nurse_to_active_infusion_ratio=args["nurse_to_active_infusion_ratio"],
        tz=TZ,
        infusion_minutes=args.get("infusion_minutes"),
        closed_dates=args.get("closed_dates", ()),
        patient_busy=args.get("patient_busy", ()),
        other_infusions=args.get("other_infusions", ()),
    )


def local(slot):
    return slot.start.astimezone(TZ).strftime("%a %d %H:%M")


def test_six_visits_mon_wed_fri_at_nine_in_one_chair_across_the_clock_change():
    proposal, args = plan()
    assert [local(s) for s in proposal.slots] == [
        "Mon 04 09:00",
        "Wed 06 09:00",
        "Fri 08 09:00",
        "Mon 11 09:00",
        "Wed 13 09:00",
        "Fri 15 09:00",
    ]
    assert {s.chair_id for s in proposal.slots} == {1}
    assert all(s.end - s.start == dt.timedelta(minutes=120) for s in proposal.slots)
    # stored in UTC: 09:00 is 14:00Z before the change and 13:00Z after it
    assert proposal.slots[0].start.astimezone(dt.UTC).hour == 14
    assert proposal.slots[3].start.astimezone(dt.UTC).hour == 13
    assert proposal.problems == [] and proposal.complete
    assert check(proposal, args).ok


def test_a_busy_chair_is_avoided_and_the_patient_stays_in_one_chair_where_possible():
    taken = [
        Busy(at(MONDAY + dt.timedelta(days=d), "08:30"), at(MONDAY + dt.timedelta(days=d), "11:00"))
        for d in range(21)
    ]
    proposal, args = plan(existing_bookings_by_chair={1: taken, 2: [], 3: []})
    assert {s.chair_id for s in proposal.slots} == {2}
    assert [local(s)[-5:] for s in proposal.slots] == ["09:00"] * 6


def test_when_every_chair_is_taken_at_the_preferred_time_the_nearest_time_is_used_and_said():
    busy = [Busy(at(MONDAY, "09:00"), at(MONDAY, "11:00"))]
    proposal, args = plan(existing_bookings_by_chair={1: busy, 2: list(busy)}, count=1)
    assert [local(s) for s in proposal.slots] == ["Mon 04 11:00"]
    assert proposal.problems == [NOT_PREFERRED_TIME.format(n=1, when="Mon 04 Mar 11:00")]


def test_spacing_is_at_least_the_minimum_gap_start_to_start():
    proposal, args = plan(preferred_weekdays=set(), min_gap_hours=44, count=5)
    starts = [s.start for s in proposal.slots]
    assert all(b - a >= dt.timedelta(hours=44) for a, b in zip(starts, starts[1:], strict=False))
    # with no weekday preference every second weekday is used (Mon, Wed, Fri, Mon, Wed)
    assert [local(s)[:3] for s in proposal.slots] == ["Mon", "Wed", "Fri", "Mon", "Wed"]


def test_the_nurse_ratio_counts_active_infusions_only():
    # one nurse, ratio 2; two infusions active 09:00-09:55, recovering until 11:00
    two = [Busy(at(MONDAY, "09:00"), at(MONDAY, "11:00"), at(MONDAY, "09:55"))]
    existing = {1: two, 2: list(two), 3: []}
    proposal, args = plan(
        count=1,
        existing_bookings_by_chair=existing,
        nurse_capacity=shifts(MONDAY, 1),
        preferred_times=[dt.time(9, 30)],
    )
    (slot,) = proposal.slots
    active_end = slot.start + dt.timedelta(minutes=55)
    assert active_end <= at(MONDAY, "09:00") or slot.start >= at(MONDAY, "09:55")
    assert local(slot) == "Mon 04 10:00"  # the nearest start to 09:30 once the infusions end
    assert check(proposal, args).ok


def test_the_whole_chair_time_counts_when_the_infusion_part_is_unknown():
    two = [Busy(at(MONDAY, "09:00"), at(MONDAY, "11:00"))]  # no active_until: whole visit counts
    proposal, _ = plan(
        count=1,
        existing_bookings_by_chair={1: two, 2: list(two), 3: []},
        nurse_capacity=shifts(MONDAY, 1),
        preferred_times=[dt.time(9, 30)],
        infusion_minutes=None,
    )
    (slot,) = proposal.slots
    assert slot.start >= at(MONDAY, "11:00") or slot.end <= at(MONDAY, "09:00")


def test_no_nurse_on_duty_means_no_infusion():
    proposal, _ = plan(count=1, nurse_capacity=shifts(MONDAY + dt.timedelta(days=2), 1))
    assert [local(s) for s in proposal.slots] == ["Wed 06 09:00"]


def test_without_shifts_the_ratio_is_not_checked_and_that_is_said():
    proposal, _ = plan(count=1, nurse_capacity=None)
    assert len(proposal.slots) == 1
    assert NURSES_NOT_CHECKED in proposal.problems


def test_a_visit_longer_than_the_opening_hours_cannot_be_placed():
    mornings = {d: (dt.time(8), dt.time(12)) for d in range(5)}
    proposal, _ = plan(count=2, chair_minutes=300, clinic_hours=mornings)
    assert proposal.slots == [] and not proposal.complete
    assert proposal.problems[0] == "No visit could be placed between Mon 04 Mar and Sun 24 Mar."
    assert NO_OPEN_TIME.format(minutes=300) in proposal.problems


def test_too_short_a_window_is_explained():
    proposal, _ = plan(window_days=7)
    assert len(proposal.slots) == 3  # Mon, Wed, Fri
    assert proposal.problems[:2] == [
        WINDOW_TOO_SHORT.format(count=6, gap=44, need="9.2", window=7),
        "Only 3 of 6 visits could be placed between Mon 04 Mar and Sun 10 Mar.",
    ]
    assert CLOSED_DAYS.format(n=2) in proposal.problems


def test_the_reasons_for_rejected_times_are_counted():
    full = [Busy(at(MONDAY, "08:00"), at(MONDAY, "18:00"))]
    proposal, _ = plan(count=2, window_days=1, existing_bookings_by_chair={1: full})
    assert proposal.slots == []
    assert proposal.problems[-1] == "Of 33 possible start times, 33 had no free chair."


def test_a_closed_date_moves_the_visit_and_says_it_is_not_a_preferred_day():
    wednesday = MONDAY + dt.timedelta(days=2)
    proposal, _ = plan(count=3, window_days=7, closed_dates={wednesday}, min_gap_hours=20)
    assert [local(s)[:3] for s in proposal.slots] == ["Mon", "Tue", "Fri"]
    assert NOT_PREFERRED_DAY.format(n=2, when="Tue 05 Mar 09:00") in proposal.problems


def test_past_times_and_the_patients_other_visits_are_avoided():
    busy = [(at(MONDAY, "08:00"), at(MONDAY, "12:00"))]
    proposal, _ = plan(count=1, patient_busy=busy, not_before=at(MONDAY, "07:00"))
    assert [local(s) for s in proposal.slots] == ["Mon 04 12:00"]
    proposal, _ = plan(count=1, not_before=at(MONDAY, "09:01"))
    assert [local(s) for s in proposal.slots] == ["Mon 04 09:15"]


def test_zero_visits_is_an_empty_proposal():
    proposal, _ = plan(count=0)
    assert proposal.slots == [] and proposal.problems == [] and proposal.complete


def test_chairs_not_listed_are_never_used_but_their_infusions_occupy_nurses():
    elsewhere = [Busy(at(MONDAY, "09:00"), at(MONDAY, "11:00"), at(MONDAY, "09:55"))] * 2
    proposal, args = plan(
        count=1,
        existing_bookings_by_chair={7: []},
        other_infusions=elsewhere,
        nurse_capacity=shifts(MONDAY, 1),
    )
    (slot,) = proposal.slots
    assert slot.chair_id == 7
    assert slot.start >= at(MONDAY, "09:55") or slot.start + dt.timedelta(minutes=55) <= at(MONDAY, "09:00")

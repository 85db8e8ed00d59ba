"""check_series: every rule broken once, each error naming the visit."""

import datetime as dt

from clinic.scheduling.planner import (
    NURSES_NOT_CHECKED,
    SLOT_CHAIR_TAKEN,
    SLOT_CHAIRS_CLASH,
    SLOT_CLOSED,
    SLOT_ENDS_BEFORE_START,
    SLOT_GAP,
    SLOT_IN_PAST,
    SLOT_NURSES,
    SLOT_OUTSIDE_HOURS,
    SLOT_OUTSIDE_WINDOW,
    SLOT_PATIENT_BUSY,
    SLOT_PATIENT_CLASH,
    SLOT_UNKNOWN_CHAIR,
    Busy,
    Slot,
    check_series,
)

from .test_propose_series import MONDAY, TZ, WEEKDAYS_8_TO_6, at, shifts


def run(slots, **overrides):
    args = {
        "slots": slots,
        "min_gap_hours": 44,
        "clinic_hours": WEEKDAYS_8_TO_6,
        "existing_bookings_by_chair": {1: [], 2: []},
        "nurse_capacity": shifts(MONDAY, 21),
        "nurse_to_active_infusion_ratio": 2,
        "tz": TZ,
        "infusion_minutes": 55,
        "chair_names": {1: "Chair 1", 2: "Chair 2"},
    }
    args.update(overrides)
    return check_series(**args)


def visit(day_offset, hhmm, chair=1, minutes=120):
    start = at(MONDAY + dt.timedelta(days=day_offset), hhmm)
    return Slot(start, start + dt.timedelta(minutes=minutes), chair)


def test_a_good_series_passes():
    result = run([visit(0, "09:00"), visit(2, "09:00"), visit(4, "09:00")])
    assert result.ok and result.errors == [] and result.warnings == []


def test_gap_and_overlap_between_the_series_own_visits():
    result = run([visit(0, "09:00"), visit(0, "10:00")])
    assert SLOT_CHAIRS_CLASH.format(a=1, b=2, chair="Chair 1") in result.errors
    assert SLOT_PATIENT_CLASH.format(a=1, b=2) in result.errors
    assert SLOT_GAP.format(a=1, b=2, hours="1", gap="44") in result.errors
    result = run([visit(0, "09:00"), visit(1, "09:00", chair=2)])
    assert result.errors == [SLOT_GAP.format(a=1, b=2, hours="24", gap="44")]


def test_hours_closed_days_past_and_unknown_chairs():
    saturday = visit(5, "09:00")
    late = visit(0, "17:00")
    result = run([late, saturday, visit(9, "09:00", chair=9)], not_before=at(MONDAY, "18:00"))
    assert SLOT_IN_PAST.format(n=1, when="Mon 04 Mar 17:00") in result.errors
    assert SLOT_OUTSIDE_HOURS.format(n=1, when="Mon 04 Mar 17:00", hours="08:00–18:00") in result.errors
    assert SLOT_CLOSED.format(n=2, when="Sat 09 Mar 09:00") in result.errors
    assert SLOT_UNKNOWN_CHAIR.format(n=3, when="Wed 13 Mar 09:00") in result.errors
    closure = run([visit(0, "09:00")], closed_dates={MONDAY})
    assert closure.errors == [SLOT_CLOSED.format(n=1, when="Mon 04 Mar 09:00")]


def test_a_taken_chair_and_the_patients_other_appointment():
    taken = {1: [Busy(at(MONDAY, "10:00"), at(MONDAY, "11:00"))], 2: []}
    result = run(
        [visit(0, "09:00")],
        existing_bookings_by_chair=taken,
        patient_busy=[(at(MONDAY, "10:30"), at(MONDAY, "10:45"))],
    )
    assert result.errors == [
        SLOT_CHAIR_TAKEN.format(n=1, when="Mon 04 Mar 09:00", chair="Chair 1"),
        SLOT_PATIENT_BUSY.format(n=1, when="Mon 04 Mar 09:00"),
    ]


def test_nurse_ratio_including_the_series_own_visits_and_ends_before_start():
    two = [Busy(at(MONDAY, "09:00"), at(MONDAY, "11:00"), at(MONDAY, "09:55"))]
    result = run(
        [visit(0, "09:30", chair=3)],
        existing_bookings_by_chair={1: two, 2: list(two), 3: []},
        nurse_capacity=shifts(MONDAY, 1),
    )
    assert result.errors == [SLOT_NURSES.format(n=1, when="Mon 04 Mar 09:30", nurses=1, ratio=2)]
    backwards = Slot(at(MONDAY, "10:00"), at(MONDAY, "09:00"), 1)
    assert run([backwards]).errors == [SLOT_ENDS_BEFORE_START.format(n=1, when="Mon 04 Mar 10:00")]


def test_window_is_a_warning_and_missing_shifts_too():
    result = run(
        [visit(0, "09:00"), visit(22, "09:00")], start_date=MONDAY, window_days=21, nurse_capacity=None
    )
    assert result.ok
    assert result.warnings == [
        SLOT_OUTSIDE_WINDOW.format(n=2, when="Tue 26 Mar 09:00", window=21, first="Mon 04 Mar"),
        NURSES_NOT_CHECKED,
    ]

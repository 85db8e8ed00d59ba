"""Properties of the planner on random clinics (hypothesis), checked by brute force minute by minute:
no two visits share a chair at once, every visit is inside opening hours, visits keep the minimum
gap, and active infusions never exceed nurses on duty × ratio."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.scheduling.planner import Busy, check_series, local_to_utc, propose_series

START = dt.date(2030, 3, 4)  # a Monday; the US clocks change on 10 March 2030
ZONES = [ZoneInfo("America/New_York"), ZoneInfo("America/Denver"), ZoneInfo("Europe/London"), ZoneInfo("UTC")]
MINUTE = dt.timedelta(minutes=1)


@st.composite
def clinics(draw):
    tz = draw(st.sampled_from(ZONES))
    hours = {}
    for weekday in range(7):
        if draw(st.integers(0, 9)) < 2:
            hours[weekday] = None
        else:
            opens = draw(st.integers(6 * 4, 11 * 4))  # quarter hours
            closes = draw(st.integers(opens + 4, 21 * 4))
            hours[weekday] = (dt.time(opens // 4, opens % 4 * 15), dt.time(closes // 4, closes % 4 * 15))
    window = draw(st.integers(1, 14))

    def moment(day_offset, quarter):
        day = START + dt.timedelta(days=day_offset)
        return dt.datetime.combine(day, dt.time(quarter // 4, quarter % 4 * 15), tzinfo=tz)

    n_chairs = draw(st.integers(1, 3))
    bookings = {}
    for chair in range(1, n_chairs + 1):
        items = []
        for _ in range(draw(st.integers(0, 6))):
            start = moment(draw(st.integers(0, window - 1)), draw(st.integers(6 * 4, 19 * 4)))
            length = dt.timedelta(minutes=draw(st.sampled_from([30, 60, 120, 180])))
            active = draw(st.one_of(st.none(), st.integers(0, 120)))
            items.append(
                Busy(start, start + length, None if active is None else start + dt.timedelta(minutes=active))
            )
        bookings[chair] = items
    nurse_shifts = None
    if draw(st.booleans()):
        nurse_shifts = []
        for _ in range(draw(st.integers(0, 10))):
            start = moment(draw(st.integers(0, window - 1)), draw(st.integers(5 * 4, 14 * 4)))
            nurse_shifts.append((start, start + dt.timedelta(hours=draw(st.integers(2, 10)))))
    chair_minutes = draw(st.sampled_from([30, 60, 90, 120, 180]))
    infusion = draw(st.one_of(st.none(), st.integers(10, chair_minutes)))
    return {
        "count": draw(st.integers(1, 6)),
        "window_days": window,
        "min_gap_hours": draw(st.sampled_from([0, 4, 20, 44, 48])),
        "start_date": START,
        "preferred_weekdays": draw(st.sets(st.integers(0, 6), max_size=4)),
        "preferred_times": draw(
            st.lists(st.sampled_from([dt.time(8), dt.time(9), dt.time(13, 30)]), max_size=2, unique=True)
        ),
        "chair_minutes": chair_minutes,
        "clinic_hours": hours,
        "existing_bookings_by_chair": bookings,
        "nurse_capacity": nurse_shifts,
        "nurse_to_active_infusion_ratio": draw(st.integers(1, 3)),
        "tz": tz,
        "infusion_minutes": infusion,
        "slot_minutes": draw(st.sampled_from([15, 30])),
    }


def _covering(intervals, t):
    return sum(1 for s, e in intervals if s <= t < e)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clinics())
def test_every_proposal_keeps_every_rule(case):
    proposal = propose_series(**case)
    tz = case["tz"]
    slots = proposal.slots
    length = dt.timedelta(minutes=case["chair_minutes"])
    assert len(slots) <= case["count"]
    assert proposal.complete == (len(slots) == case["count"])
    assert slots == sorted(slots, key=lambda s: s.start)
    last_day = START + dt.timedelta(days=case["window_days"] - 1)
    for slot in slots:
        # within the window and wholly inside the day's opening hours
        day = slot.start.astimezone(tz).date()
        assert START <= day <= last_day
        hours = case["clinic_hours"][day.weekday()]
        assert hours is not None
        assert local_to_utc(day, hours[0], tz) <= slot.start
        assert slot.end <= local_to_utc(day, hours[1], tz)
        assert slot.end - slot.start == length
        # the chair is free (existing bookings and the other visits)
        for busy in case["existing_bookings_by_chair"][slot.chair_id]:
            assert not (busy.start < slot.end and busy.end > slot.start)
    for a, b in zip(slots, slots[1:], strict=False):
        assert b.start - a.start >= dt.timedelta(hours=case["min_gap_hours"])
        assert b.start >= a.end  # the patient's own visits never overlap, so neither do chairs
    if case["nurse_capacity"] is not None:
        infusion = case["infusion_minutes"]
        actives = [
            (b.start, b.active_end) for items in case["existing_bookings_by_chair"].values() for b in items
        ] + [
            (s.start, s.end if infusion is None else s.start + dt.timedelta(minutes=infusion)) for s in slots
        ]
        for slot in slots:
            active_end = slot.end if infusion is None else slot.start + dt.timedelta(minutes=infusion)
            t = slot.start
            while t < active_end:
                # existing infusions may already exceed the ratio; a new visit must not add to that
                assert (
                    _covering(actives, t)
                    <= _covering(case["nurse_capacity"], t) * case["nurse_to_active_infusion_ratio"]
                )
                t += MINUTE
    result = check_series(
        slots=slots,
        min_gap_hours=case["min_gap_hours"],
        clinic_hours=case["clinic_hours"],
        existing_bookings_by_chair=case["existing_bookings_by_chair"],
        nurse_capacity=case["nurse_capacity"],
        nurse_to_active_infusion_ratio=case["nurse_to_active_infusion_ratio"],
        tz=tz,
        infusion_minutes=case["infusion_minutes"],
        start_date=START,
        window_days=case["window_days"],
    )
    assert result.errors == []


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(1, 6),
    gap=st.sampled_from([20, 44, 48]),
    minutes=st.sampled_from([60, 120, 180]),
    tz=st.sampled_from(ZONES),
)
def test_an_empty_clinic_with_nurses_places_every_visit(count, gap, minutes, tz):
    hours = {d: (dt.time(8), dt.time(18)) for d in range(7)}
    day_shifts = [
        (
            dt.datetime.combine(START + dt.timedelta(days=d), dt.time(7), tzinfo=tz),
            dt.datetime.combine(START + dt.timedelta(days=d), dt.time(19), tzinfo=tz),
        )
        for d in range(30)
    ]
    proposal = propose_series(
        count=count,
        window_days=21,
        min_gap_hours=gap,
        start_date=START,
        preferred_weekdays=set(),
        preferred_times=[],
        chair_minutes=minutes,
        clinic_hours=hours,
        existing_bookings_by_chair={1: []},
        nurse_capacity=day_shifts,
        nurse_to_active_infusion_ratio=1,
        tz=tz,
    )
    assert len(proposal.slots) == count and proposal.problems == []

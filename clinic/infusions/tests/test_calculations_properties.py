"""Property-based tests of the delivered-dose integration, the cadence and the scores."""

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from clinic.infusions.calculations import (
    ALDRETE,
    PADSS,
    EventKind,
    EventPoint,
    Phase,
    Reading,
    VitalLimits,
    delivered_dose_mg,
    delivered_volume_ml,
    infusion_progress,
    next_vitals_due,
    score_items,
    vital_alerts,
)

T0 = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)

rates = st.decimals(min_value=Decimal("0.1"), max_value=Decimal("999"), places=1)
concentrations = st.decimals(min_value=Decimal("0.1"), max_value=Decimal("10"), places=2)
minutes = st.integers(min_value=0, max_value=600)
kinds = st.sampled_from(EventKind.ALL)


@st.composite
def event_lists(draw):
    """Arbitrary (even nonsensical) event sequences: the integration must stay sane."""
    count = draw(st.integers(min_value=0, max_value=12))
    events = []
    for _ in range(count):
        kind = draw(kinds)
        rate = draw(st.one_of(st.none(), rates)) if kind != EventKind.START else draw(rates)
        events.append(EventPoint(kind, T0 + dt.timedelta(seconds=draw(st.integers(0, 36000))), rate))
    return events


def at(minute: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minute)


@given(event_lists(), concentrations, minutes)
def test_the_delivered_dose_is_never_negative(events, conc, minute):
    assert delivered_dose_mg(events, conc, at(minute)) >= 0


@given(event_lists(), concentrations, minutes, minutes)
def test_the_delivered_dose_never_decreases_with_time(events, conc, a, b):
    early, late = sorted((a, b))
    assert delivered_dose_mg(events, conc, at(early)) <= delivered_dose_mg(events, conc, at(late))


@given(rates, concentrations, st.integers(min_value=0, max_value=600))
def test_an_uninterrupted_infusion_is_rate_times_duration_times_concentration(rate, conc, minute):
    events = [EventPoint(EventKind.START, T0, rate)]
    expected = rate * Decimal(minute) / Decimal(60) * conc
    assert abs(delivered_dose_mg(events, conc, at(minute)) - expected) < Decimal("1e-9")


@given(rates, concentrations, st.integers(1, 300), st.integers(1, 300), st.integers(0, 300))
def test_a_pause_removes_exactly_the_paused_time(rate, conc, run1, paused, run2):
    events = [
        EventPoint(EventKind.START, T0, rate),
        EventPoint(EventKind.PAUSE, at(run1)),
        EventPoint(EventKind.RESUME, at(run1 + paused)),
    ]
    now = at(run1 + paused + run2)
    expected = rate * Decimal(run1 + run2) / Decimal(60) * conc
    assert abs(delivered_dose_mg(events, conc, now) - expected) < Decimal("1e-9")


@given(event_lists(), st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=1), minutes)
def test_the_volume_limit_is_never_exceeded(events, limit, minute):
    assert delivered_volume_ml(events, at(minute), volume_limit_ml=limit) <= limit


@given(
    event_lists(),
    concentrations,
    minutes,
    st.decimals(min_value=Decimal("1"), max_value=Decimal("500"), places=1),
)
def test_progress_is_consistent(events, conc, minute, volume):
    progress = infusion_progress(events, now=at(minute), bag_conc_mg_per_ml=conc, volume_to_infuse_ml=volume)
    assert 0 <= progress.delivered_ml <= volume
    assert progress.delivered_mg == progress.delivered_ml * conc
    assert progress.running_min <= progress.elapsed_min + Decimal("1e-9") or not progress.started
    if progress.remaining_ml is not None:
        assert progress.remaining_ml + progress.delivered_ml == volume
    if progress.remaining_min is not None:
        assert progress.remaining_min >= 0 and (progress.running or progress.complete)


@given(st.one_of(st.none(), st.integers(-120, 600)), st.integers(1, 60))
def test_vitals_are_never_due_before_one_interval_after_the_phase_start(last, interval):
    last_taken = None if last is None else at(last)
    due = next_vitals_due(last_taken_at=last_taken, phase_started_at=T0, interval_min=interval)
    assert due >= at(interval)
    if last_taken is not None and last_taken > T0:
        assert due == last_taken + dt.timedelta(minutes=interval)


item_scores = st.sampled_from([0, 1, 2])


@given(st.fixed_dictionaries({item.key: item_scores for item in ALDRETE.items}))
def test_aldrete_totals_stay_in_0_to_10(items):
    clean, total = score_items(ALDRETE, items)
    assert 0 <= total <= 10 and total == sum(clean.values())


@given(st.fixed_dictionaries({item.key: item_scores for item in PADSS.items if item.fixed is None}))
def test_padss_totals_stay_in_2_to_10(items):
    _, total = score_items(PADSS, items)
    assert 2 <= total <= 10


vital = st.builds(
    Reading,
    sbp=st.integers(50, 300),
    dbp=st.integers(20, 200),
    hr=st.integers(20, 250),
    spo2=st.integers(50, 100),
    rr=st.integers(4, 60),
)


@given(vital, st.one_of(st.none(), vital), st.sampled_from(Phase.ALL))
def test_every_alert_names_an_action_and_only_the_infusion_phase_pauses_or_stops(reading, baseline, phase):
    for alert in vital_alerts(reading, baseline, VitalLimits(), phase):
        assert alert.message and alert.suggested_action
        if phase != Phase.DURING:
            assert alert.level in ("warning", "call_physician")

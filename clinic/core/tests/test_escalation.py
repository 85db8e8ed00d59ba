"""When an unacknowledged alert escalates: the pure functions of clinic/core/escalation.py."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.core.escalation import (
    EscalationPolicy,
    EscalationStage,
    escalation_stage_due,
    next_escalation_at,
)

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)
VITAL = EscalationPolicy(physician_after_min=3)
SAFETY = EscalationPolicy(physician_after_min=10, administrator_after_min=30)
STAGES = (EscalationStage.NONE, EscalationStage.PHYSICIAN, EscalationStage.ADMINISTRATOR)


def due(*, policy, minutes_open, stage=EscalationStage.NONE, escalated_after=None, is_open=True):
    escalated_at = None if escalated_after is None else T0 + escalated_after * MIN
    return escalation_stage_due(
        is_open=is_open,
        raised_at=T0,
        stage=stage,
        escalated_at=escalated_at,
        now=T0 + minutes_open * MIN,
        policy=policy,
    )


# --- examples ---------------------------------------------------------------------------------


def test_a_vital_sign_alert_escalates_to_the_physician_once_its_minutes_are_up():
    assert due(policy=VITAL, minutes_open=0) is None
    assert due(policy=VITAL, minutes_open=2.99) is None
    assert due(policy=VITAL, minutes_open=3) == EscalationStage.PHYSICIAN
    assert due(policy=VITAL, minutes_open=11) == EscalationStage.PHYSICIAN


def test_a_vital_sign_alert_has_no_second_stage():
    assert due(policy=VITAL, minutes_open=600, stage=EscalationStage.PHYSICIAN, escalated_after=3) is None
    assert (
        next_escalation_at(
            is_open=True, raised_at=T0, stage=EscalationStage.PHYSICIAN, escalated_at=T0, policy=VITAL
        )
        is None
    )


def test_a_safety_alert_goes_to_the_administrators_after_the_physicians_window():
    # raised at 0, physician told at 10 (or later, when the sweep ran): administrators 30 min after that
    assert due(policy=SAFETY, minutes_open=10) == EscalationStage.PHYSICIAN
    assert due(policy=SAFETY, minutes_open=39, stage=EscalationStage.PHYSICIAN, escalated_after=10) is None
    assert (
        due(policy=SAFETY, minutes_open=40, stage=EscalationStage.PHYSICIAN, escalated_after=10)
        == EscalationStage.ADMINISTRATOR
    )
    # an alert left 14 days while no sweep ran: the physician first, the administrators 30 min later
    fourteen_days = 14 * 24 * 60
    assert due(policy=SAFETY, minutes_open=fourteen_days) == EscalationStage.PHYSICIAN
    assert (
        due(
            policy=SAFETY,
            minutes_open=fourteen_days + 1,
            stage=EscalationStage.PHYSICIAN,
            escalated_after=fourteen_days,
        )
        is None
    )


def test_an_acknowledged_alert_never_escalates():
    for stage in STAGES:
        assert due(policy=SAFETY, minutes_open=10_000, stage=stage, escalated_after=0, is_open=False) is None


def test_the_last_stage_goes_no_further():
    assert (
        due(policy=SAFETY, minutes_open=10_000, stage=EscalationStage.ADMINISTRATOR, escalated_after=40)
        is None
    )


def test_a_stage_one_without_its_time_counts_from_when_the_alert_was_raised():
    assert (
        due(policy=SAFETY, minutes_open=30, stage=EscalationStage.PHYSICIAN, escalated_after=None)
        == EscalationStage.ADMINISTRATOR
    )


def test_negative_minutes_are_refused():
    with pytest.raises(ValueError):
        EscalationPolicy(physician_after_min=-1)
    with pytest.raises(ValueError):
        EscalationPolicy(physician_after_min=1, administrator_after_min=-5)


# --- properties -------------------------------------------------------------------------------

policies = st.builds(
    EscalationPolicy,
    physician_after_min=st.integers(min_value=0, max_value=24 * 60),
    administrator_after_min=st.one_of(st.none(), st.integers(min_value=0, max_value=24 * 60)),
)
minutes = st.floats(min_value=0, max_value=30 * 24 * 60, allow_nan=False, allow_infinity=False)


@given(policy=policies, open_for=minutes, stage=st.sampled_from(STAGES), escalated_after=minutes)
def test_due_exactly_when_the_next_escalation_time_is_reached(policy, open_for, stage, escalated_after):
    escalated_at = T0 + escalated_after * MIN if stage != EscalationStage.NONE else None
    now = T0 + open_for * MIN
    at = next_escalation_at(is_open=True, raised_at=T0, stage=stage, escalated_at=escalated_at, policy=policy)
    result = escalation_stage_due(
        is_open=True, raised_at=T0, stage=stage, escalated_at=escalated_at, now=now, policy=policy
    )
    assert (result is not None) == (at is not None and now >= at)


@given(policy=policies, open_for=minutes, stage=st.sampled_from(STAGES), escalated_after=minutes)
def test_an_alert_moves_one_stage_at_a_time_and_never_past_the_last(policy, open_for, stage, escalated_after):
    escalated_at = T0 + escalated_after * MIN if stage != EscalationStage.NONE else None
    result = escalation_stage_due(
        is_open=True,
        raised_at=T0,
        stage=stage,
        escalated_at=escalated_at,
        now=T0 + open_for * MIN,
        policy=policy,
    )
    if result is not None:
        assert result == stage + 1
        assert result <= policy.last_stage


@given(policy=policies, open_for=minutes, later=minutes, stage=st.sampled_from(STAGES))
def test_once_due_an_alert_stays_due(policy, open_for, later, stage):
    escalated_at = T0 if stage != EscalationStage.NONE else None
    kwargs = {
        "is_open": True,
        "raised_at": T0,
        "stage": stage,
        "escalated_at": escalated_at,
        "policy": policy,
    }
    if escalation_stage_due(now=T0 + open_for * MIN, **kwargs) is not None:
        assert escalation_stage_due(now=T0 + (open_for + later) * MIN, **kwargs) is not None


@given(policy=policies, open_for=minutes, stage=st.sampled_from(STAGES), escalated_after=minutes)
def test_a_closed_alert_is_never_due(policy, open_for, stage, escalated_after):
    assert (
        escalation_stage_due(
            is_open=False,
            raised_at=T0,
            stage=stage,
            escalated_at=T0 + escalated_after * MIN,
            now=T0 + open_for * MIN,
            policy=policy,
        )
        is None
    )


@given(policy=policies, open_for=minutes)
def test_the_administrators_are_never_told_before_the_physician(policy, open_for):
    # from a fresh alert, only the physician stage can be due, whatever the minutes
    result = escalation_stage_due(
        is_open=True,
        raised_at=T0,
        stage=EscalationStage.NONE,
        escalated_at=None,
        now=T0 + open_for * MIN,
        policy=policy,
    )
    assert result in (None, EscalationStage.PHYSICIAN)

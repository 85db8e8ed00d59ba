import datetime as dt

import pytest
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.core.clinical_settings import REGISTRY
from clinic.outcomes import settings as outcome_settings
from clinic.outcomes.instruments import ASQ, PAIN_NRS, PHQ9, RiskThresholds
from clinic.outcomes.selectors import (
    SCOPE_REQUIRED,
    instruments_answered,
    latest_response,
    open_safety_alerts,
    responses_for_patient,
    safety_thresholds,
    score_series,
)
from clinic.outcomes.services import questionnaire_response_record, safety_alert_acknowledge
from clinic.outcomes.tests.answers import asq_answers, phq9_answers

pytestmark = pytest.mark.django_db


def record(patient, user, code=PHQ9, answers=None, days_ago=0):
    return questionnaire_response_record(
        patient=patient,
        instrument_code=code,
        answers=phq9_answers() if answers is None else answers,
        context="other",
        entered_by=user,
        completed_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def test_latest_response_is_the_newest_of_that_instrument(patient, nurse):
    assert latest_response(patient=patient, instrument_code=PHQ9) is None
    record(patient, nurse, answers=phq9_answers(q1=1), days_ago=10)
    newest = record(patient, nurse, answers=phq9_answers(q1=2), days_ago=2)
    record(patient, nurse, answers=phq9_answers(q1=3), days_ago=5)
    record(patient, nurse, PAIN_NRS, {"pain": 4}, days_ago=0)
    assert latest_response(patient=patient, instrument_code=PHQ9) == newest


def test_latest_response_since(patient, nurse):
    record(patient, nurse, days_ago=10)
    assert (
        latest_response(patient=patient, instrument_code=PHQ9, since=timezone.now() - dt.timedelta(days=1))
        is None
    )
    assert latest_response(
        patient=patient, instrument_code=PHQ9, since=timezone.now() - dt.timedelta(days=11)
    )


def test_latest_response_is_per_patient(clinic, patient, nurse, make_patient, staff):
    other = make_patient(clinic, staff[Role.FRONT_DESK])
    record(other, nurse)
    assert latest_response(patient=patient, instrument_code=PHQ9) is None


def test_open_alerts_most_severe_first_then_oldest(clinic, patient, nurse, physician):
    moderate = record(patient, nurse, answers=phq9_answers(q9=1), days_ago=3).safety_alert
    high = record(patient, nurse, answers=phq9_answers(q9=2)).safety_alert
    acute = record(patient, nurse, ASQ, asq_answers(q1=1, q5=1)).safety_alert
    handled = record(patient, nurse, answers=phq9_answers(q9=3)).safety_alert
    safety_alert_acknowledge(alert=handled, acknowledged_by=physician, action_taken="Assessed")
    assert list(open_safety_alerts(clinic=clinic)) == [acute, high, moderate]
    assert list(open_safety_alerts(patient=patient)) == [acute, high, moderate]


def test_open_alerts_are_scoped(clinic, other_clinic, patient, nurse, make_user, make_patient):
    other_nurse = make_user(Role.NURSE, other_clinic)
    foreign = make_patient(other_clinic, other_nurse)
    record(foreign, other_nurse, answers=phq9_answers(q9=2))
    assert not open_safety_alerts(clinic=clinic).exists()
    assert not open_safety_alerts(patient=patient).exists()
    assert open_safety_alerts(clinic=other_clinic).count() == 1
    with pytest.raises(ValueError, match=SCOPE_REQUIRED):
        open_safety_alerts()


def test_responses_for_patient_filters_by_instrument(patient, nurse):
    phq = record(patient, nurse, days_ago=1)
    pain = record(patient, nurse, PAIN_NRS, {"pain": 2})
    assert list(responses_for_patient(patient=patient)) == [pain, phq]
    assert list(responses_for_patient(patient=patient, instrument_code=PHQ9)) == [phq]
    assert sorted(instruments_answered(patient=patient)) == [PAIN_NRS, PHQ9]


def test_score_series_is_oldest_first_and_limited(patient, nurse):
    for days_ago, q1 in [(3, 1), (2, 2), (1, 3)]:
        record(patient, nurse, answers=phq9_answers(q1=q1), days_ago=days_ago)
    assert [total for _, total in score_series(patient=patient, instrument_code=PHQ9)] == [1, 2, 3]
    assert [total for _, total in score_series(patient=patient, instrument_code=PHQ9, limit=2)] == [2, 3]


def test_safety_thresholds_default_to_the_cited_settings(clinic):
    assert safety_thresholds(clinic=clinic) == RiskThresholds()
    for key in (
        outcome_settings.PHQ9_ITEM9_ALERT_MINIMUM,
        outcome_settings.PHQ9_ITEM9_HIGH_MINIMUM,
        outcome_settings.ASQ_POSITIVE_ALERT_LEVEL,
    ):
        assert "domain.md §5." in REGISTRY[key].source
    assert REGISTRY[outcome_settings.PHQ9_ITEM9_ALERT_MINIMUM].default == 1

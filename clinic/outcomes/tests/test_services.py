import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.outcomes import services
from clinic.outcomes import settings as outcome_settings
from clinic.outcomes.instruments import (
    ASQ,
    GAD7,
    PAIN_NRS,
    PHQ9,
    InvalidAnswers,
    RiskLevel,
    UnknownInstrument,
)
from clinic.outcomes.models import AlertStatus, QuestionnaireResponse, SafetyAlert
from clinic.outcomes.services import (
    QuestionnaireError,
    SafetyAlertError,
    questionnaire_response_record,
    safety_alert_acknowledge,
)
from clinic.outcomes.tests.answers import asq_answers, phq9_answers

pytestmark = pytest.mark.django_db


def record(patient, user, instrument_code=PHQ9, answers=None, **kwargs):
    kwargs.setdefault("context", "baseline")
    return questionnaire_response_record(
        patient=patient,
        instrument_code=instrument_code,
        answers=phq9_answers() if answers is None else answers,
        entered_by=user,
        **kwargs,
    )


# --- recording ---------------------------------------------------------------------------------


def test_records_a_scored_phq9_with_an_audit_event(patient, nurse):
    response = record(patient, nurse, answers=phq9_answers(q1=3, q2=3, q3=2, q4=2))
    assert (response.total, response.band, response.risk_level) == (10, "moderate", RiskLevel.NONE)
    assert response.instrument_version == "1"
    assert response.answers == phq9_answers(q1=3, q2=3, q3=2, q4=2)
    assert response.flags == ["probable_depression"]
    assert response.source == "staff" and response.entered_by == nurse
    assert response.clinic == patient.clinic
    assert not SafetyAlert.objects.exists()
    event = AuditEvent.objects.get(object_type="outcomes.QuestionnaireResponse")
    assert (event.action, event.patient_id, event.actor_id) == (AuditAction.CREATE, patient.pk, nurse.pk)
    assert event.changes["after"]["total"] == 10


def test_answers_are_stored_normalised(patient, nurse):
    response = record(patient, nurse, PAIN_NRS, {"pain": "6"}, context="pre_infusion")
    assert response.answers == {"pain": 6}
    assert (response.total, response.band) == (6, "moderate")


@pytest.mark.parametrize(("item9", "level"), [(1, "moderate"), (2, "high"), (3, "high")])
def test_phq9_item9_raises_a_safety_alert_in_the_same_transaction(patient, nurse, item9, level):
    response = record(patient, nurse, answers=phq9_answers(q9=item9))
    alert = SafetyAlert.objects.get()
    assert alert.response == response and alert.patient == patient and alert.clinic == patient.clinic
    assert (alert.level, alert.status) == (level, AlertStatus.OPEN)
    assert "question 9" in alert.reason
    assert response.risk_level == level
    assert (
        AuditEvent.objects.filter(object_type="outcomes.SafetyAlert", action=AuditAction.CREATE).count() == 1
    )


def test_asq_positive_and_acute_alerts(patient, nurse):
    record(patient, nurse, ASQ, asq_answers(q2=1, q5=0))
    record(patient, nurse, ASQ, asq_answers(q3=1, q5=1))
    assert sorted(SafetyAlert.objects.values_list("level", flat=True)) == ["acute", "high"]


def test_negative_screens_and_other_instruments_raise_no_alert(patient, nurse):
    record(patient, nurse, ASQ, asq_answers())
    record(patient, nurse, GAD7, {f"q{n}": 3 for n in range(1, 8)})
    record(patient, nurse, PAIN_NRS, {"pain": 10})
    assert not SafetyAlert.objects.exists()


def test_alert_failure_rolls_back_the_response(patient, nurse, monkeypatch):
    # given the alert cannot be written
    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(SafetyAlert.objects, "create", boom)
    # when a risky PHQ-9 is recorded
    with pytest.raises(RuntimeError):
        record(patient, nurse, answers=phq9_answers(q9=2))
    # then nothing is half-saved
    assert not QuestionnaireResponse.objects.exists()
    assert not AuditEvent.objects.filter(object_type="outcomes.QuestionnaireResponse").exists()


def test_thresholds_are_clinic_settings(clinic, patient, nurse, staff):
    admin = staff[Role.ADMIN]
    # Any positive question 9 must raise an alert (the alert minimum is fixed at 1); the answer that
    # makes it high is the clinic's to set.
    clinic_setting_set_without_cosign(
        clinic=clinic,
        key=outcome_settings.PHQ9_ITEM9_HIGH_MINIMUM,
        raw_value="3",
        set_by=admin,
        reason="Local protocol",
    )
    clinic_setting_set_without_cosign(
        clinic=clinic,
        key=outcome_settings.ASQ_POSITIVE_ALERT_LEVEL,
        raw_value="moderate",
        set_by=admin,
        reason="Local protocol",
    )
    assert record(patient, nurse, answers=phq9_answers(q9=1)).risk_level == RiskLevel.MODERATE
    assert record(patient, nurse, answers=phq9_answers(q9=2)).risk_level == RiskLevel.MODERATE
    assert record(patient, nurse, answers=phq9_answers(q9=3)).risk_level == RiskLevel.HIGH
    assert record(patient, nurse, ASQ, asq_answers(q1=1, q5=0)).risk_level == RiskLevel.MODERATE
    assert record(patient, nurse, ASQ, asq_answers(q1=1, q5=1)).risk_level == RiskLevel.ACUTE


def test_same_submission_key_records_once(patient, nurse):
    key = str(uuid.uuid4())
    first = record(patient, nurse, answers=phq9_answers(q9=2), submission_key=key)
    second = record(patient, nurse, answers=phq9_answers(q9=2), submission_key=key)
    assert first.pk == second.pk
    assert QuestionnaireResponse.objects.count() == 1
    assert SafetyAlert.objects.count() == 1


def test_invalid_answers_save_nothing(patient, nurse):
    with pytest.raises(InvalidAnswers) as caught:
        record(patient, nurse, answers={"q1": 1})
    assert "q9" in caught.value.errors
    assert not QuestionnaireResponse.objects.exists()


def test_unknown_instrument_context_and_future_time_are_refused(patient, nurse):
    with pytest.raises(UnknownInstrument):
        record(patient, nurse, "cssrs", {})
    with pytest.raises(QuestionnaireError, match=re.escape(services.CONTEXT_INVALID)):
        record(patient, nurse, context="someday")
    with pytest.raises(QuestionnaireError, match=re.escape(services.COMPLETED_IN_FUTURE)):
        record(patient, nurse, completed_at=timezone.now() + dt.timedelta(hours=1))
    assert not QuestionnaireResponse.objects.exists()


def test_completed_at_in_the_past_is_kept(patient, nurse):
    when = timezone.now() - dt.timedelta(days=3)
    assert record(patient, nurse, completed_at=when).completed_at == when


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
def test_only_clinicians_enter_questionnaires(patient, staff, role):
    with pytest.raises(QuestionnaireError, match=re.escape(services.ENTERED_BY_NOT_CLINICIAN)):
        record(patient, staff[role])


def test_a_clinician_of_another_clinic_cannot_enter(patient, other_clinic, make_user):
    outsider = make_user(Role.NURSE, other_clinic)
    with pytest.raises(QuestionnaireError, match=re.escape(services.ENTERED_BY_NOT_CLINICIAN)):
        record(patient, outsider)


def test_a_patient_records_only_for_themselves(portal_patient, patient, nurse):
    own = record(portal_patient, portal_patient.user, source="patient", context="between_visits")
    assert own.source == "patient" and own.entered_by == portal_patient.user
    with pytest.raises(QuestionnaireError, match=re.escape(services.PATIENT_ONLY_OWN)):
        record(patient, portal_patient.user, source="patient", context="between_visits")
    with pytest.raises(QuestionnaireError, match=re.escape(services.PATIENT_ONLY_OWN)):
        record(portal_patient, nurse, source="patient", context="between_visits")


def test_related_object_reference(patient, nurse):
    response = record(patient, nurse, related=patient)
    assert (response.related_object_type, response.related_object_id) == ("patients.Patient", str(patient.pk))
    response = record(patient, nurse, related=("infusions.InfusionSession", 42))
    assert (response.related_object_type, response.related_object_id) == ("infusions.InfusionSession", "42")


# --- acknowledging -----------------------------------------------------------------------------


@pytest.fixture
def alert(patient, nurse):
    record(patient, nurse, answers=phq9_answers(q9=2))
    return SafetyAlert.objects.get()


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.NURSE])
def test_a_physician_or_nurse_acknowledges_with_the_action_taken(alert, staff, role):
    user = staff[role]
    acknowledged = safety_alert_acknowledge(
        alert=alert, acknowledged_by=user, action_taken="  Safety plan done. "
    )
    acknowledged.refresh_from_db()
    assert acknowledged.status == AlertStatus.ACKNOWLEDGED
    assert acknowledged.acknowledged_by == user and acknowledged.acknowledged_at is not None
    assert acknowledged.action_taken == "Safety plan done."
    event = AuditEvent.objects.get(object_type="outcomes.SafetyAlert", action=AuditAction.UPDATE)
    assert event.patient_id == alert.patient_id
    assert event.changes["diff"]["status"] == ["open", "acknowledged"]
    assert acknowledged.history.first().history_user == user


@pytest.mark.parametrize("action", ["", "   ", None])
def test_action_taken_is_required(alert, physician, action):
    with pytest.raises(SafetyAlertError, match=re.escape(services.ACTION_TAKEN_REQUIRED)) as caught:
        safety_alert_acknowledge(alert=alert, acknowledged_by=physician, action_taken=action)
    assert caught.value.field == "action_taken"
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FRONT_DESK])
def test_other_roles_cannot_acknowledge(alert, staff, role):
    with pytest.raises(SafetyAlertError, match=re.escape(services.ACK_ROLE_REQUIRED)):
        safety_alert_acknowledge(alert=alert, acknowledged_by=staff[role], action_taken="Called")


def test_a_clinician_of_another_clinic_cannot_acknowledge(alert, other_clinic, make_user):
    outsider = make_user(Role.PHYSICIAN, other_clinic)
    with pytest.raises(SafetyAlertError, match=re.escape(services.ACK_ROLE_REQUIRED)):
        safety_alert_acknowledge(alert=alert, acknowledged_by=outsider, action_taken="Called")


def test_a_patient_cannot_acknowledge(portal_patient, staff):
    record(portal_patient, portal_patient.user, answers=phq9_answers(q9=1), source="patient", context="other")
    alert = SafetyAlert.objects.get()
    with pytest.raises(SafetyAlertError, match=re.escape(services.ACK_ROLE_REQUIRED)):
        safety_alert_acknowledge(alert=alert, acknowledged_by=portal_patient.user, action_taken="ok")


def test_acknowledging_twice_is_refused(alert, physician, nurse):
    safety_alert_acknowledge(alert=alert, acknowledged_by=physician, action_taken="Assessed")
    with pytest.raises(SafetyAlertError, match=re.escape(services.ALERT_ALREADY_ACKNOWLEDGED)):
        safety_alert_acknowledge(alert=alert, acknowledged_by=nurse, action_taken="Again")
    alert.refresh_from_db()
    assert alert.acknowledged_by == physician and alert.action_taken == "Assessed"

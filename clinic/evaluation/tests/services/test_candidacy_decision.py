"""Signing the candidacy decision: who may sign, what must be in place, overrides, amendments."""

import re
import uuid

import pytest

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.models import ElectronicSignature, SignatureMeaning
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.core.signatures import WRONG_PASSWORD, SignatureError
from clinic.evaluation.models import (
    SIGNED_DECISION_IMMUTABLE,
    CandidacyDecision,
    DecisionOutcome,
    SignedRecordError,
)
from clinic.evaluation.selectors import candidacy_decision_signature_valid
from clinic.evaluation.services import (
    DECISION_ALREADY_AMENDED,
    DECISION_EXISTS,
    DECISION_INTAKE_REQUIRED,
    DECISION_NOT_PRESCRIBER,
    DECISION_REASON_REQUIRED,
    EvaluationError,
    candidacy_decision_amend,
    candidacy_decision_sign,
)
from clinic.patients.models import JourneyStage
from conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def sign(patient, user, decision=DecisionOutcome.CANDIDATE, **kwargs):
    kwargs.setdefault("reason", "TRD after two adequate trials; benefits outweigh risks.")
    kwargs.setdefault("password", DEMO_PASSWORD)
    return candidacy_decision_sign(patient=patient, decided_by=user, decision=decision, **kwargs)


def test_physician_signs_candidate(ready_patient, physician):
    # when the physician signs "candidate"
    decision = sign(ready_patient, physician)
    # then the decision is signed with meaning "approval" and bound to its content
    signature = decision.signature
    assert signature.signer == physician and signature.meaning == SignatureMeaning.APPROVAL
    assert signature.printed_name == physician.signature_name
    assert candidacy_decision_signature_valid(decision)
    # and it snapshots what it was based on
    rule_ids = {f["rule_id"] for f in decision.findings}
    assert {"IND-TRD", "INT-BENZODIAZEPINE"} <= rule_ids
    assert decision.intake_history.version == 1
    assert {b["instrument"] for b in decision.baseline} == {"phq9", "asq"}
    assert all(b["response_id"] for b in decision.baseline)
    # and the patient moves to the candidate stage
    ready_patient.refresh_from_db()
    assert ready_patient.journey_stage == JourneyStage.CANDIDATE
    actions = set(
        AuditEvent.objects.filter(object_type="evaluation.CandidacyDecision").values_list(
            "action", flat=True
        )
    )
    assert actions == {AuditAction.CREATE, AuditAction.SIGN}


@pytest.mark.parametrize(
    "decision, stage",
    [
        (DecisionOutcome.NOT_CANDIDATE, JourneyStage.NOT_CANDIDATE),
        (DecisionOutcome.NEEDS_INFO, JourneyStage.EVALUATION),
    ],
)
def test_other_decisions_move_the_stage_and_need_no_baseline(
    trd_patient, physician, decision, stage
):
    sign(trd_patient, physician, decision=decision, reason="Waiting for records")
    trd_patient.refresh_from_db()
    assert trd_patient.journey_stage == stage


def test_wrong_password_saves_nothing(ready_patient, physician):
    events_before = AuditEvent.objects.count()
    with pytest.raises(SignatureError, match=re.escape(WRONG_PASSWORD)):
        sign(ready_patient, physician, password="not-my-password")
    assert not CandidacyDecision.objects.exists()
    assert not ElectronicSignature.objects.exists()
    assert AuditEvent.objects.count() == events_before
    ready_patient.refresh_from_db()
    assert ready_patient.journey_stage != JourneyStage.CANDIDATE


@pytest.mark.parametrize("role", [Role.NURSE, Role.FRONT_DESK, Role.ADMIN])
def test_only_a_physician_can_sign(ready_patient, staff, role):
    with pytest.raises(EvaluationError, match=re.escape(DECISION_NOT_PRESCRIBER)):
        sign(ready_patient, staff[role])
    assert not CandidacyDecision.objects.exists()


def test_physician_of_another_clinic_cannot_sign(ready_patient, other_clinic, make_user):
    outsider = make_user(Role.PHYSICIAN, other_clinic)
    with pytest.raises(EvaluationError, match=re.escape(DECISION_NOT_PRESCRIBER)):
        sign(ready_patient, outsider)


def test_reason_is_required(ready_patient, physician):
    with pytest.raises(EvaluationError, match=re.escape(DECISION_REASON_REQUIRED)):
        sign(ready_patient, physician, reason="   ")


def test_candidate_refused_without_baseline(trd_patient, submit_intake, record_baseline, physician):
    # given an intake but only the ASQ recorded
    submit_intake(trd_patient)
    record_baseline(trd_patient, "asq")
    # then "candidate" is refused, naming the missing PHQ-9
    with pytest.raises(EvaluationError, match="Baseline measures are missing.*PHQ-9"):
        sign(trd_patient, physician)
    assert not CandidacyDecision.objects.exists()


def test_baseline_older_than_the_clinic_window_does_not_count(
    trd_patient, submit_intake, record_baseline, physician, admin, clinic
):
    submit_intake(trd_patient)
    record_baseline(trd_patient, days_ago=31)
    with pytest.raises(EvaluationError, match="within 30 days"):
        sign(trd_patient, physician)
    # when the clinic widens the window, the same measures count
    clinic_setting_set_without_cosign(
        clinic=clinic,
        key="baseline_measure_max_age_days",
        raw_value="45",
        set_by=admin,
        reason="Referral delays",
    )
    assert sign(trd_patient, physician).decision == DecisionOutcome.CANDIDATE


def test_pain_pathway_needs_the_pain_score(
    patient, nurse, submit_intake, record_baseline, physician
):
    from clinic.patients.services import diagnosis_add

    diagnosis_add(patient=patient, noted_by=nurse, icd10_code="G90.511")
    submit_intake(patient)
    record_baseline(patient, "asq")
    with pytest.raises(EvaluationError, match="Pain score"):
        sign(patient, physician)
    record_baseline(patient, "pain_nrs")
    decision = sign(patient, physician)
    assert {b["instrument"] for b in decision.baseline} == {"pain_nrs", "asq"}


def test_candidate_refused_without_a_submitted_intake(trd_patient, record_baseline, physician):
    record_baseline(trd_patient)
    with pytest.raises(EvaluationError, match=re.escape(DECISION_INTAKE_REQUIRED)):
        sign(trd_patient, physician)


def test_absolute_contraindication_needs_an_acknowledged_override(
    trd_patient, submit_intake, record_baseline, physician
):
    # given an intake reporting an aneurysm
    submit_intake(trd_patient, aneurysm=True)
    record_baseline(trd_patient)
    # then "candidate" without acknowledging it is refused
    with pytest.raises(EvaluationError, match="CI-ANEURYSM"):
        sign(trd_patient, physician)
    assert not CandidacyDecision.objects.exists()
    # when the physician acknowledges it with a reason
    decision = sign(
        trd_patient,
        physician,
        acknowledged_finding_ids=["CI-ANEURYSM", "NOT-A-FINDING"],
        reason="Small stable aneurysm cleared by neurosurgery; BP monitored.",
    )
    # then the override is recorded on the decision and audited as OVERRIDE
    assert decision.acknowledged_rule_ids == ["CI-ANEURYSM"]
    override = AuditEvent.objects.get(action=AuditAction.OVERRIDE)
    assert override.patient_id == trd_patient.pk and override.actor == physician
    assert override.changes["extra"]["rule_ids"] == ["CI-ANEURYSM"]
    assert "neurosurgery" in override.changes["extra"]["reason"]


def test_declining_needs_no_override(trd_patient, submit_intake, physician):
    submit_intake(trd_patient, aneurysm=True)
    decision = sign(
        trd_patient,
        physician,
        decision=DecisionOutcome.NOT_CANDIDATE,
        reason="Aneurysm",
        acknowledged_finding_ids=["CI-ANEURYSM"],
    )
    assert decision.acknowledged_rule_ids == []
    assert not AuditEvent.objects.filter(action=AuditAction.OVERRIDE).exists()


def test_signed_decision_cannot_be_changed(ready_patient, physician):
    decision = sign(ready_patient, physician)
    decision.reason = "Something else"
    with pytest.raises(SignedRecordError, match=SIGNED_DECISION_IMMUTABLE):
        decision.save()
    # a change behind the model's back is detected by the signature's content hash
    CandidacyDecision.objects.filter(pk=decision.pk).update(reason="Tampered")
    decision.refresh_from_db()
    assert not candidacy_decision_signature_valid(decision)


def test_amend_creates_a_new_signed_decision(ready_patient, physician):
    # given a signed "candidate" decision
    first = sign(ready_patient, physician)
    # when it is amended to "needs more information"
    second = candidacy_decision_amend(
        decision=first,
        decided_by=physician,
        new_decision=DecisionOutcome.NEEDS_INFO,
        reason="New cardiac history reported; awaiting ECG.",
        password=DEMO_PASSWORD,
    )
    # then a new signed record points at the first, which is unchanged
    assert second.pk != first.pk and second.amends_id == first.pk
    assert second.signature_id and second.signature_id != first.signature_id
    first.refresh_from_db()
    assert first.decision == DecisionOutcome.CANDIDATE and candidacy_decision_signature_valid(first)
    ready_patient.refresh_from_db()
    assert ready_patient.journey_stage == JourneyStage.EVALUATION
    # and the first cannot be amended twice
    with pytest.raises(EvaluationError, match=re.escape(DECISION_ALREADY_AMENDED)):
        candidacy_decision_amend(
            decision=first,
            decided_by=physician,
            new_decision=DecisionOutcome.CANDIDATE,
            reason="Again",
            password=DEMO_PASSWORD,
        )


def test_a_second_decision_must_amend_the_first(ready_patient, physician):
    sign(ready_patient, physician, decision=DecisionOutcome.NEEDS_INFO)
    with pytest.raises(EvaluationError, match=re.escape(DECISION_EXISTS)):
        sign(ready_patient, physician)
    assert CandidacyDecision.objects.count() == 1


def test_double_submit_of_an_amendment_amends_once(ready_patient, physician):
    first = sign(ready_patient, physician)
    key = uuid.uuid4()
    amend = dict(
        decision=first,
        decided_by=physician,
        new_decision=DecisionOutcome.NOT_CANDIDATE,
        reason="Declined by the patient",
        password=DEMO_PASSWORD,
        submission_key=key,
    )
    assert candidacy_decision_amend(**amend).pk == candidacy_decision_amend(**amend).pk
    assert CandidacyDecision.objects.count() == 2


def test_amend_with_wrong_password_saves_nothing(ready_patient, physician):
    first = sign(ready_patient, physician)
    with pytest.raises(SignatureError):
        candidacy_decision_amend(
            decision=first,
            decided_by=physician,
            new_decision=DecisionOutcome.NOT_CANDIDATE,
            reason="r",
            password="wrong",
        )
    assert CandidacyDecision.objects.count() == 1


def test_double_submit_signs_once(ready_patient, physician):
    key = uuid.uuid4()
    first = sign(ready_patient, physician, submission_key=key)
    again = sign(ready_patient, physician, submission_key=key)
    assert first.pk == again.pk
    assert CandidacyDecision.objects.count() == 1
    assert ElectronicSignature.objects.count() == 1

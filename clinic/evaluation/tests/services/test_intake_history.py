"""Intake history versioning: drafts, submission locks the version, a change makes a new version."""

import re

import pytest

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.evaluation.models import IntakeHistory, IntakeSource, IntakeStatus
from clinic.evaluation.services import (
    INTAKE_INCOMPLETE,
    INTAKE_LOCKED,
    INTAKE_NOT_ALLOWED,
    EvaluationError,
    intake_history_save,
    intake_history_start,
    intake_history_submit,
)
from clinic.evaluation.tests.conftest import intake_answers
from clinic.patients.services import medication_add

pytestmark = pytest.mark.django_db


def test_save_draft_and_come_back(patient, nurse):
    # given a draft saved with part of the answers
    draft = intake_history_save(
        patient=patient, saved_by=nurse, source=IntakeSource.STAFF, data={"psychosis": "never"}
    )
    # when more answers are saved later
    again = intake_history_save(
        patient=patient,
        saved_by=nurse,
        source=IntakeSource.STAFF,
        data={"psychosis": "never", "hypertension": "controlled"},
        intake=draft,
    )
    # then the same draft version holds the latest answers
    assert again.pk == draft.pk and again.version == 1 and again.status == IntakeStatus.DRAFT
    assert again.data["hypertension"] == "controlled"
    assert AuditEvent.objects.filter(object_type="evaluation.IntakeHistory").count() == 3


def test_submit_locks_the_version(patient, nurse):
    submitted = intake_history_submit(
        patient=patient, submitted_by=nurse, source=IntakeSource.STAFF, data=intake_answers()
    )
    assert submitted.status == IntakeStatus.SUBMITTED and submitted.submitted_by == nurse
    assert submitted.source == IntakeSource.STAFF and submitted.submitted_at is not None
    with pytest.raises(EvaluationError, match=re.escape(INTAKE_LOCKED)):
        intake_history_save(
            patient=patient,
            saved_by=nurse,
            source=IntakeSource.STAFF,
            data=intake_answers(pregnant="yes"),
            intake=submitted,
        )
    with pytest.raises(EvaluationError, match=re.escape(INTAKE_LOCKED)):
        intake_history_submit(
            patient=patient,
            submitted_by=nurse,
            source=IntakeSource.STAFF,
            data=intake_answers(),
            intake=submitted,
        )
    submitted.refresh_from_db()
    assert submitted.data["pregnant"] == "no"


def test_editing_after_submission_creates_version_2_copying_version_1(patient, nurse):
    # given a submitted version 1
    v1 = intake_history_submit(
        patient=patient, submitted_by=nurse, source=IntakeSource.STAFF, data=intake_answers()
    )
    # when staff start editing again
    v2 = intake_history_start(patient=patient, started_by=nurse, source=IntakeSource.STAFF)
    # then a new draft copies the answers and points at version 1
    assert (v2.version, v2.status, v2.supersedes_id) == (2, IntakeStatus.DRAFT, v1.pk)
    assert v2.data["antidepressant_trials"] == v1.data["antidepressant_trials"]
    # and starting again returns the same open draft
    assert intake_history_start(patient=patient, started_by=nurse, source=IntakeSource.STAFF) == v2
    # and submitting it leaves version 1 unchanged
    intake_history_submit(
        patient=patient,
        submitted_by=nurse,
        source=IntakeSource.STAFF,
        data=intake_answers(hypertension="controlled"),
    )
    v1.refresh_from_db()
    assert v1.data["hypertension"] == "no"
    assert list(IntakeHistory.objects.filter(patient=patient).values_list("version", "status")) == [
        (2, "submitted"),
        (1, "submitted"),
    ]


def test_incomplete_submission_saves_nothing(patient, nurse):
    with pytest.raises(EvaluationError, match=re.escape(INTAKE_INCOMPLETE)) as caught:
        intake_history_submit(
            patient=patient,
            submitted_by=nurse,
            source=IntakeSource.STAFF,
            data=intake_answers(pregnant=None, medications_confirmed=False),
        )
    assert set(caught.value.errors) == {"pregnant", "medications_confirmed"}
    assert not IntakeHistory.objects.filter(patient=patient).exists()


def test_invalid_data_is_refused_with_the_field_path(patient, nurse):
    trial = {**intake_answers()["antidepressant_trials"][0], "duration_weeks": 900}
    with pytest.raises(EvaluationError) as caught:
        intake_history_save(
            patient=patient,
            saved_by=nurse,
            source=IntakeSource.STAFF,
            data={"antidepressant_trials": [trial]},
        )
    assert "antidepressant_trials.0.duration_weeks" in caught.value.errors
    assert not IntakeHistory.objects.filter(patient=patient).exists()


def test_submission_stores_the_confirmed_chart_lists(patient, nurse):
    medication_add(patient=patient, recorded_by=nurse, name="Sertraline", dose="100 mg")
    intake = intake_history_submit(
        patient=patient, submitted_by=nurse, source=IntakeSource.STAFF, data=intake_answers()
    )
    assert [m["name"] for m in intake.data["confirmed_medications"]] == ["Sertraline 100 mg"]
    assert intake.data["confirmed_allergies"] == []


def test_patient_submits_only_their_own(portal_patient, clinic, make_patient, staff):
    user = portal_patient.user
    intake = intake_history_submit(
        patient=portal_patient,
        submitted_by=user,
        source=IntakeSource.PATIENT,
        data=intake_answers(),
    )
    assert intake.source == IntakeSource.PATIENT
    someone_else = make_patient(clinic, staff[Role.FRONT_DESK])
    with pytest.raises(EvaluationError, match=re.escape(INTAKE_NOT_ALLOWED)):
        intake_history_save(
            patient=someone_else, saved_by=user, source=IntakeSource.PATIENT, data={}
        )
    # a patient cannot pose as staff
    with pytest.raises(EvaluationError, match=re.escape(INTAKE_NOT_ALLOWED)):
        intake_history_start(patient=portal_patient, started_by=user, source=IntakeSource.STAFF)


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
def test_non_clinical_staff_cannot_write_the_intake(patient, staff, role):
    with pytest.raises(EvaluationError, match=re.escape(INTAKE_NOT_ALLOWED)):
        intake_history_save(
            patient=patient, saved_by=staff[role], source=IntakeSource.STAFF, data={}
        )

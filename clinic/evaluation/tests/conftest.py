"""Fixtures for the evaluation tests. Data is built through the real services."""

import datetime as dt

import pytest
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.evaluation.models import IntakeSource
from clinic.evaluation.services import intake_history_submit
from clinic.outcomes.models import ResponseContext
from clinic.outcomes.services import questionnaire_response_record
from clinic.patients.services import (
    allergy_add,
    diagnosis_add,
    medication_add,
    patient_link_portal_user,
)

PHQ9_MODERATE = {**{f"q{n}": 1 for n in range(1, 9)}, "q9": 0, "q1": 3}  # total 10
ASQ_NEGATIVE = {"q1": 0, "q2": 0, "q3": 0, "q4": 0}


def intake_answers(**overrides) -> dict:
    """A complete intake: two failed adequate antidepressant trials, no contraindications."""
    data = {
        "psychiatric_history": "Depression since 2015.",
        "antidepressant_trials": [
            {
                "drug": "Sertraline",
                "dose_amount": "200",
                "dose_unit": "mg",
                "duration_weeks": 10,
                "adequate": True,
                "outcome": "no_response",
            },
            {
                "drug": "Venlafaxine",
                "dose_amount": "225",
                "dose_unit": "mg",
                "duration_weeks": 8,
                "adequate": True,
                "outcome": "partial_response",
            },
        ],
        "substance_alcohol": "never",
        "substance_cannabis": "never",
        "substance_stimulants": "never",
        "substance_opioids": "never",
        "substance_other": "never",
        "psychosis": "never",
        "mania_history": "no",
        "hypertension": "no",
        "liver_disease": "no",
        "thyroid": "no",
        "pregnant": "no",
        "breastfeeding": "no",
        "medications_confirmed": True,
        "allergies_confirmed": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def physician(staff):
    return staff[Role.PHYSICIAN]


@pytest.fixture
def nurse(staff):
    return staff[Role.NURSE]


@pytest.fixture
def admin(staff):
    return staff[Role.ADMIN]


@pytest.fixture
def trd_patient(patient, nurse):
    """A patient with recurrent major depression on sertraline and lorazepam."""
    diagnosis_add(patient=patient, noted_by=nurse, icd10_code="F33.2")
    medication_add(
        patient=patient, recorded_by=nurse, name="Sertraline", dose="100 mg", drug_class="ssri"
    )
    medication_add(
        patient=patient,
        recorded_by=nurse,
        name="Lorazepam",
        dose="1 mg",
        drug_class="benzodiazepine",
    )
    allergy_add(patient=patient, recorded_by=nurse, substance="Penicillin", reaction="rash")
    return patient


@pytest.fixture
def submit_intake(nurse):
    def submit(patient, **overrides):
        return intake_history_submit(
            patient=patient,
            submitted_by=nurse,
            source=IntakeSource.STAFF,
            data=intake_answers(**overrides),
        )

    return submit


@pytest.fixture
def record_baseline(nurse):
    """Record baseline questionnaires: record_baseline(patient, "phq9", "asq", days_ago=0)."""

    def record(patient, *codes, days_ago: int = 0):
        answers = {"phq9": PHQ9_MODERATE, "asq": ASQ_NEGATIVE, "pain_nrs": {"pain": 7}}
        completed = timezone.now() - dt.timedelta(days=days_ago)
        return [
            questionnaire_response_record(
                patient=patient,
                instrument_code=code,
                answers=answers[code],
                context=ResponseContext.BASELINE,
                entered_by=nurse,
                completed_at=completed,
            )
            for code in codes or ("phq9", "asq")
        ]

    return record


@pytest.fixture
def ready_patient(trd_patient, submit_intake, record_baseline):
    """Intake submitted and baseline PHQ-9 and ASQ recorded: a candidate decision can be signed."""
    submit_intake(trd_patient)
    record_baseline(trd_patient)
    return trd_patient


@pytest.fixture
def portal_patient(clinic, staff, make_user, patient):
    user = make_user(Role.PATIENT, clinic)
    patient_link_portal_user(patient=patient, user=user, linked_by=staff[Role.FRONT_DESK])
    patient.refresh_from_db()
    return patient

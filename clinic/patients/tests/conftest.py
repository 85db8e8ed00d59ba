import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.accounts.services import user_create
from clinic.patients.services import (
    allergy_add,
    diagnosis_add,
    measurement_record,
    medication_add,
    patient_link_portal_user,
)


@pytest.fixture
def nurse(staff):
    return staff[Role.NURSE]


@pytest.fixture
def physician(staff):
    return staff[Role.PHYSICIAN]


@pytest.fixture
def front_desk(staff):
    return staff[Role.FRONT_DESK]


@pytest.fixture
def patient_user(clinic, patient, staff):
    """A patient-role account linked to `patient` (the portal user)."""
    user = user_create(
        username="portal-patient", password="correct-horse-battery-staple", clinic=clinic,
        role=Role.PATIENT, first_name=patient.given_name, last_name=patient.family_name,
    )
    patient_link_portal_user(patient=patient, user=user, linked_by=staff[Role.FRONT_DESK])
    return user


@pytest.fixture
def full_chart(patient, nurse, physician):
    """A patient with a measurement, a diagnosis, a medication and an allergy."""
    measurement_record(
        patient=patient, recorded_by=nurse, measured_at=timezone.now() - dt.timedelta(hours=1),
        weight_kg=Decimal("70.0"), height_cm=Decimal("175.0"),
    )
    diagnosis_add(patient=patient, noted_by=physician, icd10_code="F33.2")
    medication_add(patient=patient, recorded_by=physician, name="Sertraline", dose="100 mg",
                   frequency="once daily", drug_class="ssri")
    allergy_add(patient=patient, recorded_by=nurse, substance="Penicillin", reaction="hives",
                severity="moderate")
    return patient

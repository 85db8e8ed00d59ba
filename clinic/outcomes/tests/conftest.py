"""Fixtures for the outcomes tests: clinicians and a portal patient."""

import pytest

from clinic.accounts.roles import Role
from clinic.patients.services import patient_link_portal_user


@pytest.fixture
def nurse(staff):
    return staff[Role.NURSE]


@pytest.fixture
def physician(staff):
    return staff[Role.PHYSICIAN]


@pytest.fixture
def portal_patient(clinic, staff, make_user, make_patient):
    """A patient with a linked portal account (patient.user)."""
    patient = make_patient(clinic, staff[Role.FRONT_DESK])
    user = make_user(Role.PATIENT, clinic)
    return patient_link_portal_user(patient=patient, user=user, linked_by=staff[Role.ADMIN])

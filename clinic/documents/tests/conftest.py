import pytest

from clinic.accounts.roles import Role
from clinic.board.tests.builders import make_chair, make_session


@pytest.fixture
def chair(clinic, staff):
    return make_chair(clinic, staff, "Chair 1")


@pytest.fixture
def discharged(clinic, staff, chair, make_patient):
    """A discharged session of a patient with non-ASCII names and a referring clinician, with a
    side effect, a rescue medication and a blood-pressure reading during the infusion."""
    patient = make_patient(
        clinic,
        staff[Role.FRONT_DESK],
        given_name="Zoë",
        family_name="Ñúñez",
        referring_clinician_name="Dr. Łukasz Dvořák",
        referring_clinician_practice="Harbor Psychiatry Associates",
        referring_clinician_email="dvorak@example.org",
    )
    return make_session(patient, staff, chair, "discharged", with_effects=True)


@pytest.fixture
def running(clinic, staff, chair, make_patient):
    return make_session(
        make_patient(clinic, staff[Role.FRONT_DESK]), staff, chair, "running", with_effects=True
    )

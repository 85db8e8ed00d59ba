import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.roles import Role
from clinic.accounts.services import user_create
from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.phones import PHONE_NOT_VALID, phone_hint
from clinic.core.validators import DOB_IN_FUTURE
from clinic.patients.models import JourneyStage, Patient
from clinic.patients.services import (
    PORTAL_PATIENT_HAS_USER,
    PORTAL_USER_NOT_PATIENT,
    PORTAL_USER_TAKEN,
    patient_link_portal_user,
    patient_register,
    patient_set_stage,
    patient_update,
)

pytestmark = pytest.mark.django_db


def _register(clinic, user, **fields):
    defaults = {"given_name": "Ada", "family_name": "Byron", "date_of_birth": dt.date(1985, 12, 10)}
    return patient_register(clinic=clinic, registered_by=user, **{**defaults, **fields})


def test_register_normalises_phones_and_numbers_records(clinic, front_desk):
    first = _register(clinic, front_desk, phone="(617) 555-0100", escort_phone="617.555.0199")
    second = _register(clinic, front_desk)

    assert first.phone == "+16175550100"
    assert first.escort_phone == "+16175550199"
    assert int(second.record_number[4:]) == int(first.record_number[4:]) + 1
    assert first.history.get().history_user == front_desk


def test_register_refuses_malformed_phone_and_future_birth(clinic, front_desk):
    with pytest.raises(ValidationError) as caught:
        _register(clinic, front_desk, phone="12345",
                  date_of_birth=dt.date.today() + dt.timedelta(days=1))
    assert caught.value.message_dict["phone"] == [
        PHONE_NOT_VALID.format(country="the United States", hint=phone_hint("US"))
    ]
    assert caught.value.message_dict["date_of_birth"] == [DOB_IN_FUTURE]
    assert Patient.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="patients.Patient").exists()


def test_register_refuses_malformed_email(clinic, front_desk):
    with pytest.raises(ValidationError) as caught:
        _register(clinic, front_desk, email="not-an-address")
    assert "email" in caught.value.message_dict
    assert Patient.objects.count() == 0


def test_register_with_the_same_submission_key_creates_one_patient(clinic, front_desk):
    key = "3c1d6f0e-5b2a-4c8e-9f4a-0a1b2c3d4e5f"
    first = _register(clinic, front_desk, submission_key=key)
    second = _register(clinic, front_desk, submission_key=key)
    assert first.pk == second.pk
    assert Patient.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="patients.Patient",
                                     action=AuditAction.CREATE).count() == 1


def test_update_normalises_phone(patient, front_desk):
    patient = patient_update(patient=patient, updated_by=front_desk, escort_phone="6175550123")
    assert patient.escort_phone == "+16175550123"


def test_set_stage_is_saved_in_history(patient, physician):
    patient_set_stage(patient=patient, stage=JourneyStage.EVALUATION, changed_by=physician)
    latest = patient.history.order_by("-history_date").first()
    assert latest.journey_stage == JourneyStage.EVALUATION
    assert latest.history_user == physician
    assert patient.journey_stage == JourneyStage.EVALUATION


def _patient_account(clinic, username="pat-portal"):
    return user_create(username=username, password=None, clinic=clinic, role=Role.PATIENT)


def test_link_portal_user(clinic, patient, front_desk):
    user = _patient_account(clinic)

    patient_link_portal_user(patient=patient, user=user, linked_by=front_desk)

    patient.refresh_from_db()
    assert patient.user == user
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("seq")
    assert event.summary == "Portal account linked"
    assert event.patient_id == patient.pk


def test_link_refuses_staff_account_and_accounts_of_other_clinics(
    clinic, other_clinic, patient, staff, front_desk
):
    with pytest.raises(ValidationError) as caught:
        patient_link_portal_user(patient=patient, user=staff[Role.NURSE], linked_by=front_desk)
    assert caught.value.message_dict["user"] == [PORTAL_USER_NOT_PATIENT]
    elsewhere = _patient_account(other_clinic)
    with pytest.raises(ValidationError):
        patient_link_portal_user(patient=patient, user=elsewhere, linked_by=front_desk)
    patient.refresh_from_db()
    assert patient.user is None


def test_link_refuses_a_second_account_or_a_taken_account(
    clinic, patient, make_patient, front_desk
):
    user = _patient_account(clinic)
    patient_link_portal_user(patient=patient, user=user, linked_by=front_desk)
    with pytest.raises(ValidationError) as caught:
        patient_link_portal_user(patient=patient, user=_patient_account(clinic, "other"),
                                 linked_by=front_desk)
    assert caught.value.message_dict["user"] == [PORTAL_PATIENT_HAS_USER]
    with pytest.raises(ValidationError) as caught:
        patient_link_portal_user(patient=make_patient(clinic, front_desk), user=user,
                                 linked_by=front_desk)
    assert caught.value.message_dict["user"] == [PORTAL_USER_TAKEN]

import datetime as dt
import uuid

from clinic.accounts.roles import Role
from clinic.patients.models import Patient
from clinic.patients.services import patient_register

FIELDS = {
    "given_name": "Ann",
    "family_name": "Lee",
    "date_of_birth": dt.date(1980, 1, 2),
    "sex_at_birth": "female",
    "phone": "+16175550100",
}


def test_a_repeat_with_the_same_key_returns_the_first_record(clinic, staff):
    key, desk = uuid.uuid4(), staff[Role.FRONT_DESK]

    first = patient_register(clinic=clinic, registered_by=desk, submission_key=key, **FIELDS)
    again = patient_register(clinic=clinic, registered_by=desk, submission_key=key, **FIELDS)

    assert again.pk == first.pk
    assert Patient.objects.count() == 1


def test_a_key_used_at_another_clinic_never_returns_that_clinics_record(
    clinic, other_clinic, staff, make_user
):
    # given a patient registered at the clinic with a submission key
    key = uuid.uuid4()
    theirs = patient_register(
        clinic=clinic, registered_by=staff[Role.FRONT_DESK], submission_key=key, **FIELDS
    )
    # when the same key is replayed at another clinic
    desk = make_user(Role.FRONT_DESK, other_clinic)
    ours = patient_register(clinic=other_clinic, registered_by=desk, submission_key=key, **FIELDS)
    # then the other clinic gets its own record, not the first clinic's
    assert ours.pk != theirs.pk
    assert ours.clinic == other_clinic

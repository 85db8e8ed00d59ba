import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clinic.audit.models import AuditAction, AuditEvent
from clinic.patients.models import Diagnosis, DiagnosisStatus
from clinic.patients.services import (
    DATE_BEFORE_BIRTH,
    DATE_IN_FUTURE,
    DIAGNOSIS_DUPLICATE,
    DIAGNOSIS_STATUS_INVALID,
    ICD10_NOT_IN_CATALOGUE,
    diagnosis_add,
    diagnosis_set_status,
)

pytestmark = pytest.mark.django_db


def test_adds_catalogued_code_and_fills_the_description(patient, physician):
    diagnosis = diagnosis_add(patient=patient, noted_by=physician, icd10_code="f33.2",
                              onset_date=dt.date(2019, 3, 1))

    assert diagnosis.icd10_code == "F33.2"
    assert diagnosis.description == (
        "Major depressive disorder, recurrent severe without psychotic features"
    )
    assert diagnosis.status == DiagnosisStatus.ACTIVE
    event = AuditEvent.objects.get(object_type="patients.Diagnosis")
    assert (event.action, event.patient_id) == (AuditAction.CREATE, patient.pk)


def test_code_without_a_dot_is_understood(patient, physician):
    assert diagnosis_add(patient=patient, noted_by=physician, icd10_code="G9050"
                         ).icd10_code == "G90.50"


def test_given_description_is_kept(patient, physician):
    diagnosis = diagnosis_add(patient=patient, noted_by=physician, icd10_code="F32.2",
                              description="TRD: 3 failed SSRI trials")
    assert diagnosis.description == "TRD: 3 failed SSRI trials"


@pytest.mark.parametrize("code", ["F99", "Z00.00", "banana", ""])
def test_code_outside_the_catalogue_is_refused(patient, physician, code):
    events_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        diagnosis_add(patient=patient, noted_by=physician, icd10_code=code)
    message = caught.value.message_dict["icd10_code"][0]
    assert message == ICD10_NOT_IN_CATALOGUE.format(code=code.upper() or "(blank)")
    assert Diagnosis.objects.count() == 0
    assert AuditEvent.objects.count() == events_before


def test_future_onset_and_unknown_status_are_refused(patient, physician):
    with pytest.raises(ValidationError) as caught:
        diagnosis_add(patient=patient, noted_by=physician, icd10_code="F41.1",
                      onset_date=dt.date.today() + dt.timedelta(days=30))
    assert caught.value.message_dict["onset_date"] == [DATE_IN_FUTURE]
    with pytest.raises(ValidationError) as caught:
        diagnosis_add(patient=patient, noted_by=physician, icd10_code="F41.1", status="maybe")
    assert caught.value.message_dict["status"] == [DIAGNOSIS_STATUS_INVALID]


@pytest.mark.parametrize("days_before_birth", [1, None])
def test_onset_before_birth_is_refused(patient, physician, days_before_birth):
    onset = (patient.date_of_birth - dt.timedelta(days=days_before_birth)
             if days_before_birth else dt.date(1, 1, 1))
    with pytest.raises(ValidationError) as caught:
        diagnosis_add(patient=patient, noted_by=physician, icd10_code="F41.1", onset_date=onset)
    assert caught.value.message_dict["onset_date"] == [DATE_BEFORE_BIRTH.format(
        label="The onset date", date_of_birth=patient.date_of_birth.isoformat()
    )]
    assert Diagnosis.objects.count() == 0
    assert Diagnosis.objects.count() == 0


def test_same_active_code_twice_is_refused(patient, physician):
    diagnosis_add(patient=patient, noted_by=physician, icd10_code="F41.1")
    with pytest.raises(ValidationError) as caught:
        diagnosis_add(patient=patient, noted_by=physician, icd10_code="F41.1")
    assert caught.value.message_dict["icd10_code"] == [DIAGNOSIS_DUPLICATE.format(code="F41.1")]
    assert Diagnosis.objects.count() == 1


def test_set_status_is_audited_with_the_change(patient, physician):
    diagnosis = diagnosis_add(patient=patient, noted_by=physician, icd10_code="R45.851")

    diagnosis = diagnosis_set_status(diagnosis=diagnosis, status=DiagnosisStatus.RESOLVED,
                                     changed_by=physician)

    assert diagnosis.status == DiagnosisStatus.RESOLVED
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("seq")
    assert event.changes["diff"] == {"status": ["active", "resolved"]}
    assert event.patient_id == patient.pk


def test_set_status_refuses_unknown_status(patient, physician):
    diagnosis = diagnosis_add(patient=patient, noted_by=physician, icd10_code="R45.851")
    with pytest.raises(ValidationError):
        diagnosis_set_status(diagnosis=diagnosis, status="gone", changed_by=physician)
    diagnosis.refresh_from_db()
    assert diagnosis.status == DiagnosisStatus.ACTIVE

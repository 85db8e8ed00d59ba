import pytest
from django.core.exceptions import ValidationError

from clinic.audit.models import AuditAction, AuditEvent
from clinic.patients.models import Allergy
from clinic.patients.services import (
    ALLERGY_ALREADY_INACTIVE,
    ALLERGY_DUPLICATE,
    ALLERGY_SEVERITY_INVALID,
    ALLERGY_SUBSTANCE_REQUIRED,
    allergy_add,
    allergy_deactivate,
)

pytestmark = pytest.mark.django_db


def test_records_an_allergy_with_audit(patient, nurse):
    allergy = allergy_add(patient=patient, recorded_by=nurse, substance="Latex",
                          reaction="rash", severity="mild")
    assert (allergy.substance, allergy.severity, allergy.is_active) == ("Latex", "mild", True)
    event = AuditEvent.objects.get(object_type="patients.Allergy")
    assert (event.action, event.patient_id, event.actor_id) == (
        AuditAction.CREATE, patient.pk, nurse.pk
    )


def test_severity_defaults_to_unknown(patient, nurse):
    assert allergy_add(patient=patient, recorded_by=nurse, substance="Sulfa").severity == "unknown"


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"substance": " "}, "substance", ALLERGY_SUBSTANCE_REQUIRED),
        ({"substance": "Latex", "severity": "deadly"}, "severity", ALLERGY_SEVERITY_INVALID),
    ],
)
def test_invalid_input_stores_nothing(patient, nurse, kwargs, field, message):
    with pytest.raises(ValidationError) as caught:
        allergy_add(patient=patient, recorded_by=nurse, **kwargs)
    assert caught.value.message_dict[field] == [message]
    assert Allergy.objects.count() == 0


def test_same_active_substance_twice_is_refused(patient, nurse):
    allergy_add(patient=patient, recorded_by=nurse, substance="Penicillin")
    with pytest.raises(ValidationError) as caught:
        allergy_add(patient=patient, recorded_by=nurse, substance="penicillin")
    assert caught.value.message_dict["substance"] == [
        ALLERGY_DUPLICATE.format(substance="penicillin")
    ]
    assert Allergy.objects.count() == 1


def test_deactivate_keeps_the_record_and_is_audited(patient, nurse):
    allergy = allergy_add(patient=patient, recorded_by=nurse, substance="Codeine")

    allergy = allergy_deactivate(allergy=allergy, changed_by=nurse)

    assert not allergy.is_active
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("seq")
    assert event.changes["diff"] == {"is_active": [True, False]}
    with pytest.raises(ValidationError) as caught:
        allergy_deactivate(allergy=allergy, changed_by=nurse)
    assert caught.value.messages == [ALLERGY_ALREADY_INACTIVE]
    # A deactivated allergy may be recorded again.
    allergy_add(patient=patient, recorded_by=nurse, substance="Codeine")


def test_same_submission_key_records_once(patient, nurse):
    key = "0b5a1f57-8a55-4d8a-9d1c-0f1c2d3e4f50"
    for _ in range(2):
        allergy_add(patient=patient, recorded_by=nurse, substance="Iodine", submission_key=key)
    assert Allergy.objects.count() == 1

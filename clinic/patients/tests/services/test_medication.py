import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clinic.audit.models import AuditAction, AuditEvent
from clinic.patients.models import Medication
from clinic.patients.services import (
    DATE_BEFORE_BIRTH,
    DATE_IN_FUTURE,
    DRUG_CLASS_INVALID,
    MEDICATION_ALREADY_STOPPED,
    MEDICATION_NAME_REQUIRED,
    MEDICATION_STOP_BEFORE_START,
    medication_add,
    medication_stop,
)

pytestmark = pytest.mark.django_db


def test_adds_a_tagged_medication(patient, physician):
    medication = medication_add(
        patient=patient, recorded_by=physician, name=" Lorazepam ", dose="1 mg",
        frequency="at bedtime", drug_class="benzodiazepine", started_on=dt.date(2024, 1, 5),
    )
    assert (medication.name, medication.drug_class, medication.is_active) == (
        "Lorazepam", "benzodiazepine", True
    )
    event = AuditEvent.objects.get(object_type="patients.Medication")
    assert (event.action, event.patient_id) == (AuditAction.CREATE, patient.pk)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"name": "  "}, "name", MEDICATION_NAME_REQUIRED),
        ({"name": "Ativan", "drug_class": "sedative"}, "drug_class", DRUG_CLASS_INVALID),
        ({"name": "Ativan", "started_on": dt.date.today() + dt.timedelta(days=2)},
         "started_on", DATE_IN_FUTURE),
    ],
)
def test_invalid_input_stores_nothing(patient, physician, kwargs, field, message):
    with pytest.raises(ValidationError) as caught:
        medication_add(patient=patient, recorded_by=physician, **kwargs)
    assert caught.value.message_dict[field] == [message]
    assert Medication.objects.count() == 0


def test_dates_before_birth_are_refused(patient, physician):
    born = patient.date_of_birth.isoformat()
    with pytest.raises(ValidationError) as caught:
        medication_add(patient=patient, recorded_by=physician, name="Ativan",
                       started_on=dt.date(1, 1, 1))
    assert caught.value.message_dict["started_on"] == [
        DATE_BEFORE_BIRTH.format(label="The start date", date_of_birth=born)
    ]
    assert Medication.objects.count() == 0
    medication = medication_add(patient=patient, recorded_by=physician, name="Ativan")
    with pytest.raises(ValidationError) as caught:
        medication_stop(medication=medication, stopped_by=physician,
                        stopped_on=patient.date_of_birth - dt.timedelta(days=1))
    assert caught.value.message_dict["stopped_on"] == [
        DATE_BEFORE_BIRTH.format(label="The stop date", date_of_birth=born)
    ]


def test_stop_records_the_date_and_is_audited(patient, physician):
    medication = medication_add(patient=patient, recorded_by=physician, name="Phenelzine",
                                drug_class="maoi", started_on=dt.date(2023, 6, 1))

    stopped = medication_stop(medication=medication, stopped_by=physician,
                              stopped_on=dt.date(2024, 2, 1))

    assert (stopped.is_active, stopped.stopped_on) == (False, dt.date(2024, 2, 1))
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("seq")
    assert event.changes["diff"]["is_active"] == [True, False]


def test_stop_refuses_twice_a_future_date_and_before_start(patient, physician):
    medication = medication_add(patient=patient, recorded_by=physician, name="Lithium",
                                drug_class="lithium", started_on=dt.date(2023, 6, 1))
    with pytest.raises(ValidationError) as caught:
        medication_stop(medication=medication, stopped_by=physician,
                        stopped_on=dt.date(2023, 5, 1))
    assert caught.value.message_dict["stopped_on"] == [MEDICATION_STOP_BEFORE_START]
    with pytest.raises(ValidationError) as caught:
        medication_stop(medication=medication, stopped_by=physician,
                        stopped_on=dt.date.today() + dt.timedelta(days=3))
    assert caught.value.message_dict["stopped_on"] == [DATE_IN_FUTURE]
    medication.refresh_from_db()
    assert medication.is_active

    medication_stop(medication=medication, stopped_by=physician, stopped_on=dt.date(2024, 1, 1))
    with pytest.raises(ValidationError) as caught:
        medication_stop(medication=medication, stopped_by=physician,
                        stopped_on=dt.date(2024, 1, 2))
    assert caught.value.message_dict["stopped_on"] == [MEDICATION_ALREADY_STOPPED]

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.validators import HEIGHT_RANGE, WEIGHT_RANGE
from clinic.patients.models import BodyMeasurement
from clinic.patients.services import (
    DATE_BEFORE_BIRTH,
    MEASURED_IN_FUTURE,
    MEASUREMENT_EMPTY,
    NOT_A_NUMBER,
    measurement_record,
)

pytestmark = pytest.mark.django_db


def _an_hour_ago():
    return timezone.now() - dt.timedelta(hours=1)


def test_records_weight_and_height_with_audit_and_history(patient, nurse):
    measurement = measurement_record(
        patient=patient, recorded_by=nurse, measured_at=_an_hour_ago(),
        weight_kg=Decimal("72.5"), height_cm="168",
    )

    measurement.refresh_from_db()
    assert measurement.weight_kg == Decimal("72.5")
    assert measurement.height_cm == Decimal("168.0")
    assert measurement.clinic_id == patient.clinic_id
    event = AuditEvent.objects.get(object_type="patients.BodyMeasurement")
    assert event.action == AuditAction.CREATE
    assert event.patient_id == patient.pk
    assert event.actor_id == nurse.pk
    assert event.changes["after"]["weight_kg"] == "72.5"
    assert measurement.history.get().history_user == nurse


def test_weight_alone_is_enough(patient, nurse):
    measurement = measurement_record(
        patient=patient, recorded_by=nurse, measured_at=_an_hour_ago(), weight_kg=80
    )
    assert measurement.height_cm is None


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({}, "__all__", MEASUREMENT_EMPTY),
        ({"weight_kg": Decimal("19.9")}, "weight_kg", WEIGHT_RANGE),
        ({"weight_kg": Decimal("350.1")}, "weight_kg", WEIGHT_RANGE),
        ({"height_cm": Decimal("99")}, "height_cm", HEIGHT_RANGE),
        ({"height_cm": Decimal("251")}, "height_cm", HEIGHT_RANGE),
        ({"weight_kg": "heavy"}, "weight_kg", NOT_A_NUMBER),
        ({"weight_kg": "NaN"}, "weight_kg", NOT_A_NUMBER),
    ],
)
def test_invalid_input_stores_nothing(patient, nurse, kwargs, field, message):
    events_before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as caught:
        measurement_record(patient=patient, recorded_by=nurse, measured_at=_an_hour_ago(), **kwargs)

    assert message in caught.value.message_dict[field]
    assert BodyMeasurement.objects.count() == 0
    assert AuditEvent.objects.count() == events_before


def test_measured_in_the_future_is_refused(patient, nurse):
    with pytest.raises(ValidationError) as caught:
        measurement_record(
            patient=patient, recorded_by=nurse, measured_at=timezone.now() + dt.timedelta(hours=1),
            weight_kg=70,
        )
    assert caught.value.message_dict["measured_at"] == [MEASURED_IN_FUTURE]


def test_measured_before_birth_is_refused(patient, nurse):
    born = dt.datetime.combine(patient.date_of_birth, dt.time(12), tzinfo=patient.clinic.tzinfo)
    for measured_at in (born - dt.timedelta(days=1), dt.datetime(1, 1, 1, 12, tzinfo=dt.UTC)):
        with pytest.raises(ValidationError) as caught:
            measurement_record(patient=patient, recorded_by=nurse, measured_at=measured_at,
                               weight_kg=70)
        assert caught.value.message_dict["measured_at"] == [DATE_BEFORE_BIRTH.format(
            label="The time of measurement", date_of_birth=patient.date_of_birth.isoformat()
        )]
    assert BodyMeasurement.objects.count() == 0
    # the day of birth itself is fine
    measurement_record(patient=patient, recorded_by=nurse, measured_at=born, weight_kg=70)
    assert BodyMeasurement.objects.count() == 1


def test_more_than_one_decimal_is_refused(patient, nurse):
    with pytest.raises(ValidationError) as caught:
        measurement_record(patient=patient, recorded_by=nurse, measured_at=_an_hour_ago(),
                           weight_kg=Decimal("70.25"))
    assert "weight_kg" in caught.value.message_dict
    assert BodyMeasurement.objects.count() == 0


def test_same_submission_key_records_once(patient, nurse):
    key = "6f1c3a52-0d7e-4a57-9f55-2f5b7f0d1c11"
    first = measurement_record(patient=patient, recorded_by=nurse, measured_at=_an_hour_ago(),
                               weight_kg=70, submission_key=key)
    second = measurement_record(patient=patient, recorded_by=nurse, measured_at=_an_hour_ago(),
                                weight_kg=70, submission_key=key)
    assert first.pk == second.pk
    assert BodyMeasurement.objects.count() == 1

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.core.validators import HEIGHT_RANGE, WEIGHT_RANGE
from clinic.patients.models import BodyMeasurement
from clinic.patients.services import (
    DATE_BEFORE_BIRTH,
    HEIGHT_CHANGE_UNCONFIRMED,
    MEASURED_IN_FUTURE,
    MEASUREMENT_EMPTY,
    NOT_A_NUMBER,
    WEIGHT_CHANGE_UNCONFIRMED,
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


def _weigh(patient, nurse, weight, *, days_ago=0, **kwargs):
    return measurement_record(
        patient=patient, recorded_by=nurse,
        measured_at=timezone.now() - dt.timedelta(days=days_ago, hours=1), weight_kg=weight,
        **kwargs,
    )


def test_weight_in_pounds_is_refused_until_confirmed(patient, nurse):
    # given 70 kg yesterday
    yesterday = _weigh(patient, nurse, Decimal("70"), days_ago=1)
    events_before = AuditEvent.objects.count()

    # when today's 154 (the same weight in lb) is typed in the kg field
    with pytest.raises(ValidationError) as caught:
        _weigh(patient, nurse, Decimal("154"))

    # then it is refused on the weight field, naming both values and their units
    date = yesterday.measured_at.astimezone(patient.clinic.tzinfo).date().isoformat()
    assert caught.value.message_dict == {"weight_kg": [WEIGHT_CHANGE_UNCONFIRMED.format(
        new="154 kg", previous="70 kg", date=date, percent=10,
    )]}
    assert f"Weight 154 kg differs from the last recorded 70 kg (on {date}) by more than 10 %" \
        in caught.value.messages[0]
    assert BodyMeasurement.objects.count() == 1
    assert AuditEvent.objects.count() == events_before

    # and it is stored, with the confirmation audited, once confirmed
    measurement = _weigh(patient, nurse, Decimal("154"), confirm_weight_change=True)
    assert measurement.weight_kg == Decimal("154.0")
    event = AuditEvent.objects.get(object_type="patients.BodyMeasurement", object_id=str(measurement.pk))
    assert event.changes["extra"]["confirm_weight_change"] is True


def test_weight_change_within_the_setting_passes_and_is_audited_unconfirmed(patient, nurse):
    _weigh(patient, nurse, Decimal("70"), days_ago=1)
    for weight in (Decimal("77"), Decimal("70")):  # +10 %, then back (-9.1 %)
        measurement = _weigh(patient, nurse, weight)
    event = AuditEvent.objects.get(object_type="patients.BodyMeasurement", object_id=str(measurement.pk))
    assert event.changes["extra"]["confirm_weight_change"] is False
    with pytest.raises(ValidationError):
        _weigh(patient, nurse, Decimal("62.9"))  # -10.1 % from the latest 70


def test_weight_change_threshold_is_the_clinic_setting(patient, nurse, staff):
    clinic_setting_set_without_cosign(
        clinic=patient.clinic, key="measurement_change_confirm_percent", raw_value="20",
        set_by=staff[Role.ADMIN], reason="Bariatric clinic",
    )
    _weigh(patient, nurse, Decimal("100"), days_ago=1)
    _weigh(patient, nurse, Decimal("85"))  # -15 %: allowed at 20 %
    with pytest.raises(ValidationError) as caught:
        _weigh(patient, nurse, Decimal("60"))
    assert "by more than 20 %" in caught.value.message_dict["weight_kg"][0]


def test_adult_height_far_from_the_last_is_refused_until_confirmed(patient, nurse):
    # (69 in typed as cm is below the 100 cm range already; a 175 -> 150 slip is not)
    measurement_record(patient=patient, recorded_by=nurse, measured_at=_an_hour_ago(),
                       height_cm=Decimal("175"))
    with pytest.raises(ValidationError) as caught:
        measurement_record(patient=patient, recorded_by=nurse, measured_at=_an_hour_ago(),
                           weight_kg=Decimal("70"), height_cm=Decimal("150"))
    assert list(caught.value.message_dict) == ["height_cm"]
    assert caught.value.message_dict["height_cm"][0].startswith("Height 150 cm differs")
    assert HEIGHT_CHANGE_UNCONFIRMED.split("{")[0] in caught.value.message_dict["height_cm"][0]
    measurement_record(patient=patient, recorded_by=nurse, measured_at=_an_hour_ago(),
                       height_cm=Decimal("150"), confirm_height_change=True)
    assert BodyMeasurement.objects.count() == 2

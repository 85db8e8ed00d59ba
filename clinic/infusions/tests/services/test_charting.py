"""Vital signs with their alerts, acknowledgement, side effects, rescue medication, ratings."""

import pytest
from django.core.exceptions import ValidationError

from clinic.audit.models import AuditEvent
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.infusions.models import (
    ClinicalRating,
    RescueMedication,
    SideEffect,
    VitalAlert,
    VitalAlertStatus,
    VitalPhase,
    VitalSign,
)
from clinic.infusions.services import (
    rating_record,
    rescue_medication_record,
    session_abandon,
    side_effect_record,
    vital_alert_acknowledge,
)
from clinic.infusions.services.charting import (
    ALERT_ACTION_REQUIRED,
    ALERT_ALREADY_ACKNOWLEDGED,
    DOSE_RANGE,
    DRUG_NAME_REQUIRED,
    PHASE_NOT_ALLOWED,
    RATING_RANGE,
    SESSION_CLOSED,
    SIDE_EFFECT_OTHER_NOTE,
    VITALS_CLOSED,
)
from clinic.infusions.tests.conftest import key, vitals


def test_vitals_follow_the_session_phase(session, running_session, nurse):
    assert vitals(running_session, nurse).phase == VitalPhase.DURING


def test_pre_dose_vitals_before_the_start(session, nurse):
    assert vitals(session, nurse).phase == VitalPhase.PRE
    with pytest.raises(ValidationError) as exc:
        vitals(session, nurse, phase="during")
    assert exc.value.messages == [PHASE_NOT_ALLOWED["during"]]


def test_recovery_vitals_after_the_stop(recovering_session, nurse):
    assert vitals(recovering_session, nurse).phase == VitalPhase.RECOVERY
    with pytest.raises(ValidationError) as exc:
        vitals(recovering_session, nurse, phase="during")
    assert exc.value.messages == [PHASE_NOT_ALLOWED["during"]]


def test_no_vitals_once_the_session_is_closed(session, nurse):
    session_abandon(session=session, abandoned_by=nurse, reason="No escort")
    with pytest.raises(ValidationError) as exc:
        vitals(session, nurse)
    assert exc.value.messages == [VITALS_CLOSED]


def test_impossible_values_are_refused_per_field_and_never_stored(running_session, nurse):
    with pytest.raises(ValidationError) as exc:
        vitals(running_session, nurse, sbp=301, dbp=19, hr=251, spo2=101, rr=3, temp_c="43.5")
    errors = exc.value.message_dict
    assert set(errors) == {"sbp", "dbp", "hr", "spo2", "rr", "temp_c"}
    assert errors["sbp"] == ["Systolic BP must be between 50 and 300 mm Hg."]
    assert errors["temp_c"] == ["Temperature must be between 30 and 43 °C."]
    assert not VitalSign.objects.filter(phase=VitalPhase.DURING).exists()


def test_a_high_bp_during_the_infusion_raises_a_pause_alert_in_the_same_transaction(running_session, nurse):
    vital = vitals(running_session, nurse, sbp=185, dbp=112)

    alert = VitalAlert.objects.get(vital=vital)
    assert (alert.level, alert.parameter, alert.status) == ("pause", "bp", VitalAlertStatus.OPEN)
    assert "185/112" in alert.message and "Pause" in alert.suggested_action
    assert AuditEvent.objects.filter(object_type="infusions.VitalAlert", object_id=str(alert.pk)).exists()


@pytest.mark.parametrize(
    "reading, expected",
    [
        ({"sbp": 205}, {("stop", "bp")}),
        ({"sbp": 170}, {("call_physician", "bp_rise")}),  # +42 from the pre-dose 128
        ({"hr": 125}, {("call_physician", "hr")}),
        ({"spo2": 90}, {("pause", "spo2")}),
        ({"rr": 8}, {("pause", "rr")}),
        ({}, set()),
    ],
)
def test_alerts_per_threshold(running_session, nurse, reading, expected):
    vital = vitals(running_session, nurse, **reading)
    assert set(VitalAlert.objects.filter(vital=vital).values_list("level", "parameter")) == expected


def test_the_clinic_limits_apply(running_session, nurse, staff, clinic):
    from clinic.accounts.roles import Role

    clinic_setting_set_without_cosign(
        clinic=clinic,
        key="intra_pause_sbp",
        raw_value="150",
        set_by=staff[Role.ADMIN],
        reason="Stricter policy",
    )
    vital = vitals(running_session, nurse, sbp=155)
    assert VitalAlert.objects.get(vital=vital).level == "pause"


def test_acknowledging_needs_the_action_taken(running_session, nurse):
    alert = VitalAlert.objects.get(vital=vitals(running_session, nurse, sbp=190))
    with pytest.raises(ValidationError) as exc:
        vital_alert_acknowledge(alert=alert, acknowledged_by=nurse, action_taken="  ")
    assert exc.value.message_dict == {"action_taken": [ALERT_ACTION_REQUIRED]}

    alert = vital_alert_acknowledge(
        alert=alert, acknowledged_by=nurse, action_taken="Paused; physician informed"
    )

    assert alert.status == VitalAlertStatus.ACKNOWLEDGED and alert.acknowledged_by == nurse
    with pytest.raises(ValidationError) as exc:
        vital_alert_acknowledge(alert=alert, acknowledged_by=nurse, action_taken="again")
    assert exc.value.messages == [ALERT_ALREADY_ACKNOWLEDGED]


def test_a_retried_acknowledgement_is_accepted_once(running_session, nurse):
    alert = VitalAlert.objects.get(vital=vitals(running_session, nurse, sbp=190))
    client_key = key()
    first = vital_alert_acknowledge(
        alert=alert, acknowledged_by=nurse, action_taken="Paused", client_key=client_key
    )
    again = vital_alert_acknowledge(
        alert=alert, acknowledged_by=nurse, action_taken="Paused", client_key=client_key
    )
    assert first.acknowledged_at == again.acknowledged_at


def test_vitals_are_stored_once_per_client_key(running_session, nurse):
    client_key = key()
    first = vitals(running_session, nurse, sbp=190, client_key=client_key)
    again = vitals(running_session, nurse, sbp=190, client_key=client_key)
    assert first.pk == again.pk
    assert VitalSign.objects.filter(phase=VitalPhase.DURING).count() == 1
    assert VitalAlert.objects.filter(vital=first).count() == 1


def test_side_effects(running_session, nurse):
    effect = side_effect_record(
        session=running_session, recorded_by=nurse, kind="nausea", severity="moderate", client_key=key()
    )
    assert effect.get_kind_display() == "Nausea"
    with pytest.raises(ValidationError) as exc:
        side_effect_record(
            session=running_session, recorded_by=nurse, kind="other", severity="mild", client_key=key()
        )
    assert exc.value.message_dict == {"note": [SIDE_EFFECT_OTHER_NOTE]}
    with pytest.raises(ValidationError) as exc:
        side_effect_record(
            session=running_session, recorded_by=nurse, kind="itch", severity="huge", client_key=key()
        )
    assert set(exc.value.message_dict) == {"kind", "severity"}


def test_rescue_medication_doses_are_range_checked(running_session, nurse):
    med = rescue_medication_record(
        session=running_session, given_by=nurse, drug="ondansetron", dose="4", route="iv", client_key=key()
    )
    assert str(med) == "Ondansetron 4 mg IV"
    with pytest.raises(ValidationError) as exc:
        rescue_medication_record(
            session=running_session, given_by=nurse, drug="midazolam", dose="20", route="iv", client_key=key()
        )
    assert exc.value.message_dict == {"dose": [DOSE_RANGE.format(drug="Midazolam", low="0.5", high="5")]}
    with pytest.raises(ValidationError) as exc:
        rescue_medication_record(
            session=running_session, given_by=nurse, drug="other", dose="1", route="po", client_key=key()
        )
    assert exc.value.message_dict == {"drug_name": [DRUG_NAME_REQUIRED]}
    other = rescue_medication_record(
        session=running_session,
        given_by=nurse,
        drug="other",
        dose="1",
        route="po",
        drug_name="Lorazepam",
        client_key=key(),
    )
    assert other.display_name == "Lorazepam"


def test_ratings_are_range_checked(running_session, nurse):
    rating = rating_record(
        session=running_session, recorded_by=nurse, scale="cadss6", value=7, client_key=key()
    )
    assert rating.value == 7
    with pytest.raises(ValidationError) as exc:
        rating_record(session=running_session, recorded_by=nurse, scale="moaa_s", value=6, client_key=key())
    assert exc.value.message_dict == {
        "value": [RATING_RANGE.format(scale="Sedation (MOAA/S 0–5)", low=0, high=5)]
    }
    with pytest.raises(ValidationError):
        rating_record(session=running_session, recorded_by=nurse, scale="cadss6", value=25, client_key=key())


@pytest.mark.parametrize(
    "model, record",
    [
        (
            SideEffect,
            lambda s, u, k: side_effect_record(
                session=s, recorded_by=u, kind="headache", severity="mild", client_key=k
            ),
        ),
        (
            RescueMedication,
            lambda s, u, k: rescue_medication_record(
                session=s, given_by=u, drug="ondansetron", dose="4", route="odt", client_key=k
            ),
        ),
        (
            ClinicalRating,
            lambda s, u, k: rating_record(session=s, recorded_by=u, scale="moaa_s", value=4, client_key=k),
        ),
    ],
)
def test_every_charting_entry_is_stored_once_per_client_key(running_session, nurse, model, record):
    client_key = key()
    first = record(running_session, nurse, client_key)
    again = record(running_session, nurse, client_key)
    assert first.pk == again.pk and model.objects.count() == 1


def test_nothing_is_charted_on_a_closed_session(session, nurse):
    session_abandon(session=session, abandoned_by=nurse, reason="No escort")
    with pytest.raises(ValidationError) as exc:
        side_effect_record(
            session=session, recorded_by=nurse, kind="nausea", severity="mild", client_key=key()
        )
    assert exc.value.messages == [SESSION_CLOSED]


def test_front_desk_cannot_chart(running_session, front_desk):
    with pytest.raises(ValidationError):
        vitals(running_session, front_desk)
    with pytest.raises(ValidationError):
        side_effect_record(
            session=running_session, recorded_by=front_desk, kind="nausea", severity="mild", client_key=key()
        )

"""session_discharge: refused while any criterion fails (listing them), allowed when all are met."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.core.models import SignatureMeaning
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.core.signatures import WRONG_PASSWORD
from clinic.infusions.calculations import RECOVERY_VITALS_OVERDUE
from clinic.infusions.models import InfusionSession, SessionStatus, VitalAlert, VitalSign
from clinic.infusions.selectors import session_state
from clinic.infusions.services import DischargeRefused, session_discharge, vital_alert_acknowledge
from clinic.infusions.services.discharge import (
    ALREADY_DISCHARGED,
    DRIVER_PHONE_REQUIRED,
    INSTRUCTION_CODES,
    INSTRUCTIONS_MISSING,
    NOT_IN_RECOVERY,
    TYPED_NAME_MISMATCH,
)
from clinic.infusions.tests.conftest import age_recovery, vitals
from clinic.outcomes.services import questionnaire_response_record
from conftest import DEMO_PASSWORD

FULL_ALDRETE = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}


def discharge(session, by, **overrides):
    fields = {
        "score_items_given": FULL_ALDRETE,
        "driver_name": "Jordan Example",
        "driver_phone": "617-555-0142",
        "patient_typed_name": session.patient.full_name,
        "instructions_acknowledged": list(INSTRUCTION_CODES),
        "password": DEMO_PASSWORD,
    }
    fields.update(overrides)
    return session_discharge(session=session, discharged_by=by, **fields)


@pytest.fixture
def fit(recovering_session, nurse):
    """Recovered: past the minimum observation with normal recovery vitals."""
    vitals(recovering_session, nurse)
    return age_recovery(recovering_session)


def refused_codes(session, by, **overrides):
    with pytest.raises(DischargeRefused) as exc:
        discharge(session, by, **overrides)
    return [c.code for c in exc.value.criteria]


def test_discharge_when_every_criterion_is_met(fit, nurse):
    session = discharge(fit, nurse)

    assert session.status == SessionStatus.DISCHARGED and session.discharged_by == nurse
    assert (session.discharge_score_system, session.discharge_score_total) == ("aldrete", 10)
    assert session.discharge_score_variant == "aldrete-1995-modified-spo2-percent"
    assert session.discharge_score_items == FULL_ALDRETE
    assert session.driver_phone == "+16175550142"
    assert session.no_driving_hours == 24
    assert sorted(session.instructions_acknowledged) == sorted(INSTRUCTION_CODES)
    signature = session.acknowledgement_signature
    assert signature.signer == nurse and signature.meaning == SignatureMeaning.ACKNOWLEDGEMENT
    assert session.patient.full_name in signature.statement
    assert AuditEvent.objects.filter(
        object_type="infusions.InfusionSession", object_id=str(session.pk), summary__startswith="Discharged"
    ).exists()


def test_refused_before_the_minimum_observation(recovering_session, nurse):
    vitals(recovering_session, nurse)
    assert refused_codes(recovering_session, nurse) == ["recovery_time"]


def test_refused_without_recovery_vitals(recovering_session, nurse):
    age_recovery(recovering_session)
    assert refused_codes(recovering_session, nurse) == ["recovery_vitals"]


def test_refused_while_the_latest_recovery_vitals_are_outside_the_limits_and_alerts_are_open(fit, nurse):
    vitals(fit, nurse, spo2=90)
    assert refused_codes(fit, nurse) == ["recovery_vitals", "open_alerts"]
    vital_alert_acknowledge(
        alert=VitalAlert.objects.get(parameter="spo2"),
        acknowledged_by=nurse,
        action_taken="Oxygen 2 L; physician informed",
    )
    assert refused_codes(fit, nurse) == ["recovery_vitals"]
    vitals(fit, nurse, spo2=97)
    assert discharge(fit, nurse).status == SessionStatus.DISCHARGED


def test_refused_while_the_recovery_vitals_are_overdue_and_allowed_after_a_fresh_reading(
    recovering_session, nurse
):
    # One reading at the stop, then an hour passes (cadence 15 min, grace 2 min): overdue.
    reading = vitals(recovering_session, nurse)
    an_hour_ago = timezone.now() - dt.timedelta(minutes=61)
    VitalSign.objects.filter(pk=reading.pk).update(taken_at=an_hour_ago)
    InfusionSession.objects.filter(pk=recovering_session.pk).update(recovery_started_at=an_hour_ago)
    recovering_session.refresh_from_db()

    with pytest.raises(DischargeRefused) as exc:
        discharge(recovering_session, nurse)
    assert [c.code for c in exc.value.criteria] == ["recovery_vitals_overdue"]
    assert exc.value.messages == [RECOVERY_VITALS_OVERDUE.format(age=61, interval=15)]
    # The live panel says the same: OVERDUE, and the same reason in the recovery criteria.
    state = session_state(session=recovering_session)
    assert state.vitals_overdue
    assert [c.code for c in state.recovery_failing] == ["recovery_vitals_overdue"]

    vitals(recovering_session, nurse)
    assert discharge(recovering_session, nurse).status == SessionStatus.DISCHARGED


def test_refused_with_a_low_score_and_the_clinic_minimum_applies(fit, nurse, staff, clinic):
    assert refused_codes(
        fit, nurse, score_items_given={**FULL_ALDRETE, "activity": 1, "consciousness": 1}
    ) == ["score"]
    # 9 passes the default pass mark; a clinic that requires 10 (a co-signed change) refuses it
    clinic_setting_set_without_cosign(
        clinic=clinic, key="discharge_min_score", raw_value="10", set_by=staff[Role.ADMIN], reason="Policy"
    )
    assert refused_codes(fit, nurse, score_items_given={**FULL_ALDRETE, "activity": 1}) == ["score"]
    assert discharge(fit, nurse, score_items_given=FULL_ALDRETE).status == SessionStatus.DISCHARGED


def test_the_acknowledgement_needs_the_typed_name_and_every_tick(fit, nurse):
    with pytest.raises(DischargeRefused) as exc:
        discharge(fit, nurse, patient_typed_name="Someone Else")
    assert exc.value.messages == [TYPED_NAME_MISMATCH]
    with pytest.raises(DischargeRefused) as exc:
        discharge(fit, nurse, instructions_acknowledged=["no_driving"])
    assert exc.value.messages == [INSTRUCTIONS_MISSING]


def test_a_driver_is_required(fit, nurse):
    with pytest.raises(ValidationError) as exc:
        discharge(fit, nurse, driver_phone="")
    assert exc.value.message_dict == {"driver_phone": [DRIVER_PHONE_REQUIRED]}


def test_an_open_high_risk_safety_alert_blocks_discharge(fit, nurse):
    questionnaire_response_record(
        patient=fit.patient,
        instrument_code="asq",
        answers={"q1": 1, "q2": 0, "q3": 0, "q4": 0, "q5": 0},
        context="post_infusion",
        entered_by=nurse,
    )
    assert refused_codes(fit, nurse) == ["safety_alert"]


def test_invalid_score_items_are_field_errors(fit, nurse):
    with pytest.raises(ValidationError) as exc:
        discharge(fit, nurse, score_items_given={"activity": 5})
    assert set(exc.value.message_dict) == {
        "score_activity",
        "score_respiration",
        "score_circulation",
        "score_consciousness",
        "score_spo2",
    }


def test_the_nurse_signs_with_the_password(fit, nurse):
    with pytest.raises(ValidationError) as exc:
        discharge(fit, nurse, password="nope")
    assert exc.value.message_dict == {"password": [WRONG_PASSWORD]}
    fit.refresh_from_db()
    assert fit.status == SessionStatus.RECOVERING


def test_padss_when_the_clinic_chooses_it(fit, nurse, staff, clinic):
    clinic_setting_set_without_cosign(
        clinic=clinic,
        key="discharge_score_system",
        raw_value="padss",
        set_by=staff[Role.ADMIN],
        reason="Policy",
    )
    session = discharge(
        fit, nurse, score_items_given={"vital_signs": 2, "activity": 2, "nausea_vomiting": 1, "pain": 2}
    )
    assert (session.discharge_score_system, session.discharge_score_total) == ("padss", 9)
    assert session.discharge_score_items["surgical_bleeding"] == 2
    assert session.discharge_score_variant == "padss-modified-infusion-bleeding-fixed-2"


def test_a_patient_is_discharged_once(fit, nurse):
    discharge(fit, nurse)
    with pytest.raises(ValidationError) as exc:
        discharge(fit, nurse)
    assert exc.value.messages == [ALREADY_DISCHARGED]


def test_not_before_the_infusion(ready_session, nurse):
    with pytest.raises(ValidationError) as exc:
        discharge(ready_session, nurse)
    assert exc.value.messages == [NOT_IN_RECOVERY]

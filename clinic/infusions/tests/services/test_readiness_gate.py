"""readiness_check_complete and gate_override: every item, the overrides, the audit."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.models import SignatureMeaning
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.core.signatures import WRONG_PASSWORD
from clinic.infusions.models import (
    GateItem,
    GateOverride,
    ReadinessCheck,
    SessionStatus,
    VitalAlert,
    VitalPhase,
    VitalSign,
)
from clinic.infusions.services import gate_override, infusion_start, readiness_check_complete
from clinic.infusions.services._common import ONLY_CLINICIANS_CHART, ONLY_PHYSICIAN_OVERRIDE
from clinic.infusions.services.gate import (
    ANSWER_CHANGED_UNCONFIRMED,
    DOB_REQUIRED,
    FASTING_TIME_REQUIRED,
    GATE_NOT_PRE_START,
    OVERRIDE_ALREADY,
    OVERRIDE_ITEM_NOT_FAILING,
    OVERRIDE_NOT_ALLOWED,
    OVERRIDE_REASON_REQUIRED,
    PREGNANCY_REQUIRED,
)
from clinic.infusions.services.pump import GATE_NOT_PASSED
from clinic.infusions.tests.conftest import answer_today, complete_gate, gate_inputs, key
from clinic.outcomes.services import safety_alert_acknowledge
from conftest import DEMO_PASSWORD


def statuses(check) -> dict[str, str]:
    return {name: item["status"] for name, item in check.items.items()}


@pytest.fixture
def answered(session, nurse):
    answer_today(session.patient, nurse)
    return session


def test_a_complete_check_passes_and_makes_the_session_ready(answered, nurse):
    check = complete_gate(answered, nurse)

    assert check.passed and check.version == 1
    assert set(statuses(check).values()) == {"pass"}
    answered.refresh_from_db()
    assert answered.status == SessionStatus.READY and answered.gate_passed_at is not None
    vital = VitalSign.objects.get(session=answered)
    assert vital.phase == VitalPhase.PRE and (vital.sbp, vital.dbp) == (128, 82)
    assert check.items["pre_dose_vitals"]["vital_id"] == vital.pk
    assert AuditEvent.objects.filter(object_type="infusions.ReadinessCheck", object_id=str(check.pk)).exists()


@pytest.mark.parametrize(
    "overrides, item",
    [
        ({"identity_name_confirmed": False}, "identity"),
        ({"identity_date_of_birth": dt.date(1999, 1, 1)}, "identity"),
        ({"last_solids_at": timezone.now() - dt.timedelta(hours=4)}, "fasting"),
        ({"last_clear_liquids_at": timezone.now() - dt.timedelta(minutes=50)}, "fasting"),
        ({"escort_name": ""}, "escort"),
        ({"escort_confirmed": False}, "escort"),
        ({"medications_reviewed": False}, "medications"),
        ({"pregnancy_status": "pregnant"}, "pregnancy"),
        ({"pregnancy_status": "unsure"}, "pregnancy"),
        ({"sbp": 150}, "pre_dose_vitals"),
        ({"dbp": 95}, "pre_dose_vitals"),
        ({"spo2": 90}, "pre_dose_vitals"),
        ({"hr": 130}, "pre_dose_vitals"),
    ],
)
def test_each_item_fails_on_its_own(answered, nurse, overrides, item):
    check = complete_gate(answered, nurse, **overrides)

    assert not check.passed
    assert check.failing_items == [item]
    answered.refresh_from_db()
    assert answered.status == SessionStatus.CHECKED_IN


def test_questionnaire_and_asq_must_be_done_today(session, nurse):
    check = complete_gate(session, nurse)
    assert set(check.failing_items) == {"questionnaire", "suicide_screen"}
    assert "PHQ-9" in check.items["questionnaire"]["note"]


def test_a_high_risk_asq_blocks_until_a_clinician_acknowledges_the_alert(session, nurse):
    # given a positive ASQ today: the outcomes app raises a HIGH safety alert
    answer_today(session.patient, nurse, asq={"q1": 1, "q2": 0, "q3": 0, "q4": 0, "q5": 0})
    check = complete_gate(session, nurse)
    assert check.failing_items == ["suicide_screen"]
    assert "a clinician must evaluate and acknowledge it" in check.items["suicide_screen"]["note"]
    # when the alert is acknowledged after the safety evaluation
    alert = session.patient.safety_alerts.get()
    safety_alert_acknowledge(
        alert=alert, acknowledged_by=nurse, action_taken="Evaluated by Dr; safe to proceed"
    )
    # then a re-check passes
    assert complete_gate(session, nurse).passed


def test_pregnancy_is_not_asked_of_a_male_patient(
    library, front_desk, make_patient, clinic, physician, nurse, chair
):
    from clinic.infusions.services import session_check_in
    from clinic.infusions.tests.conftest import book_today, make_verified_order

    patient = make_patient(clinic, front_desk, sex_at_birth="male")
    order = make_verified_order(patient, physician=physician, nurse=nurse)
    session = session_check_in(
        appointment=book_today(patient, booked_by=front_desk), order=order, chair=chair, nurse=nurse
    )
    answer_today(patient, nurse)
    check = complete_gate(session, nurse, pregnancy_status="")
    assert check.passed and check.items["pregnancy"]["status"] == "na"


def test_pre_dose_bp_only_warns_when_the_clinic_turns_the_hard_stop_off(answered, nurse, staff, clinic):
    from clinic.accounts.roles import Role

    clinic_setting_set_without_cosign(
        clinic=clinic,
        key="pre_dose_bp_is_hard_stop",
        raw_value="false",
        set_by=staff[Role.ADMIN],
        reason="Medical director decision",
    )
    check = complete_gate(answered, nurse, sbp=150)
    assert check.passed and check.items["pre_dose_vitals"]["status"] == "warn"
    # the warning still raised an alert to acknowledge
    assert VitalAlert.objects.filter(session=answered, level="warning", parameter="bp").exists()


def test_missing_and_impossible_inputs_are_refused_per_field_and_nothing_is_saved(answered, nurse):
    with pytest.raises(ValidationError) as exc:
        complete_gate(
            answered, nurse, identity_date_of_birth=None, last_solids_at=None, sbp=400, escort_phone="12"
        )
    errors = exc.value.message_dict
    assert errors["identity_date_of_birth"] == [DOB_REQUIRED]
    assert errors["last_solids_at"] == [FASTING_TIME_REQUIRED.format(what="solid food")]
    assert "300" in errors["sbp"][0]
    assert "escort_phone" in errors
    assert not ReadinessCheck.objects.exists() and not VitalSign.objects.exists()


def test_a_repeated_submission_stores_one_check(answered, nurse):
    submission = uuid.uuid4()
    inputs = gate_inputs(answered.patient)
    first = readiness_check_complete(
        session=answered, completed_by=nurse, submission_key=submission, **inputs
    )
    again = readiness_check_complete(
        session=answered, completed_by=nurse, submission_key=submission, **inputs
    )
    assert first.pk == again.pk
    assert ReadinessCheck.objects.count() == 1 and VitalSign.objects.count() == 1


def test_a_failing_re_check_takes_readiness_back(answered, nurse):
    complete_gate(answered, nurse)
    check = complete_gate(answered, nurse, sbp=160)
    assert check.version == 2
    answered.refresh_from_db()
    assert answered.status == SessionStatus.CHECKED_IN and answered.gate_passed_at is None


def test_the_gate_is_closed_after_the_start(running_session, nurse):
    with pytest.raises(ValidationError) as exc:
        complete_gate(running_session, nurse)
    assert exc.value.messages == [GATE_NOT_PRE_START]


def test_front_desk_cannot_complete_the_gate(answered, front_desk):
    with pytest.raises(ValidationError) as exc:
        complete_gate(answered, front_desk)
    assert exc.value.messages == [ONLY_CLINICIANS_CHART]


# --- overrides ------------------------------------------------------------------------------------


@pytest.fixture
def failing(answered, nurse):
    """A check failing on fasting and pre-dose BP."""
    check = complete_gate(answered, nurse, sbp=152, last_solids_at=timezone.now() - dt.timedelta(hours=3))
    assert set(check.failing_items) == {"fasting", "pre_dose_vitals"}
    return answered


def test_no_start_before_the_gate_passes(failing, nurse):
    with pytest.raises(ValidationError) as exc:
        infusion_start(session=failing, started_by=nurse, client_key=key())
    assert exc.value.messages == [GATE_NOT_PASSED]


def test_a_physician_overrides_each_failing_item_then_the_infusion_may_start(failing, physician, nurse):
    first = gate_override(
        session=failing,
        item="fasting",
        overridden_by=physician,
        reason="Light breakfast of toast only",
        password=DEMO_PASSWORD,
    )
    failing.refresh_from_db()
    assert failing.status == SessionStatus.CHECKED_IN  # one failing item is left

    gate_override(
        session=failing,
        item="pre_dose_vitals",
        overridden_by=physician,
        reason="Anxious; 148/88 on recheck, benefit outweighs risk",
        password=DEMO_PASSWORD,
    )

    failing.refresh_from_db()
    assert failing.status == SessionStatus.READY
    assert first.signature.signer == physician and first.signature.meaning == SignatureMeaning.APPROVAL
    event = AuditEvent.objects.get(action=AuditAction.OVERRIDE, object_id=str(first.pk))
    assert event.actor == physician and event.patient_id == failing.patient_id
    assert event.changes["extra"]["reason"] == "Light breakfast of toast only"
    assert event.changes["extra"]["item"] == "fasting"
    infusion_start(session=failing, started_by=nurse, client_key=key())
    failing.refresh_from_db()
    assert failing.status == SessionStatus.RUNNING


def test_only_a_physician_may_override(failing, nurse):
    with pytest.raises(ValidationError) as exc:
        gate_override(
            session=failing, item="fasting", overridden_by=nurse, reason="x", password=DEMO_PASSWORD
        )
    assert exc.value.messages == [ONLY_PHYSICIAN_OVERRIDE]


def test_an_override_needs_a_reason_and_the_password(failing, physician):
    with pytest.raises(ValidationError) as exc:
        gate_override(
            session=failing, item="fasting", overridden_by=physician, reason=" ", password=DEMO_PASSWORD
        )
    assert exc.value.message_dict == {"reason": [OVERRIDE_REASON_REQUIRED]}
    with pytest.raises(ValidationError) as exc:
        gate_override(session=failing, item="fasting", overridden_by=physician, reason="ok", password="wrong")
    assert exc.value.message_dict == {"password": [WRONG_PASSWORD]}
    assert not GateOverride.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.OVERRIDE).exists()


def test_only_failing_items_once_and_never_identity_order_or_the_suicide_screen(failing, physician):
    with pytest.raises(ValidationError) as exc:
        gate_override(
            session=failing, item="escort", overridden_by=physician, reason="x", password=DEMO_PASSWORD
        )
    assert exc.value.messages == [OVERRIDE_ITEM_NOT_FAILING]
    for item in ("identity", "order", "suicide_screen"):
        with pytest.raises(ValidationError) as exc:
            gate_override(
                session=failing, item=item, overridden_by=physician, reason="x", password=DEMO_PASSWORD
            )
        assert exc.value.messages == [OVERRIDE_NOT_ALLOWED.format(item=GateItem(item).label)]
    gate_override(
        session=failing, item="fasting", overridden_by=physician, reason="x", password=DEMO_PASSWORD
    )
    with pytest.raises(ValidationError) as exc:
        gate_override(
            session=failing, item="fasting", overridden_by=physician, reason="x", password=DEMO_PASSWORD
        )
    assert exc.value.messages == [OVERRIDE_ALREADY]


def test_a_new_check_needs_new_overrides(failing, physician, nurse):
    gate_override(
        session=failing, item="fasting", overridden_by=physician, reason="x", password=DEMO_PASSWORD
    )
    gate_override(
        session=failing, item="pre_dose_vitals", overridden_by=physician, reason="x", password=DEMO_PASSWORD
    )
    complete_gate(failing, nurse, sbp=155, changes_confirmed=["fasting"])
    failing.refresh_from_db()
    assert failing.status == SessionStatus.CHECKED_IN
    with pytest.raises(ValidationError):
        infusion_start(session=failing, started_by=nurse, client_key=key())


# --- re-checks: a failed item cannot be passed by accident ----------------------------------------


def local_clock(session, moment) -> str:
    return moment.astimezone(session.clinic.tzinfo).strftime("%H:%M")


def test_each_check_stores_the_answers_it_was_given(answered, nurse):
    check = complete_gate(
        answered, nurse, escort_name="  Jordan Example ", medication_changes="Sertraline stopped"
    )
    assert check.items["escort"]["answers"] == {
        "escort_name": "Jordan Example",
        "escort_phone": "+16175550142",
        "escort_confirmed": True,
    }
    assert check.items["medications"]["answers"]["medication_changes"] == "Sertraline stopped"
    assert check.items["pregnancy"]["answers"] == {"pregnancy_status": "not_pregnant"}
    assert (
        check.items["identity"]["answers"]["identity_date_of_birth"]
        == answered.patient.date_of_birth.isoformat()
    )
    assert set(check.items["fasting"]["answers"]) == {"last_solids_at", "last_clear_liquids_at"}


def test_a_changed_answer_of_a_failed_item_is_refused_until_the_nurse_confirms_it(answered, nurse):
    # given a check that failed fasting: solid food 3 h ago
    ate_at = timezone.now() - dt.timedelta(hours=3)
    first = complete_gate(answered, nurse, last_solids_at=ate_at)
    assert first.failing_items == ["fasting"]

    # when a re-check gives an older time (an earlier answer, e.g. the reminder's) unconfirmed
    earlier = timezone.now() - dt.timedelta(hours=9)
    with pytest.raises(ValidationError) as exc:
        complete_gate(answered, nurse, last_solids_at=earlier)

    # then it is refused on the item's confirmation tick, naming the old and new answers; nothing saved
    message = ANSWER_CHANGED_UNCONFIRMED.format(
        item="Fasting",
        changes=f"last solid food {local_clock(answered, ate_at)} → {local_clock(answered, earlier)}",
    )
    assert exc.value.message_dict == {"confirm_fasting": [message]}
    assert ReadinessCheck.objects.filter(session=answered).count() == 1
    assert VitalSign.objects.filter(session=answered).count() == 1

    # when the nurse confirms the new answer with the patient
    check = complete_gate(answered, nurse, last_solids_at=earlier, changes_confirmed=["fasting"])

    # then the re-check passes and its audit event keeps the old and new answers
    assert check.passed and check.version == 2
    event = AuditEvent.objects.get(object_type="infusions.ReadinessCheck", object_id=str(check.pk))
    extra = event.changes["extra"]
    assert extra["failed_items_changed"] == ["fasting"] and extra["changes_confirmed"] == ["fasting"]
    change = extra["answer_changes"]["fasting"]["last_solids_at"]
    assert change == {"old": ate_at.isoformat(), "new": earlier.isoformat()}


def test_a_re_check_with_the_same_answers_needs_no_confirmation_and_fails_again(answered, nurse):
    ate_at = timezone.now() - dt.timedelta(hours=3)
    complete_gate(answered, nurse, last_solids_at=ate_at)
    # the same answer, entered again a few seconds later (the form records minutes)
    check = complete_gate(answered, nurse, last_solids_at=ate_at + dt.timedelta(seconds=20))
    assert check.failing_items == ["fasting"]


def test_changes_on_items_that_passed_need_no_confirmation_but_are_audited(answered, nurse):
    complete_gate(answered, nurse, sbp=150)  # fails on the pre-dose blood pressure only
    check = complete_gate(answered, nurse, escort_name="Sam Example")
    assert check.passed
    extra = AuditEvent.objects.get(object_type="infusions.ReadinessCheck", object_id=str(check.pk)).changes[
        "extra"
    ]
    assert extra["answer_changes"] == {
        "escort": {"escort_name": {"old": "Jordan Example", "new": "Sam Example"}}
    }
    assert extra["failed_items_changed"] == [] and extra["changes_confirmed"] == []


@pytest.mark.parametrize(
    "first, again, item",
    [
        ({"identity_date_of_birth": dt.date(1999, 1, 1)}, {}, "identity"),
        ({"escort_phone": ""}, {}, "escort"),
        ({"pregnancy_status": "unsure"}, {}, "pregnancy"),
    ],
)
def test_every_answer_item_that_failed_needs_the_confirmation(answered, nurse, first, again, item):
    assert complete_gate(answered, nurse, **first).failing_items == [item]
    with pytest.raises(ValidationError) as exc:
        complete_gate(answered, nurse, **again)
    assert list(exc.value.message_dict) == [f"confirm_{item}"]
    assert complete_gate(answered, nurse, changes_confirmed=[item], **again).passed


def test_ticks_are_confirmations_themselves_not_answers_to_compare(answered, nurse):
    # the escort was not confirmed: ticking it now is the nurse's explicit confirmation
    assert complete_gate(answered, nurse, escort_confirmed=False).failing_items == ["escort"]
    assert complete_gate(answered, nurse).passed


def test_pregnancy_is_required_where_it_is_asked(answered, nurse):
    with pytest.raises(ValidationError) as exc:
        complete_gate(answered, nurse, pregnancy_status="")
    assert exc.value.message_dict == {"pregnancy_status": [PREGNANCY_REQUIRED]}
    assert not ReadinessCheck.objects.exists() and not VitalSign.objects.exists()

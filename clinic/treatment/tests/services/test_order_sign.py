import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.models import ElectronicSignature, SignatureMeaning
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.core.signatures import WRONG_PASSWORD, SignatureError
from clinic.treatment.models import OrderStatus
from clinic.treatment.planning import TITRATION_REASON_REQUIRED
from clinic.treatment.services import order_cancel, order_sign
from clinic.treatment.services.courses import CANDIDACY_REQUIRED
from clinic.treatment.services.orders import (
    CANCEL_REASON_REQUIRED,
    NEWER_WEIGHT,
    ONLY_PHYSICIANS_ORDER,
    ORDER_TRANSITION_REFUSED,
)
from clinic.treatment.tests.conftest import record_measurement, withdraw_candidacy
from conftest import DEMO_PASSWORD


def test_sign_approves_the_order_as_drafted(draft_order, physician):
    order = order_sign(order=draft_order, signer=physician, password=DEMO_PASSWORD)

    assert order.status == OrderStatus.SIGNED
    assert order.signature.signer == physician
    assert order.signature.meaning == SignatureMeaning.APPROVAL
    # the statement names the order and what was prescribed, never the computed dose (blind check)
    assert order.signature.statement == "Infusion order 1: 0.5 mg/kg over 40 min"


def test_wrong_password_saves_nothing(draft_order, physician):
    with pytest.raises(SignatureError, match=WRONG_PASSWORD):
        order_sign(order=draft_order, signer=physician, password="wrong-password-123")

    draft_order.refresh_from_db()
    assert draft_order.status == OrderStatus.DRAFT and draft_order.signature is None
    assert not ElectronicSignature.objects.filter(object_type="treatment.InfusionOrder").exists()
    assert not AuditEvent.objects.filter(
        object_type="treatment.InfusionOrder", action=AuditAction.SIGN
    ).exists()


def test_sign_is_refused_once_the_decision_is_amended_to_not_a_candidate(draft_order, physician):
    withdraw_candidacy(draft_order.patient, physician)

    with pytest.raises(ValidationError) as exc:
        order_sign(order=draft_order, signer=physician, password=DEMO_PASSWORD)

    assert exc.value.messages == [CANDIDACY_REQUIRED]
    draft_order.refresh_from_db()
    assert draft_order.status == OrderStatus.DRAFT and draft_order.signature is None
    assert not ElectronicSignature.objects.filter(object_type="treatment.InfusionOrder").exists()


@pytest.mark.parametrize("role", [Role.NURSE, Role.FRONT_DESK, Role.ADMIN])
def test_only_physicians_sign(draft_order, staff, role):
    with pytest.raises(ValidationError) as exc:
        order_sign(order=draft_order, signer=staff[role], password=DEMO_PASSWORD)
    assert exc.value.messages == [ONLY_PHYSICIANS_ORDER]


def test_warnings_must_be_acknowledged(make_order, mood_course, physician):
    # given 0.05 mg/kg: below the usual 0.1–1.0 mg/kg, a warning (domain.md §1.1)
    order = make_order(mood_course, dose_per_kg=Decimal("0.05"))
    assert [w["code"] for w in order.warnings] == ["DOSE_OUTSIDE_USUAL_RANGE"]

    with pytest.raises(ValidationError) as exc:
        order_sign(order=order, signer=physician, password=DEMO_PASSWORD)
    assert "Acknowledge each warning" in exc.value.message_dict["acknowledge"][0]
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT

    signed = order_sign(
        order=order,
        signer=physician,
        password=DEMO_PASSWORD,
        acknowledged_warnings=["DOSE_OUTSIDE_USUAL_RANGE"],
    )
    assert signed.status == OrderStatus.SIGNED
    assert signed.warnings_acknowledged == ["DOSE_OUTSIDE_USUAL_RANGE"]


def test_a_weight_that_went_stale_blocks_signing(draft_order, physician):
    later = timezone.now() + dt.timedelta(days=31)

    with pytest.raises(ValidationError) as exc:
        order_sign(order=draft_order, signer=physician, password=DEMO_PASSWORD, now=later)

    assert "days old" in exc.value.message_dict["weight"][0]
    draft_order.refresh_from_db()
    assert draft_order.status == OrderStatus.DRAFT


def test_a_newer_weight_blocks_signing_the_old_draft(draft_order, physician, nurse):
    record_measurement(draft_order.patient, nurse, weight_kg="72")

    with pytest.raises(ValidationError) as exc:
        order_sign(order=draft_order, signer=physician, password=DEMO_PASSWORD)
    assert exc.value.message_dict == {"weight": [NEWER_WEIGHT]}


def test_a_hard_stop_that_appears_after_drafting_blocks_signing(draft_order, physician, clinic, staff):
    clinic_setting_set_without_cosign(
        clinic=clinic,
        key="pump_max_rate_ml_h",
        raw_value="50",
        set_by=staff[Role.ADMIN],
        reason="New pumps",
    )

    with pytest.raises(ValidationError) as exc:
        order_sign(order=draft_order, signer=physician, password=DEMO_PASSWORD)

    assert "above the pump maximum" in exc.value.message_dict["diluent_volume_ml"][0]
    draft_order.refresh_from_db()
    assert draft_order.status == OrderStatus.DRAFT


def test_titration_needs_a_reason_signed_by_the_physician(signed_order, make_order, mood_course, physician):
    # given infusion 1 was 0.5 mg/kg; infusion 2 goes up to 0.75 mg/kg
    with pytest.raises(ValidationError) as exc:
        make_order(
            mood_course,
            dose_per_kg=Decimal("0.75"),
            drug_mg_added=Decimal("100"),
            diluent_volume_ml=Decimal("98"),
        )
    assert exc.value.message_dict["titration_reason"] == [
        TITRATION_REASON_REQUIRED.format(previous="0.5 mg/kg")
    ]

    second = make_order(
        mood_course,
        dose_per_kg=Decimal("0.75"),
        drug_mg_added=Decimal("100"),
        diluent_volume_ml=Decimal("98"),
        titration_reason="No response after 3 infusions",
    )
    assert second.sequence == 2 and second.dose_mg == Decimal("52.5")

    # the reason cannot be dropped at signing
    with pytest.raises(ValidationError) as exc:
        order_sign(order=second, signer=physician, password=DEMO_PASSWORD, titration_reason="")
    assert "titration_reason" in exc.value.message_dict

    signed = order_sign(order=second, signer=physician, password=DEMO_PASSWORD)
    assert signed.titration_reason == "No response after 3 infusions"
    assert "titration: No response after 3 infusions" in signed.signature.statement


def test_the_same_dose_again_needs_no_titration_reason(signed_order, make_order, mood_course):
    second = make_order(mood_course)
    assert second.sequence == 2 and second.titration_reason == ""


def test_a_signed_order_cannot_be_signed_again(signed_order, physician):
    with pytest.raises(ValidationError) as exc:
        order_sign(order=signed_order, signer=physician, password=DEMO_PASSWORD)
    assert exc.value.messages == [
        ORDER_TRANSITION_REFUSED.format(status="signed, awaiting double check", action="signed")
    ]


def test_cancel_needs_a_reason_and_ends_the_order(draft_order, physician):
    with pytest.raises(ValidationError) as exc:
        order_cancel(order=draft_order, cancelled_by=physician, reason="")
    assert exc.value.message_dict == {"reason": [CANCEL_REASON_REQUIRED]}

    cancelled = order_cancel(order=draft_order, cancelled_by=physician, reason="Patient unwell")

    assert cancelled.status == OrderStatus.CANCELLED
    with pytest.raises(ValidationError):
        order_sign(order=cancelled, signer=physician, password=DEMO_PASSWORD)

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.models import ElectronicSignature, SignatureMeaning
from clinic.core.signatures import WRONG_PASSWORD, SignatureError
from clinic.treatment.models import OrderStatus
from clinic.treatment.services import DoubleCheckMismatch, order_verify
from clinic.treatment.services.orders import (
    IDENTITY_MISMATCH,
    IDENTITY_NOT_CONFIRMED,
    MISMATCH,
    ONLY_QUALIFIED_CHECK,
    ORDER_TRANSITION_REFUSED,
    SIGNER_CANNOT_CHECK,
)
from conftest import DEMO_PASSWORD


def check(order, verifier, **overrides):
    fields = {
        "dose_mg": Decimal("35"),
        "bag_concentration_mg_per_ml": Decimal("1"),
        "rate_ml_h": Decimal("52.5"),
        "patient_date_of_birth": order.patient.date_of_birth,
        "identity_confirmed": True,
        "password": DEMO_PASSWORD,
        **overrides,
    }
    return order_verify(order=order, verifier=verifier, **fields)


def failed_attempts(order):
    return AuditEvent.objects.filter(
        object_type="treatment.InfusionOrder",
        object_id=str(order.pk),
        action=AuditAction.CHECK_FAILED,
        changes__extra__outcome="double_check_mismatch",
    )


def test_matching_numbers_make_the_order_active(signed_order, nurse):
    order = check(signed_order, nurse)

    assert order.status == OrderStatus.VERIFIED
    assert order.verification_signature.signer == nurse
    assert order.verification_signature.meaning == SignatureMeaning.DOUBLE_CHECK
    assert not failed_attempts(order).exists()


def test_a_second_physician_may_double_check(signed_order, make_user, clinic):
    colleague = make_user(Role.PHYSICIAN, clinic, credentials="MD")
    assert check(signed_order, colleague).status == OrderStatus.VERIFIED


def test_the_signer_cannot_double_check_their_own_order(signed_order, physician):
    with pytest.raises(ValidationError) as exc:
        check(signed_order, physician)
    assert exc.value.messages == [SIGNER_CANNOT_CHECK]


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
def test_unqualified_roles_cannot_double_check(signed_order, staff, role):
    with pytest.raises(ValidationError) as exc:
        check(signed_order, staff[role])
    assert exc.value.messages == [ONLY_QUALIFIED_CHECK]


def test_a_mismatch_is_refused_naming_the_number_and_only_the_attempt_is_recorded(signed_order, nurse):
    # when the nurse types the volume (35 mL) where the rate (52.5 mL/h) belongs
    with pytest.raises(DoubleCheckMismatch) as exc:
        check(signed_order, nurse, rate_ml_h=Decimal("35"))

    # then only the rate is named, the order stays signed, and one failed attempt is audited
    assert exc.value.message_dict == {"rate_ml_h": [MISMATCH]}
    signed_order.refresh_from_db()
    assert signed_order.status == OrderStatus.SIGNED
    assert signed_order.verification_signature is None
    assert not ElectronicSignature.objects.filter(meaning=SignatureMeaning.DOUBLE_CHECK).exists()
    attempt = failed_attempts(signed_order).get()
    assert attempt.actor == nurse
    assert attempt.changes["extra"]["fields"] == ["rate_ml_h"]


def test_numbers_are_compared_at_the_displayed_precision(signed_order, nurse):
    with pytest.raises(DoubleCheckMismatch) as exc:
        check(signed_order, nurse, dose_mg=Decimal("35.01"), bag_concentration_mg_per_ml=Decimal("1.002"))
    assert set(exc.value.message_dict) == {"dose_mg", "bag_concentration_mg_per_ml"}

    # more digits that round to the displayed value match (35.004 mg → 35.00 mg)
    order = check(signed_order, nurse, dose_mg=Decimal("35.004"), rate_ml_h=Decimal("52.50"))
    assert order.status == OrderStatus.VERIFIED


def test_the_wrong_patient_is_refused(signed_order, nurse):
    with pytest.raises(DoubleCheckMismatch) as exc:
        check(signed_order, nurse, patient_date_of_birth=dt.date(1990, 5, 5))
    assert exc.value.message_dict == {"patient_date_of_birth": [IDENTITY_MISMATCH]}


def test_the_identity_check_must_be_confirmed(signed_order, nurse):
    with pytest.raises(ValidationError) as exc:
        check(signed_order, nurse, identity_confirmed=False)
    assert exc.value.message_dict == {"identity_confirmed": [IDENTITY_NOT_CONFIRMED]}


def test_wrong_password_saves_nothing(signed_order, nurse):
    with pytest.raises(SignatureError, match=WRONG_PASSWORD):
        check(signed_order, nurse, password="not-the-password", rate_ml_h=Decimal("35"))

    signed_order.refresh_from_db()
    assert signed_order.status == OrderStatus.SIGNED
    assert not failed_attempts(signed_order).exists()


def test_a_draft_cannot_be_double_checked(draft_order, nurse):
    with pytest.raises(ValidationError) as exc:
        check(draft_order, nurse)
    assert exc.value.messages == [ORDER_TRANSITION_REFUSED.format(status="draft", action="double-checked")]


def test_a_verified_order_cannot_be_checked_twice(signed_order, nurse, make_user, clinic):
    check(signed_order, nurse)
    with pytest.raises(ValidationError):
        check(signed_order, make_user(Role.NURSE, clinic))


def test_an_order_of_a_stopped_course_cannot_be_double_checked(signed_order, nurse, physician):
    from clinic.treatment.services import course_stop
    from clinic.treatment.services.orders import COURSE_NOT_ORDERABLE

    course_stop(course=signed_order.course, stopped_by=physician, reason="Patient declined")

    with pytest.raises(ValidationError) as exc:
        check(signed_order, nurse)
    assert exc.value.messages == [COURSE_NOT_ORDERABLE]

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.roles import Role
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.core.validators import WEIGHT_RANGE
from clinic.patients.models import BodyMeasurement
from clinic.treatment.calculations.dose import (
    DOSE_PER_KG_RANGE,
    OVER_MAX_PER_KG_SESSION_MESSAGE,
    RATE_ABOVE_MAXIMUM_MESSAGE,
)
from clinic.treatment.models import Diluent, InfusionOrder, OrderStatus, StockedProduct
from clinic.treatment.planning import NO_WEIGHT
from clinic.treatment.services import order_create
from clinic.treatment.services.courses import CANDIDACY_REQUIRED
from clinic.treatment.services.orders import COURSE_NOT_ORDERABLE, ONLY_PHYSICIANS_ORDER
from clinic.treatment.tests.conftest import make_candidate, record_measurement, withdraw_candidacy


def test_mood_order_for_70_kg_with_1_mg_per_ml_bag(make_order, mood_course):
    order = make_order(mood_course)

    assert order.status == OrderStatus.DRAFT
    assert order.sequence == 1
    assert order.dosing_weight_kg == Decimal("70")
    assert order.dose_mg == Decimal("35")
    assert order.drug_volume_ml == Decimal("1")
    assert order.final_volume_ml == Decimal("50")
    assert order.bag_concentration_mg_per_ml == Decimal("1")
    assert order.volume_to_infuse_ml == Decimal("35")
    assert order.rate_ml_h_exact == Decimal("52.5")
    assert order.rate_ml_h == Decimal("52.5")
    assert order.delivered_dose_mg == Decimal("35")
    assert order.pump_resolution_ml_h == Decimal("0.1")
    assert order.plan["working"][0].startswith("Dose = 0.5 mg/kg × 70 kg = 35 mg")


def test_pain_order_at_a_weight_based_rate(make_course, weighed_patient, pain_protocol, make_order, nurse):
    # given an 80 kg patient on the CRPS protocol (0.35 mg/kg/h for 4 h)
    record_measurement(weighed_patient, nurse, weight_kg="80", height_cm="", confirm_weight_change=True)
    course = make_course(weighed_patient, pain_protocol, indication="CRPS", icd10_code="G90.50")

    # when 200 mg (4 mL of 50 mg/mL) goes into 196 mL NS: 1 mg/mL
    order = make_order(
        course,
        dose_per_kg=Decimal("0.35"),
        duration_min=240,
        drug_mg_added=Decimal("200"),
        diluent_volume_ml=Decimal("196"),
    )

    # then 28 mg/h = 28 mL/h, 112 mg in total
    assert order.dose_mg_per_kg_per_h == Decimal("0.35") and order.dose_mg_per_kg is None
    assert order.rate_ml_h == Decimal("28")
    assert order.dose_mg == Decimal("112")
    assert order.warnings == []


def test_a_dose_typed_in_mg_is_a_hard_stop_and_nothing_is_saved(make_order, mood_course):
    with pytest.raises(ValidationError) as exc:
        make_order(mood_course, dose_per_kg=Decimal("52.5"))

    assert exc.value.message_dict["dose_per_kg"] == [DOSE_PER_KG_RANGE]
    assert not InfusionOrder.objects.exists()


def test_over_the_protocol_maximum_is_a_hard_stop(make_order, mood_course):
    with pytest.raises(ValidationError) as exc:
        make_order(mood_course, dose_per_kg=Decimal("1.2"))

    assert exc.value.message_dict["dose_per_kg"] == [
        OVER_MAX_PER_KG_SESSION_MESSAGE.format(value="1.2", limit="1")
    ]
    assert not InfusionOrder.objects.exists()


def test_a_rate_the_pump_cannot_deliver_is_refused(make_order, mood_course, clinic, staff):
    clinic_setting_set_without_cosign(
        clinic=clinic,
        key="pump_max_rate_ml_h",
        raw_value="50",
        set_by=staff[Role.ADMIN],
        reason="Syringe pumps only",
    )

    with pytest.raises(ValidationError) as exc:
        make_order(mood_course)

    assert exc.value.message_dict["diluent_volume_ml"] == [
        RATE_ABOVE_MAXIMUM_MESSAGE.format(rate="52.5", limit="50")
    ]


def test_a_vial_the_clinic_no_longer_stocks_is_refused(make_order, mood_course, bag_product):
    StockedProduct.objects.filter(pk=bag_product.pk).update(is_active=False)
    bag_product.refresh_from_db()

    with pytest.raises(ValidationError) as exc:
        make_order(mood_course, product=bag_product)

    assert "is not a stocked product" in exc.value.message_dict["product"][0]


def test_a_stale_weight_blocks_the_order(make_course, patient, mood_protocol, make_order, nurse, physician):
    # given the only weight is older than the 30-day setting
    record_measurement(patient, nurse, weight_kg="70", days_ago=31)
    make_candidate(patient, physician)
    course = make_course(patient, mood_protocol)

    with pytest.raises(ValidationError) as exc:
        make_order(course)

    message = exc.value.message_dict["weight"][0]
    assert "days old" in message and "last 30 days" in message
    assert not InfusionOrder.objects.exists()


def test_todays_weight_far_from_the_last_is_refused_unconfirmed(make_order, mood_course):
    with pytest.raises(ValidationError) as exc:
        make_order(mood_course, new_weight_kg=Decimal("154"))
    assert list(exc.value.message_dict) == ["new_weight_kg"]
    assert "154 kg differs from the last recorded 70 kg" in exc.value.messages[0]
    assert not InfusionOrder.objects.exists()


def test_todays_weight_on_the_form_is_recorded_and_dosed_on(make_order, mood_course):
    order = make_order(
        mood_course, new_weight_kg=Decimal("80"), confirm_weight_change=True,
        drug_mg_added=Decimal("50"),
    )

    assert order.measured_weight_kg == Decimal("80")
    assert order.dose_mg == Decimal("40")
    assert order.weight_measurement.recorded_by == order.created_by


def test_an_implausible_weight_is_a_form_error_and_nothing_is_saved(make_order, mood_course):
    before = BodyMeasurement.objects.count()

    with pytest.raises(ValidationError) as exc:
        make_order(mood_course, new_weight_kg=Decimal("700"))

    assert exc.value.message_dict == {"new_weight_kg": [WEIGHT_RANGE]}
    assert BodyMeasurement.objects.count() == before


def test_no_weight_at_all_is_refused(make_course, patient, mood_protocol, make_order, physician):
    make_candidate(patient, physician)
    course = make_course(patient, mood_protocol)

    with pytest.raises(ValidationError) as exc:
        make_order(course)
    assert exc.value.message_dict["weight"] == [NO_WEIGHT]


def test_a_draft_course_takes_no_orders(make_course, weighed_patient, mood_protocol, make_order):
    course = make_course(weighed_patient, mood_protocol, sign=False)
    with pytest.raises(ValidationError) as exc:
        make_order(course)
    assert exc.value.messages == [COURSE_NOT_ORDERABLE]


@pytest.mark.parametrize("role", [Role.NURSE, Role.FRONT_DESK, Role.ADMIN])
def test_only_physicians_write_orders(mood_course, staff, bag_product, role):
    with pytest.raises(ValidationError) as exc:
        order_create(
            course=mood_course,
            created_by=staff[role],
            dose_per_kg=Decimal("0.5"),
            duration_min=40,
            product=bag_product,
            drug_mg_added=Decimal("50"),
            diluent=Diluent.NS,
            diluent_volume_ml=Decimal("49"),
        )
    assert exc.value.messages == [ONLY_PHYSICIANS_ORDER]


def test_double_submit_creates_one_order(make_order, mood_course):
    key = uuid.uuid4()
    first = make_order(mood_course, submission_key=key)
    second = make_order(mood_course, submission_key=key)
    assert first.pk == second.pk
    assert InfusionOrder.objects.count() == 1


def test_create_is_refused_once_the_decision_is_amended_to_not_a_candidate(
    make_order, mood_course, physician
):
    withdraw_candidacy(mood_course.patient, physician)

    with pytest.raises(ValidationError) as exc:
        make_order(mood_course)

    assert exc.value.messages == [CANDIDACY_REQUIRED]
    assert not InfusionOrder.objects.filter(course=mood_course).exists()

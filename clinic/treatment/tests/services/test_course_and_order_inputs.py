"""Issue 8, point 9: what a course and an order refuse — a code that is not an ICD-10-CM indication,
a planned start in the past or years ahead, and sterile water as an IV bag's diluent unless the
protocol allows it (domain.md §1.6)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.treatment.clinical_settings import COURSE_START_MAX_DAYS_AHEAD
from clinic.treatment.models import Diluent, InfusionOrder, TreatmentCourse
from clinic.treatment.planning import STERILE_WATER_CODE, STERILE_WATER_REFUSED
from clinic.treatment.services import course_create, order_sign
from clinic.treatment.services.courses import (
    ICD10_FORMAT,
    ICD10_NOT_AN_INDICATION,
    PLANNED_START_PAST,
    PLANNED_START_TOO_FAR,
)
from clinic.treatment.services.orders import WARNINGS_NOT_ACKNOWLEDGED
from clinic.treatment.services.protocols import STERILE_WATER_REASON_REQUIRED, protocol_revise
from conftest import DEMO_PASSWORD


def draft(patient, protocol, physician, **fields):
    return course_create(
        patient=patient,
        protocol=protocol,
        created_by=physician,
        indication="Treatment-resistant depression",
        goals="PHQ-9 down by half or more",
        **fields,
    )


def clinic_today(clinic) -> dt.date:
    return timezone.now().astimezone(clinic.tzinfo).date()


# --- ICD-10-CM ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["XYZ.99", "F3", "33.2", "F33.22222", "F33-2"])
def test_course_refuses_a_code_that_is_not_icd10_cm_shaped(weighed_patient, mood_protocol, physician, code):
    with pytest.raises(ValidationError) as exc:
        draft(weighed_patient, mood_protocol, physician, icd10_code=code)

    assert exc.value.message_dict["icd10_code"] == [ICD10_FORMAT.format(code=code)]
    assert not TreatmentCourse.objects.exists()


@pytest.mark.parametrize(
    "code",
    [
        "Z99.9",  # well formed, not in the clinic's list
        "F20.9",  # schizophrenia: in the list for the contraindication screen, not an indication
    ],
)
def test_course_refuses_a_code_outside_the_clinics_indications(
    weighed_patient, mood_protocol, physician, code
):
    with pytest.raises(ValidationError) as exc:
        draft(weighed_patient, mood_protocol, physician, icd10_code=code)

    assert exc.value.message_dict["icd10_code"] == [ICD10_NOT_AN_INDICATION.format(code=code)]


@pytest.mark.parametrize(("typed", "stored"), [("f332", "F33.2"), (" G90.50 ", "G90.50"), ("", "")])
def test_course_stores_the_catalogue_code(weighed_patient, mood_protocol, physician, typed, stored):
    course = draft(weighed_patient, mood_protocol, physician, icd10_code=typed)

    assert course.icd10_code == stored


# --- planned start --------------------------------------------------------------------------------


def test_course_refuses_a_planned_start_in_the_past(weighed_patient, mood_protocol, physician, clinic):
    today = clinic_today(clinic)
    with pytest.raises(ValidationError) as exc:
        draft(weighed_patient, mood_protocol, physician, planned_start_date=dt.date(2024, 3, 1))

    assert exc.value.message_dict["planned_start_date"] == [
        PLANNED_START_PAST.format(date=dt.date(2024, 3, 1), today=today)
    ]
    with pytest.raises(ValidationError):
        draft(weighed_patient, mood_protocol, physician, planned_start_date=today - dt.timedelta(days=1))
    assert not TreatmentCourse.objects.exists()


def test_course_allows_today_and_up_to_the_setting_ahead(weighed_patient, mood_protocol, physician, clinic):
    today = clinic_today(clinic)

    assert (
        draft(weighed_patient, mood_protocol, physician, planned_start_date=today).planned_start_date == today
    )
    latest = today + dt.timedelta(days=365)
    assert (
        draft(weighed_patient, mood_protocol, physician, planned_start_date=latest).planned_start_date
        == latest
    )


def test_course_refuses_a_planned_start_beyond_the_window(
    weighed_patient, mood_protocol, physician, clinic, staff
):
    today = clinic_today(clinic)
    too_far = today + dt.timedelta(days=366)
    with pytest.raises(ValidationError) as exc:
        draft(weighed_patient, mood_protocol, physician, planned_start_date=too_far)
    assert exc.value.message_dict["planned_start_date"] == [
        PLANNED_START_TOO_FAR.format(date=too_far, days=365, latest=today + dt.timedelta(days=365))
    ]

    # the window is a clinic setting
    clinic_setting_set_without_cosign(
        clinic=clinic,
        key=COURSE_START_MAX_DAYS_AHEAD,
        raw_value="30",
        set_by=staff[Role.ADMIN],
        reason="Courses are planned a month ahead at most",
    )
    with pytest.raises(ValidationError):
        draft(weighed_patient, mood_protocol, physician, planned_start_date=today + dt.timedelta(days=31))


def test_course_window_is_relative_to_the_time_of_drafting(weighed_patient, mood_protocol, physician):
    # the demo drafts its history "then": a start in 2024 is fine for a course drafted in 2024
    then = dt.datetime(2024, 2, 20, 15, 0, tzinfo=dt.UTC)
    course = draft(
        weighed_patient, mood_protocol, physician, planned_start_date=dt.date(2024, 3, 1), now=then
    )

    assert course.planned_start_date == dt.date(2024, 3, 1)


# --- sterile water ---------------------------------------------------------------------------------


def test_order_refuses_sterile_water_unless_the_protocol_allows_it(make_order, mood_course):
    with pytest.raises(ValidationError) as exc:
        make_order(mood_course, diluent=Diluent.STERILE_WATER)

    assert exc.value.message_dict["diluent"] == [STERILE_WATER_REFUSED]
    assert "hypotonic" in STERILE_WATER_REFUSED and "hemolysis" in STERILE_WATER_REFUSED
    assert not InfusionOrder.objects.exists()


@pytest.mark.parametrize("diluent", [Diluent.NS, Diluent.D5W])
def test_order_accepts_ns_and_d5w(make_order, mood_course, diluent):
    assert make_order(mood_course, diluent=diluent).diluent == diluent


def test_protocol_allowing_sterile_water_needs_a_reason(mood_protocol, staff):
    with pytest.raises(ValidationError) as exc:
        protocol_revise(
            protocol=mood_protocol,
            revised_by=staff[Role.ADMIN],
            change_reason="Fluid-restricted patients",
            sterile_water_allowed=True,
        )
    assert exc.value.message_dict["sterile_water_reason"] == [STERILE_WATER_REASON_REQUIRED]


def test_sterile_water_allowed_by_the_protocol_is_a_warning_to_acknowledge(
    make_course, weighed_patient, mood_protocol, make_order, physician, staff
):
    # given a protocol version that explicitly allows sterile water, with its reason
    allowing = protocol_revise(
        protocol=mood_protocol,
        revised_by=staff[Role.ADMIN],
        change_reason="Small-volume bags for fluid-restricted patients",
        sterile_water_allowed=True,
        sterile_water_reason="50 mL bags only, approved by the medical director",
    )
    course = make_course(weighed_patient, allowing)

    # when an order uses it
    order = make_order(course, diluent=Diluent.STERILE_WATER)

    # then it is drafted with a warning carrying the protocol's reason, acknowledged at signing
    warning = next(w for w in order.warnings if w["code"] == STERILE_WATER_CODE)
    assert "50 mL bags only, approved by the medical director" in warning["message"]
    assert warning["field"] == "diluent"
    with pytest.raises(ValidationError) as exc:
        order_sign(order=order, signer=physician, password=DEMO_PASSWORD)
    assert exc.value.message_dict["acknowledge"][0].startswith(WARNINGS_NOT_ACKNOWLEDGED.split("{")[0])
    signed = order_sign(
        order=order, signer=physician, password=DEMO_PASSWORD, acknowledged_warnings=[STERILE_WATER_CODE]
    )
    assert STERILE_WATER_CODE in signed.warnings_acknowledged
    assert signed.drug_mg_added == Decimal("50")

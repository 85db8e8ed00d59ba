"""Fixtures for the treatment tests: the seeded library, a weighed patient, signed courses, orders.

Data is built through the services (protocol_library_seed, course_create/sign, order_create/sign).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.patients.services import measurement_record
from clinic.treatment.models import Diluent, Protocol, StockedProduct
from clinic.treatment.services import (
    course_create,
    course_sign,
    order_create,
    order_sign,
    protocol_library_seed,
)
from conftest import DEMO_PASSWORD


def record_measurement(
    patient, recorded_by, *, weight_kg="70", height_cm="170", days_ago=0,
    confirm_weight_change=False,
):
    return measurement_record(
        patient=patient,
        recorded_by=recorded_by,
        measured_at=timezone.now() - dt.timedelta(days=days_ago),
        weight_kg=Decimal(weight_kg) if weight_kg else None,
        height_cm=Decimal(height_cm) if height_cm else None,
        confirm_weight_change=confirm_weight_change,
    )


def make_candidate(patient, physician):
    """Sign a 'candidate' decision for `patient` through the evaluation services: a submitted intake,
    baseline PHQ-9 and ASQ, then the physician's signed decision (course_requires_candidacy_decision).
    """
    from clinic.evaluation.models import DecisionOutcome, IntakeSource
    from clinic.evaluation.services import candidacy_decision_sign, intake_history_submit
    from clinic.evaluation.tests.conftest import ASQ_NEGATIVE, PHQ9_MODERATE, intake_answers
    from clinic.outcomes.models import ResponseContext
    from clinic.outcomes.services import questionnaire_response_record

    intake_history_submit(
        patient=patient, submitted_by=physician, source=IntakeSource.STAFF, data=intake_answers()
    )
    for code, answers in (("phq9", PHQ9_MODERATE), ("asq", ASQ_NEGATIVE)):
        questionnaire_response_record(
            patient=patient,
            instrument_code=code,
            answers=answers,
            context=ResponseContext.BASELINE,
            entered_by=physician,
            completed_at=timezone.now(),
        )
    return candidacy_decision_sign(
        patient=patient,
        decided_by=physician,
        decision=DecisionOutcome.CANDIDATE,
        reason="Treatment-resistant depression, no contraindication",
        password=DEMO_PASSWORD,
    )


def withdraw_candidacy(patient, physician):
    """Amend the patient's decision in force to "not a candidate" (a signed amendment)."""
    from clinic.evaluation.models import DecisionOutcome
    from clinic.evaluation.selectors import candidacy_decision_current
    from clinic.evaluation.services import candidacy_decision_amend

    return candidacy_decision_amend(
        decision=candidacy_decision_current(patient=patient),
        decided_by=physician,
        new_decision=DecisionOutcome.NOT_CANDIDATE,
        reason="New history of psychosis",
        password=DEMO_PASSWORD,
    )


@pytest.fixture
def physician(staff):
    return staff[Role.PHYSICIAN]


@pytest.fixture
def nurse(staff):
    return staff[Role.NURSE]


@pytest.fixture
def library(clinic, staff):
    protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])
    return {p.code: p for p in Protocol.objects.filter(clinic=clinic)}


@pytest.fixture
def mood_protocol(library):
    return library["mood-induction"]


@pytest.fixture
def pain_protocol(library):
    return library["pain-crps"]


@pytest.fixture
def bag_product(clinic, library):
    """The 50 mg/mL vial (the e2e example: 50 mg in 50 mL total = 1 mg/mL)."""
    return StockedProduct.objects.get(clinic=clinic, concentration_mg_per_ml=Decimal("50"))


@pytest.fixture
def weighed_patient(patient, nurse, physician):
    record_measurement(patient, nurse, weight_kg="70", height_cm="170")
    make_candidate(patient, physician)
    return patient


@pytest.fixture
def make_course(physician):
    def make(patient, protocol, *, sign=True, **kwargs):
        course = course_create(
            patient=patient,
            protocol=protocol,
            created_by=physician,
            indication=kwargs.pop("indication", "Treatment-resistant depression"),
            icd10_code=kwargs.pop("icd10_code", "F33.2"),
            goals=kwargs.pop("goals", "PHQ-9 down by half or more"),
            **kwargs,
        )
        if sign:
            course = course_sign(course=course, signer=physician, password=DEMO_PASSWORD)
        return course

    return make


@pytest.fixture
def mood_course(make_course, weighed_patient, mood_protocol):
    return make_course(weighed_patient, mood_protocol)


MOOD_INPUTS = {
    "dose_per_kg": Decimal("0.5"),
    "duration_min": 40,
    "drug_mg_added": Decimal("50"),
    "diluent": Diluent.NS,
    "diluent_volume_ml": Decimal("49"),
}


@pytest.fixture
def make_order(physician, bag_product):
    def make(course, **overrides):
        fields = {**MOOD_INPUTS, "product": bag_product, **overrides}
        return order_create(course=course, created_by=physician, **fields)

    return make


@pytest.fixture
def draft_order(make_order, mood_course):
    return make_order(mood_course)


@pytest.fixture
def signed_order(draft_order, physician):
    return order_sign(order=draft_order, signer=physician, password=DEMO_PASSWORD)

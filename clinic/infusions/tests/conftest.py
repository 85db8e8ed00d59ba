"""Fixtures for the infusion-day tests, built through the real services: a verified order (treatment:
course signed, order signed by the physician and double-checked by the nurse), a chair, today's
infusion appointment, PHQ-9 and ASQ answered today, a checked-in session, a session ready to start,
a running one and one in recovery."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.infusions.models import InfusionSession
from clinic.infusions.services import (
    infusion_start,
    infusion_stop,
    readiness_check_complete,
    session_check_in,
    vital_record,
)
from clinic.outcomes.models import QuestionnaireResponse
from clinic.outcomes.services import questionnaire_response_record
from clinic.scheduling.models import AppointmentKind, RoomKind
from clinic.scheduling.services import appointment_book, room_create
from clinic.treatment.models import Diluent, StockedProduct
from clinic.treatment.services import (
    course_create,
    course_sign,
    order_create,
    order_sign,
    order_verify,
    protocol_library_seed,
)
from clinic.treatment.tests.conftest import make_candidate, record_measurement
from conftest import DEMO_PASSWORD

MOOD_ORDER = {
    "dose_per_kg": Decimal("0.5"),
    "duration_min": 40,
    "drug_mg_added": Decimal("50"),
    "diluent": Diluent.NS,
    "diluent_volume_ml": Decimal("49"),
}
# 70 kg × 0.5 mg/kg = 35 mg; 50 mg in 50 mL = 1 mg/mL; 35 mL over 40 min = 52.5 mL/h.
ORDER_RATE = Decimal("52.5")


def key() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def physician(staff):
    return staff[Role.PHYSICIAN]


@pytest.fixture
def nurse(staff):
    return staff[Role.NURSE]


@pytest.fixture
def front_desk(staff):
    return staff[Role.FRONT_DESK]


@pytest.fixture
def library(clinic, staff):
    protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])


def make_verified_order(patient, *, physician, nurse, protocol_code="mood-induction", sign=True, verify=True):
    from clinic.treatment.models import Protocol

    clinic = patient.clinic
    if not patient.measurements.exists():
        record_measurement(patient, nurse, weight_kg="70", height_cm="170")
        make_candidate(patient, physician)
        # The evaluation's baseline PHQ-9 and ASQ were answered days before the infusion day.
        QuestionnaireResponse.objects.filter(patient=patient).update(
            completed_at=timezone.now() - dt.timedelta(days=3)
        )
    protocol = Protocol.objects.get(clinic=clinic, code=protocol_code, is_active=True)
    course = course_create(
        patient=patient,
        protocol=protocol,
        created_by=physician,
        indication="Treatment-resistant depression",
        icd10_code="F33.2",
        goals="PHQ-9 down by half or more",
    )
    course = course_sign(course=course, signer=physician, password=DEMO_PASSWORD)
    product = StockedProduct.objects.get(clinic=clinic, concentration_mg_per_ml=Decimal("50"))
    order = order_create(course=course, created_by=physician, product=product, **MOOD_ORDER)
    if sign:
        order = order_sign(order=order, signer=physician, password=DEMO_PASSWORD)
    if verify:
        order = order_verify(
            order=order,
            verifier=nurse,
            password=DEMO_PASSWORD,
            dose_mg=order.dose_mg,
            bag_concentration_mg_per_ml=order.bag_concentration_mg_per_ml,
            rate_ml_h=order.rate_ml_h,
            patient_date_of_birth=patient.date_of_birth,
            identity_confirmed=True,
        )
    return order


def add_verified_order(course, *, physician, nurse, titration_reason="", **changes):
    """The course's next order (MOOD_ORDER with `changes`), signed by the physician and
    double-checked by the nurse."""
    inputs = {**MOOD_ORDER, **changes}
    product = StockedProduct.objects.get(clinic=course.clinic, concentration_mg_per_ml=Decimal("50"))
    order = order_create(
        course=course, created_by=physician, product=product, titration_reason=titration_reason, **inputs
    )
    order = order_sign(
        order=order,
        signer=physician,
        password=DEMO_PASSWORD,
        acknowledged_warnings=[w["code"] for w in order.warnings],
    )
    return order_verify(
        order=order,
        verifier=nurse,
        password=DEMO_PASSWORD,
        dose_mg=order.dose_mg,
        bag_concentration_mg_per_ml=order.bag_concentration_mg_per_ml,
        rate_ml_h=order.rate_ml_h,
        patient_date_of_birth=course.patient.date_of_birth,
        identity_confirmed=True,
    )


def give_infusion(session, *, days_ago=7):
    """Mark a checked-in session as given and discharged on an earlier day (time travel: the
    check-in service only takes today's appointments)."""
    from clinic.infusions.models import SessionStatus

    when = timezone.now() - dt.timedelta(days=days_ago)
    InfusionSession.objects.filter(pk=session.pk).update(
        status=SessionStatus.DISCHARGED,
        checked_in_at=when,
        started_at=when + dt.timedelta(minutes=20),
        stopped_at=when + dt.timedelta(minutes=60),
        discharged_at=when + dt.timedelta(minutes=130),
    )
    session.appointment.__class__.objects.filter(pk=session.appointment_id).update(status="completed")


def third_infusion_day(patient, *, physician, nurse, front_desk, chair):
    """The third visit of a course with verified orders 1, 2 and 3 (3 titrated to 0.75 mg/kg after a
    partial response). The first visit was abandoned before the start (no driver), so order 1 was
    never used; infusion 2 was given with order 2. Returns (today's appointment, [order 1, 2, 3])."""
    from clinic.infusions.services import session_abandon

    first = make_verified_order(patient, physician=physician, nurse=nurse)
    course = first.course
    second = add_verified_order(course, physician=physician, nurse=nurse)
    third = add_verified_order(
        course,
        physician=physician,
        nurse=nurse,
        titration_reason="Partial response",
        dose_per_kg=Decimal("0.75"),  # 52.5 mg: 100 mg in 100 mL, 52.5 mL over 40 min = 78.75 mL/h
        drug_mg_added=Decimal("100"),
        diluent_volume_ml=Decimal("98"),
    )
    visit_one = session_check_in(
        appointment=book_today(patient, booked_by=front_desk), order=first, chair=chair, nurse=nurse
    )
    session_abandon(session=visit_one, abandoned_by=nurse, reason="No driver")
    visit_two = session_check_in(
        appointment=book_today(patient, booked_by=front_desk),
        order=second,
        chair=chair,
        nurse=nurse,
        order_choice_reason="Order 1 was written before the weight taken at the last visit",
    )
    give_infusion(visit_two, days_ago=3)
    return book_today(patient, booked_by=front_desk, room=chair), [first, second, third]


@pytest.fixture
def verified_order(library, patient, physician, nurse):
    return make_verified_order(patient, physician=physician, nurse=nurse)


@pytest.fixture
def make_chair(clinic, staff):
    def make(name="Chair 1", on=None):
        return room_create(clinic=on or clinic, name=name, kind=RoomKind.CHAIR, created_by=staff[Role.ADMIN])

    return make


@pytest.fixture
def chair(make_chair):
    return make_chair()


def book_today(patient, *, booked_by, room=None, kind=AppointmentKind.MOOD_INFUSION):
    now = timezone.now()
    return appointment_book(
        patient=patient,
        kind=kind,
        starts_at=now,
        ends_at=now + dt.timedelta(hours=2),
        booked_by=booked_by,
        room=room,
    )


@pytest.fixture
def appointment(patient, front_desk, chair):
    return book_today(patient, booked_by=front_desk, room=chair)


def answer_today(patient, entered_by, *, phq9_q9=0, asq=None):
    """Today's PHQ-9 and ASQ through the outcomes service (ASQ negative unless given)."""
    questionnaire_response_record(
        patient=patient,
        instrument_code="phq9",
        answers={**{f"q{n}": 1 for n in range(1, 9)}, "q9": phq9_q9},
        context="pre_infusion",
        entered_by=entered_by,
    )
    questionnaire_response_record(
        patient=patient,
        instrument_code="asq",
        answers=asq or {"q1": 0, "q2": 0, "q3": 0, "q4": 0},
        context="pre_infusion",
        entered_by=entered_by,
    )


@pytest.fixture
def session(appointment, verified_order, chair, nurse) -> InfusionSession:
    return session_check_in(appointment=appointment, order=verified_order, chair=chair, nurse=nurse)


def gate_inputs(patient, **overrides):
    now = timezone.now()
    fields = {
        "identity_name_confirmed": True,
        "identity_date_of_birth": patient.date_of_birth,
        "last_solids_at": now - dt.timedelta(hours=8),
        "last_clear_liquids_at": now - dt.timedelta(hours=3),
        "escort_name": "Jordan Example",
        "escort_phone": "(617) 555-0142",
        "escort_confirmed": True,
        "medications_reviewed": True,
        "medication_changes": "",
        "pregnancy_status": "not_pregnant",
        "sbp": 128,
        "dbp": 82,
        "hr": 76,
        "spo2": 98,
        "rr": 14,
    }
    fields.update(overrides)
    return fields


def complete_gate(session, by, **overrides):
    return readiness_check_complete(
        session=session, completed_by=by, submission_key=key(), **gate_inputs(session.patient, **overrides)
    )


@pytest.fixture
def ready_session(session, nurse) -> InfusionSession:
    answer_today(session.patient, nurse)
    check = complete_gate(session, nurse)
    assert check.passed, check.items
    session.refresh_from_db()
    return session


@pytest.fixture
def running_session(ready_session, nurse) -> InfusionSession:
    infusion_start(session=ready_session, started_by=nurse, client_key=key())
    ready_session.refresh_from_db()
    return ready_session


@pytest.fixture
def recovering_session(running_session, nurse) -> InfusionSession:
    infusion_stop(session=running_session, stopped_by=nurse, reason="completed", client_key=key())
    running_session.refresh_from_db()
    return running_session


def vitals(session, by, *, sbp=124, dbp=80, hr=72, spo2=98, rr=14, **extra):
    return vital_record(
        session=session,
        recorded_by=by,
        client_key=extra.pop("client_key", key()),
        sbp=sbp,
        dbp=dbp,
        hr=hr,
        spo2=spo2,
        rr=rr,
        **extra,
    )


def age_recovery(session, minutes=61):
    """Move the recovery start back (time travel for the minimum observation)."""
    InfusionSession.objects.filter(pk=session.pk).update(
        recovery_started_at=timezone.now() - dt.timedelta(minutes=minutes)
    )
    session.refresh_from_db()
    return session

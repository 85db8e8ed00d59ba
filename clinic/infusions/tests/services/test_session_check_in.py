import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.infusions.models import InfusionSession, SessionStatus
from clinic.infusions.selectors import check_in_choice
from clinic.infusions.services import session_abandon, session_check_in
from clinic.infusions.services._common import ONLY_CLINICIANS_CHART, WRONG_CLINIC
from clinic.infusions.services.check_in import (
    ABANDON_AFTER_START,
    ABANDON_REASON_REQUIRED,
    ALREADY_CHECKED_IN,
    APPOINTMENT_NOT_TODAY,
    CHAIR_NOT_A_CHAIR,
    CHAIR_OCCUPIED,
    NEXT_ORDER_NAMED,
    NO_NEXT_ORDER,
    NOT_AN_INFUSION,
    NURSE_NOT_CLINICIAN,
    ORDER_IN_USE,
    ORDER_NOT_NEXT_REASON_REQUIRED,
    ORDER_NOT_VERIFIED,
    ORDER_OTHER_PATIENT,
)
from clinic.infusions.tests.conftest import book_today, make_verified_order, third_infusion_day
from clinic.scheduling.models import AppointmentKind, RoomKind
from clinic.scheduling.services import appointment_book, room_create


def test_check_in_opens_a_session_and_marks_the_appointment(appointment, verified_order, chair, nurse):
    session = session_check_in(appointment=appointment, order=verified_order, chair=chair, nurse=nurse)

    assert session.status == SessionStatus.CHECKED_IN
    assert (session.patient, session.order, session.chair, session.nurse) == (
        appointment.patient,
        verified_order,
        chair,
        nurse,
    )
    appointment.refresh_from_db()
    assert appointment.status == "checked_in"
    assert AuditEvent.objects.filter(
        object_type="infusions.InfusionSession",
        object_id=str(session.pk),
        action=AuditAction.CREATE,
        patient_id=appointment.patient_id,
    ).exists()


def test_a_repeated_submission_returns_the_same_session(appointment, verified_order, chair, nurse):
    submission = uuid.uuid4()
    first = session_check_in(
        appointment=appointment, order=verified_order, chair=chair, nurse=nurse, submission_key=submission
    )
    again = session_check_in(
        appointment=appointment, order=verified_order, chair=chair, nurse=nurse, submission_key=submission
    )
    assert first.pk == again.pk
    assert InfusionSession.objects.count() == 1


def test_an_appointment_is_checked_in_once(session, verified_order, chair, nurse):
    with pytest.raises(ValidationError) as exc:
        session_check_in(appointment=session.appointment, order=verified_order, chair=chair, nurse=nurse)
    assert exc.value.messages == [ALREADY_CHECKED_IN.format(pk=session.pk)]


def test_the_order_must_be_verified_for_this_patient_and_unused(
    library,
    appointment,
    chair,
    nurse,
    physician,
    make_patient,
    clinic,
    front_desk,
    session,
):
    # an order only signed, not double-checked
    unverified = make_verified_order(appointment.patient, physician=physician, nurse=nurse, verify=False)
    other_patient = make_patient(clinic, front_desk)
    foreign = make_verified_order(other_patient, physician=physician, nurse=nurse)
    second = book_today(appointment.patient, booked_by=front_desk)
    chair2 = room_create(clinic=clinic, name="Chair 2", kind=RoomKind.CHAIR, created_by=front_desk)
    for order, message in (
        (unverified, ORDER_NOT_VERIFIED),
        (foreign, ORDER_OTHER_PATIENT),
        (session.order, ORDER_IN_USE.format(pk=session.pk)),
    ):
        with pytest.raises(ValidationError) as exc:
            session_check_in(appointment=second, order=order, chair=chair2, nurse=nurse)
        assert exc.value.message_dict == {"order": [message]}


def test_the_chair_must_be_a_free_chair_of_the_clinic(
    session,
    library,
    physician,
    nurse,
    make_patient,
    clinic,
    other_clinic,
    front_desk,
    staff,
):
    patient = make_patient(clinic, front_desk)
    order = make_verified_order(patient, physician=physician, nurse=nurse)
    appointment = book_today(patient, booked_by=front_desk)
    consult = room_create(clinic=clinic, name="Consult", kind=RoomKind.CONSULT, created_by=front_desk)
    elsewhere = room_create(clinic=other_clinic, name="Chair 9", kind=RoomKind.CHAIR, created_by=front_desk)
    for chair, message in (
        (consult, CHAIR_NOT_A_CHAIR),
        (elsewhere, WRONG_CLINIC),
        (session.chair, CHAIR_OCCUPIED.format(chair=session.chair.name)),
    ):
        with pytest.raises(ValidationError) as exc:
            session_check_in(appointment=appointment, order=order, chair=chair, nurse=nurse)
        assert exc.value.message_dict == {"chair": [message]}


def test_the_responsible_nurse_must_be_a_clinician(appointment, verified_order, chair, nurse, front_desk):
    with pytest.raises(ValidationError) as exc:
        session_check_in(
            appointment=appointment, order=verified_order, chair=chair, nurse=front_desk, checked_in_by=nurse
        )
    assert exc.value.message_dict == {"nurse": [NURSE_NOT_CLINICIAN]}


def test_front_desk_cannot_check_in(appointment, verified_order, chair, nurse, front_desk):
    with pytest.raises(ValidationError) as exc:
        session_check_in(
            appointment=appointment, order=verified_order, chair=chair, nurse=nurse, checked_in_by=front_desk
        )
    assert exc.value.messages == [ONLY_CLINICIANS_CHART]


def test_only_today_s_infusion_appointments(patient, verified_order, chair, nurse, front_desk):
    consultation = book_today(patient, booked_by=front_desk, kind=AppointmentKind.CONSULTATION)
    with pytest.raises(ValidationError) as exc:
        session_check_in(appointment=consultation, order=verified_order, chair=chair, nurse=nurse)
    assert exc.value.messages == [NOT_AN_INFUSION]
    tomorrow = timezone.now() + dt.timedelta(days=2)
    later = appointment_book(
        patient=patient,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=tomorrow,
        ends_at=tomorrow + dt.timedelta(hours=2),
        booked_by=front_desk,
    )
    with pytest.raises(ValidationError) as exc:
        session_check_in(appointment=later, order=verified_order, chair=chair, nurse=nurse)
    assert exc.value.messages == [APPOINTMENT_NOT_TODAY]


def test_abandon_before_the_start_frees_the_order_and_chair(session, nurse):
    with pytest.raises(ValidationError) as exc:
        session_abandon(session=session, abandoned_by=nurse, reason="  ")
    assert exc.value.message_dict == {"reason": [ABANDON_REASON_REQUIRED]}

    session = session_abandon(session=session, abandoned_by=nurse, reason="BP 172/104 twice")

    assert session.status == SessionStatus.ABANDONED
    again = session_check_in(
        appointment=session.appointment, order=session.order, chair=session.chair, nurse=nurse
    )
    assert again.pk != session.pk


def test_no_abandon_after_the_start(running_session, nurse):
    with pytest.raises(ValidationError) as exc:
        session_abandon(session=running_session, abandoned_by=nurse, reason="changed mind")
    assert exc.value.messages == [ABANDON_AFTER_START]


def test_a_nurse_of_another_clinic_cannot_chart(appointment, verified_order, chair, other_clinic, make_user):
    outsider = make_user(Role.NURSE, other_clinic)
    with pytest.raises(ValidationError):
        session_check_in(
            appointment=appointment, order=verified_order, chair=chair, nurse=outsider, checked_in_by=outsider
        )


# --- the right order: the next in sequence, or a reason --------------------------------------------


@pytest.fixture
def third_visit(library, patient, physician, nurse, front_desk, chair):
    return third_infusion_day(patient, physician=physician, nurse=nurse, front_desk=front_desk, chair=chair)


def test_the_next_order_is_the_lowest_unused_verified_one_after_the_last_given(third_visit, patient):
    _, (first, _second, third) = third_visit
    choice = check_in_choice(patient=patient)
    assert choice.next_order == third and choice.last_given_sequence == 2
    assert set(choice.orders) == {first, third}  # order 1 is still offered, but not as the next


def test_a_new_course_starts_with_its_first_order(verified_order, patient):
    choice = check_in_choice(patient=patient)
    assert choice.next_order == verified_order and choice.last_given_sequence is None


def test_choosing_another_order_than_the_next_needs_a_reason(third_visit, chair, nurse):
    appointment, (first, _second, _third) = third_visit
    with pytest.raises(ValidationError) as exc:
        session_check_in(appointment=appointment, order=first, chair=chair, nurse=nurse)
    assert exc.value.message_dict == {
        "order_choice_reason": [
            ORDER_NOT_NEXT_REASON_REQUIRED.format(chosen=1, next=NEXT_ORDER_NAMED.format(sequence=3))
        ]
    }
    assert not InfusionSession.objects.filter(appointment=appointment).exists()

    # with the reason it is checked in; the reason is on the session and in the audit event
    session = session_check_in(
        appointment=appointment,
        order=first,
        chair=chair,
        nurse=nurse,
        order_choice_reason="  Physician asked to repeat the first dose (nausea at 0.75 mg/kg)  ",
    )
    assert session.order_choice_reason == "Physician asked to repeat the first dose (nausea at 0.75 mg/kg)"
    event = AuditEvent.objects.get(
        object_type="infusions.InfusionSession", object_id=str(session.pk), action=AuditAction.CREATE
    )
    assert event.changes["extra"]["order_choice_reason"] == session.order_choice_reason
    assert event.changes["extra"]["next_sequence"] == 3 and event.changes["extra"]["order_sequence"] == 1
    assert "not the next in sequence" in event.summary


def test_the_next_order_needs_no_reason_and_keeps_none(third_visit, chair, nurse):
    appointment, (_first, _second, third) = third_visit
    session = session_check_in(
        appointment=appointment, order=third, chair=chair, nurse=nurse, order_choice_reason="not needed"
    )
    assert session.order == third and session.order_choice_reason == ""


def test_without_a_verified_next_order_any_order_needs_a_reason(
    library, patient, physician, nurse, front_desk, chair
):
    from clinic.infusions.tests.conftest import give_infusion

    first = make_verified_order(patient, physician=physician, nurse=nurse)
    given = session_check_in(
        appointment=book_today(patient, booked_by=front_desk), order=first, chair=chair, nurse=nurse
    )
    give_infusion(given)
    # a stale verified order of an older course is all there is: infusion 2 is not written yet
    stale = make_verified_order(patient, physician=physician, nurse=nurse)
    stale.course.status = "stopped"
    stale.course.save(update_fields=["status"])
    appointment = book_today(patient, booked_by=front_desk, room=chair)
    assert check_in_choice(patient=patient).next_order is None
    with pytest.raises(ValidationError) as exc:
        session_check_in(appointment=appointment, order=stale, chair=chair, nurse=nurse)
    assert exc.value.message_dict["order_choice_reason"] == [
        ORDER_NOT_NEXT_REASON_REQUIRED.format(chosen=1, next=NO_NEXT_ORDER)
    ]

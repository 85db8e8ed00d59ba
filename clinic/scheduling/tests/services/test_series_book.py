"""series_propose and series_book: the whole series at once, re-checked under the chair lock."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.scheduling.models import Appointment, AppointmentKind, AppointmentSeries, SeriesStatus
from clinic.scheduling.planner import NURSES_NOT_CHECKED, SLOT_CHAIR_TAKEN, SLOT_NURSES, Slot
from clinic.scheduling.services import (
    COURSE_HAS_SERIES,
    COURSE_NOT_BOOKABLE,
    COURSE_OTHER_PATIENT,
    SERIES_COUNT_RANGE,
    SERIES_EMPTY,
    START_DATE_PAST,
    appointment_book,
    appointment_types_seed,
    series_book,
    series_propose,
)


@pytest.fixture
def desk(staff):
    return staff[Role.FRONT_DESK]


@pytest.fixture
def proposed(patient, mood_course, chairs, next_monday, put_on_duty):
    put_on_duty(next_monday, 21)
    return series_propose(
        patient=patient,
        course=mood_course,
        start_date=next_monday,
        preferred_weekdays={0, 2, 4},
        preferred_times=[dt.time(9)],
    )


def local(moment, clinic):
    return moment.astimezone(clinic.tzinfo)


def test_the_proposal_uses_the_course_protocol(clinic, proposed, next_monday):
    # given the mood protocol: 6 infusions, 21 days, 44 h apart, 120 min in the chair, 40 min infusion
    params = proposed.parameters
    assert (params.count, params.window_days, params.min_gap_hours, params.chair_minutes) == (6, 21, 44, 120)
    assert params.kind == AppointmentKind.MOOD_INFUSION
    assert params.active_minutes == 55  # 15 min readiness check + 40 min infusion
    # then six visits Mon/Wed/Fri at 09:00 in one chair
    slots = proposed.proposal.slots
    assert [local(s.start, clinic).strftime("%a %H:%M") for s in slots] == [
        "Mon 09:00",
        "Wed 09:00",
        "Fri 09:00",
    ] * 2
    assert local(slots[0].start, clinic).date() == next_monday
    assert proposed.proposal.problems == []


def test_book_creates_the_series_and_its_visits_atomically_and_audited(
    clinic, patient, mood_course, proposed, desk
):
    # given the clinic's standard visit types
    appointment_types_seed(clinic=clinic, seeded_by=desk)
    # when
    series = series_book(
        patient=patient,
        course=mood_course,
        slots=proposed.proposal.slots,
        booked_by=desk,
        submission_key=uuid.uuid4(),
    )
    # then
    assert series.status == SeriesStatus.ACTIVE and series.course == mood_course
    assert (series.min_gap_hours, series.window_days) == (44, 21)
    visits = list(series.appointments.order_by("sequence"))
    assert [v.sequence for v in visits] == [1, 2, 3, 4, 5, 6]
    assert [(v.starts_at, v.ends_at, v.room_id) for v in visits] == [
        tuple(s) for s in proposed.proposal.slots
    ]
    assert all(v.kind == AppointmentKind.MOOD_INFUSION and v.active_minutes == 55 for v in visits)
    assert all(v.appointment_type.name == "Mood infusion" for v in visits)
    events = AuditEvent.objects.filter(patient_id=patient.pk, action=AuditAction.CREATE)
    assert events.filter(
        object_type="scheduling.AppointmentSeries", summary="Series of 6 visits booked"
    ).exists()
    assert events.filter(object_type="scheduling.Appointment").count() == 6


def test_a_double_submit_books_once(patient, mood_course, proposed, desk):
    key = uuid.uuid4()
    first = series_book(
        patient=patient, course=mood_course, slots=proposed.proposal.slots, booked_by=desk, submission_key=key
    )
    again = series_book(
        patient=patient, course=mood_course, slots=proposed.proposal.slots, booked_by=desk, submission_key=key
    )
    assert first == again
    assert AppointmentSeries.objects.count() == 1 and Appointment.objects.count() == 6


def test_a_slot_taken_meanwhile_fails_the_whole_series(
    clinic, patient, mood_course, proposed, desk, make_patient, chairs
):
    # given another desk books chair 1 at the time of visit 4 after the proposal was made
    slots = proposed.proposal.slots
    other = make_patient(clinic, desk)
    appointment_book(
        patient=other,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=slots[3].start,
        ends_at=slots[3].end,
        booked_by=desk,
        room=chairs[0],
    )
    # when the series is booked, then nothing of it is saved
    with pytest.raises(ValidationError) as exc:
        series_book(patient=patient, course=mood_course, slots=slots, booked_by=desk)
    when = local(slots[3].start, clinic).strftime("%a %d %b %H:%M")
    assert exc.value.message_dict == {"slots": [SLOT_CHAIR_TAKEN.format(n=4, when=when, chair="Chair 1")]}
    assert not AppointmentSeries.objects.exists()
    assert Appointment.objects.filter(patient=patient).count() == 0


def test_the_nurse_ratio_is_rechecked_at_booking(
    clinic, patient, mood_course, chairs, next_monday, put_on_duty, make_patient, desk, at
):
    # given one nurse (ratio 2) and two infusions already running at 09:00 on Monday
    put_on_duty(next_monday, 1)
    start = at(next_monday, "09:00")
    for chair in chairs[:2]:
        appointment_book(
            patient=make_patient(clinic, desk),
            kind=AppointmentKind.MOOD_INFUSION,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=120),
            booked_by=desk,
            room=chair,
            active_minutes=55,
        )
    # when a third infusion is booked in chair 3 at 09:00, then it is refused
    with pytest.raises(ValidationError) as exc:
        series_book(
            patient=patient,
            course=mood_course,
            booked_by=desk,
            slots=[Slot(start, start + dt.timedelta(minutes=120), chairs[2].pk)],
        )
    when = local(start, clinic).strftime("%a %d %b %H:%M")
    assert exc.value.message_dict["slots"] == [SLOT_NURSES.format(n=1, when=when, nurses=1, ratio=2)]


def test_a_course_gets_one_active_series(patient, mood_course, proposed, desk):
    series = series_book(
        patient=patient, course=mood_course, slots=proposed.proposal.slots[:1], booked_by=desk
    )
    with pytest.raises(ValidationError) as exc:
        series_book(patient=patient, course=mood_course, slots=proposed.proposal.slots[2:3], booked_by=desk)
    assert exc.value.message_dict == {"course": [COURSE_HAS_SERIES.format(id=series.pk)]}


def test_refusals_course_of_another_patient_a_draft_course_and_no_slots(
    clinic, patient, make_patient, make_signed_course, mood_course, desk, staff, next_monday, chairs
):
    other = make_patient(clinic, desk)
    with pytest.raises(ValidationError) as exc:
        series_propose(patient=other, course=mood_course, start_date=next_monday)
    assert exc.value.message_dict == {"course": [COURSE_OTHER_PATIENT]}
    from clinic.treatment.services import course_create

    draft = course_create(
        patient=other, protocol=mood_course.protocol, created_by=staff[Role.PHYSICIAN], indication="TRD",
        goals="PHQ-9 response",
    )
    with pytest.raises(ValidationError) as exc:
        series_book(patient=other, course=draft, slots=[], booked_by=desk)
    assert exc.value.message_dict == {"course": [COURSE_NOT_BOOKABLE.format(status="draft")]}
    with pytest.raises(ValidationError) as exc:
        series_book(patient=patient, course=mood_course, slots=[], booked_by=desk)
    assert exc.value.message_dict == {"slots": [SERIES_EMPTY]}
    with pytest.raises(ValidationError) as exc:
        series_propose(patient=patient, course=mood_course, start_date=next_monday, count=31)
    assert exc.value.message_dict == {"count": [SERIES_COUNT_RANGE]}
    with pytest.raises(ValidationError) as exc:
        series_propose(patient=patient, course=mood_course, start_date=dt.date(2020, 1, 1))
    assert exc.value.message_dict == {"start_date": [START_DATE_PAST]}


def test_without_shifts_the_proposal_says_the_ratio_was_not_checked(
    patient, mood_course, chairs, next_monday
):
    result = series_propose(patient=patient, course=mood_course, start_date=next_monday, count=2)
    assert len(result.proposal.slots) == 2
    assert NURSES_NOT_CHECKED in result.proposal.problems


def test_a_series_without_a_course_uses_the_visit_type(
    clinic, patient, chairs, next_monday, desk, put_on_duty
):
    pain = next(
        t
        for t in appointment_types_seed(clinic=clinic, seeded_by=desk)
        if t.kind == AppointmentKind.PAIN_INFUSION
    )
    put_on_duty(next_monday, 14)
    result = series_propose(
        patient=patient,
        appointment_type=pain,
        start_date=next_monday,
        count=3,
        min_gap_hours=20,
        preferred_weekdays=set(),
    )
    assert result.parameters.chair_minutes == 300 and result.parameters.active_minutes == 255
    assert all(s.end - s.start == dt.timedelta(minutes=300) for s in result.proposal.slots)
    series = series_book(
        patient=patient,
        course=None,
        appointment_type=pain,
        slots=result.proposal.slots,
        booked_by=desk,
        min_gap_hours=20,
    )
    assert series.kind == AppointmentKind.PAIN_INFUSION and series.min_gap_hours == 20

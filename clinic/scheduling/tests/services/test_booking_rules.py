"""Bookings that can happen: clinic hours, closures and clinician availability, enforced by the
booking services for every kind of visit, at booking and at rescheduling; and the next free times."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.roles import Role
from clinic.scheduling.availability import (
    CLINIC_CLOSED_ON,
    CLINICIAN_BUSY,
    CLINICIAN_NO_SHIFT,
    CLINICIAN_OFF_SHIFT,
    OUTSIDE_HOURS_ON,
)
from clinic.scheduling.models import Appointment, AppointmentKind, RoomKind
from clinic.scheduling.selectors import next_free_slots
from clinic.scheduling.services import (
    appointment_book,
    appointment_reschedule,
    clinic_closure_add,
    clinic_hours_set,
    consultation_book,
    room_create,
    series_move,
    staff_shift_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(staff):
    return staff[Role.FRONT_DESK]


@pytest.fixture
def physician(staff):
    return staff[Role.PHYSICIAN]


@pytest.fixture
def monday(next_monday):
    return next_monday


def label(day: dt.date) -> str:
    return day.strftime("%a %d %b")


def refused(**kwargs) -> dict:
    with pytest.raises(ValidationError) as exc:
        consultation_book(**kwargs)
    return exc.value.message_dict


def test_the_issue_a_consultation_on_a_sunday_is_refused(patient, desk, physician, consult_room, monday, at):
    sunday = monday + dt.timedelta(days=6)
    assert refused(
        patient=patient, starts_at=at(sunday, "10:00"), booked_by=desk, room=consult_room, clinician=physician
    ) == {"starts_at": [CLINIC_CLOSED_ON.format(day=label(sunday))]}
    assert not Appointment.objects.exists()


def test_the_issue_a_consultation_at_22_00_after_an_18_00_close_is_refused(patient, desk, monday, at):
    assert refused(patient=patient, starts_at=at(monday, "22:00"), booked_by=desk) == {
        "starts_at": [
            OUTSIDE_HOURS_ON.format(
                day=label(monday), opens="08:00", closes="18:00", start="22:00", end="23:00"
            )
        ]
    }


def test_the_clinics_own_hours_and_closed_dates_apply(clinic, staff, patient, desk, monday, at):
    clinic_hours_set(
        clinic=clinic,
        weekday=5,
        is_closed=False,
        opens=dt.time(9),
        closes=dt.time(13),
        changed_by=staff[Role.ADMIN],
    )
    saturday = monday + dt.timedelta(days=5)
    assert consultation_book(patient=patient, starts_at=at(saturday, "10:00"), booked_by=desk)
    clinic_closure_add(clinic=clinic, date=monday, reason="Staff training", added_by=staff[Role.ADMIN])
    assert refused(patient=patient, starts_at=at(monday, "10:00"), booked_by=desk) == {
        "starts_at": [CLINIC_CLOSED_ON.format(day=label(monday))]
    }


def test_the_issue_a_physician_booked_twice_at_overlapping_times_is_refused(
    clinic, patient, make_patient, desk, physician, consult_room, monday, at
):
    second_room = room_create(clinic=clinic, name="Consult 2", kind=RoomKind.CONSULT, created_by=None)
    consultation_book(patient=patient, starts_at=at(monday, "10:00"), booked_by=desk, clinician=physician)
    other = make_patient(clinic, desk)
    # another patient, another room, the same physician at 10:30
    assert refused(
        patient=other, starts_at=at(monday, "10:30"), booked_by=desk, room=second_room, clinician=physician
    ) == {"clinician": [CLINICIAN_BUSY.format(name=physician.signature_name, start="10:00", end="11:00")]}
    # right after is fine
    assert consultation_book(
        patient=other, starts_at=at(monday, "11:00"), booked_by=desk, room=second_room, clinician=physician
    )


def test_with_a_physician_roster_the_physician_must_be_on_shift(
    clinic, staff, patient, make_user, desk, physician, monday, at
):
    # given the clinic keeps a physician roster on Monday: Dr. A 08:00–12:00, a colleague all day
    colleague = make_user(Role.PHYSICIAN, clinic, credentials="MD")
    staff_shift_create(
        clinic=clinic,
        user=physician,
        starts_at=at(monday, "08:00"),
        ends_at=at(monday, "12:00"),
        created_by=desk,
    )
    staff_shift_create(
        clinic=clinic,
        user=colleague,
        starts_at=at(monday, "08:00"),
        ends_at=at(monday, "18:00"),
        created_by=desk,
    )
    name = physician.signature_name
    # then Dr. A is bookable in the morning, not at 11:30 (the visit would run past 12:00)
    assert consultation_book(
        patient=patient, starts_at=at(monday, "09:00"), booked_by=desk, clinician=physician
    )
    assert refused(patient=patient, starts_at=at(monday, "11:30"), booked_by=desk, clinician=physician) == {
        "clinician": [CLINICIAN_OFF_SHIFT.format(name=name, day=label(monday), shifts="08:00–12:00")]
    }
    # and on Tuesday, with no shift of Dr. A while a physician roster is kept, not at all
    tuesday = monday + dt.timedelta(days=1)
    staff_shift_create(
        clinic=clinic,
        user=colleague,
        starts_at=at(tuesday, "08:00"),
        ends_at=at(tuesday, "18:00"),
        created_by=desk,
    )
    assert refused(patient=patient, starts_at=at(tuesday, "09:00"), booked_by=desk, clinician=physician) == {
        "clinician": [CLINICIAN_NO_SHIFT.format(name=name, day=label(tuesday))]
    }
    # on Wednesday no physician shift is recorded: the roster is not kept that day, so not checked
    wednesday = monday + dt.timedelta(days=2)
    assert consultation_book(
        patient=patient, starts_at=at(wednesday, "09:00"), booked_by=desk, clinician=physician
    )


def test_nurse_shifts_do_not_make_a_physician_roster(patient, desk, physician, put_on_duty, monday, at):
    put_on_duty(monday, 1)  # nurses only
    assert consultation_book(
        patient=patient, starts_at=at(monday, "15:00"), booked_by=desk, clinician=physician
    )


def test_rescheduling_a_consultation_follows_the_same_rules(
    clinic, patient, make_patient, desk, physician, consult_room, monday, at
):
    visit = consultation_book(
        patient=patient, starts_at=at(monday, "09:00"), booked_by=desk, clinician=physician
    )
    consultation_book(
        patient=make_patient(clinic, desk), starts_at=at(monday, "14:00"), booked_by=desk, clinician=physician
    )
    sunday = monday + dt.timedelta(days=6)

    def move(when):
        with pytest.raises(ValidationError) as exc:
            appointment_reschedule(
                appointment=visit, starts_at=when, room=None, moved_by=desk, reason="Asked"
            )
        return exc.value.message_dict

    assert move(at(sunday, "10:00")) == {"starts_at": [CLINIC_CLOSED_ON.format(day=label(sunday))]}
    assert move(at(monday, "19:00"))["starts_at"][0].startswith(
        f"On {label(monday)} the clinic is open 08:00–18:00"
    )
    assert move(at(monday, "14:30")) == {
        "clinician": [CLINICIAN_BUSY.format(name=physician.signature_name, start="14:00", end="15:00")]
    }
    # its own old time does not count against it
    moved = appointment_reschedule(
        appointment=visit, starts_at=at(monday, "09:30"), room=None, moved_by=desk, reason="Asked"
    )
    assert moved.starts_at == at(monday, "09:30")


def test_an_infusion_visit_cannot_be_moved_onto_its_nurses_one_to_one_visit(
    clinic, patient, make_patient, desk, staff, chairs, monday, at
):
    nurse = staff[Role.NURSE]
    infusion = appointment_book(
        patient=patient,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=at(monday, "09:00"),
        ends_at=at(monday, "11:00"),
        booked_by=desk,
        room=chairs[0],
        clinician=nurse,
    )
    # a second chair visit with the same nurse at the same time is fine (nurses watch several chairs)
    appointment_book(
        patient=make_patient(clinic, desk),
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=at(monday, "09:00"),
        ends_at=at(monday, "11:00"),
        booked_by=desk,
        room=chairs[1],
        clinician=nurse,
    )
    # a one-to-one visit of the nurse (no chair) in the afternoon
    appointment_book(
        patient=make_patient(clinic, desk),
        kind=AppointmentKind.CONSULTATION,
        starts_at=at(monday, "14:00"),
        ends_at=at(monday, "15:00"),
        booked_by=desk,
        clinician=nurse,
    )
    with pytest.raises(ValidationError) as exc:
        appointment_reschedule(
            appointment=infusion, starts_at=at(monday, "13:30"), room=chairs[0], moved_by=desk, reason="Later"
        )
    assert exc.value.message_dict == {
        "clinician": [CLINICIAN_BUSY.format(name=nurse.signature_name, start="14:00", end="15:00")]
    }


def test_the_low_level_write_refuses_a_clinician_seeing_someone_one_to_one(
    clinic, patient, make_patient, desk, physician, monday, at
):
    appointment_book(
        patient=patient,
        kind=AppointmentKind.CONSULTATION,
        starts_at=at(monday, "09:00"),
        ends_at=at(monday, "10:00"),
        booked_by=desk,
        clinician=physician,
    )
    with pytest.raises(ValidationError) as exc:
        appointment_book(
            patient=make_patient(clinic, desk),
            kind=AppointmentKind.CONSULTATION,
            starts_at=at(monday, "09:30"),
            ends_at=at(monday, "10:30"),
            booked_by=desk,
            clinician=physician,
        )
    assert exc.value.message_dict == {
        "clinician": [CLINICIAN_BUSY.format(name=physician.signature_name, start="09:00", end="10:00")]
    }


def test_moving_a_series_checks_its_visits_clinicians(
    clinic, patient, make_patient, desk, staff, mood_course, chairs, put_on_duty, monday, at
):
    from clinic.scheduling.services import series_book, series_propose

    put_on_duty(monday, 35)
    proposal = series_propose(
        patient=patient,
        course=mood_course,
        start_date=monday,
        preferred_weekdays={0, 2, 4},
        preferred_times=[dt.time(9)],
    ).proposal
    series = series_book(patient=patient, course=mood_course, slots=proposal.slots, booked_by=desk)
    nurse = staff[Role.NURSE]
    first = Appointment.objects.filter(series=series).order_by("sequence").first()
    Appointment.objects.filter(pk=first.pk).update(clinician=nurse)
    appointment_book(
        patient=make_patient(clinic, desk),
        kind=AppointmentKind.CONSULTATION,
        starts_at=at(monday + dt.timedelta(days=7), "09:30"),
        ends_at=at(monday + dt.timedelta(days=7), "10:00"),
        booked_by=desk,
        clinician=nurse,
    )
    with pytest.raises(ValidationError) as exc:
        series_move(series=series, moved_by=desk, reason="Holiday", shift_by=dt.timedelta(days=7))
    busy = CLINICIAN_BUSY.format(name=nurse.signature_name, start="09:30", end="10:00")
    assert any(message.endswith(busy) and message.startswith("Visit 1 (") for message in exc.value.messages)


# --- the next free times ---------------------------------------------------------------------------


def test_next_free_times_skip_the_night_the_weekend_and_the_physicians_visits(
    clinic, patient, make_patient, desk, physician, consult_room, monday, at
):
    friday = monday + dt.timedelta(days=4)
    next_monday = monday + dt.timedelta(days=7)
    consultation_book(
        patient=make_patient(clinic, desk),
        starts_at=at(next_monday, "08:00"),
        booked_by=desk,
        room=consult_room,
        clinician=physician,
    )
    slots = next_free_slots(
        clinic=clinic,
        length_minutes=60,
        room_kind=RoomKind.CONSULT,
        after=at(friday, "22:00"),
        clinician=physician,
        patient=patient,
        count=3,
        now=at(monday, "08:00"),
    )
    assert [(s.start, s.room_id, s.label) for s in slots] == [
        (at(next_monday, "09:00"), consult_room.pk, f"{label(next_monday)} 09:00 · Consult 1"),
        (at(next_monday, "09:15"), consult_room.pk, f"{label(next_monday)} 09:15 · Consult 1"),
        (at(next_monday, "09:30"), consult_room.pk, f"{label(next_monday)} 09:30 · Consult 1"),
    ]
    assert slots[0].value == f"{next_monday.isoformat()}T09:00|{consult_room.pk}"
    # every offered time books
    for slot in slots[:1]:
        consultation_book(
            patient=patient, starts_at=slot.start, booked_by=desk, room=consult_room, clinician=physician
        )


def test_next_free_times_never_start_in_the_past(clinic, monday, at):
    now = at(monday, "10:07")
    slots = next_free_slots(
        clinic=clinic,
        length_minutes=60,
        room_kind=RoomKind.CONSULT,
        after=at(monday, "06:00"),
        now=now,
        count=1,
    )
    assert slots[0].start == at(monday, "10:15")


def test_next_free_times_read_a_fixed_number_of_queries(
    clinic, make_patient, desk, physician, consult_room, monday, at, django_assert_max_num_queries
):
    for n in range(8):
        consultation_book(
            patient=make_patient(clinic, desk),
            starts_at=at(monday, "08:00") + dt.timedelta(hours=n),
            booked_by=desk,
            room=consult_room,
            clinician=physician,
        )
    with django_assert_max_num_queries(12):
        slots = next_free_slots(
            clinic=clinic,
            length_minutes=60,
            room_kind=RoomKind.CONSULT,
            after=at(monday, "08:00"),
            clinician=physician,
            now=at(monday, "07:00"),
        )
    assert len(slots) == 5

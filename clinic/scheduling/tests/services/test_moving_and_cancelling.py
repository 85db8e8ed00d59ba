"""series_move, appointment_reschedule, appointment_cancel, series_cancel: reasons, the past, re-checks."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.scheduling.models import Appointment, AppointmentKind, AppointmentStatus, SeriesStatus
from clinic.scheduling.planner import SLOT_CLOSED
from clinic.scheduling.services import (
    GAP_TOO_SHORT,
    MOVE_NO_CHAIR,
    MOVE_NOTHING,
    MOVE_ONE_OF,
    NOT_CHANGEABLE,
    OUTSIDE_HOURS,
    PAST_CANNOT_CHANGE,
    REASON_REQUIRED,
    ROOM_TAKEN,
    ROOM_WRONG_KIND,
    SERIES_NOT_ACTIVE,
    STARTS_IN_PAST,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    consultation_book,
    series_book,
    series_cancel,
    series_move,
    series_propose,
)


@pytest.fixture
def desk(staff):
    return staff[Role.FRONT_DESK]


@pytest.fixture
def series(patient, mood_course, chairs, next_monday, put_on_duty, desk):
    """Six visits Mon/Wed/Fri 09:00 over two weeks in chair 1; nurses on duty for five weeks."""
    put_on_duty(next_monday, 35)
    proposal = series_propose(
        patient=patient,
        course=mood_course,
        start_date=next_monday,
        preferred_weekdays={0, 2, 4},
        preferred_times=[dt.time(9)],
    ).proposal
    return series_book(patient=patient, course=mood_course, slots=proposal.slots, booked_by=desk)


def visits(series):
    return list(Appointment.objects.filter(series=series).order_by("sequence"))


def local(moment, clinic):
    return moment.astimezone(clinic.tzinfo).strftime("%a %d %b %H:%M")


def test_move_every_remaining_visit_by_a_week_keeps_times_and_spacing(clinic, series, desk):
    before = visits(series)
    # given visit 2 is over (the move happens on the Wednesday afternoon)
    now = before[1].ends_at + dt.timedelta(hours=1)
    # when
    series_move(series=series, moved_by=desk, reason="Patient away", shift_by=dt.timedelta(days=7), now=now)
    # then visits 1-2 stay, 3-6 move one week later at the same local time
    after = visits(series)
    assert [a.starts_at for a in after[:2]] == [b.starts_at for b in before[:2]]
    for old, new in zip(before[2:], after[2:], strict=True):
        assert (
            new.starts_at.astimezone(clinic.tzinfo).time() == old.starts_at.astimezone(clinic.tzinfo).time()
        )
        assert new.starts_at.astimezone(clinic.tzinfo).date() - old.starts_at.astimezone(
            clinic.tzinfo
        ).date() == dt.timedelta(days=7)
        assert new.room_id == old.room_id
    summaries = set(AuditEvent.objects.filter(patient_id=series.patient_id).values_list("summary", flat=True))
    assert "Series moved (4 visits)" in summaries
    moved = AuditEvent.objects.filter(
        object_type="scheduling.Appointment", summary__startswith="Series visit 3"
    )
    assert moved.get().changes["extra"] == {"reason": "Patient away"}


def test_move_to_a_new_first_start_keeps_the_distances(clinic, series, desk, at):
    before = visits(series)
    new_first = at(before[0].starts_at.astimezone(clinic.tzinfo).date() + dt.timedelta(days=7), "10:30")
    series_move(series=series, moved_by=desk, reason="A week later, mid-morning", new_first_start=new_first)
    after = visits(series)
    assert after[0].starts_at == new_first
    assert [local(a.starts_at, clinic)[:3] for a in after] == ["Mon", "Wed", "Fri"] * 2
    assert {local(a.starts_at, clinic)[-5:] for a in after} == {"10:30"}


def test_a_move_that_does_not_fit_moves_nothing(clinic, series, desk):
    before = visits(series)
    # one day later puts visit 3 (Friday) on a Saturday: closed by default
    with pytest.raises(ValidationError) as exc:
        series_move(series=series, moved_by=desk, reason="Try", shift_by=dt.timedelta(days=1))
    saturdays = [v.starts_at + dt.timedelta(days=1) for v in (before[2], before[5])]
    assert exc.value.message_dict["shift"] == [
        SLOT_CLOSED.format(n=n, when=moment.astimezone(clinic.tzinfo).strftime("%a %d %b %H:%M"))
        for n, moment in zip((3, 6), saturdays, strict=True)
    ]
    assert [v.starts_at for v in visits(series)] == [v.starts_at for v in before]


def test_a_move_takes_another_chair_when_its_own_is_taken_or_fails_when_none_is_free(
    clinic, series, desk, chairs, make_patient
):
    before = visits(series)
    target = before[5].starts_at + dt.timedelta(days=7)
    other = make_patient(clinic, desk)
    appointment_book(
        patient=other,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=target,
        ends_at=target + dt.timedelta(hours=2),
        booked_by=desk,
        room=chairs[0],
    )
    series_move(series=series, moved_by=desk, reason="A week later", shift_by=dt.timedelta(days=7))
    after = visits(series)
    assert after[5].room_id == chairs[1].pk and after[4].room_id == chairs[0].pk
    # now fill every chair a week later still
    target = after[5].starts_at + dt.timedelta(days=7)
    for chair in chairs:
        appointment_book(
            patient=make_patient(clinic, desk),
            kind=AppointmentKind.MOOD_INFUSION,
            starts_at=target,
            ends_at=target + dt.timedelta(hours=2),
            booked_by=desk,
            room=chair,
        )
    with pytest.raises(ValidationError) as exc:
        series_move(series=series, moved_by=desk, reason="Again", shift_by=dt.timedelta(days=7))
    when = target.astimezone(clinic.tzinfo).strftime("%a %d %b %Y %H:%M")
    assert exc.value.message_dict["shift"] == [MOVE_NO_CHAIR.format(n=6, when=when)]


def test_moving_earlier_too_close_to_a_visit_already_given_is_refused(clinic, series, desk):
    before = visits(series)
    now = before[1].ends_at + dt.timedelta(hours=1)
    # visit 3 (Friday) a day earlier would be 24 h after visit 2
    with pytest.raises(ValidationError) as exc:
        series_move(series=series, moved_by=desk, reason="Sooner", shift_by=dt.timedelta(days=-1), now=now)
    assert GAP_TOO_SHORT.format(gap=44, hours="24", n=2) in exc.value.message_dict["shift"]


def test_move_refusals(series, desk):
    with pytest.raises(ValidationError) as exc:
        series_move(series=series, moved_by=desk, reason=" ", shift_by=dt.timedelta(days=7))
    assert exc.value.message_dict == {"reason": [REASON_REQUIRED]}
    with pytest.raises(ValidationError, match=MOVE_NOTHING):
        series_move(series=series, moved_by=desk, reason="x")
    with pytest.raises(ValidationError, match=MOVE_ONE_OF):
        series_move(
            series=series,
            moved_by=desk,
            reason="x",
            shift_by=dt.timedelta(days=1),
            new_first_start=visits(series)[0].starts_at,
        )


def test_reschedule_one_visit_to_another_chair_and_time(clinic, series, desk, chairs, at):
    visit = visits(series)[1]
    day = visit.starts_at.astimezone(clinic.tzinfo).date()
    moved = appointment_reschedule(
        appointment=visit,
        starts_at=at(day, "13:00"),
        room=chairs[2],
        moved_by=desk,
        reason="Afternoon suits better",
    )
    assert moved.starts_at == at(day, "13:00") and moved.ends_at == at(day, "15:00")
    assert moved.room == chairs[2]
    event = AuditEvent.objects.get(
        object_type="scheduling.Appointment",
        object_id=str(visit.pk),
        summary__startswith="Mood infusion moved",
    )
    assert event.patient_id == series.patient_id
    assert event.changes["extra"] == {"reason": "Afternoon suits better"}
    assert set(event.changes["diff"]) == {"starts_at", "ends_at", "room_id"}


def test_reschedule_refusals(clinic, series, desk, chairs, consult_room, at, make_patient):
    first, second = visits(series)[:2]
    day = second.starts_at.astimezone(clinic.tzinfo).date()

    def refused(**kw):
        args = {
            "appointment": second,
            "starts_at": at(day, "13:00"),
            "room": chairs[0],
            "moved_by": desk,
            "reason": "r",
        }
        with pytest.raises(ValidationError) as exc:
            appointment_reschedule(**{**args, **kw})
        return exc.value

    assert refused(reason="").message_dict == {"reason": [REASON_REQUIRED]}
    assert refused(now=second.starts_at + dt.timedelta(minutes=1)).messages == [PAST_CANNOT_CHANGE]
    assert refused(starts_at=at(day, "13:00") - dt.timedelta(days=400)).message_dict == {
        "starts_at": [STARTS_IN_PAST]
    }
    assert (
        refused(starts_at=at(day, "17:00"))
        .message_dict["starts_at"][0]
        .startswith("The visit is not wholly inside opening hours")
    )
    assert refused(room=consult_room).message_dict == {
        "room": [ROOM_WRONG_KIND.format(kind="an infusion chair")]
    }
    # a day earlier is 24 h after visit 1: the series' minimum gap applies
    earlier = at(day - dt.timedelta(days=1), "09:00")
    assert refused(starts_at=earlier).message_dict == {
        "starts_at": [GAP_TOO_SHORT.format(gap=44, hours="24", n=1)]
    }
    other = make_patient(clinic, desk)
    appointment_book(
        patient=other,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=at(day, "13:00"),
        ends_at=at(day, "14:00"),
        booked_by=desk,
        room=chairs[0],
    )
    assert refused().message_dict["starts_at"] == ["Chair 1 is already booked then."]
    appointment_cancel(appointment=first, cancelled_by=desk, reason="Unwell")
    with pytest.raises(ValidationError) as exc:
        appointment_reschedule(
            appointment=first, starts_at=at(day, "13:00"), room=chairs[1], moved_by=desk, reason="r"
        )
    assert exc.value.messages == [NOT_CHANGEABLE.format(status="cancelled")]


def test_reschedule_a_consultation_checks_room_and_hours(
    clinic, patient, staff, consult_room, at, next_open_day, make_patient, desk
):
    day = next_open_day + dt.timedelta(days=(7 - next_open_day.weekday()) % 7)  # a Monday
    consult = consultation_book(
        patient=patient, starts_at=at(day, "09:00"), booked_by=desk, room=consult_room
    )
    other = consultation_book(
        patient=make_patient(clinic, desk), starts_at=at(day, "11:00"), booked_by=desk, room=consult_room
    )
    with pytest.raises(ValidationError) as exc:
        appointment_reschedule(
            appointment=consult, starts_at=at(day, "11:30"), room=consult_room, moved_by=desk, reason="r"
        )
    taken = ROOM_TAKEN.format(room="Consult 1", start="11:00", end="12:00")
    assert exc.value.message_dict == {"room": [taken]}
    assert other.starts_at == at(day, "11:00")
    with pytest.raises(ValidationError) as exc:
        appointment_reschedule(
            appointment=consult, starts_at=at(day, "17:30"), room=consult_room, moved_by=desk, reason="r"
        )
    assert exc.value.message_dict == {
        "starts_at": [
            OUTSIDE_HOURS.format(
                day=day.strftime("%a %d %b"), opens="08:00", closes="18:00", start="17:30", end="18:30"
            )
        ]
    }
    moved = appointment_reschedule(
        appointment=consult,
        starts_at=at(day, "14:00"),
        room=consult_room,
        moved_by=desk,
        reason="Physician running late",
    )
    assert moved.starts_at == at(day, "14:00")


def test_cancel_one_visit_needs_a_reason_and_a_future_visit(series, desk):
    visit = visits(series)[2]
    with pytest.raises(ValidationError) as exc:
        appointment_cancel(appointment=visit, cancelled_by=desk, reason="")
    assert exc.value.message_dict == {"reason": [REASON_REQUIRED]}
    with pytest.raises(ValidationError, match=PAST_CANNOT_CHANGE):
        appointment_cancel(
            appointment=visit, cancelled_by=desk, reason="x", now=visit.starts_at + dt.timedelta(minutes=5)
        )
    cancelled = appointment_cancel(appointment=visit, cancelled_by=desk, reason="Unwell")
    assert cancelled.status == AppointmentStatus.CANCELLED and cancelled.cancel_reason == "Unwell"
    assert AuditEvent.objects.filter(summary="Mood infusion cancelled", patient_id=visit.patient_id).exists()


def test_cancel_the_series_cancels_only_visits_still_to_come(series, desk):
    before = visits(series)
    now = before[1].ends_at + dt.timedelta(hours=1)
    cancelled = series_cancel(series=series, cancelled_by=desk, reason="Course stopped", now=now)
    assert cancelled.status == SeriesStatus.CANCELLED and cancelled.cancel_reason == "Course stopped"
    statuses = [v.status for v in visits(series)]
    assert statuses == [AppointmentStatus.BOOKED] * 2 + [AppointmentStatus.CANCELLED] * 4
    with pytest.raises(ValidationError, match=SERIES_NOT_ACTIVE):
        series_cancel(series=series, cancelled_by=desk, reason="again")
    with pytest.raises(ValidationError, match=SERIES_NOT_ACTIVE):
        series_move(series=series, moved_by=desk, reason="x", shift_by=dt.timedelta(days=7))

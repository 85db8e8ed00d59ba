"""The series booking pages: propose, adjust and check, book once; detail, move, reschedule, cancel."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from clinic.accounts.roles import Role
from clinic.scheduling.forms import COURSE_OR_TYPE, NO_SUCH_RECORD
from clinic.scheduling.models import Appointment, AppointmentSeries, AppointmentStatus
from clinic.scheduling.services import REASON_REQUIRED, series_book, series_propose
from clinic.scheduling.views import CHECK_OK


@pytest.fixture
def desk_client(client_for, staff):
    return client_for(staff[Role.FRONT_DESK])


@pytest.fixture
def ready(patient, mood_course, chairs, next_monday, put_on_duty):
    put_on_duty(next_monday, 35)
    return patient


def prefs(course, monday, **extra):
    data = {
        "course": course.pk,
        "start_date": monday.isoformat(),
        "weekdays": ["0", "2", "4"],
        "preferred_time": "09:00",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(extra)
    return data


def slot_data(rows):
    data = {
        "slot-TOTAL_FORMS": str(len(rows)),
        "slot-INITIAL_FORMS": str(len(rows)),
        "slot-MIN_NUM_FORMS": "0",
        "slot-MAX_NUM_FORMS": "30",
    }
    for i, (day, time, chair) in enumerate(rows):
        data.update(
            {f"slot-{i}-date": day.isoformat(), f"slot-{i}-start_time": time, f"slot-{i}-chair": chair}
        )
    return data


def test_series_start_finds_the_patient_by_record_number(desk_client, patient):
    url = reverse("scheduling:series_start")
    response = desk_client.post(url, {"record_number": patient.record_number.lower()})
    assert response.status_code == 302 and response.url == reverse("scheduling:series_new", args=[patient.pk])
    html = desk_client.post(url, {"record_number": "MRN-999999"}).content.decode()
    assert f"Patient record number: {NO_SUCH_RECORD}" in html


def test_propose_shows_the_table_and_the_rules(desk_client, ready, mood_course, next_monday):
    url = reverse("scheduling:series_new", args=[ready.pk])
    assert mood_course.protocol.name in desk_client.get(url).content.decode()
    html = desk_client.post(url, {**prefs(mood_course, next_monday), "action": "propose"}).content.decode()
    assert 'id="proposal-table"' in html
    assert html.count('aria-label="Visit ') == 18  # 6 visits × date, time, chair
    assert 'value="09:00"' in html
    assert "15 min readiness check + 40 min infusion" in html


def test_preferences_errors_name_the_field(desk_client, ready, next_monday):
    url = reverse("scheduling:series_new", args=[ready.pk])
    html = desk_client.post(
        url, {"start_date": next_monday.isoformat(), "action": "propose"}
    ).content.decode()
    assert f"Treatment course: {COURSE_OR_TYPE}" in html
    html = desk_client.post(url, {"start_date": "", "action": "propose"}).content.decode()
    assert "First day: This field is required." in html


def test_check_then_book_an_adjusted_series_once(
    desk_client, ready, mood_course, next_monday, chairs, clinic
):
    url = reverse("scheduling:series_new", args=[ready.pk])
    days = [next_monday + dt.timedelta(days=d) for d in (0, 2, 4, 7, 9, 11)]
    rows = [(day, "09:00", chairs[0].pk) for day in days]
    rows[1] = (days[1], "10:30", chairs[1].pk)  # the adjusted visit
    data = {**prefs(mood_course, next_monday), **slot_data(rows)}
    # a bad adjustment is reported, not booked
    bad = list(rows)
    bad[2] = (days[1], "13:00", chairs[2].pk)
    html = desk_client.post(url, {**data, **slot_data(bad), "action": "check"}).content.decode()
    assert "These visits cannot be booked as they are" in html and "apart; the minimum is 44 h" in html
    html = desk_client.post(url, {**data, "action": "check"}).content.decode()
    assert CHECK_OK in html
    response = desk_client.post(url, {**data, "action": "book"})
    series = AppointmentSeries.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "scheduling:series_detail", args=[series.pk]
    )
    assert desk_client.post(url, {**data, "action": "book"}).status_code == 302  # double submit
    assert AppointmentSeries.objects.count() == 1
    second = Appointment.objects.get(series=series, sequence=2)
    assert second.room == chairs[1]
    assert second.starts_at.astimezone(clinic.tzinfo).strftime("%H:%M") == "10:30"


def test_a_series_with_a_taken_slot_is_not_booked(
    desk_client, ready, mood_course, next_monday, chairs, clinic, staff, make_patient, at
):
    from clinic.scheduling.models import AppointmentKind
    from clinic.scheduling.services import appointment_book

    url = reverse("scheduling:series_new", args=[ready.pk])
    rows = [(next_monday, "09:00", chairs[0].pk)]
    appointment_book(
        patient=make_patient(clinic, staff[Role.FRONT_DESK]),
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=at(next_monday, "09:00"),
        ends_at=at(next_monday, "10:00"),
        booked_by=staff[Role.FRONT_DESK],
        room=chairs[0],
    )
    html = desk_client.post(url, {**prefs(mood_course, next_monday), **slot_data(rows), "action": "book"})
    assert "Chair 1 is already booked then." in html.content.decode()
    assert not AppointmentSeries.objects.exists()


def test_series_detail_move_reschedule_and_cancel_pages(
    desk_client, ready, mood_course, next_monday, staff, clinic
):
    proposal = series_propose(
        patient=ready,
        course=mood_course,
        start_date=next_monday,
        preferred_weekdays={0, 2, 4},
        preferred_times=[dt.time(9)],
    ).proposal
    series = series_book(
        patient=ready, course=mood_course, slots=proposal.slots, booked_by=staff[Role.FRONT_DESK]
    )
    detail = reverse("scheduling:series_detail", args=[series.pk])
    html = desk_client.get(detail).content.decode()
    assert html.count("Reschedule</a>") == 6 and mood_course.protocol.name in html

    # move all by a week
    move = reverse("scheduling:series_move", args=[series.pk])
    html = desk_client.post(move, {"days": "7"}).content.decode()
    assert f"Reason: {'This field is required.'}" in html
    response = desk_client.post(move, {"days": "7", "reason": "Away"})
    assert response.status_code == 302 and response.url == detail
    first = Appointment.objects.get(series=series, sequence=1)
    assert first.starts_at.astimezone(clinic.tzinfo).date() == next_monday + dt.timedelta(days=7)

    # reschedule visit 1 to 11:00 the same day
    reschedule = reverse("scheduling:appointment_reschedule", args=[first.pk])
    day = first.starts_at.astimezone(clinic.tzinfo).date()
    response = desk_client.post(
        reschedule,
        {"date": day.isoformat(), "start_time": "11:00", "room": first.room_id, "reason": "Traffic"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.starts_at.astimezone(clinic.tzinfo).strftime("%H:%M") == "11:00"
    html = desk_client.post(
        reschedule, {"date": day.isoformat(), "start_time": "17:30", "room": first.room_id, "reason": "Late"}
    ).content.decode()
    assert "New start time: The visit is not wholly inside opening hours" in html

    # cancel visit 6, then the series
    last = Appointment.objects.get(series=series, sequence=6)
    cancel = reverse("scheduling:appointment_cancel", args=[last.pk])
    assert REASON_REQUIRED not in desk_client.get(cancel).content.decode()
    assert desk_client.post(cancel, {"reason": "Unwell"}).status_code == 302
    last.refresh_from_db()
    assert last.status == AppointmentStatus.CANCELLED
    assert (
        desk_client.post(
            reverse("scheduling:series_cancel", args=[series.pk]), {"reason": "Course stopped"}
        ).status_code
        == 302
    )
    assert Appointment.objects.filter(series=series, status=AppointmentStatus.CANCELLED).count() == 6
    html = desk_client.get(detail).content.decode()
    assert "Reschedule</a>" not in html and "Course stopped" in html


def test_a_nurse_sees_the_series_but_cannot_change_it(client_for, staff, ready, mood_course, next_monday):
    proposal = series_propose(patient=ready, course=mood_course, start_date=next_monday, count=1).proposal
    series = series_book(
        patient=ready, course=mood_course, slots=proposal.slots, booked_by=staff[Role.FRONT_DESK]
    )
    nurse = client_for(staff[Role.NURSE])
    html = nurse.get(reverse("scheduling:series_detail", args=[series.pk])).content.decode()
    assert "Reschedule" not in html and "Move all remaining visits" not in html
    assert (
        nurse.post(
            reverse("scheduling:series_move", args=[series.pk]), {"days": "7", "reason": "x"}
        ).status_code
        == 403
    )


def test_adjusted_visits_survive_a_preferences_error(desk_client, ready, mood_course, next_monday, chairs):
    url = reverse("scheduling:series_new", args=[ready.pk])
    rows = [(next_monday, "10:45", chairs[2].pk)]
    data = {**prefs(mood_course, next_monday), **slot_data(rows), "start_date": "", "action": "book"}
    html = desk_client.post(url, data).content.decode()
    assert "First day: This field is required." in html
    assert 'value="10:45"' in html
    assert not AppointmentSeries.objects.exists()

"""Hours, visit types, chairs and shifts pages; the calendar feed pages and the feed itself."""

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.patients.services import patient_link_portal_user
from clinic.scheduling.models import AppointmentKind, AppointmentType, CalendarFeedToken, Room, StaffShift
from clinic.scheduling.selectors import clinic_hours_week
from clinic.scheduling.services import HOURS_ORDER, appointment_book, calendar_feed_token_create
from clinic.scheduling.views import FEED_CREATED


@pytest.fixture
def admin_client(client_for, staff):
    return client_for(staff[Role.ADMIN])


def hours_data(**changes):
    data = {}
    for d in range(7):
        closed = d >= 5
        data[f"d{d}-opens"] = "" if closed else "08:00"
        data[f"d{d}-closes"] = "" if closed else "18:00"
        if closed:
            data[f"d{d}-is_closed"] = "on"
    data.update(changes)
    return data


def test_hours_page_saves_the_week_and_names_errors(admin_client, clinic):
    url = reverse("scheduling:hours")
    assert admin_client.post(url, hours_data(**{"d0-opens": "07:00"})).status_code == 302
    assert clinic_hours_week(clinic=clinic)[0] == (dt.time(7), dt.time(18))
    html = admin_client.post(url, hours_data(**{"d1-opens": "19:00"})).content.decode()
    assert f"Closes: {HOURS_ORDER}" in html
    response = admin_client.post(
        reverse("scheduling:closure_add"), {"date": "2030-11-28", "reason": "Thanksgiving"}
    )
    assert response.status_code == 302
    assert "Thanksgiving" in admin_client.get(url).content.decode()


def test_types_page_adds_seeds_and_edits(admin_client, clinic):
    url = reverse("scheduling:types")
    assert admin_client.post(reverse("scheduling:types_seed")).status_code == 302
    assert AppointmentType.objects.filter(clinic=clinic).count() == 4
    response = admin_client.post(
        url,
        {
            "name": "Ketamine + recovery long",
            "kind": AppointmentKind.MOOD_INFUSION,
            "room_kind": "chair",
            "chair_minutes": "150",
            "infusion_minutes": "40",
            "colour": "green",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    html = admin_client.post(
        url,
        {
            "name": "Mood infusion",
            "kind": AppointmentKind.MOOD_INFUSION,
            "room_kind": "chair",
            "chair_minutes": "150",
            "infusion_minutes": "40",
            "colour": "green",
        },
    ).content.decode()
    assert "Name: There is already a visit type called Mood infusion." in html
    mood = AppointmentType.objects.get(clinic=clinic, name="Mood infusion")
    response = admin_client.post(
        reverse("scheduling:type_edit", args=[mood.pk]),
        {
            "name": "Mood infusion",
            "kind": AppointmentKind.MOOD_INFUSION,
            "room_kind": "chair",
            "chair_minutes": "100",
            "infusion_minutes": "40",
            "colour": "blue",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    mood.refresh_from_db()
    assert mood.chair_minutes == 100


def test_rooms_page_adds_and_takes_out_of_use(admin_client, clinic):
    url = reverse("scheduling:rooms")
    assert admin_client.post(url, {"name": "Chair 9", "kind": "chair"}).status_code == 302
    room = Room.objects.get(clinic=clinic, name="Chair 9")
    admin_client.post(reverse("scheduling:room_toggle", args=[room.pk]))
    room.refresh_from_db()
    assert not room.is_active


def test_shifts_page_adds_a_night_shift_once_and_removes_with_a_reason(client_for, staff, clinic):
    desk = client_for(staff[Role.FRONT_DESK])
    url = reverse("scheduling:shifts")
    data = {
        "user": staff[Role.NURSE].pk,
        "date": "2030-05-06",
        "start_time": "19:00",
        "end_time": "07:00",
        "ends_next_day": "on",
        "submission_key": str(uuid.uuid4()),
    }
    response = desk.post(url, data)
    assert response.status_code == 302 and response.url == f"{url}?start=2030-05-06"
    desk.post(url, data)
    shift = StaffShift.objects.get()
    assert shift.ends_at - shift.starts_at == dt.timedelta(hours=12) and shift.role == Role.NURSE
    html = desk.post(url, {**data, "ends_next_day": "", "submission_key": str(uuid.uuid4())}).content.decode()
    assert "To: The shift must end after it starts" in html
    remove = reverse("scheduling:shift_remove", args=[shift.pk])
    assert "Reason: This field is required." in desk.post(remove, {}).content.decode()
    assert desk.post(remove, {"reason": "Swapped"}).status_code == 302
    assert not StaffShift.objects.exists()


def test_a_staff_member_creates_a_feed_sees_it_once_and_revokes_it(
    client_for, staff, clinic, patient, chairs, next_open_day, at
):
    appointment_book(
        patient=patient,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=at(next_open_day, "09:00"),
        ends_at=at(next_open_day, "11:00"),
        booked_by=staff[Role.FRONT_DESK],
        room=chairs[0],
    )
    nurse = client_for(staff[Role.NURSE])
    url = reverse("scheduling:feeds")
    html = nurse.post(url, {"label": "Phone"}).content.decode()
    assert FEED_CREATED in html
    (feed_url,) = re.findall(r'id="feed-url">([^<]+)<', html)
    assert "Phone" in html and feed_url not in nurse.get(url).content.decode()  # shown once
    path = feed_url.replace("http://testserver", "")
    # the feed itself needs no sign-in
    from django.test import Client

    response = Client().get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and f"({patient.record_number})" in body
    assert patient.family_name not in body
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, summary="Calendar feed read").exists()
    token = CalendarFeedToken.objects.get()
    assert nurse.post(reverse("scheduling:feed_revoke", args=[token.pk])).status_code == 302
    assert Client().get(path).status_code == 404


def test_unknown_tokens_and_other_users_tokens(client_for, staff, clinic, db):
    from django.test import Client

    assert Client().get(reverse("scheduling:feed", args=["x" * 43])).status_code == 404
    token, _ = calendar_feed_token_create(clinic=clinic, created_by=staff[Role.NURSE], user=staff[Role.NURSE])
    physician = client_for(staff[Role.PHYSICIAN])
    assert physician.post(reverse("scheduling:feed_revoke", args=[token.pk])).status_code == 404
    assert "Revoked" not in physician.get(reverse("scheduling:feeds")).content.decode()


def test_a_patient_manages_their_own_feed(
    client_for, make_user, clinic, patient, staff, chairs, next_open_day, at
):
    user = make_user(Role.PATIENT, clinic)
    appointment_book(
        patient=patient,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=at(next_open_day, "09:00"),
        ends_at=at(next_open_day, "11:00"),
        booked_by=staff[Role.FRONT_DESK],
        room=chairs[0],
    )
    client = client_for(user)
    url = reverse("scheduling:portal_feeds")
    assert client.get(url).status_code == 404  # no record linked yet
    patient_link_portal_user(patient=patient, user=user, linked_by=staff[Role.FRONT_DESK])
    html = client.post(url, {"label": ""}).content.decode()
    (feed_url,) = re.findall(r'id="feed-url">([^<]+)<', html)
    from django.test import Client

    body = Client().get(feed_url.replace("http://testserver", "")).content.decode()
    assert f"SUMMARY:Mood infusion at {clinic.name}" in body and "DESCRIPTION:Before your infusion" in body
    assert client.get(reverse("scheduling:feeds")).status_code == 403  # the staff page
    token = CalendarFeedToken.objects.get(patient=patient)
    assert client.post(reverse("scheduling:portal_feed_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_double_click_on_take_out_of_use_does_not_bring_the_room_back(admin_client, clinic):
    url = reverse("scheduling:rooms")
    admin_client.post(url, {"name": "Chair 9", "kind": "chair"})
    room = Room.objects.get(clinic=clinic, name="Chair 9")
    page = admin_client.get(url).content.decode()
    assert 'name="is_active" value="0"' in page

    for _ in range(2):  # the button posts the state it asks for
        admin_client.post(reverse("scheduling:room_toggle", args=[room.pk]), {"is_active": "0"})

    room.refresh_from_db()
    assert not room.is_active

"""The booking and reschedule forms offer the next free times, also when a time is refused, and a
picked time fills the form in (with or without script)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from clinic.accounts.roles import Role
from clinic.scheduling.models import Appointment, RoomKind
from clinic.scheduling.services import consultation_book, room_create

pytestmark = pytest.mark.django_db

BOOK = reverse("scheduling:book")


@pytest.fixture
def desk_client(client_for, staff):
    return client_for(staff[Role.FRONT_DESK])


def slot_buttons(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="pick" value="([^"]+)"', html)


def test_the_booking_form_offers_the_next_free_times(clinic, staff, consult_room, desk_client):
    html = desk_client.get(BOOK).content.decode()
    assert "Next free times" in html
    assert len(slot_buttons(html)) == 5
    assert "For a 60 min consultation." in html


def test_a_refused_22_00_shows_the_reason_on_the_field_and_the_next_morning_times(
    clinic, staff, patient, consult_room, desk_client, next_monday
):
    response = desk_client.post(
        BOOK,
        {
            "record_number": patient.record_number,
            "date": next_monday.isoformat(),
            "start_time": "22:00",
            "room": consult_room.pk,
            "clinician": staff[Role.PHYSICIAN].pk,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert not Appointment.objects.exists()
    reason = f"On {next_monday:%a %d %b} the clinic is open 08:00–18:00; this visit would run 22:00–23:00."
    assert f"Start time: {reason}" in html
    tuesday = next_monday + dt.timedelta(days=1)
    assert slot_buttons(html)[0] == f"{tuesday.isoformat()}T08:00|{consult_room.pk}"
    assert f"with {staff[Role.PHYSICIAN].signature_name} in Consult 1" in html


def test_picking_a_free_time_fills_the_form_without_booking(
    clinic, patient, consult_room, desk_client, next_monday
):
    pick = f"{next_monday.isoformat()}T10:15|{consult_room.pk}"
    response = desk_client.post(BOOK, {"record_number": patient.record_number, "pick": pick})
    html = response.content.decode()
    assert not Appointment.objects.exists()
    assert f'value="{next_monday.isoformat()}"' in html and 'value="10:15"' in html
    assert f'<option value="{consult_room.pk}" selected>' in html
    assert f"Filled in: {next_monday:%a %d %b} 10:15 in Consult 1" in html


def test_the_free_times_follow_the_chosen_date_and_physician(
    clinic, staff, patient, make_patient, consult_room, desk_client, next_monday
):
    physician = staff[Role.PHYSICIAN]
    consultation_book(
        patient=make_patient(clinic, staff[Role.FRONT_DESK]),
        starts_at=dt.datetime.combine(next_monday, dt.time(8), tzinfo=clinic.tzinfo),
        booked_by=staff[Role.FRONT_DESK],
        clinician=physician,
    )
    html = desk_client.post(
        BOOK,
        {
            "record_number": patient.record_number,
            "date": next_monday.isoformat(),
            "start_time": "",
            "clinician": physician.pk,
            "action": "find",
        },
    ).content.decode()
    assert slot_buttons(html)[0] == f"{next_monday.isoformat()}T09:00|{consult_room.pk}"
    assert not Appointment.objects.filter(patient=patient).exists()


def test_the_reschedule_form_offers_free_times_for_the_visit(
    clinic, staff, patient, consult_room, desk_client, next_monday
):
    visit = consultation_book(
        patient=patient,
        booked_by=staff[Role.FRONT_DESK],
        room=consult_room,
        starts_at=dt.datetime.combine(next_monday, dt.time(9), tzinfo=clinic.tzinfo),
    )
    url = reverse("scheduling:appointment_reschedule", args=[visit.pk])
    assert len(slot_buttons(desk_client.get(url).content.decode())) == 5
    sunday = next_monday + dt.timedelta(days=6)
    response = desk_client.post(
        url, {"date": sunday.isoformat(), "start_time": "10:00", "room": consult_room.pk, "reason": "Asked"}
    )
    html = response.content.decode()
    assert f"The clinic is closed on {sunday:%a %d %b}." in html
    following_monday = next_monday + dt.timedelta(days=7)
    assert slot_buttons(html)[0] == f"{following_monday.isoformat()}T08:00|{consult_room.pk}"
    visit.refresh_from_db()
    assert visit.starts_at.astimezone(clinic.tzinfo).hour == 9


def test_a_chair_visit_is_offered_chairs(clinic, staff, patient, desk_client, next_monday, chairs):
    from clinic.scheduling.models import AppointmentKind
    from clinic.scheduling.services import appointment_book

    visit = appointment_book(
        patient=patient,
        kind=AppointmentKind.MOOD_INFUSION,
        booked_by=staff[Role.FRONT_DESK],
        room=chairs[0],
        starts_at=dt.datetime.combine(next_monday, dt.time(9), tzinfo=clinic.tzinfo),
        ends_at=dt.datetime.combine(next_monday, dt.time(11), tzinfo=clinic.tzinfo),
        active_minutes=55,
    )
    html = desk_client.get(reverse("scheduling:appointment_reschedule", args=[visit.pk])).content.decode()
    chair_ids = {str(c.pk) for c in chairs}
    assert slot_buttons(html) and all(value.split("|")[1] in chair_ids for value in slot_buttons(html))
    consult = room_create(clinic=clinic, name="Consult 9", kind=RoomKind.CONSULT, created_by=None)
    assert f"|{consult.pk}" not in html

"""Converting a request books the first consultation by the same rules as any booking, with the
next free times offered on the form and after a refusal."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from clinic.accounts.roles import Role
from clinic.intake.models import RequestStatus
from clinic.patients.models import Patient

pytestmark = pytest.mark.django_db


def next_weekday(clinic, weekday: int) -> dt.date:
    from django.utils import timezone

    day = timezone.now().astimezone(clinic.tzinfo).date() + dt.timedelta(days=2)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def form_data(request_obj, day, time, **extra):
    return {
        "given_name": request_obj.given_name,
        "family_name": request_obj.family_name,
        "date_of_birth": "1979-06-02",
        "sex_at_birth": "female",
        "date": day.isoformat(),
        "start_time": time,
        **extra,
    }


def test_converting_on_a_sunday_is_refused_with_the_next_free_times(
    clinic, staff, make_request, consult_room, client_for
):
    request_obj = make_request(clinic)
    client = client_for(staff[Role.FRONT_DESK])
    sunday = next_weekday(clinic, 6)
    url = reverse("intake:inbox_convert", args=[request_obj.public_id])
    response = client.post(url, form_data(request_obj, sunday, "10:00", room=consult_room.pk))
    html = response.content.decode()
    assert f"Start time: The clinic is closed on {sunday:%a %d %b}." in html
    monday = sunday + dt.timedelta(days=1)
    picks = re.findall(r'name="pick" value="([^"]+)"', html)
    assert picks[0] == f"{monday.isoformat()}T08:00|{consult_room.pk}"
    request_obj.refresh_from_db()
    assert request_obj.status != RequestStatus.CONVERTED
    assert not Patient.objects.exists()
    # picking the first free time fills the form in; nobody is registered yet
    response = client.post(url, {**form_data(request_obj, sunday, "10:00"), "pick": picks[0]})
    html = response.content.decode()
    assert f'value="{monday.isoformat()}"' in html and 'value="08:00"' in html
    assert not Patient.objects.exists()
    # and booking it converts the request
    response = client.post(url, form_data(request_obj, monday, "08:00", room=consult_room.pk))
    assert response.status_code == 302
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.CONVERTED


def test_the_request_page_offers_free_consultation_times(
    clinic, staff, make_request, consult_room, client_for
):
    request_obj = make_request(clinic)
    html = client_for(staff[Role.FRONT_DESK]).get(
        reverse("intake:inbox_detail", args=[request_obj.public_id])
    )
    assert "Next free times" in html.content.decode()
    assert len(re.findall(r'name="pick"', html.content.decode())) == 5

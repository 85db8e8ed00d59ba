import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse

from clinic.accounts.roles import Role
from clinic.scheduling.forms import NO_SUCH_RECORD
from clinic.scheduling.models import Appointment, AppointmentKind
from clinic.scheduling.services import STARTS_IN_PAST, appointment_book
from clinic.scheduling.views import BAD_DATE

LIST = reverse("scheduling:list")
BOOK = reverse("scheduling:book")
VIEW_ROLES = {Role.ADMIN: 200, Role.FRONT_DESK: 200, Role.PHYSICIAN: 200, Role.NURSE: 200,
              Role.PATIENT: 403}
BOOK_ROLES = {Role.ADMIN: 200, Role.FRONT_DESK: 200, Role.PHYSICIAN: 403, Role.NURSE: 403,
              Role.PATIENT: 403}


@pytest.fixture
def user_of(clinic, staff, make_user):
    return lambda role: staff[role] if role in staff else make_user(role, clinic)


@pytest.fixture
def desk_client(client_for, staff):
    return client_for(staff[Role.FRONT_DESK])


def book(patient, starts_at, by, **kw):
    return appointment_book(patient=patient, kind=kw.pop("kind", AppointmentKind.CONSULTATION),
                            starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=30),
                            booked_by=by, **kw)


@pytest.mark.parametrize("role", list(VIEW_ROLES))
def test_list_by_role(client_for, user_of, role):
    assert client_for(user_of(role)).get(LIST).status_code == VIEW_ROLES[role]


@pytest.mark.parametrize("role", list(BOOK_ROLES))
def test_book_page_by_role(client_for, user_of, role):
    assert client_for(user_of(role)).get(BOOK).status_code == BOOK_ROLES[role]


def test_signed_out_is_sent_to_sign_in(client, db):
    for url in (LIST, BOOK):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_list_shows_the_chosen_day_in_clinic_time(clinic, staff, patient, desk_client, at):
    day = dt.date(2030, 5, 6)
    book(patient, at(day, "09:15"), staff[Role.FRONT_DESK])
    book(patient, at(day + dt.timedelta(days=1), "11:00"), staff[Role.FRONT_DESK])
    html = desk_client.get(LIST, {"date": "2030-05-06"}).content.decode()
    assert "Monday 6 May 2030" in html
    assert "09:15–09:45" in html
    assert "11:00" not in html
    assert 'href="?date=2030-05-05"' in html and 'href="?date=2030-05-07"' in html
    assert reverse("patients:chart", args=[patient.pk]) in html


def test_list_defaults_to_today_and_warns_on_a_bad_date(desk_client, db):
    html = desk_client.get(LIST, {"date": "31-31-2030"}).content.decode()
    assert BAD_DATE in html
    assert "· today" in html


def test_list_shows_only_this_clinic(clinic, other_clinic, make_user, make_patient, desk_client, at):
    desk_elsewhere = make_user(Role.FRONT_DESK, other_clinic)
    elsewhere = make_patient(other_clinic, desk_elsewhere, given_name="Faraway")
    book(elsewhere, dt.datetime(2030, 5, 6, 10, tzinfo=other_clinic.tzinfo), desk_elsewhere)
    assert "Faraway" not in desk_client.get(LIST, {"date": "2030-05-06"}).content.decode()


def test_list_paginates_and_query_count_is_flat(
    clinic, staff, make_patient, make_user, desk_client, at, django_assert_max_num_queries
):
    day = dt.date(2030, 5, 6)
    # Three physicians, each seeing one patient at a time (30 min visits, every 10 min overall).
    physicians = [staff[Role.PHYSICIAN], make_user(Role.PHYSICIAN, clinic), make_user(Role.PHYSICIAN, clinic)]
    for n in range(30):
        patient = make_patient(clinic, staff[Role.FRONT_DESK])
        book(patient, at(day, "07:00") + dt.timedelta(minutes=10 * n), staff[Role.FRONT_DESK],
             clinician=physicians[n % 3])
    with django_assert_max_num_queries(8):
        html = desk_client.get(LIST, {"date": "2030-05-06"}).content.decode()
    assert "Page 1 of 2" in html
    page2 = desk_client.get(LIST, {"date": "2030-05-06", "page": "2"}).content.decode()
    assert len(re.findall(r"<td>\d\d:\d\d–", page2)) == 5


def test_book_for_a_registered_patient(clinic, staff, patient, consult_room, desk_client,
                                       next_open_day):
    key = str(uuid.uuid4())
    data = {
        "record_number": patient.record_number.lower(), "date": next_open_day.isoformat(),
        "start_time": "13:00", "room": consult_room.pk, "clinician": staff[Role.PHYSICIAN].pk,
        "notes": "", "submission_key": key,
    }
    response = desk_client.post(BOOK, data)
    assert response.status_code == 302
    assert response.url == f"{LIST}?date={next_open_day.isoformat()}"
    desk_client.post(BOOK, data)  # a double submit books once
    appointment = Appointment.objects.get()
    assert appointment.patient == patient
    assert appointment.starts_at.astimezone(clinic.tzinfo).hour == 13


def test_book_errors_name_the_field(clinic, patient, desk_client, next_open_day, clinic_tomorrow):
    html = desk_client.post(BOOK, {
        "record_number": "MRN-999999", "date": next_open_day.isoformat(), "start_time": "13:00",
    }).content.decode()
    assert f"Patient record number: {NO_SUCH_RECORD}" in html
    yesterday = clinic_tomorrow - dt.timedelta(days=2)
    html = desk_client.post(BOOK, {
        "record_number": patient.record_number, "date": yesterday.isoformat(), "start_time": "13:00",
    }).content.decode()
    assert f"Start time: {STARTS_IN_PAST}" in html
    assert not Appointment.objects.exists()


def test_book_for_a_patient_in_the_path(clinic, patient, desk_client, next_open_day):
    url = reverse("scheduling:book_for", args=[patient.pk])
    assert patient.full_name in desk_client.get(url).content.decode()
    response = desk_client.post(url, {"date": next_open_day.isoformat(), "start_time": "08:00"})
    assert response.status_code == 302
    assert Appointment.objects.get().patient == patient


def test_book_for_another_clinics_patient_is_not_found(other_clinic, make_user, make_patient,
                                                       desk_client):
    elsewhere = make_patient(other_clinic, make_user(Role.FRONT_DESK, other_clinic))
    assert desk_client.get(reverse("scheduling:book_for", args=[elsewhere.pk])).status_code == 404
    html = desk_client.post(BOOK, {"record_number": elsewhere.record_number, "date": "2099-01-01",
                                   "start_time": "10:00"}).content.decode()
    assert NO_SUCH_RECORD in html

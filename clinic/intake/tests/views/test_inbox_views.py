"""The front-desk inbox: who may see and act, clinic isolation, filters, actions and query counts."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.intake.models import CloseReason, RequestStatus
from clinic.intake.services import (
    CLOSE_NOTE_REQUIRED,
    consultation_request_close,
    contact_attempt_log,
)
from clinic.intake.tests.conftest import CLEAR_ANSWERS
from clinic.patients.models import Patient
from clinic.scheduling.models import Appointment, AppointmentKind
from clinic.scheduling.services import STARTS_IN_PAST, appointment_book

INBOX = reverse("intake:inbox")
ALLOWED_VIEW = {Role.ADMIN: True, Role.FRONT_DESK: True, Role.PHYSICIAN: True, Role.NURSE: False,
                Role.PATIENT: False}
ALLOWED_WORK = {Role.ADMIN: True, Role.FRONT_DESK: True, Role.PHYSICIAN: False, Role.NURSE: False,
                Role.PATIENT: False}


def detail_url(request_obj, action=""):
    name = f"intake:inbox_{action}" if action else "intake:inbox_detail"
    return reverse(name, args=[request_obj.public_id])


@pytest.fixture
def user_of(clinic, staff, make_user):
    def get(role):
        return staff[role] if role in staff else make_user(role, clinic)

    return get


@pytest.fixture
def desk_client(client_for, staff):
    return client_for(staff[Role.FRONT_DESK])


def clinic_open_day(clinic) -> dt.date:
    """The first weekday at least two days ahead (open 08:00–18:00 by default; weekends are closed)."""
    day = timezone.now().astimezone(clinic.tzinfo).date() + dt.timedelta(days=2)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


# --- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ALLOWED_VIEW))
def test_inbox_pages_by_role(clinic, make_request, client_for, user_of, role):
    request_obj = make_request(clinic)
    client = client_for(user_of(role))
    for url in (INBOX, detail_url(request_obj)):
        response = client.get(url)
        assert response.status_code == (200 if ALLOWED_VIEW[role] else 403), (role, url)


@pytest.mark.parametrize("role", list(ALLOWED_WORK))
@pytest.mark.parametrize("action, data", [
    ("contact", {"method": "phone", "outcome": "reached"}),
    ("close", {"reason": "spam"}),
    ("convert", {"date_of_birth": "1980-01-01"}),
])
def test_inbox_actions_by_role(clinic, make_request, client_for, user_of, role, action, data):
    request_obj = make_request(clinic)
    response = client_for(user_of(role)).post(detail_url(request_obj, action), data)
    if ALLOWED_WORK[role]:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403
        request_obj.refresh_from_db()
        assert request_obj.status == RequestStatus.NEW


def test_physician_sees_the_request_but_no_action_forms(clinic, make_request, client_for, staff):
    html = client_for(staff[Role.PHYSICIAN]).get(detail_url(make_request(clinic))).content.decode()
    assert "Convert to patient" not in html
    assert "You can read this request; the front desk works on it." in html


def test_signed_out_visitors_are_sent_to_sign_in(client, clinic, make_request):
    request_obj = make_request(clinic)
    for url in (INBOX, detail_url(request_obj)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_another_clinics_request_is_not_found(other_clinic, make_request, desk_client):
    request_obj = make_request(other_clinic)
    assert desk_client.get(detail_url(request_obj)).status_code == 404
    for action in ("contact", "close", "convert"):
        assert desk_client.post(detail_url(request_obj, action), {}).status_code == 404
    assert request_obj.full_name not in desk_client.get(INBOX).content.decode()


def test_actions_are_post_only(clinic, make_request, desk_client):
    assert desk_client.get(detail_url(make_request(clinic), "close")).status_code == 405


# --- list -----------------------------------------------------------------------------------


def test_list_shows_open_requests_urgent_first_with_a_red_row_and_banner(
    clinic, staff, make_request, desk_client
):
    # given
    calm = make_request(clinic, given_name="Calm")
    make_request(clinic, given_name="Urgent", self_check_answers={**CLEAR_ANSWERS, "danger_now": "yes"})
    closed = make_request(clinic, given_name="Closed")
    consultation_request_close(request_obj=closed, closed_by=staff[Role.FRONT_DESK],
                               reason=CloseReason.SPAM)
    # when
    html = desk_client.get(INBOX).content.decode()
    # then
    assert html.index("Urgent") < html.index(calm.full_name)
    assert '<tr class="urgent">' in html
    assert "1 urgent request</strong>" in html
    assert "Closed" + closed.family_name not in html and closed.full_name not in html
    assert "2 open" in html


@pytest.mark.parametrize("status, expected", [
    ("", {"new", "contacted"}),
    ("open", {"new", "contacted"}),
    ("new", {"new"}),
    ("contacted", {"contacted"}),
    ("closed", {"closed"}),
    ("all", {"new", "contacted", "closed"}),
])
def test_status_filter(clinic, staff, make_request, desk_client, status, expected):
    desk = staff[Role.FRONT_DESK]
    by_status = {s: make_request(clinic, given_name=s.title()) for s in ("new", "contacted", "closed")}
    contact_attempt_log(request_obj=by_status["contacted"], made_by=desk, method="phone",
                        outcome="reached")
    consultation_request_close(request_obj=by_status["closed"], closed_by=desk,
                               reason=CloseReason.DUPLICATE)
    html = desk_client.get(INBOX, {"status": status}).content.decode()
    shown = {s for s, r in by_status.items() if r.full_name in html}
    assert shown == expected


def test_urgent_only_filter(clinic, make_request, desk_client):
    calm = make_request(clinic)
    urgent = make_request(clinic, self_check_answers={"danger_recent": "yes"})
    html = desk_client.get(INBOX, {"urgent": "1"}).content.decode()
    assert urgent.full_name in html and calm.full_name not in html


def test_list_paginates(clinic, make_request, desk_client):
    for _ in range(27):
        make_request(clinic)
    first = desk_client.get(INBOX).content.decode()
    assert "Page 1 of 2" in first
    second = desk_client.get(INBOX, {"page": 2}).content.decode()
    assert len(re.findall(r'href="/inbox/[0-9a-f-]{36}/"', second)) == 2


def test_list_query_count_does_not_grow_with_requests(
    clinic, staff, make_request, desk_client, django_assert_max_num_queries
):
    for n in range(30):
        request_obj = make_request(clinic)
        if n % 3 == 0:
            contact_attempt_log(request_obj=request_obj, made_by=staff[Role.FRONT_DESK],
                                method="phone", outcome="no_answer")
    # 10: one of them reads the clinic's phone region, once per page however many numbers it shows.
    with django_assert_max_num_queries(10):
        response = desk_client.get(INBOX)
    assert response.status_code == 200


# --- detail ---------------------------------------------------------------------------------


def test_detail_shows_request_flags_and_attempts_and_audits_the_opening(
    clinic, staff, make_request, desk_client, django_assert_max_num_queries
):
    # given
    request_obj = make_request(
        clinic, self_check_answers={**CLEAR_ANSWERS, "heart": "yes", "danger_recent": "yes"},
        message="Please call after 5pm",
    )
    for outcome in ("no_answer", "voicemail", "reached"):
        contact_attempt_log(request_obj=request_obj, made_by=staff[Role.FRONT_DESK],
                            method="phone", outcome=outcome)
    # when
    # 17: one reads the clinic's phone region, once per page; +5 for the next free consultation
    # times (hours, closures, rooms with their bookings, the booking step), whatever the bookings.
    with django_assert_max_num_queries(22):
        response = desk_client.get(detail_url(request_obj))
    # then
    html = response.content.decode()
    assert "Please call after 5pm" in html
    assert "Uncontrolled hypertension or heart disease" in html
    assert "<strong>Urgent.</strong>" in html
    assert html.count("<time>") == 3
    assert "Convert to patient" in html
    assert AuditEvent.objects.filter(
        action="view", object_id=str(request_obj.pk), actor=staff[Role.FRONT_DESK]
    ).exists()


# --- actions --------------------------------------------------------------------------------


def test_log_a_contact_attempt(clinic, make_request, desk_client):
    request_obj = make_request(clinic)
    response = desk_client.post(detail_url(request_obj, "contact"),
                                {"method": "email", "outcome": "sent", "note": "Sent times"})
    assert response.status_code == 302
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.CONTACTED
    assert request_obj.contact_attempts.get().note == "Sent times"


def test_the_contact_outcome_starts_empty_and_is_required(clinic, make_request, desk_client):
    # given a request; the contact form opens with no outcome chosen
    request_obj = make_request(clinic)
    form = desk_client.get(detail_url(request_obj)).context["contact_form"]
    assert form["outcome"].value() in (None, "")
    assert form.fields["outcome"].required and form.fields["outcome"].choices[0] == ("", "Choose…")

    # when it is sent without an outcome, it is refused naming the field; nothing is logged
    response = desk_client.post(detail_url(request_obj, "contact"), {"method": "phone", "outcome": ""})
    assert response.status_code == 200
    assert "Outcome: Choose what happened." in response.content.decode()
    assert not request_obj.contact_attempts.exists()


def test_convert_books_in_clinic_time_and_stores_utc(
    clinic, staff, make_request, consult_room, desk_client
):
    # given
    request_obj = make_request(clinic)
    day = clinic_open_day(clinic)
    # when
    response = desk_client.post(detail_url(request_obj, "convert"), {
        "given_name": request_obj.given_name, "family_name": request_obj.family_name,
        "date_of_birth": "1979-06-02", "sex_at_birth": "female", "date": day.isoformat(),
        "start_time": "09:30", "room": consult_room.pk, "clinician": staff[Role.PHYSICIAN].pk,
    })
    # then
    assert response.status_code == 302
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.CONVERTED
    appointment = Appointment.objects.get(patient=request_obj.patient)
    local = appointment.starts_at.astimezone(clinic.tzinfo)
    assert (local.date(), local.hour, local.minute) == (day, 9, 30)
    assert appointment.starts_at.utcoffset() == dt.timedelta(0)
    page = desk_client.get(response.url).content.decode()
    assert "registered as MRN-" in page
    assert f"?date={day.isoformat()}" in page  # link to the day's appointments


def test_convert_into_a_taken_room_shows_the_error_and_saves_nothing(
    clinic, staff, make_request, make_patient, consult_room, desk_client
):
    day = clinic_open_day(clinic)
    starts = dt.datetime.combine(day, dt.time(9, 0), tzinfo=clinic.tzinfo)
    appointment_book(patient=make_patient(clinic, staff[Role.FRONT_DESK]),
                     kind=AppointmentKind.CONSULTATION, starts_at=starts,
                     ends_at=starts + dt.timedelta(hours=1), booked_by=staff[Role.FRONT_DESK],
                     room=consult_room)
    request_obj = make_request(clinic)
    patients = Patient.objects.count()
    response = desk_client.post(detail_url(request_obj, "convert"), {
        "given_name": "A", "family_name": "B", "date_of_birth": "1979-06-02",
        "sex_at_birth": "unknown", "date": day.isoformat(), "start_time": "09:15",
        "room": consult_room.pk,
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert "Consult 1 is already booked from 09:00 to 10:00 that day." in html
    assert Patient.objects.count() == patients
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.NEW


def test_convert_refuses_the_past_and_asks_for_a_missing_birth_date(clinic, make_request, desk_client):
    request_obj = make_request(clinic)
    yesterday = timezone.now().astimezone(clinic.tzinfo).date() - dt.timedelta(days=1)
    html = desk_client.post(detail_url(request_obj, "convert"), {
        "given_name": "A", "family_name": "B", "date_of_birth": "", "sex_at_birth": "unknown",
        "date": yesterday.isoformat(), "start_time": "10:00",
    }).content.decode()
    assert "Date of birth: This field is required." in html
    html = desk_client.post(detail_url(request_obj, "convert"), {
        "given_name": "A", "family_name": "B", "date_of_birth": "1990-01-01",
        "sex_at_birth": "unknown", "date": yesterday.isoformat(), "start_time": "10:00",
    }).content.decode()
    assert f"Start time: {STARTS_IN_PAST}" in html
    assert not Patient.objects.exists()


def test_convert_twice_explains_instead_of_failing(clinic, make_request, desk_client):
    request_obj = make_request(clinic)
    data = {
        "given_name": "A", "family_name": "B", "date_of_birth": "1990-01-01",
        "sex_at_birth": "unknown", "date": clinic_open_day(clinic).isoformat(),
        "start_time": "11:00",
    }
    desk_client.post(detail_url(request_obj, "convert"), data)
    response = desk_client.post(detail_url(request_obj, "convert"), data, follow=True)
    assert "This request is already converted to patient; nothing was changed." in (
        response.content.decode()
    )
    assert Patient.objects.count() == 1


def test_close_with_other_needs_a_note(clinic, make_request, desk_client):
    request_obj = make_request(clinic)
    html = desk_client.post(detail_url(request_obj, "close"), {"reason": "other"}).content.decode()
    assert f"Close note: {CLOSE_NOTE_REQUIRED}" in html
    response = desk_client.post(detail_url(request_obj, "close"),
                                {"reason": "other", "note": "Asked for a call in spring"})
    assert response.status_code == 302 and response.url == INBOX
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.CLOSED

"""Pages: the patient's link, messages and jobs, retry, preparation and phone confirmation."""

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.reminders.forms import TIME_REQUIRED
from clinic.reminders.jobs import jobs_run
from clinic.reminders.models import (
    ConfirmationSource,
    Job,
    JobStatus,
    OutboundMessage,
    PreparationConfirmation,
)
from clinic.reminders.services import (
    DRIVER_NAME_REQUIRED,
    MEDICATION_DETAIL_REQUIRED,
    SOLIDS_AFTER_START,
    preparation_token_issue,
    reminders_schedule_for_appointment,
)
from clinic.reminders.views import JOB_QUEUED_AGAIN, PHONE_CONFIRMATION_SAVED
from clinic.scheduling.models import Appointment, AppointmentStatus
from clinic.scheduling.services import appointment_book

from .conftest import FAILING_SMS

MESSAGES = reverse("reminders:messages")
JOBS = reverse("reminders:jobs")
DESK_ROLES = {
    Role.ADMIN: 200,
    Role.FRONT_DESK: 200,
    Role.PHYSICIAN: 403,
    Role.NURSE: 403,
    Role.PATIENT: 403,
}
VIEW_ROLES = {
    Role.ADMIN: 200,
    Role.FRONT_DESK: 200,
    Role.PHYSICIAN: 200,
    Role.NURSE: 200,
    Role.PATIENT: 403,
}


@pytest.fixture
def user_of(clinic, staff, make_user):
    return lambda role: staff[role] if role in staff else make_user(role, clinic)


@pytest.fixture
def desk(client_for, staff):
    return client_for(staff[Role.FRONT_DESK])


def local(moment, clinic) -> str:
    return moment.astimezone(clinic.tzinfo).strftime("%Y-%m-%dT%H:%M")


def form_data(appointment, **overrides):
    clinic = appointment.clinic
    data = {
        "last_solid_food_at": local(appointment.starts_at - dt.timedelta(hours=8), clinic),
        "last_clear_liquid_at": local(
            appointment.starts_at - dt.timedelta(hours=2, minutes=30), clinic
        ),
        "driver_name": "Marta Delgado",
        "driver_phone": "617-555-0143",
        "medication_changes": "none",
        "medication_changes_detail": "",
        "pregnancy_status": "",
        "no_driving_understood": "on",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def send_reminder(appointment):
    job = reminders_schedule_for_appointment(appointment=appointment)[0]
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    jobs_run(worker_id="test")
    return Job.objects.get(pk=job.pk)


# --- The patient's link ------------------------------------------------------------------------


def test_the_link_shows_the_visit_and_the_rules_with_the_usual_escort_prefilled(
    clinic, staff, make_patient, book_infusion, in_days
):
    patient = make_patient(
        clinic,
        staff[Role.FRONT_DESK],
        given_name="Rosa",
        escort_name="Marta Delgado",
        escort_phone="+16175550143",
    )
    appointment = book_infusion(patient, in_days(3, "14:00"))
    token = preparation_token_issue(appointment=appointment)
    response = Client().get(reverse("reminders:confirm", args=[token]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hello Rosa." in html and "at 14:00" in html and "Chair 1" in html
    assert "no solid food after 08:00" in html and "until 12:00" in html
    assert 'value="Marta Delgado"' in html and 'value="(617) 555-0143"' in html
    assert "988" in html  # the public pages' crisis bar
    assert response["Cache-Control"] == "no-store, private"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert patient.family_name not in html and patient.record_number not in html


def test_submitting_the_link_form_confirms_and_thanks(patient, infusion):
    token = preparation_token_issue(appointment=infusion)
    url = reverse("reminders:confirm", args=[token])
    response = Client().post(url, form_data(infusion))
    assert response.status_code == 302
    assert response.url == reverse("reminders:confirm_done", args=[token])
    confirmation = PreparationConfirmation.objects.get()
    assert confirmation.source == ConfirmationSource.PATIENT_LINK
    assert confirmation.driver_phone == "+16175550143"
    assert confirmation.last_solid_food_at == infusion.starts_at - dt.timedelta(hours=8)
    done = Client().get(response.url).content.decode()
    assert "Thank you, your preparation is confirmed" in done
    assert "less than" not in done
    # opening the link again shows the answers to change
    again = Client().get(url).content.decode()
    assert "You confirmed on" in again


def test_times_too_close_to_the_visit_are_kept_and_the_patient_is_told(infusion):
    token = preparation_token_issue(appointment=infusion)
    data = form_data(
        infusion,
        last_clear_liquid_at=local(infusion.starts_at - dt.timedelta(hours=1), infusion.clinic),
    )
    response = Client().post(reverse("reminders:confirm", args=[token]), data, follow=True)
    html = response.content.decode()
    assert "last clear liquid is less than 2 hours before your visit" in html


def test_form_errors_name_the_field(infusion):
    token = preparation_token_issue(appointment=infusion)
    url = reverse("reminders:confirm", args=[token])
    html = (
        Client()
        .post(
            url,
            form_data(
                infusion,
                last_solid_food_at="",
                driver_name="",
                driver_phone="12",
                medication_changes="changed",
            ),
        )
        .content.decode()
    )
    assert f"Last solid food: {TIME_REQUIRED}" in html
    html = (
        Client()
        .post(
            url,
            form_data(
                infusion,
                last_solid_food_at=local(
                    infusion.starts_at + dt.timedelta(hours=1), infusion.clinic
                ),
                driver_name="",
                driver_phone="12",
                medication_changes="changed",
            ),
        )
        .content.decode()
    )
    assert f"Last solid food: {SOLIDS_AFTER_START}" in html
    assert f"Driver&#x27;s name: {DRIVER_NAME_REQUIRED}" in html
    assert "Driver&#x27;s phone: not a valid number for the United States." in html
    assert f"What changed: {MEDICATION_DETAIL_REQUIRED}" in html
    assert PreparationConfirmation.objects.count() == 0


def test_pregnancy_question_is_not_asked_of_male_patients(
    clinic, staff, make_patient, book_infusion, in_days
):
    patient = make_patient(clinic, staff[Role.FRONT_DESK], sex_at_birth="male")
    appointment = book_infusion(patient, in_days(3))
    html = Client().get(
        reverse("reminders:confirm", args=[preparation_token_issue(appointment=appointment)])
    )
    assert "Pregnancy status" not in html.content.decode()


@pytest.mark.parametrize("case", ["tampered", "expired", "cancelled", "unknown"])
def test_a_bad_link_is_a_friendly_404_that_reveals_nothing(patient, infusion, case):
    token = preparation_token_issue(appointment=infusion)
    if case == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif case == "expired":
        Appointment.objects.filter(pk=infusion.pk).update(
            starts_at=timezone.now() - dt.timedelta(hours=3),
            ends_at=timezone.now() - dt.timedelta(hours=1),
        )
    elif case == "cancelled":
        Appointment.objects.filter(pk=infusion.pk).update(status=AppointmentStatus.CANCELLED)
    else:
        token = "not-a-token"
    for url in (
        reverse("reminders:confirm", args=[token]),
        reverse("reminders:confirm_done", args=[token]),
    ):
        response = Client().get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert "This link does not work" in html
        assert patient.given_name not in html and "Chair 1" not in html
    assert (
        Client().post(reverse("reminders:confirm", args=[token]), form_data(infusion)).status_code
        == 404
    )
    assert PreparationConfirmation.objects.count() == 0


def test_the_done_page_before_confirming_goes_back_to_the_form(infusion):
    token = preparation_token_issue(appointment=infusion)
    response = Client().get(reverse("reminders:confirm_done", args=[token]))
    assert response.status_code == 302 and response.url == reverse(
        "reminders:confirm", args=[token]
    )


# --- Staff pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(DESK_ROLES))
def test_messages_and_jobs_pages_by_role(client_for, user_of, role):
    client = client_for(user_of(role))
    assert client.get(MESSAGES).status_code == DESK_ROLES[role]
    assert client.get(JOBS).status_code == DESK_ROLES[role]


@pytest.mark.parametrize("role", list(VIEW_ROLES))
def test_preparation_page_by_role(client_for, user_of, infusion, role):
    url = reverse("reminders:preparation", args=[infusion.pk])
    assert client_for(user_of(role)).get(url).status_code == VIEW_ROLES[role]
    phone = reverse("reminders:preparation_phone", args=[infusion.pk])
    assert client_for(user_of(role)).get(phone).status_code == DESK_ROLES[role]


def test_signed_out_is_sent_to_sign_in(client, infusion):
    for url in (MESSAGES, JOBS, reverse("reminders:preparation", args=[infusion.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_messages_page_shows_status_masked_address_and_the_confirmation(patient, infusion, desk):
    send_reminder(infusion)
    html = desk.get(MESSAGES).content.decode()
    assert patient.full_name in html and "Visit reminder" in html and "Sent" in html
    assert patient.email not in html and "+1******0100" in html
    assert "Not yet" in html
    token = preparation_token_issue(appointment=infusion)
    Client().post(reverse("reminders:confirm", args=[token]), form_data(infusion))
    html = desk.get(MESSAGES).content.decode()
    assert "Confirmed" in html and "via patient link" in html
    assert "Nothing has failed" in html


def test_failures_are_visible_and_can_be_retried(settings, infusion, desk):
    # given a reminder whose text message failed
    settings.KETACLINIC_SMS_BACKEND = FAILING_SMS
    job = send_reminder(infusion)
    assert job.status == JobStatus.FAILED
    # then staff see the failed job and the failed message with a redacted error
    html = desk.get(MESSAGES).content.decode()
    assert "Jobs needing attention" in html and "Failed, will retry" in html
    assert "could not be sent" in html and "SmsSendError" in html
    assert infusion.patient.phone not in html
    assert desk.get(JOBS).content.decode().count("Retry now") == 1
    # when they retry it now
    response = desk.post(reverse("reminders:job_retry", args=[job.pk]), {"next": JOBS}, follow=True)
    # then it is queued again at once
    assert response.redirect_chain[-1][0] == JOBS
    assert JOB_QUEUED_AGAIN.format(id=job.pk) in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.run_after <= timezone.now()


def test_retry_refuses_a_job_that_did_not_fail_and_ignores_foreign_next(infusion, desk):
    job = reminders_schedule_for_appointment(appointment=infusion)[0]
    response = desk.post(
        reverse("reminders:job_retry", args=[job.pk]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == MESSAGES
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_retry_is_post_only(desk, infusion):
    job = reminders_schedule_for_appointment(appointment=infusion)[0]
    assert desk.get(reverse("reminders:job_retry", args=[job.pk])).status_code == 405


def test_other_clinics_records_are_404(
    other_clinic, make_user, make_patient, book_infusion, in_days, desk, settings
):
    settings.KETACLINIC_SMS_BACKEND = FAILING_SMS
    desk_elsewhere = make_user(Role.FRONT_DESK, other_clinic)
    elsewhere = make_patient(other_clinic, desk_elsewhere, given_name="Faraway")
    appointment = book_infusion(elsewhere, in_days(1))
    job = send_reminder(appointment)
    assert job.status == JobStatus.FAILED
    assert desk.post(reverse("reminders:job_retry", args=[job.pk])).status_code == 404
    assert desk.get(reverse("reminders:preparation", args=[appointment.pk])).status_code == 404
    assert (
        desk.get(reverse("reminders:preparation_phone", args=[appointment.pk])).status_code == 404
    )
    assert "Faraway" not in desk.get(MESSAGES).content.decode()
    assert "Faraway" not in desk.get(JOBS).content.decode()


def test_messages_page_paginates_with_a_flat_query_count(
    clinic, staff, make_patient, book_infusion, in_days, desk, django_assert_max_num_queries
):
    for n in range(13):
        patient = make_patient(clinic, staff[Role.FRONT_DESK])
        send_reminder(book_infusion(patient, in_days(1, f"{7 + n:02d}:00"), minutes=50))
    assert OutboundMessage.objects.count() == 26
    with django_assert_max_num_queries(10):
        html = desk.get(MESSAGES).content.decode()
    assert "Page 1 of 2" in html
    assert desk.get(MESSAGES, {"status": "failed"}).content.decode().count("Visit reminder") == 0


def test_preparation_page_shows_the_latest_answers_and_earlier_versions(
    client_for, staff, infusion, django_assert_max_num_queries
):
    token = preparation_token_issue(appointment=infusion)
    Client().post(reverse("reminders:confirm", args=[token]), form_data(infusion))
    Client().post(
        reverse("reminders:confirm", args=[token]), form_data(infusion, driver_name="Luis Delgado")
    )
    nurse = client_for(staff[Role.NURSE])
    # 13: one reads the clinic's phone region (for the driver's number), once per page; one counts
    # the open alerts shown in the navigation.
    with django_assert_max_num_queries(13):
        html = nurse.get(reverse("reminders:preparation", args=[infusion.pk])).content.decode()
    assert "Luis Delgado" in html and "Earlier answers" in html and "Marta Delgado" in html
    assert "via patient link" in html and "revision 2" in html
    assert "6 h or more before" in html
    assert "Record a phone confirmation" not in html and "Update from a phone call" not in html


def test_front_desk_records_a_phone_confirmation(staff, infusion, desk):
    url = reverse("reminders:preparation_phone", args=[infusion.pk])
    html = desk.get(url).content.decode()
    assert "The patient confirmed they will not drive" in html
    data = form_data(infusion)
    response = desk.post(url, data)
    assert response.status_code == 302
    assert response.url == reverse("reminders:preparation", args=[infusion.pk])
    desk.post(url, data)  # a double submit records once
    confirmation = PreparationConfirmation.objects.get()
    assert confirmation.source == ConfirmationSource.STAFF_PHONE
    assert confirmation.recorded_by == staff[Role.FRONT_DESK] and confirmation.revision == 1
    page = desk.get(response.url).content.decode()
    assert PHONE_CONFIRMATION_SAVED in page and "by phone, taken by" in page


def test_phone_form_errors_name_the_field(infusion, desk):
    url = reverse("reminders:preparation_phone", args=[infusion.pk])
    html = desk.post(url, form_data(infusion, driver_name="")).content.decode()
    assert f"Driver&#x27;s name: {DRIVER_NAME_REQUIRED}" in html
    assert PreparationConfirmation.objects.count() == 0


def test_a_time_skipped_by_the_clocks_is_refused(clinic, staff, patient, chair):
    # 02:30 on 9 March 2031 does not exist in New York (clocks go forward)
    starts = dt.datetime(2031, 3, 9, 9, 0, tzinfo=clinic.tzinfo)
    appointment = appointment_book(
        patient=patient,
        kind="mood_infusion",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        booked_by=staff[Role.FRONT_DESK],
        room=chair,
    )
    token = preparation_token_issue(appointment=appointment)
    html = (
        Client()
        .post(
            reverse("reminders:confirm", args=[token]),
            form_data(appointment, last_solid_food_at="2031-03-09T02:30"),
        )
        .content.decode()
    )
    assert "does not exist" in html

import datetime as dt
import io
import re
import uuid

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfReader

from clinic.accounts.roles import Role
from clinic.accounts.services import user_create
from clinic.audit.models import AuditAction, AuditEvent
from clinic.board.tests.builders import make_chair, make_session, vitals
from clinic.documents.models import DocumentDelivery, DocumentKind
from clinic.documents.services import NO_REFERRER_EMAIL, NOT_DISCHARGED
from clinic.infusions.services import vital_alert_acknowledge
from clinic.patients.services import patient_link_portal_user, patient_update
from clinic.scheduling.models import AppointmentKind
from clinic.scheduling.services import appointment_book

# 24 today: middleware, the session, settings, live state, timeline (7), alerts, and the audited VIEW.
FLOWSHEET_QUERY_BUDGET = 26
STAFF_ROLES = [Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK]
STAFF_PAGES = [
    "documents:session",
    "documents:summary_pdf",
    "documents:referral_pdf",
    "documents:flowsheet",
    "documents:flowsheet_pdf",
]


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def exports(session, document=None):
    events = AuditEvent.objects.filter(
        action=AuditAction.EXPORT, patient_id=session.patient_id, clinic_id=session.clinic_id
    )
    if document:
        events = [e for e in events if e.changes.get("extra", {}).get("document") == document]
    return list(events)


@pytest.fixture
def patient_user(clinic, staff, discharged):
    user = user_create(
        username="zoe", password="correct-horse-battery-staple", clinic=clinic, role=Role.PATIENT
    )
    patient_link_portal_user(patient=discharged.patient, user=user, linked_by=staff[Role.FRONT_DESK])
    return user


# --- permissions and isolation --------------------------------------------------------------------


@pytest.mark.parametrize("page", STAFF_PAGES)
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_opens_the_documents(role, page, staff, discharged, client_for):
    response = client_for(staff[role]).get(reverse(page, args=[discharged.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_a_patient_gets_403_on_staff_documents(page, discharged, patient_user, client_for):
    response = client_for(patient_user).get(reverse(page, args=[discharged.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_another_clinics_session_is_404(page, other_clinic, discharged, make_user, client_for):
    outsider = make_user(Role.NURSE, other_clinic)
    response = client_for(outsider).get(reverse(page, args=[discharged.pk]))
    assert response.status_code == 404


def test_signed_out_goes_to_sign_in(client, discharged):
    response = client.get(reverse("documents:summary_pdf", args=[discharged.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("page", ["documents:summary_pdf", "documents:referral_pdf"])
def test_no_summary_before_discharge(page, running, staff, client_for):
    response = client_for(staff[Role.NURSE]).get(reverse(page, args=[running.pk]))
    assert response.status_code == 404


# --- the after-visit summary ----------------------------------------------------------------------


def test_after_visit_summary_pdf_says_what_was_given_how_it_went_and_what_next(
    clinic, staff, discharged, client_for
):
    # given a booked next visit and a clinic phone number
    clinic.phone = "+16175550199"
    clinic.save()
    appointment_book(
        patient=discharged.patient,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=discharged.checked_in_at + dt.timedelta(days=2),
        ends_at=discharged.checked_in_at + dt.timedelta(days=2, hours=2),
        booked_by=staff[Role.FRONT_DESK],
    )
    # when
    response = client_for(staff[Role.NURSE]).get(reverse("documents:summary_pdf", args=[discharged.pk]))
    # then
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="after-visit-summary-session-{discharged.pk}.pdf"'
    text = pdf_text(response.content)
    for expected in [
        "Harbor Infusion Clinic",
        "(617) 555-0199",
        "Zoë Ñúñez",
        discharged.patient.record_number,
        "Ketamine",
        "35 mg (0.5 mg/kg for 70 kg)",
        "Dose delivered 35 mg",
        "40 min",
        "Nausea (mild)",
        "Ondansetron 4 mg IV",
        "Jordan Driver",
        "24 hours",
        "emergence reactions",
        "988",
        "911",
        "Mood infusion",
    ]:
        assert expected in text, expected
    assert "No visit booked yet" not in text


def test_downloading_a_summary_is_audited_as_an_export(staff, discharged, client_for):
    client_for(staff[Role.FRONT_DESK]).get(reverse("documents:summary_pdf", args=[discharged.pk]))

    [event] = exports(discharged, DocumentKind.AFTER_VISIT_SUMMARY)
    assert event.actor_id == staff[Role.FRONT_DESK].pk
    assert event.object_id == str(discharged.pk)
    # Audit summaries carry no names.
    assert "Zoë" not in event.summary


def test_patient_downloads_own_summary_in_the_portal(discharged, patient_user, client_for):
    client = client_for(patient_user)

    listing = client.get(reverse("documents:portal_list"))
    response = client.get(reverse("documents:portal_summary_pdf", args=[discharged.pk]))

    assert listing.status_code == 200
    assert reverse("documents:portal_summary_pdf", args=[discharged.pk]) in listing.content.decode()
    assert response.status_code == 200
    assert "Zoë Ñúñez" in pdf_text(response.content)
    [event] = exports(discharged, DocumentKind.AFTER_VISIT_SUMMARY)
    assert event.actor_id == patient_user.pk


def test_a_patient_cannot_download_another_patients_summary(
    clinic, staff, discharged, patient_user, make_patient, client_for
):
    other = make_session(
        make_patient(clinic, staff[Role.FRONT_DESK]),
        staff,
        make_chair(clinic, staff, "Chair 2"),
        "discharged",
    )
    response = client_for(patient_user).get(reverse("documents:portal_summary_pdf", args=[other.pk]))
    assert response.status_code == 404
    assert (
        reverse("documents:portal_summary_pdf", args=[other.pk])
        not in client_for(patient_user).get(reverse("documents:portal_list")).content.decode()
    )


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_get_403_on_portal_pages(role, staff, discharged, client_for):
    client = client_for(staff[role])
    assert client.get(reverse("documents:portal_list")).status_code == 403
    assert client.get(reverse("documents:portal_summary_pdf", args=[discharged.pk])).status_code == 403


# --- the referring clinician ----------------------------------------------------------------------


def test_referral_letter_is_addressed_to_the_referring_clinician(staff, discharged, client_for):
    response = client_for(staff[Role.PHYSICIAN]).get(reverse("documents:referral_pdf", args=[discharged.pk]))

    text = pdf_text(response.content)
    assert "Dr. Łukasz Dvořák" in text
    assert "Harbor Psychiatry Associates" in text
    assert "Zoë Ñúñez" in text
    assert "Discharge score 10/10" in text
    assert exports(discharged, DocumentKind.REFERRAL_LETTER)


def test_sending_to_the_referring_clinician_emails_the_pdf_once(staff, discharged, client_for):
    # given
    client = client_for(staff[Role.FRONT_DESK])
    key = str(uuid.uuid4())
    url = reverse("documents:referral_send", args=[discharged.pk])
    # when the button is clicked twice
    first = client.post(url, {"submission_key": key})
    client.post(url, {"submission_key": key})
    # then one e-mail with the PDF went to the chart's address
    assert first.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dvorak@example.org"]
    assert "Zoë" not in message.subject and "Ñúñez" not in message.body
    [(filename, content, mimetype)] = message.attachments
    assert filename == f"infusion-summary-session-{discharged.pk}.pdf"
    assert mimetype == "application/pdf"
    assert "Harbor Psychiatry Associates" in pdf_text(content)
    delivery = DocumentDelivery.objects.get()
    assert delivery.recipient_email == "dvorak@example.org" and delivery.size_bytes == len(content)
    sent = [e for e in exports(discharged) if e.object_type == "documents.DocumentDelivery"]
    assert len(sent) == 1
    page = client.get(reverse("documents:session", args=[discharged.pk])).content.decode()
    assert "dvorak@example.org" in page


def test_no_email_address_means_nothing_is_sent(staff, discharged, client_for):
    patient_update(
        patient=discharged.patient, updated_by=staff[Role.FRONT_DESK], referring_clinician_email=""
    )
    client = client_for(staff[Role.NURSE])

    response = client.post(
        reverse("documents:referral_send", args=[discharged.pk]),
        {"submission_key": str(uuid.uuid4())},
        follow=True,
    )

    assert escape(NO_REFERRER_EMAIL) in response.content.decode()
    assert mail.outbox == []
    assert not DocumentDelivery.objects.exists()


def test_nothing_is_sent_before_discharge(staff, running, client_for):
    response = client_for(staff[Role.NURSE]).post(
        reverse("documents:referral_send", args=[running.pk]), follow=True
    )
    assert NOT_DISCHARGED in response.content.decode()
    assert mail.outbox == []


def test_a_patient_cannot_send(discharged, patient_user, client_for):
    response = client_for(patient_user).post(reverse("documents:referral_send", args=[discharged.pk]))
    assert response.status_code == 403
    assert mail.outbox == []


# --- the flowsheet --------------------------------------------------------------------------------


def test_flowsheet_shows_every_charted_fact_with_the_chart(staff, running, client_for):
    # given an alert raised and acknowledged
    vital = vitals(running, staff[Role.NURSE], sbp=186, dbp=100)
    alert = vital.alerts.first()
    vital_alert_acknowledge(
        alert=alert, acknowledged_by=staff[Role.PHYSICIAN], action_taken="Paused, rechecked in 5 min"
    )
    # when
    response = client_for(staff[Role.NURSE]).get(reverse("documents:flowsheet", args=[running.pk]))
    # then
    html = response.content.decode()
    assert "<svg" in html and "<polyline" in html
    assert "pause SBP 180" in html  # the clinic's limit drawn on the chart
    for expected in [
        "186/100",
        "150/92",
        "Start at 52.5 mL/h",
        "Nausea (mild)",
        "Ondansetron 4 mg IV",
        "acknowledged",
        "Paused, rechecked in 5 min",
        "Readiness check v1 passed",
    ]:
        assert expected in html, expected
    assert not re.search(r'style="', html.split("<main", 1)[1])
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_id=str(running.pk), summary="Infusion flowsheet opened"
    ).exists()


def test_flowsheet_pdf_has_the_table(staff, running, client_for):
    vitals(running, staff[Role.NURSE], sbp=186, dbp=100)

    response = client_for(staff[Role.NURSE]).get(reverse("documents:flowsheet_pdf", args=[running.pk]))

    text = pdf_text(response.content)
    assert "Infusion flowsheet" in text
    assert "186/100" in text and "150/92" in text
    assert "pause SBP 180" in text
    assert exports(running, DocumentKind.FLOWSHEET)


def test_flowsheet_query_count_does_not_grow_with_the_chart(
    staff, running, client_for, django_assert_max_num_queries
):
    client = client_for(staff[Role.NURSE])
    url = reverse("documents:flowsheet", args=[running.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        vitals(running, staff[Role.NURSE], sbp=181 + n)  # each raises an alert
    with django_assert_max_num_queries(FLOWSHEET_QUERY_BUDGET):
        client.get(url)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)

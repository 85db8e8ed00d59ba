"""A full infusion day, chained in one browser session: the front desk books the induction series;
the patient confirms fasting and driver from the reminder's link; the nurse checks in, passes the
readiness gate, starts, charts a blood pressure of 185/112 mm Hg that raises an alert and
acknowledges it, pauses, resumes, stops, observes recovery and discharges; then the after-visit
summary and the letter to the referring clinician download as PDFs, the letter is e-mailed, and the
flowsheet opens and downloads as a PDF. Every download is a PDF named by session id only (no patient
name in the filename).

The steps, labels and helpers are those of test_series_booking, test_reminders, test_infusion_day
and test_board_and_documents. Set-up through the services: the verified order (treatment), chairs,
visit types and nurse shifts (scheduling), today's PHQ-9 and ASQ (outcomes). Recovery uses the same
time travel as test_infusion_day (the recovery start moved back 61 minutes in the database).
"""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from clinic.accounts.roles import Role
from clinic.infusions.models import InfusionSession, SessionStatus, VitalAlert
from clinic.infusions.tests.conftest import answer_today, make_verified_order
from clinic.reminders.jobs import jobs_run
from clinic.reminders.services import reminders_schedule_for_appointment
from clinic.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentSeries,
    AppointmentType,
    RoomKind,
)
from clinic.scheduling.services import (
    appointment_book,
    appointment_types_seed,
    room_create,
    staff_shift_create,
)
from clinic.treatment.services import protocol_library_seed
from conftest import DEMO_PASSWORD
from tests.e2e.test_infusion_day import TWENTY_TWO_MIN, travel_back
from tests.e2e.test_reminders import LINK

pytestmark = pytest.mark.django_db(transaction=True)


def download_pdf(page, link_name: str, patient) -> tuple[str, str]:
    """Click a download link as a user does; check a PDF came, named without the patient's name.

    Returns the suggested filename and the PDF's text."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    download = info.value
    filename = download.suggested_filename
    assert filename.endswith(".pdf")
    for name in (patient.given_name, patient.family_name, patient.record_number):
        assert name.lower() not in filename.lower()
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")
    pdf = PdfReader(io.BytesIO(data))
    return filename, "\n".join(p.extract_text() for p in pdf.pages)


def fill_vitals(page, sbp, dbp, hr, spo2, rr):
    page.get_by_label("Systolic BP (mm Hg)").fill(str(sbp))
    page.get_by_label("Diastolic BP (mm Hg)").fill(str(dbp))
    page.get_by_label("Heart rate (bpm)").fill(str(hr))
    page.get_by_label("SpO2 (%)").fill(str(spo2))
    page.get_by_label("Respiratory rate (breaths/min)").fill(str(rr))


def test_a_full_infusion_day_from_booking_to_documents(
    page, live_server, sign_in, screenshot, settings, clinic, staff, make_patient
):
    # given three chairs, the standard visit types, and a nurse on duty on weekdays for five weeks
    settings.KETACLINIC_SMS_BACKEND = "clinic.reminders.sms.LocmemSmsBackend"
    settings.KETACLINIC_PUBLIC_BASE_URL = live_server.url
    admin, desk = staff[Role.ADMIN], staff[Role.FRONT_DESK]
    nurse, physician = staff[Role.NURSE], staff[Role.PHYSICIAN]
    clinic.phone = "+16175550100"
    clinic.save()
    chairs = [
        room_create(clinic=clinic, name=f"Chair {n}", kind=RoomKind.CHAIR, created_by=admin)
        for n in (1, 2, 3)
    ]
    appointment_types_seed(clinic=clinic, seeded_by=admin)
    tz = clinic.tzinfo
    today = timezone.now().astimezone(tz).date()
    monday = today + dt.timedelta(days=2)
    monday += dt.timedelta(days=(7 - monday.weekday()) % 7)
    for offset in range(35):
        day = monday + dt.timedelta(days=offset)
        if day.weekday() < 5:
            staff_shift_create(
                clinic=clinic,
                user=nurse,
                starts_at=dt.datetime.combine(day, dt.time(7, 30), tzinfo=tz),
                ends_at=dt.datetime.combine(day, dt.time(16, 0), tzinfo=tz),
                created_by=desk,
            )

    # and a patient with a verified order on a signed mood induction course (course and order
    # signed by the physician, the order double-checked by a nurse)
    protocol_library_seed(clinic=clinic, seeded_by=admin)
    patient = make_patient(
        clinic,
        desk,
        given_name="Avery",
        family_name="Lindqvist",
        date_of_birth=dt.date(1979, 3, 14),
        referring_clinician_name="Dr. Ana Okafor",
        referring_clinician_practice="Harbor Psychiatry",
        referring_clinician_email="okafor@example.org",
    )
    order = make_verified_order(patient, physician=physician, nurse=nurse)
    course = order.course

    # (1) when the front desk books the course's six infusions from next Monday, Mon/Wed/Fri 09:00
    sign_in(page, desk)
    page.get_by_role("link", name="Appointments").click()
    page.get_by_role("link", name="Book an infusion series").click()
    page.get_by_label("Patient record number").fill(patient.record_number)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book an infusion series")
    expect(page.get_by_label("Treatment course")).to_have_value(str(course.pk))
    page.get_by_label("First day").fill(monday.isoformat())
    expect(page.get_by_label("Preferred start time")).to_have_value("09:00")
    page.get_by_role("button", name="Propose visits").click()
    expect(page.locator("#proposal-table tbody tr")).to_have_count(6)
    expect(page.get_by_label("Visit 1 date")).to_have_value(monday.isoformat())
    page.get_by_role("button", name="Book the series").click()

    # then the series of six is booked
    expect(page.get_by_role("status")).to_contain_text(
        f"Series of 6 visits booked for {patient.record_number}"
    )
    series = AppointmentSeries.objects.get(patient=patient)
    assert series.course_id == course.pk
    assert Appointment.objects.filter(series=series).count() == 6

    # and today's infusion is added through the scheduling service, because the UI cannot place a
    # visit today: the planner and appointment_reschedule refuse past times and anything outside
    # the clinic's opening hours (weekdays 08:00-18:00), and this test must run at any hour
    starts = timezone.now() + dt.timedelta(minutes=1)
    visit = appointment_book(
        patient=patient,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        booked_by=desk,
        room=chairs[0],
        appointment_type=AppointmentType.objects.get(clinic=clinic, name="Mood infusion"),
    )

    # (2) when today's reminder is scheduled (due at once) and the worker runs once
    reminders_schedule_for_appointment(appointment=visit)
    assert jobs_run(worker_id="e2e") == 1

    # then the patient has an e-mail with a link to confirm her preparation
    emails = [m for m in mail.outbox if patient.email in m.to]
    assert len(emails) == 1
    link = LINK.search(emails[0].body).group(1)

    # when she opens the link (no sign-in) and confirms her fasting times and her driver
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", name="Confirm your preparation")).to_be_visible()
    expect(page.get_by_text("Hello Avery.")).to_be_visible()
    now_local = timezone.now().astimezone(tz)
    page.get_by_label("Last solid food").fill(
        (now_local - dt.timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Last clear liquid").fill(
        (now_local - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Driver's name").fill("Jordan Lindqvist")
    page.get_by_label("Driver's phone").fill("617-555-0142")
    page.get_by_label("Pregnancy status (optional)").select_option("not_pregnant")
    page.get_by_label("I will not drive").check()
    page.get_by_label("No changes since my last visit").check()
    page.get_by_role("button", name="Confirm my preparation").click()

    # then she is thanked, with her driver
    expect(
        page.get_by_role("heading", name="Thank you, your preparation is confirmed")
    ).to_be_visible()
    expect(page.get_by_text("Jordan Lindqvist")).to_be_visible()

    # (3) and today's PHQ-9 and ASQ are recorded (outcomes)
    answer_today(patient, nurse)

    # (4) when the nurse opens today's infusions and checks the patient in to the booked chair
    sign_in(page, nurse)
    page.goto(f"{live_server.url}/infusions/")
    page.get_by_role("link", name="Check in Avery Lindqvist").click()
    expect(page.get_by_label("Verified order")).to_contain_text("35 mg at 52.5 mL/h")
    expect(page.get_by_label("Chair")).to_have_value(str(chairs[0].pk))
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("status").first).to_contain_text("Checked in to Chair 1.")

    # and completes the readiness gate, pre-filled from the patient's confirmation; the pregnancy
    # status is asked again today (no clinical answer has a default)
    expect(page.get_by_label("Escort's phone")).to_have_value("(617) 555-0142")
    expect(page.get_by_label("Pregnancy status")).to_have_value("")
    page.get_by_label("Pregnancy status").select_option(label="Not pregnant")
    page.get_by_label("I asked the patient their full name and it matches the chart").check()
    page.get_by_label("Date of birth, as the patient says it").fill("1979-03-14")
    page.get_by_label("The escort is here, or confirmed by phone").check()
    page.get_by_label("Medication changes since the last visit reviewed with the patient").check()
    fill_vitals(page, 128, 82, 76, 98, 14)
    page.get_by_role("button", name="Complete the readiness check").click()
    expect(page.get_by_role("status").first).to_contain_text("Readiness gate passed")
    expect(page.locator("#gate-suicide_screen")).to_contain_text("Pass")

    # and starts the pump at the ordered rate
    page.get_by_role("button", name="Start infusion at 52.5 mL/h").click()
    expect(page.locator("#session-status")).to_have_text("Running")
    expect(page.locator("#live-rate")).to_have_text("52.5 mL/h")

    # and charts a blood pressure of 185/112 mm Hg
    fill_vitals(page, 185, 112, 88, 97, 16)
    page.get_by_role("button", name="Save vital signs").click()

    # then an alert says to pause, and it is acknowledged with the action taken
    alert = page.locator(".vital-alert.level-pause")
    expect(alert).to_contain_text("BP 185/112 mm Hg is above the pause limit 180/110 mm Hg.")
    alert.get_by_label("Action taken").fill("Paused the pump; Dr informed; recheck in 5 min")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".vital-alert.done")).to_contain_text("Acknowledged by")

    # when the nurse pauses, then resumes once the BP has settled
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#session-status")).to_have_text("Paused")
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#session-status")).to_have_text("Running")
    fill_vitals(page, 150, 92, 80, 98, 15)
    page.get_by_role("button", name="Save vital signs").click()
    expect(page.locator("#timeline")).to_contain_text("BP 150/92 mm Hg")
    # (time travel, as in test_infusion_day: everything before the last reading was 22 min ago)
    session = InfusionSession.objects.get(patient=patient)
    travel_back(session, TWENTY_TWO_MIN)
    page.reload()
    expect(page.locator("#live-delivered")).to_contain_text("19.")

    # and stops the infusion: completed as ordered
    page.get_by_label("Why stop?").select_option(label="Completed as ordered")
    page.get_by_role("button", name="Stop infusion").click()
    expect(page.locator("#session-status")).to_have_text("Recovering")

    # (5) and records recovery vitals; the minimum observation passes (time travel: the recovery
    # start is moved back 61 minutes)
    fill_vitals(page, 126, 80, 74, 98, 14)
    page.get_by_role("button", name="Save vital signs").click()
    expect(page.locator("#timeline")).to_contain_text("Vitals (recovery)")
    InfusionSession.objects.filter(pk=session.pk).update(
        recovery_started_at=timezone.now() - dt.timedelta(minutes=61)
    )
    page.reload()
    expect(page.locator("#recovery")).to_contain_text("Recovery criteria met")

    # then the nurse scores the patient, confirms the driver, the patient acknowledges
    page.get_by_role("link", name="Discharge…").click()
    for item in ("Activity", "Respiration", "Consciousness"):
        page.get_by_role("group", name=item).locator("input[value='2']").check()
    expect(page.get_by_label("Adult driver: name")).to_have_value("Jordan Lindqvist")
    for checkbox in (
        page.get_by_role("group", name="The patient has read and agrees").get_by_role("checkbox").all()
    ):
        checkbox.check()
    page.get_by_label("Patient: type your full name").fill("avery lindqvist")
    page.get_by_label("Nurse: your password (to sign as witness)").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Discharge the patient").click()

    # and the patient is discharged to her driver
    expect(page.get_by_role("status").first).to_contain_text("Discharged with Jordan Lindqvist.")
    expect(page.get_by_role("heading", name=re.compile("Discharged at"))).to_be_visible()
    screenshot(page, "full-day-discharged")
    session.refresh_from_db()
    assert session.status == SessionStatus.DISCHARGED
    assert session.appointment_id == visit.pk
    assert session.events.count() == 4  # start, pause, resume, stop
    assert VitalAlert.objects.get(session=session).acknowledged_at is not None

    # (6) when the nurse opens the session's documents and downloads the after-visit summary
    page.goto(f"{live_server.url}/documents/sessions/{session.pk}/")
    filename, text = download_pdf(page, "Download the after-visit summary (PDF)", patient)
    assert filename == f"after-visit-summary-session-{session.pk}.pdf"
    assert "Avery Lindqvist" in text and "35 mg" in text  # the ordered dose, 0.5 mg/kg × 70 kg

    # and downloads the letter for the referring clinician
    filename, text = download_pdf(page, "Download the letter (PDF)", patient)
    assert filename == f"infusion-summary-session-{session.pk}.pdf"
    assert "Dear Dr. Ana Okafor" in text and "Harbor Psychiatry" in text
    assert "Avery Lindqvist" in text and "35 mg" in text

    # and e-mails it to the referring clinician
    page.get_by_role("button", name="E-mail it to okafor@example.org").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "The summary was e-mailed to okafor@example.org."
    )
    expect(page.locator("section[aria-labelledby='sent-heading'] tbody tr")).to_contain_text(
        "Dr. Ana Okafor <okafor@example.org>"
    )
    letters = [m for m in mail.outbox if m.to == ["okafor@example.org"]]
    assert len(letters) == 1
    [(attached_name, attached, mimetype)] = letters[0].attachments
    assert attached_name == f"infusion-summary-session-{session.pk}.pdf"
    assert mimetype == "application/pdf" and attached.startswith(b"%PDF")

    # and opens the flowsheet, with the 185/112 reading and the chart
    page.get_by_role("link", name="Open the flowsheet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Infusion flowsheet")
    expect(page.locator(".vitals-chart svg polyline").first).to_be_visible()
    high = page.locator("table.flowsheet tr", has_text="185/112")
    expect(high).to_have_count(1)
    expect(high).to_contain_text("During infusion")
    expect(high).to_contain_text("Paused the pump; Dr informed")
    screenshot(page, "full-day-flowsheet")

    # and downloads the flowsheet as a PDF, with the same 185/112 reading
    filename, text = download_pdf(page, "Download PDF", patient)
    assert filename == f"flowsheet-session-{session.pk}.pdf"
    assert "Infusion flowsheet: Avery Lindqvist" in text and "185/112" in text

"""A reminder goes out; the patient confirms fasting and driver from its link; the desk sees it."""

import datetime as dt
import re

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.reminders.jobs import jobs_run
from clinic.reminders.services import reminders_schedule_for_appointment
from clinic.scheduling.models import AppointmentKind, RoomKind
from clinic.scheduling.services import appointment_book, room_create

LINK = re.compile(r"(http://\S+/reminders/confirm/[\w-]+/)")


def test_patient_confirms_preparation_from_the_reminder(
    page, live_server, sign_in, screenshot, settings, clinic, staff, make_patient
):
    # given an infusion tomorrow at 10:00 in a chair, for a patient with a usual escort
    settings.KETACLINIC_SMS_BACKEND = "clinic.reminders.sms.LocmemSmsBackend"
    settings.KETACLINIC_PUBLIC_BASE_URL = live_server.url
    desk = staff[Role.FRONT_DESK]
    chair = room_create(
        clinic=clinic, name="Chair 2", kind=RoomKind.CHAIR, created_by=staff[Role.ADMIN]
    )
    rosa = make_patient(
        clinic,
        desk,
        given_name="Rosa",
        family_name="Delgado",
        escort_name="Marta Delgado",
        escort_phone="+16175550143",
    )
    tomorrow = timezone.now().astimezone(clinic.tzinfo).date() + dt.timedelta(days=1)
    starts = dt.datetime.combine(tomorrow, dt.time(10, 0), tzinfo=clinic.tzinfo)
    appointment = appointment_book(
        patient=rosa,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        booked_by=desk,
        room=chair,
    )
    # and a patient with no e-mail or mobile, whose reminder cannot go out
    silent = make_patient(clinic, desk, given_name="Sam", family_name="Quiet", email="", phone="")
    other_start = starts + dt.timedelta(hours=3)
    silent_visit = appointment_book(
        patient=silent,
        kind=AppointmentKind.PAIN_INFUSION,
        starts_at=other_start,
        ends_at=other_start + dt.timedelta(hours=2),
        booked_by=desk,
        room=chair,
    )

    # when the reminders are scheduled (inside the 48 h window: due now) and the worker runs once
    reminders_schedule_for_appointment(appointment=appointment)
    reminders_schedule_for_appointment(appointment=silent_visit)
    assert jobs_run(worker_id="e2e") == 2

    # then Rosa has an e-mail with the fasting times as clock times and a link
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert "no solid food after 04:00" in email.body
    assert "clear juice without pulp" in email.body and "until 08:00" in email.body
    link = LINK.search(email.body).group(1)

    # when she opens the link (no sign-in) and answers
    page.goto(link)
    expect(page.get_by_role("heading", name="Confirm your preparation")).to_be_visible()
    expect(page.get_by_text("Hello Rosa.")).to_be_visible()
    expect(page.get_by_label("Driver's name")).to_have_value("Marta Delgado")
    day_before = tomorrow - dt.timedelta(days=1)
    page.get_by_label("Last solid food").fill(f"{day_before.isoformat()}T20:30")
    page.get_by_label("Last clear liquid").fill(f"{tomorrow.isoformat()}T07:30")
    page.get_by_label("I will not drive").check()
    page.get_by_label("No changes since my last visit").check()
    screenshot(page, "reminder-confirm")
    page.get_by_role("button", name="Confirm my preparation").click()

    # then she is thanked, with her answers
    expect(
        page.get_by_role("heading", name="Thank you, your preparation is confirmed")
    ).to_be_visible()
    expect(page.get_by_text("Marta Delgado")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)

    # when the front desk opens Messages and jobs
    page.context.clear_cookies()
    sign_in(page, desk)
    page.goto(f"{live_server.url}/reminders/")

    # then Rosa's reminder shows as sent and her visit as confirmed via the patient link
    expect(page.get_by_role("heading", name="Messages and jobs")).to_be_visible()
    rows = page.locator("#messages tbody tr", has_text="Rosa Delgado")
    expect(rows).to_have_count(2)  # the e-mail and the text message
    row = rows.filter(has_text="E-mail")
    expect(row).to_contain_text("Sent")
    expect(row).to_contain_text("Confirmed")
    expect(row).to_contain_text("via patient link")
    # and the reminder that could not be sent needs attention, with its reason
    expect(page.get_by_text("Gave up", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile("no e-mail address or mobile number"))).to_be_visible()
    screenshot(page, "messages-jobs")

    # and the visit's preparation page shows the answers
    row.get_by_role("link", name=re.compile(r"\d\d:\d\d")).click()
    confirmation = page.locator("#confirmation")
    expect(confirmation).to_contain_text("Marta Delgado")
    expect(confirmation).to_contain_text("via patient link")
    expect(confirmation).to_contain_text("6 h or more before")

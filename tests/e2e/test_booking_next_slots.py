"""Bookings that can happen, in Chromium on the front desk's tablet: a consultation typed for 22:00
is refused with the reason on the time and the next free times offered; the desk picks one and books
it. Then, on a portrait tablet, moving it to a Sunday is refused the same way and a free time picked."""

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.scheduling.models import Appointment, AppointmentKind, RoomKind
from clinic.scheduling.services import consultation_book, room_create
from tests.e2e.conftest import TABLET, TABLET_PORTRAIT, assert_no_horizontal_scroll, use_viewport


def test_front_desk_books_a_free_time_after_a_refused_22_00(
    page, live_server, sign_in, screenshot, clinic, staff, make_patient
):
    # given a consultation room and a physician already seeing someone at 08:00 on Tuesday
    desk, physician = staff[Role.FRONT_DESK], staff[Role.PHYSICIAN]
    room = room_create(clinic=clinic, name="Consult 1", kind=RoomKind.CONSULT, created_by=staff[Role.ADMIN])
    tz = clinic.tzinfo
    monday = timezone.now().astimezone(tz).date() + dt.timedelta(days=2)
    monday += dt.timedelta(days=(7 - monday.weekday()) % 7)
    tuesday = monday + dt.timedelta(days=1)
    consultation_book(
        patient=make_patient(clinic, desk, given_name="Noor", family_name="Haddad"),
        starts_at=dt.datetime.combine(tuesday, dt.time(8), tzinfo=tz),
        booked_by=desk,
        room=room,
        clinician=physician,
    )
    patient = make_patient(clinic, desk, given_name="Avery", family_name="Lindqvist")

    # when the front desk books the consultation the patient asked for: Monday at 22:00
    use_viewport(page, TABLET)
    sign_in(page, desk)
    nav = page.get_by_role("navigation", name="Main")
    if not nav.get_by_role("link", name="Appointments", exact=True).is_visible():
        nav.locator("summary").first.click()  # the menu overflows into "More" on a narrow screen
    nav.get_by_role("link", name="Appointments", exact=True).click()
    page.get_by_role("link", name="Book a consultation").click()
    expect(page.get_by_role("heading", name="Next free times")).to_be_visible()
    page.get_by_label("Patient record number").fill(patient.record_number)
    page.get_by_label("Consultation date").fill(monday.isoformat())
    page.get_by_label("Start time").fill("22:00")
    page.get_by_label("Consultation room").select_option(label="Consult 1")
    page.get_by_label("Physician").select_option(label=physician.signature_name)
    page.get_by_role("button", name="Book consultation").click()

    # then it is refused, the reason on the time, and the next free times follow: Tuesday from 09:00
    # (the clinic closes at 18:00 on Monday, and the physician sees Noor Haddad at 08:00 on Tuesday)
    error = page.locator(".field.has-error")
    expect(error).to_contain_text(
        f"On {monday:%a %d %b} the clinic is open 08:00–18:00; this visit would run 22:00–23:00."
    )
    expect(error).to_be_in_viewport()
    slots = page.locator("#free-slots").get_by_role("button", name=re.compile(r"· Consult 1$"))
    expect(slots).to_have_count(5)
    expect(slots.first).to_have_text(f"{tuesday:%a %d %b} 09:00 · Consult 1")
    expect(slots.first).to_be_in_viewport()
    assert not Appointment.objects.filter(patient=patient).exists()
    assert_no_horizontal_scroll(page)
    screenshot(page, "booking-next-slots")

    # when the desk picks the first free time, the form is filled in, and they book it
    slots.first.click()
    expect(page.get_by_label("Consultation date")).to_have_value(tuesday.isoformat())
    expect(page.get_by_label("Start time")).to_have_value("09:00")
    expect(page.locator(".field.has-error")).to_have_count(0)
    page.get_by_role("button", name="Book consultation").click()

    # then it is booked
    expect(page.get_by_role("status").first).to_contain_text(
        f"Consultation booked for {patient.record_number} on {tuesday:%a %d %b %Y} at 09:00."
    )
    visit = Appointment.objects.get(patient=patient, kind=AppointmentKind.CONSULTATION)
    assert visit.starts_at == dt.datetime.combine(tuesday, dt.time(9), tzinfo=tz)
    assert (visit.room, visit.clinician) == (room, physician)

    # when, on a portrait tablet, the desk moves it to the Sunday the patient now asks for
    use_viewport(page, TABLET_PORTRAIT)
    page.get_by_role("link", name="Reschedule Avery Lindqvist at 09:00").click()
    sunday = monday + dt.timedelta(days=6)
    page.get_by_label("New date").fill(sunday.isoformat())
    page.get_by_label("New start time").fill("10:00")
    page.get_by_label("Reason").fill("Patient works weekdays")
    page.get_by_role("button", name="Move the visit").click()

    # then it is refused and the next free times start on the following Monday
    expect(page.locator(".field.has-error")).to_contain_text(f"The clinic is closed on {sunday:%a %d %b}.")
    following_monday = sunday + dt.timedelta(days=1)
    first = page.locator("#free-slots").get_by_role("button").first
    expect(first).to_have_text(f"{following_monday:%a %d %b} 08:00 · Consult 1")
    assert_no_horizontal_scroll(page)
    screenshot(page, "reschedule-next-slots")
    first.click()
    page.get_by_role("button", name="Move the visit").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Visit moved to {following_monday:%a %d %b %Y} 08:00"
    )
    visit.refresh_from_db()
    assert visit.starts_at == dt.datetime.combine(following_monday, dt.time(8), tzinfo=tz)

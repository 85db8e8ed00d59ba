"""Booking an induction series: the front desk opens a patient with a signed mood course, asks for six
infusions on Mondays, Wednesdays and Fridays at 09:00, adjusts one visit, books the whole series at
once, finds it on the week and the chair day view, and moves one visit."""

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.core.services import clinic_setting_set_without_cosign
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
from clinic.treatment.models import Protocol
from clinic.treatment.services import course_create, course_sign, protocol_library_seed
from conftest import DEMO_PASSWORD


def test_front_desk_books_adjusts_and_moves_a_mood_series(
    page, live_server, sign_in, screenshot, clinic, staff, make_patient, make_user
):
    # given three chairs, the standard visit types and two nurses on duty on weekdays for five weeks
    admin, desk, physician = staff[Role.ADMIN], staff[Role.FRONT_DESK], staff[Role.PHYSICIAN]
    chairs = [
        room_create(clinic=clinic, name=f"Chair {n}", kind=RoomKind.CHAIR, created_by=admin)
        for n in (1, 2, 3)
    ]
    appointment_types_seed(clinic=clinic, seeded_by=admin)
    tz = clinic.tzinfo
    today = timezone.now().astimezone(tz).date()
    monday = today + dt.timedelta(days=2)
    monday += dt.timedelta(days=(7 - monday.weekday()) % 7)

    def at(day, hhmm):
        hour, minute = map(int, hhmm.split(":"))
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)

    second_nurse = make_user(Role.NURSE, clinic, first_name="Imani", last_name="Okafor", credentials="RN")
    for offset in range(35):
        day = monday + dt.timedelta(days=offset)
        if day.weekday() < 5:
            for nurse, hours in ((staff[Role.NURSE], ("07:30", "16:00")), (second_nurse, ("09:30", "18:00"))):
                staff_shift_create(
                    clinic=clinic,
                    user=nurse,
                    starts_at=at(day, hours[0]),
                    ends_at=at(day, hours[1]),
                    created_by=desk,
                )

    # and other patients already in the chairs on the first Wednesday
    mood = AppointmentType.objects.get(clinic=clinic, name="Mood infusion")
    wednesday = monday + dt.timedelta(days=2)
    for chair, start, name in (
        (chairs[1], "08:00", ("Noor", "Haddad")),
        (chairs[2], "11:30", ("Ben", "Carver")),
    ):
        other = make_patient(clinic, desk, given_name=name[0], family_name=name[1])
        appointment_book(
            patient=other,
            kind=AppointmentKind.MOOD_INFUSION,
            starts_at=at(wednesday, start),
            ends_at=at(wednesday, start) + dt.timedelta(minutes=120),
            booked_by=desk,
            room=chair,
            appointment_type=mood,
            active_minutes=55,
        )

    # and a patient whose mood induction course the physician has signed (built through the treatment
    # services; the candidacy gate is switched off by its clinic setting so no intake is needed here)
    protocol_library_seed(clinic=clinic, seeded_by=admin)
    clinic_setting_set_without_cosign(
        clinic=clinic,
        key="course_requires_candidacy_decision",
        raw_value="false",
        set_by=admin,
        reason="Series booking test",
    )
    patient = make_patient(
        clinic, desk, given_name="Avery", family_name="Lindqvist", date_of_birth=dt.date(1979, 3, 14)
    )
    protocol = Protocol.objects.get(clinic=clinic, code="mood-induction", is_active=True)
    course = course_create(
        patient=patient,
        protocol=protocol,
        created_by=physician,
        indication="Treatment-resistant depression",
        icd10_code="F33.2",
        goals="PHQ-9 down by half or more",
    )
    course_sign(course=course, signer=physician, password=DEMO_PASSWORD)

    # when the front desk opens the appointments and starts a series for the patient
    sign_in(page, desk)
    page.get_by_role("link", name="Appointments").click()
    page.get_by_role("link", name="Book an infusion series").click()
    page.get_by_label("Patient record number").fill(patient.record_number)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book an infusion series")
    expect(page.get_by_label("Treatment course")).to_have_value(str(course.pk))

    # and asks for the course's six infusions from next Monday, Mon/Wed/Fri at 09:00
    page.get_by_label("First day").fill(monday.isoformat())
    for day in ("Mon", "Wed", "Fri"):
        expect(page.get_by_label(day, exact=True)).to_be_checked()
    expect(page.get_by_label("Preferred start time")).to_have_value("09:00")
    page.get_by_role("button", name="Propose visits").click()

    # then six visits are proposed, Mon/Wed/Fri at 09:00 in one chair
    table = page.locator("#proposal-table")
    expect(table.locator("tbody tr")).to_have_count(6)
    for n in range(1, 7):
        expect(page.get_by_label(f"Visit {n} start time")).to_have_value("09:00")
    expect(page.get_by_label("Visit 1 date")).to_have_value(monday.isoformat())
    expect(page.get_by_text("15 min readiness check + 40 min infusion")).to_be_visible()
    screenshot(page, "series-proposal")

    # when visit 2 is moved to 10:30 in Chair 3, where another patient sits from 11:30, and checked
    page.get_by_label("Visit 2 start time").fill("10:30")
    page.get_by_label("Visit 2 chair").select_option(label="Chair 3")
    page.get_by_role("button", name="Check changes").click()
    expect(page.locator("#check-errors")).to_contain_text("Chair 3 is already booked then.")

    # then they choose Chair 2 instead, and the check passes
    page.get_by_label("Visit 2 chair").select_option(label="Chair 2")
    page.get_by_role("button", name="Check changes").click()
    expect(page.locator("#check-ok")).to_contain_text("Every visit fits")

    # and the series is booked as one
    page.get_by_role("button", name="Book the series").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Series of 6 visits booked for {patient.record_number}"
    )
    series = AppointmentSeries.objects.get(patient=patient)
    assert series.course_id == course.pk
    visits = list(Appointment.objects.filter(series=series).order_by("sequence"))
    assert visits[1].room_id == chairs[1].pk
    assert visits[1].starts_at.astimezone(tz).strftime("%H:%M") == "10:30"
    expect(page.locator("#series-visits tbody tr")).to_have_count(6)

    # then the week shows the patient on Monday, Wednesday and Friday
    page.get_by_role("link", name="Week", exact=True).click()
    page.get_by_label("Week of").fill(monday.isoformat())
    page.get_by_role("button", name="Show").click()
    week = page.locator("#week-grid")
    expect(week.get_by_text("Avery Lindqvist")).to_have_count(3)
    expect(week).to_contain_text("Noor Haddad")
    screenshot(page, "week-view")

    # and the chair day view of that Wednesday shows the visit in Chair 2 from 10:30
    page.get_by_role("link", name=re.compile(wednesday.strftime("%a %-d %b"))).click()
    grid = page.locator("#day-grid")
    expect(grid.get_by_text("Avery Lindqvist")).to_be_visible()
    expect(grid).to_contain_text("10:30–12:30 · Mood infusion · visit 2")
    screenshot(page, "day-view")

    # when visit 3 is rescheduled to 13:00 on its day, with a reason
    page.goto(f"{live_server.url}/appointments/series/{series.pk}/")
    page.get_by_role("link", name="Reschedule visit 3").click()
    page.get_by_label("New start time").fill("13:00")
    page.get_by_label("Reason").fill("Patient asked for the afternoon")
    page.get_by_role("button", name="Move the visit").click()

    # then the series shows the new time and the visit is moved in the record
    expect(page.get_by_role("status")).to_contain_text("Visit moved to")
    expect(page.locator("#series-visits tbody tr").nth(2)).to_contain_text("13:00")
    visits[2].refresh_from_db()
    assert visits[2].starts_at.astimezone(tz).strftime("%H:%M") == "13:00"

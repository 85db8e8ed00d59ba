"""Alerts that cannot be missed, in Chromium on the clinic's tablets.

(a) A nurse charts SpO2 89 %, RR 8 and HR 48 on a running infusion: the most severe alert and what
to do are in view at the top of the chair-side page (landscape and portrait tablet), most severe
first; the chair's board card shows it unlike an overdue chair; the alert sound can be muted on
the device and stays muted after a reload; once the escalation sweep has run, the physician on duty
sees the alert on Today and as a count in the navigation.
(b) A patient answers the ASQ positively on their phone: a nurse's and a physician's Today and
navigation show the alert at once.

Set-up through the services (order, chair, appointment, gate, start); the escalation sweep is the
job worker's (`run_jobs --once`) after the alerts are moved 4 minutes into the past (time travel).
"""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.board.tests.builders import make_session, shift_session
from clinic.infusions.models import VitalAlert
from clinic.infusions.services import infusion_start, session_check_in
from clinic.infusions.tests.conftest import answer_today, complete_gate, key, make_verified_order
from clinic.outcomes.instruments import ASQ_INSTRUMENT
from clinic.outcomes.models import SafetyAlert
from clinic.patients.services import patient_link_portal_user
from clinic.scheduling.models import AppointmentKind, RoomKind
from clinic.scheduling.services import appointment_book, room_create, staff_shift_create
from clinic.treatment.services import protocol_library_seed
from tests.e2e.conftest import PHONE, TABLET, TABLET_PORTRAIT, assert_no_horizontal_scroll, use_viewport

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def running_infusion(clinic, staff, make_patient):
    """Avery Lindqvist's infusion running in Chair 1, with the nurse responsible."""
    nurse, physician, front_desk = staff[Role.NURSE], staff[Role.PHYSICIAN], staff[Role.FRONT_DESK]
    protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])
    patient = make_patient(
        clinic, front_desk, given_name="Avery", family_name="Lindqvist", date_of_birth=dt.date(1979, 3, 14)
    )
    order = make_verified_order(patient, physician=physician, nurse=nurse)
    chair = room_create(clinic=clinic, name="Chair 1", kind=RoomKind.CHAIR, created_by=staff[Role.ADMIN])
    now = timezone.now()
    appointment = appointment_book(
        patient=patient,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=now,
        ends_at=now + dt.timedelta(hours=2),
        booked_by=front_desk,
        room=chair,
    )
    answer_today(patient, nurse)
    session = session_check_in(appointment=appointment, order=order, chair=chair, nurse=nurse)
    assert complete_gate(session, nurse).passed
    infusion_start(session=session, started_by=nurse, client_key=key())
    session.refresh_from_db()
    return session


def chart_vitals(page, *, sbp, dbp, hr, spo2, rr):
    page.get_by_label("Systolic BP (mm Hg)").fill(str(sbp))
    page.get_by_label("Diastolic BP (mm Hg)").fill(str(dbp))
    page.get_by_label("Heart rate (bpm)").fill(str(hr))
    page.get_by_label("SpO2 (%)").fill(str(spo2))
    page.get_by_label("Respiratory rate (breaths/min)").fill(str(rr))
    page.get_by_role("button", name="Save vital signs").click()


@pytest.mark.parametrize("size", [TABLET, TABLET_PORTRAIT], ids=["landscape", "portrait"])
def test_the_most_severe_alert_is_the_first_thing_the_nurse_sees_and_reaches_the_physician(
    live_server,
    page,
    browser,
    sign_in,
    screenshot,
    clinic,
    staff,
    make_user,
    make_patient,
    running_infusion,
    size,
):
    nurse, physician = staff[Role.NURSE], staff[Role.PHYSICIAN]
    session = running_infusion
    # the physician on shift now, and a second physician who is not: the escalation goes to the first
    staff_shift_create(
        clinic=clinic,
        user=physician,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=8),
        created_by=staff[Role.ADMIN],
    )
    off_duty = make_user(Role.PHYSICIAN, clinic, credentials="MD")

    # given the nurse at the chair-side page on a tablet
    use_viewport(page, size)
    sign_in(page, nurse)
    page.goto(f"{live_server.url}/infusions/sessions/{session.pk}/")
    top = page.locator("#alert-top")
    expect(top).to_contain_text("No open alerts.")
    expect(page.locator("html")).not_to_have_attribute("data-alert-cues", re.compile(r"\d"))

    # when she charts SpO2 89 %, RR 8 and HR 48 (the form is below the live numbers)
    chart_vitals(page, sbp=124, dbp=80, hr=48, spo2=89, rr=8)

    # then the most severe alert and what to do are in view, at the top of the page, before the patient
    lead = top.locator(".vital-alert.lead")
    expect(lead).to_contain_text("PAUSE THE INFUSION")
    expect(lead).to_contain_text("SpO2 89 %")
    expect(lead).to_contain_text("open the airway, give oxygen")
    expect(lead.get_by_role("heading", name="PAUSE THE INFUSION")).to_be_in_viewport()
    expect(lead.locator(".alert-instruction")).to_be_in_viewport()
    expect(lead.get_by_role("button", name="Acknowledge")).to_be_visible()
    header = page.locator(".chair-header")
    assert lead.bounding_box()["y"] < header.bounding_box()["y"]
    # most severe first: pause (SpO2), pause (RR), call the physician (HR)
    levels = top.locator(".vital-alert").evaluate_all(
        "els => els.map(e => e.className.match(/level-(\\w+)/)[1])"
    )
    assert levels == ["pause", "pause", "call_physician"]
    expect(top.locator(".vital-alert").nth(1)).to_contain_text("Respiratory rate 8/min")
    expect(top.locator(".vital-alert").nth(2)).to_contain_text("CALL THE PHYSICIAN")
    # and the sound cue was played for the new alerts
    expect(page.locator("html")).to_have_attribute("data-alert-cues", re.compile(r"[1-9]"))
    assert_no_horizontal_scroll(page)
    name = "chairside-alert-top" if size == TABLET else "chairside-alert-top-portrait"
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)

    # when she mutes the sound on this tablet, it stays muted after a reload
    toggle = page.get_by_role("button", name=re.compile("^Sound on"))
    toggle.click()
    expect(page.get_by_role("button", name="Sound off")).to_have_attribute("aria-pressed", "false")
    page.reload()
    expect(page.get_by_role("button", name="Sound off")).to_be_visible()
    page.get_by_role("button", name="Sound off").click()
    expect(page.get_by_role("button", name=re.compile("^Sound on"))).to_have_attribute("aria-pressed", "true")

    # and the chair's card on the board leads with the alert, unlike a chair whose vitals are overdue
    overdue = make_session(
        make_patient(clinic, staff[Role.FRONT_DESK], family_name="Overdue"),
        staff,
        room_create(clinic=clinic, name="Chair 2", kind=RoomKind.CHAIR, created_by=staff[Role.ADMIN]),
        "running",
    )
    shift_session(overdue, 15)
    page.goto(f"{live_server.url}/board/")
    card = page.locator(f"#chair-{session.chair_id}-{session.pk}")
    expect(card).to_have_class(re.compile(r"\bhas-alert\b"))
    expect(card.locator(".chair-lead-alert")).to_contain_text("PAUSE THE INFUSION")
    expect(card.locator(".chair-lead-alert")).to_contain_text("give oxygen")
    overdue_card = page.locator(f"#chair-{overdue.chair_id}-{overdue.pk}")
    expect(overdue_card).to_have_class(re.compile(r"\bis-overdue\b"))
    expect(overdue_card).not_to_have_class(re.compile(r"\bhas-alert\b"))
    expect(overdue_card).to_contain_text("VITALS OVERDUE")
    expect(page.get_by_role("button", name=re.compile("^Sound on"))).to_be_visible()
    assert_no_horizontal_scroll(page)
    if size == TABLET:
        screenshot(page, "board-alert")

    # when nobody acknowledges for 4 minutes and the job worker's escalation sweep runs
    VitalAlert.objects.filter(session=session).update(created_at=timezone.now() - dt.timedelta(minutes=4))
    call_command("run_jobs", "--once", "--sweep-minutes", "0")

    # then the physician on duty sees it on Today and as a count in the navigation
    context = browser.new_context(viewport=size)
    doctor = context.new_page()
    sign_in(doctor, physician)
    doctor.goto(f"{live_server.url}/today/")
    escalated = doctor.locator("#escalated")
    expect(escalated).to_contain_text("PAUSE THE INFUSION")
    expect(escalated).to_contain_text("Chair 1")
    expect(escalated).to_contain_text("Avery Lindqvist")
    expect(escalated).to_be_in_viewport()
    expect(doctor.locator("#nav-escalated-count")).to_have_text("3 escalated")
    assert_no_horizontal_scroll(doctor)
    if size == TABLET:
        screenshot(doctor, "today-physician-escalated")
    # on any other page, a banner says so and leads to Today
    doctor.goto(f"{live_server.url}/patients/")
    expect(doctor.locator("#escalation-banner")).to_contain_text("3 alerts escalated to you")
    doctor.locator("#escalation-banner").get_by_role("link").click()
    expect(doctor.locator("#escalated")).to_be_visible()
    context.close()
    # the physician off duty was not told
    context = browser.new_context(viewport=size)
    other = context.new_page()
    sign_in(other, off_duty)
    other.goto(f"{live_server.url}/today/")
    expect(other.locator("#escalated")).to_contain_text("Nothing escalated to you.")
    expect(other.locator("#nav-escalated-count")).to_have_count(0)
    context.close()

    # and the nurse's chair-side page names who was told
    page.goto(f"{live_server.url}/infusions/sessions/{session.pk}/")
    expect(page.locator("#alert-top .vital-alert.lead")).to_contain_text("Escalated")
    expect(page.locator("#alert-top .vital-alert.lead")).to_contain_text(physician.signature_name)


def test_a_new_alert_charted_elsewhere_appears_without_a_reload(
    live_server, page, sign_in, staff, running_infusion
):
    from clinic.infusions.tests.conftest import vitals

    # given the chair-side page open, no alert
    sign_in(page, staff[Role.NURSE])
    page.goto(f"{live_server.url}/infusions/sessions/{running_infusion.pk}/")
    expect(page.get_by_label("Action taken")).to_have_count(0)
    page.locator("#timeline").scroll_into_view_if_needed()

    # when another tablet charts a stop-level blood pressure
    vitals(running_infusion, staff[Role.PHYSICIAN], sbp=210, dbp=124)

    # then within a poll the alert is at the top of the page and brought into view
    lead = page.locator("#alert-top .vital-alert.lead")
    expect(lead).to_contain_text("STOP THE INFUSION", timeout=12000)
    expect(lead.get_by_role("heading", name="STOP THE INFUSION")).to_be_in_viewport()

    # and what the nurse types in the acknowledgement survives the next polls
    lead.get_by_label("Action taken").fill("Stopped the pump; Dr at the chair")
    for _ in range(2):  # two polls of the live panel come and go
        with page.expect_response(lambda r: r.url.endswith(f"/sessions/{running_infusion.pk}/live/")):
            pass
    expect(lead.get_by_label("Action taken")).to_have_value("Stopped the pump; Dr at the chair")
    lead.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#alert-top")).to_contain_text("No open alerts.")
    expect(page.locator("#alerts .vital-alert.done")).to_contain_text("Stopped the pump")


def _asq_group(page, key):
    item = {item.key: item for item in ASQ_INSTRUMENT.items}[key]
    return page.get_by_role("group", name=f"{item.number}. {item.text}")


def test_a_positive_portal_asq_reaches_every_clinicians_today_at_once(
    live_server, page, browser, sign_in, screenshot, clinic, staff, make_user, make_patient
):
    # given a patient with a portal account, on their phone
    patient = make_patient(clinic, staff[Role.FRONT_DESK], given_name="Robin", family_name="Hale")
    user = make_user(Role.PATIENT, clinic)
    patient_link_portal_user(patient=patient, user=user, linked_by=staff[Role.ADMIN])
    use_viewport(page, PHONE)
    sign_in(page, user)

    # when they answer the ASQ with a yes and send it
    page.goto(f"{live_server.url}/outcomes/my/asq/")
    _asq_group(page, "q1").get_by_label("Yes", exact=True).check()
    for question in ("q2", "q3", "q4", "q5"):
        _asq_group(page, question).get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("We have told your care team")).to_be_visible()
    alert = SafetyAlert.objects.get(patient=patient)

    # then a nurse's and a physician's Today and navigation show it at once, on their tablets
    for role, shot in ((Role.NURSE, "today-nurse"), (Role.PHYSICIAN, "today-physician")):
        context = browser.new_context(viewport=TABLET)
        staff_page = context.new_page()
        sign_in(staff_page, staff[role])
        staff_page.goto(f"{live_server.url}/today/")
        safety = staff_page.locator("#safety-alerts")
        expect(safety).to_contain_text("Robin Hale")
        expect(safety).to_contain_text("High")
        expect(safety).to_contain_text("1 open")
        expect(staff_page.locator("#nav-safety-count")).to_have_text("1 open")
        assert_no_horizontal_scroll(staff_page)
        screenshot(staff_page, shot)
        if role == Role.PHYSICIAN:
            # the alert opens from Today for the acknowledgement
            safety.get_by_role("link", name="Robin Hale").click()
            staff_page.get_by_label("Action taken").fill("Called Robin: safety plan reviewed, seen tomorrow")
            staff_page.get_by_role("button", name=re.compile("Acknowledge")).click()
            staff_page.goto(f"{live_server.url}/today/")
            expect(staff_page.locator("#safety-alerts")).to_contain_text("No suicide-risk alert open")
            expect(staff_page.locator("#nav-safety-count")).to_have_count(0)
        context.close()
    alert.refresh_from_db()
    assert alert.status == "acknowledged"

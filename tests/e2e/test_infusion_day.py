"""The infusion day in the browser: a nurse checks a patient in, completes the readiness gate,
starts the infusion, charts a high blood pressure that raises an alert and acknowledges it, pauses
and resumes, stops, records recovery vitals and discharges the patient to their driver.

Set-up through the services: the verified order (treatment: course and order signed by the
physician, double-checked by a nurse), today's appointment in Chair 1, the patient's preparation
confirmation (reminders) and today's PHQ-9 and ASQ (outcomes). The minimum recovery observation is
reached by moving the recovery start back 61 minutes in the database (time travel), not by lowering
the clinic setting (its floor is 30 min).
"""

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.infusions.models import (
    InfusionEvent,
    InfusionSession,
    ReadinessCheck,
    SessionStatus,
    SideEffect,
    VitalAlert,
    VitalSign,
)
from clinic.infusions.services.charting import SESSION_CLOSED
from clinic.infusions.tests.conftest import answer_today, make_verified_order
from clinic.reminders.services import preparation_confirm
from clinic.scheduling.models import AppointmentKind, RoomKind
from clinic.scheduling.services import appointment_book, room_create
from clinic.treatment.services import protocol_library_seed
from conftest import DEMO_PASSWORD
from tests.e2e.conftest import TABLET, TABLET_PORTRAIT, assert_no_horizontal_scroll, use_viewport

pytestmark = pytest.mark.django_db(transaction=True)

TWENTY_TWO_MIN = dt.timedelta(minutes=22)


def travel_back(session, delta):
    """Move the session's past (gate, pump events, all readings but the latest, alerts) back."""
    latest = session.vitals.order_by("-taken_at", "-pk").first()
    ReadinessCheck.objects.filter(session=session).update(completed_at=F("completed_at") - delta)
    InfusionEvent.objects.filter(session=session).update(
        occurred_at=F("occurred_at") - delta, client_time=F("client_time") - delta
    )
    VitalSign.objects.filter(session=session).exclude(pk=latest.pk).update(
        taken_at=F("taken_at") - delta, client_time=F("client_time") - delta
    )
    VitalAlert.objects.filter(session=session).update(
        created_at=F("created_at") - delta, acknowledged_at=F("acknowledged_at") - delta
    )
    InfusionSession.objects.filter(pk=session.pk).update(
        started_at=F("started_at") - delta, gate_passed_at=F("gate_passed_at") - delta
    )


@pytest.fixture
def infusion_today(clinic, staff, make_patient):
    nurse, physician, front_desk = staff[Role.NURSE], staff[Role.PHYSICIAN], staff[Role.FRONT_DESK]
    clinic.phone = "+16175550100"
    clinic.save()
    protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])
    patient = make_patient(
        clinic,
        front_desk,
        given_name="Avery",
        family_name="Lindqvist",
        date_of_birth=dt.date(1979, 3, 14),
    )
    make_verified_order(patient, physician=physician, nurse=nurse)
    chair = room_create(clinic=clinic, name="Chair 1", kind=RoomKind.CHAIR, created_by=staff[Role.ADMIN])
    starts = timezone.now() + dt.timedelta(minutes=1)
    appointment = appointment_book(
        patient=patient,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        booked_by=front_desk,
        room=chair,
    )
    preparation_confirm(
        appointment=appointment,
        last_solid_food_at=starts - dt.timedelta(hours=9),
        last_clear_liquid_at=starts - dt.timedelta(hours=3),
        driver_name="Jordan Lindqvist",
        driver_phone="617-555-0142",
        medication_changes="none",
        pregnancy_status="not_pregnant",
        no_driving_understood=True,
        source="staff_phone",
        recorded_by=front_desk,
    )
    answer_today(patient, nurse)
    return patient


def test_nurse_runs_the_infusion_day_from_check_in_to_discharge(
    live_server, page, sign_in, screenshot, staff, infusion_today
):
    nurse = staff[Role.NURSE]
    patient = infusion_today

    # given the nurse opens today's infusions and checks the patient in to the booked chair
    sign_in(page, nurse)
    page.goto(f"{live_server.url}/infusions/")
    page.get_by_role("link", name="Check in Avery Lindqvist").click()
    expect(page.get_by_label("Verified order")).to_contain_text("35 mg at 52.5 mL/h")
    expect(page.get_by_label("Chair")).to_have_value(str(patient.appointments.get().room_id))
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("status").first).to_contain_text("Checked in to Chair 1.")

    # when they complete the readiness gate (fasting and driver pre-filled from the patient's
    # confirmation; the pregnancy status asked again today; today's PHQ-9 and ASQ already recorded)
    expect(page.get_by_label("Escort's phone")).to_have_value("(617) 555-0142")
    page.get_by_label("I asked the patient their full name and it matches the chart").check()
    page.get_by_label("Date of birth, as the patient says it").fill("1979-03-14")
    page.get_by_label("The escort is here, or confirmed by phone").check()
    page.get_by_label("Medication changes since the last visit reviewed with the patient").check()
    expect(page.get_by_label("Pregnancy status")).to_have_value("")
    page.get_by_label("Pregnancy status").select_option(label="Not pregnant")
    page.get_by_label("Systolic BP (mm Hg)").fill("128")
    page.get_by_label("Diastolic BP (mm Hg)").fill("82")
    page.get_by_label("Heart rate (bpm)").fill("76")
    page.get_by_label("SpO2 (%)").fill("98")
    page.get_by_label("Respiratory rate (breaths/min)").fill("14")
    page.get_by_role("button", name="Complete the readiness check").click()

    # then every item passes and the infusion may start
    expect(page.get_by_role("status").first).to_contain_text("Readiness gate passed")
    expect(page.locator("#gate-suicide_screen")).to_contain_text("Pass")
    expect(page.locator("#gate-pre_dose_vitals")).to_contain_text("128/82")
    screenshot(page, "readiness-gate")

    # when the nurse starts the pump at the ordered rate
    page.get_by_role("button", name="Start infusion at 52.5 mL/h").click()
    expect(page.locator("#session-status")).to_have_text("Running")
    expect(page.locator("#live-rate")).to_have_text("52.5 mL/h")
    expect(page.locator("#live-vitals-due")).to_contain_text("Due in")

    # and charts a blood pressure of 185/112 mm Hg
    page.get_by_label("Systolic BP (mm Hg)").fill("185")
    page.get_by_label("Diastolic BP (mm Hg)").fill("112")
    page.get_by_label("Heart rate (bpm)").fill("88")
    page.get_by_label("SpO2 (%)").fill("97")
    page.get_by_label("Respiratory rate (breaths/min)").fill("16")
    page.get_by_role("button", name="Save vital signs").click()

    # then an alert says to pause, and it is acknowledged with the action taken
    alert = page.locator(".vital-alert.level-pause")
    expect(alert).to_contain_text("BP 185/112 mm Hg is above the pause limit 180/110 mm Hg.")
    expect(alert).to_contain_text("Pause the infusion")
    screenshot(page, "vitals-alert")
    alert.get_by_label("Action taken").fill("Paused the pump; Dr informed; recheck in 5 min")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".vital-alert.done")).to_contain_text("Acknowledged by")

    # when the nurse pauses, then resumes once the BP has settled
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#session-status")).to_have_text("Paused")
    expect(page.locator("#live-rate")).to_have_text("Paused")
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#session-status")).to_have_text("Running")
    page.get_by_label("Systolic BP (mm Hg)").fill("150")
    page.get_by_label("Diastolic BP (mm Hg)").fill("92")
    page.get_by_label("Heart rate (bpm)").fill("80")
    page.get_by_label("SpO2 (%)").fill("98")
    page.get_by_label("Respiratory rate (breaths/min)").fill("15")
    page.get_by_role("button", name="Save vital signs").click()
    expect(page.locator("#timeline")).to_contain_text("BP 150/92 mm Hg")
    # (time travel for a realistic screenshot: everything before the last reading happened 22 min ago)
    session = InfusionSession.objects.get(patient=patient)
    travel_back(session, TWENTY_TWO_MIN)
    page.reload()
    expect(page.locator("#live-delivered")).to_contain_text("19.")
    screenshot(page, "chairside-running")

    # and stops the infusion: completed as ordered
    page.get_by_label("Why stop?").select_option(label="Completed as ordered")
    page.get_by_role("button", name="Stop infusion").click()
    expect(page.locator("#session-status")).to_have_text("Recovering")
    expect(page.locator("#recovery")).to_contain_text("Minimum observation not reached")

    # and records recovery vitals; the minimum observation passes (time travel: the recovery
    # start is moved back 61 minutes)
    page.get_by_label("Systolic BP (mm Hg)").fill("126")
    page.get_by_label("Diastolic BP (mm Hg)").fill("80")
    page.get_by_label("Heart rate (bpm)").fill("74")
    page.get_by_label("SpO2 (%)").fill("98")
    page.get_by_label("Respiratory rate (breaths/min)").fill("14")
    page.get_by_role("button", name="Save vital signs").click()
    expect(page.locator("#timeline")).to_contain_text("Vitals (recovery)")
    InfusionSession.objects.filter(pk=session.pk).update(
        recovery_started_at=timezone.now() - dt.timedelta(minutes=61)
    )
    page.reload()
    expect(page.locator("#recovery")).to_contain_text("Recovery criteria met")

    # then the nurse scores the patient, confirms the driver and the patient acknowledges
    page.get_by_role("link", name="Discharge…").click()
    for item in ("Activity", "Respiration", "Consciousness"):
        page.get_by_role("group", name=item).locator("input[value='2']").check()
    expect(page.get_by_role("group", name="Circulation").locator("input[value='2']")).to_be_checked()
    expect(page.get_by_label("Adult driver: name")).to_have_value("Jordan Lindqvist")
    for checkbox in (
        page.get_by_role("group", name="The patient has read and agrees").get_by_role("checkbox").all()
    ):
        checkbox.check()
    page.get_by_label("Patient: type your full name").fill("avery lindqvist")
    page.get_by_label("Nurse: your password (to sign as witness)").fill(DEMO_PASSWORD)
    screenshot(page, "discharge")
    page.get_by_role("button", name="Discharge the patient").click()

    expect(page.get_by_role("status").first).to_contain_text("Discharged with Jordan Lindqvist.")
    expect(page.get_by_role("heading", name=re.compile("Discharged at"))).to_be_visible()
    session.refresh_from_db()
    assert session.status == SessionStatus.DISCHARGED
    assert session.discharge_score_total == 10
    assert session.events.count() == 4  # start, pause, resume, stop
    assert VitalAlert.objects.get(session=session).action_taken.startswith("Paused the pump")


def open_running_session(live_server, page, sign_in, nurse, patient):
    """A running infusion of `patient`, open on the chair-side page."""
    from clinic.infusions.services import infusion_start, session_check_in
    from clinic.infusions.tests.conftest import complete_gate, key

    appointment = patient.appointments.get()
    session = session_check_in(
        appointment=appointment,
        order=patient.infusion_orders.get(),
        chair=appointment.room,
        nurse=nurse,
    )
    complete_gate(session, nurse)
    infusion_start(session=session, started_by=nurse, client_key=key())
    sign_in(page, nurse)
    page.goto(f"{live_server.url}/infusions/sessions/{session.pk}/")
    return session


def chart_side_effect_offline(page):
    page.context.set_offline(True)
    page.locator("summary").filter(has_text=re.compile("^Side effect$")).click()
    page.get_by_label("Side effect", exact=True).select_option(label="Nausea")
    page.get_by_label("Severity").select_option(label="Mild")
    page.get_by_role("button", name="Save side effect").click()


def test_an_entry_made_offline_is_sent_once_when_the_tablet_reconnects(
    live_server, page, sign_in, staff, infusion_today
):
    # given a running infusion
    session = open_running_session(live_server, page, sign_in, staff[Role.NURSE], infusion_today)

    # when the tablet loses the network and the nurse charts a side effect
    chart_side_effect_offline(page)

    # then it waits on the tablet
    expect(page.locator("#queue-status")).to_contain_text("1 entry waiting to send")
    assert not SideEffect.objects.exists()

    # when the network is back it is sent, once
    page.context.set_offline(False)
    expect(page.locator("#timeline")).to_contain_text("Side effect: Nausea (mild)", timeout=20000)
    expect(page.locator("#queue-status")).to_be_hidden()
    assert SideEffect.objects.filter(session=session).count() == 1


def test_an_offline_entry_refused_on_reconnect_stays_listed_as_not_saved(
    live_server, page, sign_in, staff, infusion_today
):
    # given a running infusion and a side effect charted while the tablet is offline
    session = open_running_session(live_server, page, sign_in, staff[Role.NURSE], infusion_today)
    chart_side_effect_offline(page)
    expect(page.locator("#queue-status")).to_contain_text("1 entry waiting to send")

    # when the session is closed meanwhile (another device) and the network comes back
    InfusionSession.objects.filter(pk=session.pk).update(status=SessionStatus.ABANDONED)
    page.context.set_offline(False)

    # then the refusal stays on the page after the reload, with the entry and the reason
    expect(page.locator("#queue-status")).to_be_hidden(timeout=20000)
    page.wait_for_load_state()
    not_saved = page.locator("#not-saved")
    expect(not_saved).to_contain_text("Not saved", timeout=20000)
    expect(not_saved).to_contain_text("Side effect: Nausea; Severity: Mild")
    expect(not_saved).to_contain_text(SESSION_CLOSED)
    assert not SideEffect.objects.exists()
    page.reload()
    expect(not_saved).to_contain_text(SESSION_CLOSED)

    # and the nurse dismisses it
    not_saved.get_by_role("button", name="Dismiss").click()
    expect(not_saved).to_be_hidden()
    page.reload()
    expect(not_saved).to_be_hidden()


# --- a failed gate item cannot be passed by accident -----------------------------------------------


def clinic_clock(patient, hours_ago: float) -> str:
    moment = timezone.now().astimezone(patient.clinic.tzinfo) - dt.timedelta(hours=hours_ago)
    return moment.strftime("%H:%M")


def reminder_solids(appointment) -> str:
    """The last solid food the patient gave with the reminder, as the gate shows it."""
    return appointment.preparation.last_solid_food_at.astimezone(appointment.clinic.tzinfo).strftime("%H:%M")


def fill_gate(page, *, vitals=(128, 82, 76, 98, 14)):
    page.get_by_label("I asked the patient their full name and it matches the chart").check()
    page.get_by_label("The escort is here, or confirmed by phone").check()
    page.get_by_label("Medication changes since the last visit reviewed with the patient").check()
    gate = page.locator("#gate-form")
    for label, value in zip(
        ("Systolic BP (mm Hg)", "Diastolic BP (mm Hg)", "Heart rate (bpm)", "SpO2 (%)", "Respiratory rate"),
        vitals,
        strict=True,
    ):
        gate.get_by_label(label).fill(str(value))


@pytest.mark.parametrize("size", [TABLET, TABLET_PORTRAIT], ids=["landscape", "portrait"])
def test_a_failed_fasting_answer_is_re_checked_from_the_last_answers_and_a_change_needs_confirming(
    live_server, page, sign_in, screenshot, staff, infusion_today, size
):
    from clinic.infusions.services import session_check_in

    use_viewport(page, size)
    nurse, patient = staff[Role.NURSE], infusion_today
    appointment = patient.appointments.get()
    session = session_check_in(
        appointment=appointment, order=patient.infusion_orders.get(), chair=appointment.room, nurse=nurse
    )
    sign_in(page, nurse)
    page.goto(f"{live_server.url}/infusions/sessions/{session.pk}/")

    # given the first check: the reminder's fasting times are pre-filled (solids 9 h ago), the
    # pregnancy status and the ticks start empty
    solids = page.get_by_label("Last solid food (time)")
    expect(solids).to_have_value(reminder_solids(appointment))
    expect(page.get_by_label("Pregnancy status")).to_have_value("")
    expect(
        page.get_by_label("I asked the patient their full name and it matches the chart")
    ).not_to_be_checked()
    expect(page.get_by_label("The escort is here, or confirmed by phone")).not_to_be_checked()

    # when the patient says today they ate 3 hours ago
    ate = clinic_clock(patient, 3)
    solids.fill(ate)
    page.get_by_label("Date of birth, as the patient says it").fill("1979-03-14")
    page.get_by_label("Pregnancy status").select_option(label="Not pregnant")
    fill_gate(page)
    page.get_by_role("button", name="Complete the readiness check").click()

    # then fasting fails
    expect(page.locator("#gate-fasting")).to_contain_text("Fail")
    expect(page.locator("#gate-fasting")).to_contain_text("Solid food 3.0 h ago")

    # and the re-check starts from that answer, not the reminder's; its confirmation is not shown yet
    expect(solids).to_have_value(ate)
    expect(page.get_by_label("Pregnancy status")).to_have_value("not_pregnant")
    confirm = page.get_by_label("I confirmed the changed answer with the patient")
    expect(confirm).to_be_hidden()

    # when the nurse types the reminder's older time again
    solids.fill(reminder_solids(appointment))

    # then the change is highlighted and its confirmation appears beside it
    expect(page.locator(".field.answer-changed")).to_contain_text("Last solid food (time)")
    changed = page.locator("[data-confirm-item=fasting]")
    expect(changed).to_contain_text(
        f"Changed since the last check, when this item failed: last solid food "
        f"{ate} → {reminder_solids(appointment)}."
    )
    expect(confirm).to_be_visible()
    assert_no_horizontal_scroll(page)
    if size == TABLET:
        changed.scroll_into_view_if_needed()
        screenshot(page, "gate-recheck")

    # and submitting without the confirmation is refused, naming it
    fill_gate(page)
    page.get_by_role("button", name="Complete the readiness check").click()
    error = page.locator("#gate-form .errorlist").filter(has_text="Fasting failed at the last check")
    expect(error).to_contain_text("I confirmed the changed answer with the patient:")
    assert ReadinessCheck.objects.filter(session=session).count() == 1

    # when the nurse confirms the new answer with the patient, the re-check passes
    expect(page.locator(".field.answer-changed")).to_contain_text("Last solid food (time)")
    page.get_by_label("I confirmed the changed answer with the patient").check()
    page.get_by_role("button", name="Complete the readiness check").click()
    expect(page.get_by_role("status").first).to_contain_text("Readiness gate passed")
    latest = ReadinessCheck.objects.filter(session=session).order_by("-version").first()
    assert latest.version == 2 and latest.passed


# --- the right order at check-in ---------------------------------------------------------------


@pytest.mark.parametrize("size", [TABLET, TABLET_PORTRAIT], ids=["landscape", "portrait"])
def test_the_third_infusion_s_check_in_preselects_order_3_and_order_1_needs_a_reason(
    live_server, page, sign_in, screenshot, clinic, staff, make_patient, size
):
    from clinic.infusions.tests.conftest import third_infusion_day

    # given the third visit of a course: order 1 never used (its visit was abandoned), order 2
    # given, order 3 titrated to 0.75 mg/kg
    use_viewport(page, size)
    nurse, physician, front_desk = staff[Role.NURSE], staff[Role.PHYSICIAN], staff[Role.FRONT_DESK]
    protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])
    patient = make_patient(clinic, front_desk, given_name="Robin", family_name="Hale")
    chair = room_create(clinic=clinic, name="Chair 1", kind=RoomKind.CHAIR, created_by=staff[Role.ADMIN])
    appointment, (first, _second, third) = third_infusion_day(
        patient, physician=physician, nurse=nurse, front_desk=front_desk, chair=chair
    )

    # when the nurse opens the check-in
    sign_in(page, nurse)
    page.goto(f"{live_server.url}/infusions/appointments/{appointment.pk}/check-in/")

    # then order 3 is preselected and labelled as the next one
    order = page.get_by_label("Verified order")
    expect(order).to_have_value(str(third.pk))
    expect(order.locator("option:checked")).to_contain_text(
        re.compile(r"^Next in sequence: Infusion 3 of course #\d+ .*: 52\.5 mg at 78\.\d+ mL/h$")
    )
    expect(page.locator("#next-order")).to_contain_text("Next in sequence Infusion 3")
    assert_no_horizontal_scroll(page)
    if size == TABLET:
        screenshot(page, "check-in-next-order")

    # when they choose order 1 instead without a reason, it is refused naming the field
    order.select_option(str(first.pk))
    page.get_by_role("button", name="Check in").click()
    error = page.locator(".field.has-error").filter(has_text="Reason for choosing an order other than")
    expect(error).to_contain_text("Infusion 1 is not the next order in sequence")
    expect(error).to_be_in_viewport()
    assert not InfusionSession.objects.filter(appointment=appointment).exists()

    # and with the reason it is checked in with order 1
    page.get_by_label("Reason for choosing an order other than the next in sequence").fill(
        "Physician: repeat 0.5 mg/kg after nausea at the higher dose"
    )
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("status").first).to_contain_text("Checked in to Chair 1.")
    expect(page.locator("#gate-form")).to_be_visible()
    session = InfusionSession.objects.get(appointment=appointment)
    assert session.order == first
    assert session.order_choice_reason.startswith("Physician: repeat 0.5 mg/kg")


# --- charting after an idle sign-out ---------------------------------------------------------------


def chart_vitals(page, sbp=128, dbp=82):
    form = page.locator("#vitals form")
    for label, value in (
        ("Systolic BP (mm Hg)", sbp),
        ("Diastolic BP (mm Hg)", dbp),
        ("Heart rate (bpm)", 76),
        ("SpO2 (%)", 98),
        ("Respiratory rate (breaths/min)", 14),
    ):
        form.get_by_label(label).fill(str(value))
    form.get_by_role("button", name="Save vital signs").click()
    return form


def chart_side_effect(page):
    page.locator("summary").filter(has_text=re.compile("^Side effect$")).click()
    form = page.locator("form[data-label='Side effect']")
    form.get_by_label("Side effect", exact=True).select_option(label="Nausea")
    form.get_by_label("Severity").select_option(label="Mild")
    form.get_by_role("button", name="Save side effect").click()
    return form


@pytest.mark.parametrize("size", [TABLET, TABLET_PORTRAIT], ids=["landscape", "portrait"])
def test_signed_out_while_charting_the_nurse_signs_in_again_and_the_entry_is_saved_once(
    live_server, page, sign_in, screenshot, staff, infusion_today, size
):
    use_viewport(page, size)
    nurse = staff[Role.NURSE]
    session = open_running_session(live_server, page, sign_in, nurse, infusion_today)
    chair_url = f"{live_server.url}/infusions/sessions/{session.pk}/"

    # given vital signs charted: "saved" shows beside the form, where the nurse looks
    vitals_form = chart_vitals(page)
    saved = vitals_form.get_by_role("status")
    expect(saved).to_have_text("Vital signs saved.")
    expect(saved).to_be_in_viewport()

    # when the sign-in ends (the session and security cookies are gone) and a side effect is charted
    page.context.clear_cookies()
    effect_form = chart_side_effect(page)

    # then the nurse is told plainly, next to the form, to sign in again; the entry is kept
    status = effect_form.get_by_role("status")
    expect(status).to_contain_text("Side effect not sent: your sign-in has ended. Sign in again")
    expect(status).to_be_in_viewport()
    expect(status).not_to_contain_text("Your role does not allow this")
    expect(page.locator("#signed-out")).to_contain_text("You are signed out. Sign in again to keep charting.")
    expect(page.locator("#queue-status")).to_contain_text("1 entry kept on this tablet")
    assert not SideEffect.objects.exists()
    assert_no_horizontal_scroll(page)
    if size == TABLET:
        screenshot(page, "chairside-signed-out")

    # when they follow the link and sign in, they are back at the chair
    status.get_by_role("link", name="Sign in again").click()
    expect(
        page.get_by_role("status").filter(has_text="Sign in to go back to the chair-side page")
    ).to_be_visible()
    page.get_by_label("Username").fill(nurse.username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(chair_url)

    # and the kept entry is sent with the fresh sign-in, once
    expect(page.locator("#queue-sent")).to_contain_text("Side effect (made ")
    expect(page.locator("#queue-sent")).to_contain_text("sent and saved.")
    expect(page.locator("#timeline")).to_contain_text("Side effect: Nausea (mild)")
    expect(page.locator("#queue-status")).to_be_hidden()
    page.reload()
    expect(page.locator("#timeline")).to_contain_text("Side effect: Nausea (mild)")
    assert SideEffect.objects.filter(session=session).count() == 1
    assert SideEffect.objects.get(session=session).recorded_by == nurse

    # and a form low on the page says "saved" beside itself, in view
    page.locator("summary").filter(has_text="Sedation / dissociation rating").click()
    rating = page.locator("form[data-label='Rating']")
    rating.get_by_label("Scale").select_option(label="Sedation (MOAA/S 0–5)")
    rating.get_by_label("Score").fill("5")
    rating.get_by_role("button", name="Save rating").click()
    expect(rating.get_by_role("status")).to_have_text("Rating saved.")
    expect(rating.get_by_role("status")).to_be_in_viewport()


def test_after_an_idle_sign_out_another_nurse_confirms_the_kept_entry_before_it_is_sent(
    live_server, page, sign_in, staff, make_user, clinic, infusion_today
):
    from django.contrib.sessions.backends.db import SessionStore

    from clinic.accounts.middleware import LAST_ACTIVITY_KEY
    from clinic.accounts.models import Membership

    nurse = staff[Role.NURSE]
    colleague = make_user(Role.NURSE, clinic, first_name="Sam", last_name="Okafor")
    session = open_running_session(live_server, page, sign_in, nurse, infusion_today)

    # given the tablet left idle past the timeout: the server signs the nurse out at the next request
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    store = SessionStore(session_key=cookie["value"])
    store[LAST_ACTIVITY_KEY] = 0
    store.save()

    # when vital signs are charted, they are kept and the nurse is asked to sign in again
    form = chart_vitals(page, sbp=131, dbp=84)
    expect(form.get_by_role("status")).to_contain_text("Vital signs not sent: your sign-in has ended")
    assert not VitalSign.objects.filter(session=session, phase="during").exists()

    # when a colleague signs in on the same tablet and comes back to the chair
    form.get_by_role("status").get_by_role("link", name="Sign in again").click()
    expect(page.get_by_role("status").filter(has_text="without activity")).to_be_visible()
    page.get_by_label("Username").fill(colleague.username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # then the entry is shown to her, with who made it, and is not sent until she confirms
    held = page.locator("#held-entries")
    expect(held).to_contain_text(f"1 entry was made on this tablet by {nurse.signature_name} and not sent")
    expect(held).to_contain_text(f"charted under your name ({colleague.signature_name})")
    expect(held).to_contain_text("Vital signs (made ")
    expect(held).to_contain_text("Systolic BP (mm Hg): 131")
    assert not VitalSign.objects.filter(session=session, phase="during").exists()
    held.get_by_role("button", name="Send it under my name").click()
    expect(page.locator("#queue-sent")).to_contain_text(f"under your name (made by {nurse.signature_name})")
    expect(held).to_be_hidden()
    vital = VitalSign.objects.get(session=session, phase="during")
    assert (vital.sbp, vital.recorded_by) == (131, colleague)

    # and an entry refused for a real permission reason says so beside the form, and is not kept
    Membership.objects.filter(user=colleague, clinic=clinic).update(role=Role.FRONT_DESK)
    form = chart_vitals(page, sbp=129, dbp=80)
    expect(form.get_by_role("status")).to_have_text("Vital signs not saved: Your role does not allow this.")
    expect(page.locator("#queue-status")).to_be_hidden()
    expect(page.locator("#signed-out")).to_be_hidden()


def test_the_idle_sign_out_leads_back_to_the_chair_after_signing_in(
    live_server, page, sign_in, staff, infusion_today, settings
):
    # given a short idle timeout (the clinic's is 15 minutes) and a running infusion on the tablet
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 2
    nurse = staff[Role.NURSE]
    session = open_running_session(live_server, page, sign_in, nurse, infusion_today)
    chair_path = f"/infusions/sessions/{session.pk}/"

    # when nobody touches it, the tablet goes to the sign-in page, which will return to the chair
    page.wait_for_url(re.compile(r"/accounts/login/\?next="), timeout=20000)
    assert page.url == f"{live_server.url}/accounts/login/?next={quote(chair_path, safe='')}"
    expect(page.get_by_role("status").filter(has_text="without activity")).to_be_visible()
    expect(
        page.get_by_role("status").filter(has_text="Sign in to go back to the chair-side page")
    ).to_be_visible()

    # then signing in leads straight back to the chair
    page.get_by_label("Username").fill(nurse.username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}{chair_path}")

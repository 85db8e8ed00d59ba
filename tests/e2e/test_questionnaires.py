"""Questionnaires in the browser: a PHQ-9 with a suicide-risk answer raises an alert that a
physician acknowledges; a patient's ASQ in the portal shows crisis resources at once."""

import pytest
from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.outcomes.instruments import ASQ_INSTRUMENT, PHQ9_INSTRUMENT
from clinic.outcomes.models import AlertStatus, QuestionnaireResponse, SafetyAlert
from clinic.patients.services import patient_link_portal_user

pytestmark = pytest.mark.django_db(transaction=True)

PHQ9_ANSWERS = [
    "Several days",
    "More than half the days",
    "Several days",
    "Nearly every day",
    "Not at all",
    "Several days",
    "Not at all",
    "Not at all",
    "More than half the days",
]


def test_nurse_enters_phq9_with_item9_and_physician_acknowledges(
    live_server, page, sign_in, screenshot, clinic, staff, make_patient
):
    # given a patient at their evaluation
    nurse, physician = staff[Role.NURSE], staff[Role.PHYSICIAN]
    patient = make_patient(clinic, staff[Role.FRONT_DESK], given_name="Jordan", family_name="Rivera")

    # when the nurse enters a PHQ-9 with question 9 = "More than half the days" (2)
    sign_in(page, nurse)
    page.goto(f"{live_server.url}/outcomes/patients/{patient.pk}/scores/")
    page.get_by_role("link", name="Enter PHQ-9").click()
    for item, answer in zip(PHQ9_INSTRUMENT.items, PHQ9_ANSWERS, strict=True):
        page.get_by_role("group", name=f"{item.number}. {item.text}").get_by_label(answer).check()
    # the suicide-risk answer shows the warning before saving
    expect(page.locator("#crisis-panel")).to_be_visible()
    page.get_by_label("When was it answered?").select_option("baseline")
    page.get_by_role("button", name="Save PHQ-9").click()

    # then the result page shows the red alert panel with the crisis resources
    panel = page.locator("#safety-alert")
    expect(panel).to_contain_text("Suicide-risk alert: High — must be acknowledged")
    expect(panel.get_by_role("link", name="988")).to_be_visible()
    expect(panel.get_by_role("link", name="911")).to_be_visible()
    expect(page.locator(".kpi")).to_have_text("10")
    screenshot(page, "phq9-alert")
    response = QuestionnaireResponse.objects.get(patient=patient)
    assert (response.total, response.band, response.risk_level) == (10, "moderate", "high")

    # when a physician acknowledges it from the alerts list, saying what was done
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, physician)
    page.goto(f"{live_server.url}/outcomes/alerts/")
    row = page.get_by_role("row").filter(has_text="Jordan Rivera")
    expect(row).to_contain_text("High")
    row.get_by_label("Action taken").fill(
        "Assessed in clinic: passive ideation, no plan or intent. Safety plan reviewed; 988 given."
    )
    screenshot(page, "safety-alerts")
    row.get_by_role("button", name="Acknowledge").click()

    # then the alert is closed with who, when and the action
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()
    expect(page.get_by_text("No open alerts.")).to_be_visible()
    alert = SafetyAlert.objects.get(patient=patient)
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == physician and "Safety plan reviewed" in alert.action_taken


def test_patient_asq_in_the_portal_shows_crisis_resources(
    live_server, page, sign_in, screenshot, clinic, staff, make_user, make_patient
):
    # given a patient with a portal account
    patient = make_patient(clinic, staff[Role.FRONT_DESK])
    user = make_user(Role.PATIENT, clinic)
    patient_link_portal_user(patient=patient, user=user, linked_by=staff[Role.ADMIN])
    sign_in(page, user)

    # when they answer yes to an ASQ question
    page.goto(f"{live_server.url}/outcomes/my/asq/")
    crisis = page.locator("#crisis-panel")
    expect(crisis).to_be_hidden()
    questions = {item.key: item for item in ASQ_INSTRUMENT.items}
    for key in ("q1", "q3", "q4"):
        page.get_by_role("group", name=f"{questions[key].number}. {questions[key].text}").get_by_label(
            "No", exact=True
        ).check()
    page.get_by_role("group", name=f"2. {questions['q2'].text}").get_by_label("Yes", exact=True).check()
    # then help shows at once, before the answers are sent
    expect(crisis).to_be_visible()
    page.get_by_role("group", name=f"5. {questions['q5'].text}").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()

    # and after sending, the crisis panel stays and the care team is alerted
    expect(page.locator("#crisis-panel")).to_be_visible()
    expect(page.get_by_text("We have told your care team")).to_be_visible()
    screenshot(page, "portal-asq-crisis")
    alert = SafetyAlert.objects.get(patient=patient)
    assert (alert.level, alert.response.source) == ("high", "patient")


def test_nurse_sees_the_score_trend(live_server, page, sign_in, screenshot, clinic, staff, make_patient):
    # given a patient's PHQ-9 and pain scores over an induction series
    import datetime as dt

    from django.utils import timezone

    from clinic.outcomes.services import questionnaire_response_record

    nurse = staff[Role.NURSE]
    patient = make_patient(clinic, staff[Role.FRONT_DESK], given_name="Sam", family_name="Okafor")
    start = timezone.now() - dt.timedelta(days=20)
    for day, (phq9_total, pain) in enumerate([(21, 7), (18, 6), (14, 5), (11, 5), (8, 4), (6, 3)]):
        answers = {f"q{n}": 0 for n in range(1, 10)}
        for n in range(1, 9):
            answers[f"q{n}"] = min(3, max(0, phq9_total - 3 * (n - 1)))
        for code, given in (("phq9", answers), ("pain_nrs", {"pain": pain})):
            questionnaire_response_record(
                patient=patient,
                instrument_code=code,
                answers=given,
                context="baseline" if day == 0 else "pre_infusion",
                entered_by=nurse,
                completed_at=start + dt.timedelta(days=day * 3),
            )
    # when the nurse opens the scores page
    sign_in(page, nurse)
    page.goto(f"{live_server.url}/outcomes/patients/{patient.pk}/scores/")
    # then both trends are drawn and every response is listed
    expect(page.get_by_role("img", name="PHQ-9 totals, 6 responses", exact=False)).to_be_visible()
    expect(page.get_by_role("img", name="Pain 0–10 totals, 6 responses", exact=False)).to_be_visible()
    expect(page.get_by_role("link", name="View")).to_have_count(12)
    screenshot(page, "patient-scores")

"""From consultation to a signed candidacy decision: the patient fills in and submits the intake
history in the portal; the physician opens the evaluation, sees the findings (a benzodiazepine
interaction) and signs "candidate" with their password."""

import pytest
from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.evaluation.models import CandidacyDecision, IntakeHistory, IntakeStatus
from clinic.patients.models import JourneyStage
from clinic.patients.services import diagnosis_add, medication_add, patient_link_portal_user
from conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = (
    ("Sertraline", "200", "12", "No improvement"),
    ("Venlafaxine", "225", "8", "Some improvement, not enough"),
)
RADIO_ANSWERS = {
    "Alcohol": "Never",
    "Cannabis": "In the past",
    "Stimulants": "Never",
    "Opioids (not as prescribed)": "Never",
    "Other drugs": "Never",
    "Psychotic symptoms": "Never",
    "Mania or hypomania, ever": "No",
    "High blood pressure": "Yes, controlled",
    "Liver disease": "No",
    "Thyroid disease": "No",
    "Are you pregnant, or could you be?": "No",
    "Are you breastfeeding?": "No",
}


def record_baseline(patient, nurse) -> None:
    """Baseline PHQ-9 and ASQ entered by the nurse (the outcomes e2e covers those forms)."""
    try:
        from clinic.outcomes.models import ResponseContext
        from clinic.outcomes.services import questionnaire_response_record
    except ImportError:
        pytest.skip("The outcomes app (questionnaire_response_record) is not installed.")
    phq9 = {f"q{n}": 2 for n in range(1, 9)} | {"q9": 0}
    for code, answers in (("phq9", phq9), ("asq", {"q1": 0, "q2": 0, "q3": 0, "q4": 0})):
        questionnaire_response_record(
            patient=patient,
            instrument_code=code,
            answers=answers,
            context=ResponseContext.BASELINE,
            entered_by=nurse,
        )


def test_patient_submits_intake_and_physician_signs_candidate(
    live_server, page, sign_in, screenshot, clinic, staff, make_user, make_patient
):
    # given a patient with recurrent depression who takes lorazepam, with a portal account
    nurse, physician = staff[Role.NURSE], staff[Role.PHYSICIAN]
    patient = make_patient(clinic, staff[Role.FRONT_DESK], given_name="Morgan", family_name="Lee")
    account = make_user(Role.PATIENT, clinic, first_name="Morgan", last_name="Lee")
    patient_link_portal_user(patient=patient, user=account, linked_by=staff[Role.FRONT_DESK])
    diagnosis_add(patient=patient, noted_by=nurse, icd10_code="F33.2")
    medication_add(
        patient=patient,
        recorded_by=nurse,
        name="Lorazepam",
        dose="1 mg",
        frequency="at night",
        drug_class="benzodiazepine",
    )
    medication_add(
        patient=patient,
        recorded_by=nurse,
        name="Bupropion",
        dose="300 mg",
        frequency="daily",
        drug_class="other",
    )

    # when the patient opens their health history in the portal
    sign_in(page, account)
    page.goto(f"{live_server.url}/evaluation/my-intake/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your health history")
    page.get_by_label("Psychiatric history").fill("Depressed on and off since 2014.")

    # and lists the antidepressants they have tried
    for number, (drug, dose, weeks, outcome) in enumerate(TRIALS, start=1):
        row = page.get_by_role("group", name=f"Antidepressants tried, row {number}")
        row.get_by_label("Medicine").fill(drug)
        row.get_by_label("Highest dose").fill(dose)
        row.get_by_label("Dose unit").select_option("mg")
        row.get_by_label("Duration (weeks)").fill(weeks)
        row.get_by_label("Taken as prescribed for long enough").select_option("yes")
        row.get_by_label("How did it go?").select_option(label=outcome)

    # and saves a draft, then comes back to it
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved")
    expect(
        page.get_by_role("group", name="Antidepressants tried, row 2").get_by_label("Medicine")
    ).to_have_value("Venlafaxine")

    # and answers the rest and confirms the medication list from the chart
    for question, choice in RADIO_ANSWERS.items():
        page.get_by_role("group", name=question, exact=True).get_by_label(
            choice, exact=True
        ).check()
    expect(page.locator("#id_medications_confirmed")).not_to_be_checked()
    page.get_by_label("The list of current medications above is complete and correct").check()
    page.get_by_label("The list of allergies above is complete and correct").check()
    screenshot(page, "intake-form")
    page.get_by_role("button", name="Submit intake history").click()

    # then the intake is submitted and locked
    expect(page.get_by_role("status")).to_contain_text("Intake history submitted (version 1)")
    expect(page.get_by_role("button", name="Update my answers")).to_be_visible()
    intake = IntakeHistory.objects.get(patient=patient)
    assert intake.status == IntakeStatus.SUBMITTED and intake.source == "patient"

    # given the baseline PHQ-9 and suicide-risk screen were taken at the consultation
    record_baseline(patient, nurse)

    # when the physician opens the evaluation
    page.context.clear_cookies()
    sign_in(page, physician)
    page.goto(f"{live_server.url}/evaluation/patients/{patient.pk}/")

    # then the findings show the indication and the benzodiazepine interaction with its source
    findings = page.locator("#findings")
    expect(findings.locator('tr[data-rule="IND-TRD"]')).to_contain_text("2 failed adequate")
    interaction = findings.locator('tr[data-rule="INT-BENZODIAZEPINE"]')
    expect(interaction).to_contain_text("Lorazepam 1 mg (Benzodiazepine)")
    expect(interaction).to_contain_text("Andrade 2017 drug-interaction review, Ketalar label")
    expect(findings.locator('tr[data-rule="PRE-HYPERTENSION-CONTROLLED"]')).to_be_visible()
    expect(page.locator("#baseline")).not_to_contain_text("Missing")
    screenshot(page, "evaluation-findings")

    # when they sign "candidate" with a wrong password first
    decision = page.locator("#decision")
    decision.get_by_label("Candidate", exact=True).check()
    decision.get_by_label("Reason").fill(
        "TRD after two adequate trials. Taper lorazepam the evening before infusions."
    )
    decision.get_by_label("Your password (to sign)").fill("not-my-password")
    decision.get_by_role("button", name="Sign decision").click()
    expect(page.locator("#decision")).to_contain_text("The password is not correct")
    assert not CandidacyDecision.objects.exists()

    # and then with the right one
    decision = page.locator("#decision")
    decision.get_by_label("Candidate", exact=True).check()
    decision.get_by_label("Your password (to sign)").fill(DEMO_PASSWORD)
    decision.get_by_role("button", name="Sign decision").click()

    # then the signed decision shows the printed name, time and meaning
    expect(page.get_by_role("status").filter(has_text="Decision signed: Candidate")).to_be_visible()
    expect(
        page.get_by_role("status").filter(has_text="Current decision: Candidate")
    ).to_be_visible()
    signed = page.locator("#decisions")
    expect(signed).to_contain_text(physician.signature_name)
    expect(signed).to_contain_text("Approved")
    expect(signed).to_contain_text("matches the signed content")
    screenshot(page, "candidacy-signed")
    patient.refresh_from_db()
    assert patient.journey_stage == JourneyStage.CANDIDATE

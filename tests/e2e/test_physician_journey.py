"""The whole physician journey on the demo clinic: the demo physician evaluates the patient who is
ready for a decision, signs "candidate" and a mood induction course, drafts and signs the first
order; the demo nurse double-checks it blind (a wrong rate is refused first); the order page then
shows the dose, the pump rate and the predicted concentration curve."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from clinic.accounts.models import User
from clinic.core.demo import data
from clinic.core.demo.loader import demo_load
from clinic.evaluation.models import DecisionOutcome
from clinic.evaluation.selectors import candidacy_decision_current
from clinic.patients.models import JourneyStage, Patient
from clinic.patients.selectors import latest_measurement
from clinic.treatment.models import InfusionOrder, OrderStatus
from clinic.treatment.templatetags.treatment_format import format_decimal

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    """The demo network, committed so the live server sees it."""
    return demo_load()


def test_physician_evaluates_a_demo_patient_and_nurse_double_checks_the_order(
    page, live_server, sign_in, screenshot, demo
):
    # given the demo patient at evaluation with intake and baseline scores and no decision yet
    patient = Patient.objects.get(
        clinic__slug=data.HARBOR_SLUG, record_number=demo.highlights["ready_for_decision"]
    )
    assert patient.journey_stage == JourneyStage.EVALUATION
    assert candidacy_decision_current(patient=patient) is None
    physician = User.objects.get(username="physician")
    nurse = User.objects.get(username="nurse")
    # 0.5 mg/kg on the weight taken at the consultation: a 50 mg bag holds up to 100 kg
    weight = latest_measurement(patient=patient, with_weight=True).weight_kg
    added, diluent = ("50", "49") if weight * Decimal("0.5") <= 50 else ("100", "98")

    # when the physician signs in and finds the patient
    sign_in(page, physician, data.DEMO_PASSWORD)
    page.get_by_role("link", name="Patients").first.click()
    page.get_by_label("Find a patient").fill(patient.record_number)
    page.get_by_role("button", name="Search").click()
    page.locator("#results").get_by_role("link", name=re.compile(patient.family_name)).click()

    # and opens the evaluation from the chart: the findings and the baseline scores are there
    page.get_by_role("link", name="Evaluation", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(patient.full_name)
    findings = page.locator("#findings")
    expect(findings.locator('tr[data-rule="IND-TRD"]')).to_contain_text("failed adequate")
    expect(findings.locator("tr.urgent")).to_have_count(0)  # no absolute contraindication
    expect(page.locator("#baseline")).to_contain_text("PHQ-9")
    expect(page.locator("#baseline")).not_to_contain_text("Missing")

    # and signs "candidate" with the password
    decision = page.locator("#decision")
    decision.get_by_label("Candidate", exact=True).check()
    decision.get_by_label("Reason").fill(
        "Treatment-resistant depression after two adequate trials; no contraindication."
    )
    decision.get_by_label("Your password (to sign)").fill(data.DEMO_PASSWORD)
    decision.get_by_role("button", name="Sign decision").click()
    expect(page.get_by_role("status").filter(has_text="Decision signed: Candidate")).to_be_visible()

    # and drafts a mood induction course from the chart, signs it and activates it
    page.get_by_role("link", name="Chart", exact=True).click()
    page.get_by_role("link", name="Treatment courses").first.click()
    page.get_by_role("link", name="New course").click()
    page.get_by_label("Protocol").select_option(label="Mood induction series (v1)")
    page.get_by_label("Indication").fill("Treatment-resistant depression")
    page.get_by_label("ICD-10-CM code").select_option("F32.2")
    page.get_by_label("Goals of treatment").fill("PHQ-9 down by half or more")
    page.get_by_role("button", name="Draft the course").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Treatment course #")
    page.get_by_role("link", name="Sign the course").click()
    page.get_by_label("Your password (to sign)").fill(data.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the course").click()
    expect(page.get_by_role("status")).to_contain_text("Treatment course signed.")
    page.get_by_role("button", name="Activate the course").click()
    expect(page.get_by_role("status")).to_contain_text("induction")

    # and drafts the first order (0.5 mg/kg over 40 min, 1 mg/mL in NS) and signs it
    page.get_by_role("link", name="New infusion order").click()
    expect(page.get_by_label("Dose (mg/kg)")).to_have_value("0.5")
    page.get_by_label("Vial").select_option(label="Ketamine HCl injection 50 mg/mL (500 mg/10 mL)")
    page.get_by_label("Ketamine added to the bag (mg)").fill(added)
    page.get_by_label("Diluent volume (mL)").fill(diluent)
    expect(page.locator("#plan-concentration")).to_have_text("1 mg/mL")
    page.get_by_role("button", name="Save draft order").click()
    expect(page.get_by_role("status")).to_contain_text("Order drafted")
    page.get_by_role("link", name="Sign the order").click()
    page.get_by_label("Your password (to sign)").fill(data.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the order").click()
    expect(page.locator("#order-status")).to_have_text("Signed, awaiting double check")
    order = InfusionOrder.objects.get(patient=patient)
    dose = format_decimal(order.dose_mg, "0.01")
    concentration = format_decimal(order.bag_concentration_mg_per_ml, "0.001")
    rate = format_decimal(order.rate_ml_h, order.pump_resolution_ml_h)
    page.get_by_role("button", name="Sign out").click()

    # when the nurse signs in and opens this order from the orders awaiting a double check
    sign_in(page, nurse, data.DEMO_PASSWORD)
    page.get_by_role("link", name="Orders").first.click()
    page.get_by_role("row").filter(has_text=patient.full_name).get_by_role("link").click()
    expect(page.locator("#order-blind")).to_be_visible()
    page.get_by_role("link", name="Double-check").click()
    expect(page.locator("main")).not_to_contain_text(f"{rate} mL/h")

    def enter(pump_rate: str) -> None:
        page.get_by_label("Dose (mg)").fill(dose)
        page.get_by_label("Bag concentration (mg/mL)").fill(concentration)
        page.get_by_label("Pump rate (mL/h)").fill(pump_rate)
        page.get_by_label(re.compile("Patient's date of birth")).fill(f"{patient.date_of_birth:%Y-%m-%d}")
        page.get_by_label(re.compile("I checked the patient's identity")).check()
        page.get_by_label("Your password (to sign)").fill(data.DEMO_PASSWORD)

    # and re-enters a wrong pump rate first: refused, the order stays unchecked
    enter(format_decimal(order.rate_ml_h + 5, order.pump_resolution_ml_h))
    page.get_by_role("button", name="Confirm double check").click()
    expect(page.locator("#check-refused")).to_contain_text("Pump rate (mL/h)")
    order.refresh_from_db()
    assert order.status == OrderStatus.SIGNED

    # then the right numbers are accepted and the order page shows dose, pump rate and curve
    enter(rate)
    page.get_by_role("button", name="Confirm double check").click()
    expect(page.get_by_role("status")).to_contain_text("Double check matched")
    expect(page.locator("#order-status")).to_have_text("Double-checked (active)")
    expect(page.locator("#order-dose")).to_have_text(f"{dose} mg")
    expect(page.locator("#order-rate")).to_have_text(f"{rate} mL/h")
    chart = page.locator("#pk svg")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline.pk-curve")).to_have_count(1)
    expect(chart).to_contain_text("Plasma ketamine (ng/mL)")
    screenshot(page, "journey-order-active")

    order.refresh_from_db()
    patient.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED
    assert order.signature.signer == physician and order.verification_signature.signer == nurse
    assert candidacy_decision_current(patient=patient).decision == DecisionOutcome.CANDIDATE
    assert patient.journey_stage == JourneyStage.INDUCTION

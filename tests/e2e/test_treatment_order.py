"""From consultation to a signed infusion order: a physician signs a mood course and an order, a
nurse double-checks it blind, and the order shows the dose, the pump rate and the predicted curve."""

import datetime as dt
import re
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.patients.services import measurement_record
from clinic.treatment.models import InfusionOrder, OrderStatus, Protocol, StockedProduct
from clinic.treatment.services import (
    course_create,
    course_sign,
    order_create,
    order_sign,
    protocol_library_seed,
)
from clinic.treatment.tests.conftest import make_candidate
from conftest import DEMO_PASSWORD
from tests.e2e.conftest import TABLET, TABLET_PORTRAIT, assert_no_horizontal_scroll, use_viewport
from tests.test_blind_double_check import BLIND_ORDER, find_renderings, hidden_renderings


def test_physician_orders_and_nurse_double_checks_a_mood_infusion(
    page, live_server, sign_in, screenshot, clinic, staff, make_patient
):
    # given a seeded protocol library and a 70 kg patient who is a signed candidate
    physician, nurse = staff[Role.PHYSICIAN], staff[Role.NURSE]
    protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])
    patient = make_patient(
        clinic,
        staff[Role.FRONT_DESK],
        given_name="Avery",
        family_name="Lindqvist",
        date_of_birth=dt.date(1979, 3, 14),
    )
    measurement_record(
        patient=patient,
        recorded_by=nurse,
        measured_at=timezone.now() - dt.timedelta(days=2),
        weight_kg=Decimal("70"),
        height_cm=Decimal("172"),
    )
    make_candidate(patient, physician)

    # when the physician drafts a mood induction course and signs it with the password
    sign_in(page, physician)
    page.goto(f"{live_server.url}/treatment/patients/{patient.pk}/courses/new/")
    page.get_by_label("Protocol").select_option(label="Mood induction series (v1)")
    page.get_by_label("Indication").fill("Treatment-resistant depression")
    page.get_by_label("ICD-10-CM code").select_option("F33.2")
    page.get_by_label("Goals of treatment").fill("PHQ-9 down by half or more")
    # a planned start in 2024 is refused on its field, with why
    page.get_by_label("Planned start date").fill("2024-03-01")
    page.get_by_role("button", name="Draft the course").click()
    expect(page.locator("#id_planned_start_date_error")).to_contain_text(
        "Planned start date: The planned start date 2024-03-01 is in the past"
    )
    page.get_by_label("Planned start date").fill(
        f"{timezone.localdate(timezone.now(), clinic.tzinfo):%Y-%m-%d}"
    )
    page.get_by_role("button", name="Draft the course").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Treatment course #")
    page.get_by_role("link", name="Sign the course").click()
    page.get_by_label("Your password (to sign)").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the course").click()
    expect(page.get_by_role("status")).to_contain_text("Treatment course signed.")
    page.get_by_role("button", name="Activate the course").click()
    expect(page.get_by_role("status")).to_contain_text("induction")

    # and drafts the first order: 0.5 mg/kg over 40 min, 50 mg in a 50 mL bag (49 mL NS + 1 mL)
    page.get_by_role("link", name="New infusion order").click()
    expect(page.get_by_label("Dose (mg/kg)")).to_have_value("0.5")
    # sterile water (hypotonic) is not offered for an IV bag under this protocol, and it says why
    expect(page.get_by_label("Diluent").locator("option[value=sterile_water]")).to_have_count(0)
    expect(page.locator("#order-form")).to_contain_text("Sterile water is not offered: it is hypotonic")
    page.get_by_label("Vial").select_option(label="Ketamine HCl injection 50 mg/mL (500 mg/10 mL)")
    page.get_by_label("Ketamine added to the bag (mg)").fill("50")
    page.get_by_label("Diluent volume (mL)").fill("49")
    # the live calculator (htmx) shows the plan as they type
    expect(page.locator("#plan-dose")).to_have_text("35 mg")
    expect(page.locator("#plan-concentration")).to_have_text("1 mg/mL")
    expect(page.locator("#plan-rate")).to_have_text("52.5 mL/h")
    screenshot(page, "order-calculator")
    page.get_by_role("button", name="Save draft order").click()
    expect(page.get_by_role("status")).to_contain_text("Order drafted")

    # and signs it with the password
    page.get_by_role("link", name="Sign the order").click()
    page.get_by_label("Your password (to sign)").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign the order").click()
    expect(page.get_by_role("status")).to_contain_text("Order signed")
    expect(page.locator("#order-status")).to_have_text("Signed, awaiting double check")
    order = InfusionOrder.objects.get(patient=patient)
    page.get_by_role("button", name="Sign out").click()

    # when a nurse signs in and opens the orders awaiting a double check
    sign_in(page, nurse)
    page.goto(f"{live_server.url}/treatment/orders/")
    page.get_by_role("link", name=re.compile("Infusion 1, course")).click()
    expect(page.locator("#order-blind")).to_be_visible()
    expect(page.locator("#order-rate")).to_have_count(0)
    page.get_by_role("link", name="Double-check").click()

    # the check page shows the inputs but none of the computed numbers
    expect(page.get_by_role("heading", level=1)).to_contain_text("Independent double check")
    expect(page.locator("main")).not_to_contain_text("52.5")
    expect(page.locator("main")).not_to_contain_text("35 mg")

    # and re-enters a wrong rate first: refused, nothing signed
    def enter(rate: str):
        page.get_by_label("Dose (mg)").fill("35")
        page.get_by_label("Bag concentration (mg/mL)").fill("1")
        page.get_by_label("Pump rate (mL/h)").fill(rate)
        page.get_by_label(re.compile("Patient's date of birth")).fill("1979-03-14")
        page.get_by_label(re.compile("I checked the patient's identity")).check()
        page.get_by_label("Your password (to sign)").fill(DEMO_PASSWORD)

    enter("35")
    page.get_by_role("button", name="Confirm double check").click()
    expect(page.locator("#check-refused")).to_contain_text("Pump rate (mL/h)")
    screenshot(page, "order-double-check")
    order.refresh_from_db()
    assert order.status == OrderStatus.SIGNED

    # then the right rate is accepted and the order is active
    enter("52.5")
    page.get_by_role("button", name="Confirm double check").click()
    expect(page.get_by_role("status")).to_contain_text("Double check matched")
    expect(page.locator("#order-status")).to_have_text("Double-checked (active)")
    expect(page.locator("#order-dose")).to_have_text("35 mg")
    expect(page.locator("#order-rate")).to_have_text("52.5 mL/h")
    expect(page.get_by_role("cell", name=re.compile("Independently double-checked"))).to_be_visible()
    chart = page.locator("#pk svg")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline.pk-curve")).to_have_count(1)
    expect(chart).to_contain_text("Plasma ketamine (ng/mL)")
    page.locator("#pk").scroll_into_view_if_needed()
    screenshot(page, "order-pk-curve")
    order.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED
    assert order.verification_signature.signer == nurse


def test_nurse_double_checks_blind_on_a_tablet(
    page, live_server, sign_in, screenshot, clinic, staff, make_patient
):
    """Issue 8, point 4: the order a nurse opens to double-check shows none of its calculated numbers
    (not in the signatures either); she works them out, enters them, and the check passes."""
    # given an order signed by the physician with distinctive numbers (74.9 kg × 0.5 mg/kg = 37.45 mg;
    # 63.7 mg in 77.77 mL = 0.819 mg/mL; 58.3 mL/h over 47 min)
    physician, nurse = staff[Role.PHYSICIAN], staff[Role.NURSE]
    protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])
    patient = make_patient(
        clinic,
        staff[Role.FRONT_DESK],
        given_name="Noor",
        family_name="Vasquez",
        date_of_birth=dt.date(1986, 7, 2),
    )
    measurement_record(
        patient=patient,
        recorded_by=nurse,
        measured_at=timezone.now(),
        weight_kg=Decimal("74.9"),
        height_cm=Decimal("168"),
    )
    make_candidate(patient, physician)
    course = course_create(
        patient=patient,
        protocol=Protocol.objects.get(clinic=clinic, code="mood-induction"),
        created_by=physician,
        indication="Treatment-resistant depression",
        icd10_code="F33.2",
        goals="PHQ-9 down by half or more",
    )
    course = course_sign(course=course, signer=physician, password=DEMO_PASSWORD)
    vial = StockedProduct.objects.get(clinic=clinic, concentration_mg_per_ml=Decimal("10"))
    order = order_create(course=course, created_by=physician, product=vial, **BLIND_ORDER)
    order = order_sign(order=order, signer=physician, password=DEMO_PASSWORD)
    hidden = hidden_renderings(order)

    # when the nurse opens the orders awaiting a double check on her tablet, and this order
    sign_in(page, nurse)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    page.get_by_role("link", name=re.compile("Infusion 1, course")).click()

    # then the page (signatures included) shows the inputs and none of the calculated numbers
    expect(page.locator("#order-blind")).to_be_visible()
    expect(page.locator("main")).to_contain_text("0.5 mg/kg over 47 min")
    expect(page.locator("main")).to_contain_text("Infusion order 1: 0.5 mg/kg over 47 min")
    assert find_renderings(page.locator("main").inner_text(), hidden) == []
    check = page.get_by_role("link", name="Double-check")
    expect(check).to_be_in_viewport()
    assert_no_horizontal_scroll(page)
    screenshot(page, "order-blind-checker")
    use_viewport(page, TABLET_PORTRAIT)
    assert_no_horizontal_scroll(page)
    use_viewport(page, TABLET)

    # when she opens the double check: still none of the numbers
    check.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Independent double check")
    assert find_renderings(page.locator("main").inner_text(), hidden) == []

    # and enters her own numbers, the identity check and her password
    page.get_by_label("Dose (mg)").fill("37.45")
    page.get_by_label("Bag concentration (mg/mL)").fill("0.819")
    page.get_by_label("Pump rate (mL/h)").fill("58.3")
    page.get_by_label(re.compile("Patient's date of birth")).fill("1986-07-02")
    page.get_by_label(re.compile("I checked the patient's identity")).check()
    page.get_by_label("Your password (to sign)").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Confirm double check").click()

    # then the check passes and the numbers show
    expect(page.get_by_role("status")).to_contain_text("Double check matched")
    expect(page.locator("#order-status")).to_have_text("Double-checked (active)")
    expect(page.locator("#order-dose")).to_have_text("37.45 mg")
    expect(page.locator("#order-concentration")).to_have_text("0.819 mg/mL")
    expect(page.locator("#order-rate")).to_have_text("58.3 mL/h")
    screenshot(page, "order-double-checked")
    order.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED

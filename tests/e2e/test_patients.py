"""The front desk registers and finds a patient; a nurse records body size and an allergy."""

import re

from playwright.sync_api import expect

from clinic.accounts.roles import Role


def test_register_find_and_chart_a_patient(page, live_server, sign_in, screenshot, staff):
    # given a front-desk user signed in
    sign_in(page, staff[Role.FRONT_DESK])

    # when they register a patient through the form
    page.get_by_role("link", name="Patients").first.click()
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("Given name").fill("Rosa")
    page.get_by_label("Family name").fill("Delgado")
    page.get_by_label("Date of birth").fill("1979-02-04")
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_label("Mobile phone").fill("617-555-0142")
    page.get_by_label("E-mail", exact=True).first.fill("rosa@example.com")
    emergency = page.get_by_role("group", name="Emergency contact")
    emergency.get_by_label("Name").fill("Luis Delgado")
    emergency.get_by_label("Relationship").fill("Brother")
    emergency.get_by_label("Phone").fill("6175550150")
    escort = page.get_by_role("group", name=re.compile("Usual escort"))
    escort.get_by_label("Name").fill("Marta Delgado")
    escort.get_by_label("Phone").fill("(617) 555-0143")
    referral = page.get_by_role("group", name="Referring clinician")
    referral.get_by_label("Name").fill("Dr. Ana Okafor")
    referral.get_by_label("Practice").fill("Cambridge Psychiatry")
    screenshot(page, "patient-register")
    page.get_by_role("button", name="Register patient").click()

    # then the chart opens with a record number and no allergies recorded yet
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rosa Delgado")
    expect(page.get_by_text("No known allergies recorded")).to_be_visible()
    expect(page.get_by_text("(617) 555-0143")).to_be_visible()
    record_number = page.get_by_text(re.compile(r"^MRN-\d{6}$")).first.inner_text()

    # and they find the patient again from the search box
    page.get_by_role("link", name="Patients").first.click()
    page.get_by_label("Find a patient").fill("delg")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Delgado, Rosa")).to_be_visible()
    expect(results).to_contain_text(record_number)
    screenshot(page, "patient-search")
    page.get_by_role("button", name="Sign out").click()

    # when a nurse signs in, finds the patient by record number and records weight and height
    sign_in(page, staff[Role.NURSE])
    page.get_by_role("link", name="Patients").first.click()
    page.get_by_label("Find a patient").fill(record_number)
    page.get_by_role("button", name="Search").click()
    page.locator("#results").get_by_role("link", name="Delgado, Rosa").click()
    page.get_by_role("link", name="Record weight / height").click()
    page.get_by_label("Weight (kg)").fill("72.5")
    page.get_by_label("Height (cm)").fill("168")
    page.get_by_role("button", name="Save measurement").click()
    expect(page.get_by_text("Measurement recorded.")).to_be_visible()

    # and an allergy
    page.get_by_role("link", name="Record allergy").click()
    page.get_by_label("Substance").fill("Penicillin")
    page.get_by_label("Reaction").fill("hives")
    page.get_by_label("Severity").select_option("severe")
    page.get_by_role("button", name="Record allergy").click()

    # then the chart shows the BMI with its unit and the allergy in the header
    expect(page.get_by_test_id("bmi")).to_have_text("25.7 kg/m²")
    allergies = page.locator("#allergies")
    expect(allergies).to_contain_text("Penicillin")
    expect(page.get_by_text("No known allergies recorded")).to_have_count(0)
    expect(page.locator("#timeline")).to_contain_text("Allergy recorded: Penicillin")
    screenshot(page, "patient-chart")

    # and the history names who changed which field, from what to what
    page.get_by_role("link", name="History", exact=True).click()
    expect(page.get_by_role("heading", name="History of changes")).to_be_visible()
    expect(page.locator("tbody tr").first).to_contain_text("Allergy: Penicillin")
    screenshot(page, "patient-history")

    # when the nurse then types a weight in pounds (160) where kilograms belong
    page.go_back()
    page.get_by_role("link", name="Record weight / height").click()
    page.get_by_label("Weight (kg)").fill("160")
    page.get_by_role("button", name="Save measurement").click()
    # then the weight field says what is wrong and nothing is stored
    expect(page.get_by_text("check the units (kg, not lb)")).to_be_visible()
    # and a real change is saved once she confirms it
    page.get_by_label("Weight (kg)").fill("80")
    page.get_by_label("Confirm this weight").check()
    page.get_by_role("button", name="Save measurement").click()
    expect(page.get_by_text("Measurement recorded.")).to_be_visible()
    expect(page.get_by_text("80 kg", exact=True)).to_be_visible()

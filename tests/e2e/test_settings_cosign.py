"""Clinical limits and the two-person rule, in Chromium on the clinic's tablets: the administrator
designates a medical director and has no control over clinical limits; the medical director's
out-of-range and contradictory proposals are refused with the reason; a valid proposal waits until a
nurse co-signs it with her password, and only then applies."""

import re

from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.core.selectors import clinic_setting_value
from conftest import DEMO_PASSWORD
from tests.e2e.conftest import TABLET, TABLET_PORTRAIT, assert_no_horizontal_scroll, use_viewport


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def open_menu(page, name: str):
    """Follow a link of the main menu, opening its "More" part when the link is there."""
    nav = page.get_by_role("navigation", name="Main")
    link = nav.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        nav.locator("summary").first.click()
    link.click()


def open_settings(page):
    open_menu(page, "Settings")
    expect(page.get_by_role("heading", name="Clinic settings", level=1)).to_be_visible()


def test_medical_director_proposes_and_a_nurse_cosigns_a_clinical_limit(
    page, live_server, sign_in, screenshot, clinic, staff, make_user
):
    admin, nurse = staff[Role.ADMIN], staff[Role.NURSE]
    director = make_user(Role.PHYSICIAN, clinic, first_name="Elena", last_name="Marsh", credentials="MD")

    # given the administrator designates Dr Marsh medical director on the staff page
    use_viewport(page, TABLET)
    sign_in(page, admin)
    open_menu(page, "Staff")
    page.get_by_role("link", name=f"Manage {director.signature_name}").click()
    page.get_by_label("Medical director").check()
    screenshot(page, "staff-medical-director")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("row", name=re.compile(director.signature_name))).to_contain_text(
        "Medical director"
    )

    # then on the settings page the administrator has no control over a clinical limit
    open_settings(page)
    spo2 = page.locator("#setting-spo2_min")
    expect(spo2).to_contain_text("Clinical limit")
    expect(spo2.get_by_role("link")).to_have_count(0)
    expect(spo2.get_by_role("button")).to_have_count(0)
    expect(
        page.locator("#setting-consultation_length_minutes").get_by_role("link", name=re.compile("Change"))
    ).to_be_visible()
    assert_no_horizontal_scroll(page)
    sign_out(page)

    # when the medical director proposes SpO2 minimum 80 % ("test low")
    sign_in(page, director)
    open_settings(page)
    page.get_by_role("link", name="Propose a change to Lowest oxygen saturation (SpO2)").click()
    page.get_by_label("Proposed value").fill("80")
    page.get_by_label("Reason for the change").fill("test low")
    page.get_by_role("button", name="Propose the change").click()
    # then it is refused by the sane range, next to the field
    error = page.locator(".field.has-error").filter(has_text="must be at least 90 %")
    expect(error).to_be_visible()
    expect(error).to_be_in_viewport()

    # when the pause systolic limit is proposed at the stop limit (200 mm Hg)
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role(
        "link", name="Propose a change to During the infusion: pause above this systolic pressure"
    ).click()
    expect(
        page.get_by_text(
            "Must be lower than “During the infusion: stop above this systolic pressure” (now 200 mm Hg)"
        )
    ).to_be_visible()
    page.get_by_label("Proposed value").fill("200")
    page.get_by_label("Reason for the change").fill("Fewer pauses")
    page.get_by_role("button", name="Propose the change").click()
    # then the refusal names both limits and their values
    error = page.locator(".field.has-error")
    expect(error).to_contain_text("pause above this systolic pressure” (200 mm Hg) must be lower than")
    expect(error).to_contain_text("stop above this systolic pressure” (200 mm Hg)")
    screenshot(page, "settings-refused")

    # when a valid change is proposed
    page.goto(f"{live_server.url}/settings/spo2_min/propose/")
    page.get_by_label("Proposed value").fill("94")
    page.get_by_label("Reason for the change").fill("Earlier warning of desaturation in recovery")
    page.get_by_role("button", name="Propose the change").click()
    # then it waits for a co-signature and the old value stays in force
    expect(page.get_by_role("status").first).to_contain_text(
        "applies once another physician or nurse co-signs it"
    )
    expect(page.get_by_text("You proposed this change.")).to_be_visible()
    expect(page.locator("#cosign-form")).to_have_count(0)
    screenshot(page, "settings-proposal")
    assert clinic_setting_value(clinic, "spo2_min") == 92
    sign_out(page)

    # when a nurse on a portrait tablet opens the changes to co-sign
    use_viewport(page, TABLET_PORTRAIT)
    sign_in(page, nurse)
    open_settings(page)
    expect(page.locator("#pending-changes")).to_contain_text("Lowest oxygen saturation (SpO2): 92 % → 94 %")
    page.get_by_role("link", name="Changes to co-sign").click()
    assert_no_horizontal_scroll(page)
    page.get_by_role("link", name="Review the change to Lowest oxygen saturation (SpO2)").click()
    expect(page.get_by_text("Earlier warning of desaturation in recovery")).to_be_visible()
    cosign = page.locator("#cosign-form")
    cosign.get_by_label("Your password").fill(DEMO_PASSWORD)
    screenshot(page, "settings-cosign")
    cosign.get_by_label("Your password").fill("not my password")
    cosign.get_by_role("button", name="Co-sign and apply").click()
    expect(page.locator("#cosign-form .field.has-error")).to_contain_text("The password is not correct")
    assert clinic_setting_value(clinic, "spo2_min") == 92
    page.locator("#cosign-form").get_by_label("Your password").fill(DEMO_PASSWORD)
    page.locator("#cosign-form").get_by_role("button", name="Co-sign and apply").click()

    # then the change applies, with the nurse's signature
    expect(page.get_by_role("status").first).to_contain_text("is now 94 %: co-signed and applied")
    expect(page.locator("#setting-spo2_min")).to_contain_text("94 %")
    assert clinic_setting_value(clinic, "spo2_min") == 94
    assert_no_horizontal_scroll(page)

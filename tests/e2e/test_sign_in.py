"""Signing in, staff administration and two-factor enrolment, in Chromium as a user would."""

import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from clinic.accounts.models import User
from clinic.accounts.roles import Role
from clinic.accounts.tests.helpers import totp_code

TEMPORARY = "Harbor-welcome-2024"
NURSE_OWN_PASSWORD = "lantern-quietly-orchard-7"


def test_admin_adds_a_nurse_who_then_signs_in(page, live_server, sign_in, screenshot, clinic, staff):
    # given the sign-in page
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "sign-in")

    # when the administrator signs in through the form and opens Staff
    sign_in(page, staff[Role.ADMIN])
    expect(page).to_have_url(re.compile(r"/today/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    expect(page.get_by_role("heading", name=f"Staff of {clinic.name}")).to_be_visible()

    # and adds a nurse with a temporary password
    page.get_by_role("link", name="Add staff member").click()
    form = page.get_by_role("region", name="Create a new account")
    form.get_by_label("Username").fill("nia.okafor")
    form.get_by_label("First name").fill("Nia")
    form.get_by_label("Last name").fill("Okafor")
    form.get_by_label("Credentials").fill("RN")
    form.get_by_label("Role").select_option(Role.NURSE)
    form.get_by_label("Temporary password").fill(TEMPORARY)
    form.get_by_role("button", name="Create account").click()

    # then the staff list shows her, not yet enrolled in two-factor and never signed in
    expect(page.get_by_role("status")).to_contain_text("Nia Okafor, RN can now sign in")
    row = page.get_by_role("row", name=re.compile("nia.okafor"))
    expect(row).to_contain_text("Nurse")
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("Not yet")
    expect(row).to_contain_text("Never")
    screenshot(page, "staff-admin")

    # and her page offers role changes, deactivation, two-factor reset and unlock
    row.get_by_role("link", name="Manage Nia Okafor, RN").click()
    expect(page.get_by_role("heading", name="Nia Okafor, RN")).to_be_visible()
    expect(page.get_by_role("combobox", name="Role")).to_have_value(Role.NURSE)
    expect(page.get_by_label("Active: may sign in to this clinic")).to_be_checked()
    screenshot(page, "staff-member")

    # when the administrator signs out
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))

    # and the nurse mistypes her password
    nurse = User.objects.get(username="nia.okafor")
    sign_in(page, nurse, password="not-the-password")
    # then the form says so and she is still on the sign-in page
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))

    # when she signs in with the temporary password
    sign_in(page, nurse, password=TEMPORARY)
    # then she must choose her own password first
    expect(page).to_have_url(re.compile(r"/accounts/password/"))
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    page.get_by_label("Old password").fill(TEMPORARY)
    page.get_by_label("New password", exact=False).first.fill(NURSE_OWN_PASSWORD)
    page.get_by_label("New password confirmation").fill(NURSE_OWN_PASSWORD)
    page.get_by_role("button", name="Change password").click()

    # and then reaches her start page, signed in as a nurse
    expect(page).to_have_url(re.compile(r"/today/$"))
    expect(page.get_by_role("status").first).to_contain_text("Your password has been changed")
    expect(page.get_by_role("banner")).to_contain_text("Nia Okafor, RN · Nurse")
    # and a nurse has no Staff page
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff")).to_have_count(0)


def test_staff_member_enrols_two_factor(page, live_server, sign_in, screenshot, settings, staff):
    # given two-factor is required for staff (the live server runs in this process)
    settings.STAFF_TWO_FACTOR_REQUIRED = True
    nurse = staff[Role.NURSE]

    # when the nurse signs in with her password
    sign_in(page, nurse)

    # then she is asked to set up an authenticator, with a QR code
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/"))
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    screenshot(page, "two-factor-setup")

    # and other pages stay closed until she does
    page.goto(f"{live_server.url}/today/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next="))

    # when she enters the code her authenticator app shows
    device = TOTPDevice.objects.get(user=nurse, confirmed=False)
    page.get_by_label("Six-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Confirm").click()

    # then she lands on the dashboard
    expect(page).to_have_url(re.compile(r"/today/$"))
    expect(page.get_by_role("status").first).to_contain_text("Two-factor sign-in is set up")
    device.refresh_from_db()
    assert device.confirmed

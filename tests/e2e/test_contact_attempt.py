"""The front desk logs a contact attempt on a tablet: the outcome starts empty ("Choose…") and must be
chosen; a default of "Reached" recorded calls nobody answered."""

import pytest
from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.intake.models import ContactAttempt
from clinic.intake.services import CONTACT_OUTCOME_INVALID, consultation_request_submit
from tests.e2e.conftest import TABLET_PORTRAIT, assert_no_horizontal_scroll, use_viewport

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_contact_outcome_starts_empty_and_must_be_chosen(
    live_server, page, sign_in, screenshot, clinic, staff
):
    # given a consultation request in the inbox
    request_obj = consultation_request_submit(
        clinic=clinic, given_name="Robin", family_name="Hale", phone="617-555-0142", email="robin@example.com"
    )
    use_viewport(page, TABLET_PORTRAIT)
    sign_in(page, staff[Role.FRONT_DESK])
    page.goto(f"{live_server.url}/inbox/{request_obj.public_id}/")

    # then the contact form's outcome starts empty
    contact = page.locator("#contact")
    expect(contact.get_by_label("Outcome")).to_have_value("")
    expect(contact.get_by_label("Outcome").locator("option:checked")).to_have_text("Choose…")
    assert_no_horizontal_scroll(page)

    # when the attempt is logged without an outcome, it is refused naming the field; nothing stored
    contact.get_by_role("button", name="Save attempt").click()
    error = page.locator("#contact .errorlist")
    expect(error).to_have_text(f"Outcome: {CONTACT_OUTCOME_INVALID}")
    screenshot(page, "contact-outcome-required")
    assert not ContactAttempt.objects.exists()

    # and with the outcome chosen it is recorded
    page.locator("#contact").get_by_label("Outcome").select_option(label="No answer")
    page.locator("#contact").get_by_role("button", name="Save attempt").click()
    expect(page.get_by_role("status").first).to_contain_text("Contact attempt recorded.")
    assert ContactAttempt.objects.get().outcome == "no_answer"

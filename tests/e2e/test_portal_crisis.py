"""Crisis help in the portal questionnaires appears right where the answer was given, on a phone,
and stays one tap away while the patient scrolls on."""

import pytest
from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.outcomes.instruments import ASQ_INSTRUMENT, PHQ9_INSTRUMENT
from clinic.patients.services import patient_link_portal_user
from tests.e2e.conftest import PHONE, TABLET, use_viewport

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portal_patient(clinic, staff, make_user, make_patient):
    patient = make_patient(clinic, staff[Role.FRONT_DESK])
    user = make_user(Role.PATIENT, clinic)
    patient_link_portal_user(patient=patient, user=user, linked_by=staff[Role.ADMIN])
    return user


def _group(page, item):
    return page.get_by_role("group", name=f"{item.number}. {item.text}")


def test_phq9_item9_shows_crisis_help_below_the_answer_on_a_phone(
    live_server, page, sign_in, screenshot, portal_patient
):
    # given a patient filling in the PHQ-9 on their phone
    use_viewport(page, PHONE)
    sign_in(page, portal_patient)
    page.goto(f"{live_server.url}/outcomes/my/phq9/")
    crisis = page.locator("#crisis-panel")
    expect(crisis).to_be_hidden()
    for item in PHQ9_INSTRUMENT.items[:8]:
        _group(page, item).get_by_label("Not at all").check()

    # when they answer question 9 (thoughts of being better off dead or of hurting themselves)
    item9 = _group(page, PHQ9_INSTRUMENT.items[8])
    item9.get_by_label("Several days").check()

    # then the crisis panel shows at once, in view, directly below that question
    expect(crisis).to_be_visible()
    expect(crisis).to_be_in_viewport()
    expect(crisis.get_by_role("link", name="988")).to_be_in_viewport()
    below_question = page.evaluate(
        "([panel, q]) => q.nextElementSibling === panel",
        [crisis.element_handle(), item9.element_handle()],
    )
    assert below_question
    screenshot(page, "portal-phq9-crisis-phone")

    # and when they change the answer back, the panel goes away
    item9.get_by_label("Not at all").check()
    expect(crisis).to_be_hidden()


def test_asq_yes_at_the_top_shows_help_there_and_keeps_it_reachable(
    live_server, page, sign_in, portal_patient
):
    # given a patient starting the ASQ on their phone
    use_viewport(page, PHONE)
    sign_in(page, portal_patient)
    page.goto(f"{live_server.url}/outcomes/my/asq/")
    crisis = page.locator("#crisis-panel")
    sticky = page.locator(".crisis-sticky")
    questions = {item.key: item for item in ASQ_INSTRUMENT.items}

    # when the first answer is yes
    _group(page, questions["q1"]).get_by_label("Yes", exact=True).check()

    # then help shows right below question 1, in view
    expect(crisis).to_be_in_viewport()
    expect(sticky).to_be_hidden()

    # and when they scroll on to the last question and the send button, help stays one tap away
    page.get_by_role("button", name="Send my answers").scroll_into_view_if_needed()
    expect(crisis).not_to_be_in_viewport()
    expect(sticky).to_be_visible()
    expect(sticky.get_by_role("link", name="988")).to_be_in_viewport()
    sticky.get_by_role("link", name="more help").click()
    expect(crisis).to_be_in_viewport()


def test_staff_entry_shows_the_suicide_risk_warning_below_item9_on_a_tablet(
    live_server, page, sign_in, clinic, staff, make_patient
):
    # given a nurse entering a PHQ-9 on a tablet
    use_viewport(page, TABLET)
    patient = make_patient(clinic, staff[Role.FRONT_DESK])
    sign_in(page, staff[Role.NURSE])
    page.goto(f"{live_server.url}/outcomes/patients/{patient.pk}/phq9/new/")
    for item in PHQ9_INSTRUMENT.items[:8]:
        _group(page, item).get_by_label("Not at all").check()

    # when question 9 is answered with a risk
    _group(page, PHQ9_INSTRUMENT.items[8]).get_by_label("More than half the days").check()

    # then the warning is in view where the nurse is looking
    expect(page.locator("#crisis-panel")).to_be_in_viewport()

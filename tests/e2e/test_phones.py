"""Phone numbers as people write them (issue 8, point 14): the front desk registers a UK number
on a tablet and the chart shows it formatted; a visitor on a phone who types a number that cannot
be one sees the field's error where they are looking."""

from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.patients.models import Patient
from tests.e2e.conftest import PHONE, TABLET, assert_no_horizontal_scroll, use_viewport

# The request form refuses anything sent within 3 seconds of being shown (a bot's speed).
HUMAN_PAUSE_MS = 3200


def test_the_desk_registers_a_uk_number_and_the_chart_shows_it_formatted(
    page, live_server, sign_in, screenshot, staff
):
    # given the front desk on a landscape tablet
    use_viewport(page, TABLET)
    sign_in(page, staff[Role.FRONT_DESK])
    # when they register a patient whose mobile is a UK number written the British way
    page.goto(f"{live_server.url}/patients/new/")
    page.get_by_label("Given name").fill("Imogen")
    page.get_by_label("Family name").fill("Ashworth")
    page.get_by_label("Date of birth").fill("1984-06-12")
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_label("Mobile phone").fill("+44 (0)20 7946 0958")
    page.get_by_role("button", name="Register patient").click()
    # then the chart shows it in international format, dialable as stored
    expect(page.get_by_role("heading", level=1)).to_contain_text("Imogen Ashworth")
    number = page.get_by_role("link", name="+44 20 7946 0958")
    expect(number).to_be_in_viewport()
    expect(number).to_have_attribute("href", "tel:+442079460958")
    assert Patient.objects.get().phone == "+442079460958"
    assert_no_horizontal_scroll(page)
    screenshot(page, "phone-uk-number-chart")


def test_a_visitor_on_a_phone_sees_what_is_wrong_with_their_number(page, live_server, clinic, screenshot):
    # given a visitor on a phone
    use_viewport(page, PHONE)
    page.goto(f"{live_server.url}/request-consultation/")
    page.get_by_label("First name").fill("Jordan")
    page.get_by_label("Last name").fill("Reyes")
    # when they type a number that is too short to be a US number and send the request
    page.get_by_label("Phone", exact=True).fill("555-01")
    page.get_by_label("I agree that the clinic may contact me").check()
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Send my request").click()
    # then the phone field's error, naming the field and the country, is on screen
    error = page.get_by_text("Phone: not a valid number for the United States.")
    expect(error).to_be_visible()
    expect(error).to_be_in_viewport()
    expect(page.get_by_label("Phone", exact=True)).to_be_focused()
    expect(error).to_contain_text("Enter a US number as (201) 555-0123")
    assert_no_horizontal_scroll(page)
    screenshot(page, "phone-request-invalid-number")

"""The front door: a visitor asks for a consultation and the front desk turns it into a booking;
a visitor in danger is shown crisis help at once and their request arrives marked urgent."""

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from clinic.accounts.roles import Role
from clinic.intake.models import ConsultationRequest
from clinic.intake.selfcheck import questions
from clinic.scheduling.models import RoomKind
from clinic.scheduling.services import room_create

# The request form refuses anything sent within 3 seconds of being shown (a bot's speed).
HUMAN_PAUSE_MS = 3200

CLEAR = {
    "adult": "Yes", "diagnosis": "Yes", "treatments_tried": "Yes", "pregnancy": "No",
    "heart": "No", "vascular": "No", "psychosis": "No", "substance_use": "No", "liver": "No",
    "pressure": "No",
}


def answer(page, question_text: str, choice: str):
    page.get_by_role("group", name=question_text).get_by_label(choice, exact=True).check()


def test_visitor_requests_a_consultation_and_the_desk_books_it(
    page, live_server, sign_in, screenshot, clinic, staff
):
    # given a clinic with a consultation room
    room_create(clinic=clinic, name="Consult 1", kind=RoomKind.CONSULT, created_by=staff[Role.ADMIN])

    # when a visitor arrives at the site and reads the home page
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/welcome/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "When depression or chronic pain has not let go"
    )
    expect(page.get_by_role("complementary", name="Crisis help")).to_contain_text("988")
    screenshot(page, "public-home")

    # and asks for a free consultation
    page.get_by_role("link", name="Request a free consultation").first.click()
    page.get_by_label("First name").fill("Jordan")
    page.get_by_label("Last name").fill("Reyes")
    page.get_by_label("E-mail").fill("jordan.reyes@example.com")
    page.get_by_label("Phone", exact=False).first.fill("(617) 555-0142")
    page.get_by_label("How should we contact you?").select_option(label="Phone call")
    page.get_by_label("What would you like help with?").select_option(label="Depression")
    page.get_by_label("Who referred you?").fill("Dr. Helen Whitmore")
    page.get_by_label("Anything you would like us to know").fill("Three antidepressants so far.")
    page.get_by_label("I agree that the clinic may contact me").check()
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Send my request").click()

    # then they are thanked
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, we have your request")

    # when the front desk signs in and opens the inbox
    sign_in(page, staff[Role.FRONT_DESK])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultation requests")
    row = page.get_by_role("row").filter(has_text="Jordan Reyes")
    expect(row).to_contain_text("Depression")
    expect(row).to_contain_text("New")
    screenshot(page, "inbox")

    # and converts the request: date of birth (not given by the visitor), a time, room, physician;
    # the visitor asked for a Sunday, when the clinic is closed
    row.get_by_role("link", name="Jordan Reyes").click()
    expect(page.get_by_text("Three antidepressants so far.")).to_be_visible()
    convert = page.locator("#convert")
    expect(convert.get_by_role("heading", name="Next free times")).to_be_visible()
    sunday = timezone.now().astimezone(clinic.tzinfo).date() + dt.timedelta(days=2)
    sunday += dt.timedelta(days=(6 - sunday.weekday()) % 7)
    convert.get_by_label("Date of birth").fill("1984-07-19")
    convert.get_by_label("Sex at birth").select_option(label="Male")
    convert.get_by_label("Consultation date").fill(sunday.isoformat())
    convert.get_by_label("Start time").fill("10:00")
    convert.get_by_label("Consultation room").select_option(label="Consult 1")
    convert.get_by_label("Physician").select_option(label=staff[Role.PHYSICIAN].signature_name)
    convert.get_by_role("button", name="Create patient and book consultation").click()

    # then the booking is refused on the time, nothing is saved, and the next free times follow
    convert = page.locator("#convert")
    expect(convert.locator(".field.has-error")).to_contain_text(f"The clinic is closed on {sunday:%a %d %b}.")
    day = sunday + dt.timedelta(days=1)
    first_free = convert.get_by_role("button", name=f"{day:%a %d %b} 08:00 · Consult 1")
    expect(first_free).to_be_visible()

    # when the desk picks the first free time, it fills the form in, and they book it
    first_free.click()
    expect(convert.get_by_label("Consultation date")).to_have_value(day.isoformat())
    expect(convert.get_by_label("Start time")).to_have_value("08:00")
    expect(convert.get_by_role("status")).to_contain_text(f"Filled in: {day:%a %d %b} 08:00 · Consult 1")
    screenshot(page, "inbox-convert")
    convert.get_by_role("button", name="Create patient and book consultation").click()

    # then the patient is registered and the consultation booked
    expect(page.get_by_role("status").first).to_contain_text("Jordan Reyes registered as MRN-")
    expect(page.get_by_text("Converted to patient")).to_be_visible()

    # and it is on that day's appointments list, at 08:00 clinic time in Consult 1
    page.get_by_role("link", name="See the day's appointments").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{day:%A} {day.day} {day:%B %Y}")
    booked = page.get_by_role("row").filter(has_text="Jordan Reyes")
    expect(booked).to_contain_text("08:00–09:00")
    expect(booked).to_contain_text("Consultation")
    expect(booked).to_contain_text("Consult 1")
    expect(booked).to_contain_text(staff[Role.PHYSICIAN].signature_name)
    screenshot(page, "appointments-day")


def test_a_danger_answer_shows_crisis_help_at_once_and_the_request_is_urgent(
    page, live_server, sign_in, screenshot, clinic, staff
):
    texts = {q.code: q.text for q in questions()}
    panel = page.locator("#crisis-panel")

    # given a visitor taking the self-check
    page.goto(live_server.url + "/welcome/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Am I a candidate?").click()
    for code, choice in CLEAR.items():
        answer(page, texts[code], choice)
    expect(panel).to_be_hidden()

    # when they answer yes to the first danger question
    answer(page, texts["danger_recent"], "Yes")

    # then crisis help shows at once, before anything is sent
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Call or text 988")
    expect(panel.get_by_role("link", name="988")).to_have_attribute("href", "tel:988")

    # and changing the answer back hides it, answering yes again shows it
    answer(page, texts["danger_recent"], "No")
    expect(panel).to_be_hidden()
    answer(page, texts["danger_recent"], "Yes")
    answer(page, texts["danger_now"], "No")
    expect(panel).to_be_visible()

    # when they see their result
    page.get_by_role("button", name="See my result").click()

    # then crisis help comes first on the result page, which says it is not a diagnosis
    expect(page.get_by_role("heading", level=1)).to_have_text("Your self-check result")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("988")
    first_heading = page.locator("main h1, main h2").first
    expect(first_heading).to_have_text("Please reach out for help now")
    expect(page.get_by_text("This is not a diagnosis.")).to_be_visible()
    screenshot(page, "self-check-crisis")

    # when they send the request from the result page
    form = page.locator("#send-request")
    form.get_by_label("First name").fill("Riley")
    form.get_by_label("Last name").fill("Donahue")
    form.get_by_label("Phone", exact=False).first.fill("617-555-0160")
    form.get_by_label("I agree that the clinic may contact me").check()
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    form.get_by_role("button", name="Send my request").click()

    # then they are told it is urgent, with the crisis lines again
    expect(page.get_by_text("We have marked your request urgent")).to_be_visible()
    expect(panel).to_be_visible()
    request_obj = ConsultationRequest.objects.get(family_name="Donahue")
    assert request_obj.is_urgent and request_obj.self_check_answers["danger_recent"] == "yes"

    # and the front desk sees it first, in red, with a banner
    sign_in(page, staff[Role.FRONT_DESK])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests").click()
    expect(page.get_by_role("alert")).to_contain_text("1 urgent request")
    first_row = page.locator("tbody tr").first
    expect(first_row).to_have_class("urgent")
    expect(first_row).to_contain_text("Riley Donahue")
    expect(first_row.get_by_text("Urgent")).to_be_visible()
    first_row.get_by_role("link", name="Riley Donahue").click()
    expect(page.get_by_role("alert")).to_contain_text("Call them now")
    expect(page.get_by_text("Danger answer: thoughts of death or self-harm")).to_be_visible()

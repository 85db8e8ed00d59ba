"""Every staff page of the demo clinic on the tablets nurses chart on (1024×768 and 768×1024), for
each staff role: nothing scrolls sideways and the header stays one compact bar; the patient portal
on a phone (390×844). And the header itself: counts in view, the rest in a keyboard-friendly menu.

Each test loads the demo (committed, so the live server sees it); people sign in through the real
sign-in form.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from clinic.accounts.models import Membership, User
from clinic.accounts.roles import Role
from clinic.core.demo import data
from clinic.core.permissions import path_permitted
from clinic.infusions.models import InfusionSession, SessionStatus
from clinic.patients.models import Patient
from clinic.scheduling.models import AppointmentSeries
from tests.crawl import crawl, page_kind
from tests.e2e.conftest import (
    PHONE,
    SCREENSHOTS,
    TABLET,
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    use_viewport,
)

pytestmark = pytest.mark.django_db(transaction=True)

# The header is one bar of touch-sized (44 px) targets: one row on a landscape tablet; on a portrait
# tablet the bar keeps fewer links (the rest go to "More") and must not take more than this.
HEADER_MAX_PX = {"landscape": 64, "portrait": 100}
SIZES = {"landscape": TABLET, "portrait": TABLET_PORTRAIT}
# (role, page, orientation) → the docs screenshot taken there
SCREENSHOTS_FOR_DOCS = {
    (Role.FRONT_DESK, "week view", "landscape"): "week-view-tablet",
    (Role.FRONT_DESK, "week view", "portrait"): "week-view-portrait",
    (Role.FRONT_DESK, "day view", "portrait"): "day-view-portrait",
    (Role.NURSE, "chart", "portrait"): "portrait-chart",
    (Role.NURSE, "board", "portrait"): "board-portrait",
}
SIDEWAYS_SCROLL = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
ROLE_USERS = {
    Role.NURSE: "nurse",
    Role.PHYSICIAN: "physician",
    Role.FRONT_DESK: "frontdesk",
    Role.ADMIN: "admin",
}


@pytest.fixture
def demo(transactional_db):
    from clinic.core.demo.loader import demo_load

    return demo_load()


def _main_pages(demo) -> dict[str, str]:
    """The main pages of the staff side, by name, with real demo records where a page needs one."""
    harbor_patients = Patient.objects.filter(clinic__slug=data.HARBOR_SLUG)
    chart = harbor_patients.get(record_number=demo.highlights["safety_alert"])
    chairside = (
        InfusionSession.objects.filter(clinic__slug=data.HARBOR_SLUG, status=SessionStatus.RUNNING)
        .order_by("pk")
        .first()
    )
    series = AppointmentSeries.objects.filter(clinic__slug=data.HARBOR_SLUG).order_by("pk").first()
    return {
        "today": reverse("core:dashboard"),
        "patients": reverse("patients:list"),
        "chart": reverse("patients:chart", args=[chart.pk]),
        "board": reverse("board:board"),
        "infusion day": reverse("infusions:day"),
        "chair-side": reverse("infusions:session", args=[chairside.pk]),
        "appointments": reverse("scheduling:list"),
        "day view": reverse("scheduling:day"),
        "week view": reverse("scheduling:week"),
        "series": reverse("scheduling:series_detail", args=[series.pk]),
        "requests": reverse("intake:inbox"),
        "orders": reverse("treatment:order_list"),
        "protocols": reverse("treatment:protocol_list"),
        "alerts": reverse("outcomes:alerts"),
        "messages": reverse("reminders:messages"),
        "audit": reverse("audit:list"),
        "settings": reverse("core:settings"),
        "staff": reverse("accounts:users"),
    }


def _header_height(page) -> float:
    return page.locator("header.top").bounding_box()["height"]


def _further_pages(user, checked_kinds: set[str]) -> list[str]:
    """One page of every other kind the person reaches by following links (tests/crawl.py)."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    further = []
    for found in crawl(client, ["/"], per_kind=1):
        kind = page_kind(found.url)
        if found.status == 200 and "text/html" in found.content_type and kind not in checked_kinds:
            checked_kinds.add(kind)
            further.append(found.url)
    return further


def test_every_staff_page_fits_a_tablet_for_each_role_and_the_portal_a_phone(
    page, live_server, sign_in, screenshot, demo
):
    pages = _main_pages(demo)
    checked_kinds = {page_kind(url) for url in pages.values()}
    problems = []
    for role, username in ROLE_USERS.items():
        user = User.objects.get(username=username)
        membership = Membership.objects.get(user=user, clinic__slug=data.HARBOR_SLUG)
        # the main pages this role may open (the others are not linked for it: tests/test_every_page.py),
        # then one page of every further kind it reaches (record pages, forms, documents…)
        allowed = {name: url for name, url in pages.items() if path_permitted(membership, url)}
        assert {"today", "patients", "chart", "board", "appointments", "week view"} <= set(allowed), role
        allowed |= {url: url for url in _further_pages(user, checked_kinds)}

        # given the person signed in on a landscape tablet
        use_viewport(page, TABLET)
        sign_in(page, user, data.DEMO_PASSWORD)
        for orientation, size in SIZES.items():
            use_viewport(page, size)
            for name, url in allowed.items():
                # when they open each page
                response = page.goto(f"{live_server.url}{url}")
                where = f"{role} · {name} · {orientation}"
                if response.status != 200:
                    problems.append(f"{where}: {response.status}")
                    continue
                # then nothing scrolls sideways and the header is one compact bar
                overflow = page.evaluate(SIDEWAYS_SCROLL)
                if overflow > 0:
                    problems.append(f"{where}: scrolls sideways by {overflow} px")
                height = _header_height(page)
                if height > HEADER_MAX_PX[orientation]:
                    problems.append(f"{where}: header {height} px high")
                if (role, name, orientation) in SCREENSHOTS_FOR_DOCS:
                    screenshot(page, SCREENSHOTS_FOR_DOCS[(role, name, orientation)])
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()
    assert not problems, "\n".join(problems)

    # and a patient on a phone: every portal page linked from their home fits the screen
    use_viewport(page, PHONE)
    patient_user = User.objects.get(username=data.PORTAL_USERS[0][0])
    sign_in(page, patient_user, data.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/")
    assert_no_horizontal_scroll(page)
    links = page.locator("main a[href^='/']").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    portal_pages = sorted({href for href in links if not href.endswith(".pdf")})
    assert len(portal_pages) >= 5, portal_pages
    for url in portal_pages:
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        assert_no_horizontal_scroll(page)


def test_the_header_keeps_counts_in_view_and_the_rest_in_a_keyboard_menu(
    page, live_server, sign_in, screenshot, demo
):
    # given the nurse on a landscape tablet, with the demo's open suicide-risk alert
    nurse = User.objects.get(username="nurse")
    sign_in(page, nurse, data.DEMO_PASSWORD)
    page.goto(f"{live_server.url}{reverse('core:dashboard')}")
    main = page.get_by_role("navigation", name="Main")

    # then her most used pages are links in one bar, the alert count among them, in view
    for label in ("Today", "Board", "Patients", "Infusions", "Orders"):
        expect(main.get_by_role("link", name=label, exact=True)).to_be_visible()
    safety = main.get_by_role("link", name=re.compile(r"^Safety alerts"))
    expect(safety).to_be_in_viewport()
    expect(page.locator("#nav-safety-count")).to_have_text(re.compile(r"^\d+ open$"))
    expect(main.get_by_role("link", name="Today")).to_have_attribute("aria-current", "page")
    assert _header_height(page) <= HEADER_MAX_PX["landscape"]

    # when she reaches "More" with the keyboard alone and opens it
    more = main.locator("details.more > summary")
    expect(main.get_by_role("link", name="Appointments")).to_have_count(0)  # folded away
    more.focus()
    page.keyboard.press("Enter")
    # then the rest are there, reachable by Tab, and Escape folds the menu back
    appointments = main.get_by_role("link", name="Appointments")
    expect(appointments).to_be_visible()
    page.screenshot(
        path=str(SCREENSHOTS / "tablet-header.png"), clip={"x": 0, "y": 0, "width": 1024, "height": 420}
    )
    page.keyboard.press("Tab")
    expect(main.locator("details.more a:focus")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(appointments).to_be_hidden()
    expect(more).to_be_focused()

    # when the page she is on is one of "More", the menu says so and the link is marked current
    more.click()
    main.get_by_role("link", name="Appointments").click()
    page.wait_for_load_state()
    expect(main.locator("details.more > summary")).to_have_class(re.compile(r"current-more"))
    more = main.locator("details.more > summary")
    more.click()
    expect(main.get_by_role("link", name="Appointments")).to_have_attribute("aria-current", "page")

    # on a portrait tablet the links take a row of their own under the name and sign-out, counts in view
    use_viewport(page, TABLET_PORTRAIT)
    page.goto(f"{live_server.url}{reverse('core:dashboard')}")
    for label in ("Today", "Board", "Patients", "Infusions", "Orders"):
        expect(main.get_by_role("link", name=label, exact=True)).to_be_in_viewport()
    expect(page.locator("#nav-safety-count")).to_be_in_viewport()
    assert _header_height(page) <= HEADER_MAX_PX["portrait"]
    assert_no_horizontal_scroll(page)

    # and the signed-in name, clinic, role and sign-out stay one tap away
    page.keyboard.press("Escape")
    account = page.locator("details.account > summary")
    expect(account).to_contain_text("Dana Whitfield")
    account.click()
    expect(page.locator("details.account")).to_contain_text("Nurse")
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()

"""Links lead only where the reader's role may go, judged by the permission each view declares; the
header keeps each role's most used pages (with their counts) in one bar and the rest in "More"."""

import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from clinic.accounts.roles import Designation, Perm, Role, permissions_for
from clinic.core.context_processors import ESCALATION_COUNT_ROLES, SAFETY_COUNT_ROLES
from clinic.core.navigation import BAR, ITEMS, staff_nav
from clinic.core.permissions import path_permitted
from clinic.outcomes.services import questionnaire_response_record

STAFF_ROLES = (Role.NURSE, Role.PHYSICIAN, Role.FRONT_DESK, Role.ADMIN)


class FakeMembership:
    def __init__(self, role: str, designations=()):
        self.role = role
        self.designations = list(designations)
        self.is_active = True


def _allowed(role: str, perm) -> bool:
    needed = {perm} if isinstance(perm, str) else set(perm)
    return bool(needed & permissions_for(role))


# --- path_permitted ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_a_page_is_permitted_exactly_when_the_role_holds_the_permission_its_view_declares(role):
    membership = FakeMembership(role)
    # one permission
    courses = reverse("treatment:patient_courses", args=[1])
    assert path_permitted(membership, courses) is _allowed(role, Perm.ORDER_DOUBLE_CHECK)
    assert path_permitted(membership, reverse("outcomes:response", args=[1])) is _allowed(
        role, Perm.PATIENT_CLINICAL_EDIT
    )
    assert path_permitted(membership, reverse("audit:list")) is _allowed(role, Perm.AUDIT_VIEW)
    # any of several (protocols: administrators and clinicians)
    assert path_permitted(membership, reverse("treatment:protocol_list")) is _allowed(
        role, (Perm.SETTINGS_EDIT, Perm.ORDER_DOUBLE_CHECK)
    )
    # a query string does not change the page
    assert path_permitted(membership, reverse("scheduling:day") + "?date=2030-05-06")


def test_pages_without_a_declared_permission_are_open_and_unknown_paths_are_not():
    nurse = FakeMembership(Role.NURSE)
    assert path_permitted(nurse, reverse("core:home"))  # the start page redirects by role
    assert path_permitted(nurse, reverse("accounts:password_change"))
    assert not path_permitted(nurse, "/no/such/page/")
    assert not path_permitted(None, reverse("patients:list"))


def test_a_designation_opens_its_pages():
    physician = FakeMembership(Role.PHYSICIAN)
    director = FakeMembership(Role.PHYSICIAN, [Designation.MEDICAL_DIRECTOR])
    url = reverse("core:setting_propose", args=["spo2_min"])
    assert not path_permitted(physician, url)
    assert path_permitted(director, url)


# --- the header's menu ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_menu_offers_every_page_the_role_may_open_once_and_no_other(role):
    menu = staff_nav(membership=FakeMembership(role))
    keys = [link.key for link in menu.bar + menu.more]
    assert len(keys) == len(set(keys))
    membership = FakeMembership(role)
    expected = [item.key for item in ITEMS if path_permitted(membership, reverse(item.url_name))]
    assert sorted(keys) == sorted(expected)
    # the bar holds the role's most used pages, in its order; at most six fit a tablet's width
    assert [link.key for link in menu.bar] == [key for key in BAR[role] if key in expected]
    assert 4 <= len(menu.bar) <= 6


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_pages_with_a_count_are_never_folded_into_more(role):
    bar = [link.key for link in staff_nav(membership=FakeMembership(role)).bar]
    assert bar[0] == "home"  # Today carries the escalation count
    if role in SAFETY_COUNT_ROLES:
        assert "alerts" in bar
    if role in ESCALATION_COUNT_ROLES:
        assert "home" in bar


def test_the_nurse_menu_and_the_administrator_menu():
    nurse = staff_nav(membership=FakeMembership(Role.NURSE))
    assert [link.label for link in nurse.bar] == [
        "Today",
        "Board",
        "Safety alerts",
        "Patients",
        "Infusions",
        "Orders",
    ]
    assert [link.label for link in nurse.more] == ["Appointments", "Protocols", "Settings"]
    assert nurse.current_in_more("appointments") and not nurse.current_in_more("board")
    admin = staff_nav(membership=FakeMembership(Role.ADMIN))
    assert "Orders" not in [link.label for link in admin.bar + admin.more]  # the admin cannot open it
    assert "Safety alerts" not in [link.label for link in admin.bar + admin.more]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_header_link_opens_for_the_role(role, staff, client_for):
    client = client_for(staff[role])
    html = client.get(reverse("core:dashboard")).content.decode()
    header = html[html.index('<header class="top">') : html.index("</header>")]
    nav = header[header.index('aria-label="Main"') : header.index("</nav>")]
    links = re.findall(r'href="(/[^"]*)"', nav)
    assert len(links) >= 6
    for url in links:
        assert client.get(url).status_code in (200, 302), (role, url)
    # Today is marked as the current page; the rest sit behind a "More" summary
    assert re.search(r'<a href="/"[^>]*aria-current="page"', nav)
    assert '<details class="menu more">' in nav and "<summary" in nav
    # the account menu names the person, role and clinic; sign-out stays in the bar
    assert staff[role].signature_name in header and 'action="/accounts/logout/"' in header


# --- links in pages ---------------------------------------------------------------------------------


def _render(template: str, user, role: str, **context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    request.membership = FakeMembership(role)
    return Template("{% load access %}" + template).render(Context({"request": request, **context}))


def test_permitted_url_gives_the_url_only_to_roles_that_may_open_it(staff):
    template = "{% permitted_url 'treatment:patient_courses' 7 as url %}[{{ url }}]"
    assert _render(template, staff[Role.NURSE], Role.NURSE) == "[/treatment/patients/7/courses/]"
    assert _render(template, staff[Role.ADMIN], Role.ADMIN) == "[]"
    template = "{% may_open target as ok %}{{ ok }}"
    assert _render(template, staff[Role.ADMIN], Role.ADMIN, target="/audit/") == "True"
    assert _render(template, staff[Role.NURSE], Role.NURSE, target="/audit/") == "False"
    assert _render(template, staff[Role.NURSE], Role.NURSE, target=None) == "False"


def test_the_chart_links_courses_scores_and_answers_only_for_clinicians(staff, patient, client_for):
    # given a questionnaire answered for the patient (on the chart's timeline)
    response = questionnaire_response_record(
        patient=patient,
        instrument_code="phq9",
        answers={f"q{n}": 1 for n in range(1, 10)},
        context="baseline",
        entered_by=staff[Role.NURSE],
        source="staff",
    )
    chart = reverse("patients:chart", args=[patient.pk])
    clinical = [
        reverse("treatment:patient_courses", args=[patient.pk]),
        reverse("outcomes:patient_scores", args=[patient.pk]),
        reverse("outcomes:response", args=[response.pk]),
    ]
    # when a nurse opens the chart, then every clinical page is linked
    html = client_for(staff[Role.NURSE]).get(chart).content.decode()
    for url in clinical:
        assert f'href="{url}"' in html
    # when the administrator and the front desk open it, then none is (they would meet a 403)
    for role in (Role.ADMIN, Role.FRONT_DESK):
        html = client_for(staff[role]).get(chart).content.decode()
        for url in clinical:
            assert f'href="{url}"' not in html, (role, url)
        # the timeline still lists the questionnaire, as text
        assert "PHQ-9" in html


def test_templates_see_the_permissions_a_designation_adds(clinic, staff, medical_director, client_for):
    # given a physician designated medical director, and one who is not
    def role_perms(user):
        return client_for(user).get(reverse("core:dashboard")).context["role_perms"]

    # then templates see the designation's permission for the director only
    assert Perm.CLINICAL_SETTINGS_PROPOSE in role_perms(medical_director)
    assert Perm.CLINICAL_SETTINGS_PROPOSE not in role_perms(staff[Role.PHYSICIAN])

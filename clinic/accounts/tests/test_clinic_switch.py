"""Staff with memberships at several clinics switch the active clinic from the header."""

import re

import pytest
from django.test import Client

from clinic.accounts.roles import Role
from clinic.accounts.services import membership_add
from clinic.accounts.tests.helpers import sign_in_with_password
from clinic.accounts.views import NOT_A_MEMBER
from clinic.core.middleware import ACTIVE_CLINIC_SESSION_KEY
from clinic.core.models import Clinic
from conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

SWITCH = "/accounts/switch-clinic/"


def _selected_option(html: str) -> str:
    return re.search(r'<option value="(\d+)"\s*selected', html).group(1)


@pytest.fixture
def two_clinic_nurse(clinic, other_clinic, staff):
    nurse = staff[Role.NURSE]
    membership_add(user=nurse, clinic=other_clinic, role=Role.FRONT_DESK)
    return nurse


@pytest.fixture
def nurse_client(two_clinic_nurse):
    client = Client()
    sign_in_with_password(client, two_clinic_nurse, DEMO_PASSWORD)
    return client


def test_header_offers_each_clinic_of_the_user(clinic, other_clinic, nurse_client):
    html = nurse_client.get("/today/").content.decode()
    assert f'action="{SWITCH}"' in html
    assert _selected_option(html) == str(clinic.pk)
    assert re.search(rf'<option value="{other_clinic.pk}"\s*>{other_clinic.name}</option>', html)


def test_single_clinic_user_sees_no_switch(staff, client_for):
    html = client_for(staff[Role.PHYSICIAN]).get("/today/").content.decode()
    assert f'action="{SWITCH}"' not in html


def test_switching_changes_the_active_clinic_and_role(clinic, other_clinic, nurse_client):
    # given the first clinic is active
    assert nurse_client.get("/today/").wsgi_request.clinic == clinic
    # when switching with the header form
    response = nurse_client.post(SWITCH, {"clinic_id": other_clinic.pk})
    # then the other clinic, and the role held there, apply to every following page
    assert response.status_code == 302
    assert response.url == "/"
    assert nurse_client.session[ACTIVE_CLINIC_SESSION_KEY] == other_clinic.pk
    page = nurse_client.get("/today/")
    assert page.wsgi_request.clinic == other_clinic
    assert page.wsgi_request.membership.role == Role.FRONT_DESK
    assert _selected_option(page.content.decode()) == str(other_clinic.pk)


def test_cannot_switch_to_a_clinic_without_membership(clinic, nurse_client):
    third = Clinic.objects.create(name="Lakeside Clinic", slug="lakeside", timezone="America/Chicago")
    response = nurse_client.post(SWITCH, {"clinic_id": third.pk})
    assert response.status_code == 403
    assert NOT_A_MEMBER in response.content.decode()
    assert nurse_client.session[ACTIVE_CLINIC_SESSION_KEY] == clinic.pk
    assert nurse_client.get("/today/").wsgi_request.clinic == clinic


def test_cannot_switch_to_a_clinic_where_the_membership_is_deactivated(
    other_clinic, two_clinic_nurse, nurse_client
):
    two_clinic_nurse.memberships.filter(clinic=other_clinic).update(is_active=False)
    assert nurse_client.post(SWITCH, {"clinic_id": other_clinic.pk}).status_code == 403


def test_session_pointing_at_a_foreign_clinic_falls_back_to_a_real_membership(clinic, nurse_client):
    third = Clinic.objects.create(name="Lakeside Clinic", slug="lakeside", timezone="America/Chicago")
    session = nurse_client.session
    session[ACTIVE_CLINIC_SESSION_KEY] = third.pk
    session.save()
    assert nurse_client.get("/today/").wsgi_request.clinic == clinic


@pytest.mark.parametrize("value", ["", "abc"])
def test_switch_needs_a_clinic_id(nurse_client, value):
    assert nurse_client.post(SWITCH, {"clinic_id": value}).status_code == 400


def test_switch_is_post_only_and_needs_sign_in(db, nurse_client):
    assert nurse_client.get(SWITCH).status_code == 405
    response = Client().post(SWITCH, {"clinic_id": 1})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")

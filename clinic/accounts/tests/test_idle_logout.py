"""Automatic logoff after SESSION_IDLE_TIMEOUT_SECONDS without activity (HIPAA 164.312(a)(2)(iii))."""

import time

import pytest
from django.contrib.auth import get_user
from django.test import Client

from clinic.accounts.middleware import IDLE_SIGNED_OUT_KEY, LAST_ACTIVITY_KEY, idle_message
from clinic.accounts.roles import Role
from clinic.accounts.tests.helpers import sign_in_with_password
from clinic.audit.models import AuditAction, AuditEvent
from conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/accounts/password/"  # any page a signed-in user may open


@pytest.fixture
def idle_settings(settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 60
    return settings


@pytest.fixture
def nurse_client(staff):
    client = Client()
    assert sign_in_with_password(client, staff[Role.NURSE], DEMO_PASSWORD).status_code == 302
    assert client.get(PAGE).status_code == 200
    return client


def _age_activity(client, seconds: float) -> None:
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - seconds
    session.save()


def test_idle_message_names_the_duration():
    assert (
        idle_message(900)
        == "You were signed out after 15 minutes without activity. Sign in again to continue."
    )
    assert "1 minute without" in idle_message(60)
    assert "45 seconds" in idle_message(45)


def test_request_within_the_timeout_stays_signed_in(idle_settings, nurse_client):
    _age_activity(nurse_client, 30)
    assert nurse_client.get(PAGE).status_code == 200
    assert get_user(nurse_client).is_authenticated


def test_request_after_the_idle_period_redirects_to_login_with_the_message(
    idle_settings, staff, nurse_client
):
    # given the last activity was longer ago than the timeout
    _age_activity(nurse_client, 61)
    # when the nurse comes back
    response = nurse_client.get(PAGE)
    # then they are signed out and sent to sign in, coming back to the same page afterwards
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={PAGE}"
    assert not get_user(nurse_client).is_authenticated
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=staff[Role.NURSE]).count() == 1
    # and the sign-in page says why, once
    page = nurse_client.get(response.url)
    assert idle_message(60) in page.content.decode()
    assert idle_message(60) not in nurse_client.get("/accounts/login/").content.decode()
    assert IDLE_SIGNED_OUT_KEY not in nurse_client.session


def test_htmx_request_after_the_idle_period_gets_a_whole_page_redirect(idle_settings, nurse_client):
    _age_activity(nurse_client, 61)
    response = nurse_client.get(PAGE, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/"
    assert not get_user(nurse_client).is_authenticated


def test_background_poll_is_served_but_does_not_refresh_activity(idle_settings, nurse_client):
    # given some idle time, short of the timeout
    _age_activity(nurse_client, 50)
    before = nurse_client.session[LAST_ACTIVITY_KEY]
    # when the page polls in the background
    response = nurse_client.get(PAGE, headers={"X-Background-Poll": "1"})
    # then it is served, but the activity clock did not move
    assert response.status_code == 200
    assert nurse_client.session[LAST_ACTIVITY_KEY] == before
    # and once the timeout passes, polling alone does not keep the session alive
    _age_activity(nurse_client, 61)
    response = nurse_client.get(PAGE, headers={"X-Background-Poll": "1"})
    assert response.status_code == 302
    assert not get_user(nurse_client).is_authenticated


def test_ordinary_request_refreshes_activity(idle_settings, nurse_client):
    _age_activity(nurse_client, 50)
    before = nurse_client.session[LAST_ACTIVITY_KEY]
    nurse_client.get(PAGE)
    assert nurse_client.session[LAST_ACTIVITY_KEY] > before + 40


def test_idle_timeout_in_production_is_fifteen_minutes():
    import config.settings as production

    assert production.SESSION_IDLE_TIMEOUT_SECONDS == 15 * 60

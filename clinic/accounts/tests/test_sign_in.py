"""Sign-in and sign-out through the real form, failed sign-in auditing, lockout and password hashing."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.hashers import identify_hasher, make_password
from django.test import Client

from clinic.accounts.roles import Role
from clinic.accounts.services import user_lockout_clear
from clinic.accounts.tests.helpers import sign_in_with_password
from clinic.audit.models import AuditAction, AuditEvent
from conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "not-the-password-at-all"


def _fail(client, user, times: int):
    return [sign_in_with_password(client, user, WRONG_PASSWORD) for _ in range(times)]


def test_login_page_renders_the_form():
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_staff_member_signs_in_and_out_with_the_form(staff):
    # given
    nurse = staff[Role.NURSE]
    client = Client()
    # when
    response = sign_in_with_password(client, nurse, DEMO_PASSWORD)
    # then the user is signed in, sent to the start page, and it is audited
    assert response.status_code == 302
    assert response.url == "/"
    assert get_user(client).pk == nurse.pk
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=nurse).count() == 1
    nurse.refresh_from_db()
    assert nurse.last_login is not None

    # when signing out (POST only, as the header button does)
    response = client.post("/accounts/logout/")
    # then
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert not get_user(client).is_authenticated
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=nurse).count() == 1


def test_sign_out_by_get_is_refused(staff, client_for):
    client = client_for(staff[Role.NURSE])
    assert client.get("/accounts/logout/").status_code == 405
    assert get_user(client).is_authenticated


def test_sign_in_follows_a_safe_next_only(staff):
    nurse = staff[Role.NURSE]
    response = Client().post(
        "/accounts/login/?next=/accounts/password/",
        {"username": nurse.username, "password": DEMO_PASSWORD, "next": "/accounts/password/"},
    )
    assert response.url == "/accounts/password/"
    response = Client().post(
        "/accounts/login/",
        {"username": nurse.username, "password": DEMO_PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == "/"


def test_wrong_password_shows_an_error_and_is_audited(staff):
    # given
    nurse = staff[Role.NURSE]
    # when
    response = sign_in_with_password(Client(), nurse, WRONG_PASSWORD)
    # then the form is shown again with an error, nobody is signed in
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert not response.wsgi_request.user.is_authenticated
    # and the failure is in the audit trail with the username tried (never the password)
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.changes["extra"]["username"] == nurse.username
    # in the nurse's clinic's trail, where the administrator sees it
    assert event.clinic == nurse.memberships.get().clinic
    assert event.object_id == str(nurse.pk)
    assert WRONG_PASSWORD not in str(event.changes)


def test_unknown_username_is_audited_too(db):
    response = Client().post("/accounts/login/", {"username": "ghost", "password": WRONG_PASSWORD})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.clinic is None  # the system trail
    assert event.changes["extra"]["username"] == "ghost"


def test_lockout_after_the_failure_limit_refuses_even_the_right_password(staff):
    # given
    nurse = staff[Role.NURSE]
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    # when failing one time fewer than the limit, the form still answers normally
    for response in _fail(client, nurse, limit - 1):
        assert response.status_code == 200
        assert b"Account temporarily locked" not in response.content
    # when failing the limit-th time
    response = sign_in_with_password(client, nurse, WRONG_PASSWORD)
    # then the locked page is shown
    assert response.status_code == 429
    assert b"Account temporarily locked" in response.content
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    # and while locked even the right password is refused
    response = sign_in_with_password(client, nurse, DEMO_PASSWORD)
    assert response.status_code == 429
    assert b"Account temporarily locked" in response.content
    assert not get_user(client).is_authenticated
    # and every attempt, including the refused right one, is an audited failure
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() == limit + 1


def test_lockout_is_per_username(staff):
    client = Client()
    _fail(client, staff[Role.NURSE], settings.AXES_FAILURE_LIMIT)
    response = sign_in_with_password(client, staff[Role.PHYSICIAN], DEMO_PASSWORD)
    assert response.status_code == 302


def test_successful_sign_in_resets_the_failure_count(staff):
    # given four failures and then a success
    nurse = staff[Role.NURSE]
    client = Client()
    _fail(client, nurse, settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in_with_password(client, nurse, DEMO_PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    # when failing four more times
    responses = _fail(client, nurse, settings.AXES_FAILURE_LIMIT - 1)
    # then the account is not locked: the count started again
    assert all(r.status_code == 200 for r in responses)
    assert sign_in_with_password(client, nurse, DEMO_PASSWORD).status_code == 302


def test_administrator_unlock_lets_the_user_sign_in_again(clinic, staff):
    # given a locked-out nurse
    nurse = staff[Role.NURSE]
    client = Client()
    _fail(client, nurse, settings.AXES_FAILURE_LIMIT)
    assert sign_in_with_password(client, nurse, DEMO_PASSWORD).status_code == 429
    # when the administrator clears the lockout
    cleared = user_lockout_clear(membership=nurse.memberships.get(), cleared_by=staff[Role.ADMIN])
    # then the right password works again
    assert cleared >= 1
    assert not AccessAttempt.objects.filter(username=nurse.username).exists()
    assert sign_in_with_password(client, nurse, DEMO_PASSWORD).status_code == 302


def test_production_settings_hash_passwords_with_argon2(settings, clinic, make_user):
    import config.settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    # and with the production hashers a new account's password is stored as Argon2id
    # (the test settings use MD5 only for speed)
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    user = make_user(Role.NURSE, clinic)
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(DEMO_PASSWORD)
    assert make_password("x") != make_password("x")  # salted


def test_production_password_rules_are_strict():
    import config.settings as production

    names = [v["NAME"].rsplit(".", 1)[1] for v in production.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
    assert production.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] >= 10

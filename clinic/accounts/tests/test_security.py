"""Secure headers, CSRF, and Django's deployment checks with production settings."""

import os
import runpy
import secrets
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.test import Client, override_settings

from clinic.accounts.roles import Role
from conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

PRODUCTION_SETTINGS = Path(__file__).resolve().parents[3] / "config" / "settings.py"

# Deployment warnings we accept, each with the reason. Anything else fails the test.
JUSTIFIED_DEPLOY_WARNINGS = {
    # HSTS preload-list submission is an irreversible decision for the clinic's whole domain; it is
    # an operations choice, not a code default (HSTS itself is on for a year, with subdomains).
    "security.W021",
}

# Settings that describe the environment rather than security; the test process keeps its own.
_NOT_OVERRIDDEN = {
    "DATABASES",
    "INSTALLED_APPS",
    "TEMPLATES",
    "CACHES",
    "STORAGES",
    "LOGGING",
    "MIDDLEWARE",
    "ROOT_URLCONF",
    "STATIC_ROOT",
    "STATICFILES_DIRS",
    "BASE_DIR",
    "VAR_DIR",
    "EMAIL_BACKEND",
}


def _production_settings(monkeypatch) -> dict:
    """config/settings.py as production runs it: a long random key, DEBUG off, no demo switches."""
    for name in list(os.environ):
        if name.startswith(("KETACLINIC_", "DJANGO_")) or name == "CI":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
    namespace = runpy.run_path(str(PRODUCTION_SETTINGS), run_name="production_settings")
    return {key: value for key, value in namespace.items() if key.isupper() and key not in _NOT_OVERRIDDEN}


def test_check_deploy_with_production_settings_has_no_unexpected_warnings(monkeypatch):
    # given the settings production would load
    production = _production_settings(monkeypatch)
    assert production["DEBUG"] is False
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    assert set(production["SILENCED_SYSTEM_CHECKS"]) <= JUSTIFIED_DEPLOY_WARNINGS
    with override_settings(**production):
        # when running the deployment checks the way `manage.py check --deploy` does
        messages = checks.run_checks(include_deployment_checks=True)
        stdout, stderr = StringIO(), StringIO()
        # then nothing but the justified warnings is reported (fail_level=WARNING raises otherwise)
        call_command("check", deploy=True, fail_level="WARNING", stdout=stdout, stderr=stderr)
    unexpected = {m.id for m in messages if not m.is_silenced()} - JUSTIFIED_DEPLOY_WARNINGS
    assert unexpected == set(), [str(m) for m in messages]
    assert "System check identified no issues" in stdout.getvalue()


def test_check_deploy_does_catch_an_insecure_setting(monkeypatch):
    # the test above would be worthless if the checks could not fail
    production = _production_settings(monkeypatch)
    production["SESSION_COOKIE_SECURE"] = False
    with override_settings(**production):
        ids = {m.id for m in checks.run_checks(include_deployment_checks=True)}
    assert "security.W012" in ids


def test_production_requires_a_secret_key(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    for name in ("DJANGO_SECRET_KEY", "DJANGO_DEBUG", "CI"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        runpy.run_path(str(PRODUCTION_SETTINGS), run_name="production_settings")


def _assert_secure_headers(response):
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_public_sign_in_page_has_secure_headers(db):
    response = Client().get("/accounts/login/")
    _assert_secure_headers(response)
    assert "no-store" in response["Cache-Control"]  # Django's LoginView is never_cache


@pytest.mark.parametrize("path", ["/today/", "/accounts/staff/", "/accounts/password/"])
def test_signed_in_pages_have_secure_headers_and_are_not_cached(staff, client_for, path):
    response = client_for(staff[Role.ADMIN]).get(path)
    assert response.status_code == 200
    _assert_secure_headers(response)
    assert response["Cache-Control"] == "no-store"


def test_error_pages_have_secure_headers_too(staff, client_for):
    response = client_for(staff[Role.NURSE]).get("/accounts/staff/")
    assert response.status_code == 403
    _assert_secure_headers(response)
    assert response["Cache-Control"] == "no-store"


def test_session_cookie_is_http_only_and_lax(staff):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": staff[Role.NURSE].username, "password": DEMO_PASSWORD}
    )
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_sign_in_without_csrf_token_is_refused(staff):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": staff[Role.NURSE].username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
    assert not client.session.get("_auth_user_id")


def test_staff_action_without_csrf_token_is_refused(staff):
    # given a signed-in admin whose browser does enforce CSRF
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff[Role.ADMIN])
    membership = staff[Role.NURSE].memberships.get()
    # when a forged form posts without the token
    response = client.post(f"/accounts/staff/{membership.pk}/", {"role": Role.ADMIN, "is_active": "on"})
    # then it is refused and nothing changes
    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
    membership.refresh_from_db()
    assert membership.role == Role.NURSE


def test_sign_in_with_the_csrf_token_works(staff):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = page.context["csrf_token"]
    response = client.post(
        "/accounts/login/",
        {
            "username": staff[Role.NURSE].username,
            "password": DEMO_PASSWORD,
            "csrfmiddlewaretoken": str(token),
        },
    )
    assert response.status_code == 302


def test_account_templates_have_no_inline_script_or_style():
    # CSP is script-src 'self'; style-src 'self': inline code would be blocked in the browser.
    folder = Path(__file__).resolve().parents[1] / "templates" / "accounts"
    for template in folder.glob("*.html"):
        text = template.read_text()
        assert "style=" not in text, template.name
        assert "<script" not in text, template.name
        assert "<style" not in text, template.name

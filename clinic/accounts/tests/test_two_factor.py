"""TOTP two-factor for every staff role: enrolment, verification, and what stays reachable before it."""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.accounts.middleware import (
    PASSWORD_CHANGE_OPEN_URL_NAMES,
    TWO_FACTOR_OPEN_URL_NAMES,
    needs_two_factor,
)
from clinic.accounts.roles import STAFF_ROLES, Role
from clinic.accounts.services import (
    membership_add,
    staff_user_create,
    totp_device_confirm,
    totp_device_start,
    user_two_factor_reset,
)
from clinic.accounts.tests.helpers import (
    REQUIRED_STAFF_PAGES,
    permission_guarded_pages,
    sign_in_with_password,
    totp_code,
)
from clinic.accounts.views import TOO_MANY_CODES, TWO_FACTOR_SET_UP, WRONG_CODE
from clinic.audit.models import AuditAction, AuditEvent
from conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

TWO_FACTOR = "/accounts/two-factor/"


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = True
    return settings


def _staff_page_paths() -> list[str]:
    names = set(REQUIRED_STAFF_PAGES) | set(permission_guarded_pages())
    paths = []
    for name in sorted(names):
        try:
            paths.append(reverse(name))
        except NoReverseMatch:
            continue  # an app still being built
    return paths


def _half_signed_in(user) -> Client:
    client = Client()
    assert sign_in_with_password(client, user, DEMO_PASSWORD).status_code == 302
    return client


def _enrolled(user) -> TOTPDevice:
    device = totp_device_start(user=user)
    assert totp_device_confirm(device=device, token=totp_code(device))
    device.refresh_from_db()
    return device


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_every_staff_page_redirects_to_two_factor_after_password_sign_in(staff, role):
    # given a staff member who signed in with their password only
    client = _half_signed_in(staff[role])
    paths = _staff_page_paths()
    assert "/accounts/staff/" in paths and "/today/" in paths
    for path in paths:
        # when they open any staff page
        response = client.get(path)
        # then they are sent to the two-factor page, coming back afterwards
        assert response.status_code == 302, path
        assert response.url == f"{TWO_FACTOR}?next={path.replace('/', '%2F')}", path


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/accounts/staff/"),
        ("get", "/accounts/staff/add/"),
        ("get", "/accounts/password/"),
        ("post", "/accounts/switch-clinic/"),
        ("post", "/accounts/staff/add/"),
        ("get", "/"),
    ],
)
def test_accounts_pages_other_than_sign_in_are_not_open_before_two_factor(staff, method, path):
    # The staff administration pages live under /accounts/ too; they must not be reachable
    # half-signed-in (this used to be a prefix exemption for all of /accounts/).
    client = _half_signed_in(staff[Role.ADMIN])
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response.url.startswith(TWO_FACTOR)


def test_staff_pages_with_parameters_are_not_open_before_two_factor(staff):
    client = _half_signed_in(staff[Role.ADMIN])
    membership = staff[Role.NURSE].memberships.get()
    for name in ("accounts:membership_edit", "accounts:reset_two_factor", "accounts:unlock"):
        path = reverse(name, kwargs={"membership_id": membership.pk})
        response = client.post(path)
        assert response.status_code == 302
        assert response.url == TWO_FACTOR
    assert not AuditEvent.objects.filter(summary__contains="reset").exists()


def test_only_sign_in_sign_out_and_two_factor_are_open(staff):
    assert {reverse(n) for n in TWO_FACTOR_OPEN_URL_NAMES} == {
        "/accounts/login/",
        "/accounts/logout/",
        TWO_FACTOR,
    }
    client = _half_signed_in(staff[Role.NURSE])
    assert client.get(TWO_FACTOR).status_code == 200
    # the sign-in page redirects a signed-in user onwards rather than being blocked
    assert client.get("/accounts/login/").status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    assert not client.session.get("_auth_user_id")


def test_enrolment_shows_a_qr_code_and_a_correct_code_completes_sign_in(staff):
    # given
    nurse = staff[Role.NURSE]
    client = _half_signed_in(nurse)
    # when opening the two-factor page without an authenticator
    response = client.get(TWO_FACTOR, {"next": "/today/"})
    # then the setup page shows a QR code and the key, and an unconfirmed device exists
    assert response.status_code == 200
    assert "accounts/two_factor_setup.html" in [t.name for t in response.templates]
    assert b"<svg" in response.content
    device = TOTPDevice.objects.get(user=nurse)
    assert device.confirmed is False
    assert response.context["secret"].encode() in response.content
    # when entering the code the authenticator shows
    response = client.post(TWO_FACTOR, {"token": totp_code(device), "next": "/today/"})
    # then the device is confirmed, audited, and the nurse reaches the page they wanted
    assert response.status_code == 302
    assert response.url == "/today/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="otp_totp.TOTPDevice", actor=nurse
    ).exists()
    page = client.get("/today/")
    assert page.status_code == 200
    assert TWO_FACTOR_SET_UP in page.content.decode()


def test_reloading_the_setup_page_keeps_one_pending_device(staff):
    client = _half_signed_in(staff[Role.NURSE])
    first = client.get(TWO_FACTOR).context["secret"]
    second = client.get(TWO_FACTOR).context["secret"]
    assert first == second
    assert TOTPDevice.objects.filter(user=staff[Role.NURSE]).count() == 1


def test_wrong_code_at_enrolment_shows_the_field_error(staff):
    # given
    nurse = staff[Role.NURSE]
    client = _half_signed_in(nurse)
    client.get(TWO_FACTOR)
    # when
    response = client.post(TWO_FACTOR, {"token": "000000"})
    device = TOTPDevice.objects.get(user=nurse)
    if totp_code(device) == "000000":  # one chance in a million
        pytest.skip("the current code happens to be 000000")
    # then the form shows the error on the code field and nothing is confirmed
    assert response.status_code == 200
    assert response.context["form"].errors["token"] == [WRONG_CODE]
    assert WRONG_CODE in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert client.get("/today/").url.startswith(TWO_FACTOR)
    # and the failure is audited
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor=nurse).exists()


def test_malformed_code_is_a_field_error(staff):
    client = _half_signed_in(staff[Role.NURSE])
    response = client.post(TWO_FACTOR, {"token": "12ab"})
    assert response.context["form"].errors["token"] == ["Enter the six digits your authenticator app shows."]


def test_enrolled_staff_member_verifies_with_the_next_code(staff):
    # given a nurse who enrolled earlier
    nurse = staff[Role.NURSE]
    device = _enrolled(nurse)
    client = _half_signed_in(nurse)
    # when they open a page, they are asked for a code (not shown a new QR code)
    response = client.get(TWO_FACTOR)
    assert "accounts/two_factor_verify.html" in [t.name for t in response.templates]
    assert b"<svg" not in response.content
    # a wrong code is refused with the field error
    wrong = client.post(TWO_FACTOR, {"token": "000000"})
    if totp_code(device, steps_ahead=1) != "000000":
        assert wrong.context["form"].errors["token"] == [WRONG_CODE]
    # django-otp slows down guessing after a failure
    device.refresh_from_db()
    device.throttle_reset()
    # and the next code works
    response = client.post(TWO_FACTOR, {"token": totp_code(device, steps_ahead=1), "next": "/today/"})
    assert response.status_code == 302
    assert response.url == "/today/"
    assert client.get("/today/").status_code == 200


def test_repeated_wrong_codes_are_throttled(staff):
    nurse = staff[Role.NURSE]
    device = _enrolled(nurse)
    client = _half_signed_in(nurse)
    client.post(TWO_FACTOR, {"token": "000000"})
    # when the right code comes straight after a wrong one, django-otp's throttle still refuses it
    response = client.post(TWO_FACTOR, {"token": totp_code(device, steps_ahead=1)})
    assert response.status_code == 200
    message = response.context["form"].errors["token"][0]
    assert message.startswith(TOO_MANY_CODES.split("{", 1)[0])


def test_a_code_is_not_accepted_twice(staff):
    nurse = staff[Role.NURSE]
    device = _enrolled(nurse)
    client = _half_signed_in(nurse)
    # the code that confirmed enrolment cannot be replayed
    response = client.post(TWO_FACTOR, {"token": totp_code(device)})
    assert response.status_code == 200
    assert response.context["form"].errors["token"] == [WRONG_CODE]


def test_next_after_two_factor_must_stay_on_this_site(staff):
    nurse = staff[Role.NURSE]
    client = _half_signed_in(nurse)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=nurse)
    response = client.post(TWO_FACTOR, {"token": totp_code(device), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.url == "/"


def test_patient_is_not_asked_for_two_factor(clinic, make_user):
    patient_user = make_user(Role.PATIENT, clinic)
    client = _half_signed_in(patient_user)
    assert not needs_two_factor(patient_user)
    response = client.get("/accounts/password/")
    assert response.status_code == 200
    assert "accounts/password_change.html" in [t.name for t in response.templates]
    # and staff pages are refused for their role, not sent to two-factor
    assert client.get("/today/").status_code == 403


def test_patient_who_is_also_staff_elsewhere_needs_two_factor(clinic, other_clinic, make_user):
    user = make_user(Role.PATIENT, clinic)
    membership_add(user=user, clinic=other_clinic, role=Role.NURSE)
    client = _half_signed_in(user)
    assert client.get("/accounts/password/").url.startswith(TWO_FACTOR)


def test_deactivated_staff_membership_does_not_require_two_factor(clinic, make_user):
    user = make_user(Role.NURSE, clinic)
    user.memberships.update(is_active=False)
    assert not needs_two_factor(user)


def test_two_factor_off_lets_staff_in_with_the_password(settings, staff):
    settings.STAFF_TWO_FACTOR_REQUIRED = False
    client = _half_signed_in(staff[Role.NURSE])
    assert client.get("/today/").status_code == 200


def test_two_factor_is_on_by_default_in_production():
    import config.settings as production

    assert production.STAFF_TWO_FACTOR_REQUIRED is True


def test_reset_two_factor_makes_the_user_enrol_again(staff):
    # given a nurse fully signed in with two-factor
    nurse = staff[Role.NURSE]
    device = _enrolled(nurse)
    client = _half_signed_in(nurse)
    client.post(TWO_FACTOR, {"token": totp_code(device, steps_ahead=1)})
    assert client.get("/today/").status_code == 200
    # when the administrator resets their two-factor
    deleted = user_two_factor_reset(membership=nurse.memberships.get(), reset_by=staff[Role.ADMIN])
    # then the device is gone, the change is audited, and the next page asks them to enrol again
    assert deleted == 1
    assert not TOTPDevice.objects.filter(user=nurse).exists()
    event = AuditEvent.objects.get(action=AuditAction.DELETE, object_id=str(nurse.pk))
    assert event.actor == staff[Role.ADMIN]
    assert event.changes["extra"] == {"devices_deleted": 1}
    assert client.get("/today/").url.startswith(TWO_FACTOR)
    setup = client.get(TWO_FACTOR)
    assert "accounts/two_factor_setup.html" in [t.name for t in setup.templates]


def test_password_change_pages_are_open_before_a_temporary_password_is_replaced():
    assert "accounts:password_change" in PASSWORD_CHANGE_OPEN_URL_NAMES
    assert "accounts:password_change" not in TWO_FACTOR_OPEN_URL_NAMES


def test_new_staff_member_enrols_two_factor_then_replaces_the_temporary_password(clinic, staff):
    # given an account created by the administrator with a temporary password
    user = staff_user_create(
        clinic=clinic,
        created_by=staff[Role.ADMIN],
        username="new.nurse",
        role=Role.NURSE,
        password="Temporary-pass-2024!",
        first_name="Nia",
        last_name="Okafor",
    )
    client = Client()
    sign_in_with_password(client, user, "Temporary-pass-2024!")
    # when they open a page, two-factor comes first
    assert client.get("/today/").url.startswith(TWO_FACTOR)
    assert client.get("/accounts/password/").url.startswith(TWO_FACTOR)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(TWO_FACTOR, {"token": totp_code(device), "next": "/today/"})
    # then the temporary password must be replaced before the page opens
    assert client.get(response.url).url == "/accounts/password/?next=%2Ftoday%2F"
    assert client.get("/accounts/password/").status_code == 200
    assert client.get("/accounts/staff/").status_code == 302


def test_request_tells_templates_while_sign_in_is_unfinished(staff):
    client = _half_signed_in(staff[Role.NURSE])
    assert client.get(TWO_FACTOR).wsgi_request.sign_in_incomplete is True
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=staff[Role.NURSE])
    client.post(TWO_FACTOR, {"token": totp_code(device)})
    assert client.get("/today/").wsgi_request.sign_in_incomplete is False

"""Changing one's own password, and replacing a temporary password set by an administrator."""

import pytest
from django.contrib.auth import get_user
from django.test import Client

from clinic.accounts.roles import Role
from clinic.accounts.services import staff_user_create, user_password_change
from clinic.accounts.tests.helpers import sign_in_with_password
from clinic.accounts.views import PASSWORD_CHANGE_REQUIRED, PASSWORD_CHANGED
from clinic.audit.models import AuditAction, AuditEvent
from conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/accounts/password/"
NEW_PASSWORD = "a-new-longer-passphrase-42"
TEMPORARY = "Temporary-pass-2024!"


def _change(client, old: str, new: str, confirm: str | None = None, **extra):
    data = {"old_password": old, "new_password1": new, "new_password2": confirm or new, **extra}
    return client.post(PAGE, data)


def test_signed_out_visitor_is_sent_to_sign_in(db):
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={PAGE}"


def test_user_changes_their_password_and_it_is_audited(staff):
    # given
    nurse = staff[Role.NURSE]
    client = Client()
    sign_in_with_password(client, nurse, DEMO_PASSWORD)
    # when
    response = _change(client, DEMO_PASSWORD, NEW_PASSWORD)
    # then the password is changed, this session stays signed in, and it is audited
    assert response.status_code == 302
    assert response.url == "/"
    nurse.refresh_from_db()
    assert nurse.check_password(NEW_PASSWORD)
    assert get_user(client).is_authenticated
    assert PASSWORD_CHANGED in client.get("/today/").content.decode()
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, summary="Password changed")
    assert event.actor == nurse
    assert event.clinic == nurse.memberships.get().clinic
    assert NEW_PASSWORD not in str(event.changes) and DEMO_PASSWORD not in str(event.changes)


def test_other_sessions_are_signed_out_by_a_password_change(staff):
    nurse = staff[Role.NURSE]
    here, elsewhere = Client(), Client()
    sign_in_with_password(here, nurse, DEMO_PASSWORD)
    sign_in_with_password(elsewhere, nurse, DEMO_PASSWORD)
    _change(here, DEMO_PASSWORD, NEW_PASSWORD)
    assert get_user(here).is_authenticated
    assert not get_user(elsewhere).is_authenticated


@pytest.mark.parametrize(
    "old, new, confirm, field, message",
    [
        (
            "wrong-old-password",
            NEW_PASSWORD,
            None,
            "old_password",
            "Your old password was entered incorrectly",
        ),
        (DEMO_PASSWORD, "short", None, "new_password2", "too short"),
        (DEMO_PASSWORD, "password123", None, "new_password2", "too common"),
        (DEMO_PASSWORD, "4815162342108", None, "new_password2", "entirely numeric"),
        (DEMO_PASSWORD, NEW_PASSWORD, "something-else-entirely", "new_password2", "didn’t match"),
    ],
)
def test_invalid_changes_name_the_field_and_change_nothing(staff, old, new, confirm, field, message):
    nurse = staff[Role.NURSE]
    client = Client()
    sign_in_with_password(client, nurse, DEMO_PASSWORD)
    response = _change(client, old, new, confirm)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    nurse.refresh_from_db()
    assert nurse.check_password(DEMO_PASSWORD)
    assert not AuditEvent.objects.filter(summary="Password changed").exists()


def test_similar_to_username_is_refused(clinic, make_user):
    user = make_user(Role.NURSE, clinic, username="florence.nightingale")
    client = Client()
    sign_in_with_password(client, user, DEMO_PASSWORD)
    response = _change(client, DEMO_PASSWORD, "florence.nightingale1")
    assert "too similar" in " ".join(response.context["form"].errors["new_password2"])


def test_temporary_password_must_be_replaced_before_any_other_page(clinic, staff):
    # given an account an administrator created with a temporary password
    user = staff_user_create(
        clinic=clinic,
        created_by=staff[Role.ADMIN],
        username="new.nurse",
        role=Role.NURSE,
        password=TEMPORARY,
        first_name="Nia",
        last_name="Okafor",
    )
    assert user.password_change_required
    client = Client()
    assert sign_in_with_password(client, user, TEMPORARY).status_code == 302
    # when they open any page
    response = client.get("/today/")
    # then they must choose their own password first
    assert response.status_code == 302
    assert response.url == f"{PAGE}?next=%2Ftoday%2F"
    page = client.get(response.url)
    assert page.status_code == 200
    assert PASSWORD_CHANGE_REQUIRED in page.content.decode()
    # when they do
    response = _change(client, TEMPORARY, NEW_PASSWORD, next="/today/")
    # then they continue to where they were going
    assert response.status_code == 302
    assert response.url == "/today/"
    user.refresh_from_db()
    assert user.password_change_required is False
    assert client.get("/today/").status_code == 200


def test_service_clears_the_temporary_flag(clinic, make_user):
    user = make_user(Role.NURSE, clinic, password_change_required=True)
    user_password_change(user=user, new_password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.password_change_required

"""The administrator's staff pages: list, add, edit, reset two-factor, unlock."""

import uuid

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.accounts.models import Membership, User
from clinic.accounts.roles import Role
from clinic.accounts.services import (
    LAST_ADMIN,
    MEDICAL_DIRECTOR_PHYSICIANS_ONLY,
    USERNAME_TAKEN,
    membership_add,
    totp_device_confirm,
    totp_device_start,
)
from clinic.accounts.tests.helpers import sign_in_with_password, totp_code
from clinic.accounts.views import LOCKOUT_CLEARED, STAFF_CREATED, TWO_FACTOR_RESET
from clinic.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

USERS = "/accounts/staff/"
ADD = "/accounts/staff/add/"
TEMPORARY = "Temporary-pass-2024!"


@pytest.fixture
def admin_client(staff, client_for):
    return client_for(staff[Role.ADMIN])


def _edit_url(membership) -> str:
    return reverse("accounts:membership_edit", kwargs={"membership_id": membership.pk})


def _create_data(**overrides):
    data = {
        "action": "create",
        "new-username": "nia.okafor",
        "new-first_name": "Nia",
        "new-last_name": "Okafor",
        "new-credentials": "RN",
        "new-email": "",
        "new-role": Role.NURSE,
        "new-password": TEMPORARY,
        "new-submission_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_url_names_and_paths():
    assert reverse("accounts:users") == USERS
    assert reverse("accounts:user_add") == ADD
    assert reverse("accounts:membership_edit", kwargs={"membership_id": 7}) == "/accounts/staff/7/"
    assert reverse("accounts:reset_two_factor", kwargs={"membership_id": 7}) == (
        "/accounts/staff/7/reset-two-factor/"
    )
    assert reverse("accounts:unlock", kwargs={"membership_id": 7}) == "/accounts/staff/7/unlock/"
    assert reverse("accounts:password_change") == "/accounts/password/"


# The list


def test_list_shows_this_clinics_staff_with_role_status_two_factor_and_last_sign_in(
    clinic, other_clinic, staff, make_user, admin_client
):
    # given a nurse who enrolled two-factor and signed in, a patient, and another clinic's nurse
    nurse = staff[Role.NURSE]
    device = totp_device_start(user=nurse)
    totp_device_confirm(device=device, token=totp_code(device))
    sign_in_with_password(Client(), nurse, "correct-horse-battery-staple")
    patient_user = make_user(Role.PATIENT, clinic)
    stranger = make_user(Role.NURSE, other_clinic)
    # when
    response = admin_client.get(USERS)
    # then
    assert response.status_code == 200
    listed = {m.user.username: m for m in response.context["page_obj"]}
    assert set(listed) == {u.username for u in staff.values()}
    assert patient_user.username not in listed and stranger.username not in listed
    assert listed[nurse.username].two_factor_enrolled is True
    assert listed[staff[Role.PHYSICIAN].username].two_factor_enrolled is False
    html = response.content.decode()
    assert "Enrolled" in html and "Not yet" in html
    assert "Never" in html  # the physician has not signed in
    nurse.refresh_from_db()
    assert nurse.last_login.astimezone(clinic.tzinfo).strftime("%Y-%m-%d %H:%M") in html
    assert "Nurse" in html and "Front desk" in html


def test_list_marks_locked_accounts(staff, admin_client):
    client = Client()
    for _ in range(5):
        sign_in_with_password(client, staff[Role.NURSE], "wrong-password-here")
    response = admin_client.get(USERS)
    assert response.context["locked"] == {staff[Role.NURSE].username}
    assert "Locked" in response.content.decode()


def test_list_filters_by_role_and_status(staff, admin_client):
    staff[Role.FRONT_DESK].memberships.update(is_active=False)
    by_role = admin_client.get(USERS, {"role": Role.NURSE})
    assert [m.user for m in by_role.context["page_obj"]] == [staff[Role.NURSE]]
    active = admin_client.get(USERS)
    assert staff[Role.FRONT_DESK] not in [m.user for m in active.context["page_obj"]]
    inactive = admin_client.get(USERS, {"status": "inactive"})
    assert [m.user for m in inactive.context["page_obj"]] == [staff[Role.FRONT_DESK]]
    everyone = admin_client.get(USERS, {"status": "all"})
    assert len(everyone.context["page_obj"]) == 4


def test_list_paginates_25_per_page(clinic, staff, make_user, admin_client):
    for _ in range(26):
        make_user(Role.NURSE, clinic)
    first = admin_client.get(USERS)
    assert len(first.context["page_obj"]) == 25
    assert first.context["page_obj"].paginator.count == 30
    second = admin_client.get(USERS, {"page": 2})
    assert len(second.context["page_obj"]) == 5
    assert "Page 2 of 2" in second.content.decode()


def test_list_query_count_does_not_grow_with_staff(
    clinic, staff, make_user, admin_client, django_assert_max_num_queries
):
    for _ in range(25):
        user = make_user(Role.NURSE, clinic)
        totp_device_start(user=user)
    with django_assert_max_num_queries(10):
        response = admin_client.get(USERS)
    assert response.status_code == 200


# Adding staff


def test_add_page_shows_both_forms_with_submission_keys(admin_client):
    response = admin_client.get(ADD)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="new-submission_key"' in html and 'name="colleague-submission_key"' in html
    assert "Temporary password" in html
    assert "at least 10 characters" in html  # the validators' rules are shown


def test_admin_creates_a_nurse_with_a_temporary_password(clinic, staff, admin_client):
    # when
    response = admin_client.post(ADD, _create_data())
    # then
    assert response.status_code == 302
    assert response.url == USERS
    user = User.objects.get(username="nia.okafor")
    assert user.check_password(TEMPORARY) and user.password_change_required
    assert user.memberships.get().role == Role.NURSE
    page = admin_client.get(USERS)
    assert STAFF_CREATED.format(name="Nia Okafor, RN") in page.content.decode()
    assert "nia.okafor" in page.content.decode()
    # and the new nurse can sign in with it
    assert sign_in_with_password(Client(), user, TEMPORARY).status_code == 302


def test_create_errors_name_the_field_and_save_nothing(staff, admin_client):
    response = admin_client.post(ADD, _create_data(**{"new-password": "short", "new-first_name": ""}))
    assert response.status_code == 200
    form = response.context["create_form"]
    assert "first_name" in form.errors
    assert not User.objects.filter(username="nia.okafor").exists()
    response = admin_client.post(ADD, _create_data(**{"new-password": "short"}))
    form = response.context["create_form"]
    assert "too short" in " ".join(form.errors["password"])
    assert "Temporary password:" in response.content.decode()  # the error names the field
    assert not User.objects.filter(username="nia.okafor").exists()


def test_create_with_a_taken_username_shows_the_error(staff, admin_client):
    response = admin_client.post(ADD, _create_data(**{"new-username": staff[Role.NURSE].username}))
    assert response.context["create_form"].errors["username"] == [USERNAME_TAKEN]


def test_double_submitted_create_form_makes_one_account(admin_client):
    data = _create_data()
    assert admin_client.post(ADD, data).status_code == 302
    assert admin_client.post(ADD, data).status_code == 302
    assert User.objects.filter(username="nia.okafor").count() == 1


def test_admin_adds_a_colleague_from_their_other_clinic(clinic, other_clinic, staff, make_user, admin_client):
    membership_add(user=staff[Role.ADMIN], clinic=other_clinic, role=Role.ADMIN)
    colleague = make_user(Role.PHYSICIAN, other_clinic, username="dr.reyes")
    response = admin_client.post(
        ADD,
        {
            "action": "existing",
            "colleague-username": "dr.reyes",
            "colleague-role": Role.PHYSICIAN,
            "colleague-submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=colleague, clinic=clinic, role=Role.PHYSICIAN).exists()


def test_colleague_not_found_is_a_field_error(admin_client):
    response = admin_client.post(
        ADD, {"action": "existing", "colleague-username": "nobody", "colleague-role": Role.NURSE}
    )
    assert response.status_code == 200
    assert "username" in response.context["colleague_form"].errors


def test_the_role_list_offers_staff_roles_only(admin_client):
    response = admin_client.post(ADD, _create_data(**{"new-role": Role.PATIENT}))
    assert "role" in response.context["create_form"].errors
    assert not User.objects.filter(username="nia.okafor").exists()


# Editing a membership


def test_edit_page_shows_the_member(staff, admin_client):
    membership = staff[Role.NURSE].memberships.get()
    response = admin_client.get(_edit_url(membership))
    assert response.status_code == 200
    html = response.content.decode()
    assert staff[Role.NURSE].username in html
    assert "Reset two-factor" in html and "Unlock sign-in" in html


def test_admin_changes_a_role_and_deactivates(staff, admin_client):
    membership = staff[Role.NURSE].memberships.get()
    response = admin_client.post(_edit_url(membership), {"role": Role.FRONT_DESK, "is_active": ""})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == (Role.FRONT_DESK, False)
    # and reactivates
    admin_client.post(_edit_url(membership), {"role": Role.FRONT_DESK, "is_active": "on"})
    membership.refresh_from_db()
    assert membership.is_active
    assert (
        AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="accounts.Membership").count() == 2
    )


def test_last_admin_cannot_demote_themselves_through_the_page(staff, admin_client):
    own = staff[Role.ADMIN].memberships.get()
    response = admin_client.post(_edit_url(own), {"role": Role.NURSE, "is_active": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["role"] == [LAST_ADMIN]
    assert LAST_ADMIN in response.content.decode()
    response = admin_client.post(_edit_url(own), {"role": Role.ADMIN, "is_active": ""})
    assert response.context["form"].errors["is_active"] == [LAST_ADMIN]
    own.refresh_from_db()
    assert (own.role, own.is_active) == (Role.ADMIN, True)
    assert admin_client.get(USERS).status_code == 200


@pytest.mark.parametrize("name", ["accounts:membership_edit", "accounts:reset_two_factor", "accounts:unlock"])
def test_another_clinics_member_is_not_found(other_clinic, make_user, admin_client, name):
    stranger = make_user(Role.NURSE, other_clinic)
    url = reverse(name, kwargs={"membership_id": stranger.memberships.get().pk})
    assert admin_client.post(url, {"role": Role.ADMIN, "is_active": "on"}).status_code == 404
    assert stranger.memberships.get().role == Role.NURSE


@pytest.mark.parametrize("name", ["accounts:membership_edit", "accounts:reset_two_factor", "accounts:unlock"])
def test_patient_memberships_are_not_found(clinic, make_user, admin_client, name):
    patient_user = make_user(Role.PATIENT, clinic)
    url = reverse(name, kwargs={"membership_id": patient_user.memberships.get().pk})
    assert admin_client.get(url).status_code in (404, 405)
    assert admin_client.post(url, {"role": Role.ADMIN, "is_active": "on"}).status_code == 404
    assert patient_user.memberships.get().role == Role.PATIENT


# Reset two-factor and unlock


def test_reset_two_factor_button(staff, admin_client):
    nurse = staff[Role.NURSE]
    device = totp_device_start(user=nurse)
    totp_device_confirm(device=device, token=totp_code(device))
    membership = nurse.memberships.get()
    url = reverse("accounts:reset_two_factor", kwargs={"membership_id": membership.pk})
    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url)
    assert response.status_code == 302
    assert response.url == _edit_url(membership)
    assert not TOTPDevice.objects.filter(user=nurse).exists()
    page = admin_client.get(response.url)
    assert TWO_FACTOR_RESET.format(name=nurse.signature_name) in page.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, actor=staff[Role.ADMIN]).count() == 1


def test_unlock_button(staff, admin_client):
    nurse = staff[Role.NURSE]
    client = Client()
    for _ in range(5):
        sign_in_with_password(client, nurse, "wrong-password-here")
    membership = nurse.memberships.get()
    assert admin_client.get(_edit_url(membership)).context["is_locked"] is True
    url = reverse("accounts:unlock", kwargs={"membership_id": membership.pk})
    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url)
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=nurse.username).exists()
    page = admin_client.get(response.url)
    assert page.context["is_locked"] is False
    assert LOCKOUT_CLEARED.format(name=nurse.signature_name) in page.content.decode()
    assert sign_in_with_password(client, nurse, "correct-horse-battery-staple").status_code == 302


def test_nav_shows_staff_link_to_admins_only(staff, client_for):
    assert 'href="/accounts/staff/"' in client_for(staff[Role.ADMIN]).get("/today/").content.decode()
    assert 'href="/accounts/staff/"' not in client_for(staff[Role.NURSE]).get("/today/").content.decode()


def test_admin_designates_a_physician_medical_director(staff, admin_client, client_for):
    # given a physician who cannot propose changes to clinical limits
    physician = staff[Role.PHYSICIAN]
    membership = physician.memberships.get()
    assert client_for(physician).get("/settings/spo2_min/propose/").status_code == 403
    # when the administrator ticks "Medical director" on the staff page
    response = admin_client.post(
        _edit_url(membership), {"role": Role.PHYSICIAN, "is_active": "on", "is_medical_director": "on"}
    )
    # then the physician may propose, the list shows the designation, and the change is audited
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_medical_director
    assert client_for(physician).get("/settings/spo2_min/propose/").status_code == 200
    assert "Medical director" in admin_client.get(USERS).content.decode()
    event = AuditEvent.objects.filter(object_type="accounts.Membership").latest("seq")
    assert event.changes["diff"] == {"is_medical_director": [False, True]}


def test_only_a_physician_can_be_medical_director(staff, admin_client):
    membership = staff[Role.NURSE].memberships.get()
    response = admin_client.post(
        _edit_url(membership), {"role": Role.NURSE, "is_active": "on", "is_medical_director": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["is_medical_director"] == [MEDICAL_DIRECTOR_PHYSICIANS_ONLY]
    membership.refresh_from_db()
    assert not membership.is_medical_director


def test_a_medical_director_who_stops_being_a_physician_loses_the_designation(staff, admin_client):
    membership = staff[Role.PHYSICIAN].memberships.get()
    admin_client.post(
        _edit_url(membership), {"role": Role.PHYSICIAN, "is_active": "on", "is_medical_director": "on"}
    )
    admin_client.post(_edit_url(membership), {"role": Role.NURSE, "is_active": "on"})
    membership.refresh_from_db()
    assert (membership.role, membership.is_medical_director) == (Role.NURSE, False)

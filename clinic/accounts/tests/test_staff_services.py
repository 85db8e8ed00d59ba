"""Services behind the staff administration pages."""

import uuid

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice

from clinic.accounts.models import Membership, User
from clinic.accounts.roles import Role
from clinic.accounts.services import (
    ALREADY_MEMBER,
    ALREADY_MEMBER_INACTIVE,
    LAST_ADMIN,
    NO_SUCH_COLLEAGUE,
    NOT_A_STAFF_ROLE,
    NOT_STAFF_MEMBERSHIP,
    USERNAME_TAKEN,
    membership_add,
    membership_update,
    staff_membership_add,
    staff_user_create,
    totp_device_confirm,
    totp_device_start,
    user_lockout_clear,
    user_two_factor_reset,
)
from clinic.accounts.tests.helpers import sign_in_with_password, totp_code
from clinic.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

TEMPORARY = "Temporary-pass-2024!"


def _create(clinic, admin, **overrides):
    data = {
        "clinic": clinic,
        "created_by": admin,
        "username": "nia.okafor",
        "role": Role.NURSE,
        "password": TEMPORARY,
        "first_name": "Nia",
        "last_name": "Okafor",
        "credentials": "RN",
        "email": "nia@example.com",
    }
    data.update(overrides)
    return staff_user_create(**data)


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.value.message_dict


# staff_user_create


def test_staff_user_create_makes_an_account_with_a_temporary_password(clinic, staff):
    # when
    user = _create(clinic, staff[Role.ADMIN])
    # then
    assert user.check_password(TEMPORARY)
    assert user.password != TEMPORARY
    assert user.password_change_required is True
    assert user.signature_name == "Nia Okafor, RN"
    membership = Membership.objects.get(user=user)
    assert (membership.clinic, membership.role, membership.is_active) == (clinic, Role.NURSE, True)
    event = AuditEvent.objects.get(
        action=AuditAction.CREATE, object_type="accounts.User", object_id=str(user.pk)
    )
    assert event.actor == staff[Role.ADMIN]
    assert event.clinic == clinic
    assert "password" not in event.changes["after"]


@pytest.mark.parametrize(
    "password, message",
    [
        ("short1!", "too short"),
        ("password1234", "too common"),
        ("81726354091", "entirely numeric"),
        ("nia.okafor1", "too similar"),
    ],
)
def test_staff_user_create_enforces_the_password_validators(clinic, staff, password, message):
    with pytest.raises(ValidationError) as exc:
        _create(clinic, staff[Role.ADMIN], password=password)
    assert message in " ".join(_errors(exc)["password"])
    assert not User.objects.filter(username="nia.okafor").exists()


def test_staff_user_create_refuses_a_taken_username_in_any_case(clinic, other_clinic, staff, make_user):
    make_user(Role.NURSE, other_clinic, username="Nia.Okafor")
    with pytest.raises(ValidationError) as exc:
        _create(clinic, staff[Role.ADMIN])
    assert _errors(exc) == {"username": [USERNAME_TAKEN]}
    assert User.objects.filter(username__iexact="nia.okafor").count() == 1


def test_staff_user_create_refuses_an_invalid_username(clinic, staff):
    with pytest.raises(ValidationError) as exc:
        _create(clinic, staff[Role.ADMIN], username="nia okafor!")
    assert "username" in _errors(exc)
    assert not User.objects.filter(first_name="Nia").exists()


def test_staff_user_create_refuses_the_patient_role(clinic, staff):
    with pytest.raises(ValidationError) as exc:
        _create(clinic, staff[Role.ADMIN], role=Role.PATIENT)
    assert _errors(exc) == {"role": [NOT_A_STAFF_ROLE]}


def test_staff_user_create_double_submit_creates_one_account(clinic, staff):
    key = uuid.uuid4()
    first = _create(clinic, staff[Role.ADMIN], submission_key=key)
    second = _create(clinic, staff[Role.ADMIN], submission_key=key)
    assert first.pk == second.pk
    assert User.objects.filter(username="nia.okafor").count() == 1
    assert AuditEvent.objects.filter(object_type="accounts.User", object_id=str(first.pk)).count() == 1


# staff_membership_add


@pytest.fixture
def two_clinic_admin(clinic, other_clinic, staff):
    """The admin of `clinic` also administers `other_clinic`."""
    admin = staff[Role.ADMIN]
    membership_add(user=admin, clinic=other_clinic, role=Role.ADMIN)
    return admin


def test_admin_adds_a_colleague_from_their_other_clinic(clinic, other_clinic, two_clinic_admin, make_user):
    # given a nurse who works at the admin's other clinic
    nurse = make_user(Role.NURSE, other_clinic, username="sam.lee")
    # when
    membership = staff_membership_add(
        clinic=clinic, added_by=two_clinic_admin, username="SAM.LEE", role=Role.NURSE
    )
    # then the nurse keeps one account with a role at both clinics
    assert membership.user == nurse
    assert membership.clinic == clinic
    assert set(nurse.memberships.values_list("clinic_id", flat=True)) == {clinic.pk, other_clinic.pk}
    event = AuditEvent.objects.get(object_type="accounts.Membership", object_id=str(membership.pk))
    assert (event.action, event.actor, event.clinic) == (AuditAction.CREATE, two_clinic_admin, clinic)


def test_colleague_must_work_at_a_clinic_the_admin_administers(clinic, other_clinic, staff, make_user):
    # the admin is only a nurse at the other clinic
    membership_add(user=staff[Role.ADMIN], clinic=other_clinic, role=Role.NURSE)
    make_user(Role.NURSE, other_clinic, username="sam.lee")
    with pytest.raises(ValidationError) as exc:
        staff_membership_add(clinic=clinic, added_by=staff[Role.ADMIN], username="sam.lee", role=Role.NURSE)
    assert _errors(exc) == {"username": [NO_SUCH_COLLEAGUE]}


def test_colleague_from_an_unrelated_clinic_is_not_found(clinic, other_clinic, staff, make_user):
    make_user(Role.NURSE, other_clinic, username="sam.lee")
    with pytest.raises(ValidationError) as exc:
        staff_membership_add(clinic=clinic, added_by=staff[Role.ADMIN], username="sam.lee", role=Role.NURSE)
    assert _errors(exc) == {"username": [NO_SUCH_COLLEAGUE]}


@pytest.mark.parametrize("role, active", [(Role.PATIENT, True), (Role.NURSE, False)])
def test_patients_and_deactivated_staff_elsewhere_cannot_be_added(
    clinic, other_clinic, two_clinic_admin, make_user, role, active
):
    user = make_user(role, other_clinic, username="sam.lee")
    user.memberships.update(is_active=active)
    with pytest.raises(ValidationError) as exc:
        staff_membership_add(clinic=clinic, added_by=two_clinic_admin, username="sam.lee", role=Role.NURSE)
    assert _errors(exc) == {"username": [NO_SUCH_COLLEAGUE]}


@pytest.mark.parametrize("active, message", [(True, ALREADY_MEMBER), (False, ALREADY_MEMBER_INACTIVE)])
def test_existing_members_are_not_added_twice(
    clinic, other_clinic, two_clinic_admin, make_user, active, message
):
    nurse = make_user(Role.NURSE, other_clinic, username="sam.lee")
    Membership.objects.create(user=nurse, clinic=clinic, role=Role.NURSE, is_active=active)
    with pytest.raises(ValidationError) as exc:
        staff_membership_add(clinic=clinic, added_by=two_clinic_admin, username="sam.lee", role=Role.NURSE)
    assert _errors(exc) == {"username": [message]}


def test_colleague_add_double_submit_adds_once(clinic, other_clinic, two_clinic_admin, make_user):
    make_user(Role.NURSE, other_clinic, username="sam.lee")
    key = str(uuid.uuid4())
    args = {"clinic": clinic, "added_by": two_clinic_admin, "username": "sam.lee", "role": Role.NURSE}
    first = staff_membership_add(**args, submission_key=key)
    second = staff_membership_add(**args, submission_key=key)
    assert first.pk == second.pk


# membership_update


def test_role_change_is_audited_with_old_and_new_values(clinic, staff):
    nurse_membership = staff[Role.NURSE].memberships.get()
    membership_update(
        membership=nurse_membership, changed_by=staff[Role.ADMIN], role=Role.PHYSICIAN, is_active=True
    )
    nurse_membership.refresh_from_db()
    assert nurse_membership.role == Role.PHYSICIAN
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="accounts.Membership")
    assert event.changes["diff"] == {"role": ["nurse", "physician"]}
    assert event.actor == staff[Role.ADMIN]


def test_deactivated_member_loses_access_to_the_clinic_at_once(clinic, staff, client_for):
    nurse = staff[Role.NURSE]
    client = client_for(nurse)
    assert client.get("/today/").status_code == 200
    membership_update(
        membership=nurse.memberships.get(), changed_by=staff[Role.ADMIN], role=Role.NURSE, is_active=False
    )
    assert client.get("/today/").status_code == 403
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="accounts.Membership")
    assert event.changes["diff"] == {"is_active": [True, False]}


def test_unchanged_save_writes_no_audit_event(staff):
    membership_update(
        membership=staff[Role.NURSE].memberships.get(),
        changed_by=staff[Role.ADMIN],
        role=Role.NURSE,
        is_active=True,
    )
    assert not AuditEvent.objects.filter(action=AuditAction.UPDATE).exists()


@pytest.mark.parametrize(
    "role, active, field",
    [(Role.NURSE, True, "role"), (Role.ADMIN, False, "is_active"), (Role.FRONT_DESK, False, "is_active")],
)
def test_last_active_admin_cannot_demote_or_deactivate_themselves(staff, role, active, field):
    admin = staff[Role.ADMIN]
    with pytest.raises(ValidationError) as exc:
        membership_update(membership=admin.memberships.get(), changed_by=admin, role=role, is_active=active)
    assert _errors(exc) == {field: [LAST_ADMIN]}
    membership = admin.memberships.get()
    assert (membership.role, membership.is_active) == (Role.ADMIN, True)


def test_an_inactive_admin_does_not_count_as_the_remaining_admin(clinic, staff, make_user):
    retired = make_user(Role.ADMIN, clinic)
    retired.memberships.update(is_active=False)
    admin = staff[Role.ADMIN]
    with pytest.raises(ValidationError):
        membership_update(
            membership=admin.memberships.get(), changed_by=admin, role=Role.NURSE, is_active=True
        )


def test_an_admin_may_step_down_when_another_admin_remains(clinic, staff, make_user):
    make_user(Role.ADMIN, clinic)
    admin = staff[Role.ADMIN]
    membership = membership_update(
        membership=admin.memberships.get(), changed_by=admin, role=Role.PHYSICIAN, is_active=True
    )
    assert membership.role == Role.PHYSICIAN


def test_an_admin_of_another_clinic_does_not_count(clinic, other_clinic, staff, make_user):
    make_user(Role.ADMIN, other_clinic)
    admin = staff[Role.ADMIN]
    with pytest.raises(ValidationError):
        membership_update(
            membership=admin.memberships.get(), changed_by=admin, role=Role.NURSE, is_active=False
        )


def test_patient_memberships_are_not_managed_here(clinic, staff, make_user):
    patient_user = make_user(Role.PATIENT, clinic)
    with pytest.raises(ValidationError) as exc:
        membership_update(
            membership=patient_user.memberships.get(),
            changed_by=staff[Role.ADMIN],
            role=Role.ADMIN,
            is_active=True,
        )
    assert exc.value.messages == [NOT_STAFF_MEMBERSHIP]
    assert patient_user.memberships.get().role == Role.PATIENT


def test_staff_cannot_be_turned_into_a_patient_here(staff):
    with pytest.raises(ValidationError) as exc:
        membership_update(
            membership=staff[Role.NURSE].memberships.get(),
            changed_by=staff[Role.ADMIN],
            role=Role.PATIENT,
            is_active=True,
        )
    assert _errors(exc) == {"role": [NOT_A_STAFF_ROLE]}


# user_two_factor_reset and user_lockout_clear


def test_two_factor_reset_deletes_every_authenticator(staff):
    nurse = staff[Role.NURSE]
    device = totp_device_start(user=nurse)
    totp_device_confirm(device=device, token=totp_code(device))
    StaticDevice.objects.create(user=nurse, name="Backup codes")
    other = totp_device_start(user=staff[Role.PHYSICIAN])
    deleted = user_two_factor_reset(membership=nurse.memberships.get(), reset_by=staff[Role.ADMIN])
    assert deleted == 2
    assert not nurse.totpdevice_set.exists() and not nurse.staticdevice_set.exists()
    assert other.__class__.objects.filter(pk=other.pk).exists()


def test_lockout_clear_is_audited_and_touches_only_that_username(staff):
    client = Client()
    for user in (staff[Role.NURSE], staff[Role.PHYSICIAN]):
        for _ in range(5):
            sign_in_with_password(client, user, "wrong-password-here")
    count = user_lockout_clear(membership=staff[Role.NURSE].memberships.get(), cleared_by=staff[Role.ADMIN])
    assert count == 1
    assert not AccessAttempt.objects.filter(username=staff[Role.NURSE].username).exists()
    assert AccessAttempt.objects.filter(username=staff[Role.PHYSICIAN].username).exists()
    event = AuditEvent.objects.get(summary__startswith="Sign-in lockout")
    assert (event.action, event.actor, event.object_id) == (
        AuditAction.UPDATE,
        staff[Role.ADMIN],
        str(staff[Role.NURSE].pk),
    )
    assert event.changes["extra"] == {"attempt_records_cleared": 1}

"""Writes for users, memberships and two-factor devices."""

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.accounts.models import Membership, User
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot


def user_create(
    *,
    username: str,
    password: str | None,
    clinic,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    credentials: str = "",
    created_by=None,
) -> User:
    """Create a user with one clinic membership, audited. A None password makes it unusable."""
    with transaction.atomic():
        user = User(
            username=username,
            first_name=first_name,
            last_name=last_name,
            email=email,
            credentials=credentials,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        membership = Membership.objects.create(user=user, clinic=clinic, role=role)
        audit_record(
            action=AuditAction.CREATE,
            actor=created_by,
            clinic=clinic,
            obj=user,
            summary=f"User {username} created as {membership.get_role_display()}",
            after=model_snapshot(user, exclude=("password", "last_login")),
        )
    return user


def membership_add(*, user: User, clinic, role: str, added_by=None) -> Membership:
    with transaction.atomic():
        membership = Membership.objects.create(user=user, clinic=clinic, role=role)
        audit_record(
            action=AuditAction.CREATE, actor=added_by, clinic=clinic, obj=membership,
            summary=f"{user.username} added as {membership.get_role_display()}",
            after=model_snapshot(membership),
        )
    return membership


def totp_device_start(*, user: User) -> TOTPDevice:
    """A fresh unconfirmed authenticator for the user; earlier unconfirmed ones are discarded."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm a new authenticator when the first code it shows verifies."""
    if not device.verify_token(token):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            action=AuditAction.CREATE, actor=device.user, obj=device,
            summary="Two-factor authenticator enrolled",
        )
    return True

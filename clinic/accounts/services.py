"""Writes for users, memberships, passwords, two-factor devices and lockouts."""

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.accounts.models import Membership, User
from clinic.accounts.roles import STAFF_ROLES, Designation, Role, designation_allowed
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.services import idempotent

USERNAME_TAKEN = (
    "That username is already taken. To give someone from another of your clinics a role here, "
    "use “Add an existing colleague”."
)
NOT_A_STAFF_ROLE = "Choose a staff role."
NO_SUCH_COLLEAGUE = "No active staff member with that username at another clinic you administer."
ALREADY_MEMBER = "That person already has an account at this clinic."
ALREADY_MEMBER_INACTIVE = (
    "That person's account at this clinic is deactivated; reactivate it from the staff list."
)
LAST_ADMIN = (
    "The clinic must keep at least one active administrator. Make someone else an administrator first."
)
NOT_STAFF_MEMBERSHIP = "Only staff accounts are managed here."
MEDICAL_DIRECTOR_PHYSICIANS_ONLY = "Only a physician can be the medical director."

_USER_SNAPSHOT_EXCLUDE = ("password", "last_login")


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
    password_change_required: bool = False,
) -> User:
    """Create a user with one clinic membership, audited. A None password makes it unusable."""
    with transaction.atomic():
        user = User(
            username=username,
            first_name=first_name,
            last_name=last_name,
            email=email,
            credentials=credentials,
            password_change_required=password_change_required,
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
            after=model_snapshot(user, exclude=_USER_SNAPSHOT_EXCLUDE),
        )
    return user


def membership_add(*, user: User, clinic, role: str, added_by=None) -> Membership:
    with transaction.atomic():
        membership = Membership.objects.create(user=user, clinic=clinic, role=role)
        audit_record(
            action=AuditAction.CREATE,
            actor=added_by,
            clinic=clinic,
            obj=membership,
            summary=f"{user.username} added as {membership.get_role_display()}",
            after=model_snapshot(membership),
        )
    return membership


def _require_staff_role(role: str) -> None:
    if role not in STAFF_ROLES:
        raise ValidationError({"role": NOT_A_STAFF_ROLE})


def staff_user_create(
    *,
    clinic,
    created_by: User,
    username: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    credentials: str = "",
    submission_key=None,
) -> User:
    """An administrator creates a staff account with a temporary password.

    The password must pass AUTH_PASSWORD_VALIDATORS; the user must replace it at first sign-in.
    Raises ValidationError keyed by form field.
    """
    _require_staff_role(role)
    username = username.strip()
    candidate = User(username=username, first_name=first_name, last_name=last_name, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    with transaction.atomic():

        def create() -> User:
            if User.objects.filter(username__iexact=username).exists():
                raise ValidationError({"username": USERNAME_TAKEN})
            return user_create(
                username=username,
                password=password,
                clinic=clinic,
                role=role,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                email=email.strip(),
                credentials=credentials.strip(),
                created_by=created_by,
                password_change_required=True,
            )

        user, _ = idempotent(
            scope="accounts.staff_user_create",
            key=submission_key,
            clinic=clinic,
            model=User,
            create=create,
        )
    return user


def staff_membership_add(
    *, clinic, added_by: User, username: str, role: str, submission_key=None
) -> Membership:
    """Give a colleague from another clinic the `added_by` administrator runs a role here too."""
    _require_staff_role(role)
    with transaction.atomic():

        def create() -> Membership:
            user = User.objects.filter(
                username__iexact=username.strip(),
                memberships__is_active=True,
                memberships__role__in=STAFF_ROLES,
                memberships__clinic__in=Membership.objects.filter(
                    user=added_by, role=Role.ADMIN, is_active=True
                )
                .exclude(clinic=clinic)
                .values("clinic"),
            ).first()
            if user is None:
                raise ValidationError({"username": NO_SUCH_COLLEAGUE})
            existing = Membership.objects.filter(user=user, clinic=clinic).first()
            if existing is not None:
                message = ALREADY_MEMBER if existing.is_active else ALREADY_MEMBER_INACTIVE
                raise ValidationError({"username": message})
            return membership_add(user=user, clinic=clinic, role=role, added_by=added_by)

        membership, _ = idempotent(
            scope="accounts.staff_membership_add",
            key=submission_key,
            clinic=clinic,
            model=Membership,
            create=create,
        )
    return membership


def membership_update(
    *,
    membership: Membership,
    changed_by: User,
    role: str,
    is_active: bool,
    is_medical_director: bool | None = None,
) -> Membership:
    """Change a staff member's role, (de)activate them, or mark a physician as medical director.

    The clinic keeps an active administrator. Only a physician may be the medical director (who
    proposes changes to clinical limits); `is_medical_director=None` keeps the designation, except
    that a member who stops being a physician loses it.
    """
    if not membership.is_staff_role:
        raise ValidationError(NOT_STAFF_MEMBERSHIP)
    _require_staff_role(role)
    if is_medical_director and not designation_allowed(Designation.MEDICAL_DIRECTOR, role):
        raise ValidationError({"is_medical_director": MEDICAL_DIRECTOR_PHYSICIANS_ONLY})
    with transaction.atomic():
        # Lock the clinic's admin rows so two administrators demoting each other cannot both win.
        admins = list(
            Membership.objects.select_for_update()
            .filter(clinic_id=membership.clinic_id, role=Role.ADMIN, is_active=True)
            .values_list("pk", flat=True)
        )
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        stays_admin = role == Role.ADMIN and is_active
        if membership.pk in admins and not stays_admin and len(admins) == 1:
            raise ValidationError({"role" if is_active else "is_active": LAST_ADMIN})
        before = model_snapshot(membership)
        membership.role = role
        membership.is_active = is_active
        if is_medical_director is not None:
            membership.is_medical_director = is_medical_director
        if not designation_allowed(Designation.MEDICAL_DIRECTOR, role):
            membership.is_medical_director = False
        membership.save(update_fields=["role", "is_active", "is_medical_director"])
        after = model_snapshot(membership)
        if before != after:
            audit_record(
                action=AuditAction.UPDATE,
                actor=changed_by,
                clinic=membership.clinic,
                obj=membership,
                summary=f"Staff account {membership.user.username} changed",
                before=before,
                after=after,
            )
    return membership


def user_two_factor_reset(*, membership: Membership, reset_by: User) -> int:
    """Delete the member's authenticators so they enrol a new one at next sign-in. Returns the count."""
    user = membership.user
    with transaction.atomic():
        totp_count, _ = TOTPDevice.objects.filter(user=user).delete()
        static_count, _ = StaticDevice.objects.filter(user=user).delete()
        audit_record(
            action=AuditAction.DELETE,
            actor=reset_by,
            clinic=membership.clinic,
            obj=user,
            summary=f"Two-factor authenticators of {user.username} reset",
            extra={"devices_deleted": totp_count + static_count},
        )
    return totp_count + static_count


def user_lockout_clear(*, membership: Membership, cleared_by: User) -> int:
    """Lift a django-axes lockout (failed sign-in attempts) for the member's username."""
    user = membership.user
    with transaction.atomic():
        count = axes_reset(username=user.username)
        audit_record(
            action=AuditAction.UPDATE,
            actor=cleared_by,
            clinic=membership.clinic,
            obj=user,
            summary=f"Sign-in lockout of {user.username} cleared",
            extra={"attempt_records_cleared": count},
        )
    return count


def user_password_change(*, user: User, new_password: str) -> User:
    """The user sets a new password (already validated by the form); clears the temporary flag."""
    with transaction.atomic():
        user.set_password(new_password)
        user.password_change_required = False
        user.save(update_fields=["password", "password_change_required"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=user,
            clinic=_active_clinic_of(user),
            obj=user,
            summary="Password changed",
        )
    return user


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
            action=AuditAction.CREATE,
            actor=device.user,
            clinic=_active_clinic_of(device.user),
            obj=device,
            summary="Two-factor authenticator enrolled",
        )
    return True


def two_factor_failure_record(*, user: User) -> None:
    """A wrong two-factor code is a failed sign-in for the audit trail."""
    with transaction.atomic():
        audit_record(
            action=AuditAction.LOGIN_FAILED,
            actor=user,
            clinic=_active_clinic_of(user),
            obj=user,
            summary="Wrong two-factor code",
        )


def _active_clinic_of(user: User):
    membership = user.memberships.filter(is_active=True).select_related("clinic").first()
    return membership.clinic if membership else None

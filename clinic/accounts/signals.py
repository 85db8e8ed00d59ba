"""Sign-in, sign-out and failed sign-in are audit events (HIPAA 164.312(b))."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record


def _clinic_of(user):
    membership = user.memberships.filter(is_active=True).select_related("clinic").first()
    return membership.clinic if membership else None


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    with transaction.atomic():
        audit_record(
            action=AuditAction.LOGIN, actor=user, clinic=_clinic_of(user), obj=user, summary="Signed in"
        )


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is None:
        return
    with transaction.atomic():
        audit_record(
            action=AuditAction.LOGOUT, actor=user, clinic=_clinic_of(user), obj=user, summary="Signed out"
        )


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    from clinic.accounts.models import User

    username = str(credentials.get("username", ""))[:150]
    # An existing account's failures go to its clinic's trail, where the administrator sees them;
    # unknown usernames go to the system trail.
    user = User.objects.filter(username=username).first() if username else None
    with transaction.atomic():
        audit_record(
            action=AuditAction.LOGIN_FAILED,
            clinic=_clinic_of(user) if user else None,
            obj=user,
            object_type="accounts.User",
            summary="Failed sign-in",
            extra={"username": username},
        )

"""Reads for the staff administration pages."""

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.accounts.models import Membership
from clinic.accounts.roles import STAFF_ROLES

STATUS_ACTIVE = "active"
STATUS_INACTIVE = "inactive"
STATUS_ALL = "all"


def staff_membership_list(*, clinic, role: str = "", status: str = STATUS_ACTIVE) -> QuerySet[Membership]:
    """The clinic's staff memberships with their user and whether a confirmed authenticator exists.

    Filters use the (clinic, role) index; staff lists are small, so sorting by name is cheap.
    """
    memberships = (
        Membership.objects.filter(clinic=clinic, role__in=STAFF_ROLES)
        .select_related("user")
        .annotate(
            two_factor_enrolled=Exists(TOTPDevice.objects.filter(user_id=OuterRef("user_id"), confirmed=True))
        )
    )
    if role:
        memberships = memberships.filter(role=role)
    if status == STATUS_ACTIVE:
        memberships = memberships.filter(is_active=True)
    elif status == STATUS_INACTIVE:
        memberships = memberships.filter(is_active=False)
    return memberships.order_by("-is_active", "user__last_name", "user__first_name", "user__username")


def staff_membership_get(*, clinic, membership_id: int) -> Membership:
    """One staff membership of this clinic (Membership.DoesNotExist otherwise, including patients)."""
    return Membership.objects.select_related("user", "clinic").get(
        pk=membership_id, clinic=clinic, role__in=STAFF_ROLES
    )


def locked_usernames(*, usernames) -> set[str]:
    """Which of these usernames django-axes currently refuses (too many recent failed sign-ins)."""
    usernames = list(usernames)
    if not usernames:
        return set()
    attempts = AccessAttempt.objects.filter(username__in=usernames)
    cool_off = get_cool_off()
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    rows = (
        attempts.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"] for row in rows}

from django.conf import settings
from django.utils.functional import cached_property

from clinic.accounts.roles import Role, membership_permissions

# Who sees which alert count in the navigation: clinicians the clinic's open suicide-risk alerts,
# physicians and administrators the open alerts escalated to them.
SAFETY_COUNT_ROLES = frozenset({Role.PHYSICIAN, Role.NURSE})
ESCALATION_COUNT_ROLES = frozenset({Role.PHYSICIAN, Role.ADMIN})


class AlertNav:
    """The alert counts of the navigation and the escalation banner (`alert_nav` in templates).

    Read lazily: one indexed query the first time a page shows a count, none for polled fragments
    that never look (the board, the live panel) or for roles without counts.
    """

    def __init__(self, request, role: str | None):
        self._request = request
        self._role = role

    @cached_property
    def _counts(self) -> dict[str, int]:
        safety = self._role in SAFETY_COUNT_ROLES
        escalated = self._role in ESCALATION_COUNT_ROLES
        if not (safety or escalated) or getattr(self._request, "clinic", None) is None:
            return {"safety_open": 0, "escalated": 0}
        from clinic.core.selectors_dashboard import alert_nav_counts

        return alert_nav_counts(
            clinic=self._request.clinic, user=self._request.user, safety=safety, escalated=escalated
        )

    @property
    def safety_open(self) -> int:
        return self._counts["safety_open"]

    @property
    def escalated(self) -> int:
        return self._counts["escalated"]


def clinic_context(request):
    membership = getattr(request, "membership", None)
    # The role's permissions and those of its designations (a medical director's), as views judge them.
    perms = membership_permissions(membership)
    return {
        "active_clinic": getattr(request, "clinic", None),
        "active_membership": membership,
        "user_memberships": getattr(request, "memberships", []),
        "role_perms": perms,
        "idle_timeout_seconds": settings.SESSION_IDLE_TIMEOUT_SECONDS,
        "is_patient_user": bool(membership and membership.role == Role.PATIENT),
        "alert_nav": AlertNav(request, membership.role if membership else None),
    }

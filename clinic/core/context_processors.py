from django.conf import settings

from clinic.accounts.roles import ROLE_PERMISSIONS, Role


def clinic_context(request):
    membership = getattr(request, "membership", None)
    perms = ROLE_PERMISSIONS.get(membership.role, frozenset()) if membership else frozenset()
    return {
        "active_clinic": getattr(request, "clinic", None),
        "active_membership": membership,
        "user_memberships": getattr(request, "memberships", []),
        "role_perms": perms,
        "idle_timeout_seconds": settings.SESSION_IDLE_TIMEOUT_SECONDS,
        "is_patient_user": bool(membership and membership.role == Role.PATIENT),
    }

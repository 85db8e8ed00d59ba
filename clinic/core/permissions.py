"""View guards: sign-in, clinic membership and role permission, checked on every staff page."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from clinic.accounts.roles import role_has_perm

NO_CLINIC = "Your account is not active at any clinic."
NOT_PERMITTED = "Your role does not allow this."


def user_can(request, perm: str) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and role_has_perm(membership.role, perm)


def permission_required(perm: str):
    """Require a signed-in user whose role at the active clinic grants `perm` (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request, "membership", None) is None:
                raise PermissionDenied(NO_CLINIC)
            if not role_has_perm(request.membership.role, perm):
                raise PermissionDenied(NOT_PERMITTED)
            return view(request, *args, **kwargs)

        wrapped.required_permission = perm
        return wrapped

    return decorator

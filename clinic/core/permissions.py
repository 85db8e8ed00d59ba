"""View guards: sign-in, clinic membership and role permission, checked on every staff page."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import Resolver404, resolve

from clinic.accounts.roles import membership_has_perm, membership_permissions

NO_CLINIC = "Your account is not active at any clinic."
NOT_PERMITTED = "Your role does not allow this."


def user_can(request, perm: str) -> bool:
    """Whether the signed-in user's membership at the active clinic (role and designations) grants `perm`."""
    membership = getattr(request, "membership", None)
    return membership is not None and membership_has_perm(membership, perm)


def _guard(allowed, required_permission):
    """Decorate a view: sign-in, an active membership at the clinic, and `allowed(membership)`.
    `required_permission` is kept on the view for the permission matrix tests."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request, "membership", None) is None:
                raise PermissionDenied(NO_CLINIC)
            if not allowed(request.membership):
                raise PermissionDenied(NOT_PERMITTED)
            return view(request, *args, **kwargs)

        wrapped.required_permission = required_permission
        return wrapped

    return decorator


def permission_required(perm: str):
    """Require a signed-in user whose membership at the active clinic grants `perm` (else 403)."""
    return _guard(lambda membership: membership_has_perm(membership, perm), perm)


def any_permission_required(*perms: str):
    """Like permission_required, for pages more than one permission opens (e.g. view protocols);
    `required_permission` is then the tuple of them."""
    return _guard(lambda membership: any(membership_has_perm(membership, perm) for perm in perms), perms)


def path_permitted(membership, path: str) -> bool:
    """Whether `membership` may open the page at `path`, judged by the permission its view declares
    (`required_permission`, set by the decorators above), so a link and its view cannot disagree.

    A path no view serves is not permitted (the link would 404); a view that declares no permission
    (sign-in, public pages) is open to anyone who reaches it.
    """
    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    required = getattr(match.func, "required_permission", None)
    if required is None:
        return True
    needed = (required,) if isinstance(required, str) else required
    granted = membership_permissions(membership)
    return any(perm in granted for perm in needed)

"""Idle logout, the staff two-factor requirement and the replacement of temporary passwords."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from clinic.accounts.roles import STAFF_ROLES

LAST_ACTIVITY_KEY = "last_activity"
# Set on the fresh (signed-out) session so the sign-in page can say why the user was signed out.
IDLE_SIGNED_OUT_KEY = "signed_out_idle_seconds"
IDLE_MESSAGE = "You were signed out after {duration} without activity. Sign in again to continue."
BACKGROUND_POLL_HEADER = "X-Background-Poll"

# The only pages a signed-in user may reach before finishing sign-in (two-factor, then replacing a
# temporary password). Everything else, including the rest of /accounts/ (staff administration,
# clinic switch), needs a fully signed-in user. Compared as exact paths, not prefixes.
TWO_FACTOR_OPEN_URL_NAMES = ("accounts:login", "accounts:logout", "accounts:two_factor")
PASSWORD_CHANGE_OPEN_URL_NAMES = (*TWO_FACTOR_OPEN_URL_NAMES, "accounts:password_change")
# Static assets carry no data and the pages above need them.
OPEN_PATH_PREFIXES = ("/static/", "/favicon")


def idle_duration_text(seconds: int) -> str:
    """'15 minutes', '1 minute' or '30 seconds': the idle timeout in words."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def idle_message(seconds: int) -> str:
    return IDLE_MESSAGE.format(duration=idle_duration_text(seconds))


def _login_redirect(request):
    login_url = reverse("accounts:login")
    if request.headers.get("HX-Request"):
        # An htmx fragment request would swap the sign-in page into part of the screen; ask htmx to
        # load it as a whole page instead.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login_url
        return response
    if request.method != "GET" or request.path == login_url:
        return redirect(login_url)
    return redirect_to_login(request.get_full_path(), login_url)


class IdleLogoutMiddleware:
    """Sign out a session that has been idle longer than SESSION_IDLE_TIMEOUT_SECONDS.

    HIPAA 164.312(a)(2)(iii) automatic logoff. A request with `X-Background-Poll: 1` (the live
    board's polling) is served but does not count as activity, so an unattended screen still signs
    out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY)
            timeout = settings.SESSION_IDLE_TIMEOUT_SECONDS
            if last is not None and now - last > timeout:
                logout(request)
                # The message framework's middleware runs after this one, so a message added here
                # would be lost; the sign-in page turns this flag into the message instead.
                request.session[IDLE_SIGNED_OUT_KEY] = timeout
                return _login_redirect(request)
            # Refresh the mark at most every 1/20 of the timeout (≤ 45 s at 15 min): each refresh is
            # a session write, and chair-side charting posts often (bench/README.md §3).
            granularity = min(timeout / 20, 45)
            is_poll = request.headers.get(BACKGROUND_POLL_HEADER) == "1"
            if not is_poll and (last is None or now - last >= granularity):
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


def needs_two_factor(user, memberships=None) -> bool:
    """A staff member (an active staff-role membership anywhere) who has not verified a TOTP code."""
    if not settings.STAFF_TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    if memberships is None:
        memberships = [m for m in user.memberships.all() if m.is_active]
    is_staff_member = any(m.role in STAFF_ROLES and m.is_active for m in memberships)
    return is_staff_member and not user.is_verified()


def _paths(names) -> set[str]:
    return {reverse(name) for name in names}


class StaffTwoFactorMiddleware:
    """Finish signing in before any other page.

    1. Staff must verify a TOTP code (enrolling an authenticator first if they have none).
    2. A user whose password an administrator chose must replace it.

    Only sign-in, sign-out and the two-factor page (and, for step 2, the password page) stay open.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        # Templates may hide the menu while sign-in is unfinished (its links would only redirect).
        request.sign_in_incomplete = False
        if not user.is_authenticated or request.path.startswith(OPEN_PATH_PREFIXES):
            return self.get_response(request)
        two_factor_due = needs_two_factor(user, getattr(request, "memberships", None))
        request.sign_in_incomplete = two_factor_due or user.password_change_required
        if request.path in _paths(TWO_FACTOR_OPEN_URL_NAMES):
            return self.get_response(request)
        if two_factor_due:
            return redirect(self._with_next(reverse("accounts:two_factor"), request))
        if user.password_change_required and request.path not in _paths(PASSWORD_CHANGE_OPEN_URL_NAMES):
            return redirect(self._with_next(reverse("accounts:password_change"), request))
        return self.get_response(request)

    @staticmethod
    def _with_next(url: str, request) -> str:
        if request.method != "GET":
            return url
        return f"{url}?{urlencode({'next': request.get_full_path()})}"

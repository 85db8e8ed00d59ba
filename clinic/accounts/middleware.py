"""Idle logout and the staff two-factor requirement."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from clinic.accounts.roles import STAFF_ROLES

LAST_ACTIVITY_KEY = "last_activity"
IDLE_MESSAGE = "You were signed out after {minutes} minutes without activity."
# Paths a half-signed-in staff member may reach before completing two-factor.
TWO_FACTOR_OPEN_PREFIXES = ("/accounts/", "/static/", "/favicon")


class IdleLogoutMiddleware:
    """Sign out a session that has been idle longer than SESSION_IDLE_TIMEOUT_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_KEY)
            timeout = settings.SESSION_IDLE_TIMEOUT_SECONDS
            if last is not None and now - last > timeout:
                logout(request)
                messages.info(request, IDLE_MESSAGE.format(minutes=timeout // 60))
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            # Background polling (e.g. the live board) must not keep an unattended session alive.
            if request.headers.get("X-Background-Poll") != "1":
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


def needs_two_factor(user) -> bool:
    if not settings.STAFF_TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    is_staff_member = any(
        m.role in STAFF_ROLES for m in user.memberships.all() if m.is_active
    )
    return is_staff_member and not user.is_verified()


class StaffTwoFactorMiddleware:
    """Staff must complete TOTP verification before any page but sign-in and 2FA setup."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(TWO_FACTOR_OPEN_PREFIXES) or not request.user.is_authenticated:
            return self.get_response(request)
        if needs_two_factor(request.user):
            return redirect(f"{reverse('accounts:two_factor')}?next={request.path}")
        return self.get_response(request)

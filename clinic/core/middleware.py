"""Request plumbing: request context for audit, the active clinic, and security headers."""

import uuid

from django.utils import timezone
from django.utils.deprecation import MiddlewareMixin

from clinic.core.context import RequestContext, reset_request_context, set_request_context

ACTIVE_CLINIC_SESSION_KEY = "active_clinic_id"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


class RequestContextMiddleware:
    """Give every request an id and remember where it came from, for audit events and logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        token = set_request_context(
            RequestContext(
                request_id=request.request_id,
                ip_address=request.META.get("REMOTE_ADDR") or None,
                user_agent=request.headers.get("User-Agent", "")[:300],
            )
        )
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = request.request_id
        return response


class ClinicMiddleware:
    """Resolve the signed-in user's active clinic and membership (role) for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.clinic = None
        request.membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = [m for m in user.memberships.select_related("clinic") if m.is_active]
            wanted = request.session.get(ACTIVE_CLINIC_SESSION_KEY)
            chosen = next((m for m in memberships if m.clinic_id == wanted), None)
            if chosen is None and memberships:
                chosen = memberships[0]
                request.session[ACTIVE_CLINIC_SESSION_KEY] = chosen.clinic_id
            if chosen is not None:
                request.membership = chosen
                request.clinic = chosen.clinic
            request.memberships = memberships
        else:
            request.memberships = []
        # Times are stored in UTC and shown in the clinic's own zone.
        if request.clinic is not None:
            timezone.activate(request.clinic.tzinfo)
        else:
            timezone.deactivate()
        return self.get_response(request)


class SecurityHeadersMiddleware(MiddlewareMixin):
    """Headers Django does not set itself: CSP, permissions policy, and no caching of private pages."""

    def process_response(self, request, response):
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response

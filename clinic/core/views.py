"""The signed-in start page (the settings screens are in views_settings.py)."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from clinic.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from clinic.core.permissions import permission_required

# Today's alert sections refresh on their own (a physician may leave Today open on a screen).
TODAY_POLL_SECONDS = 15


def home(request):
    """Send each person to their start page: visitors to the public site, patients to the portal."""
    if not request.user.is_authenticated:
        return redirect("intake:home")
    if request.membership is None:
        return render(request, "core/no_clinic.html", status=403)
    if request.membership.role == Role.PATIENT:
        return redirect("portal:home")
    return redirect("core:dashboard")


@permission_required(Perm.PATIENT_VIEW)
def dashboard(request):
    """Today: what this person has to do now, by role (nurse, physician, front desk, administrator)."""
    from clinic.core.selectors_dashboard import dashboard_summary

    role = request.membership.role
    summary = dashboard_summary(
        clinic=request.clinic, user=request.user, role=role, perms=ROLE_PERMISSIONS.get(role, frozenset())
    )
    return render(
        request, "core/dashboard.html", {"nav": "home", "poll_seconds": TODAY_POLL_SECONDS, **summary}
    )


@permission_required(Perm.PATIENT_VIEW)
@require_GET
def today_alerts(request):
    """Today's live part alone, polled every TODAY_POLL_SECONDS with X-Background-Poll: 1."""
    from clinic.core.selectors_dashboard import today_alerts_summary

    summary = today_alerts_summary(clinic=request.clinic, user=request.user, role=request.membership.role)
    return render(request, "core/_today_alerts.html", {"poll_seconds": TODAY_POLL_SECONDS, **summary})

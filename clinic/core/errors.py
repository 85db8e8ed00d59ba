"""Error pages that use the site layout (and never echo patient data)."""

from django.shortcuts import render


def _layout(request) -> str:
    """Visitors who are not signed in get the public layout, whose footer carries crisis resources."""
    user = getattr(request, "user", None)
    return "base.html" if user is not None and user.is_authenticated else "public/base.html"


def bad_request(request, exception=None):
    return render(request, "400.html", {"layout": _layout(request)}, status=400)


def permission_denied(request, exception=None):
    return render(
        request, "403.html", {"exception": str(exception) if exception else ""}, status=403
    )


def page_not_found(request, exception=None):
    return render(request, "404.html", {"layout": _layout(request)}, status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)

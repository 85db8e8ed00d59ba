"""The live clinic board: a full page, and its fragment that htmx polls every 5 seconds.

The poll carries `X-Background-Poll: 1`, so the idle-logout middleware serves it without counting
it as activity (an unattended screen still signs out). The fragment costs a fixed number of
queries whatever the number of chairs (see tests/test_views.py).
"""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from clinic.accounts.roles import Perm
from clinic.board.selectors import board_for_clinic
from clinic.core.permissions import permission_required, user_can

POLL_SECONDS = 5


def _context(request) -> dict:
    return {
        "nav": "board",
        "board": board_for_clinic(clinic=request.clinic),
        "can_chart": user_can(request, Perm.PATIENT_CLINICAL_EDIT),
        "poll_seconds": POLL_SECONDS,
    }


@permission_required(Perm.PATIENT_VIEW)
@require_GET
def board(request):
    """Every chair of the active clinic at a glance (all staff roles)."""
    return render(request, "board/board.html", _context(request))


@permission_required(Perm.PATIENT_VIEW)
@require_GET
def fragment(request):
    """The board's chairs only, for htmx polling."""
    return render(request, "board/_board.html", _context(request))

"""The infusion day's pages: today's infusions (check-in), the chair-side page with the gate and
the live chart, the physician's gate override, and the discharge.

Chair-side charting POSTs answer JSON to chairside.js (fetch with retries and an offline queue;
the server dedupes by client_key) and fall back to a redirect, or the page with the form's
errors, without JavaScript.
"""

from clinic.infusions.views.chairside import abandon, gate, live, override, panels, session_page
from clinic.infusions.views.charting import (
    alert_acknowledge,
    pause,
    rate,
    rating,
    rescue,
    resume,
    side_effect,
    start,
    stop,
    vitals,
)
from clinic.infusions.views.day import check_in, day
from clinic.infusions.views.discharge import discharge

__all__ = [
    "abandon",
    "alert_acknowledge",
    "check_in",
    "day",
    "discharge",
    "gate",
    "live",
    "override",
    "panels",
    "pause",
    "rate",
    "rating",
    "rescue",
    "resume",
    "session_page",
    "side_effect",
    "start",
    "stop",
    "vitals",
]

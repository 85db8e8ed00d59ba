"""Numbers and the time helper the calculations share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

ZERO = Decimal("0")
SIXTY = Decimal("60")
HOUR_SECONDS = Decimal("3600")


def _seconds(later: dt.datetime, earlier: dt.datetime) -> Decimal:
    # Never negative: an event out of order or a `now` before the last event adds nothing.
    return max(ZERO, Decimal(str((later - earlier).total_seconds())))

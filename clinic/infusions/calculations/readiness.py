"""Readiness-gate helpers: pregnancy applicability, fasting, clock times, the typed name, item results."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from clinic.infusions.calculations._base import HOUR_SECONDS, _seconds

# --- Readiness helpers ------------------------------------------------------------------------

PREGNANCY_AGE_MIN, PREGNANCY_AGE_MAX = 12, 55  # years, inclusive; product decision (no range in domain.md)


def pregnancy_check_applies(*, sex_at_birth: str, age_years: int, required: bool) -> bool:
    """Pregnancy status is asked of patients female at birth aged 12–55 when the setting is on."""
    return required and sex_at_birth == "female" and PREGNANCY_AGE_MIN <= age_years <= PREGNANCY_AGE_MAX


FASTING_SOLIDS_TOO_RECENT = "Solid food {hours} h ago; at least {minimum} h needed."
FASTING_LIQUIDS_TOO_RECENT = "Clear liquids {hours} h ago; at least {minimum} h needed."
FASTING_UNKNOWN = "Fasting times not given."


def _hours_since(now: dt.datetime, then: dt.datetime) -> Decimal:
    return (_seconds(now, then) / HOUR_SECONDS).quantize(Decimal("0.1"))


def fasting_problems(
    *,
    now: dt.datetime,
    last_solids_at: dt.datetime | None,
    last_clear_liquids_at: dt.datetime | None,
    solids_hours: Decimal,
    clear_liquids_hours: Decimal,
) -> list[str]:
    """What is wrong with the fasting times (empty = fasted long enough), per domain.md §3.4."""
    if last_solids_at is None or last_clear_liquids_at is None:
        return [FASTING_UNKNOWN]
    problems = []
    solids = _hours_since(now, last_solids_at)
    if solids < solids_hours:
        problems.append(FASTING_SOLIDS_TOO_RECENT.format(hours=solids, minimum=solids_hours))
    liquids = _hours_since(now, last_clear_liquids_at)
    if liquids < clear_liquids_hours:
        problems.append(FASTING_LIQUIDS_TOO_RECENT.format(hours=liquids, minimum=clear_liquids_hours))
    return problems


def clock_time_to_datetime(*, now: dt.datetime, hour: int, minute: int) -> dt.datetime:
    """A wall-clock time the patient gives ("I last ate at 22:00") as the latest such moment not
    after `now`, in `now`'s zone: a time later than now means yesterday."""
    candidate = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate > now:
        candidate -= dt.timedelta(days=1)
    return candidate


_SPACES = re.compile(r"\s+")


def normalise_name(text: str) -> str:
    return _SPACES.sub(" ", (text or "").strip()).casefold()


def typed_name_matches(*, typed: str, given_name: str, family_name: str) -> bool:
    """The patient typed their full name as charted (case and extra spaces ignored)."""
    return bool(typed.strip()) and normalise_name(typed) == normalise_name(f"{given_name} {family_name}")


@dataclass
class GateItemResult:
    """One readiness-gate item as stored in ReadinessCheck.items."""

    status: str
    value: object = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        data = {"status": self.status, "value": self.value, "note": self.note}
        if self.extra:
            data.update(self.extra)
        return data

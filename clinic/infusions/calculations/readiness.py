"""Readiness-gate helpers: pregnancy applicability, fasting, clock times, the typed name, item results."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from clinic.infusions.calculations._base import HOUR_SECONDS, _seconds
from clinic.infusions.calculations.vitals import GateStatus

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


# --- Re-checks: the answers behind each item ---------------------------------------------------

# The answers the nurse takes from the patient for each gate item, stored with every check
# (`answers` of the item). A re-check starts from the last check's answers; a change to one of
# these on an item that failed needs the nurse's explicit confirmation (issue: a pre-filled older
# answer silently passed a failed fasting item). The ticks ("name confirmed", "escort confirmed",
# "medications reviewed") are attestations made anew at every check, so they are not compared; the
# order, today's questionnaires and the pre-dose vital signs are read from records or measured anew.
GATE_ANSWER_FIELDS: dict[str, tuple[str, ...]] = {
    "identity": ("identity_date_of_birth",),
    "fasting": ("last_solids_at", "last_clear_liquids_at"),
    "escort": ("escort_name", "escort_phone"),
    "medications": ("medication_changes",),
    "pregnancy": ("pregnancy_status",),
}
# Answers given as clock times (ISO datetimes): the form records minutes, so a difference under a
# minute is the same answer.
_MOMENT_FIELDS = frozenset({"last_solids_at", "last_clear_liquids_at"})
_SAME_MOMENT = dt.timedelta(minutes=1)


def _moment(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def gate_answer_same(field_name: str, old, new) -> bool:
    """Whether two answers to one gate field are the same: times to the minute, text without
    regard to case and spacing, anything else as given (missing and empty are the same)."""
    if field_name in _MOMENT_FIELDS:
        old_moment, new_moment = _moment(old), _moment(new)
        if old_moment is None or new_moment is None:
            return old_moment is None and new_moment is None
        return abs(old_moment - new_moment) < _SAME_MOMENT
    old = "" if old is None else old
    new = "" if new is None else new
    if isinstance(old, str) and isinstance(new, str):
        return normalise_name(old) == normalise_name(new)
    return old == new


def _legacy_answers(item: str, data: dict) -> dict:
    """Answers of a check stored before `answers` existed, read from the item's value."""
    value = data.get("value")
    if item == "fasting" and isinstance(value, dict):
        return {name: value.get(name) for name in ("last_solids_at", "last_clear_liquids_at")}
    if item == "escort" and isinstance(value, dict):
        return {"escort_name": value.get("name", ""), "escort_phone": value.get("phone", "")}
    if item == "medications":
        return {"medication_changes": value or ""}
    if item == "pregnancy":
        return {"pregnancy_status": value or ""}
    return {}


def stored_gate_answers(items: dict) -> dict[str, dict]:
    """The answers of a stored check (`ReadinessCheck.items`), by item."""
    answers = {}
    for item in GATE_ANSWER_FIELDS:
        data = items.get(item) or {}
        answers[item] = dict(data["answers"]) if "answers" in data else _legacy_answers(item, data)
    return answers


def gate_answer_changes(*, previous_items: dict, answers: dict[str, dict]) -> dict[str, dict[str, tuple]]:
    """The answers that differ from the previous check's: {item: {field: (old, new)}}. A field the
    previous check did not record is not compared."""
    before = stored_gate_answers(previous_items)
    changes: dict[str, dict[str, tuple]] = {}
    for item, fields in GATE_ANSWER_FIELDS.items():
        for name in fields:
            if name not in before[item]:
                continue
            old, new = before[item][name], (answers.get(item) or {}).get(name)
            if not gate_answer_same(name, old, new):
                changes.setdefault(item, {})[name] = (old, new)
    return changes


def failed_items_changed(*, previous_items: dict, answers: dict[str, dict]) -> dict[str, dict[str, tuple]]:
    """The changes on items that failed in the previous check: each needs the nurse's confirmation."""
    return {
        item: fields
        for item, fields in gate_answer_changes(previous_items=previous_items, answers=answers).items()
        if (previous_items.get(item) or {}).get("status") == GateStatus.FAIL
    }

"""Discharge criteria: what still stands between the patient and the door."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from clinic.infusions.calculations._base import _seconds
from clinic.infusions.calculations.vitals import AlertSpec, is_overdue, next_vitals_due

# --- Discharge criteria -----------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    code: str
    message: str


RECOVERY_TIME_NOT_REACHED = "Minimum observation not reached: {done} of {minimum} min."
NO_RECOVERY_VITALS = "No vital signs recorded in recovery yet."
LAST_VITALS_OUTSIDE = "The latest recovery vital signs are outside the limits: {problems}"
RECOVERY_VITALS_OVERDUE = (
    "Recovery vital signs are overdue: the latest reading is {age} min old and a reading is due "
    "every {interval} min. Record a fresh set of vital signs."
)
OPEN_VITAL_ALERTS = "{count} vital-sign alert(s) not yet acknowledged."
OPEN_SAFETY_ALERTS = (  # domain.md §5.2: high risk → do not discharge alone
    "An open high or acute suicide-risk alert: a clinician must evaluate and acknowledge it "
    "before the patient leaves."
)
SCORE_MISSING = "Discharge score not entered."
SCORE_TOO_LOW = "Discharge score {total} is below {minimum}."
DRIVER_MISSING = "Name and phone of the adult driver are required."
ACKNOWLEDGEMENT_MISSING = (
    "The patient's acknowledgement is missing: their typed full name must match the chart and "
    "every instruction must be ticked."
)
NOT_IN_RECOVERY = "The patient is not in recovery."


@dataclass(frozen=True)
class RecoveryFacts:
    now: dt.datetime
    recovery_started_at: dt.datetime | None
    recovery_min_minutes: int
    latest_recovery_alerts: Sequence[AlertSpec] | None  # None: no recovery reading yet
    latest_recovery_taken_at: dt.datetime | None  # None: no recovery reading yet
    recovery_vitals_interval_min: int  # the recovery cadence (protocol's own, else the setting)
    vitals_due_grace_min: int
    open_vital_alerts: int
    open_high_safety_alerts: int


@dataclass(frozen=True)
class DischargeForm:
    score_total: int | None
    min_score: int
    driver_name: str = ""
    driver_phone: str = ""
    acknowledged: bool = False


def recovery_vitals_overdue(facts: RecoveryFacts) -> bool:
    """Whether the recovery vital signs are overdue, exactly as the live panel shows it: the next
    reading is due `recovery_vitals_interval_min` after the latest recovery reading (or after
    recovery began) and overdue once the grace has passed too."""
    if facts.recovery_started_at is None:
        return False
    due = next_vitals_due(
        last_taken_at=facts.latest_recovery_taken_at,
        phase_started_at=facts.recovery_started_at,
        interval_min=facts.recovery_vitals_interval_min,
    )
    return is_overdue(now=facts.now, due=due, grace_min=facts.vitals_due_grace_min)


def recovery_criteria(facts: RecoveryFacts) -> list[Criterion]:
    """The clinical criteria for leaving that do not depend on the discharge form (shown live)."""
    failing: list[Criterion] = []
    if facts.recovery_started_at is None:
        return [Criterion("not_in_recovery", NOT_IN_RECOVERY)]
    done = int(_seconds(facts.now, facts.recovery_started_at) // 60)
    if done < facts.recovery_min_minutes:
        failing.append(
            Criterion(
                "recovery_time",
                RECOVERY_TIME_NOT_REACHED.format(done=done, minimum=facts.recovery_min_minutes),
            )
        )
    if facts.latest_recovery_alerts is None:
        failing.append(Criterion("recovery_vitals", NO_RECOVERY_VITALS))
    elif facts.latest_recovery_alerts:
        failing.append(
            Criterion(
                "recovery_vitals",
                LAST_VITALS_OUTSIDE.format(
                    problems=" ".join(a.message for a in facts.latest_recovery_alerts)
                ),
            )
        )
    if facts.latest_recovery_taken_at is not None and recovery_vitals_overdue(facts):
        failing.append(
            Criterion(
                "recovery_vitals_overdue",
                RECOVERY_VITALS_OVERDUE.format(
                    age=int(_seconds(facts.now, facts.latest_recovery_taken_at) // 60),
                    interval=facts.recovery_vitals_interval_min,
                ),
            )
        )
    if facts.open_vital_alerts:
        failing.append(Criterion("open_alerts", OPEN_VITAL_ALERTS.format(count=facts.open_vital_alerts)))
    if facts.open_high_safety_alerts:
        failing.append(Criterion("safety_alert", OPEN_SAFETY_ALERTS))
    return failing


def discharge_criteria(facts: RecoveryFacts, form: DischargeForm) -> list[Criterion]:
    """Every criterion that still fails (empty = the patient may go): recovery time, latest vitals,
    open alerts, score ≥ minimum, a named driver with a phone, the acknowledgement."""
    failing = recovery_criteria(facts)
    if form.score_total is None:
        failing.append(Criterion("score", SCORE_MISSING))
    elif form.score_total < form.min_score:
        failing.append(
            Criterion("score", SCORE_TOO_LOW.format(total=form.score_total, minimum=form.min_score))
        )
    if not form.driver_name.strip() or not form.driver_phone.strip():
        failing.append(Criterion("driver", DRIVER_MISSING))
    if not form.acknowledged:
        failing.append(Criterion("acknowledgement", ACKNOWLEDGEMENT_MISSING))
    return failing

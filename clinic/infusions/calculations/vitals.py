"""Vital signs: when the next reading is due, the sane ranges, and the alerts past the clinic's limits."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

# --- Vital-sign cadence -----------------------------------------------------------------------


def next_vitals_due(
    *, last_taken_at: dt.datetime | None, phase_started_at: dt.datetime, interval_min: int
) -> dt.datetime:
    """When the next reading of the phase is due: `interval_min` after the last reading taken in
    this phase (readings from before the phase started do not count), or after the phase began."""
    base = phase_started_at
    if last_taken_at is not None and last_taken_at > phase_started_at:
        base = last_taken_at
    return base + dt.timedelta(minutes=interval_min)


def is_overdue(*, now: dt.datetime, due: dt.datetime, grace_min: int) -> bool:
    """Overdue once `grace_min` minutes have passed after the due time."""
    return now > due + dt.timedelta(minutes=grace_min)


def minutes_until(*, now: dt.datetime, due: dt.datetime) -> int:
    """Whole minutes until `due` (rounded up; negative once past)."""
    return math.ceil((due - now).total_seconds() / 60)


# --- Vital signs: sane ranges and alert limits ------------------------------------------------


class Phase:
    PRE = "pre"
    DURING = "during"
    RECOVERY = "recovery"

    ALL = (PRE, DURING, RECOVERY)


# Refusals of the impossible (a typo), not clinical limits: a reading outside is never stored.
VITAL_RANGES: dict[str, tuple[Decimal, Decimal, str, str]] = {
    "sbp": (Decimal(50), Decimal(300), "Systolic BP", "mm Hg"),
    "dbp": (Decimal(20), Decimal(200), "Diastolic BP", "mm Hg"),
    "hr": (Decimal(20), Decimal(250), "Heart rate", "bpm"),
    "spo2": (Decimal(50), Decimal(100), "SpO2", "%"),
    "rr": (Decimal(4), Decimal(60), "Respiratory rate", "breaths/min"),
    "temp_c": (Decimal(30), Decimal(43), "Temperature", "°C"),
}
REQUIRED_VITALS = ("sbp", "dbp", "hr", "spo2", "rr")
VITAL_RANGE_MESSAGE = "{label} must be between {low} and {high} {unit}."
VITAL_REQUIRED_MESSAGE = "{label} is required ({unit})."
VITAL_NOT_A_NUMBER = "{label} must be a number ({unit})."
DBP_NOT_BELOW_SBP = "Diastolic BP must be lower than systolic BP."


def validate_vital_values(values: Mapping[str, object]) -> tuple[dict[str, Decimal | None], dict[str, str]]:
    """Parse and range-check a reading. Returns (clean values, errors keyed by field)."""
    clean: dict[str, Decimal | None] = {}
    errors: dict[str, str] = {}
    for name, (low, high, label, unit) in VITAL_RANGES.items():
        raw = values.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            clean[name] = None
            if name in REQUIRED_VITALS:
                errors[name] = VITAL_REQUIRED_MESSAGE.format(label=label, unit=unit)
            continue
        try:
            number = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
        except Exception:  # noqa: BLE001 - any parse failure is the same user error
            errors[name] = VITAL_NOT_A_NUMBER.format(label=label, unit=unit)
            continue
        if not number.is_finite() or not low <= number <= high:
            errors[name] = VITAL_RANGE_MESSAGE.format(label=label, low=low, high=high, unit=unit)
            continue
        if name != "temp_c" and number != number.to_integral_value():
            errors[name] = VITAL_NOT_A_NUMBER.format(label=label, unit=unit)
            continue
        clean[name] = number
    both = "sbp" not in errors and "dbp" not in errors and clean.get("sbp") and clean.get("dbp")
    if both and clean["dbp"] >= clean["sbp"]:
        errors["dbp"] = DBP_NOT_BELOW_SBP
    return clean, errors


@dataclass(frozen=True)
class Reading:
    sbp: int
    dbp: int
    hr: int
    spo2: int
    rr: int | None = None
    temp_c: Decimal | None = None


@dataclass(frozen=True)
class VitalLimits:
    """The clinic's limits (settings); see clinic/infusions/settings.py for each source."""

    pre_dose_max_sbp: int = 140
    pre_dose_max_dbp: int = 90
    pre_dose_bp_is_hard_stop: bool = True
    intra_pause_sbp: int = 180
    intra_pause_dbp: int = 110
    intra_stop_sbp: int = 200
    intra_stop_dbp: int = 120
    intra_rise_sbp: int = 40
    intra_rise_dbp: int = 25
    hr_max: int = 120
    hr_min: int = 50
    spo2_min: int = 92
    rr_min: int = 10
    rr_max: int = 24


class AlertLevel:
    WARNING = "warning"
    CALL_PHYSICIAN = "call_physician"
    PAUSE = "pause"
    STOP = "stop"

    ORDER = {WARNING: 0, CALL_PHYSICIAN: 1, PAUSE: 2, STOP: 3}


@dataclass(frozen=True)
class AlertSpec:
    level: str
    parameter: str  # "bp", "bp_rise", "hr", "spo2", "rr"
    message: str
    suggested_action: str


# domain.md §3.2 (Spravato label: hypertensive crisis or encephalopathy → emergency care). The nurse
# reads this at the chair: a human source, no file reference.
EMERGENCY_SIGNS = (
    "Chest pain, shortness of breath, sudden severe headache, visual disturbance, seizure, "
    "confusion or new weakness: call 911 for emergency care (Spravato label)."
)
ACTION_PRE_BP_HARD = (
    "Recheck after 5 minutes of quiet rest. Do not start unless it is within the limit or a "
    "physician overrides the readiness gate."
)
ACTION_PRE_BP_SOFT = "Recheck after 5 minutes of rest; weigh benefit and risk with the physician."
ACTION_PRE_OTHER = "Do not start: recheck, and tell the physician if it persists."
ACTION_STOP_BP = "Stop the infusion, call the physician now and recheck BP in 5 minutes. " + EMERGENCY_SIGNS
ACTION_PAUSE_BP = (
    "Pause the infusion, recheck BP in 5 minutes and tell the physician. Resume only when it is "
    "below the pause limit and the physician agrees."
)
ACTION_RISE = "Call the physician; recheck BP in 5 minutes. " + EMERGENCY_SIGNS
ACTION_HR = "Check the patient and the monitor lead, recheck and call the physician."
ACTION_SPO2_DURING = (
    "Pause the infusion, stimulate the patient, open the airway, give oxygen and call the physician."
)
ACTION_RR_LOW_DURING = "Pause the infusion, stimulate the patient, check the airway and call the physician."
ACTION_RR_HIGH = "Reassure, recheck in 5 minutes; tell the physician if it persists."
ACTION_RECOVERY = (
    "Keep the patient in recovery, recheck in 5 minutes and call the physician. " + EMERGENCY_SIGNS
)
ACTION_RECOVERY_RISE = "Keep observing; recheck before discharge and tell the physician if it persists."
ACTION_RECOVERY_OXYGEN = "Stimulate the patient, give oxygen and call the physician."


def _bp(reading: Reading) -> str:
    return f"{reading.sbp}/{reading.dbp} mm Hg"


def vital_alerts(
    reading: Reading, baseline: Reading | None, limits: VitalLimits, phase: str
) -> list[AlertSpec]:
    """The alerts a reading raises in its phase, most severe first.

    pre: above the pre-dose gate → warning (the gate itself blocks the start).
    during: BP above the stop / pause limits → stop / pause; a rise from the pre-dose reading of at
    least the rise limits → call the physician; HR out of range → call the physician; SpO2 or RR
    below the minimum → pause; RR above the maximum → warning.
    recovery: the same limits, but there is nothing to pause: call the physician (warnings for a
    rise from baseline and a fast RR).
    """
    alerts: list[AlertSpec] = []
    bp = _bp(reading)
    if phase == Phase.PRE:
        if reading.sbp > limits.pre_dose_max_sbp or reading.dbp > limits.pre_dose_max_dbp:
            alerts.append(
                AlertSpec(
                    AlertLevel.WARNING,
                    "bp",
                    f"BP {bp} is above the pre-dose limit "
                    f"{limits.pre_dose_max_sbp}/{limits.pre_dose_max_dbp} mm Hg.",
                    ACTION_PRE_BP_HARD if limits.pre_dose_bp_is_hard_stop else ACTION_PRE_BP_SOFT,
                )
            )
        alerts += _other_alerts(reading, limits, phase)
        return _sorted(alerts)

    if reading.sbp > limits.intra_stop_sbp or reading.dbp > limits.intra_stop_dbp:
        limit = f"{limits.intra_stop_sbp}/{limits.intra_stop_dbp} mm Hg"
        if phase == Phase.DURING:
            alerts.append(
                AlertSpec(AlertLevel.STOP, "bp", f"BP {bp} is above the stop limit {limit}.", ACTION_STOP_BP)
            )
        else:
            alerts.append(
                AlertSpec(
                    AlertLevel.CALL_PHYSICIAN,
                    "bp",
                    f"BP {bp} is above {limit} in recovery.",
                    ACTION_RECOVERY,
                )
            )
    elif reading.sbp > limits.intra_pause_sbp or reading.dbp > limits.intra_pause_dbp:
        limit = f"{limits.intra_pause_sbp}/{limits.intra_pause_dbp} mm Hg"
        if phase == Phase.DURING:
            alerts.append(
                AlertSpec(
                    AlertLevel.PAUSE, "bp", f"BP {bp} is above the pause limit {limit}.", ACTION_PAUSE_BP
                )
            )
        else:
            alerts.append(
                AlertSpec(
                    AlertLevel.CALL_PHYSICIAN,
                    "bp",
                    f"BP {bp} is above {limit} in recovery.",
                    ACTION_RECOVERY,
                )
            )
    elif baseline is not None:
        rise_s = reading.sbp - baseline.sbp
        rise_d = reading.dbp - baseline.dbp
        if rise_s >= limits.intra_rise_sbp or rise_d >= limits.intra_rise_dbp:
            message = (
                f"BP {bp} has risen {rise_s:+d}/{rise_d:+d} mm Hg from the pre-dose "
                f"{_bp(baseline)} (limit +{limits.intra_rise_sbp}/+{limits.intra_rise_dbp})."
            )
            if phase == Phase.DURING:
                alerts.append(AlertSpec(AlertLevel.CALL_PHYSICIAN, "bp_rise", message, ACTION_RISE))
            else:
                alerts.append(AlertSpec(AlertLevel.WARNING, "bp_rise", message, ACTION_RECOVERY_RISE))
    alerts += _other_alerts(reading, limits, phase)
    return _sorted(alerts)


def _other_alerts(reading: Reading, limits: VitalLimits, phase: str) -> list[AlertSpec]:
    alerts = []
    pre = phase == Phase.PRE
    during = phase == Phase.DURING
    if reading.hr > limits.hr_max or reading.hr < limits.hr_min:
        where = "above" if reading.hr > limits.hr_max else "below"
        limit = limits.hr_max if reading.hr > limits.hr_max else limits.hr_min
        alerts.append(
            AlertSpec(
                AlertLevel.WARNING if pre else AlertLevel.CALL_PHYSICIAN,
                "hr",
                f"Heart rate {reading.hr} bpm is {where} {limit} bpm.",
                ACTION_PRE_OTHER if pre else ACTION_HR,
            )
        )
    if reading.spo2 < limits.spo2_min:
        level = AlertLevel.WARNING if pre else AlertLevel.PAUSE if during else AlertLevel.CALL_PHYSICIAN
        action = ACTION_PRE_OTHER if pre else ACTION_SPO2_DURING if during else ACTION_RECOVERY_OXYGEN
        alerts.append(
            AlertSpec(level, "spo2", f"SpO2 {reading.spo2} % is below {limits.spo2_min} %.", action)
        )
    if reading.rr is not None and reading.rr < limits.rr_min:
        level = AlertLevel.WARNING if pre else AlertLevel.PAUSE if during else AlertLevel.CALL_PHYSICIAN
        action = ACTION_PRE_OTHER if pre else ACTION_RR_LOW_DURING if during else ACTION_RECOVERY_OXYGEN
        alerts.append(
            AlertSpec(level, "rr", f"Respiratory rate {reading.rr}/min is below {limits.rr_min}/min.", action)
        )
    elif reading.rr is not None and reading.rr > limits.rr_max:
        alerts.append(
            AlertSpec(
                AlertLevel.WARNING,
                "rr",
                f"Respiratory rate {reading.rr}/min is above {limits.rr_max}/min.",
                ACTION_PRE_OTHER if pre else ACTION_RR_HIGH,
            )
        )
    return alerts


def _sorted(alerts: list[AlertSpec]) -> list[AlertSpec]:
    return sorted(alerts, key=lambda a: -AlertLevel.ORDER[a.level])


class GateStatus:
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"  # shown, does not block
    NA = "na"

    ALL = (PASS, FAIL, WARN, NA)


def pre_dose_vitals_status(reading: Reading, limits: VitalLimits) -> tuple[str, str]:
    """The readiness-gate verdict on pre-dose vitals: (status, note).

    BP above the pre-dose limit fails when `pre_dose_bp_is_hard_stop`, else warns; heart rate,
    SpO2 or respiratory rate outside the limits fail (conservative; a physician may override).
    """
    alerts = vital_alerts(reading, None, limits, Phase.PRE)
    if not alerts:
        return GateStatus.PASS, f"BP {_bp(reading)}, HR {reading.hr} bpm, SpO2 {reading.spo2} %."
    note = " ".join(a.message for a in alerts)
    blocking = [a for a in alerts if a.parameter != "bp" or limits.pre_dose_bp_is_hard_stop]
    return (GateStatus.FAIL if blocking else GateStatus.WARN), note

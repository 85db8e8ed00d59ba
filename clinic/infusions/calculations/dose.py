"""The dose delivered so far: integrating the pump rate over the running intervals of the events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from clinic.infusions.calculations._base import HOUR_SECONDS, SIXTY, ZERO, _seconds

# --- Infusion events and the dose delivered ---------------------------------------------------


class EventKind:
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    RATE_CHANGE = "rate_change"
    STOP = "stop"

    ALL = (START, PAUSE, RESUME, RATE_CHANGE, STOP)


@dataclass(frozen=True)
class EventPoint:
    """One pump event: `rate_ml_h` is the rate from this moment (start, resume, rate change)."""

    kind: str
    at: dt.datetime
    rate_ml_h: Decimal | None = None


@dataclass(frozen=True)
class InfusionProgress:
    """Where an infusion stands at `now` (all volumes mL, doses mg, times minutes)."""

    started: bool
    running: bool
    stopped: bool
    rate_ml_h: Decimal | None  # the current rate while running, else None
    delivered_ml: Decimal
    delivered_mg: Decimal
    running_min: Decimal  # time the pump actually ran
    elapsed_min: Decimal  # wall-clock time since the start (to the stop once stopped)
    remaining_ml: Decimal | None
    remaining_min: Decimal | None  # at the current rate; None while paused or stopped
    complete: bool  # the ordered volume has been delivered


def _walk(events: Iterable[EventPoint], now: dt.datetime):
    """Integrate the rate over the running intervals up to `now`.

    Returns (volume_ml, running_seconds, running, rate, started_at, stopped_at). Events after `now`
    are ignored; events are taken in time order (stable for equal times).
    """
    volume = ZERO
    running_seconds = ZERO
    running = False
    rate: Decimal | None = None
    started_at = stopped_at = None
    last = None
    for event in sorted(events, key=lambda e: e.at):
        if event.at > now or stopped_at is not None:
            break
        if running and last is not None and rate is not None:
            seconds = _seconds(event.at, last)
            volume += rate * seconds / HOUR_SECONDS
            running_seconds += seconds
        last = event.at
        if event.kind == EventKind.START:
            if started_at is None:
                started_at = event.at
                running, rate = True, event.rate_ml_h
        elif event.kind == EventKind.PAUSE:
            running = False
        elif event.kind == EventKind.RESUME:
            if started_at is not None:
                running = True
                rate = event.rate_ml_h if event.rate_ml_h is not None else rate
        elif event.kind == EventKind.RATE_CHANGE:
            if event.rate_ml_h is not None:
                rate = event.rate_ml_h
        elif event.kind == EventKind.STOP:
            running = False
            stopped_at = event.at
    if running and last is not None and rate is not None:
        seconds = _seconds(now, last)
        volume += rate * seconds / HOUR_SECONDS
        running_seconds += seconds
    return max(ZERO, volume), running_seconds, running, rate, started_at, stopped_at


def delivered_volume_ml(
    events: Iterable[EventPoint], now: dt.datetime, *, volume_limit_ml: Decimal | None = None
) -> Decimal:
    """mL delivered by `now`: Σ rate (mL/h) × hours running; capped at the volume to be infused
    (the pump stops itself there)."""
    volume = _walk(events, now)[0]
    if volume_limit_ml is not None:
        volume = min(volume, max(ZERO, volume_limit_ml))
    return volume


def delivered_dose_mg(
    events: Iterable[EventPoint],
    bag_conc_mg_per_ml: Decimal,
    now: dt.datetime,
    *,
    volume_limit_ml: Decimal | None = None,
) -> Decimal:
    """mg delivered by `now` = delivered mL × bag concentration (mg/mL). Never negative,
    non-decreasing in `now`; for an uninterrupted infusion it is rate × duration × concentration."""
    volume = delivered_volume_ml(events, now, volume_limit_ml=volume_limit_ml)
    return volume * max(ZERO, bag_conc_mg_per_ml)


def remaining_minutes(
    *, volume_to_infuse_ml: Decimal, delivered_ml: Decimal, rate_ml_h: Decimal | None
) -> Decimal | None:
    """Minutes left at the current rate (remaining volume / rate); None when not running."""
    if rate_ml_h is None or rate_ml_h <= 0:
        return None
    remaining = max(ZERO, volume_to_infuse_ml - delivered_ml)
    return remaining / rate_ml_h * SIXTY


def infusion_progress(
    events: Sequence[EventPoint],
    *,
    now: dt.datetime,
    bag_conc_mg_per_ml: Decimal,
    volume_to_infuse_ml: Decimal,
) -> InfusionProgress:
    """Delivered volume and dose, running and elapsed time, remaining volume and time at `now`."""
    volume, running_seconds, running, rate, started_at, stopped_at = _walk(events, now)
    delivered_ml = min(volume, max(ZERO, volume_to_infuse_ml))
    remaining_ml = max(ZERO, volume_to_infuse_ml - delivered_ml) if started_at else None
    complete = started_at is not None and delivered_ml >= volume_to_infuse_ml
    # Once the ordered volume is in, the pump has stopped itself whatever the events say.
    running = running and not complete
    current_rate = rate if running else None
    end = stopped_at or now
    elapsed = _seconds(end, started_at) / SIXTY if started_at else ZERO
    return InfusionProgress(
        started=started_at is not None,
        running=running,
        stopped=stopped_at is not None,
        rate_ml_h=current_rate,
        delivered_ml=delivered_ml,
        delivered_mg=delivered_ml * max(ZERO, bag_conc_mg_per_ml),
        running_min=running_seconds / SIXTY,
        elapsed_min=elapsed,
        remaining_ml=remaining_ml,
        remaining_min=(
            remaining_minutes(
                volume_to_infuse_ml=volume_to_infuse_ml,
                delivered_ml=delivered_ml,
                rate_ml_h=current_rate,
            )
            if running
            else (ZERO if complete else None)
        ),
        complete=complete,
    )

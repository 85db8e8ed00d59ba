"""The series planner: place a course's visits into infusion chairs. Pure Python, no ORM.

`propose_series` places `count` visits inside a window of days so that
- every visit lies wholly inside the clinic's opening hours of its (local) day, and not on a closed date;
- no chair holds two visits at once (existing bookings included), nor the patient two visits;
- consecutive visits start at least `min_gap_hours` apart (start to start, the dosing interval);
- at every instant, active infusions ≤ nurses on duty × `nurse_to_active_infusion_ratio`.

"Active" is the first `infusion_minutes` of a visit (the service passes readiness check + infusion; the
recovery that follows does not count). With `infusion_minutes=None`, the whole chair time counts,
which is the conservative reading. Existing bookings carry their own active end (`Busy.active_until`).

Among all placements that satisfy the rules, the planner maximises, in order: the number of visits
placed, visits on preferred weekdays, earliness (by day), and closeness to a preferred start time on
the chosen day. It is an
exact dynamic programme over the candidate start times (visits of one patient never overlap each
other, so each candidate's feasibility does not depend on the others). `check_series` re-checks any
list of slots (an adjusted proposal, or a booking under lock) against the same rules.

All datetimes are timezone-aware; internally everything is compared in UTC, while opening hours,
weekdays and preferred times are wall-clock values in the clinic's zone `tz`.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple
from zoneinfo import ZoneInfo

UTC = dt.UTC

# Messages (reused by the tests). Format fields are filled in where they are raised.
NONE_PLACED = "No visit could be placed between {first} and {last}."
SOME_PLACED = "Only {placed} of {count} visits could be placed between {first} and {last}."
WINDOW_TOO_SHORT = (
    "{count} visits at least {gap} h apart need at least {need} days; the window is {window} days."
)
REASON_SUMMARY = "Of {total} possible start times, {parts}."
REASON_CHAIR = "{n} had no free chair"
REASON_NURSES = "{n} would exceed the nurse ratio (nurses on duty × {ratio} active infusions)"
REASON_PATIENT = "{n} clash with the patient's other appointments"
REASON_PAST = "{n} have already passed"
NO_OPEN_TIME = "The clinic has no opening hours long enough for a {minutes} min visit in the window."
CLOSED_DAYS = "{n} day(s) in the window are closed."
NURSES_NOT_CHECKED = (
    "The nurse ratio was not checked: no nurse shifts are recorded for these dates."
)
NOT_PREFERRED_DAY = "Visit {n} ({when}) is not on a preferred day."
NOT_PREFERRED_TIME = "Visit {n} ({when}) does not start at a preferred time."

SLOT_ENDS_BEFORE_START = "Visit {n} ({when}): it must end after it starts."
SLOT_IN_PAST = "Visit {n} ({when}): that time has already passed."
SLOT_CLOSED = "Visit {n} ({when}): the clinic is closed that day."
SLOT_OUTSIDE_HOURS = "Visit {n} ({when}): the visit is not wholly inside opening hours ({hours})."
SLOT_UNKNOWN_CHAIR = "Visit {n} ({when}): choose one of the clinic's infusion chairs."
SLOT_CHAIR_TAKEN = "Visit {n} ({when}): {chair} is already booked then."
SLOT_CHAIRS_CLASH = "Visits {a} and {b} use {chair} at the same time."
SLOT_PATIENT_BUSY = "Visit {n} ({when}): the patient has another appointment then."
SLOT_PATIENT_CLASH = "Visits {a} and {b} overlap."
SLOT_GAP = "Visits {a} and {b} start {hours} h apart; the minimum is {gap} h."
SLOT_NURSES = (
    "Visit {n} ({when}): more infusions than the nurses on duty can watch "
    "({nurses} nurse(s) × {ratio})."
)
SLOT_OUTSIDE_WINDOW = "Visit {n} ({when}) is outside the {window}-day window from {first}."


class Slot(NamedTuple):
    """One proposed visit: start and end (aware, UTC) in a chair (a Room id)."""

    start: dt.datetime
    end: dt.datetime
    chair_id: int


class Busy(NamedTuple):
    """An existing booking: the chair (or the patient) is taken from `start` to `end`.

    `active_until` ends the part counted for the nurse ratio; None means the whole booking counts.
    Pass `active_until=start` for a booking that needs no nurse.
    """

    start: dt.datetime
    end: dt.datetime
    active_until: dt.datetime | None = None

    @property
    def active_end(self) -> dt.datetime:
        return self.end if self.active_until is None else min(self.active_until, self.end)


@dataclass
class Proposal:
    """The visits placed (in time order) and, in words, everything the front desk should know."""

    slots: list[Slot]
    problems: list[str] = field(default_factory=list)
    requested: int = 0

    @property
    def complete(self) -> bool:
        return len(self.slots) >= self.requested


@dataclass
class SeriesCheck:
    """The result of checking slots: `errors` block a booking, `warnings` are shown only."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- time helpers ---------------------------------------------------------------------------------


def local_to_utc(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime | None:
    """The UTC instant of a wall-clock time at `tz`, or None when the clocks skip it (DST gap)."""
    local = dt.datetime.combine(day, time, tzinfo=tz)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return local.astimezone(UTC)


def opening_interval(
    day: dt.date, clinic_hours: Mapping[int, tuple[dt.time, dt.time] | None],
    closed_dates: Collection[dt.date], tz: ZoneInfo,
) -> tuple[dt.datetime, dt.datetime] | None:
    """(opens, closes) of `day` in UTC, or None when the clinic is closed that day."""
    if day in closed_dates:
        return None
    hours = clinic_hours.get(day.weekday())
    if not hours:
        return None
    opens, closes = hours
    opens_at = local_to_utc(day, opens, tz)
    closes_at = local_to_utc(day, closes, tz)
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        return None
    return opens_at, closes_at


def _fmt(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %d %b %H:%M")


def _fmt_day(day: dt.date) -> str:
    return day.strftime("%a %d %b")


# --- interval index -------------------------------------------------------------------------------


class _Intervals:
    """Half-open intervals [start, end) with fast "which overlap this window" queries."""

    def __init__(self, intervals: Sequence[tuple[dt.datetime, dt.datetime]]):
        self.items = sorted(
            ((s.astimezone(UTC), e.astimezone(UTC)) for s, e in intervals if e > s),
            key=lambda item: item[0],
        )
        self.starts = [s for s, _ in self.items]
        self.longest = max((e - s for s, e in self.items), default=dt.timedelta(0))

    def overlapping(self, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
        lo = bisect_left(self.starts, start - self.longest)
        hi = bisect_left(self.starts, end)
        return [(s, e) for s, e in self.items[lo:hi] if e > start]

    def any_overlap(self, start: dt.datetime, end: dt.datetime) -> bool:
        return bool(self.overlapping(start, end))


def _count_at(intervals: Sequence[tuple[dt.datetime, dt.datetime]], t: dt.datetime) -> int:
    return sum(1 for s, e in intervals if s <= t < e)


def ratio_shortfall(
    *, start: dt.datetime, end: dt.datetime, actives: _Intervals, nurses: _Intervals | None,
    ratio: int,
) -> int | None:
    """None when one more active infusion over [start, end) keeps within the ratio throughout;
    otherwise the number of nurses on duty at the first instant where it would not."""
    if nurses is None or end <= start:
        return None
    active_here = actives.overlapping(start, end)
    nurses_here = nurses.overlapping(start, end)
    # Both counts are step functions; checking the window start and every step inside suffices.
    points = {start}
    for s, e in (*active_here, *nurses_here):
        for p in (s, e):
            if start < p < end:
                points.add(p)
    for t in sorted(points):
        on_duty = _count_at(nurses_here, t)
        if _count_at(active_here, t) + 1 > on_duty * ratio:
            return on_duty
    return None


# --- the planner ----------------------------------------------------------------------------------


@dataclass
class _Candidate:
    start: dt.datetime
    day_index: int
    score: int
    chairs: list[int]


def propose_series(
    *,
    count: int,
    window_days: int,
    min_gap_hours: float,
    start_date: dt.date,
    preferred_weekdays: Collection[int],
    preferred_times: Sequence[dt.time],
    chair_minutes: int,
    clinic_hours: Mapping[int, tuple[dt.time, dt.time] | None],
    existing_bookings_by_chair: Mapping[int, Sequence[Busy]],
    nurse_capacity: Sequence[tuple[dt.datetime, dt.datetime]] | None,
    nurse_to_active_infusion_ratio: int,
    tz: ZoneInfo,
    infusion_minutes: int | None = None,
    slot_minutes: int = 15,
    closed_dates: Collection[dt.date] = (),
    patient_busy: Sequence[tuple[dt.datetime, dt.datetime]] = (),
    not_before: dt.datetime | None = None,
    other_infusions: Sequence[Busy] = (),
) -> Proposal:
    """Place `count` visits of `chair_minutes` each; see the module docstring for the rules.

    `existing_bookings_by_chair` maps every usable chair id to its bookings (an empty list for a free
    chair): chairs not in it are never used. `nurse_capacity` is the nurses' shifts as (start, end);
    nurses on duty at an instant = shifts covering it. None skips the ratio check (and says so).
    `other_infusions` are bookings outside the usable chairs that still occupy nurses.
    """
    problems: list[str] = []
    count = max(0, int(count))
    length = dt.timedelta(minutes=chair_minutes)
    active_length = dt.timedelta(
        minutes=chair_minutes if infusion_minutes is None else min(infusion_minutes, chair_minutes)
    )
    gap = max(dt.timedelta(hours=min_gap_hours), length)
    last_day = start_date + dt.timedelta(days=max(window_days, 1) - 1)
    window_text = {"first": _fmt_day(start_date), "last": _fmt_day(last_day)}
    if count == 0:
        return Proposal(slots=[], problems=[], requested=0)

    chair_index = {
        chair: _Intervals([(b.start, b.end) for b in bookings])
        for chair, bookings in existing_bookings_by_chair.items()
    }
    chair_order = sorted(existing_bookings_by_chair)
    actives = _Intervals(
        [(b.start, b.active_end) for bookings in existing_bookings_by_chair.values() for b in bookings]
        + [(b.start, b.active_end) for b in other_infusions]
    )
    nurses = None if nurse_capacity is None else _Intervals(list(nurse_capacity))
    patient = _Intervals(list(patient_busy))
    if nurses is None:
        problems.append(NURSES_NOT_CHECKED)

    # 1. Every feasible start time (on the grid, inside hours), with the chairs free then.
    candidates: list[_Candidate] = []
    reasons: Counter[str] = Counter()
    closed_days = 0
    open_days = 0
    step = max(1, int(slot_minutes))
    for offset in range(max(window_days, 1)):
        day = start_date + dt.timedelta(days=offset)
        interval = opening_interval(day, clinic_hours, closed_dates, tz)
        if interval is None:
            closed_days += 1
            continue
        opens_at, closes_at = interval
        if opens_at + length > closes_at:
            continue
        open_days += 1
        opens_local = opens_at.astimezone(tz)
        minute = -(-(opens_local.hour * 60 + opens_local.minute) // step) * step  # round up
        while minute < 24 * 60:
            wall = dt.time(minute // 60, minute % 60)
            minute += step
            start = local_to_utc(day, wall, tz)
            if start is None or start < opens_at:
                continue
            end = start + length
            if end > closes_at:
                break
            if not_before is not None and start < not_before:
                reasons["past"] += 1
                continue
            if patient.any_overlap(start, end):
                reasons["patient"] += 1
                continue
            free = [c for c in chair_order if not chair_index[c].any_overlap(start, end)]
            if not free:
                reasons["chair"] += 1
                continue
            if ratio_shortfall(
                start=start, end=start + active_length, actives=actives, nurses=nurses,
                ratio=nurse_to_active_infusion_ratio,
            ) is not None:
                reasons["nurses"] += 1
                continue
            candidates.append(
                _Candidate(
                    start=start, day_index=offset, chairs=free,
                    score=_score(start.astimezone(tz), offset, step, preferred_weekdays,
                                 preferred_times),
                )
            )

    # 2. The best chain of visits, each at least `gap` after the one before (dynamic programme).
    chosen = _best_chain(candidates, count, gap)

    # 3. Chairs: keep the patient in one chair where possible.
    slots: list[Slot] = []
    used: Counter[int] = Counter()
    for candidate in chosen:
        chair = max(candidate.chairs, key=lambda c: (used[c], -chair_order.index(c)))
        used[chair] += 1
        slots.append(Slot(candidate.start, candidate.start + length, chair))

    # 4. Explain.
    if len(slots) < count:
        need_days = (gap * (count - 1)).total_seconds() / 86400
        if count > 1 and need_days >= window_days:
            problems.append(WINDOW_TOO_SHORT.format(
                count=count, gap=_hours_text(gap), need=f"{need_days:.1f}".rstrip("0").rstrip("."),
                window=window_days,
            ))
        template = NONE_PLACED if not slots else SOME_PLACED
        problems.append(template.format(placed=len(slots), count=count, **window_text))
        if open_days == 0:
            problems.append(NO_OPEN_TIME.format(minutes=chair_minutes))
        if closed_days:
            problems.append(CLOSED_DAYS.format(n=closed_days))
        parts = []
        if reasons["chair"]:
            parts.append(REASON_CHAIR.format(n=reasons["chair"]))
        if reasons["nurses"]:
            parts.append(REASON_NURSES.format(n=reasons["nurses"], ratio=nurse_to_active_infusion_ratio))
        if reasons["patient"]:
            parts.append(REASON_PATIENT.format(n=reasons["patient"]))
        if reasons["past"]:
            parts.append(REASON_PAST.format(n=reasons["past"]))
        if parts:
            total = len(candidates) + sum(reasons.values())
            problems.append(REASON_SUMMARY.format(total=total, parts=", ".join(parts)))
    for n, slot in enumerate(slots, start=1):
        local = slot.start.astimezone(tz)
        if preferred_weekdays and local.weekday() not in preferred_weekdays:
            problems.append(NOT_PREFERRED_DAY.format(n=n, when=_fmt(slot.start, tz)))
        if preferred_times and local.time().replace(second=0, microsecond=0) not in preferred_times:
            problems.append(NOT_PREFERRED_TIME.format(n=n, when=_fmt(slot.start, tz)))
    return Proposal(slots=slots, problems=problems, requested=count)


def _hours_text(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g}"


def _score(local: dt.datetime, day_index: int, step: int, preferred_weekdays, preferred_times) -> int:
    """Higher is better: a preferred weekday ≫ an earlier day ≫ closeness to a preferred time.

    So the series starts as early as the days allow, and each visit is as near the preferred time as
    that day allows (Monday 11:00 rather than waiting until Wednesday 09:00).
    """
    day_ok = not preferred_weekdays or local.weekday() in preferred_weekdays
    minute = local.hour * 60 + local.minute
    # Without a preferred time, the earliest time of the day is the nearest.
    distances = [abs(minute - (t.hour * 60 + t.minute)) for t in preferred_times] or [minute]
    distance = min(min(distances), 1440)
    # distance × 200 + slot index < 300_000 < one day (1_000_000); ties go to the earlier time.
    return (
        (1 if day_ok else 0) * 10_000_000_000
        - day_index * 1_000_000
        - distance * 200
        - min(minute // step, 199)
    )


def _best_chain(candidates: list[_Candidate], count: int, gap: dt.timedelta) -> list[_Candidate]:
    """The highest-scoring chain of up to `count` candidates spaced ≥ gap; longest chains first."""
    if not candidates:
        return []
    candidates.sort(key=lambda c: c.start)
    starts = [c.start for c in candidates]
    # prev_limit[i]: candidates[:prev_limit[i]] start at least `gap` before candidate i.
    prev_limit = [bisect_right(starts, c.start - gap) for c in candidates]
    n = len(candidates)
    NEG = None
    best: list[list[int | None]] = [[c.score for c in candidates]]
    parent: list[list[int]] = [[-1] * n]
    for _k in range(1, count):
        previous = best[-1]
        # prefix maximum of the previous layer, with its index
        prefix_val: list[int | None] = [NEG] * (n + 1)
        prefix_idx = [-1] * (n + 1)
        for i in range(n):
            prefix_val[i + 1], prefix_idx[i + 1] = prefix_val[i], prefix_idx[i]
            value = previous[i]
            if value is not None and (prefix_val[i + 1] is None or value > prefix_val[i + 1]):
                prefix_val[i + 1], prefix_idx[i + 1] = value, i
        layer: list[int | None] = [NEG] * n
        layer_parent = [-1] * n
        for i in range(n):
            limit = prev_limit[i]
            if prefix_val[limit] is not None:
                layer[i] = prefix_val[limit] + candidates[i].score
                layer_parent[i] = prefix_idx[limit]
        if all(v is None for v in layer):
            break
        best.append(layer)
        parent.append(layer_parent)
    k = len(best) - 1
    last = max((i for i in range(n) if best[k][i] is not None), key=lambda i: best[k][i])
    chain = [last]
    for layer in range(k, 0, -1):
        chain.append(parent[layer][chain[-1]])
    return [candidates[i] for i in reversed(chain)]


# --- checking a given series -----------------------------------------------------------------------


def check_series(
    *,
    slots: Sequence[Slot],
    min_gap_hours: float,
    clinic_hours: Mapping[int, tuple[dt.time, dt.time] | None],
    existing_bookings_by_chair: Mapping[int, Sequence[Busy]],
    nurse_capacity: Sequence[tuple[dt.datetime, dt.datetime]] | None,
    nurse_to_active_infusion_ratio: int,
    tz: ZoneInfo,
    infusion_minutes: int | None = None,
    closed_dates: Collection[dt.date] = (),
    patient_busy: Sequence[tuple[dt.datetime, dt.datetime]] = (),
    not_before: dt.datetime | None = None,
    chair_names: Mapping[int, str] | None = None,
    start_date: dt.date | None = None,
    window_days: int | None = None,
    other_infusions: Sequence[Busy] = (),
    numbers: Sequence[int] | None = None,
) -> SeriesCheck:
    """Check a list of visits against every rule the planner keeps; errors name the visit.

    The visits are numbered 1, 2, ... in time order, or by `numbers` (their sequence in a series, in
    time order). Existing bookings must not include the visits themselves (exclude them when
    re-checking a move).
    """
    result = SeriesCheck()
    names = chair_names or {}
    ordered = sorted(
        (Slot(s.start.astimezone(UTC), s.end.astimezone(UTC), s.chair_id) for s in slots),
        key=lambda s: s.start,
    )
    chair_index = {
        chair: _Intervals([(b.start, b.end) for b in bookings])
        for chair, bookings in existing_bookings_by_chair.items()
    }
    base_actives = [
        (b.start, b.active_end) for bookings in existing_bookings_by_chair.values() for b in bookings
    ] + [(b.start, b.active_end) for b in other_infusions]
    nurses = None if nurse_capacity is None else _Intervals(list(nurse_capacity))
    patient = _Intervals(list(patient_busy))
    gap = dt.timedelta(hours=min_gap_hours)

    def active_end(slot: Slot) -> dt.datetime:
        if infusion_minutes is None:
            return slot.end
        return min(slot.end, slot.start + dt.timedelta(minutes=infusion_minutes))

    labels = list(numbers) if numbers is not None else list(range(1, len(ordered) + 1))
    for index, slot in enumerate(ordered):
        n = labels[index]
        when = _fmt(slot.start, tz)
        if slot.end <= slot.start:
            result.errors.append(SLOT_ENDS_BEFORE_START.format(n=n, when=when))
            continue
        if not_before is not None and slot.start < not_before:
            result.errors.append(SLOT_IN_PAST.format(n=n, when=when))
        day = slot.start.astimezone(tz).date()
        interval = opening_interval(day, clinic_hours, closed_dates, tz)
        if interval is None:
            result.errors.append(SLOT_CLOSED.format(n=n, when=when))
        elif slot.start < interval[0] or slot.end > interval[1]:
            hours = f"{_fmt(interval[0], tz)[-5:]}–{_fmt(interval[1], tz)[-5:]}"
            result.errors.append(SLOT_OUTSIDE_HOURS.format(n=n, when=when, hours=hours))
        chair_name = names.get(slot.chair_id, f"chair {slot.chair_id}")
        if slot.chair_id not in chair_index:
            result.errors.append(SLOT_UNKNOWN_CHAIR.format(n=n, when=when))
        elif chair_index[slot.chair_id].any_overlap(slot.start, slot.end):
            result.errors.append(SLOT_CHAIR_TAKEN.format(n=n, when=when, chair=chair_name))
        if patient.any_overlap(slot.start, slot.end):
            result.errors.append(SLOT_PATIENT_BUSY.format(n=n, when=when))
        if start_date is not None and window_days is not None:
            last_day = start_date + dt.timedelta(days=window_days - 1)
            if not start_date <= day <= last_day:
                result.warnings.append(SLOT_OUTSIDE_WINDOW.format(
                    n=n, when=when, window=window_days, first=_fmt_day(start_date)))
        others = [
            (o.start, active_end(o)) for m, o in enumerate(ordered) if m != index and o.end > o.start
        ]
        shortfall = ratio_shortfall(
            start=slot.start, end=active_end(slot), actives=_Intervals(base_actives + others),
            nurses=nurses, ratio=nurse_to_active_infusion_ratio,
        )
        if shortfall is not None:
            result.errors.append(SLOT_NURSES.format(
                n=n, when=when, nurses=shortfall, ratio=nurse_to_active_infusion_ratio))
    for a in range(len(ordered)):
        for b in range(a + 1, len(ordered)):
            first, second = ordered[a], ordered[b]
            if second.start >= first.end:
                continue  # sorted by start: no overlap with this pair
            if first.chair_id == second.chair_id:
                result.errors.append(SLOT_CHAIRS_CLASH.format(
                    a=labels[a], b=labels[b], chair=names.get(first.chair_id, f"chair {first.chair_id}")))
            result.errors.append(SLOT_PATIENT_CLASH.format(a=labels[a], b=labels[b]))
    for a in range(len(ordered) - 1):
        first, second = ordered[a], ordered[a + 1]
        if second.start - first.start < gap:
            hours = (second.start - first.start).total_seconds() / 3600
            result.errors.append(SLOT_GAP.format(
                a=labels[a], b=labels[a + 1], hours=f"{hours:.1f}".rstrip("0").rstrip("."),
                gap=_hours_text(gap)))
    if nurses is None and ordered:
        result.warnings.append(NURSES_NOT_CHECKED)
    return result

"""The day view's grid, built without the ORM: rows are time steps, columns are chairs.

An appointment is one table cell spanning the rows it covers (`rowspan`), so the grid needs no
positioning styles (the CSP forbids inline styles). Cells under a block are left out, as HTML tables
require. Nurse capacity per row (nurses on duty × ratio, active infusions) is shown alongside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from clinic.scheduling.planner import local_to_utc

UTC = dt.UTC


@dataclass
class Cell:
    chair_id: int
    appointment: Any = None  # the Appointment starting here, or None for a free cell
    rowspan: int = 1
    also: list[Any] = field(default_factory=list)  # bookings overlapping it (old data; shown, flagged)


@dataclass
class Row:
    starts_at: dt.datetime  # aware, in the clinic's zone
    cells: list[Cell]
    nurses: int | None
    active: int
    capacity: int | None
    is_open: bool

    @property
    def over_capacity(self) -> bool:
        return self.capacity is not None and self.active > self.capacity


@dataclass
class DayGrid:
    day: dt.date
    rows: list[Row]
    opens: dt.datetime | None
    closes: dt.datetime | None


def _active_end(appointment) -> dt.datetime:
    if appointment.active_minutes is None:
        return appointment.ends_at
    return min(appointment.ends_at, appointment.starts_at + dt.timedelta(minutes=appointment.active_minutes))


def build_day_grid(
    *,
    day: dt.date,
    tz: ZoneInfo,
    hours: tuple[dt.time, dt.time] | None,
    slot_minutes: int,
    chair_ids: Sequence[int],
    appointments: Sequence[Any],
    nurse_shifts: Sequence[tuple[dt.datetime, dt.datetime]] | None,
    ratio: int,
) -> DayGrid:
    """Rows from opening to closing (widened to cover any booking outside hours), one column per chair.

    `appointments` need starts_at, ends_at, room_id and active_minutes; only those in `chair_ids`
    are placed. `nurse_shifts` None means no shifts are recorded (capacity not shown).
    """
    step = dt.timedelta(minutes=slot_minutes)
    opens = closes = None
    if hours:
        opens = local_to_utc(day, hours[0], tz)
        closes = local_to_utc(day, hours[1], tz)
        if opens is None or closes is None or closes <= opens:
            opens = closes = None
    placed = sorted(
        (a for a in appointments if a.room_id in set(chair_ids)), key=lambda a: (a.starts_at, a.pk)
    )
    first, last = opens, closes
    for appointment in placed:
        first = appointment.starts_at if first is None else min(first, appointment.starts_at)
        last = appointment.ends_at if last is None else max(last, appointment.ends_at)
    if first is None or last is None:
        return DayGrid(day=day, rows=[], opens=None, closes=None)
    midnight = local_to_utc(day, dt.time(0, 0), tz) or dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
    # Align the first row to the grid counted from local midnight.
    offset = (first.astimezone(UTC) - midnight.astimezone(UTC)) // step
    start = midnight.astimezone(UTC) + offset * step
    times = []
    moment = start
    while moment < last:
        times.append(moment)
        moment += step

    by_chair: dict[int, list[Any]] = {chair: [] for chair in chair_ids}
    for appointment in placed:
        by_chair[appointment.room_id].append(appointment)
    # covered[chair][row index] = True when a block above spans this row
    columns: dict[int, dict[int, Cell]] = {chair: {} for chair in chair_ids}
    for chair, bookings in by_chair.items():
        covered_until = -1
        current: Cell | None = None
        for appointment in bookings:
            index = max(0, (appointment.starts_at - start) // step)
            if index <= covered_until and current is not None:
                current.also.append(appointment)
                continue
            end_index = min(len(times) - 1, max(index, -(-(appointment.ends_at - start) // step) - 1))
            current = Cell(chair_id=chair, appointment=appointment, rowspan=end_index - index + 1)
            columns[chair][index] = current
            covered_until = end_index

    actives = [(a.starts_at, _active_end(a)) for a in placed]
    rows: list[Row] = []
    skip: dict[int, int] = {chair: -1 for chair in chair_ids}
    for i, moment in enumerate(times):
        cells = []
        for chair in chair_ids:
            cell = columns[chair].get(i)
            if cell is not None:
                cells.append(cell)
                skip[chair] = i + cell.rowspan - 1
            elif i > skip[chair]:
                cells.append(Cell(chair_id=chair))
        nurses = None
        if nurse_shifts is not None:
            nurses = sum(1 for s, e in nurse_shifts if s <= moment < e)
        active = sum(1 for s, e in actives if s <= moment < e)
        is_open = opens is not None and opens <= moment and moment + step <= closes
        rows.append(Row(
            starts_at=moment.astimezone(tz), cells=cells, nurses=nurses, active=active,
            capacity=None if nurses is None else nurses * ratio, is_open=is_open,
        ))
    return DayGrid(
        day=day, rows=rows,
        opens=opens.astimezone(tz) if opens else None, closes=closes.astimezone(tz) if closes else None,
    )

"""The day grid: rows from opening to closing, blocks spanning their rows, nurse capacity per row."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from clinic.scheduling.grid import build_day_grid

TZ = ZoneInfo("America/New_York")
DAY = dt.date(2030, 3, 4)


def at(hhmm):
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=TZ)


def appt(pk, chair, start, end, active=None):
    return SimpleNamespace(pk=pk, room_id=chair, starts_at=at(start), ends_at=at(end), active_minutes=active)


def grid(appointments, hours=(dt.time(8), dt.time(12)), shifts=None):
    return build_day_grid(
        day=DAY,
        tz=TZ,
        hours=hours,
        slot_minutes=15,
        chair_ids=[1, 2],
        appointments=appointments,
        nurse_shifts=shifts,
        ratio=2,
    )


def test_rows_cover_the_opening_hours_and_blocks_span_their_rows():
    g = grid([appt(1, 1, "09:00", "11:00", active=55)], shifts=[(at("08:00"), at("12:00"))])
    assert [r.starts_at.strftime("%H:%M") for r in g.rows][:3] == ["08:00", "08:15", "08:30"]
    assert len(g.rows) == 16
    nine = g.rows[4]
    assert nine.cells[0].appointment.pk == 1 and nine.cells[0].rowspan == 8
    # rows under the block have only the other chair's cell
    assert [c.chair_id for c in g.rows[5].cells] == [2]
    assert [c.chair_id for c in g.rows[12].cells] == [1, 2]
    # nurse capacity: one nurse × 2; the infusion is active 09:00-09:55
    assert (nine.nurses, nine.active, nine.capacity) == (1, 1, 2)
    assert g.rows[8].active == 0  # 10:00, recovering: not active
    assert all(r.is_open for r in g.rows)


def test_bookings_outside_hours_widen_the_grid_and_overlaps_are_kept():
    g = grid(
        [
            appt(1, 1, "07:10", "08:00"),
            appt(2, 2, "11:30", "12:30"),
            appt(3, 2, "11:45", "12:00"),
            appt(4, 9, "10:00", "10:30"),
        ]
    )
    assert g.rows[0].starts_at.strftime("%H:%M") == "07:00" and not g.rows[0].is_open
    assert g.rows[-1].starts_at.strftime("%H:%M") == "12:15"
    block = next(c for r in g.rows for c in r.cells if c.appointment and c.appointment.pk == 2)
    assert [a.pk for a in block.also] == [3]
    assert not any(c.appointment and c.appointment.pk == 4 for r in g.rows for c in r.cells)
    assert g.rows[0].nurses is None and g.rows[0].capacity is None


def test_a_closed_day_without_bookings_has_no_rows():
    assert grid([], hours=None).rows == []

"""The session's vitals chart (SBP, DBP and heart rate over time, with the clinic's limits), as pure
functions: `vitals_chart_layout` computes the geometry once, `vitals_chart_svg` draws it as SVG for
the printable flowsheet page and clinic/documents/pdf.py draws the same layout with fpdf2 lines.

No ORM and no clock inside: the caller passes the readings, the limits and the time zone. The SVG
uses presentation attributes only (no style="" and no <style>), so the page's CSP allows it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from zoneinfo import ZoneInfo

SBP_COLOR = "#b42318"
DBP_COLOR = "#1f5f8b"
HR_COLOR = "#1d7a46"
PAUSE_COLOR = "#c27c00"
STOP_COLOR = "#b42318"
HR_LIMIT_COLOR = "#1d7a46"
GRID_COLOR = "#d8dee6"
INK = "#1d2733"
MUTED = "#5b6776"

NO_READINGS = "No vital signs recorded."


@dataclass(frozen=True)
class ChartPoint:
    """One set of vital signs: blood pressure in mm Hg, heart rate in bpm."""

    at: dt.datetime
    sbp: int
    dbp: int
    hr: int


@dataclass(frozen=True)
class ChartLimits:
    """The clinic's limits drawn as horizontal lines (None: not drawn)."""

    pause_sbp: int | None = None
    pause_dbp: int | None = None
    stop_sbp: int | None = None
    stop_dbp: int | None = None
    hr_max: int | None = None
    hr_min: int | None = None


@dataclass(frozen=True)
class ChartMarker:
    """A pump event drawn as a vertical line (start, pause, resume, rate change, stop)."""

    at: dt.datetime
    label: str


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    color: str
    label: str = ""
    dashed: bool = False
    label_at_start: bool = False  # draw the label at the left end (to clear a neighbour's label)


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    points: tuple[tuple[float, float], ...]
    dashed: bool = False


@dataclass(frozen=True)
class Tick:
    position: float  # x for time ticks, y for value ticks
    label: str


@dataclass
class ChartLayout:
    """Everything to draw, in the chart's own units (0,0 top left; width × height)."""

    width: float
    height: float
    plot_left: float
    plot_top: float
    plot_right: float
    plot_bottom: float
    y_min: int
    y_max: int
    series: list[Series] = field(default_factory=list)
    limits: list[Line] = field(default_factory=list)
    markers: list[Line] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    empty: bool = False


def _value_range(points: Sequence[ChartPoint], limits: ChartLimits) -> tuple[int, int]:
    values = [v for p in points for v in (p.sbp, p.dbp, p.hr)]
    values += [v for v in (limits.pause_sbp, limits.pause_dbp, limits.stop_sbp, limits.hr_min) if v]
    values += [v for v in (limits.stop_dbp, limits.hr_max) if v]
    low = min(values, default=40)
    high = max(values, default=200)
    y_min = max(0, int(math.floor((low - 10) / 20.0) * 20))
    y_max = int(math.ceil((high + 10) / 20.0) * 20)
    return y_min, max(y_max, y_min + 40)


def _time_step(span_min: float) -> int:
    for step in (5, 10, 15, 30, 60, 120):
        if span_min / step <= 10:
            return step
    return 240


def vitals_chart_layout(
    points: Sequence[ChartPoint],
    *,
    limits: ChartLimits,
    tz: ZoneInfo | dt.tzinfo,
    markers: Sequence[ChartMarker] = (),
    width: float = 720,
    height: float = 260,
    margins: tuple[float, float, float, float] = (44, 12, 12, 34),
) -> ChartLayout:
    """The chart's geometry: one polyline per series over time, the limits as dashed lines, pump
    events as vertical markers, time ticks labelled HH:MM in `tz` and value ticks every 20.
    `margins` (left, top, right, bottom) leave room for the axis labels and the legend."""
    left, top = float(margins[0]), float(margins[1])
    right, bottom = width - margins[2], height - margins[3]
    layout = ChartLayout(width, height, left, top, right, bottom, 0, 0)
    points = sorted(points, key=lambda p: p.at)
    if not points:
        layout.empty = True
        return layout
    times = [p.at for p in points] + [m.at for m in markers]
    start, end = min(times), max(times)
    if end - start < dt.timedelta(minutes=10):
        end = start + dt.timedelta(minutes=10)
    span = (end - start).total_seconds()
    y_min, y_max = _value_range(points, limits)
    layout.y_min, layout.y_max = y_min, y_max

    def x(at: dt.datetime) -> float:
        return round(left + (at - start).total_seconds() / span * (right - left), 2)

    def y(value: float) -> float:
        return round(bottom - (value - y_min) / (y_max - y_min) * (bottom - top), 2)

    layout.series = [
        Series("SBP (mm Hg)", SBP_COLOR, tuple((x(p.at), y(p.sbp)) for p in points)),
        Series("DBP (mm Hg)", DBP_COLOR, tuple((x(p.at), y(p.dbp)) for p in points)),
        Series("HR (bpm)", HR_COLOR, tuple((x(p.at), y(p.hr)) for p in points), dashed=True),
    ]
    # Limits of the same value share one line and label; labels closer than a text line to the
    # previous one move to the other end of the chart so they never overprint.
    grouped: dict[int, list[tuple[str, str]]] = {}
    for value, color, label in (
        (limits.stop_sbp, STOP_COLOR, "stop SBP"),
        (limits.pause_sbp, PAUSE_COLOR, "pause SBP"),
        (limits.stop_dbp, STOP_COLOR, "stop DBP"),
        (limits.pause_dbp, PAUSE_COLOR, "pause DBP"),
        (limits.hr_max, HR_LIMIT_COLOR, "HR max"),
        (limits.hr_min, HR_LIMIT_COLOR, "HR min"),
    ):
        if value is not None and y_min <= value <= y_max:
            grouped.setdefault(value, []).append((color, label))
    min_gap = height * 0.06
    previous_y: float | None = None
    at_start = False
    for value in sorted(grouped, reverse=True):
        color = grouped[value][0][0]
        label = " / ".join(name for _, name in grouped[value]) + f" {value}"
        line_y = y(value)
        at_start = previous_y is not None and line_y - previous_y < min_gap and not at_start
        layout.limits.append(Line(left, line_y, right, line_y, color, label, True, at_start))
        previous_y = line_y
    for marker in markers:
        layout.markers.append(Line(x(marker.at), top, x(marker.at), bottom, MUTED, marker.label))
    layout.y_ticks = [Tick(y(v), str(v)) for v in range(y_min, y_max + 1, 20)]
    step = _time_step(span / 60)
    local_start = start.astimezone(tz)
    first = local_start.replace(second=0, microsecond=0)
    first += dt.timedelta(minutes=(-first.minute) % step)
    tick = first
    while tick <= end:
        layout.x_ticks.append(Tick(x(tick), tick.astimezone(tz).strftime("%H:%M")))
        tick += dt.timedelta(minutes=step)
    return layout


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def vitals_chart_svg(
    points: Sequence[ChartPoint],
    *,
    limits: ChartLimits,
    tz: ZoneInfo | dt.tzinfo,
    markers: Sequence[ChartMarker] = (),
    width: float = 720,
    height: float = 260,
    title: str = "Vital signs over time",
) -> str:
    """A self-contained SVG (escaped text, presentation attributes only) of the vitals chart."""
    layout = vitals_chart_layout(points, limits=limits, tz=tz, markers=markers, width=width, height=height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_fmt(width)} {_fmt(height)}" '
        f'width="{_fmt(width)}" height="{_fmt(height)}" role="img" aria-labelledby="vitals-chart-title" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="10">',
        f'<title id="vitals-chart-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{_fmt(width)}" height="{_fmt(height)}" fill="#ffffff"/>',
    ]
    if layout.empty:
        parts.append(
            f'<text x="{_fmt(width / 2)}" y="{_fmt(height / 2)}" text-anchor="middle" '
            f'fill="{MUTED}">{escape(NO_READINGS)}</text></svg>'
        )
        return "".join(parts)
    for tick in layout.y_ticks:
        parts.append(
            f'<line x1="{_fmt(layout.plot_left)}" y1="{_fmt(tick.position)}" x2="{_fmt(layout.plot_right)}" '
            f'y2="{_fmt(tick.position)}" stroke="{GRID_COLOR}" stroke-width="0.5"/>'
            f'<text x="{_fmt(layout.plot_left - 4)}" y="{_fmt(tick.position + 3)}" text-anchor="end" '
            f'fill="{MUTED}">{escape(tick.label)}</text>'
        )
    for tick in layout.x_ticks:
        parts.append(
            f'<line x1="{_fmt(tick.position)}" y1="{_fmt(layout.plot_bottom)}" x2="{_fmt(tick.position)}" '
            f'y2="{_fmt(layout.plot_bottom + 4)}" stroke="{MUTED}" stroke-width="0.5"/>'
            f'<text x="{_fmt(tick.position)}" y="{_fmt(layout.plot_bottom + 15)}" text-anchor="middle" '
            f'fill="{MUTED}">{escape(tick.label)}</text>'
        )
    parts.append(
        f'<rect x="{_fmt(layout.plot_left)}" y="{_fmt(layout.plot_top)}" '
        f'width="{_fmt(layout.plot_right - layout.plot_left)}" '
        f'height="{_fmt(layout.plot_bottom - layout.plot_top)}" fill="none" stroke="{MUTED}" '
        'stroke-width="0.75"/>'
    )
    for line in layout.limits:
        parts.append(
            f'<line class="limit" x1="{_fmt(line.x1)}" y1="{_fmt(line.y1)}" x2="{_fmt(line.x2)}" '
            f'y2="{_fmt(line.y2)}" stroke="{line.color}" stroke-width="1" stroke-dasharray="6 4"/>'
            f'<text x="{_fmt(line.x1 + 3 if line.label_at_start else line.x2 - 2)}" y="{_fmt(line.y1 - 3)}" '
            f'text-anchor="{"start" if line.label_at_start else "end"}" '
            f'fill="{line.color}">{escape(line.label)}</text>'
        )
    for line in layout.markers:
        near_end = line.x1 > layout.plot_right - 60
        parts.append(
            f'<line class="marker" x1="{_fmt(line.x1)}" y1="{_fmt(line.y1)}" x2="{_fmt(line.x2)}" '
            f'y2="{_fmt(line.y2)}" stroke="{line.color}" stroke-width="0.75" stroke-dasharray="2 3"/>'
            f'<text x="{_fmt(line.x1 - 3 if near_end else line.x1 + 3)}" y="{_fmt(layout.plot_bottom - 4)}" '
            f'text-anchor="{"end" if near_end else "start"}" fill="{line.color}">{escape(line.label)}</text>'
        )
    legend_x = layout.plot_left
    for series in layout.series:
        coords = " ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in series.points)
        dash = ' stroke-dasharray="5 3"' if series.dashed else ""
        parts.append(
            f'<polyline class="series" data-series="{escape(series.name)}" points="{coords}" fill="none" '
            f'stroke="{series.color}" stroke-width="2"{dash}/>'
        )
        for px, py in series.points:
            parts.append(f'<circle cx="{_fmt(px)}" cy="{_fmt(py)}" r="2.5" fill="{series.color}"/>')
        parts.append(
            f'<line x1="{_fmt(legend_x)}" y1="{_fmt(height - 5)}" x2="{_fmt(legend_x + 18)}" '
            f'y2="{_fmt(height - 5)}" stroke="{series.color}" stroke-width="2"{dash}/>'
            f'<text x="{_fmt(legend_x + 22)}" y="{_fmt(height - 2)}" fill="{INK}">'
            f"{escape(series.name)}</text>"
        )
        legend_x += 110
    parts.append("</svg>")
    return "".join(parts)

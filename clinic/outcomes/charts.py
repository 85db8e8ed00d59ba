"""Geometry of a score trend drawn as server-side SVG (prints, needs no JavaScript). Pure.

The template draws what `trend_chart` returns: band stripes, gridline ticks, a polyline and a
dot per response. Time runs left to right in proportion to the real dates.
"""

import datetime as dt
from dataclasses import dataclass

from clinic.outcomes.instruments import Instrument

WIDTH = 720
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 44, 170, 12, 34
BAND_FILLS = ("#f5f7fa", "#e8f1f8")


@dataclass(frozen=True)
class TrendPoint:
    x: float
    y: float
    value: int
    when: str


@dataclass(frozen=True)
class BandStripe:
    y: float
    height: float
    label: str
    label_y: float
    fill: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    points: tuple[TrendPoint, ...]
    polyline: str
    bands: tuple[BandStripe, ...]
    ticks: tuple[Tick, ...]
    first_label: str
    last_label: str
    description: str

    @property
    def plot_width(self) -> float:
        return self.plot_right - self.plot_left

    @property
    def band_label_x(self) -> float:
        return self.plot_right + 8

    @property
    def tick_label_x(self) -> float:
        return self.plot_left - 6

    @property
    def date_label_y(self) -> float:
        return self.height - 10


def trend_chart(
    series: list[tuple[dt.datetime, int]],
    *,
    instrument: Instrument,
    tzinfo: dt.tzinfo,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> TrendChart | None:
    """Chart geometry for `series` (oldest first) on the instrument's full total range."""
    if not series:
        return None
    left, right = LEFT, width - RIGHT
    top, bottom = TOP, height - BOTTOM
    low, high = instrument.total_min, instrument.total_max
    span = max(high - low, 1)

    def y_of(value: float) -> float:
        return round(bottom - (value - low) / span * (bottom - top), 1)

    start, end = series[0][0], series[-1][0]
    seconds = (end - start).total_seconds()

    def x_of(moment: dt.datetime) -> float:
        if seconds <= 0:
            return round((left + right) / 2, 1)
        return round(left + (moment - start).total_seconds() / seconds * (right - left), 1)

    points = tuple(
        TrendPoint(
            x=x_of(moment),
            y=y_of(value),
            value=value,
            when=moment.astimezone(tzinfo).strftime("%Y-%m-%d %H:%M"),
        )
        for moment, value in series
    )
    stripes = []
    for index, band in enumerate(b for b in instrument.bands if b.low is not None):
        # A band covers its whole totals, so it runs from low - 0.5 to high + 0.5 (clipped).
        band_top = y_of(min(band.high + 0.5, high))
        band_bottom = y_of(max(band.low - 0.5, low))
        stripes.append(
            BandStripe(
                y=band_top,
                height=round(band_bottom - band_top, 1),
                label=f"{band.label} ({_range(band.low, band.high)})",
                label_y=round((band_top + band_bottom) / 2 + 4, 1),
                fill=BAND_FILLS[index % 2],
            )
        )
    step = _tick_step(span)
    ticks = tuple(Tick(y=y_of(v), label=str(v)) for v in range(low, high + 1, step))
    latest = points[-1]
    description = (
        f"{instrument.short_name} totals, {len(points)} response{'s' if len(points) != 1 else ''} "
        f"from {points[0].when} to {latest.when}; latest {latest.value}."
    )
    return TrendChart(
        width=width,
        height=height,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        bands=tuple(stripes),
        ticks=ticks,
        first_label=points[0].when[:10],
        last_label=latest.when[:10],
        description=description,
    )


def _range(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


def _tick_step(span: int) -> int:
    for step in (1, 2, 5, 10):
        if span / step <= 6:
            return step
    return 20

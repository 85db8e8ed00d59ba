"""Server-side SVG of a predicted plasma-concentration curve, for the order page and its printout.

Pure functions (no Django, no ORM). The SVG uses presentation attributes only (no style attribute,
no <style>, no script), so it passes the strict Content-Security-Policy and prints as drawn.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 900, 420
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 70, 215, 40, 56
LINE_COLOUR = "#1f5f8b"
INK, MUTED, GRID = "#1d2733", "#5b6776", "#d8dee6"
INFUSION_FILL = "#e6ebf1"


@dataclass(frozen=True)
class Band:
    """A reference concentration range (low == high draws a single dashed line)."""

    label: str
    low: float
    high: float
    fill: str


DEFAULT_BAND_FILLS = ("#f3cf8f", "#b8d3e8", "#a9dcbc")


def nice_step(span: float, target_ticks: int = 6) -> float:
    """A 1, 2, 2.5 or 5 × 10^n step giving about `target_ticks` ticks over `span`."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _fmt(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def concentration_chart_svg(
    *,
    points: Sequence[tuple[float, float]],
    bands: Sequence[Band] = (),
    infusion_end_min: float | None = None,
    title: str = "Predicted plasma ketamine concentration",
    caption: str = "",
) -> str:
    """An SVG line chart of (time min, concentration ng/mL) with shaded reference bands.

    The y axis covers the curve and every band; the x axis runs from 0 to the last time. The
    infusion period (0 → `infusion_end_min`) is shaded grey and labelled.
    """
    if not points:
        raise ValueError("points must not be empty")
    t_max = max(t for t, _ in points)
    if t_max <= 0:
        raise ValueError("the last time must be after 0 min")
    c_top = max([c for _, c in points] + [b.high for b in bands] + [1.0])
    y_step = nice_step(c_top * 1.1)
    y_max = math.ceil(c_top * 1.1 / y_step) * y_step
    x_step = nice_step(t_max, target_ticks=8)

    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def x(t: float) -> float:
        return MARGIN_LEFT + t / t_max * plot_w

    def y(c: float) -> float:
        return MARGIN_TOP + plot_h - min(max(c, 0.0), y_max) / y_max * plot_h

    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="pk-title pk-desc" '
        f'font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="pk-title">{escape(title)}</title>',
        f'<desc id="pk-desc">{escape(caption or title)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{MARGIN_LEFT}" y="22" font-size="14" font-weight="600" fill="{INK}">'
        f"{escape(title)}</text>",
    ]

    # Infusion period.
    if infusion_end_min is not None and infusion_end_min > 0:
        end = min(infusion_end_min, t_max)
        parts.append(
            f'<rect class="pk-infusion" x="{x(0):.1f}" y="{MARGIN_TOP}" '
            f'width="{x(end) - x(0):.1f}" height="{plot_h}" fill="{INFUSION_FILL}"/>'
        )
        parts.append(
            f'<text x="{x(end) + 4:.1f}" y="{MARGIN_TOP + 14}" fill="{MUTED}">'
            f"Infusion 0–{_fmt(infusion_end_min)} min</text>"
        )

    # Reference bands, drawn under the curve.
    for index, band in enumerate(bands):
        if band.high > band.low:
            parts.append(
                f'<rect class="pk-band" x="{MARGIN_LEFT}" y="{y(band.high):.1f}" width="{plot_w}" '
                f'height="{y(band.low) - y(band.high):.1f}" fill="{band.fill}" fill-opacity="0.35">'
                f"<title>{escape(band.label)}: {_fmt(band.low)}–{_fmt(band.high)} ng/mL</title></rect>"
            )
        else:
            parts.append(
                f'<line class="pk-band" x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_w}" '
                f'y1="{y(band.low):.1f}" y2="{y(band.low):.1f}" stroke="#9a6200" stroke-width="1.5" '
                f'stroke-dasharray="6 4"><title>{escape(band.label)}: {_fmt(band.low)} ng/mL'
                "</title></line>"
            )
        # Legend on the right, one row per band.
        ly = MARGIN_TOP + 8 + index * 44
        lx = MARGIN_LEFT + plot_w + 16
        if band.high > band.low:
            parts.append(
                f'<rect x="{lx}" y="{ly}" width="14" height="14" fill="{band.fill}" fill-opacity="0.6"/>'
            )
            value = f"{_fmt(band.low)}–{_fmt(band.high)} ng/mL"
        else:
            parts.append(
                f'<line x1="{lx}" x2="{lx + 14}" y1="{ly + 7}" y2="{ly + 7}" stroke="#9a6200" '
                'stroke-width="1.5" stroke-dasharray="4 2"/>'
            )
            value = f"~{_fmt(band.low)} ng/mL"
        parts.append(
            f'<text x="{lx + 20}" y="{ly + 11}" fill="{INK}">{escape(_short(band.label))}</text>'
            f'<text x="{lx + 20}" y="{ly + 26}" fill="{MUTED}">{escape(value)}</text>'
        )

    # Grid, ticks and axes.
    tick = 0.0
    while tick <= y_max + 1e-9:
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_w}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{MARGIN_LEFT - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{_fmt(tick)}</text>"
        )
        tick += y_step
    tick = 0.0
    while tick <= t_max + 1e-9:
        parts.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{MARGIN_TOP + plot_h}" '
            f'y2="{MARGIN_TOP + plot_h + 5}" stroke="{MUTED}"/>'
            f'<text x="{x(tick):.1f}" y="{MARGIN_TOP + plot_h + 18}" text-anchor="middle" '
            f'fill="{MUTED}">{_fmt(tick)}</text>'
        )
        tick += x_step
    parts.append(
        f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT}" y1="{MARGIN_TOP}" y2="{MARGIN_TOP + plot_h}" '
        f'stroke="{INK}"/>'
        f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_w}" y1="{MARGIN_TOP + plot_h}" '
        f'y2="{MARGIN_TOP + plot_h}" stroke="{INK}"/>'
        f'<text x="{MARGIN_LEFT + plot_w / 2:.1f}" y="{HEIGHT - 12}" text-anchor="middle" '
        f'fill="{INK}">Time after the start of the infusion (min)</text>'
        f'<text x="18" y="{MARGIN_TOP + plot_h / 2:.1f}" text-anchor="middle" fill="{INK}" '
        f'transform="rotate(-90 18 {MARGIN_TOP + plot_h / 2:.1f})">'
        "Plasma ketamine (ng/mL)</text>"
    )

    # The predicted curve.
    coords = " ".join(f"{x(t):.1f},{y(c):.1f}" for t, c in points)
    parts.append(
        f'<polyline class="pk-curve" points="{coords}" fill="none" stroke="{LINE_COLOUR}" '
        'stroke-width="2.5" stroke-linejoin="round"/>'
    )
    peak_t, peak_c = max(points, key=lambda p: p[1])
    parts.append(
        f'<circle cx="{x(peak_t):.1f}" cy="{y(peak_c):.1f}" r="4" fill="{LINE_COLOUR}"/>'
        f'<text class="pk-peak" x="{x(peak_t) + 8:.1f}" y="{y(peak_c) - 8:.1f}" fill="{INK}">'
        f"Peak {peak_c:.0f} ng/mL at {_fmt(peak_t)} min</text>"
    )
    ly = MARGIN_TOP + 8 + len(bands) * 44
    lx = MARGIN_LEFT + plot_w + 16
    parts.append(
        f'<line x1="{lx}" x2="{lx + 14}" y1="{ly + 7}" y2="{ly + 7}" stroke="{LINE_COLOUR}" '
        'stroke-width="2.5"/>'
        f'<text x="{lx + 20}" y="{ly + 11}" fill="{INK}">Predicted (this order)</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _short(label: str) -> str:
    # Legend rows are narrow; the full label is in the band's <title> and the page's caption.
    head = label.split(":")[0].split(" after ")[0].strip()
    return head if len(head) <= 30 else head[:29] + "…"

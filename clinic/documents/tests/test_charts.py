import datetime as dt
import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

from clinic.documents.charts import (
    NO_READINGS,
    ChartLimits,
    ChartMarker,
    ChartPoint,
    vitals_chart_layout,
    vitals_chart_svg,
)

TZ = ZoneInfo("America/New_York")
T0 = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)  # 09:00 in New York
LIMITS = ChartLimits(pause_sbp=180, pause_dbp=110, stop_sbp=200, stop_dbp=120, hr_max=120, hr_min=50)
SVG = "{http://www.w3.org/2000/svg}"


def points(*rows):
    return [ChartPoint(T0 + dt.timedelta(minutes=m), sbp, dbp, hr) for m, sbp, dbp, hr in rows]


READINGS = points((0, 128, 82, 76), (10, 142, 90, 80), (20, 165, 98, 84), (40, 150, 92, 78))


def test_series_run_left_to_right_and_higher_values_sit_higher():
    layout = vitals_chart_layout(READINGS, limits=LIMITS, tz=TZ)
    sbp = layout.series[0]
    xs = [x for x, _ in sbp.points]
    assert xs == sorted(xs)
    assert xs[0] == layout.plot_left and xs[-1] == layout.plot_right
    # 165 mm Hg (third reading) is drawn above 128 (first): smaller y is higher on the page.
    assert sbp.points[2][1] < sbp.points[0][1]
    assert [s.name for s in layout.series] == ["SBP (mm Hg)", "DBP (mm Hg)", "HR (bpm)"]


def test_value_axis_covers_readings_and_limits_in_steps_of_20():
    layout = vitals_chart_layout(READINGS, limits=LIMITS, tz=TZ)
    assert layout.y_min <= 50 and layout.y_max >= 200
    assert layout.y_min % 20 == 0 and layout.y_max % 20 == 0
    labels = [int(t.label) for t in layout.y_ticks]
    assert labels == list(range(layout.y_min, layout.y_max + 1, 20))


def test_limits_are_dashed_lines_labelled_with_their_values():
    layout = vitals_chart_layout(READINGS, limits=LIMITS, tz=TZ)
    labels = [line.label for line in layout.limits]
    assert "stop SBP 200" in labels and "pause SBP 180" in labels and "HR min 50" in labels
    # Two limits of the same value share one line.
    assert "stop DBP / HR max 120" in labels
    assert all(line.dashed for line in layout.limits)
    # Close labels alternate ends so they never overprint.
    close = [line for line in layout.limits if line.label.startswith(("stop DBP", "pause DBP"))]
    assert close[0].label_at_start != close[1].label_at_start


def test_time_ticks_are_local_clock_times():
    layout = vitals_chart_layout(READINGS, limits=LIMITS, tz=TZ)
    assert layout.x_ticks[0].label == "09:00"
    assert [t.label for t in layout.x_ticks][:3] == ["09:00", "09:05", "09:10"]


def test_markers_are_vertical_lines_at_their_time():
    markers = [ChartMarker(T0, "Start"), ChartMarker(T0 + dt.timedelta(minutes=40), "Stop")]
    layout = vitals_chart_layout(READINGS, limits=LIMITS, tz=TZ, markers=markers)
    assert [(m.label, m.x1 == m.x2) for m in layout.markers] == [("Start", True), ("Stop", True)]
    assert layout.markers[1].x1 == layout.plot_right


def test_no_readings_gives_an_empty_chart():
    assert vitals_chart_layout([], limits=LIMITS, tz=TZ).empty
    svg = vitals_chart_svg([], limits=LIMITS, tz=TZ)
    assert NO_READINGS in svg
    ET.fromstring(svg)


def test_a_single_reading_still_draws():
    layout = vitals_chart_layout(points((0, 120, 80, 70)), limits=LIMITS, tz=TZ)
    assert len(layout.series[0].points) == 1


def test_svg_is_well_formed_with_one_polyline_per_series_and_no_inline_styles():
    svg = vitals_chart_svg(READINGS, limits=LIMITS, tz=TZ, markers=[ChartMarker(T0, "Start")])
    root = ET.fromstring(svg)
    polylines = root.findall(f".//{SVG}polyline")
    assert len(polylines) == 3
    assert len(polylines[0].get("points").split()) == len(READINGS)
    assert len(root.findall(f".//{SVG}line[@class='limit']")) == 5
    # CSP forbids inline styles: presentation attributes only.
    assert "style" not in svg
    assert re.search(r"<script", svg) is None


def test_svg_escapes_text():
    svg = vitals_chart_svg(READINGS, limits=LIMITS, tz=TZ, title="<b>&</b>")
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in svg
    ET.fromstring(svg)

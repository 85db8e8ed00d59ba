import datetime as dt
import zoneinfo

from clinic.outcomes.charts import trend_chart
from clinic.outcomes.instruments import ASQ_INSTRUMENT, PHQ9_INSTRUMENT

UTC = dt.UTC
NY = zoneinfo.ZoneInfo("America/New_York")


def at(day):
    return dt.datetime(2026, 3, day, 15, 0, tzinfo=UTC)


def test_no_series_no_chart():
    assert trend_chart([], instrument=PHQ9_INSTRUMENT, tzinfo=NY) is None


def test_points_run_left_to_right_in_time_and_up_with_the_total():
    chart = trend_chart([(at(1), 0), (at(3), 27), (at(11), 9)], instrument=PHQ9_INSTRUMENT, tzinfo=NY)
    xs = [p.x for p in chart.points]
    assert xs[0] == chart.plot_left and xs[-1] == chart.plot_right
    # Time-proportional: 2 of 10 days along.
    assert abs((xs[1] - xs[0]) / (xs[2] - xs[0]) - 0.2) < 0.01
    assert chart.points[0].y == chart.plot_bottom and chart.points[1].y == chart.plot_top
    assert chart.polyline.count(",") == 3
    assert chart.points[0].when == "2026-03-01 10:00"  # clinic time
    assert "latest 9" in chart.description


def test_one_point_is_centred_and_bands_are_labelled():
    chart = trend_chart([(at(1), 12)], instrument=PHQ9_INSTRUMENT, tzinfo=NY)
    assert chart.points[0].x == (chart.plot_left + chart.plot_right) / 2
    assert [b.label for b in chart.bands][0] == "None–minimal (0–4)"
    assert len(chart.bands) == 5
    assert all(b.height > 0 for b in chart.bands)


def test_asq_has_no_severity_bands():
    chart = trend_chart([(at(1), 1)], instrument=ASQ_INSTRUMENT, tzinfo=NY)
    assert chart.bands == ()
    assert [t.label for t in chart.ticks] == ["0", "1", "2", "3", "4"]

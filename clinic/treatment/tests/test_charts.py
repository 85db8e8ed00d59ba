import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from clinic.treatment.charts import (
    HEIGHT,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    WIDTH,
    Band,
    concentration_chart_svg,
    nice_step,
)
from clinic.treatment.prediction import infusion_prediction
from clinic.treatment.templatetags.treatment_format import format_decimal

NS = {"svg": "http://www.w3.org/2000/svg"}
BANDS = (
    Band("Antidepressant effect: observed peak", 185, 185, "#f3cf8f"),
    Band("Dissociation after 0.5 mg/kg over 40 min", 100, 250, "#b8d3e8"),
    Band("Analgesia", 70, 160, "#a9dcbc"),
)


def polyline_points(svg: str) -> list[tuple[float, float]]:
    root = ET.fromstring(svg)
    line = root.find("svg:polyline", NS)
    return [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]


def test_chart_is_valid_svg_with_the_curve_inside_the_plot_area():
    points = [(t, 240 * t / 40 if t <= 40 else 240 * 0.97 ** (t - 40)) for t in range(0, 241)]

    svg = concentration_chart_svg(points=points, bands=BANDS, infusion_end_min=40)

    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    drawn = polyline_points(svg)
    assert len(drawn) == len(points)
    for x, y in drawn:
        assert MARGIN_LEFT <= x <= WIDTH - MARGIN_RIGHT
        assert MARGIN_TOP <= y <= HEIGHT - MARGIN_BOTTOM
    # time runs left to right, and the highest concentration is drawn highest (smallest y)
    assert drawn[0][0] == MARGIN_LEFT and drawn[-1][0] == WIDTH - MARGIN_RIGHT
    assert min(drawn, key=lambda p: p[1]) == drawn[40]


def test_chart_shades_and_labels_the_reference_bands_with_units():
    svg = concentration_chart_svg(points=[(0, 0), (60, 120)], bands=BANDS, infusion_end_min=40)
    root = ET.fromstring(svg)

    band_rects = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "pk-band"]
    band_lines = [r for r in root.iter("{http://www.w3.org/2000/svg}line") if r.get("class") == "pk-band"]
    assert len(band_rects) == 2 and len(band_lines) == 1  # two ranges, one single value (185)
    text = "".join(root.itertext())
    for expected in (
        "Plasma ketamine (ng/mL)",
        "(min)",
        "Dissociation",
        "100–250 ng/mL",
        "70–160 ng/mL",
        "~185 ng/mL",
        "Infusion 0–40 min",
    ):
        assert expected in text


def test_chart_has_no_inline_style_or_script():
    # The page's Content-Security-Policy forbids style attributes and inline scripts.
    svg = concentration_chart_svg(points=[(0, 0), (10, 50)], bands=BANDS)
    assert "style" not in svg and "<script" not in svg


def test_chart_escapes_text():
    svg = concentration_chart_svg(points=[(0, 0), (10, 5)], title="<b>&")
    assert "&lt;b&gt;&amp;" in svg
    ET.fromstring(svg)


def test_chart_refuses_no_points():
    with pytest.raises(ValueError):
        concentration_chart_svg(points=[])


@pytest.mark.parametrize(("span", "step"), [(240, 50), (480, 100), (300, 50), (12, 2), (0.9, 0.2)])
def test_nice_step(span, step):
    assert nice_step(span) == pytest.approx(step)


def test_prediction_for_the_standard_mood_infusion_matches_the_domain_fixture():
    # domain.md §6.1: Clements250, 70 kg, 0.5 mg/kg over 40 min → ~177 ng/mL at 40 min
    prediction = infusion_prediction(
        model_key="clements250", weight_kg=Decimal("70"), dose_mg=Decimal("35"), duration_min=40
    )

    assert prediction.peak_at_min == pytest.approx(40)
    assert prediction.peak_ng_per_ml == pytest.approx(177, abs=2)
    assert prediction.until_min == 240
    assert len(polyline_points(prediction.svg)) == 241


def test_prediction_runs_twice_a_long_infusion():
    prediction = infusion_prediction(
        model_key="domino", weight_kg=Decimal("80"), dose_mg=Decimal("112"), duration_min=240
    )
    assert prediction.until_min == 480


@pytest.mark.parametrize(
    ("value", "step", "shown"),
    [
        (Decimal("35.000000"), "0.01", "35"),
        (Decimal("52.500000"), Decimal("0.100"), "52.5"),
        (Decimal("0.952381"), "0.001", "0.952"),
        (Decimal("36.155"), "0.01", "36.16"),
        (None, "0.01", ""),
    ],
)
def test_format_decimal(value, step, shown):
    assert format_decimal(value, step) == shown

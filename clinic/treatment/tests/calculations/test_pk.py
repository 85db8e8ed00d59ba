"""PK prediction: the §6.2 regression fixtures, analytic and numerical cross-checks, the registry.

Tolerance against the §6.2 fixtures: ±0.5 ng/mL. The fixtures were computed by Euler integration
(dt 0.01 min) and rounded to whole ng/mL. The exact solution differs from that Euler integration by at
most 0.021 ng/mL (0.035 %) at the fixture times, so the rounding dominates: the largest difference from
a fixture is 0.494 ng/mL (Hijazi, 10 min: exact 94.506, fixture 95).
"""

import math
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.core.sources import clinician_source
from clinic.treatment.calculations.errors import CalculationInputError
from clinic.treatment.calculations.pk import (
    PK_MODELS,
    REFERENCE_CONCENTRATIONS,
    InfusionSegment,
    PkModel,
    expm,
    infusion_segments_for_dose,
    ng_per_mL_to_micromolar,
    pk_model_get,
    simulate_plasma_concentration,
)

FIXTURE_TIMES = (10, 20, 40, 60, 120, 240)
FIXTURES = {
    "domino": (182, 210, 240, 55, 36, 17),
    "clements250": (62, 109, 177, 115, 59, 35),
    "hijazi": (95, 157, 225, 100, 13, 5),
}
FIXTURE_TOLERANCE_NG_PER_ML = 0.5
STANDARD_MOOD = [(0.0, 40.0, 35.0 / 40.0)]  # 70 kg × 0.5 mg/kg over 40 min


def by_time(points):
    return {point.t_min: point for point in points}


def integrate(model: PkModel, weight_kg, infusions, until, dt, method="rk4"):
    """An independent fixed-step integrator of the §6.2 equations: {t: (Cp, Ce)} in ng/mL.

    Infusion boundaries must fall on the step grid; the rate of each step is taken at its midpoint.
    """
    v1 = model.v1_L(weight_kg)

    def derivative(y, r):
        a1, a2, a3, ce = y
        return (
            r - (model.k10 + model.k12 + model.k13) * a1 + model.k21 * a2 + model.k31 * a3,
            model.k12 * a1 - model.k21 * a2,
            model.k13 * a1 - model.k31 * a3,
            model.ke0 * (a1 / v1 - ce),
        )

    def shifted(y, k, h):
        return tuple(a + h * b for a, b in zip(y, k, strict=True))

    y = (0.0, 0.0, 0.0, 0.0)
    out = {}
    steps = round(until / dt)
    for i in range(steps + 1):
        t = i * dt
        out[round(t, 6)] = (y[0] / v1 * 1000, y[3] * 1000)
        middle = t + dt / 2
        r = sum(rate for start, end, rate in infusions if start < middle < end)
        k1 = derivative(y, r)
        if method == "euler":
            y = shifted(y, k1, dt)
            continue
        k2 = derivative(shifted(y, k1, dt / 2), r)
        k3 = derivative(shifted(y, k2, dt / 2), r)
        k4 = derivative(shifted(y, k3, dt), r)
        y = tuple(
            a + dt / 6 * (b + 2 * c + 2 * d + e) for a, b, c, d, e in zip(y, k1, k2, k3, k4, strict=True)
        )
    return out


# --- §6.2 regression fixtures ----------------------------------------------------------------------


@pytest.mark.parametrize("key", list(FIXTURES))
def test_regression_fixtures_of_domain_md_6_2(key):
    # when
    points = by_time(
        simulate_plasma_concentration(model=key, weight_kg=70, infusions=STANDARD_MOOD, until_min=240)
    )

    # then
    for t, expected in zip(FIXTURE_TIMES, FIXTURES[key], strict=True):
        assert points[t].cp_ng_per_mL == pytest.approx(expected, abs=FIXTURE_TOLERANCE_NG_PER_ML), t


@pytest.mark.parametrize("key", list(FIXTURES))
def test_fixtures_are_euler_dt_001_rounded_and_exact_solution_is_within_0_03_ng_per_ml(key):
    model = PK_MODELS[key]
    euler = integrate(model, 70, STANDARD_MOOD, 240, 0.01, method="euler")
    exact = by_time(
        simulate_plasma_concentration(model=key, weight_kg=70, infusions=STANDARD_MOOD, until_min=240)
    )
    for t, expected in zip(FIXTURE_TIMES, FIXTURES[key], strict=True):
        assert round(euler[t][0]) == expected
        assert abs(exact[t].cp_ng_per_mL - euler[t][0]) < 0.03


# --- Independent cross-checks ----------------------------------------------------------------------


@pytest.mark.parametrize("key", list(PK_MODELS))
def test_exact_solution_matches_a_fine_step_runge_kutta_integration(key):
    # given: a loading infusion, a pause, then an off-grid maintenance infusion
    infusions = [(0.0, 10.0, 2.0), (25.25, 95.75, 0.4)]
    model = PK_MODELS[key]

    # when
    exact = simulate_plasma_concentration(
        model=key, weight_kg=82.5, infusions=infusions, until_min=180, step_min=0.25
    )
    rk4 = integrate(model, 82.5, infusions, 180, 0.0025)

    # then
    for point in exact:
        cp, ce = rk4[round(point.t_min, 6)]
        assert point.cp_ng_per_mL == pytest.approx(cp, rel=1e-6, abs=1e-6)
        assert point.ce_ng_per_mL == pytest.approx(ce, rel=1e-6, abs=1e-6)


def test_one_compartment_model_matches_the_analytic_solution():
    # given: no peripheral compartments, so Cp and Ce have textbook closed forms
    k, ke0, v_per_kg, weight, rate, t_end = 0.1, 0.5, 0.5, 60.0, 2.0, 30.0
    one = PkModel(
        key="one",
        name="one compartment",
        citation="test",
        population="test",
        compartments=2,
        v1_L_per_kg=v_per_kg,
        k10=k,
        k12=0.0,
        k21=0.0,
        ke0=ke0,
    )
    v = v_per_kg * weight
    steady = rate / (v * k) * 1000  # ng/mL

    def cp(t):
        if t <= t_end:
            return steady * (1 - math.exp(-k * t))
        return steady * (1 - math.exp(-k * t_end)) * math.exp(-k * (t - t_end))

    def ce_during(t):  # response of the effect site to a first-order rise of Cp
        return steady * (1 - (ke0 * math.exp(-k * t) - k * math.exp(-ke0 * t)) / (ke0 - k))

    # when
    points = simulate_plasma_concentration(
        model=one, weight_kg=weight, infusions=[(0, t_end, rate)], until_min=120, step_min=1
    )

    # then
    for point in points:
        assert point.cp_ng_per_mL == pytest.approx(cp(point.t_min), rel=1e-10, abs=1e-9)
        if point.t_min <= t_end:
            assert point.ce_ng_per_mL == pytest.approx(ce_during(point.t_min), rel=1e-10, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    key=st.sampled_from(list(PK_MODELS)),
    first=st.tuples(st.floats(0, 60), st.floats(1, 60), st.floats(0, 5)),
    second=st.tuples(st.floats(0, 60), st.floats(1, 60), st.floats(0, 5)),
)
def test_superposition_overlapping_infusions_add_up(key, first, second):
    a = (first[0], first[0] + first[1], first[2])
    b = (second[0], second[0] + second[1], second[2])
    run = lambda infusions: simulate_plasma_concentration(  # noqa: E731
        model=key, weight_kg=70, infusions=infusions, until_min=150, step_min=2.5
    )
    together, alone_a, alone_b = run([a, b]), run([a]), run([b])
    for p, q, r in zip(together, alone_a, alone_b, strict=True):
        assert p.cp_ng_per_mL == pytest.approx(q.cp_ng_per_mL + r.cp_ng_per_mL, rel=1e-9, abs=1e-9)
        assert p.ce_ng_per_mL == pytest.approx(q.ce_ng_per_mL + r.ce_ng_per_mL, rel=1e-9, abs=1e-9)


def test_concentration_is_proportional_to_dose_and_inverse_to_weight_scaled_volume():
    single = simulate_plasma_concentration(
        model="domino", weight_kg=70, infusions=STANDARD_MOOD, until_min=60
    )
    double = simulate_plasma_concentration(
        model="domino", weight_kg=70, infusions=[(0, 40, 35 / 20)], until_min=60
    )
    for p, q in zip(single, double, strict=True):
        assert q.cp_ng_per_mL == pytest.approx(2 * p.cp_ng_per_mL, rel=1e-12, abs=1e-12)


def test_plasma_peaks_at_the_end_of_the_infusion_and_effect_site_lags():
    points = simulate_plasma_concentration(
        model="clements250", weight_kg=70, infusions=STANDARD_MOOD, until_min=240
    )
    cp_peak = max(points, key=lambda p: p.cp_ng_per_mL)
    assert cp_peak.t_min == 40
    assert all(p.ce_ng_per_mL <= cp_peak.cp_ng_per_mL for p in points)


# --- The time grid ---------------------------------------------------------------------------------


def test_no_infusion_gives_zero_everywhere():
    points = simulate_plasma_concentration(model="hijazi", weight_kg=70, infusions=[], until_min=10)
    assert all(p.cp_ng_per_mL == 0 and p.ce_ng_per_mL == 0 for p in points)


def test_grid_runs_from_zero_to_until_in_steps():
    points = simulate_plasma_concentration(
        model="domino", weight_kg=70, infusions=STANDARD_MOOD, until_min=240
    )
    assert len(points) == 481
    assert points[0] == (0.0, 0.0, 0.0)
    assert points[1].t_min == 0.5
    assert points[-1].t_min == 240


def test_until_not_a_multiple_of_the_step_still_ends_at_until():
    points = simulate_plasma_concentration(
        model="domino", weight_kg=70, infusions=STANDARD_MOOD, until_min=10.25, step_min=1
    )
    assert [p.t_min for p in points][-2:] == [10, 10.25]


def test_infusion_ending_a_hair_before_a_grid_time_keeps_every_grid_point():
    # 0 + 14.999999999999993 is what float addition can give for "15 min"
    points = simulate_plasma_concentration(
        model="domino", weight_kg=70, infusions=[(0.0, 14.999999999999993, 1.0)], until_min=30
    )
    reference = simulate_plasma_concentration(
        model="domino", weight_kg=70, infusions=[(0.0, 15.0, 1.0)], until_min=30
    )
    assert [p.t_min for p in points] == [p.t_min for p in reference]
    for p, q in zip(points, reference, strict=True):
        assert p.cp_ng_per_mL == pytest.approx(q.cp_ng_per_mL, rel=1e-9)


def test_infusion_boundary_between_grid_times_is_respected():
    # An infusion ending at 10.2 min with a 0.5 min grid: the exact answer at 10.5 min is the
    # 10.2 min state left to decay for 0.3 min, which a coarse stepper would get wrong.
    points = by_time(
        simulate_plasma_concentration(model="hijazi", weight_kg=70, infusions=[(0, 10.2, 1.0)], until_min=11)
    )
    fine = by_time(
        simulate_plasma_concentration(
            model="hijazi", weight_kg=70, infusions=[(0, 10.2, 1.0)], until_min=11, step_min=0.1
        )
    )
    assert points[10.5].cp_ng_per_mL == pytest.approx(fine[10.5].cp_ng_per_mL, rel=1e-12)


def test_points_unpack_as_plain_tuples():
    t, cp, ce = simulate_plasma_concentration(
        model="domino", weight_kg=70, infusions=STANDARD_MOOD, until_min=1
    )[-1]
    assert t == 1 and cp > 0 and ce > 0


def test_infusion_segments_for_a_plan_dose():
    segments = infusion_segments_for_dose(dose_mg=D("35"), duration_min=D("40"))
    assert segments == [InfusionSegment(0.0, 40.0, 0.875)]
    points = by_time(
        simulate_plasma_concentration(model="domino", weight_kg=D("70"), infusions=segments, until_min=40)
    )
    assert points[40].cp_ng_per_mL == pytest.approx(240, abs=0.5)


def test_infusion_segments_for_dose_refuses_zero_duration():
    with pytest.raises(CalculationInputError) as exc:
        infusion_segments_for_dose(dose_mg=D("35"), duration_min=D("0"))
    assert exc.value.field == "duration_min"


# --- Validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"model": "marsh"}, "model"),
        ({"weight_kg": 10}, "weight_kg"),
        ({"weight_kg": float("nan")}, "weight_kg"),
        ({"until_min": 0}, "until_min"),
        ({"until_min": 20000}, "until_min"),
        ({"step_min": 0}, "step_min"),
        ({"step_min": 0.001}, "step_min"),  # too many points
        ({"infusions": [(10, 5, 1)]}, "infusions"),  # ends before it starts
        ({"infusions": [(-1, 5, 1)]}, "infusions"),
        ({"infusions": [(0, 5, -1)]}, "infusions"),
        ({"infusions": [(0, 5)]}, "infusions"),
        ({"infusions": [(0, 5, "fast")]}, "infusions"),
        ({"infusions": [(0, 1, 0.1)] * 1001}, "infusions"),
    ],
)
def test_invalid_simulation_input_names_the_field(overrides, field):
    arguments = dict(model="domino", weight_kg=70, infusions=STANDARD_MOOD, until_min=60)
    arguments.update(overrides)
    with pytest.raises(CalculationInputError) as exc:
        simulate_plasma_concentration(**arguments)
    assert exc.value.field == field


# --- Registry and reference ranges -----------------------------------------------------------------


def test_registry_parameters_are_exactly_those_of_domain_md_6_1():
    table = {
        "domino": (3, 0.063, 0.4381, 0.5921, 0.2470, 0.5900, 0.0146, 0.652),
        "clements250": (2, 1.7522, 0.0109, 0.0186, 0.0137, 0.0, 0.0, 5.2),
        "hijazi": (2, 1.08, 0.0333, 0.0088, 0.0030, 0.0, 0.0, 4.773),
    }
    assert set(PK_MODELS) == set(table)
    for key, expected in table.items():
        m = PK_MODELS[key]
        assert (m.compartments, m.v1_L_per_kg, m.k10, m.k12, m.k21, m.k13, m.k31, m.ke0) == expected
        # the order page shows the published model, not where its parameters were read
        assert m.name and m.population and m.citation
        for shown in (m.name, m.citation, m.population, m.notes):
            assert clinician_source(shown) == shown and "opentiva" not in shown


def test_pk_model_get():
    assert pk_model_get("hijazi") is PK_MODELS["hijazi"]
    with pytest.raises(CalculationInputError) as exc:
        pk_model_get("schnider")
    assert "domino, clements250, hijazi" in exc.value.message


def test_reference_concentrations_of_domain_md_6_3():
    ranges = {r.key: (r.low_ng_per_mL, r.high_ng_per_mL) for r in REFERENCE_CONCENTRATIONS}
    assert ranges == {
        "antidepressant_peak": (185.0, 185.0),
        "dissociation": (100.0, 250.0),
        "analgesia": (70.0, 160.0),
    }
    assert all(r.source.startswith("Zanos 2018") for r in REFERENCE_CONCENTRATIONS)
    assert all(clinician_source(r.source) == r.source for r in REFERENCE_CONCENTRATIONS)
    assert ng_per_mL_to_micromolar(185) == pytest.approx(0.78, abs=0.005)


# --- Matrix exponential ----------------------------------------------------------------------------


def test_expm_of_a_diagonal_matrix():
    result = expm([[-0.5, 0.0], [0.0, 2.0]])
    assert result[0][0] == pytest.approx(math.exp(-0.5), rel=1e-14)
    assert result[1][1] == pytest.approx(math.exp(2.0), rel=1e-14)
    assert result[0][1] == 0 and result[1][0] == 0


def test_expm_of_a_nilpotent_matrix():
    result = expm([[0.0, 1.0], [0.0, 0.0]])
    assert result == [[1.0, 1.0], [0.0, 1.0]]


@pytest.mark.parametrize("angle", [0.3, 10.0, 100.0])
def test_expm_of_a_rotation_generator_uses_scaling_and_squaring(angle):
    result = expm([[0.0, -angle], [angle, 0.0]])
    assert result[0][0] == pytest.approx(math.cos(angle), abs=1e-11)
    assert result[1][0] == pytest.approx(math.sin(angle), abs=1e-11)

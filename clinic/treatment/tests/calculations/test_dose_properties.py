"""Property-based tests of the infusion calculator: the safety properties hold for any inputs.

Expected values are recomputed here with exact rationals from the raw inputs, independently of the
calculator's own arithmetic.
"""

from decimal import Decimal as D
from fractions import Fraction as F

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clinic.treatment.calculations.dose import (
    MAX_IV_CONC_MG_PER_ML,
    DoseMode,
    ProtocolLimits,
    infusion_plan_calculate,
)
from clinic.treatment.calculations.problems import ProblemCode

STOCKED = (D("10"), D("50"), D("100"))
# Outputs carry 6 decimal places: a product of two rounded outputs may be off by this much per unit.
ROUNDING = F(1, 10**6)


def decimals(low: str, high: str, places: int):
    return st.decimals(
        min_value=D(low), max_value=D(high), places=places, allow_nan=False, allow_infinity=False
    )


@st.composite
def limits_strategy(draw):
    usual = sorted(draw(st.lists(decimals("0.05", "3", 2), min_size=2, max_size=2)))
    durations = sorted(draw(st.lists(st.integers(2, 600), min_size=2, max_size=2)))
    return ProtocolLimits(
        max_mg_per_kg_per_session=draw(decimals("0.1", "10", 2)),
        max_mg_per_kg_per_hour=draw(decimals("0.1", "10", 2)),
        max_total_mg_per_session=draw(decimals("5", "3000", 1)),
        usual_low_mg_per_kg=usual[0],
        usual_high_mg_per_kg=usual[1],
        min_duration_min=D(durations[0]),
        max_duration_min=D(durations[1]),
    )


@st.composite
def calculator_inputs(draw):
    mode = draw(st.sampled_from(list(DoseMode)))
    per_kg = draw(decimals("0.01", "10", 3))
    return dict(
        mode=mode,
        dose_mg_per_kg=per_kg if mode == DoseMode.FIXED_DOSE_OVER_TIME else None,
        mg_per_kg_per_h=per_kg if mode == DoseMode.RATE_PER_HOUR else None,
        dosing_weight_kg=draw(decimals("20", "350", 1)),
        duration_min=draw(st.one_of(st.integers(2, 600).map(D), decimals("2", "600", 1))),
        vial_conc_mg_per_mL=draw(st.sampled_from(STOCKED)),
        stocked_vial_concs_mg_per_mL=STOCKED,
        drug_mg_added=draw(decimals("1", "5000", 1)),
        diluent_volume_mL=draw(decimals("0.5", "3000", 1)),
        limits=draw(limits_strategy()),
        pump_resolution_mL_per_h=draw(st.sampled_from([D("0.01"), D("0.1"), D("0.5"), D("1")])),
        pump_max_rate_mL_per_h=draw(decimals("1", "2000", 0)),
    )


@st.composite
def plausible_inputs(draw):
    """Inputs a prescriber might enter: a bag that holds the dose, limits at or near the dose.

    The limits are the dose times a factor in [0.8, 1.5] (exactly 1 often), so plans right at a
    maximum, and just over it, are both common.
    """
    inputs = draw(calculator_inputs())
    weight = F(inputs["dosing_weight_kg"])
    hours = F(inputs["duration_min"]) / 60
    dose = prescribed_dose(inputs)
    assume(dose <= 2500)
    target_conc = draw(st.sampled_from([F(1, 2), F(1), F(2), F(5)]))
    drug = D(int(dose * draw(st.sampled_from([F(1), F(3, 2), F(3)]))) + 1)
    drug = min(drug, D(5000))
    vial = F(inputs["vial_conc_mg_per_mL"])
    diluent = max(F(drug) / target_conc - F(drug) / vial, F(1))
    inputs["drug_mg_added"] = drug
    inputs["diluent_volume_mL"] = D(int(diluent * 10)) / 10 + D("0.1")
    inputs["pump_max_rate_mL_per_h"] = D("2000")

    def near(value: F) -> D:
        factor = draw(st.sampled_from([F(1), F(1), F(4, 5), F(99, 100), F(101, 100), F(3, 2)]))
        return D((value * factor).numerator) / D((value * factor).denominator)

    inputs["limits"] = ProtocolLimits(
        **{
            **inputs["limits"].__dict__,
            "max_mg_per_kg_per_session": near(dose / weight),
            "max_mg_per_kg_per_hour": near(dose / weight / hours),
            "max_total_mg_per_session": near(dose),
            "min_duration_min": D(2),
            "max_duration_min": D(600),
        }
    )
    return inputs


def prescribed_dose(inputs) -> F:
    """dose_mg from the raw inputs (domain.md §1.6), exactly."""
    weight = F(inputs["dosing_weight_kg"])
    if inputs["mode"] == DoseMode.FIXED_DOSE_OVER_TIME:
        return F(inputs["dose_mg_per_kg"]) * weight
    return F(inputs["mg_per_kg_per_h"]) * weight * F(inputs["duration_min"]) / 60


def bag_concentration(inputs) -> F:
    drug = F(inputs["drug_mg_added"])
    return drug / (F(inputs["diluent_volume_mL"]) + drug / F(inputs["vial_conc_mg_per_mL"]))


@settings(max_examples=500, deadline=None)
@given(inputs=plausible_inputs() | calculator_inputs())
def test_a_plan_never_delivers_more_than_any_protocol_maximum(inputs):
    result = infusion_plan_calculate(**inputs)
    if result.plan is None:
        assert result.hard_stops
        return
    plan, limits = result.plan, inputs["limits"]
    delivered = F(plan.delivered_dose_mg)
    weight = F(inputs["dosing_weight_kg"])
    hours = F(inputs["duration_min"]) / 60
    assert delivered <= F(limits.max_total_mg_per_session)
    assert delivered <= F(limits.max_mg_per_kg_per_session) * weight
    assert delivered / hours <= F(limits.max_mg_per_kg_per_hour) * weight
    assert delivered <= prescribed_dose(inputs)
    assert delivered <= F(inputs["drug_mg_added"])
    assert F(plan.bag_conc_mg_per_mL) <= F(MAX_IV_CONC_MG_PER_ML)
    assert F(plan.rate_mL_per_h) <= F(inputs["pump_max_rate_mL_per_h"])
    assert F(plan.rate_mL_per_h) >= F(inputs["pump_resolution_mL_per_h"])


@settings(max_examples=300, deadline=None)
@given(inputs=calculator_inputs())
def test_hard_stops_match_an_independent_check_of_the_limits(inputs):
    result = infusion_plan_calculate(**inputs)
    found = {problem.code for problem in result.hard_stops}
    limits = inputs["limits"]
    dose = prescribed_dose(inputs)
    weight = F(inputs["dosing_weight_kg"])
    hours = F(inputs["duration_min"]) / 60
    assert (ProblemCode.OVER_MAX_TOTAL_MG_PER_SESSION in found) == (dose > F(limits.max_total_mg_per_session))
    assert (ProblemCode.OVER_MAX_MG_PER_KG_PER_SESSION in found) == (
        dose > F(limits.max_mg_per_kg_per_session) * weight
    )
    assert (ProblemCode.OVER_MAX_MG_PER_KG_PER_HOUR in found) == (
        dose / hours > F(limits.max_mg_per_kg_per_hour) * weight
    )
    assert (ProblemCode.INSUFFICIENT_DRUG_IN_BAG in found) == (dose > F(inputs["drug_mg_added"]))
    assert (ProblemCode.UNDILUTED_CONCENTRATION in found) == (
        bag_concentration(inputs) > F(MAX_IV_CONC_MG_PER_ML)
    )
    assert (result.plan is None) == bool(found)


@settings(max_examples=300, deadline=None)
@given(inputs=calculator_inputs())
def test_milligrams_and_millilitres_stay_consistent(inputs):
    result = infusion_plan_calculate(**inputs)
    plan = result.draft
    assert plan is not None  # the generated inputs are always valid
    conc = F(plan.bag_conc_mg_per_mL)
    volume = F(plan.volume_to_infuse_mL)
    tolerance = ROUNDING * (conc + volume + 2)
    # volume × concentration == dose
    assert abs(volume * conc - F(plan.dose_mg)) <= tolerance
    assert abs(F(plan.delivered_volume_mL) * conc - F(plan.delivered_dose_mg)) <= ROUNDING * (
        conc + F(plan.delivered_volume_mL) + 2
    )
    # the bag: drug volume × vial concentration == drug added; final = diluent + drug volume
    assert F(plan.drug_volume_mL) * F(plan.vial_conc_mg_per_mL) == F(plan.drug_mg_added)
    assert plan.final_bag_volume_mL == plan.diluent_volume_mL + plan.drug_volume_mL
    assert abs(F(plan.drug_mg_added) / F(plan.final_bag_volume_mL) - conc) <= ROUNDING
    # rate × duration == volume
    hours = F(plan.duration_min) / 60
    assert abs(F(plan.rate_exact_mL_per_h) * hours - volume) <= ROUNDING * (hours + 1)
    assert abs(F(plan.rate_mL_per_h) * hours - F(plan.delivered_volume_mL)) <= ROUNDING
    # the dose matches an independent computation from the raw inputs
    assert abs(F(plan.dose_mg) - prescribed_dose(inputs)) <= ROUNDING


@settings(max_examples=300, deadline=None)
@given(inputs=calculator_inputs())
def test_rounding_changes_the_dose_by_at_most_resolution_times_duration_times_concentration(inputs):
    plan = infusion_plan_calculate(**inputs).draft
    resolution = F(plan.pump_resolution_mL_per_h)
    rate, exact = F(plan.rate_mL_per_h), F(plan.rate_exact_mL_per_h)
    # the pump rate is a multiple of the resolution, rounded down
    assert (rate / resolution).denominator == 1
    assert rate <= exact + ROUNDING
    assert exact - rate < resolution + ROUNDING
    shortfall = F(plan.dose_mg) - F(plan.delivered_dose_mg)
    bound = resolution * F(plan.duration_min) / 60 * F(plan.bag_conc_mg_per_mL)
    assert -ROUNDING <= shortfall <= bound + 2 * ROUNDING


@st.composite
def violating_inputs(draw):
    """Valid inputs changed so that exactly the named rule must be broken."""
    inputs = draw(calculator_inputs())
    violation = draw(
        st.sampled_from(
            [
                "over_session_max",
                "over_total_max",
                "not_stocked",
                "insufficient_drug",
                "undiluted",
                "bad_weight",
                "pump_too_slow",
            ]
        )
    )
    limits = inputs["limits"]
    if violation == "over_session_max":
        per_kg_session = prescribed_dose(inputs) / F(inputs["dosing_weight_kg"])
        cap = D(int(per_kg_session * 500)) / 1000  # half the dose, 3 decimal places
        assume(cap > 0)
        inputs["limits"] = ProtocolLimits(**{**limits.__dict__, "max_mg_per_kg_per_session": cap})
        expected = ProblemCode.OVER_MAX_MG_PER_KG_PER_SESSION
    elif violation == "over_total_max":
        cap = D(int(prescribed_dose(inputs))) - 1
        assume(cap > 0)
        inputs["limits"] = ProtocolLimits(**{**limits.__dict__, "max_total_mg_per_session": cap})
        expected = ProblemCode.OVER_MAX_TOTAL_MG_PER_SESSION
    elif violation == "not_stocked":
        inputs["vial_conc_mg_per_mL"] = draw(st.sampled_from([D("1"), D("25"), D("200")]))
        expected = ProblemCode.VIAL_NOT_STOCKED
    elif violation == "insufficient_drug":
        dose = prescribed_dose(inputs)
        assume(dose > 1)
        inputs["drug_mg_added"] = D(int(dose * 9)) / 10  # 90 % of the dose, 1 decimal place
        assume(0 < inputs["drug_mg_added"] <= 5000)
        expected = ProblemCode.INSUFFICIENT_DRUG_IN_BAG
    elif violation == "undiluted":
        inputs["vial_conc_mg_per_mL"] = D("100")
        inputs["drug_mg_added"] = draw(decimals("100", "5000", 0))
        drug_volume = inputs["drug_mg_added"] / 100
        # less than an equal volume of diluent
        inputs["diluent_volume_mL"] = (drug_volume * draw(decimals("0.01", "0.99", 2))).quantize(D("0.01"))
        assume(inputs["diluent_volume_mL"] > 0)
        expected = ProblemCode.UNDILUTED_CONCENTRATION
    elif violation == "bad_weight":
        inputs["dosing_weight_kg"] = draw(st.sampled_from([D("0"), D("19.9"), D("351"), D("-70")]))
        expected = ProblemCode.INVALID_INPUT
    else:
        inputs["pump_max_rate_mL_per_h"] = D("1")
        inputs["pump_resolution_mL_per_h"] = D("0.01")
        plan = infusion_plan_calculate(**inputs).draft
        assume(plan.rate_exact_mL_per_h > 1)
        expected = ProblemCode.RATE_ABOVE_PUMP_MAXIMUM
    return inputs, expected


@settings(max_examples=400, deadline=None)
@given(case=violating_inputs())
def test_hard_stop_inputs_never_produce_a_plan(case):
    inputs, expected = case
    result = infusion_plan_calculate(**inputs)
    assert result.plan is None
    assert expected in {problem.code for problem in result.hard_stops}

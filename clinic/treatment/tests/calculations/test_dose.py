"""The infusion calculator: §1.6 worked examples, each formula, each hard stop and each warning."""

from decimal import Decimal as D

import pytest

from clinic.core.sources import clinician_source
from clinic.treatment.calculations import problems as p
from clinic.treatment.calculations.dose import (
    MAX_IV_CONC_MG_PER_ML,
    DoseMode,
    ProtocolLimits,
    infusion_plan_calculate,
)
from clinic.treatment.calculations.problems import ProblemCode, Severity

STOCKED = (D("10"), D("50"), D("100"))

MOOD_LIMITS = ProtocolLimits(
    max_mg_per_kg_per_session=D("1.0"),
    max_mg_per_kg_per_hour=D("2"),
    max_total_mg_per_session=D("100"),
    usual_low_mg_per_kg=D("0.1"),  # §1.1
    usual_high_mg_per_kg=D("1.0"),
    min_duration_min=D("20"),
    max_duration_min=D("100"),
)
PAIN_LIMITS = ProtocolLimits(
    max_mg_per_kg_per_session=D("8"),
    max_mg_per_kg_per_hour=D("2"),
    max_total_mg_per_session=D("1000"),
    usual_low_mg_per_kg=D("0.5"),  # §1.4
    usual_high_mg_per_kg=D("2"),
    min_duration_min=D("30"),
    max_duration_min=D("600"),
)


def mood(**overrides):
    """The §1.6 mood example: 70 kg × 0.5 mg/kg over 40 min, 50 mg in 50 mL total (1 mg/mL)."""
    arguments = dict(
        mode=DoseMode.FIXED_DOSE_OVER_TIME,
        dose_mg_per_kg=D("0.5"),
        dosing_weight_kg=D("70"),
        duration_min=D("40"),
        vial_conc_mg_per_mL=D("10"),
        stocked_vial_concs_mg_per_mL=STOCKED,
        drug_mg_added=D("50"),
        diluent_volume_mL=D("45"),
        limits=MOOD_LIMITS,
    )
    arguments.update(overrides)
    return infusion_plan_calculate(**arguments)


def pain(**overrides):
    """The §1.6 pain example: 80 kg × 0.5 mg/kg/h for 4 h, 500 mg in 500 mL total (1 mg/mL)."""
    arguments = dict(
        mode=DoseMode.RATE_PER_HOUR,
        mg_per_kg_per_h=D("0.5"),
        dosing_weight_kg=D("80"),
        duration_min=D("240"),
        vial_conc_mg_per_mL=D("50"),
        stocked_vial_concs_mg_per_mL=STOCKED,
        drug_mg_added=D("500"),
        diluent_volume_mL=D("490"),
        limits=PAIN_LIMITS,
    )
    arguments.update(overrides)
    return infusion_plan_calculate(**arguments)


def codes(result):
    return {problem.code for problem in result.problems}


def only(result, code):
    [problem] = [problem for problem in result.problems if problem.code == code]
    return problem


# --- Worked examples (domain.md §1.6) -------------------------------------------------------------


def test_mood_worked_example():
    # when
    result = mood()

    # then
    assert result.ok
    assert result.hard_stops == () and result.warnings == ()
    plan = result.plan
    assert plan.dose_mg == D("35")
    assert plan.drug_volume_mL == D("5")
    assert plan.final_bag_volume_mL == D("50")
    assert plan.bag_conc_mg_per_mL == D("1")
    assert plan.volume_to_infuse_mL == D("35")
    assert plan.rate_exact_mL_per_h == D("52.5")
    assert plan.rate_mL_per_h == D("52.5")
    assert plan.delivered_volume_mL == D("35")
    assert plan.delivered_dose_mg == D("35")
    assert plan.duration_min == D("40")
    assert plan.mg_per_kg_per_h == D("0.75")
    assert plan.hourly_dose_mg == D("52.5")
    assert plan.working[0] == "Dose = 0.5 mg/kg × 70 kg = 35 mg."
    assert "52.5 mL/h" in plan.working[4]


def test_pain_worked_example():
    # when
    result = pain()

    # then: 40 mg/h, 1 mg/mL → 40 mL/h; 4 h → 160 mg (≥ 80 mg over > 2 h, so no warning)
    assert result.ok
    assert result.problems == ()
    plan = result.plan
    assert plan.hourly_dose_mg == D("40")
    assert plan.rate_mL_per_h == D("40")
    assert plan.dose_mg == D("160")
    assert plan.delivered_dose_mg == D("160")
    assert plan.bag_conc_mg_per_mL == D("1")
    assert plan.final_bag_volume_mL == D("500")
    assert plan.dose_mg_per_kg == D("2")
    assert plan.working[0] == "Dose = 0.5 mg/kg/h × 80 kg = 40 mg/h × 240 min ÷ 60 = 160 mg."


def test_label_recipe_500mg_in_500ml_is_not_exactly_1mg_per_ml():
    # The label's "10 mL of 50 mg/mL into 500 mL → 1 mg/mL" is 500 mg in 510 mL = 0.980392 mg/mL:
    # the calculator uses the final volume (diluent + drug), as domain.md §1.6 says.
    plan = mood(vial_conc_mg_per_mL=D("50"), drug_mg_added=D("500"), diluent_volume_mL=D("500")).plan
    assert plan.final_bag_volume_mL == D("510")
    assert plan.bag_conc_mg_per_mL == D("0.980392")
    assert plan.volume_to_infuse_mL == D("35.7")  # 35 mg × 510/500
    assert plan.rate_exact_mL_per_h == D("53.55")
    assert plan.rate_mL_per_h == D("53.5")


# --- Rounding rule ---------------------------------------------------------------------------------


def test_rate_is_rounded_down_not_half_even():
    # 70.1 kg × 0.5 = 35.05 mg → 52.575 mL/h → pump 52.5 (half-even would give 52.6)
    plan = mood(dosing_weight_kg=D("70.1")).plan
    assert plan.rate_exact_mL_per_h == D("52.575")
    assert plan.rate_mL_per_h == D("52.5")
    assert plan.dose_mg == D("35.05")
    assert plan.delivered_dose_mg == D("35")
    assert plan.delivered_volume_mL == D("35")


def test_rate_exactly_halfway_is_still_rounded_down():
    # 107 kg × 0.5 mg/kg/h at 1 mg/mL = 53.5 mL/h; a 1 mL/h pump gets 53 (half-even or half-up: 54)
    plan = pain(dosing_weight_kg=D("107"), pump_resolution_mL_per_h=D("1")).plan
    assert plan.rate_exact_mL_per_h == D("53.5")
    assert plan.rate_mL_per_h == D("53")
    assert plan.delivered_dose_mg == D("212")  # 53 mL/h × 4 h × 1 mg/mL, not 214


def test_rate_already_on_the_resolution_is_unchanged():
    plan = mood(pump_resolution_mL_per_h=D("0.5")).plan
    assert plan.rate_mL_per_h == D("52.5")
    assert plan.delivered_dose_mg == plan.dose_mg


def test_rounding_shortfall_is_at_most_resolution_times_duration_times_concentration():
    plan = mood(dosing_weight_kg=D("70.1")).plan
    bound = plan.pump_resolution_mL_per_h * plan.duration_min / 60 * plan.bag_conc_mg_per_mL
    assert D(0) <= plan.dose_mg - plan.delivered_dose_mg <= bound


# --- Hard stops ------------------------------------------------------------------------------------


def test_hard_stop_vial_not_stocked():
    result = mood(vial_conc_mg_per_mL=D("25"), drug_mg_added=D("50"))
    assert result.plan is None
    problem = only(result, ProblemCode.VIAL_NOT_STOCKED)
    assert problem.severity == Severity.HARD_STOP
    assert problem.field == "vial_conc_mg_per_mL"
    assert problem.message == p.VIAL_NOT_STOCKED_MESSAGE.format(vial="25", stocked="10, 50, 100")


def test_hard_stop_vial_not_stocked_when_nothing_is_stocked():
    result = mood(stocked_vial_concs_mg_per_mL=())
    assert "stocked: none" in only(result, ProblemCode.VIAL_NOT_STOCKED).message


def test_stocked_comparison_ignores_trailing_zeros():
    assert mood(vial_conc_mg_per_mL=D("10.00")).ok


@pytest.mark.parametrize("duration", [D("19"), D("101")])
def test_hard_stop_duration_outside_protocol(duration):
    result = mood(duration_min=duration, dose_mg_per_kg=D("0.2"))
    assert result.plan is None
    problem = only(result, ProblemCode.DURATION_OUTSIDE_PROTOCOL)
    assert problem.field == "duration_min"
    assert problem.message == p.DURATION_OUTSIDE_PROTOCOL_MESSAGE.format(
        duration=duration, low="20", high="100"
    )


def test_protocol_duration_bounds_are_inclusive():
    assert mood(duration_min=D("20"), dose_mg_per_kg=D("0.2")).ok
    assert mood(duration_min=D("100")).ok


def test_hard_stop_over_max_mg_per_kg_per_session():
    result = mood(dose_mg_per_kg=D("1.1"), drug_mg_added=D("100"), diluent_volume_mL=D("90"))
    assert result.plan is None
    problem = only(result, ProblemCode.OVER_MAX_MG_PER_KG_PER_SESSION)
    assert problem.field == "dose_mg_per_kg"
    assert problem.message == p.OVER_MAX_PER_KG_SESSION_MESSAGE.format(value="1.1", limit="1")
    assert problem.reason == p.REASON_MAX_PER_KG


def test_dose_exactly_at_the_maximum_is_allowed():
    result = mood(dose_mg_per_kg=D("1.0"), drug_mg_added=D("100"), diluent_volume_mL=D("90"))
    assert result.ok
    assert result.plan.delivered_dose_mg == D("70")


def test_hard_stop_over_max_mg_per_kg_per_session_in_pain_mode():
    # 2 mg/kg/h for 5 h = 10 mg/kg > 8
    result = pain(mg_per_kg_per_h=D("2"), duration_min=D("300"), drug_mg_added=D("1000"))
    problem = only(result, ProblemCode.OVER_MAX_MG_PER_KG_PER_SESSION)
    assert problem.field == "mg_per_kg_per_h"


def test_hard_stop_over_max_mg_per_kg_per_hour_in_pain_mode():
    result = pain(mg_per_kg_per_h=D("2.5"), duration_min=D("60"))
    assert result.plan is None
    problem = only(result, ProblemCode.OVER_MAX_MG_PER_KG_PER_HOUR)
    assert problem.field == "mg_per_kg_per_h"
    assert problem.message == p.OVER_MAX_PER_KG_HOUR_MESSAGE.format(value="2.5", limit="2")


def test_hard_stop_over_max_mg_per_kg_per_hour_when_a_mood_dose_is_given_too_fast():
    # 0.5 mg/kg in 10 min = 3 mg/kg/h; the duration is to blame
    limits = ProtocolLimits(**{**MOOD_LIMITS.__dict__, "min_duration_min": D("2")})
    result = mood(duration_min=D("10"), limits=limits)
    problem = only(result, ProblemCode.OVER_MAX_MG_PER_KG_PER_HOUR)
    assert problem.field == "duration_min"
    assert "3 mg/kg/h" in problem.message


def test_hard_stop_over_max_total_mg_per_session():
    # 150 kg × 0.75 mg/kg = 112.5 mg > 100 mg
    result = mood(
        dosing_weight_kg=D("150"),
        dose_mg_per_kg=D("0.75"),
        vial_conc_mg_per_mL=D("50"),
        drug_mg_added=D("500"),
        diluent_volume_mL=D("490"),
    )
    assert result.plan is None
    problem = only(result, ProblemCode.OVER_MAX_TOTAL_MG_PER_SESSION)
    assert problem.message == p.OVER_MAX_TOTAL_MESSAGE.format(value="112.5", limit="100")
    assert problem.field == "dose_mg_per_kg"


def test_hard_stop_undiluted_100mg_per_ml():
    # 500 mg of 100 mg/mL (5 mL) + 4 mL diluent = 55.6 mg/mL: less than an equal volume
    result = mood(vial_conc_mg_per_mL=D("100"), drug_mg_added=D("500"), diluent_volume_mL=D("4"))
    assert result.plan is None
    problem = only(result, ProblemCode.UNDILUTED_CONCENTRATION)
    assert problem.field == "diluent_volume_mL"
    assert problem.message == p.UNDILUTED_MESSAGE.format(value="55.556", limit="50")
    assert problem.reason == p.REASON_UNDILUTED
    assert ProblemCode.BAG_CONCENTRATION_ABOVE_USUAL not in codes(result)


def test_equal_volume_dilution_of_100mg_per_ml_is_not_a_hard_stop_but_warns():
    # 5 mL of 100 mg/mL + 5 mL = 50 mg/mL, the label's minimum dilution
    result = mood(vial_conc_mg_per_mL=D("100"), drug_mg_added=D("500"), diluent_volume_mL=D("5"))
    assert ProblemCode.UNDILUTED_CONCENTRATION not in codes(result)
    assert ProblemCode.BAG_CONCENTRATION_ABOVE_USUAL in codes(result)
    assert result.draft.bag_conc_mg_per_mL == MAX_IV_CONC_MG_PER_ML


def test_undiluted_vial_is_refused_by_validation():
    result = mood(vial_conc_mg_per_mL=D("100"), drug_mg_added=D("500"), diluent_volume_mL=D("0"))
    assert result.plan is None
    assert only(result, ProblemCode.INVALID_INPUT).field == "diluent_volume_mL"


def test_hard_stop_bag_does_not_hold_the_dose():
    result = mood(drug_mg_added=D("30"), diluent_volume_mL=D("27"))
    assert result.plan is None
    problem = only(result, ProblemCode.INSUFFICIENT_DRUG_IN_BAG)
    assert problem.field == "drug_mg_added"
    assert problem.message == p.INSUFFICIENT_DRUG_MESSAGE.format(bag="30", dose="35")


def test_bag_holding_exactly_the_dose_is_allowed():
    assert mood(drug_mg_added=D("35"), diluent_volume_mL=D("31.5")).ok


def test_hard_stop_rate_below_pump_resolution():
    # 20 kg × 0.1 mg/kg = 2 mg at 50 mg/mL over 100 min = 0.024 mL/h
    result = mood(
        dosing_weight_kg=D("20"),
        dose_mg_per_kg=D("0.1"),
        duration_min=D("100"),
        vial_conc_mg_per_mL=D("100"),
        drug_mg_added=D("500"),
        diluent_volume_mL=D("5"),
    )
    assert result.plan is None
    problem = only(result, ProblemCode.RATE_BELOW_PUMP_RESOLUTION)
    assert problem.message == p.RATE_BELOW_RESOLUTION_MESSAGE.format(rate="0.024", resolution="0.1")
    assert result.draft.rate_mL_per_h == D("0")
    assert result.draft.delivered_dose_mg == D("0")
    assert ProblemCode.ROUNDING_REDUCES_DOSE not in codes(result)


def test_hard_stop_rate_above_pump_maximum():
    result = mood(pump_max_rate_mL_per_h=D("50"))
    assert result.plan is None
    problem = only(result, ProblemCode.RATE_ABOVE_PUMP_MAXIMUM)
    assert problem.message == p.RATE_ABOVE_MAXIMUM_MESSAGE.format(rate="52.5", limit="50")


def test_rate_equal_to_pump_maximum_is_allowed():
    assert mood(pump_max_rate_mL_per_h=D("52.5")).ok


def test_hard_stops_keep_the_draft_numbers_for_display():
    result = mood(pump_max_rate_mL_per_h=D("50"))
    assert result.plan is None
    assert result.draft.rate_mL_per_h == D("52.5")


def test_several_hard_stops_are_reported_together():
    result = mood(dose_mg_per_kg=D("2"), vial_conc_mg_per_mL=D("25"), drug_mg_added=D("50"))
    assert {
        ProblemCode.VIAL_NOT_STOCKED,
        ProblemCode.OVER_MAX_MG_PER_KG_PER_SESSION,
        ProblemCode.OVER_MAX_TOTAL_MG_PER_SESSION,
        ProblemCode.INSUFFICIENT_DRUG_IN_BAG,
    } <= codes(result)


# --- Warnings --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dose", [D("0.05"), D("0.09")])
def test_warning_mood_dose_below_usual_range(dose):
    result = mood(dose_mg_per_kg=dose)
    assert result.ok
    problem = only(result, ProblemCode.DOSE_OUTSIDE_USUAL_RANGE)
    assert problem.severity == Severity.WARNING
    assert problem.field == "dose_mg_per_kg"
    assert problem.message == p.DOSE_OUTSIDE_USUAL_MESSAGE.format(
        what="Dose", value=f"{dose:f}", unit="mg/kg", low="0.1", high="1"
    )
    assert problem.reason == p.REASON_USUAL_MOOD
    assert result.plan.warnings == result.warnings


def test_warning_mood_dose_above_usual_range_but_within_maximum():
    limits = ProtocolLimits(**{**MOOD_LIMITS.__dict__, "max_mg_per_kg_per_session": D("1.5")})
    result = mood(dose_mg_per_kg=D("1.2"), limits=limits, drug_mg_added=D("100"), diluent_volume_mL=D("90"))
    assert result.ok
    assert codes(result) == {ProblemCode.DOSE_OUTSIDE_USUAL_RANGE}


@pytest.mark.parametrize("dose", [D("0.1"), D("1.0")])
def test_usual_range_bounds_are_inclusive(dose):
    result = mood(dose_mg_per_kg=dose, drug_mg_added=D("100"), diluent_volume_mL=D("90"))
    assert ProblemCode.DOSE_OUTSIDE_USUAL_RANGE not in codes(result)


def test_warning_pain_rate_outside_usual_range():
    result = pain(mg_per_kg_per_h=D("0.3"), duration_min=D("480"))
    problem = only(result, ProblemCode.DOSE_OUTSIDE_USUAL_RANGE)
    assert problem.message == p.DOSE_OUTSIDE_USUAL_MESSAGE.format(
        what="Rate", value="0.3", unit="mg/kg/h", low="0.5", high="2"
    )
    assert problem.reason == p.REASON_USUAL_PAIN


def test_warning_pain_total_below_80mg():
    # 30 kg × 0.5 mg/kg/h × 4 h = 60 mg
    result = pain(dosing_weight_kg=D("30"))
    assert result.ok
    problem = only(result, ProblemCode.PAIN_BELOW_DOSE_RESPONSE)
    assert problem.message == p.PAIN_DOSE_RESPONSE_MESSAGE.format(
        dose="60", duration="240", min_total="80", min_duration="120"
    )
    assert problem.reason == p.REASON_PAIN_DOSE_RESPONSE


def test_warning_pain_duration_of_exactly_2_hours():
    # 80 mg but not over MORE than 2 h
    result = pain(duration_min=D("120"), mg_per_kg_per_h=D("0.5"))
    assert result.plan.delivered_dose_mg == D("80")
    assert ProblemCode.PAIN_BELOW_DOSE_RESPONSE in codes(result)


def test_no_pain_warning_just_over_2_hours_and_80mg():
    result = pain(duration_min=D("121"))
    assert ProblemCode.PAIN_BELOW_DOSE_RESPONSE not in codes(result)


def test_pain_dose_response_warning_does_not_apply_to_mood():
    assert ProblemCode.PAIN_BELOW_DOSE_RESPONSE not in codes(mood(dosing_weight_kg=D("30")))


def test_warning_bag_concentration_above_usual():
    # 500 mg in 90 + 10 mL = 5 mg/mL
    result = mood(vial_conc_mg_per_mL=D("50"), drug_mg_added=D("500"), diluent_volume_mL=D("90"))
    assert result.ok
    problem = only(result, ProblemCode.BAG_CONCENTRATION_ABOVE_USUAL)
    assert problem.message == p.BAG_CONC_ABOVE_USUAL_MESSAGE.format(value="5", limit="2")


def test_two_mg_per_ml_fluid_restricted_bag_does_not_warn():
    # 500 mg (10 mL of 50 mg/mL) + 240 mL = 250 mL at 2 mg/mL
    result = mood(vial_conc_mg_per_mL=D("50"), drug_mg_added=D("500"), diluent_volume_mL=D("240"))
    assert result.plan.bag_conc_mg_per_mL == D("2")
    assert result.problems == ()


def test_warning_rounding_reduces_dose_by_more_than_one_percent():
    # 1.05 mL/h with a 1 mL/h resolution pump → 1 mL/h, 4.8 % less
    result = mood(
        vial_conc_mg_per_mL=D("100"),
        drug_mg_added=D("500"),
        diluent_volume_mL=D("5"),
        pump_resolution_mL_per_h=D("1"),
    )
    assert result.ok
    problem = only(result, ProblemCode.ROUNDING_REDUCES_DOSE)
    assert problem.field == "pump_resolution_mL_per_h"
    assert problem.message == p.ROUNDING_REDUCES_DOSE_MESSAGE.format(
        delivered="33.333", dose="35", percent="4.762"
    )


def test_small_rounding_does_not_warn():
    assert ProblemCode.ROUNDING_REDUCES_DOSE not in codes(mood(dosing_weight_kg=D("70.1")))


def test_every_clinical_rule_gives_its_reason_in_a_clinicians_words():
    results = [
        mood(vial_conc_mg_per_mL=D("25")),
        mood(duration_min=D("19")),
        mood(dose_mg_per_kg=D("2"), drug_mg_added=D("500"), vial_conc_mg_per_mL=D("50")),
        mood(vial_conc_mg_per_mL=D("100"), drug_mg_added=D("500"), diluent_volume_mL=D("4")),
        mood(pump_max_rate_mL_per_h=D("50")),
        mood(
            dosing_weight_kg=D("20"),
            dose_mg_per_kg=D("0.1"),
            duration_min=D("100"),
            vial_conc_mg_per_mL=D("100"),
            drug_mg_added=D("500"),
            diluent_volume_mL=D("5"),
        ),
        mood(
            vial_conc_mg_per_mL=D("100"),
            drug_mg_added=D("500"),
            diluent_volume_mL=D("5"),
            pump_resolution_mL_per_h=D("1"),
        ),
        mood(drug_mg_added=D("30"), diluent_volume_mL=D("27")),
        pain(dosing_weight_kg=D("30"), mg_per_kg_per_h=D("2.5"), duration_min=D("60")),
    ]
    seen = set()
    for result in results:
        for problem in result.problems:
            seen.add(problem.code)
            assert problem.reason and clinician_source(problem.reason) == problem.reason, problem
    assert seen == set(ProblemCode) - {ProblemCode.INVALID_INPUT}


# --- Input validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"dosing_weight_kg": D("19.9")}, "dosing_weight_kg", p.WEIGHT_RANGE),
        ({"dosing_weight_kg": D("350.1")}, "dosing_weight_kg", p.WEIGHT_RANGE),
        ({"duration_min": D("1.9")}, "duration_min", p.DURATION_RANGE),
        ({"duration_min": D("601")}, "duration_min", p.DURATION_RANGE),
        ({"dose_mg_per_kg": D("0")}, "dose_mg_per_kg", p.DOSE_PER_KG_RANGE),
        ({"dose_mg_per_kg": D("35")}, "dose_mg_per_kg", p.DOSE_PER_KG_RANGE),  # mg typed as mg/kg
        ({"dose_mg_per_kg": None}, "dose_mg_per_kg", p.DOSE_PER_KG_MISSING),
        ({"mg_per_kg_per_h": D("0.5")}, "mg_per_kg_per_h", p.DOSE_FOR_OTHER_MODE),
        ({"vial_conc_mg_per_mL": D("0")}, "vial_conc_mg_per_mL", p.VIAL_CONC_POSITIVE),
        ({"drug_mg_added": D("0")}, "drug_mg_added", p.DRUG_MG_RANGE),
        ({"drug_mg_added": D("5001")}, "drug_mg_added", p.DRUG_MG_RANGE),
        ({"diluent_volume_mL": D("-5")}, "diluent_volume_mL", p.DILUENT_RANGE),
        ({"diluent_volume_mL": D("3001")}, "diluent_volume_mL", p.DILUENT_RANGE),
        ({"pump_resolution_mL_per_h": D("0")}, "pump_resolution_mL_per_h", p.PUMP_RESOLUTION_RANGE),
        ({"pump_resolution_mL_per_h": D("11")}, "pump_resolution_mL_per_h", p.PUMP_RESOLUTION_RANGE),
        ({"pump_max_rate_mL_per_h": D("0")}, "pump_max_rate_mL_per_h", p.PUMP_MAX_RANGE),
        ({"stocked_vial_concs_mg_per_mL": [D("-1")]}, "stocked_vial_concs_mg_per_mL", p.STOCKED_INVALID),
        ({"mode": "bolus"}, "mode", p.MODE_UNKNOWN),
        ({"dosing_weight_kg": 70.0}, "dosing_weight_kg", p.WEIGHT_RANGE),  # floats refused
        ({"dosing_weight_kg": D("NaN")}, "dosing_weight_kg", p.WEIGHT_RANGE),
        ({"dosing_weight_kg": None}, "dosing_weight_kg", p.WEIGHT_RANGE),
    ],
)
def test_invalid_input_is_a_hard_stop_naming_the_field(overrides, field, message):
    result = mood(**overrides)
    assert result.plan is None and result.draft is None
    assert [(problem.code, problem.field, problem.message) for problem in result.hard_stops] == [
        (ProblemCode.INVALID_INPUT, field, message)
    ]


def test_rate_mode_needs_the_rate_and_refuses_a_session_dose():
    result = pain(mg_per_kg_per_h=None, dose_mg_per_kg=D("0.5"))
    assert {(problem.field, problem.message) for problem in result.hard_stops} == {
        ("mg_per_kg_per_h", p.RATE_PER_KG_MISSING),
        ("dose_mg_per_kg", p.DOSE_FOR_OTHER_MODE),
    }


def test_rate_mode_rejects_a_rate_that_looks_like_mg_per_hour():
    result = pain(mg_per_kg_per_h=D("40"))
    assert [problem.message for problem in result.hard_stops] == [p.RATE_PER_KG_RANGE]


def test_mode_accepts_plain_strings():
    assert mood(mode="fixed_dose_over_time").ok
    assert pain(mode="rate_per_hour").ok


def test_int_and_string_numbers_are_accepted():
    result = mood(dosing_weight_kg=70, duration_min=40, drug_mg_added="50", diluent_volume_mL=45)
    assert result.ok
    assert result.plan.rate_mL_per_h == D("52.5")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"max_total_mg_per_session": D("0")},
            "limits.max_total_mg_per_session",
            p.LIMIT_POSITIVE.format(name="max_total_mg_per_session"),
        ),
        (
            {"usual_low_mg_per_kg": D("1.5")},
            "limits.usual_low_mg_per_kg",
            p.LIMIT_RANGE_ORDER,
        ),
        ({"min_duration_min": D("120")}, "limits.min_duration_min", p.LIMIT_DURATION_ORDER),
        (
            {"max_mg_per_kg_per_hour": 2.0},
            "limits.max_mg_per_kg_per_hour",
            p.LIMIT_POSITIVE.format(name="max_mg_per_kg_per_hour"),
        ),
    ],
)
def test_invalid_protocol_limits_are_hard_stops(change, field, message):
    limits = ProtocolLimits(**{**MOOD_LIMITS.__dict__, **change})
    result = mood(limits=limits)
    assert result.plan is None
    assert [(problem.field, problem.message) for problem in result.hard_stops] == [(field, message)]


def test_limits_given_as_ints_or_strings_are_normalised():
    limits = ProtocolLimits(
        max_mg_per_kg_per_session="1",
        max_mg_per_kg_per_hour=2,
        max_total_mg_per_session=100,
        usual_low_mg_per_kg="0.1",
        usual_high_mg_per_kg=1,
        min_duration_min=20,
        max_duration_min=100,
    )
    assert mood(limits=limits).ok


def test_all_invalid_inputs_are_reported_at_once():
    result = mood(dosing_weight_kg=D("5"), duration_min=D("0"), diluent_volume_mL=D("0"))
    assert {problem.field for problem in result.hard_stops} == {
        "dosing_weight_kg",
        "duration_min",
        "diluent_volume_mL",
    }

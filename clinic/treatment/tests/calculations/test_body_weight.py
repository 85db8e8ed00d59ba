"""Dosing weight: Devine IBW, adjusted body weight, the weight basis and cap (domain.md §1.3)."""

from decimal import ROUND_HALF_EVEN
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.core import validators
from clinic.treatment.calculations import body_weight as bw
from clinic.treatment.calculations.body_weight import (
    adjusted_body_weight_kg,
    dosing_weight_kg,
    ideal_body_weight_kg,
)
from clinic.treatment.calculations.errors import CalculationInputError

# --- ideal_body_weight_kg ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sex", "height_cm", "expected"),
    [
        # 175 cm = 68.898 in → 50 + 2.3 × 8.898 = 70.46
        ("male", D("175"), D("70.5")),
        # 165 cm = 64.961 in → 45.5 + 2.3 × 4.961 = 56.91
        ("female", D("165"), D("56.9")),
        # 6 ft = 182.88 cm = 72 in → 50 + 2.3 × 12 = 77.6 exactly
        ("male", D("182.88"), D("77.6")),
        ("female", D("182.88"), D("73.1")),
        # exactly 60 in = 152.4 cm → the base value
        ("male", D("152.4"), D("50.0")),
        ("female", D("152.4"), D("45.5")),
        ("male", D("250"), D("138.4")),  # 98.425 in → 50 + 2.3 × 38.425 = 138.38
    ],
)
def test_ideal_body_weight_devine(sex, height_cm, expected):
    assert ideal_body_weight_kg(sex=sex, height_cm=height_cm) == expected


def test_ideal_body_weight_accepts_int_height():
    assert ideal_body_weight_kg(sex="male", height_cm=175) == D("70.5")


@pytest.mark.parametrize(("sex", "base"), [("male", D("50.0")), ("female", D("45.5"))])
def test_ideal_body_weight_below_60_inches_clamps_to_base_by_default(sex, base):
    assert ideal_body_weight_kg(sex=sex, height_cm=D("150")) == base
    assert ideal_body_weight_kg(sex=sex, height_cm=D("100"), below_60in="clamp") == base


def test_ideal_body_weight_below_60_inches_refuses_when_asked():
    with pytest.raises(CalculationInputError) as exc:
        ideal_body_weight_kg(sex="female", height_cm=D("152.3"), below_60in="refuse")
    assert exc.value.code == "height_below_devine"
    assert exc.value.field == "height_cm"
    assert exc.value.message == bw.HEIGHT_BELOW_DEVINE


def test_ideal_body_weight_refuse_allows_exactly_60_inches():
    assert ideal_body_weight_kg(sex="female", height_cm=D("152.4"), below_60in="refuse") == D("45.5")


def test_ideal_body_weight_rejects_unknown_below_60in_choice():
    with pytest.raises(CalculationInputError) as exc:
        ideal_body_weight_kg(sex="male", height_cm=D("170"), below_60in="round")
    assert exc.value.field == "below_60in"


@pytest.mark.parametrize("sex", ["unknown", None, "", "other", "MALE"])
def test_ideal_body_weight_needs_male_or_female(sex):
    with pytest.raises(CalculationInputError) as exc:
        ideal_body_weight_kg(sex=sex, height_cm=D("170"))
    assert exc.value.field == "sex"
    assert exc.value.code == "sex_required"
    assert str(exc.value) == bw.SEX_REQUIRED


@pytest.mark.parametrize("height", [D("99.9"), D("250.1"), D("0"), D("-170")])
def test_ideal_body_weight_rejects_impossible_height(height):
    with pytest.raises(CalculationInputError) as exc:
        ideal_body_weight_kg(sex="male", height_cm=height)
    assert exc.value.field == "height_cm"
    assert exc.value.message == bw.HEIGHT_RANGE


@pytest.mark.parametrize("height", [170.0, D("NaN"), D("Infinity"), "tall"])
def test_ideal_body_weight_refuses_floats_and_non_numbers(height):
    with pytest.raises(CalculationInputError) as exc:
        ideal_body_weight_kg(sex="male", height_cm=height)
    assert exc.value.field == "height_cm"


@given(
    sex=st.sampled_from(["male", "female"]),
    a=st.decimals(min_value=100, max_value=250, places=1),
    b=st.decimals(min_value=100, max_value=250, places=1),
)
def test_ideal_body_weight_never_decreases_with_height(sex, a, b):
    low, high = sorted((a, b))
    assert ideal_body_weight_kg(sex=sex, height_cm=low) <= ideal_body_weight_kg(sex=sex, height_cm=high)


def test_sanity_ranges_match_core_validators():
    assert (bw.WEIGHT_MIN_KG, bw.WEIGHT_MAX_KG) == (validators.WEIGHT_MIN_KG, validators.WEIGHT_MAX_KG)
    assert (bw.HEIGHT_MIN_CM, bw.HEIGHT_MAX_CM) == (validators.HEIGHT_MIN_CM, validators.HEIGHT_MAX_CM)


# --- adjusted_body_weight_kg ---------------------------------------------------------------------


def test_adjusted_body_weight_when_actual_above_ibw():
    # 73 + 0.4 × (110 − 73) = 87.8
    assert adjusted_body_weight_kg(actual_kg=D("110"), ibw_kg=D("73")) == D("87.8")


def test_adjusted_body_weight_rounds_to_tenth_kg():
    # 70.5 + 0.4 × (100.3 − 70.5) = 82.42
    assert adjusted_body_weight_kg(actual_kg=D("100.3"), ibw_kg=D("70.5")) == D("82.4")


@pytest.mark.parametrize("actual", [D("60"), D("73")])
def test_adjusted_body_weight_is_actual_when_not_above_ibw(actual):
    assert adjusted_body_weight_kg(actual_kg=actual, ibw_kg=D("73")) == actual


def test_adjusted_body_weight_custom_factor():
    assert adjusted_body_weight_kg(actual_kg=D("110"), ibw_kg=D("70"), factor=D("0.25")) == D("80.0")


@pytest.mark.parametrize("factor", [D("-0.1"), D("1.1")])
def test_adjusted_body_weight_rejects_factor_outside_0_1(factor):
    with pytest.raises(CalculationInputError) as exc:
        adjusted_body_weight_kg(actual_kg=D("110"), ibw_kg=D("70"), factor=factor)
    assert exc.value.field == "factor"


@given(
    actual=st.decimals(min_value=20, max_value=350, places=1),
    ibw=st.decimals(min_value=45, max_value=140, places=1),
)
def test_adjusted_body_weight_lies_between_ibw_and_actual(actual, ibw):
    adjusted = adjusted_body_weight_kg(actual_kg=actual, ibw_kg=ibw)
    assert min(actual, ibw) <= adjusted <= max(actual, ibw)
    if actual <= ibw:
        assert adjusted == actual


# --- dosing_weight_kg ----------------------------------------------------------------------------


def test_dosing_weight_actual_basis_needs_no_height_or_sex():
    weight = dosing_weight_kg(basis="actual", actual_kg=D("70"), sex="unknown")
    assert weight.kg == D("70.0")
    assert weight.basis == "actual"
    assert weight.ideal_kg is None
    assert weight.explanation == "Actual body weight 70 kg."


def test_dosing_weight_ideal_basis():
    # 182.88 cm = 72 in → IBW 77.6 kg
    weight = dosing_weight_kg(basis="ideal", actual_kg=D("100"), height_cm=D("182.88"), sex="male")
    assert weight.kg == D("77.6")
    assert weight.ideal_kg == D("77.6")
    assert "Devine" in weight.explanation
    assert "= 77.6 kg" in weight.explanation


def test_dosing_weight_ideal_basis_uses_actual_when_lighter_than_ibw():
    weight = dosing_weight_kg(basis="ideal", actual_kg=D("60"), height_cm=D("182.88"), sex="male")
    assert weight.kg == D("60.0")
    assert weight.ideal_kg == D("77.6")
    assert "actual weight is used" in weight.explanation


def test_dosing_weight_adjusted_basis():
    # IBW 77.6; 77.6 + 0.4 × (120 − 77.6) = 94.56 → 94.6
    weight = dosing_weight_kg(basis="adjusted", actual_kg=D("120"), height_cm=D("182.88"), sex="male")
    assert weight.kg == D("94.6")
    assert weight.adjusted_kg == D("94.6")
    assert "77.6 + 0.4 × (120 − 77.6) = 94.6 kg" in weight.explanation


def test_dosing_weight_adjusted_basis_when_actual_not_above_ibw():
    weight = dosing_weight_kg(basis="adjusted", actual_kg=D("70"), height_cm=D("182.88"), sex="male")
    assert weight.kg == D("70.0")
    assert "not above it" in weight.explanation


def test_dosing_weight_cap_applies_after_the_basis():
    weight = dosing_weight_kg(basis="actual", actual_kg=D("130"), cap_kg=D("100"))
    assert weight.kg == D("100.0")
    assert weight.capped is True
    assert "Capped" in weight.explanation


def test_dosing_weight_cap_not_applied_when_below():
    weight = dosing_weight_kg(basis="actual", actual_kg=D("90"), cap_kg=D("100"))
    assert weight.kg == D("90.0")
    assert weight.capped is False


def test_dosing_weight_cap_rounds_down_so_the_cap_is_never_exceeded():
    weight = dosing_weight_kg(basis="actual", actual_kg=D("130"), cap_kg=D("80.06"))
    assert weight.kg == D("80.0")


def test_dosing_weight_short_patient_clamped_and_flagged():
    weight = dosing_weight_kg(basis="ideal", actual_kg=D("70"), height_cm=D("147"), sex="female")
    assert weight.kg == D("45.5")
    assert weight.height_clamped is True
    assert "below 60 in" in weight.explanation


def test_dosing_weight_short_patient_refused_when_protocol_says_so():
    with pytest.raises(CalculationInputError) as exc:
        dosing_weight_kg(
            basis="ideal", actual_kg=D("70"), height_cm=D("147"), sex="female", below_60in="refuse"
        )
    assert exc.value.code == "height_below_devine"


@pytest.mark.parametrize("basis", ["ideal", "adjusted"])
@pytest.mark.parametrize("sex", ["unknown", None])
def test_dosing_weight_unknown_sex_with_ideal_or_adjusted_basis_is_an_error(basis, sex):
    with pytest.raises(CalculationInputError) as exc:
        dosing_weight_kg(basis=basis, actual_kg=D("80"), height_cm=D("170"), sex=sex)
    assert exc.value.field == "sex"
    assert exc.value.message == bw.SEX_REQUIRED


@pytest.mark.parametrize("basis", ["ideal", "adjusted"])
def test_dosing_weight_missing_height_with_ideal_or_adjusted_basis_is_an_error(basis):
    with pytest.raises(CalculationInputError) as exc:
        dosing_weight_kg(basis=basis, actual_kg=D("80"), sex="male")
    assert exc.value.field == "height_cm"
    assert exc.value.message == bw.HEIGHT_REQUIRED


def test_dosing_weight_unknown_basis():
    with pytest.raises(CalculationInputError) as exc:
        dosing_weight_kg(basis="lean", actual_kg=D("80"))
    assert exc.value.field == "basis"
    assert exc.value.message == bw.BASIS_UNKNOWN


@pytest.mark.parametrize("actual", [D("19.9"), D("350.1")])
def test_dosing_weight_rejects_impossible_actual_weight(actual):
    with pytest.raises(CalculationInputError) as exc:
        dosing_weight_kg(basis="actual", actual_kg=actual)
    assert exc.value.field == "actual_kg"
    assert exc.value.message == bw.ACTUAL_WEIGHT_RANGE


def test_dosing_weight_rejects_impossible_cap():
    with pytest.raises(CalculationInputError) as exc:
        dosing_weight_kg(basis="actual", actual_kg=D("80"), cap_kg=D("10"))
    assert exc.value.field == "cap_kg"


@given(
    basis=st.sampled_from(["actual", "ideal", "adjusted"]),
    sex=st.sampled_from(["male", "female"]),
    actual=st.decimals(min_value=20, max_value=350, places=1),
    height=st.decimals(min_value=100, max_value=250, places=1),
    cap=st.none() | st.decimals(min_value=20, max_value=350, places=2),
)
def test_dosing_weight_never_exceeds_actual_weight_or_cap(basis, sex, actual, height, cap):
    weight = dosing_weight_kg(basis=basis, actual_kg=actual, height_cm=height, sex=sex, cap_kg=cap)
    assert weight.kg <= actual
    if cap is not None:
        assert weight.kg <= cap
    assert weight.kg == weight.kg.quantize(D("0.1"))


# --- rounding once, at the end (issue 8, point 9d) -------------------------------------------------


def _exact_then_round(*, basis: str, sex: str, actual: D, height: D) -> D:
    """Reference: the whole chain in exact fractions, rounded to 0.1 kg (half even) only at the end.

    Devine IBW (domain.md §1.3) with the clamp at 60 in; adjusted = IBW + 0.4 × (actual − IBW)
    when actual > IBW; the ideal basis never exceeds the actual weight.
    """
    height_in = Fraction(height) / Fraction("2.54")
    base = Fraction({"male": "50", "female": "45.5"}[sex])
    ibw = base + Fraction("2.3") * (height_in - 60) if height_in >= 60 else base
    actual_exact = Fraction(actual)
    if basis == "ideal":
        weight = actual_exact if actual_exact < ibw else ibw
    elif actual_exact > ibw:
        weight = ibw + Fraction("0.4") * (actual_exact - ibw)
    else:
        weight = actual_exact
    return (D(weight.numerator) / D(weight.denominator)).quantize(D("0.1"), rounding=ROUND_HALF_EVEN)


@given(
    basis=st.sampled_from(["ideal", "adjusted"]),
    sex=st.sampled_from(["male", "female"]),
    actual=st.decimals(min_value=20, max_value=350, places=1),
    height=st.decimals(min_value=100, max_value=250, places=1),
)
def test_dosing_weight_equals_exact_then_round_reference(basis, sex, actual, height):
    # Before the fix the adjusted weight was built on an IBW already rounded to 0.1 kg, 0.1 kg off
    # for about one input in nine.
    weight = dosing_weight_kg(basis=basis, actual_kg=actual, height_cm=height, sex=sex)
    assert weight.kg == _exact_then_round(basis=basis, sex=sex, actual=actual, height=height)


def test_adjusted_weight_rounds_once_example():
    # 175 cm male: IBW = 50 + 2.3 × (68.8976… − 60) = 70.4646… kg (70.5 once rounded).
    # Exact: 70.4646… + 0.4 × (108.9 − 70.4646…) = 85.8387… → 85.8 kg.
    # On the rounded IBW it was 70.5 + 0.4 × 38.4 = 85.86 → 85.9 kg, 0.1 kg too much.
    weight = dosing_weight_kg(basis="adjusted", actual_kg=D("108.9"), height_cm=D("175"), sex="male")
    assert weight.kg == D("85.8")
    assert weight.ideal_kg == D("70.5")

"""Dosing weight: actual, ideal (Devine) or adjusted body weight, with an optional cap.

domain.md §1.3: no consensus document specifies actual vs ideal vs adjusted weight for ketamine mood
dosing; trials dose on actual weight [Dunlop2018]. The basis is therefore a protocol setting, and this
module only does the arithmetic, returning the working as a sentence the order can show.

All weights are Decimal kilograms rounded to 0.1 kg (round half to even), the resolution of a
clinic scale. Derived weights are rounded once, at the end: the adjusted weight is built on the
unrounded ideal weight (rounding the IBW first put it 0.1 kg off for about one input in nine). The
explanation shows the ideal weight both rounded and to 0.01 kg, so the working can be checked by hand.
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Literal

from clinic.treatment.calculations.errors import CalculationInputError, as_decimal

Sex = Literal["male", "female"]
WeightBasis = Literal["actual", "ideal", "adjusted"]
BelowSixtyInches = Literal["clamp", "refuse"]

WEIGHT_BASES: tuple[str, ...] = ("actual", "ideal", "adjusted")

# Devine 1974 via GlobalRPh/calculator sources, domain.md §1.3 [V].
CM_PER_INCH = Decimal("2.54")
DEVINE_BASE_HEIGHT_IN = Decimal("60")
DEVINE_BASE_KG: dict[str, Decimal] = {"male": Decimal("50"), "female": Decimal("45.5")}
DEVINE_KG_PER_INCH = Decimal("2.3")
# Adjusted BW = IBW + 0.4 × (actual − IBW), domain.md §1.3 [V].
ADJUSTED_WEIGHT_FACTOR = Decimal("0.4")

# Same sanity ranges as clinic.core.validators (refusals of the impossible, not clinical limits).
WEIGHT_MIN_KG, WEIGHT_MAX_KG = Decimal("20"), Decimal("350")
HEIGHT_MIN_CM, HEIGHT_MAX_CM = Decimal("100"), Decimal("250")

WEIGHT_STEP = Decimal("0.1")

ACTUAL_WEIGHT_RANGE = "Actual weight must be between 20 and 350 kg."
HEIGHT_RANGE = "Height must be between 100 and 250 cm."
HEIGHT_REQUIRED = "Height is needed to calculate ideal or adjusted body weight."
# domain.md §1.3 [Devine1974]
SEX_REQUIRED = (
    "Ideal and adjusted body weight need sex at birth recorded as male or female (Devine 1974 formula)."
)
HEIGHT_BELOW_DEVINE = (  # domain.md §1.3
    "The Devine formula is not defined below 60 in (152.4 cm); enter the dosing weight another way."
)
BELOW_60IN_CHOICE = "below_60in must be 'clamp' or 'refuse'."
BASIS_UNKNOWN = "Weight basis must be one of: actual, ideal, adjusted."
CAP_RANGE = "Weight cap must be between 20 and 350 kg."
FACTOR_RANGE = "Adjustment factor must be between 0 and 1."


@dataclass(frozen=True)
class DosingWeight:
    """The weight a dose is calculated on, how it was reached, and the numbers behind it."""

    kg: Decimal
    basis: str  # "actual" | "ideal" | "adjusted"
    explanation: str
    actual_kg: Decimal
    ideal_kg: Decimal | None = None  # Devine IBW, when the basis needed it
    adjusted_kg: Decimal | None = None  # when basis is "adjusted"
    capped: bool = False  # True when cap_kg lowered the weight
    height_clamped: bool = False  # True when a height < 60 in was clamped to the Devine base


def _round_kg(value: Decimal) -> Decimal:
    return value.quantize(WEIGHT_STEP, rounding=ROUND_HALF_EVEN)


def _fmt(value: Decimal) -> str:
    """As every page shows a weight or height: no trailing zeros ("70 kg", "85.8 kg")."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _check_sex(sex: object) -> str:
    if sex not in DEVINE_BASE_KG:
        raise CalculationInputError(SEX_REQUIRED, field="sex", code="sex_required")
    return str(sex)


def _check_height(height_cm: object) -> Decimal:
    if height_cm is None:
        raise CalculationInputError(HEIGHT_REQUIRED, field="height_cm", code="height_required")
    height = as_decimal(height_cm, field="height_cm")
    if not HEIGHT_MIN_CM <= height <= HEIGHT_MAX_CM:
        raise CalculationInputError(HEIGHT_RANGE, field="height_cm", code="height_range")
    return height


def _check_actual(actual_kg: object) -> Decimal:
    actual = as_decimal(actual_kg, field="actual_kg")
    if not WEIGHT_MIN_KG <= actual <= WEIGHT_MAX_KG:
        raise CalculationInputError(ACTUAL_WEIGHT_RANGE, field="actual_kg", code="weight_range")
    return actual


def height_below_devine_range(height_cm: Decimal) -> bool:
    """True when the height is under 60 in (152.4 cm), where Devine is not defined."""
    return height_cm / CM_PER_INCH < DEVINE_BASE_HEIGHT_IN


def _ideal_exact_kg(*, sex_key: str, height: Decimal, below_60in: BelowSixtyInches) -> Decimal:
    """Devine IBW, not rounded (the callers round once, at the end)."""
    height_in = height / CM_PER_INCH
    if height_in < DEVINE_BASE_HEIGHT_IN:
        if below_60in == "refuse":
            raise CalculationInputError(HEIGHT_BELOW_DEVINE, field="height_cm", code="height_below_devine")
        return DEVINE_BASE_KG[sex_key]
    return DEVINE_BASE_KG[sex_key] + DEVINE_KG_PER_INCH * (height_in - DEVINE_BASE_HEIGHT_IN)


def ideal_body_weight_kg(
    *, sex: Sex | str | None, height_cm: Decimal, below_60in: BelowSixtyInches = "clamp"
) -> Decimal:
    """Devine ideal body weight in kg, rounded to 0.1 kg.

    IBW male = 50 + 2.3 × (height_in − 60); female = 45.5 + 2.3 × (height_in − 60), with
    height_in = height_cm / 2.54 (domain.md §1.3).

    Devine is not defined below 60 in. `below_60in="clamp"` (what calculators do) returns the base
    value (50 / 45.5 kg) for any shorter height; `below_60in="refuse"` raises CalculationInputError
    (code "height_below_devine") so the prescriber enters the weight another way. Sex other than
    "male"/"female" (e.g. "unknown") raises CalculationInputError (code "sex_required").
    """
    if below_60in not in ("clamp", "refuse"):
        raise CalculationInputError(BELOW_60IN_CHOICE, field="below_60in", code="choice")
    sex_key = _check_sex(sex)
    height = _check_height(height_cm)
    return _round_kg(_ideal_exact_kg(sex_key=sex_key, height=height, below_60in=below_60in))


def adjusted_body_weight_kg(
    *, actual_kg: Decimal, ibw_kg: Decimal, factor: Decimal = ADJUSTED_WEIGHT_FACTOR
) -> Decimal:
    """Adjusted body weight = IBW + factor × (actual − IBW) when actual > IBW, else actual.

    domain.md §1.3 (factor 0.4 by default). Rounded to 0.1 kg, once: pass the unrounded IBW
    (a rounded one can put the result 0.1 kg off).
    """
    actual = as_decimal(actual_kg, field="actual_kg")
    ibw = as_decimal(ibw_kg, field="ibw_kg")
    factor = as_decimal(factor, field="factor")
    if not Decimal(0) <= factor <= Decimal(1):
        raise CalculationInputError(FACTOR_RANGE, field="factor", code="factor_range")
    if actual <= ibw:
        return _round_kg(actual)
    return _round_kg(ibw + factor * (actual - ibw))


def dosing_weight_kg(
    *,
    basis: WeightBasis | str,
    actual_kg: Decimal,
    height_cm: Decimal | None = None,
    sex: Sex | str | None = None,
    cap_kg: Decimal | None = None,
    below_60in: BelowSixtyInches = "clamp",
    adjusted_factor: Decimal = ADJUSTED_WEIGHT_FACTOR,
) -> DosingWeight:
    """The weight to dose on, per the protocol's weight basis, with its working.

    - "actual": the measured weight.
    - "ideal": Devine IBW, but never more than the actual weight — dosing an underweight patient on a
      heavier ideal weight would give more drug per real kg than the protocol intends. (Design
      decision for the medical director to confirm; the explanation says when it applied.)
    - "adjusted": IBW + 0.4 × (actual − IBW) when actual > IBW, else actual (domain.md §1.3).
    Then, if `cap_kg` is given and the weight is above it, the cap is used.

    Raises CalculationInputError (with `field`) for a missing/invalid height or sex on the ideal and
    adjusted bases, an unknown basis, or out-of-range numbers.
    """
    if basis not in WEIGHT_BASES:
        raise CalculationInputError(BASIS_UNKNOWN, field="basis", code="basis_unknown")
    actual = _round_kg(_check_actual(actual_kg))
    cap: Decimal | None = None
    if cap_kg is not None:
        cap = as_decimal(cap_kg, field="cap_kg")
        if not WEIGHT_MIN_KG <= cap <= WEIGHT_MAX_KG:
            raise CalculationInputError(CAP_RANGE, field="cap_kg", code="cap_range")

    ideal: Decimal | None = None
    adjusted: Decimal | None = None
    clamped = False
    if basis == "actual":
        weight = actual
        explanation = f"Actual body weight {_fmt(actual)} kg."
    else:
        sex_key = _check_sex(sex)
        height = _check_height(height_cm)
        clamped = height_below_devine_range(height)
        if below_60in not in ("clamp", "refuse"):
            raise CalculationInputError(BELOW_60IN_CHOICE, field="below_60in", code="choice")
        # Round once, at the end: every step below works on the unrounded IBW.
        ideal_exact = _ideal_exact_kg(sex_key=sex_key, height=height, below_60in=below_60in)
        ideal = _round_kg(ideal_exact)
        height_in = (height / CM_PER_INCH).quantize(WEIGHT_STEP, rounding=ROUND_HALF_EVEN)
        base = DEVINE_BASE_KG[sex_key]
        if clamped:
            ibw_text = (
                f"Ideal body weight (Devine, {sex_key}) {_fmt(ideal)} kg: height {_fmt(height)} cm "
                f"({_fmt(height_in)} in) is below 60 in, so the formula's base value is used."
            )
        else:
            ibw_text = (
                f"Ideal body weight (Devine, {sex_key}) = {_fmt(base)} + 2.3 × "
                f"({_fmt(height_in)} in − 60) = {_fmt(ideal)} kg."
            )
        if basis == "ideal":
            if actual < ideal_exact:
                weight = actual
                explanation = (
                    f"{ibw_text} Actual weight {_fmt(actual)} kg is below it, so the actual weight is used."
                )
            else:
                weight = ideal
                explanation = ibw_text
        else:
            adjusted = adjusted_body_weight_kg(actual_kg=actual, ibw_kg=ideal_exact, factor=adjusted_factor)
            weight = adjusted
            if actual > ideal_exact:
                exact = ideal_exact == ideal
                # The working uses the ideal weight the result was computed from (to 0.01 kg).
                ibw_used = _fmt(ideal if exact else ideal_exact.quantize(Decimal("0.01"), ROUND_HALF_EVEN))
                explanation = (
                    f"{ibw_text} Adjusted body weight = {ibw_used} + {_fmt(adjusted_factor)} × "
                    f"({_fmt(actual)} − {ibw_used}) = {_fmt(adjusted)} kg"
                    + ("." if exact else " (from the unrounded ideal weight).")
                )
            else:
                explanation = (
                    f"{ibw_text} Actual weight {_fmt(actual)} kg is not above it, so the adjusted "
                    "weight is the actual weight."
                )

    capped = False
    if cap is not None and weight > cap:
        # Round the cap down so the dosing weight never exceeds it.
        weight = cap.quantize(WEIGHT_STEP, rounding=ROUND_FLOOR)
        capped = True
        explanation += f" Capped at the protocol maximum of {_fmt(weight)} kg."
    return DosingWeight(
        kg=weight,
        basis=str(basis),
        explanation=explanation,
        actual_kg=actual,
        ideal_kg=ideal,
        adjusted_kg=adjusted,
        capped=capped,
        height_clamped=clamped,
    )

"""Infusion dose and pump-rate calculator (domain.md §1.1, §1.4–§1.6).

`infusion_plan_calculate` turns a prescription (dose per kg, duration, dosing weight), the bag as
prepared (vial concentration, mg added, diluent volume) and the protocol's limits into an
`InfusionPlan`: the dose, bag concentration, volume, exact and pump-rounded rate and the dose the
rounded rate actually delivers. Everything that makes the plan unsafe is a hard stop; everything
unusual is a warning. Each problem carries a code, a message naming the field, and the reason with its
source in domain.md.

Arithmetic. Inputs are Decimal (floats are refused). Internally every quantity is an exact rational
(fractions.Fraction), so a limit check such as "dose ≤ max" is exact, with no binary or decimal
rounding. Outputs are Decimal rounded to 6 decimal places (round half to even) with trailing zeros
dropped, except the amounts of drug (`dose_mg`, `hourly_dose_mg`, `delivered_dose_mg`), which are
rounded down so that a displayed amount never exceeds the true one.

Rounding rule. The pump rate is rounded DOWN to a multiple of the pump resolution (e.g. 52.57 →
52.5 mL/h). Rounding down means the delivered dose is never more than the prescribed dose, so a
prescription within the protocol maximum stays within it after rounding; the shortfall is at most
resolution × duration_h × bag concentration (0.1 mL/h × 40/60 h × 1 mg/mL = 0.067 mg for the
standard mood infusion). A shortfall above 1 % raises the ROUNDING_REDUCES_DOSE warning.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from fractions import Fraction

from clinic.treatment.calculations.errors import CalculationInputError, as_decimal
from clinic.treatment.calculations.problems import (
    BAG_CONC_ABOVE_USUAL_MESSAGE,
    DILUENT_RANGE,
    DOSE_FOR_OTHER_MODE,
    DOSE_OUTSIDE_USUAL_MESSAGE,
    DOSE_PER_KG_MISSING,
    DOSE_PER_KG_RANGE,
    DRUG_MG_RANGE,
    DURATION_OUTSIDE_PROTOCOL_MESSAGE,
    DURATION_RANGE,
    INSUFFICIENT_DRUG_MESSAGE,
    LIMIT_DURATION_ORDER,
    LIMIT_POSITIVE,
    LIMIT_RANGE_ORDER,
    MODE_UNKNOWN,
    OVER_MAX_PER_KG_HOUR_MESSAGE,
    OVER_MAX_PER_KG_SESSION_MESSAGE,
    OVER_MAX_TOTAL_MESSAGE,
    PAIN_DOSE_RESPONSE_MESSAGE,
    PUMP_MAX_RANGE,
    PUMP_RESOLUTION_RANGE,
    RATE_ABOVE_MAXIMUM_MESSAGE,
    RATE_BELOW_RESOLUTION_MESSAGE,
    RATE_PER_KG_MISSING,
    RATE_PER_KG_RANGE,
    REASON_BAG_CONC,
    REASON_DURATION,
    REASON_INPUT,
    REASON_INSUFFICIENT,
    REASON_MAX_PER_HOUR,
    REASON_MAX_PER_KG,
    REASON_MAX_TOTAL,
    REASON_PAIN_DOSE_RESPONSE,
    REASON_PUMP_MAXIMUM,
    REASON_PUMP_RESOLUTION,
    REASON_ROUNDING,
    REASON_UNDILUTED,
    REASON_USUAL_MOOD,
    REASON_USUAL_PAIN,
    REASON_VIAL,
    ROUNDING_REDUCES_DOSE_MESSAGE,
    STOCKED_INVALID,
    UNDILUTED_MESSAGE,
    VIAL_CONC_POSITIVE,
    VIAL_NOT_STOCKED_MESSAGE,
    WEIGHT_RANGE,
    Problem,
    ProblemCode,
    Severity,
)


class DoseMode(StrEnum):
    """How the prescription is written."""

    # Mood (§1.1): a dose in mg/kg infused evenly over a duration, e.g. 0.5 mg/kg over 40 min.
    FIXED_DOSE_OVER_TIME = "fixed_dose_over_time"
    # Pain (§1.4): a rate in mg/kg/h for a duration, e.g. 0.5 mg/kg/h for 4 h.
    RATE_PER_HOUR = "rate_per_hour"


# --- Fixed values --------------------------------------------------------------------------------

# Ketalar label: "Do not intravenously inject the 100 mg/mL concentration of KETALAR without proper
# dilution. Dilute KETALAR with an equal volume of …" — so no IV solution above 50 mg/mL. Not a
# clinic setting: a clinic cannot loosen the label. domain.md §1.6 [V] [Ketalar].
MAX_IV_CONC_MG_PER_ML = Decimal("50")
# Label infusion recipes give 1 mg/mL (500 mL) or 2 mg/mL (250 mL, fluid-restricted). §1.6 [S].
USUAL_MAX_BAG_CONC_MG_PER_ML = Decimal("2")
# Pain dose-response: "total dose ≥ 80 mg infused over > 2 h" (Cohen 2018, C, low). §1.4 [V].
PAIN_DOSE_RESPONSE_MIN_TOTAL_MG = Decimal("80")
PAIN_DOSE_RESPONSE_MIN_DURATION_MIN = Decimal("120")
# Warn when rounding the rate down loses more than this fraction of the prescribed dose.
ROUNDING_WARNING_FRACTION = Decimal("0.01")
DEFAULT_PUMP_RESOLUTION_ML_PER_H = Decimal("0.1")  # common pump resolution, §1.6
DEFAULT_PUMP_MAX_RATE_ML_PER_H = Decimal("999")

# Sanity ranges of the inputs: refusals of the impossible or of a unit mix-up, not clinical limits.
WEIGHT_MIN_KG, WEIGHT_MAX_KG = Decimal("20"), Decimal("350")  # = clinic.core.validators
DURATION_MIN_MIN, DURATION_MAX_MIN = Decimal("2"), Decimal("600")  # §1.1: sessions of 2–100 min
DOSE_PER_KG_MAX = Decimal("10")  # mg/kg or mg/kg/h; anesthetic induction is 1–4.5 mg/kg (§1.5)
DRUG_MG_ADDED_MAX = Decimal("5000")
DILUENT_VOLUME_MAX_ML = Decimal("3000")
PUMP_RESOLUTION_MIN_ML_PER_H = Decimal("0.001")  # outputs carry 6 decimal places
PUMP_RESOLUTION_MAX_ML_PER_H = Decimal("10")
PUMP_MAX_RATE_LIMIT_ML_PER_H = Decimal("2000")


@dataclass(frozen=True)
class ProtocolLimits:
    """The protocol's dose limits (clinic settings, domain.md §1.5) and its usual range.

    `usual_low_mg_per_kg`/`usual_high_mg_per_kg` are per session (mg/kg) for a fixed dose over time
    and per hour (mg/kg/h) for a rate-per-hour protocol: mood 0.1–1.0 mg/kg (§1.1), pain 0.5–2 mg/kg/h
    (§1.4).
    """

    max_mg_per_kg_per_session: Decimal
    max_mg_per_kg_per_hour: Decimal
    max_total_mg_per_session: Decimal
    usual_low_mg_per_kg: Decimal
    usual_high_mg_per_kg: Decimal
    min_duration_min: Decimal
    max_duration_min: Decimal
    pain_min_total_mg: Decimal = PAIN_DOSE_RESPONSE_MIN_TOTAL_MG
    pain_min_duration_min: Decimal = PAIN_DOSE_RESPONSE_MIN_DURATION_MIN
    usual_max_bag_conc_mg_per_mL: Decimal = USUAL_MAX_BAG_CONC_MG_PER_ML


@dataclass(frozen=True)
class InfusionPlan:
    """The numbers to prepare the bag and program the pump, with the working and the warnings.

    Amounts are mg, volumes mL, rates mL/h, concentrations mg/mL, durations min.
    """

    mode: DoseMode
    dosing_weight_kg: Decimal
    duration_min: Decimal
    dose_mg_per_kg: Decimal  # per session (for rate_per_hour: rate × hours)
    mg_per_kg_per_h: Decimal  # average (for fixed_dose_over_time: dose ÷ hours)
    hourly_dose_mg: Decimal  # mg/h
    dose_mg: Decimal  # prescribed
    vial_conc_mg_per_mL: Decimal
    drug_mg_added: Decimal
    drug_volume_mL: Decimal  # drug_mg_added ÷ vial concentration
    diluent_volume_mL: Decimal
    final_bag_volume_mL: Decimal  # diluent + drug volume
    bag_conc_mg_per_mL: Decimal  # drug_mg_added ÷ final volume
    volume_to_infuse_mL: Decimal  # dose ÷ bag concentration
    rate_exact_mL_per_h: Decimal
    rate_mL_per_h: Decimal  # rounded down to the pump resolution: program the pump with this
    pump_resolution_mL_per_h: Decimal
    delivered_volume_mL: Decimal  # rounded rate × duration (the pump's volume to be infused)
    delivered_dose_mg: Decimal  # rounded rate × duration × bag concentration
    working: tuple[str, ...]  # the arithmetic, one line per step, for the order
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class DoseCalculation:
    """The calculator's answer.

    `plan` is set only when there is no hard stop; a service may sign only `plan`. `draft` holds the
    same numbers whenever they could be computed (None when an input is invalid), so a screen can show
    e.g. the rate that exceeded the pump beside the hard stop.
    """

    plan: InfusionPlan | None
    draft: InfusionPlan | None
    hard_stops: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.plan is not None

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.hard_stops + self.warnings


# --- Number helpers -------------------------------------------------------------------------------

_PLACES = 6
_SHOW_PLACES = 3


def _to_decimal(value: Fraction, *, rounding: str = ROUND_HALF_EVEN, places: int = _PLACES) -> Decimal:
    """Round an exact rational to `places` decimal places, then drop trailing zeros (no exponent)."""
    if rounding not in (ROUND_HALF_EVEN, ROUND_FLOOR):  # pragma: no cover - programming error
        raise ValueError(rounding)
    quotient, remainder = divmod(value.numerator * 10**places, value.denominator)
    if rounding == ROUND_HALF_EVEN:
        twice = 2 * remainder
        if twice > value.denominator or (twice == value.denominator and quotient % 2):
            quotient += 1
    return _strip(Decimal(quotient).scaleb(-places))


def _strip(value: Decimal) -> Decimal:
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _show(value: Decimal | Fraction, *, rounding: str = ROUND_HALF_EVEN) -> str:
    """A number for a message or the working: at most 3 decimal places, no trailing zeros."""
    return f"{_to_decimal(Fraction(value), rounding=rounding, places=_SHOW_PLACES):f}"


def _hard(code: ProblemCode, message: str, reason: str, field: str | None = None) -> Problem:
    return Problem(code=code, severity=Severity.HARD_STOP, message=message, reason=reason, field=field)


def _warn(code: ProblemCode, message: str, reason: str, field: str | None = None) -> Problem:
    return Problem(code=code, severity=Severity.WARNING, message=message, reason=reason, field=field)


# --- Validation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Validated:
    mode: DoseMode
    per_kg: Decimal  # mg/kg (fixed) or mg/kg/h (rate)
    weight: Decimal
    duration: Decimal
    vial: Decimal
    drug: Decimal
    diluent: Decimal
    resolution: Decimal
    pump_max: Decimal
    stocked: tuple[Decimal, ...]
    limits: ProtocolLimits  # with every value a Decimal

    @property
    def per_kg_field(self) -> str:
        return "dose_mg_per_kg" if self.mode == DoseMode.FIXED_DOSE_OVER_TIME else "mg_per_kg_per_h"


class _Collector:
    """Checks raw inputs one by one, collecting a hard stop naming the field for each bad one."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def invalid(self, message: str, field: str) -> None:
        self.problems.append(_hard(ProblemCode.INVALID_INPUT, message, REASON_INPUT, field))

    def number(
        self,
        value: object,
        *,
        field: str,
        message: str,
        low: Decimal | None = None,
        high: Decimal | None = None,
        positive: bool = False,
    ) -> Decimal:
        """The value as a Decimal; on failure records the problem and returns a placeholder 1."""
        try:
            number = as_decimal(value, field=field)
        except CalculationInputError:
            self.invalid(message, field)
            return Decimal(1)
        if (
            (positive and number <= 0)
            or (low is not None and number < low)
            or (high is not None and number > high)
        ):
            self.invalid(message, field)
        return number


def _validate(
    *,
    mode: object,
    dose_mg_per_kg: object,
    mg_per_kg_per_h: object,
    dosing_weight_kg: object,
    duration_min: object,
    vial_conc_mg_per_mL: object,
    stocked_vial_concs_mg_per_mL: Sequence[object],
    drug_mg_added: object,
    diluent_volume_mL: object,
    limits: ProtocolLimits,
    pump_resolution_mL_per_h: object,
    pump_max_rate_mL_per_h: object,
) -> _Validated | list[Problem]:
    check = _Collector()
    try:
        mode_value = DoseMode(mode)
    except ValueError:
        mode_value = None
        check.invalid(MODE_UNKNOWN, "mode")

    # Exactly one of the two dose inputs, the one matching the mode, so units cannot be confused.
    per_kg = Decimal(1)
    if mode_value is not None:
        fixed = mode_value == DoseMode.FIXED_DOSE_OVER_TIME
        given, other = (dose_mg_per_kg, mg_per_kg_per_h) if fixed else (mg_per_kg_per_h, dose_mg_per_kg)
        given_field = "dose_mg_per_kg" if fixed else "mg_per_kg_per_h"
        other_field = "mg_per_kg_per_h" if fixed else "dose_mg_per_kg"
        if other is not None:
            check.invalid(DOSE_FOR_OTHER_MODE, other_field)
        if given is None:
            check.invalid(DOSE_PER_KG_MISSING if fixed else RATE_PER_KG_MISSING, given_field)
        else:
            per_kg = check.number(
                given,
                field=given_field,
                message=DOSE_PER_KG_RANGE if fixed else RATE_PER_KG_RANGE,
                positive=True,
                high=DOSE_PER_KG_MAX,
            )

    weight = check.number(
        dosing_weight_kg,
        field="dosing_weight_kg",
        message=WEIGHT_RANGE,
        low=WEIGHT_MIN_KG,
        high=WEIGHT_MAX_KG,
    )
    duration = check.number(
        duration_min,
        field="duration_min",
        message=DURATION_RANGE,
        low=DURATION_MIN_MIN,
        high=DURATION_MAX_MIN,
    )
    vial = check.number(
        vial_conc_mg_per_mL, field="vial_conc_mg_per_mL", message=VIAL_CONC_POSITIVE, positive=True
    )
    drug = check.number(
        drug_mg_added,
        field="drug_mg_added",
        message=DRUG_MG_RANGE,
        positive=True,
        high=DRUG_MG_ADDED_MAX,
    )
    diluent = check.number(
        diluent_volume_mL,
        field="diluent_volume_mL",
        message=DILUENT_RANGE,
        positive=True,
        high=DILUENT_VOLUME_MAX_ML,
    )
    resolution = check.number(
        pump_resolution_mL_per_h,
        field="pump_resolution_mL_per_h",
        message=PUMP_RESOLUTION_RANGE,
        low=PUMP_RESOLUTION_MIN_ML_PER_H,
        high=PUMP_RESOLUTION_MAX_ML_PER_H,
    )
    pump_max = check.number(
        pump_max_rate_mL_per_h,
        field="pump_max_rate_mL_per_h",
        message=PUMP_MAX_RANGE,
        positive=True,
        high=PUMP_MAX_RATE_LIMIT_ML_PER_H,
    )
    stocked = tuple(
        check.number(item, field="stocked_vial_concs_mg_per_mL", message=STOCKED_INVALID, positive=True)
        for item in stocked_vial_concs_mg_per_mL
    )
    clean_limits = _validate_limits(limits, check)
    if check.problems or mode_value is None:
        return check.problems
    return _Validated(
        mode=mode_value,
        per_kg=per_kg,
        weight=weight,
        duration=duration,
        vial=vial,
        drug=drug,
        diluent=diluent,
        resolution=resolution,
        pump_max=pump_max,
        stocked=stocked,
        limits=clean_limits,
    )


_LIMIT_NAMES = (
    "max_mg_per_kg_per_session",
    "max_mg_per_kg_per_hour",
    "max_total_mg_per_session",
    "usual_low_mg_per_kg",
    "usual_high_mg_per_kg",
    "min_duration_min",
    "max_duration_min",
    "pain_min_total_mg",
    "pain_min_duration_min",
    "usual_max_bag_conc_mg_per_mL",
)


def _validate_limits(limits: ProtocolLimits, check: _Collector) -> ProtocolLimits:
    """The limits with every value as a Decimal; problems are recorded on `check`."""
    before = len(check.problems)
    values = {
        name: check.number(
            getattr(limits, name),
            field=f"limits.{name}",
            message=LIMIT_POSITIVE.format(name=name),
            positive=True,
        )
        for name in _LIMIT_NAMES
    }
    clean = ProtocolLimits(**values)
    if len(check.problems) == before:
        if clean.usual_low_mg_per_kg > clean.usual_high_mg_per_kg:
            check.invalid(LIMIT_RANGE_ORDER, "limits.usual_low_mg_per_kg")
        if clean.min_duration_min > clean.max_duration_min:
            check.invalid(LIMIT_DURATION_ORDER, "limits.min_duration_min")
    return clean


# --- Arithmetic (exact) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Quantities:
    """Every derived quantity as an exact rational (domain.md §1.6 formulas)."""

    hours: Fraction
    dose: Fraction  # mg
    hourly: Fraction  # mg/h
    dose_per_kg: Fraction  # mg/kg per session
    per_kg_per_h: Fraction  # mg/kg/h average
    drug_volume: Fraction  # mL
    final_volume: Fraction  # mL
    bag_conc: Fraction  # mg/mL
    volume_to_infuse: Fraction  # mL
    rate_exact: Fraction  # mL/h
    rate_rounded: Fraction  # mL/h, a multiple of the pump resolution
    delivered_volume: Fraction  # mL
    delivered: Fraction  # mg


def _compute(v: _Validated) -> _Quantities:
    weight, hours, per_kg = Fraction(v.weight), Fraction(v.duration) / 60, Fraction(v.per_kg)
    if v.mode == DoseMode.FIXED_DOSE_OVER_TIME:
        dose = per_kg * weight
        hourly = dose / hours
    else:
        hourly = per_kg * weight
        dose = hourly * hours
    drug = Fraction(v.drug)
    drug_volume = drug / Fraction(v.vial)
    final_volume = Fraction(v.diluent) + drug_volume
    bag_conc = drug / final_volume
    volume_to_infuse = dose / bag_conc
    rate_exact = volume_to_infuse / hours
    resolution = Fraction(v.resolution)
    # The rounding rule: DOWN to a multiple of the resolution, so delivered ≤ prescribed.
    rate_rounded = (rate_exact // resolution) * resolution
    delivered_volume = rate_rounded * hours
    delivered = delivered_volume * bag_conc
    if delivered > dose:  # pragma: no cover - impossible by construction; the safety property
        raise AssertionError("delivered dose exceeds prescribed dose")
    return _Quantities(
        hours=hours,
        dose=dose,
        hourly=hourly,
        dose_per_kg=dose / weight,
        per_kg_per_h=hourly / weight,
        drug_volume=drug_volume,
        final_volume=final_volume,
        bag_conc=bag_conc,
        volume_to_infuse=volume_to_infuse,
        rate_exact=rate_exact,
        rate_rounded=rate_rounded,
        delivered_volume=delivered_volume,
        delivered=delivered,
    )


# --- Rules -----------------------------------------------------------------------------------------


def _hard_stops(v: _Validated, q: _Quantities) -> list[Problem]:
    limits = v.limits
    stops: list[Problem] = []
    if v.vial not in v.stocked:
        stocked = ", ".join(_show(s) for s in sorted(v.stocked)) or "none"
        stops.append(
            _hard(
                ProblemCode.VIAL_NOT_STOCKED,
                VIAL_NOT_STOCKED_MESSAGE.format(vial=_show(v.vial), stocked=stocked),
                REASON_VIAL,
                "vial_conc_mg_per_mL",
            )
        )
    if not limits.min_duration_min <= v.duration <= limits.max_duration_min:
        stops.append(
            _hard(
                ProblemCode.DURATION_OUTSIDE_PROTOCOL,
                DURATION_OUTSIDE_PROTOCOL_MESSAGE.format(
                    duration=_show(v.duration),
                    low=_show(limits.min_duration_min),
                    high=_show(limits.max_duration_min),
                ),
                REASON_DURATION,
                "duration_min",
            )
        )
    if q.dose_per_kg > Fraction(limits.max_mg_per_kg_per_session):
        stops.append(
            _hard(
                ProblemCode.OVER_MAX_MG_PER_KG_PER_SESSION,
                OVER_MAX_PER_KG_SESSION_MESSAGE.format(
                    value=_show(q.dose_per_kg), limit=_show(limits.max_mg_per_kg_per_session)
                ),
                REASON_MAX_PER_KG,
                v.per_kg_field,
            )
        )
    if q.per_kg_per_h > Fraction(limits.max_mg_per_kg_per_hour):
        # For a fixed dose, the hourly rate is too high because the duration is too short.
        field = v.per_kg_field if v.mode == DoseMode.RATE_PER_HOUR else "duration_min"
        stops.append(
            _hard(
                ProblemCode.OVER_MAX_MG_PER_KG_PER_HOUR,
                OVER_MAX_PER_KG_HOUR_MESSAGE.format(
                    value=_show(q.per_kg_per_h), limit=_show(limits.max_mg_per_kg_per_hour)
                ),
                REASON_MAX_PER_HOUR,
                field,
            )
        )
    if q.dose > Fraction(limits.max_total_mg_per_session):
        stops.append(
            _hard(
                ProblemCode.OVER_MAX_TOTAL_MG_PER_SESSION,
                OVER_MAX_TOTAL_MESSAGE.format(
                    value=_show(q.dose), limit=_show(limits.max_total_mg_per_session)
                ),
                REASON_MAX_TOTAL,
                v.per_kg_field,
            )
        )
    if q.bag_conc > Fraction(MAX_IV_CONC_MG_PER_ML):
        stops.append(
            _hard(
                ProblemCode.UNDILUTED_CONCENTRATION,
                UNDILUTED_MESSAGE.format(value=_show(q.bag_conc), limit=_show(MAX_IV_CONC_MG_PER_ML)),
                REASON_UNDILUTED,
                "diluent_volume_mL",
            )
        )
    if q.dose > Fraction(v.drug):
        stops.append(
            _hard(
                ProblemCode.INSUFFICIENT_DRUG_IN_BAG,
                INSUFFICIENT_DRUG_MESSAGE.format(bag=_show(v.drug), dose=_show(q.dose)),
                REASON_INSUFFICIENT,
                "drug_mg_added",
            )
        )
    if q.rate_exact < Fraction(v.resolution):
        stops.append(
            _hard(
                ProblemCode.RATE_BELOW_PUMP_RESOLUTION,
                RATE_BELOW_RESOLUTION_MESSAGE.format(
                    rate=_show(q.rate_exact), resolution=_show(v.resolution)
                ),
                REASON_PUMP_RESOLUTION,
                "diluent_volume_mL",
            )
        )
    if q.rate_exact > Fraction(v.pump_max):
        stops.append(
            _hard(
                ProblemCode.RATE_ABOVE_PUMP_MAXIMUM,
                RATE_ABOVE_MAXIMUM_MESSAGE.format(rate=_show(q.rate_exact), limit=_show(v.pump_max)),
                REASON_PUMP_MAXIMUM,
                "diluent_volume_mL",
            )
        )
    return stops


def _warnings(v: _Validated, q: _Quantities) -> list[Problem]:
    limits = v.limits
    warnings: list[Problem] = []
    if v.mode == DoseMode.FIXED_DOSE_OVER_TIME:
        what, value, unit, reason = "Dose", q.dose_per_kg, "mg/kg", REASON_USUAL_MOOD
    else:
        what, value, unit, reason = "Rate", q.per_kg_per_h, "mg/kg/h", REASON_USUAL_PAIN
    if not Fraction(limits.usual_low_mg_per_kg) <= value <= Fraction(limits.usual_high_mg_per_kg):
        warnings.append(
            _warn(
                ProblemCode.DOSE_OUTSIDE_USUAL_RANGE,
                DOSE_OUTSIDE_USUAL_MESSAGE.format(
                    what=what,
                    value=_show(value),
                    unit=unit,
                    low=_show(limits.usual_low_mg_per_kg),
                    high=_show(limits.usual_high_mg_per_kg),
                ),
                reason,
                v.per_kg_field,
            )
        )
    if v.mode == DoseMode.RATE_PER_HOUR and (
        q.delivered < Fraction(limits.pain_min_total_mg) or v.duration <= limits.pain_min_duration_min
    ):
        warnings.append(
            _warn(
                ProblemCode.PAIN_BELOW_DOSE_RESPONSE,
                PAIN_DOSE_RESPONSE_MESSAGE.format(
                    dose=_show(q.delivered, rounding=ROUND_FLOOR),
                    duration=_show(v.duration),
                    min_total=_show(limits.pain_min_total_mg),
                    min_duration=_show(limits.pain_min_duration_min),
                ),
                REASON_PAIN_DOSE_RESPONSE,
                "duration_min",
            )
        )
    if MAX_IV_CONC_MG_PER_ML >= q.bag_conc > Fraction(limits.usual_max_bag_conc_mg_per_mL):
        warnings.append(
            _warn(
                ProblemCode.BAG_CONCENTRATION_ABOVE_USUAL,
                BAG_CONC_ABOVE_USUAL_MESSAGE.format(
                    value=_show(q.bag_conc), limit=_show(limits.usual_max_bag_conc_mg_per_mL)
                ),
                REASON_BAG_CONC,
                "diluent_volume_mL",
            )
        )
    shortfall = (q.dose - q.delivered) / q.dose
    if q.rate_rounded > 0 and shortfall > Fraction(ROUNDING_WARNING_FRACTION):
        warnings.append(
            _warn(
                ProblemCode.ROUNDING_REDUCES_DOSE,
                ROUNDING_REDUCES_DOSE_MESSAGE.format(
                    delivered=_show(q.delivered, rounding=ROUND_FLOOR),
                    dose=_show(q.dose, rounding=ROUND_FLOOR),
                    percent=_show(shortfall * 100),
                ),
                REASON_ROUNDING,
                "pump_resolution_mL_per_h",
            )
        )
    return warnings


def _working(v: _Validated, q: _Quantities) -> tuple[str, ...]:
    dose = _show(q.dose, rounding=ROUND_FLOOR)
    if v.mode == DoseMode.FIXED_DOSE_OVER_TIME:
        dose_line = f"Dose = {_show(v.per_kg)} mg/kg × {_show(v.weight)} kg = {dose} mg."
    else:
        dose_line = (
            f"Dose = {_show(v.per_kg)} mg/kg/h × {_show(v.weight)} kg = "
            f"{_show(q.hourly, rounding=ROUND_FLOOR)} mg/h × {_show(v.duration)} min ÷ 60 = {dose} mg."
        )
    return (
        dose_line,
        f"Drug volume = {_show(v.drug)} mg ÷ {_show(v.vial)} mg/mL = {_show(q.drug_volume)} mL.",
        f"Bag = {_show(v.diluent)} mL diluent + {_show(q.drug_volume)} mL drug = "
        f"{_show(q.final_volume)} mL; concentration = {_show(v.drug)} mg ÷ {_show(q.final_volume)} mL"
        f" = {_show(q.bag_conc)} mg/mL.",
        f"Volume to infuse = {dose} mg ÷ {_show(q.bag_conc)} mg/mL = {_show(q.volume_to_infuse)} mL.",
        f"Rate = {_show(q.volume_to_infuse)} mL ÷ ({_show(v.duration)} min ÷ 60) = "
        f"{_show(q.rate_exact)} mL/h; pump rate {_show(q.rate_rounded)} mL/h "
        f"(rounded down to a multiple of {_show(v.resolution)} mL/h).",
        f"Delivered = {_show(q.rate_rounded)} mL/h × {_show(v.duration)} min ÷ 60 × "
        f"{_show(q.bag_conc)} mg/mL = {_show(q.delivered, rounding=ROUND_FLOOR)} mg.",
    )


# --- The calculator -------------------------------------------------------------------------------


def infusion_plan_calculate(
    *,
    mode: DoseMode | str,
    dosing_weight_kg: Decimal,
    duration_min: Decimal | int,
    vial_conc_mg_per_mL: Decimal,
    stocked_vial_concs_mg_per_mL: Sequence[Decimal],
    drug_mg_added: Decimal,
    diluent_volume_mL: Decimal,
    limits: ProtocolLimits,
    dose_mg_per_kg: Decimal | None = None,
    mg_per_kg_per_h: Decimal | None = None,
    pump_resolution_mL_per_h: Decimal = DEFAULT_PUMP_RESOLUTION_ML_PER_H,
    pump_max_rate_mL_per_h: Decimal = DEFAULT_PUMP_MAX_RATE_ML_PER_H,
) -> DoseCalculation:
    """Calculate the infusion plan, or the hard stops that prevent one.

    Give `dose_mg_per_kg` with mode "fixed_dose_over_time" (mood, §1.1) or `mg_per_kg_per_h` with
    mode "rate_per_hour" (pain, §1.4); the other must be None, so a per-hour figure can never be read
    as a per-session one. Formulas (domain.md §1.6):

        dose_mg             = dose_mg_per_kg × weight          (or mg_per_kg_per_h × weight × h)
        drug_volume_mL      = drug_mg_added ÷ vial_conc
        final_bag_volume_mL = diluent_volume_mL + drug_volume_mL
        bag_conc            = drug_mg_added ÷ final_bag_volume_mL
        volume_to_infuse_mL = dose_mg ÷ bag_conc
        rate_mL_h           = volume_to_infuse_mL ÷ (duration_min ÷ 60)
        pump rate           = rate rounded DOWN to a multiple of the pump resolution
        delivered_dose_mg   = pump rate × duration_min ÷ 60 × bag_conc

    Never raises for bad input: every problem is returned as a hard stop naming its field.
    """
    validated = _validate(
        mode=mode,
        dose_mg_per_kg=dose_mg_per_kg,
        mg_per_kg_per_h=mg_per_kg_per_h,
        dosing_weight_kg=dosing_weight_kg,
        duration_min=duration_min,
        vial_conc_mg_per_mL=vial_conc_mg_per_mL,
        stocked_vial_concs_mg_per_mL=stocked_vial_concs_mg_per_mL,
        drug_mg_added=drug_mg_added,
        diluent_volume_mL=diluent_volume_mL,
        limits=limits,
        pump_resolution_mL_per_h=pump_resolution_mL_per_h,
        pump_max_rate_mL_per_h=pump_max_rate_mL_per_h,
    )
    if isinstance(validated, list):
        return DoseCalculation(plan=None, draft=None, hard_stops=tuple(validated), warnings=())
    v = validated
    q = _compute(v)
    hard_stops = _hard_stops(v, q)
    warnings = tuple(_warnings(v, q))
    floor = ROUND_FLOOR
    draft = InfusionPlan(
        mode=v.mode,
        dosing_weight_kg=_strip(v.weight),
        duration_min=_strip(v.duration),
        dose_mg_per_kg=_to_decimal(q.dose_per_kg),
        mg_per_kg_per_h=_to_decimal(q.per_kg_per_h),
        hourly_dose_mg=_to_decimal(q.hourly, rounding=floor),
        dose_mg=_to_decimal(q.dose, rounding=floor),
        vial_conc_mg_per_mL=_strip(v.vial),
        drug_mg_added=_strip(v.drug),
        drug_volume_mL=_to_decimal(q.drug_volume),
        diluent_volume_mL=_strip(v.diluent),
        final_bag_volume_mL=_to_decimal(q.final_volume),
        bag_conc_mg_per_mL=_to_decimal(q.bag_conc),
        volume_to_infuse_mL=_to_decimal(q.volume_to_infuse),
        rate_exact_mL_per_h=_to_decimal(q.rate_exact),
        rate_mL_per_h=_to_decimal(q.rate_rounded),
        pump_resolution_mL_per_h=_strip(v.resolution),
        delivered_volume_mL=_to_decimal(q.delivered_volume),
        delivered_dose_mg=_to_decimal(q.delivered, rounding=floor),
        working=_working(v, q),
        warnings=warnings,
    )
    return DoseCalculation(
        plan=None if hard_stops else draft,
        draft=draft,
        hard_stops=tuple(hard_stops),
        warnings=warnings,
    )

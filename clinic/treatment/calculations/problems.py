"""Hard stops and warnings of the dose calculator: codes, messages and the source of each rule.

Messages are module constants (tests reuse them); placeholders are filled with the numbers. Reasons
cite domain.md so that a prescriber can see why the software refuses or questions a plan.
"""

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    HARD_STOP = "hard_stop"  # no plan is returned; the order cannot be signed
    WARNING = "warning"  # the plan is returned; the prescriber acknowledges the warning


class ProblemCode(StrEnum):
    # Hard stops
    INVALID_INPUT = "INVALID_INPUT"
    VIAL_NOT_STOCKED = "VIAL_NOT_STOCKED"
    DURATION_OUTSIDE_PROTOCOL = "DURATION_OUTSIDE_PROTOCOL"
    OVER_MAX_MG_PER_KG_PER_SESSION = "OVER_MAX_MG_PER_KG_PER_SESSION"
    OVER_MAX_MG_PER_KG_PER_HOUR = "OVER_MAX_MG_PER_KG_PER_HOUR"
    OVER_MAX_TOTAL_MG_PER_SESSION = "OVER_MAX_TOTAL_MG_PER_SESSION"
    UNDILUTED_CONCENTRATION = "UNDILUTED_CONCENTRATION"
    INSUFFICIENT_DRUG_IN_BAG = "INSUFFICIENT_DRUG_IN_BAG"
    RATE_BELOW_PUMP_RESOLUTION = "RATE_BELOW_PUMP_RESOLUTION"
    RATE_ABOVE_PUMP_MAXIMUM = "RATE_ABOVE_PUMP_MAXIMUM"
    # Warnings
    DOSE_OUTSIDE_USUAL_RANGE = "DOSE_OUTSIDE_USUAL_RANGE"
    PAIN_BELOW_DOSE_RESPONSE = "PAIN_BELOW_DOSE_RESPONSE"
    BAG_CONCENTRATION_ABOVE_USUAL = "BAG_CONCENTRATION_ABOVE_USUAL"
    ROUNDING_REDUCES_DOSE = "ROUNDING_REDUCES_DOSE"


# --- Messages (tests reuse these; placeholders are filled with the numbers) ----------------------

MODE_UNKNOWN = "Dose mode must be fixed_dose_over_time or rate_per_hour."
DOSE_PER_KG_MISSING = "Enter the dose in mg/kg for a fixed dose over time."
RATE_PER_KG_MISSING = "Enter the rate in mg/kg/h for a rate-per-hour infusion."
DOSE_FOR_OTHER_MODE = "Give either a dose in mg/kg or a rate in mg/kg/h, not both."
DOSE_PER_KG_RANGE = "Dose must be more than 0 and at most 10 mg/kg — check the unit (mg/kg, not mg)."
RATE_PER_KG_RANGE = "Rate must be more than 0 and at most 10 mg/kg/h — check the unit (mg/kg/h, not mg/h)."
WEIGHT_RANGE = "Dosing weight must be between 20 and 350 kg."
DURATION_RANGE = "Duration must be between 2 and 600 min."
VIAL_CONC_POSITIVE = "Vial concentration must be more than 0 mg/mL."
DRUG_MG_RANGE = "Drug added to the bag must be more than 0 and at most 5000 mg."
DILUENT_RANGE = "Diluent volume must be more than 0 and at most 3000 mL."
PUMP_RESOLUTION_RANGE = "Pump resolution must be between 0.001 and 10 mL/h."
PUMP_MAX_RANGE = "Pump maximum rate must be more than 0 and at most 2000 mL/h."
STOCKED_INVALID = "Stocked vial concentrations must be numbers above 0 mg/mL."
LIMIT_POSITIVE = "Protocol limit {name} must be more than 0."
LIMIT_RANGE_ORDER = "Protocol usual range: the low value must not exceed the high value."
LIMIT_DURATION_ORDER = "Protocol durations: the minimum must not exceed the maximum."

VIAL_NOT_STOCKED_MESSAGE = (
    "Vial concentration {vial} mg/mL is not a stocked product (stocked: {stocked} mg/mL)."
)
DURATION_OUTSIDE_PROTOCOL_MESSAGE = "Duration {duration} min is outside the protocol's {low}–{high} min."
OVER_MAX_PER_KG_SESSION_MESSAGE = (
    "Dose {value} mg/kg exceeds the protocol maximum of {limit} mg/kg per session."
)
OVER_MAX_PER_KG_HOUR_MESSAGE = (
    "Infusion rate {value} mg/kg/h exceeds the protocol maximum of {limit} mg/kg/h."
)
OVER_MAX_TOTAL_MESSAGE = "Dose {value} mg exceeds the protocol maximum of {limit} mg per session."
UNDILUTED_MESSAGE = (
    "Bag concentration {value} mg/mL is above {limit} mg/mL: the drug is not diluted enough for IV "
    "use. Add more diluent."
)
INSUFFICIENT_DRUG_MESSAGE = "The bag holds {bag} mg but the dose is {dose} mg. Add more drug to the bag."
RATE_BELOW_RESOLUTION_MESSAGE = (
    "Rate {rate} mL/h is below the pump resolution of {resolution} mL/h; use a weaker bag concentration."
)
RATE_ABOVE_MAXIMUM_MESSAGE = (
    "Rate {rate} mL/h is above the pump maximum of {limit} mL/h; use a stronger bag concentration "
    "or a longer duration."
)
DOSE_OUTSIDE_USUAL_MESSAGE = "{what} {value} {unit} is outside the usual range of {low}–{high} {unit}."
PAIN_DOSE_RESPONSE_MESSAGE = (
    "{dose} mg over {duration} min is below the pain dose-response criterion of at least "
    "{min_total} mg over more than {min_duration} min."
)
BAG_CONC_ABOVE_USUAL_MESSAGE = (
    "Bag concentration {value} mg/mL is above the usual {limit} mg/mL for an infusion; check the "
    "bag preparation."
)
ROUNDING_REDUCES_DOSE_MESSAGE = (
    "Rounding the rate down to the pump resolution delivers {delivered} mg instead of {dose} mg "
    "({percent} % less)."
)

# --- Reasons (the source of each rule) ----------------------------------------------------------

REASON_INPUT = "Input outside the range the calculator accepts (sanity check, not a clinical limit)."
REASON_VIAL = "Only stocked products can be drawn up; domain.md §1.6 [Ketalar] lists 10, 50, 100 mg/mL."
REASON_DURATION = (
    "Protocol setting; mood sessions of 2–100 min are reported, 40 min conventional (domain.md §1.1)."
)
REASON_MAX_PER_KG = (
    "Clinic-configured max_mg_per_kg_per_session; mood literature ceiling ~0.75–1.0 mg/kg "
    "(domain.md §1.5 [Andrade2017a], [Fava2020])."
)
REASON_MAX_PER_HOUR = (
    "Clinic-configured max_mg_per_kg_per_hour; outpatient pain infusions up to 2 mg/kg/h, 7 mg/kg/h "
    "only in ICU (domain.md §1.5 [Cohen2018])."
)
REASON_MAX_TOTAL = "Clinic-configured max_total_mg_per_session (domain.md §1.5)."
REASON_UNDILUTED = (
    "100 mg/mL must not be given IV without dilution (domain.md §1.6 [Ketalar]); the label says to "
    "dilute with an equal volume, so no IV solution may exceed 50 mg/mL (Ketalar PI §2)."
)
REASON_INSUFFICIENT = "The bag must contain the whole dose (domain.md §1.6 formulas)."
REASON_PUMP_RESOLUTION = (
    "Rate is rounded to the pump resolution (domain.md §1.6); below it the pump cannot run."
)
REASON_PUMP_MAXIMUM = (
    "The pump cannot run faster than its maximum rate (pump setting; rate arithmetic domain.md §1.6)."
)
REASON_USUAL_MOOD = "Warn, do not block, outside 0.1–1.0 mg/kg (domain.md §1.1 rule suggestions)."
REASON_USUAL_PAIN = "Consensus infusion rate 0.5–2 mg/kg/h (domain.md §1.4 [Cohen2018], C, low)."
REASON_PAIN_DOSE_RESPONSE = (
    "Higher and longer infusions give more benefit; total ≥ 80 mg over > 2 h "
    "(domain.md §1.4 [Cohen2018], C, low)."
)
REASON_BAG_CONC = "Label infusion recipes give 1 mg/mL or 2 mg/mL fluid-restricted (domain.md §1.6)."
REASON_ROUNDING = "Round rate to pump resolution and recompute delivered dose; log both (domain.md §1.6)."


@dataclass(frozen=True)
class Problem:
    """One reason the plan is unsafe (hard stop) or unusual (warning)."""

    code: ProblemCode
    severity: Severity
    message: str
    reason: str
    field: str | None = None  # the input to change, when one is to blame

    @property
    def is_hard_stop(self) -> bool:
        return self.severity == Severity.HARD_STOP

"""Hard stops and warnings of the dose calculator: codes, messages and the source of each rule.

Messages are module constants (tests reuse them); placeholders are filled with the numbers. Reasons
name the label, guideline or study behind each rule so that a prescriber can see why the software
refuses or questions a plan; the domain.md section stays in a comment beside each.
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

MODE_UNKNOWN = "Dose mode must be a fixed dose over a time or a rate per hour."
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

# --- Reasons (the source of each rule, as the prescriber reads it) ----------------------------------
# Reasons name the label, guideline or study a clinician knows; the domain.md section is in the comment.

REASON_INPUT = "Input outside the range the calculator accepts (sanity check, not a clinical limit)."
# domain.md §1.6 [Ketalar]
REASON_VIAL = "Only stocked products can be drawn up; the Ketalar label lists 10, 50 and 100 mg/mL vials."
# domain.md §1.1 [Andrade2017a]
REASON_DURATION = (
    "Protocol setting; mood sessions of 2–100 min are reported, 40 min conventional (Andrade 2017)."
)
# domain.md §1.5 [Andrade2017a], [Fava2020]
REASON_MAX_PER_KG = (
    "The clinic's protocol maximum per session; the mood literature's ceiling is about 0.75–1.0 mg/kg "
    "(Andrade 2017; Fava 2020 RAPID trial)."
)
# domain.md §1.5 [Cohen2018]
REASON_MAX_PER_HOUR = (
    "The clinic's protocol maximum per hour; outpatient pain infusions run up to 2 mg/kg/h, 7 mg/kg/h "
    "only in intensive care (ASRA/AAPM/ASA 2018 pain consensus)."
)
# domain.md §1.5: the sources ask for a total limit but give no number.
REASON_MAX_TOTAL = "The clinic's protocol maximum total per session, set by the medical director."
# domain.md §1.6 [Ketalar]; Ketalar PI section 2.
REASON_UNDILUTED = (
    "Ketalar label: 100 mg/mL must not be given IV without dilution, and the label dilutes it with an "
    "equal volume, so no IV solution may exceed 50 mg/mL."
)
# domain.md §1.6 formulas
REASON_INSUFFICIENT = "The bag must contain the whole dose."
# domain.md §1.6
REASON_PUMP_RESOLUTION = "The rate is rounded to the pump resolution; below it the pump cannot run."
REASON_PUMP_MAXIMUM = "The pump cannot run faster than its maximum rate (pump setting)."
# domain.md §1.1 rule suggestions [Andrade2017a], [Fava2020]
REASON_USUAL_MOOD = (
    "Studies used 0.1–1.0 mg/kg (Andrade 2017; Fava 2020 RAPID trial): a dose outside is questioned, "
    "not refused."
)
# domain.md §1.4 [Cohen2018], grade C, low certainty
REASON_USUAL_PAIN = "Consensus infusion rate 0.5–2 mg/kg/h (ASRA/AAPM/ASA 2018 pain consensus, grade C)."
REASON_PAIN_DOSE_RESPONSE = (
    "Higher and longer infusions give more benefit: a total of at least 80 mg over more than 2 h "
    "(ASRA/AAPM/ASA 2018 pain consensus, grade C)."
)
# domain.md §1.6 [Ketalar] (label recipes quoted by a secondary site)
REASON_BAG_CONC = "The Ketalar label's infusion recipes give 1 mg/mL, or 2 mg/mL when fluid is restricted."
# domain.md §1.6 rounding rule
REASON_ROUNDING = (
    "The rate is rounded to the pump resolution and the delivered dose recomputed; both are kept."
)


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

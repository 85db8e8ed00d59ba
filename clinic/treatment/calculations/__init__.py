"""Pure clinical calculations for treatment orders: dosing weight, dose and pump rate, PK prediction.

No Django, no database: services in clinic.treatment wrap these functions, load the protocol's
settings, and store the results. See docs/calculations.md for the formulas, rules and sources.
"""

from clinic.treatment.calculations.body_weight import (
    DosingWeight,
    adjusted_body_weight_kg,
    dosing_weight_kg,
    ideal_body_weight_kg,
)
from clinic.treatment.calculations.dose import (
    DoseCalculation,
    DoseMode,
    InfusionPlan,
    ProtocolLimits,
    infusion_plan_calculate,
)
from clinic.treatment.calculations.errors import CalculationInputError
from clinic.treatment.calculations.pk import (
    PK_MODELS,
    REFERENCE_CONCENTRATIONS,
    ConcentrationReference,
    InfusionSegment,
    PkModel,
    PkPoint,
    infusion_segments_for_dose,
    pk_model_get,
    simulate_plasma_concentration,
)
from clinic.treatment.calculations.problems import Problem, ProblemCode, Severity

__all__ = [
    "PK_MODELS",
    "REFERENCE_CONCENTRATIONS",
    "CalculationInputError",
    "ConcentrationReference",
    "DoseCalculation",
    "DoseMode",
    "DosingWeight",
    "InfusionPlan",
    "InfusionSegment",
    "PkModel",
    "PkPoint",
    "Problem",
    "ProblemCode",
    "ProtocolLimits",
    "Severity",
    "adjusted_body_weight_kg",
    "dosing_weight_kg",
    "ideal_body_weight_kg",
    "infusion_plan_calculate",
    "infusion_segments_for_dose",
    "pk_model_get",
    "simulate_plasma_concentration",
]

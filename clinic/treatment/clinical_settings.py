"""The treatment app's clinic settings: dosing-weight age, the infusion pump and the PK chart.

Registered in `TreatmentConfig.ready()`. Protocol numbers (doses, limits, series) are not here: they
live on the versioned `Protocol` records the clinic edits, each with its sources.
"""

from decimal import Decimal

from clinic.core.clinical_settings import OPERATIONAL, REGISTRY, SettingDefinition, register
from clinic.treatment.calculations.pk import PK_MODEL_CHOICES

DOSING_WEIGHT_MAX_AGE_DAYS = "dosing_weight_max_age_days"
PUMP_RATE_RESOLUTION = "pump_rate_resolution_ml_h"
PUMP_MAX_RATE = "pump_max_rate_ml_h"
PK_DEFAULT_MODEL = "pk_default_model"
COURSE_REQUIRES_CANDIDACY = "course_requires_candidacy_decision"
COURSE_START_MAX_DAYS_AHEAD = "course_planned_start_max_days_ahead"

PK_MODELS = ("domino", "clements250", "hijazi")

DEFINITIONS = (
    SettingDefinition(
        key=DOSING_WEIGHT_MAX_AGE_DAYS,
        label="Oldest body weight an order may be dosed on",
        kind="int",
        default=30,
        unit="days",
        minimum=1,
        maximum=90,
        # domain.md §3.4 only says to record the weight for the dosing weight, with no interval.
        source=(
            "Product default; no published number — set by the medical director. At most 90 days: a dose "
            "per kilogram needs a recent weight (product bound)."
        ),
        group="Treatment orders",
        help_text="An order cannot be signed when the latest weight is older than this.",
    ),
    SettingDefinition(
        key=PUMP_RATE_RESOLUTION,
        label="Infusion pump rate resolution",
        kind="decimal",
        default="0.1",
        unit="mL/h",
        minimum=Decimal("0.001"),
        maximum=Decimal("1"),
        source=(
            "Round the rate to the pump's step, commonly 0.1 mL/h; at most 1 mL/h (product bound). "
            "(domain.md §1.6)"
        ),
        group="Treatment orders",
    ),
    SettingDefinition(
        key=PUMP_MAX_RATE,
        label="Infusion pump maximum rate",
        kind="decimal",
        default="999",
        unit="mL/h",
        minimum=Decimal("1"),
        maximum=Decimal("2000"),
        source=(
            "No domain.md number: the clinic's pump specification (999 mL/h is a common "
            "large-volume pump maximum; product default)."
        ),
        group="Treatment orders",
    ),
    SettingDefinition(
        key=PK_DEFAULT_MODEL,
        label="Pharmacokinetic model shown on orders by default",
        kind="choice",
        default="clements250",
        choices=PK_MODELS,
        choice_labels=PK_MODEL_CHOICES,
        source=(
            "Three published models; Clements & Nimmo (adult volunteers) by default because its "
            "predicted end-of-infusion level for 0.5 mg/kg/40 min (177 ng/mL) is closest to the "
            "observed ~185 ng/mL peak (Zanos 2018); Hijazi is an ICU population. "
            "(domain.md §6.1, §6.3 [Zanos2018])"
        ),
        group="Treatment orders",
    ),
    SettingDefinition(
        key=COURSE_REQUIRES_CANDIDACY,
        label="A course needs a signed 'candidate' decision",
        kind="bool",
        default=True,
        source=(
            "Product safety default (product.md journey step 2: the physician signs a decision "
            "before a course); no domain.md number."
        ),
        group="Treatment orders",
    ),
    SettingDefinition(
        key=COURSE_START_MAX_DAYS_AHEAD,
        label="Latest planned start of a new course",
        kind="int",
        default=365,
        unit="days ahead",
        minimum=1,
        maximum=1826,
        source=(
            "Product default; no clinical source — set by the medical director. A course is planned "
            "for the coming weeks; a start more than a year ahead is most likely a mistyped year."
        ),
        group="Treatment orders",
        help_text="A course cannot be drafted with a planned start in the past or further ahead than this.",
        category=OPERATIONAL,  # a data-entry window (a mistyped year), not a clinical limit
    ),
)


def register_treatment_settings() -> None:
    # ready() can run more than once in one process (e.g. some test runners); register once.
    register(*(d for d in DEFINITIONS if d.key not in REGISTRY))

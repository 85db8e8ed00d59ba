"""Build an infusion plan for a course from the form's inputs, the chart and the clinic's settings.

This is the one place that feeds the pure calculators (dosing weight, dose/pump rate): the preview,
the draft and the signature all call `order_plan_build`, so what the prescriber saw is what is
checked again at signing. Reads only; nothing here writes.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from clinic.core.display import display_in_unit
from clinic.core.selectors import clinic_setting_value
from clinic.patients.models import BodyMeasurement
from clinic.patients.selectors import latest_measurement
from clinic.treatment.calculations.body_weight import DosingWeight, dosing_weight_kg
from clinic.treatment.calculations.dose import (
    DoseCalculation,
    ProtocolLimits,
    infusion_plan_calculate,
)
from clinic.treatment.calculations.errors import CalculationInputError
from clinic.treatment.clinical_settings import (
    DOSING_WEIGHT_MAX_AGE_DAYS,
    PUMP_MAX_RATE,
    PUMP_RATE_RESOLUTION,
)
from clinic.treatment.models import (
    Diluent,
    DosingMode,
    InfusionOrder,
    OrderStatus,
    Protocol,
    StockedProduct,
    TreatmentCourse,
)

NO_WEIGHT = "No weight is recorded for this patient; record a weight before ordering."
STALE_WEIGHT = (
    "The latest weight ({weight} kg, measured {date}) is {age} days old; this clinic doses only on "
    "a weight from the last {limit} days. Record a new weight before ordering."
)
TITRATION_REASON_REQUIRED = (
    "The dose differs from the previous order ({previous}); give the reason for the "
    "titration (it is signed with the order)."
)
BEYOND_PLANNED = "This is infusion {sequence}; the course plans {planned}."
# domain.md §1.6 [Ketalar]: the label's infusion recipes use D5W or NS; sterile water is hypotonic.
STERILE_WATER_REFUSED = (
    "Sterile water cannot be the diluent of an IV infusion bag under this protocol: it is "
    "hypotonic, and a large volume given IV can cause hemolysis. Use 0.9 % sodium chloride (NS) "
    "or 5 % dextrose (D5W), as in the Ketalar label's infusion recipes."
)
STERILE_WATER_CODE = "STERILE_WATER_DILUENT"
STERILE_WATER_ALLOWED = "Sterile water (hypotonic) is the bag's diluent; the protocol allows it: {reason}"
STERILE_WATER_SOURCE = (
    "Ketalar label: infusion bags are made with NS or D5W; a large volume of sterile water IV can "
    "cause hemolysis."
)
BEYOND_PLANNED_CODE = "BEYOND_PLANNED_INFUSIONS"
PAIN_MINIMUM_CODE = "PAIN_BELOW_DOSE_RESPONSE"

# Calculator input names → the order form's field names (None: the whole form).
FIELD_MAP = {
    "dose_mg_per_kg": "dose_per_kg",
    "mg_per_kg_per_h": "dose_per_kg",
    "duration_min": "duration_min",
    "vial_conc_mg_per_mL": "product",
    "stocked_vial_concs_mg_per_mL": "product",
    "drug_mg_added": "drug_mg_added",
    "diluent_volume_mL": "diluent_volume_ml",
    "dosing_weight_kg": "weight",
    "actual_kg": "weight",
    "height_cm": "weight",
    "sex": "weight",
    "basis": "weight",
    "cap_kg": "weight",
}


@dataclass(frozen=True)
class OrderInputs:
    """What the prescriber enters. `dose_per_kg` is mg/kg or mg/kg/h, per the protocol's mode."""

    dose_per_kg: Decimal | None
    duration_min: Decimal | int | None
    product: StockedProduct | None
    drug_mg_added: Decimal | None
    diluent: str
    diluent_volume_ml: Decimal | None
    titration_reason: str = ""


@dataclass
class OrderPlan:
    """The calculator's answer plus what the chart and the course add: weight, titration, warnings."""

    protocol: Protocol
    calculation: DoseCalculation | None = None
    dosing_weight: DosingWeight | None = None
    weight_measurement: BodyMeasurement | None = None
    height_measurement: BodyMeasurement | None = None
    previous_order: InfusionOrder | None = None
    titration: bool = False
    sequence: int = 1
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.calculation is not None and self.calculation.ok

    @property
    def numbers(self):
        """The plan's numbers when they could be computed (even beside a hard stop), else None."""
        return self.calculation.draft if self.calculation is not None else None

    @property
    def warning_codes(self) -> list[str]:
        return [w["code"] for w in self.warnings]

    def add_error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


def problem_dict(problem) -> dict[str, Any]:
    return {
        "code": str(problem.code),
        "severity": str(problem.severity),
        "message": problem.message,
        "reason": problem.reason,
        "field": FIELD_MAP.get(problem.field or ""),
    }


def protocol_limits(protocol: Protocol) -> ProtocolLimits:
    extra = {}
    if protocol.minimum_total_mg is not None:
        extra["pain_min_total_mg"] = protocol.minimum_total_mg
    if protocol.minimum_total_over_min is not None:
        extra["pain_min_duration_min"] = Decimal(protocol.minimum_total_over_min)
    return ProtocolLimits(
        max_mg_per_kg_per_session=protocol.max_mg_per_kg_per_session,
        max_mg_per_kg_per_hour=protocol.max_mg_per_kg_per_hour,
        max_total_mg_per_session=protocol.max_total_mg_per_session,
        usual_low_mg_per_kg=protocol.usual_range_low,
        usual_high_mg_per_kg=protocol.usual_range_high,
        min_duration_min=Decimal(protocol.duration_min_min),
        max_duration_min=Decimal(protocol.duration_max_min),
        **extra,
    )


def previous_signed_order(course: TreatmentCourse, *, before_sequence: int | None = None):
    """The latest signed or verified order of the course (before `before_sequence`, if given)."""
    orders = InfusionOrder.objects.filter(
        course=course, status__in=(OrderStatus.SIGNED, OrderStatus.VERIFIED)
    )
    if before_sequence is not None:
        orders = orders.filter(sequence__lt=before_sequence)
    return orders.order_by("-sequence").first()


def next_sequence(course: TreatmentCourse) -> int:
    last = (
        InfusionOrder.objects.filter(course=course)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    return (last or 0) + 1


def order_plan_build(
    *,
    course: TreatmentCourse,
    inputs: OrderInputs,
    weight_measurement: BodyMeasurement | None = None,
    sequence: int | None = None,
    now: dt.datetime | None = None,
) -> OrderPlan:
    """Compute the plan for `inputs` under the course's protocol version.

    The dosing weight comes from `weight_measurement` (a stored order's) or the patient's latest
    weight; a weight older than the clinic's `dosing_weight_max_age_days` is an error, as is every
    calculator hard stop. Errors are keyed by order-form field ("weight" and "__all__" for the
    rest); warnings are problem dicts the prescriber must acknowledge.
    """
    protocol = course.protocol
    patient = course.patient
    clinic = course.clinic
    now = now or timezone.now()
    seq = sequence or next_sequence(course)
    result = OrderPlan(protocol=protocol, sequence=seq)

    # Dosing weight: the latest weight, not older than the clinic allows (§3.4 records it per visit).
    measurement = weight_measurement or latest_measurement(patient=patient, with_weight=True)
    result.weight_measurement = measurement
    if measurement is None or measurement.weight_kg is None:
        result.add_error("weight", NO_WEIGHT)
    else:
        max_age = int(clinic_setting_value(clinic, DOSING_WEIGHT_MAX_AGE_DAYS))
        age_days = (now - measurement.measured_at).days
        if age_days > max_age:
            local = timezone.localtime(measurement.measured_at, clinic.tzinfo)
            result.add_error(
                "weight",
                STALE_WEIGHT.format(
                    weight=f"{measurement.weight_kg:f}",
                    date=f"{local:%Y-%m-%d}",
                    age=age_days,
                    limit=max_age,
                ),
            )
        height = None
        if measurement.height_cm is not None:
            result.height_measurement = measurement
            height = measurement.height_cm
        elif protocol.weight_basis != "actual":
            result.height_measurement = latest_measurement(patient=patient, with_height=True)
            height = result.height_measurement.height_cm if result.height_measurement else None
        try:
            result.dosing_weight = dosing_weight_kg(
                basis=protocol.weight_basis,
                actual_kg=measurement.weight_kg,
                height_cm=height,
                sex=patient.sex_at_birth,
                cap_kg=protocol.weight_cap_kg,
            )
        except CalculationInputError as exc:
            result.add_error("weight", exc.message)

    # Diluent: sterile water only where the protocol explicitly allows it, and then acknowledged.
    if inputs.diluent == Diluent.STERILE_WATER:
        if not protocol.sterile_water_allowed:
            result.add_error("diluent", STERILE_WATER_REFUSED)
        else:
            result.warnings.append(
                {
                    "code": STERILE_WATER_CODE,
                    "severity": "warning",
                    "message": STERILE_WATER_ALLOWED.format(reason=protocol.sterile_water_reason),
                    "reason": STERILE_WATER_SOURCE,
                    "field": "diluent",
                }
            )

    # Titration: a dose unlike the previous signed order's needs a reason (§1.1 rule suggestion).
    previous = previous_signed_order(course, before_sequence=seq)
    result.previous_order = previous
    if previous is not None and inputs.dose_per_kg is not None:
        result.titration = previous.ordered_dose != inputs.dose_per_kg
        if result.titration and not (inputs.titration_reason or "").strip():
            result.add_error(
                "titration_reason",
                TITRATION_REASON_REQUIRED.format(
                    previous=display_in_unit(previous.ordered_dose, previous.dose_unit)
                ),
            )

    if result.dosing_weight is None:
        return result

    stocked = list(
        StockedProduct.objects.filter(clinic=clinic, is_active=True).values_list(
            "concentration_mg_per_ml", flat=True
        )
    )
    product = inputs.product
    per_kg = inputs.dose_per_kg
    fixed = protocol.dosing_mode == DosingMode.FIXED_DOSE_OVER_TIME
    calculation = infusion_plan_calculate(
        mode=protocol.dosing_mode,
        dosing_weight_kg=result.dosing_weight.kg,
        duration_min=_decimal_or_none(inputs.duration_min),
        vial_conc_mg_per_mL=product.concentration_mg_per_ml if product is not None else None,
        stocked_vial_concs_mg_per_mL=stocked,
        drug_mg_added=inputs.drug_mg_added,
        diluent_volume_mL=inputs.diluent_volume_ml,
        limits=protocol_limits(protocol),
        dose_mg_per_kg=per_kg if fixed else None,
        mg_per_kg_per_h=None if fixed else per_kg,
        pump_resolution_mL_per_h=Decimal(clinic_setting_value(clinic, PUMP_RATE_RESOLUTION)),
        pump_max_rate_mL_per_h=Decimal(clinic_setting_value(clinic, PUMP_MAX_RATE)),
    )
    result.calculation = calculation
    for problem in calculation.hard_stops:
        mapped = problem_dict(problem)
        result.add_error(mapped["field"] or "__all__", problem.message)
    for problem in calculation.warnings:
        # A protocol without a minimum total (e.g. headache) does not ask for the pain criterion.
        if str(problem.code) == PAIN_MINIMUM_CODE and protocol.minimum_total_mg is None:
            continue
        result.warnings.append(problem_dict(problem))
    if seq > course.planned_infusions:
        result.warnings.append(
            {
                "code": BEYOND_PLANNED_CODE,
                "severity": "warning",
                "message": BEYOND_PLANNED.format(sequence=seq, planned=course.planned_infusions),
                "reason": "The signed course plans a number of infusions; more needs a reason.",
                "field": None,
            }
        )
    return result


def _decimal_or_none(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(value)

"""Infusion orders: draft, sign (physician), independent double check (second person), cancel.

    draft ──sign──▶ signed ──verify (blind re-entry)──▶ verified (the active order)
      └──────────────┴──────────────cancel(reason)──────────┴──▶ cancelled

The plan is computed by `planning.order_plan_build` at drafting and again at signing; hard stops
and a stale weight block both, and every warning must be acknowledged at signing.
"""

import datetime as dt
import uuid
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.accounts.roles import Perm
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.models import SignatureMeaning
from clinic.core.services import idempotent
from clinic.core.signatures import WRONG_PASSWORD, SignatureError, signature_apply
from clinic.core.validators import validate_height_cm, validate_weight_kg
from clinic.patients.models import BodyMeasurement
from clinic.patients.services import measurement_record
from clinic.treatment.models import (
    CourseStatus,
    Diluent,
    DosingMode,
    InfusionOrder,
    OrderStatus,
    StockedProduct,
    TreatmentCourse,
)
from clinic.treatment.planning import OrderInputs, OrderPlan, next_sequence, order_plan_build
from clinic.treatment.services._common import require_perm
from clinic.treatment.services.courses import candidacy_require

ONLY_PHYSICIANS_ORDER = "Only a physician (prescriber) can write or sign an infusion order."
ONLY_QUALIFIED_CHECK = "Only a physician or nurse can double-check an infusion order."
SIGNER_CANNOT_CHECK = (
    "The double check must be done by a second person, not the physician who signed the order."
)
COURSE_NOT_ORDERABLE = "Orders can be written only for a signed or active course."
ORDER_TRANSITION_REFUSED = "An order that is {status} cannot be {action}."
WARNINGS_NOT_ACKNOWLEDGED = "Acknowledge each warning before signing: {warnings}"
PLAN_CHANGED = (
    "The plan no longer matches the draft ({fields} changed, e.g. a clinic setting); cancel this "
    "draft and write a new order."
)
NEWER_WEIGHT = (
    "A newer weight was recorded after this draft; cancel it and write a new order on the new weight."
)
CANCEL_REASON_REQUIRED = "Give the reason the order is cancelled."
DILUENT_UNKNOWN = "Choose a diluent from the list."
PRODUCT_NOT_STOCKED = "Choose a vial this clinic stocks."
MISMATCH = "Does not match the order. Recalculate it from the order and re-enter it."
IDENTITY_MISMATCH = "The date of birth does not match the patient on this order; check the identity."
IDENTITY_NOT_CONFIRMED = "Confirm that you checked the patient's identity with two identifiers."
NUMBER_REQUIRED = "Enter {label}."

# The double check compares to the precision the order page displays (quantize, half-even).
DISPLAY_PRECISION = {
    "dose_mg": Decimal("0.01"),
    "bag_concentration_mg_per_ml": Decimal("0.001"),
    "volume_ml": Decimal("0.1"),
}
CHECK_LABELS = {
    "dose_mg": "Dose (mg)",
    "bag_concentration_mg_per_ml": "Bag concentration (mg/mL)",
    "rate_ml_h": "Pump rate (mL/h)",
}
# Numbers a signature covers; if the recomputed plan differs in any, the draft is stale.
PLAN_FIELDS = (
    "dose_mg",
    "drug_volume_ml",
    "final_volume_ml",
    "bag_concentration_mg_per_ml",
    "volume_to_infuse_ml",
    "rate_ml_h_exact",
    "rate_ml_h",
    "delivered_dose_mg",
    "pump_resolution_ml_h",
    "dosing_weight_kg",
)


class DoubleCheckMismatch(ValidationError):
    """The re-entered numbers differ; the failed attempt was audited and nothing else saved."""


def _plan_values(plan: OrderPlan) -> dict:
    numbers = plan.calculation.plan
    return {
        "dose_mg": numbers.dose_mg,
        "drug_volume_ml": numbers.drug_volume_mL,
        "final_volume_ml": numbers.final_bag_volume_mL,
        "bag_concentration_mg_per_ml": numbers.bag_conc_mg_per_mL,
        "volume_to_infuse_ml": numbers.volume_to_infuse_mL,
        "rate_ml_h_exact": numbers.rate_exact_mL_per_h,
        "rate_ml_h": numbers.rate_mL_per_h,
        "delivered_dose_mg": numbers.delivered_dose_mg,
        "pump_resolution_ml_h": numbers.pump_resolution_mL_per_h,
        "dosing_weight_kg": plan.dosing_weight.kg,
    }


def _plan_json(plan: OrderPlan) -> dict:
    numbers = plan.calculation.plan
    return {
        "working": list(numbers.working),
        "weight_explanation": plan.dosing_weight.explanation,
        "hourly_dose_mg": str(numbers.hourly_dose_mg),
        "dose_mg_per_kg": str(numbers.dose_mg_per_kg),
        "mg_per_kg_per_h": str(numbers.mg_per_kg_per_h),
        "delivered_volume_ml": str(numbers.delivered_volume_mL),
    }


def order_create(
    *,
    course: TreatmentCourse,
    created_by,
    dose_per_kg: Decimal | None,
    duration_min: int | None,
    product: StockedProduct | None,
    drug_mg_added: Decimal | None,
    diluent: str,
    diluent_volume_ml: Decimal | None,
    titration_reason: str = "",
    new_weight_kg: Decimal | None = None,
    new_height_cm: Decimal | None = None,
    confirm_weight_change: bool = False,
    submission_key: uuid.UUID | str | None = None,
) -> InfusionOrder:
    """Draft the next order of `course`. Refuses (ValidationError keyed by form field) on any input
    error, calculator hard stop or stale/missing weight, so an unsignable plan is never saved.

    `dose_per_kg` is mg/kg (fixed-dose protocols) or mg/kg/h (rate protocols). `new_weight_kg` /
    `new_height_cm`, when given, are recorded as today's measurement and dosed on.
    """
    clinic = course.clinic
    require_perm(user=created_by, clinic=clinic, perm=Perm.ORDER_SIGN, message=ONLY_PHYSICIANS_ORDER)
    errors: dict[str, list[str]] = {}
    if course.status not in (CourseStatus.SIGNED, CourseStatus.ACTIVE):
        raise ValidationError(COURSE_NOT_ORDERABLE, code="course_status")
    candidacy_require(patient=course.patient)
    if diluent not in Diluent.values:
        errors.setdefault("diluent", []).append(DILUENT_UNKNOWN)
    if product is not None and product.clinic_id != clinic.pk:
        errors.setdefault("product", []).append(PRODUCT_NOT_STOCKED)
    for name, value, validator in (
        ("new_weight_kg", new_weight_kg, validate_weight_kg),
        ("new_height_cm", new_height_cm, validate_height_cm),
    ):
        if value is not None:
            try:
                validator(value)
            except ValidationError as exc:
                errors.setdefault(name, []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)

    inputs = OrderInputs(
        dose_per_kg=dose_per_kg,
        duration_min=duration_min,
        product=product,
        drug_mg_added=drug_mg_added,
        diluent=diluent,
        diluent_volume_ml=diluent_volume_ml,
        titration_reason=titration_reason,
    )

    def create() -> InfusionOrder:
        measurement = None
        if new_weight_kg is not None or new_height_cm is not None:
            try:
                measurement = measurement_record(
                    patient=course.patient,
                    recorded_by=created_by,
                    measured_at=timezone.now(),
                    weight_kg=new_weight_kg,
                    height_cm=new_height_cm,
                    confirm_weight_change=confirm_weight_change,
                    confirm_height_change=confirm_weight_change,
                )
            except ValidationError as exc:  # e.g. a weight far from the last one, unconfirmed
                raise ValidationError(
                    {
                        f"new_{name}" if name in ("weight_kg", "height_cm") else name: messages
                        for name, messages in exc.message_dict.items()
                    }
                ) from None
            if new_weight_kg is None:
                measurement = None  # a height alone does not replace the latest weight
        plan = order_plan_build(course=course, inputs=inputs, weight_measurement=measurement)
        if not plan.ok:
            raise ValidationError(plan.errors or {"__all__": ["The plan could not be computed."]})
        values = _plan_values(plan)
        fixed = course.protocol.dosing_mode == DosingMode.FIXED_DOSE_OVER_TIME
        order = InfusionOrder.objects.create(
            clinic=clinic,
            course=course,
            patient=course.patient,
            sequence=next_sequence(course),
            dosing_mode=course.protocol.dosing_mode,
            weight_measurement=plan.weight_measurement,
            measured_weight_kg=plan.weight_measurement.weight_kg,
            height_cm=plan.height_measurement.height_cm if plan.height_measurement else None,
            weight_basis=course.protocol.weight_basis,
            weight_explanation=plan.dosing_weight.explanation[:500],
            dose_mg_per_kg=dose_per_kg if fixed else None,
            dose_mg_per_kg_per_h=None if fixed else dose_per_kg,
            duration_min=int(duration_min),
            product=product,
            vial_concentration_mg_per_ml=product.concentration_mg_per_ml,
            drug_mg_added=drug_mg_added,
            diluent=diluent,
            diluent_volume_ml=diluent_volume_ml,
            plan=_plan_json(plan),
            warnings=plan.warnings,
            titration_reason=(titration_reason or "").strip()[:300] if plan.titration else "",
            created_by=created_by,
            **values,
        )
        audit_record(
            action=AuditAction.CREATE,
            actor=created_by,
            clinic=clinic,
            obj=order,
            patient_id=order.patient_id,
            # The summary names the order and its inputs, never the computed numbers (blind check).
            summary=f"Infusion order {order.sequence} drafted ({order_prescription_text(order)})",
            after=model_snapshot(order),
        )
        return order

    with transaction.atomic():
        order, _ = idempotent(
            scope="treatment.order_create",
            key=submission_key,
            clinic=clinic,
            model=InfusionOrder,
            create=create,
        )
    return order


def order_prescription_text(order: InfusionOrder) -> str:
    """What was prescribed, in words a checker may read: "0.5 mg/kg over 40 min" (no computed mg,
    mL, mg/mL or mL/h, which the blind double check must work out)."""
    dose = Decimal(str(order.ordered_dose)).normalize()
    return f"{dose:f} {order.dose_unit} over {order.duration_min} min"


def order_inputs(order: InfusionOrder, *, titration_reason: str | None = None) -> OrderInputs:
    return OrderInputs(
        dose_per_kg=order.ordered_dose,
        duration_min=order.duration_min,
        product=order.product,
        drug_mg_added=order.drug_mg_added,
        diluent=order.diluent,
        diluent_volume_ml=order.diluent_volume_ml,
        titration_reason=order.titration_reason if titration_reason is None else titration_reason,
    )


def order_snapshot(order: InfusionOrder) -> dict:
    """What a signature covers: the inputs and the computed plan (not the status/signature ids)."""
    return model_snapshot(order, exclude=("status", "signature", "verification_signature", "cancel_reason"))


def order_sign(
    *,
    order: InfusionOrder,
    signer,
    password: str,
    acknowledged_warnings: list[str] | tuple[str, ...] = (),
    titration_reason: str | None = None,
    now: dt.datetime | None = None,
) -> InfusionOrder:
    """The prescriber's signature (approval) on a draft order, re-asking the password.

    Recomputes the plan: a stale weight, any hard stop or a changed number refuses; every warning
    code must be in `acknowledged_warnings`; a titration needs `titration_reason` (or the draft's).
    """
    require_perm(user=signer, clinic=order.clinic, perm=Perm.ORDER_SIGN, message=ONLY_PHYSICIANS_ORDER)
    with transaction.atomic():
        order = (
            InfusionOrder.objects.select_for_update()
            .select_related("course__protocol", "course__patient", "product", "weight_measurement")
            .get(pk=order.pk)
        )
        if order.status != OrderStatus.DRAFT:
            raise _transition_error(order, "signed")
        if order.course.status not in (CourseStatus.SIGNED, CourseStatus.ACTIVE):
            raise ValidationError(COURSE_NOT_ORDERABLE, code="course_status")
        candidacy_require(patient=order.course.patient)
        reason = order.titration_reason if titration_reason is None else titration_reason.strip()
        plan = order_plan_build(
            course=order.course,
            inputs=order_inputs(order, titration_reason=reason),
            weight_measurement=order.weight_measurement,
            sequence=order.sequence,
            now=now,
        )
        if plan.errors or not plan.ok:
            raise ValidationError(plan.errors or {"__all__": ["The plan could not be computed."]})
        newer = BodyMeasurement.objects.filter(
            patient_id=order.patient_id,
            weight_kg__isnull=False,
            measured_at__gt=order.weight_measurement.measured_at,
        ).exists()
        if newer:
            raise ValidationError({"weight": [NEWER_WEIGHT]})
        values = _plan_values(plan)
        changed = [name for name, value in values.items() if getattr(order, name) != value]
        if changed:
            raise ValidationError(PLAN_CHANGED.format(fields=", ".join(changed)), code="changed")
        missing = [w for w in plan.warnings if w["code"] not in set(acknowledged_warnings)]
        if missing:
            raise ValidationError(
                {
                    "acknowledge": [
                        WARNINGS_NOT_ACKNOWLEDGED.format(warnings="; ".join(w["message"] for w in missing))
                    ]
                }
            )
        before = model_snapshot(order)
        order.warnings = plan.warnings
        order.warnings_acknowledged = [w["code"] for w in plan.warnings]
        order.titration_reason = reason[:300] if plan.titration else ""
        # The statement is shown to the checker: the order and its inputs, not the computed dose.
        statement = f"Infusion order {order.sequence}: {order_prescription_text(order)}"
        if order.titration_reason:
            statement += f"; titration: {order.titration_reason}"
        signature = signature_apply(
            signer=signer,
            password=password,
            meaning=SignatureMeaning.APPROVAL,
            obj=order,
            clinic=order.clinic,
            snapshot=order_snapshot(order),
            patient_id=order.patient_id,
            statement=statement,
        )
        order.status = OrderStatus.SIGNED
        order.signature = signature
        order.save(
            update_fields=[
                "status",
                "signature",
                "warnings",
                "warnings_acknowledged",
                "titration_reason",
                "updated_at",
            ]
        )
        audit_record(
            action=AuditAction.UPDATE,
            actor=signer,
            clinic=order.clinic,
            obj=order,
            patient_id=order.patient_id,
            summary=f"Infusion order {order.sequence} signed",
            before=before,
            after=model_snapshot(order),
            extra={"warnings_acknowledged": order.warnings_acknowledged},
        )
    return order


def _quantize(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_EVEN)


def check_precision(order: InfusionOrder) -> dict[str, Decimal]:
    """The precision each re-entered number is compared at (what the order page displays)."""
    return {
        "dose_mg": DISPLAY_PRECISION["dose_mg"],
        "bag_concentration_mg_per_ml": DISPLAY_PRECISION["bag_concentration_mg_per_ml"],
        "rate_ml_h": order.pump_resolution_ml_h.normalize(),
    }


def _as_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def order_verify(
    *,
    order: InfusionOrder,
    verifier,
    password: str,
    dose_mg,
    bag_concentration_mg_per_ml,
    rate_ml_h,
    patient_date_of_birth: dt.date | None,
    identity_confirmed: bool,
) -> InfusionOrder:
    """Independent double check: a second qualified person re-enters the key numbers blind.

    Each number must equal the order's at the displayed precision. A mismatch writes one audited
    failed-attempt event (which numbers differed) and raises DoubleCheckMismatch; nothing else is
    saved. A match signs (meaning: independently double-checked) and makes the order active.
    """
    clinic = order.clinic
    require_perm(user=verifier, clinic=clinic, perm=Perm.ORDER_DOUBLE_CHECK, message=ONLY_QUALIFIED_CHECK)
    order = InfusionOrder.objects.select_related("signature", "patient", "course").get(pk=order.pk)
    if order.status != OrderStatus.SIGNED:
        raise _transition_error(order, "double-checked")
    if order.course.status not in (CourseStatus.SIGNED, CourseStatus.ACTIVE):
        raise ValidationError(COURSE_NOT_ORDERABLE, code="course_status")
    if order.signature is not None and order.signature.signer_id == verifier.pk:
        raise ValidationError(SIGNER_CANNOT_CHECK, code="same_person")
    if not identity_confirmed:
        raise ValidationError({"identity_confirmed": [IDENTITY_NOT_CONFIRMED]})
    entered = {
        "dose_mg": _as_decimal(dose_mg),
        "bag_concentration_mg_per_ml": _as_decimal(bag_concentration_mg_per_ml),
        "rate_ml_h": _as_decimal(rate_ml_h),
    }
    missing = {
        name: [NUMBER_REQUIRED.format(label=CHECK_LABELS[name].lower())]
        for name, value in entered.items()
        if value is None
    }
    if missing:
        raise ValidationError(missing)
    # The password first: a failed attempt is recorded only for a person who proved who they are.
    if not password or not verifier.check_password(password):
        raise SignatureError(WRONG_PASSWORD)

    precision = check_precision(order)
    differs: dict[str, list[str]] = {}
    for name, value in entered.items():
        if _quantize(value, precision[name]) != _quantize(getattr(order, name), precision[name]):
            differs[name] = [MISMATCH]
    if patient_date_of_birth != order.patient.date_of_birth:
        differs["patient_date_of_birth"] = [IDENTITY_MISMATCH]
    if differs:
        with transaction.atomic():
            audit_record(
                action=AuditAction.CHECK_FAILED,
                actor=verifier,
                clinic=clinic,
                obj=order,
                patient_id=order.patient_id,
                summary=f"Double check of order {order.sequence} refused: "
                f"{', '.join(sorted(differs))} differ",
                extra={
                    "outcome": "double_check_mismatch",
                    "fields": sorted(differs),
                    "entered": {k: str(v) for k, v in entered.items()},
                },
            )
        raise DoubleCheckMismatch(differs)

    with transaction.atomic():
        order = InfusionOrder.objects.select_for_update().get(pk=order.pk)
        if order.status != OrderStatus.SIGNED:
            raise _transition_error(order, "double-checked")
        before = model_snapshot(order)
        signature = signature_apply(
            signer=verifier,
            password=password,
            meaning=SignatureMeaning.DOUBLE_CHECK,
            obj=order,
            clinic=clinic,
            snapshot=order_snapshot(order),
            patient_id=order.patient_id,
            statement=(
                f"Independent double check of order {order.sequence}: dose, bag concentration, "
                "pump rate and patient identity re-entered and matched"
            ),
        )
        order.status = OrderStatus.VERIFIED
        order.verification_signature = signature
        order.save(update_fields=["status", "verification_signature", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=verifier,
            clinic=clinic,
            obj=order,
            patient_id=order.patient_id,
            summary=f"Infusion order {order.sequence} double-checked",
            before=before,
            after=model_snapshot(order),
        )
    return order


def order_cancel(*, order: InfusionOrder, cancelled_by, reason: str) -> InfusionOrder:
    """Cancel a draft, signed or verified order (physicians); the reason is kept."""
    require_perm(user=cancelled_by, clinic=order.clinic, perm=Perm.ORDER_SIGN, message=ONLY_PHYSICIANS_ORDER)
    if not (reason or "").strip():
        raise ValidationError({"reason": [CANCEL_REASON_REQUIRED]})
    with transaction.atomic():
        order = InfusionOrder.objects.select_for_update().get(pk=order.pk)
        if order.status == OrderStatus.CANCELLED:
            raise _transition_error(order, "cancelled")
        before = model_snapshot(order)
        order.status = OrderStatus.CANCELLED
        order.cancel_reason = reason.strip()[:300]
        order.save(update_fields=["status", "cancel_reason", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=cancelled_by,
            clinic=order.clinic,
            obj=order,
            patient_id=order.patient_id,
            summary=f"Infusion order {order.sequence} cancelled",
            before=before,
            after=model_snapshot(order),
            extra={"reason": order.cancel_reason},
        )
    return order


def _transition_error(order: InfusionOrder, action: str) -> ValidationError:
    return ValidationError(
        ORDER_TRANSITION_REFUSED.format(status=order.get_status_display().lower(), action=action),
        code="transition",
    )

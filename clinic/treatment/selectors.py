"""Reads of the treatment app: the protocol library, courses, orders and their signatures."""

from django.db.models import Count, Q, QuerySet

from clinic.core.models import Clinic, ElectronicSignature
from clinic.evaluation.models import DecisionOutcome
from clinic.evaluation.selectors import candidacy_decision_current
from clinic.patients.models import Patient
from clinic.treatment.models import InfusionOrder, OrderStatus, Protocol, StockedProduct, TreatmentCourse


def protocols_current(*, clinic: Clinic, kind: str = "", include_inactive: bool = False):
    """The library: the newest version of each protocol (retired ones only when asked)."""
    protocols = Protocol.objects.filter(clinic=clinic, superseded_by__isnull=True)
    if kind:
        protocols = protocols.filter(kind=kind)
    if not include_inactive:
        protocols = protocols.filter(is_active=True)
    return protocols.select_related("created_by").order_by("name", "id")


def protocol_versions(*, protocol: Protocol) -> QuerySet[Protocol]:
    return (
        Protocol.objects.filter(clinic_id=protocol.clinic_id, code=protocol.code)
        .select_related("created_by")
        .order_by("-version")
    )


def protocols_for_new_course(*, clinic: Clinic) -> QuerySet[Protocol]:
    return Protocol.objects.filter(clinic=clinic, is_active=True).order_by("name", "-version")


def stocked_products(*, clinic: Clinic) -> QuerySet[StockedProduct]:
    return StockedProduct.objects.filter(clinic=clinic, is_active=True).order_by(
        "concentration_mg_per_ml", "vial_volume_ml"
    )


def courses_for_patient(*, patient: Patient) -> QuerySet[TreatmentCourse]:
    return (
        TreatmentCourse.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("protocol")
        .annotate(
            order_count=Count("orders", filter=~Q(orders__status="cancelled")),
        )
        .order_by("-created_at", "-id")
    )


def course_detail(*, clinic: Clinic, course_id: int) -> TreatmentCourse:
    return (
        TreatmentCourse.objects.select_related("patient", "protocol", "created_by", "signature", "follows")
        .filter(clinic=clinic)
        .get(pk=course_id)
    )


def orders_for_course(*, course: TreatmentCourse) -> QuerySet[InfusionOrder]:
    return (
        InfusionOrder.objects.filter(clinic_id=course.clinic_id, course=course)
        .select_related("signature", "verification_signature", "product")
        .order_by("sequence")
    )


def order_detail(*, clinic: Clinic, order_id: int) -> InfusionOrder:
    return (
        InfusionOrder.objects.select_related(
            "course__protocol",
            "patient",
            "product",
            "weight_measurement",
            "created_by",
            "signature",
            "verification_signature",
        )
        .filter(clinic=clinic)
        .get(pk=order_id)
    )


def order_numbers_hidden(*, order: InfusionOrder, user) -> bool:
    """True when `user` must not see the order's computed numbers (dose mg, drug and final volumes,
    bag concentration, pump rate, delivered dose), so a would-be checker's independent double check
    stays blind (ISMP). Until the double check, only the physician who wrote the draft, then the one
    who signed it, sees them; once double-checked (or cancelled), everyone does."""
    if order.status == OrderStatus.DRAFT:
        return order.created_by_id != user.pk
    if order.status == OrderStatus.SIGNED:
        return order.signature is None or order.signature.signer_id != user.pk
    return False


def order_signatures(*, order: InfusionOrder) -> list[ElectronicSignature]:
    """The order's signatures in time order (approval, then the double check)."""
    return [s for s in (order.signature, order.verification_signature) if s is not None]


def candidacy_decision_for(*, patient: Patient) -> int | None:
    """Id of the patient's signed candidacy decision in force when it says "candidate", else None."""
    decision = candidacy_decision_current(patient=patient)
    if decision is None or decision.decision != DecisionOutcome.CANDIDATE:
        return None
    return decision.pk

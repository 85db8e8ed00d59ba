"""Reads of the treatment app: the protocol library, courses, orders and their signatures, and the
one rule of the blind double check (`order_numbers_hidden`)."""

import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from clinic.core.models import Clinic
from clinic.evaluation.models import DecisionOutcome
from clinic.evaluation.selectors import candidacy_decision_current
from clinic.patients.icd10 import ICD10_CATALOGUE
from clinic.patients.models import Diagnosis, DiagnosisStatus, Patient
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


# --- The blind double check ----------------------------------------------------------------------
#
# ONE rule, used by every reader (order and course pages, signatures, the audit viewer through
# `clinic.audit.redaction`): until an order is double-checked (or cancelled), its computed numbers
# are shown only to the physician who wrote the draft and then to the one who signed it, so that a
# would-be checker's independent double check stays blind (ISMP). Free text written about an order
# (signature statements, audit summaries) names the order and its inputs, never these numbers.

# The stored fields that carry a computed number (plan holds the working; warnings quote numbers).
ORDER_BLIND_FIELDS = frozenset(
    {
        "dose_mg",
        "drug_volume_ml",
        "final_volume_ml",
        "bag_concentration_mg_per_ml",
        "volume_to_infuse_ml",
        "rate_ml_h_exact",
        "rate_ml_h",
        "delivered_dose_mg",
        "plan",
        "warnings",
    }
)
BLIND_PLACEHOLDER = "hidden until the double check"
# A number with a unit of the computed plan (not mg/kg or mg/kg/h, which are the inputs).
_PLAN_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?\s*(?:mg/mL|mL/h|mg/h|mg|mL)(?![/\w])")


def _numbers_hidden(*, status: str, created_by_id, signer_id, user_id) -> bool:
    if status == OrderStatus.DRAFT:
        return created_by_id != user_id
    if status == OrderStatus.SIGNED:
        return signer_id is None or signer_id != user_id
    return False


def order_numbers_hidden(*, order: InfusionOrder, user) -> bool:
    """True when `user` must not see the order's computed numbers (dose mg, drug and final volumes,
    bag concentration, volume to infuse, pump rate, delivered dose, the working and the warnings),
    so a would-be checker's independent double check stays blind (ISMP). Until the double check,
    only the physician who wrote the draft, then the one who signed it, sees them; once
    double-checked (or cancelled), everyone does."""
    return _numbers_hidden(
        status=order.status,
        created_by_id=order.created_by_id,
        signer_id=order.signature.signer_id if order.signature_id else None,
        user_id=user.pk,
    )


def orders_numbers_hidden(*, clinic: Clinic, order_ids, user) -> set[int]:
    """`order_numbers_hidden` for many orders in one query: the ids whose numbers `user` may not see."""
    ids = {int(i) for i in order_ids if str(i).isdigit()}
    if not ids:
        return set()
    rows = InfusionOrder.objects.filter(clinic=clinic, pk__in=ids).values_list(
        "pk", "status", "created_by_id", "signature__signer_id"
    )
    return {
        pk
        for pk, status, created_by_id, signer_id in rows
        if _numbers_hidden(status=status, created_by_id=created_by_id, signer_id=signer_id, user_id=user.pk)
    }


def order_text_blind(text: str) -> str:
    """Free text about an order with every plan number (mg, mL, mg/mL, mL/h) replaced, for text
    written before statements and summaries stopped quoting them (e.g. "Infusion order 3: 22.6 mg")."""
    return _PLAN_NUMBER.sub(f"[{BLIND_PLACEHOLDER}]", text or "")


@dataclass(frozen=True)
class SignatureLine:
    """A signature as the order page lists it (the statement blinded when the numbers are hidden)."""

    printed_name: str
    meaning: str
    signed_at: object
    statement: str


def order_signatures(*, order: InfusionOrder, hide_numbers: bool = False) -> list[SignatureLine]:
    """The order's signatures in time order (approval, then the double check)."""
    return [
        SignatureLine(
            printed_name=s.printed_name,
            meaning=s.get_meaning_display(),
            signed_at=s.signed_at,
            statement=order_text_blind(s.statement) if hide_numbers else s.statement,
        )
        for s in (order.signature, order.verification_signature)
        if s is not None
    ]


def candidacy_decision_for(*, patient: Patient) -> int | None:
    """Id of the patient's signed candidacy decision in force when it says "candidate", else None."""
    decision = candidacy_decision_current(patient=patient)
    if decision is None or decision.decision != DecisionOutcome.CANDIDATE:
        return None
    return decision.pk


def patient_indication_codes(*, patient: Patient) -> list[str]:
    """The ICD-10-CM codes of the patient's active diagnoses that are ketamine indications."""
    codes = (
        Diagnosis.objects.filter(patient=patient, status=DiagnosisStatus.ACTIVE)
        .order_by("-created_at", "-id")
        .values_list("icd10_code", flat=True)[:50]
    )
    return [code for code in dict.fromkeys(codes) if (e := ICD10_CATALOGUE.get(code)) and e.pathway]


def icd10_indication_choices(*, first: list[str] = ()) -> list:
    """Grouped <select> choices of the catalogue's indications (not the comorbidities), with the
    codes in `first` in their own group at the top."""
    choices: list = [("", "— none —")]
    if first:
        choices.append(
            ("This patient's diagnoses", [(c, f"{c} {ICD10_CATALOGUE[c].description}") for c in first])
        )
    groups: dict[str, list[tuple[str, str]]] = {}
    for entry in ICD10_CATALOGUE.values():
        if entry.pathway:
            groups.setdefault(entry.group, []).append((entry.code, f"{entry.code} {entry.description}"))
    return choices + list(groups.items())

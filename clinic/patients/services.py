"""Writes to the patient registry. Each function is one transaction with its audit event."""

from django.db import transaction

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.models import Clinic
from clinic.patients.models import Patient, RecordNumberSequence

PATIENT_FIELDS = (
    "given_name", "family_name", "preferred_name", "date_of_birth", "sex_at_birth",
    "gender_identity", "pronouns", "phone", "email", "address_line", "city", "state",
    "postal_code", "emergency_contact_name", "emergency_contact_relationship",
    "emergency_contact_phone", "escort_name", "escort_phone", "referring_clinician_name",
    "referring_clinician_practice", "referring_clinician_phone", "referring_clinician_email",
)


def record_number_next(*, clinic: Clinic) -> str:
    """Allocate the clinic's next record number (call inside a transaction)."""
    sequence, _ = RecordNumberSequence.objects.select_for_update().get_or_create(clinic=clinic)
    value = sequence.next_value
    RecordNumberSequence.objects.filter(pk=sequence.pk).update(next_value=value + 1)
    return f"MRN-{value:06d}"


def patient_register(*, clinic: Clinic, registered_by, **fields) -> Patient:
    """Create a patient with the next record number. `fields` are Patient attributes (validated)."""
    unknown = set(fields) - set(PATIENT_FIELDS) - {"journey_stage"}
    if unknown:
        raise TypeError(f"Unknown patient fields: {sorted(unknown)}")
    with transaction.atomic():
        patient = Patient(clinic=clinic, record_number=record_number_next(clinic=clinic), **fields)
        patient.full_clean()
        patient.save()
        audit_record(
            action=AuditAction.CREATE, actor=registered_by, clinic=clinic, obj=patient,
            patient_id=patient.pk, summary="Patient registered", after=model_snapshot(patient),
        )
    return patient


def patient_update(*, patient: Patient, updated_by, **fields) -> Patient:
    """Change demographic and contact fields; audited with the changed values only."""
    unknown = set(fields) - set(PATIENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown patient fields: {sorted(unknown)}")
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        before = model_snapshot(patient)
        for name, value in fields.items():
            setattr(patient, name, value)
        patient.full_clean()
        patient.save()
        audit_record(
            action=AuditAction.UPDATE, actor=updated_by, clinic=patient.clinic, obj=patient,
            patient_id=patient.pk, summary="Patient details updated",
            before=before, after=model_snapshot(patient),
        )
    return patient


def patient_set_stage(*, patient: Patient, stage: str, changed_by) -> Patient:
    """Move the patient along the journey (called by the services of later steps)."""
    with transaction.atomic():
        before = patient.journey_stage
        Patient.objects.filter(pk=patient.pk).update(journey_stage=stage)
        patient.journey_stage = stage
        audit_record(
            action=AuditAction.UPDATE, actor=changed_by, clinic=patient.clinic, obj=patient,
            patient_id=patient.pk, summary=f"Journey stage: {stage}",
            before={"journey_stage": before}, after={"journey_stage": stage},
        )
    return patient


def patient_chart_opened(*, patient: Patient, opened_by) -> None:
    """Record that a user opened the patient's chart (HIPAA audit of access, not only change)."""
    with transaction.atomic():
        audit_record(
            action=AuditAction.VIEW, actor=opened_by, clinic=patient.clinic, obj=patient,
            patient_id=patient.pk, summary="Chart opened",
        )

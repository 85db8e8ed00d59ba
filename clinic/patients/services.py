"""Writes to the patient registry. Each function is one transaction with its audit event.

Validation failures raise django.core.exceptions.ValidationError keyed by field, with the messages
below (tests reuse them); nothing is stored when one is raised.
"""

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Membership
from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.display import display_quantity
from clinic.core.models import Clinic
from clinic.core.phones import clinic_phone_parse
from clinic.core.selectors import clinic_setting_value
from clinic.core.services import idempotent
from clinic.core.validators import (
    age_on,
    validate_date_of_birth,
    validate_height_cm,
    validate_weight_kg,
)
from clinic.patients.clinical_settings import MEASUREMENT_CHANGE_CONFIRM_PERCENT
from clinic.patients.drug_classes import DRUG_CLASS_BY_VALUE
from clinic.patients.icd10 import icd10_lookup, icd10_normalize
from clinic.patients.models import (
    NAME_SEARCH_FIELDS,
    Allergy,
    AllergySeverity,
    BodyMeasurement,
    Diagnosis,
    DiagnosisStatus,
    Medication,
    Patient,
    RecordNumberSequence,
)
from clinic.patients.selectors import latest_measurement

PATIENT_FIELDS = (
    "given_name", "family_name", "preferred_name", "date_of_birth", "sex_at_birth",
    "gender_identity", "pronouns", "phone", "email", "address_line", "city", "state",
    "postal_code", "emergency_contact_name", "emergency_contact_relationship",
    "emergency_contact_phone", "escort_name", "escort_phone", "referring_clinician_name",
    "referring_clinician_practice", "referring_clinician_phone", "referring_clinician_email",
)
PHONE_FIELDS = (
    "phone", "emergency_contact_phone", "escort_phone", "referring_clinician_phone",
)

MEASUREMENT_EMPTY = "Enter a weight, a height, or both."
MEASURED_IN_FUTURE = "The time of measurement cannot be in the future."
NOT_A_NUMBER = "Enter a number."
# A weight in lb typed into the kg field (2.2x), or a height in inches into the cm field (0.39x).
WEIGHT_CHANGE_UNCONFIRMED = (
    "Weight {new} differs from the last recorded {previous} (on {date}) by more than "
    "{percent} %: check the units (kg, not lb) and tick 'Confirm this weight' if correct."
)
HEIGHT_CHANGE_UNCONFIRMED = (
    "Height {new} differs from the last recorded {previous} (on {date}) by more than "
    "{percent} %: check the units (cm, not inches) and tick 'Confirm this height' if correct."
)
# Heights still change in adolescence; the height check applies from this age.
HEIGHT_CHANGE_CHECK_MIN_AGE = 18
ICD10_NOT_IN_CATALOGUE = (
    "{code} is not in the clinic's ICD-10-CM list of ketamine indications; "
    "choose a code from the list."
)
DIAGNOSIS_DUPLICATE = "{code} is already on the active problem list."
DIAGNOSIS_STATUS_INVALID = "Choose a status from the list."
DATE_IN_FUTURE = "The date cannot be in the future."
DATE_BEFORE_BIRTH = "{label} cannot be before the patient's date of birth ({date_of_birth})."
# How DATE_BEFORE_BIRTH names each field.
DATE_LABELS = {
    "measured_at": "The time of measurement", "onset_date": "The onset date",
    "started_on": "The start date", "stopped_on": "The stop date",
}
MEDICATION_NAME_REQUIRED = "Enter the medication's name."
DRUG_CLASS_INVALID = "Choose a medication class from the list."
MEDICATION_ALREADY_STOPPED = "This medication is already recorded as stopped."
MEDICATION_STOP_BEFORE_START = "The stop date cannot be before the start date."
ALLERGY_SUBSTANCE_REQUIRED = "Enter the substance the patient is allergic to."
ALLERGY_SEVERITY_INVALID = "Choose a severity from the list."
ALLERGY_DUPLICATE = "An allergy to {substance} is already recorded."
ALLERGY_ALREADY_INACTIVE = "This allergy is already marked as no longer active."
PORTAL_USER_NOT_PATIENT = "That account is not a patient account at this clinic."
PORTAL_USER_TAKEN = "That account is already linked to another patient."
PORTAL_PATIENT_HAS_USER = "This patient already has a portal account."

# A device clock a little ahead of the server's must not block a weight taken just now.
CLOCK_SKEW = dt.timedelta(minutes=2)


def _attribute_history(instance, user) -> None:
    # django-simple-history reads `_history_user`, so versions name who changed the record even
    # when a service runs outside a request (commands, tests, the API).
    if user is not None:
        instance._history_user = user


def _patient_snapshot(patient: Patient) -> dict:
    # The stored search keys only repeat the names; the audit trail keeps the names themselves.
    return model_snapshot(patient, exclude=tuple(NAME_SEARCH_FIELDS.values()))


def _today(clinic: Clinic) -> dt.date:
    return timezone.now().astimezone(clinic.tzinfo).date()


def _clean_patient_fields(fields: dict, *, clinic: Clinic) -> dict:
    """Phones to E.164 (read in the clinic's region) and the date of birth checked; errors are
    keyed by field."""
    cleaned = dict(fields)
    errors: dict[str, list[str]] = {}
    for name in PHONE_FIELDS:
        if name in cleaned:
            try:
                cleaned[name] = clinic_phone_parse(cleaned[name], clinic=clinic)
            except ValidationError as exc:
                errors[name] = exc.messages
    if cleaned.get("date_of_birth"):
        try:
            validate_date_of_birth(cleaned["date_of_birth"])
        except ValidationError as exc:
            errors["date_of_birth"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def record_number_next(*, clinic: Clinic) -> str:
    """Allocate the clinic's next record number (call inside a transaction)."""
    sequence, _ = RecordNumberSequence.objects.select_for_update().get_or_create(clinic=clinic)
    value = sequence.next_value
    RecordNumberSequence.objects.filter(pk=sequence.pk).update(next_value=value + 1)
    return f"MRN-{value:06d}"


def patient_register(
    *, clinic: Clinic, registered_by, submission_key: uuid.UUID | str | None = None, **fields
) -> Patient:
    """Create a patient with the next record number. `fields` are Patient attributes (validated).

    A repeated `submission_key` (a double-submitted form) returns the patient created first.
    """
    unknown = set(fields) - set(PATIENT_FIELDS) - {"journey_stage"}
    if unknown:
        raise TypeError(f"Unknown patient fields: {sorted(unknown)}")
    fields = _clean_patient_fields(fields, clinic=clinic)

    def create() -> Patient:
        patient = Patient(clinic=clinic, record_number=record_number_next(clinic=clinic), **fields)
        patient.full_clean()
        _attribute_history(patient, registered_by)
        patient.save()
        audit_record(
            action=AuditAction.CREATE, actor=registered_by, clinic=clinic, obj=patient,
            patient_id=patient.pk, summary="Patient registered", after=_patient_snapshot(patient),
        )
        return patient

    with transaction.atomic():
        patient, _ = idempotent(
            scope="patients.register", key=submission_key, clinic=clinic, model=Patient,
            create=create,
        )
    return patient


def patient_update(*, patient: Patient, updated_by, **fields) -> Patient:
    """Change demographic and contact fields; audited with the changed values only."""
    unknown = set(fields) - set(PATIENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown patient fields: {sorted(unknown)}")
    fields = _clean_patient_fields(fields, clinic=patient.clinic)
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        before = _patient_snapshot(patient)
        for name, value in fields.items():
            setattr(patient, name, value)
        patient.full_clean()
        _attribute_history(patient, updated_by)
        patient.save()
        audit_record(
            action=AuditAction.UPDATE, actor=updated_by, clinic=patient.clinic, obj=patient,
            patient_id=patient.pk, summary="Patient details updated",
            before=before, after=_patient_snapshot(patient),
        )
    return patient


def patient_set_stage(*, patient: Patient, stage: str, changed_by) -> Patient:
    """Move the patient along the journey (called by the services of later steps)."""
    with transaction.atomic():
        # Saved (not .update()) so the field history shows the stage change too.
        current = Patient.objects.select_for_update().get(pk=patient.pk)
        before = current.journey_stage
        current.journey_stage = stage
        _attribute_history(current, changed_by)
        current.save(update_fields=["journey_stage", "updated_at"])
        patient.journey_stage = stage
        audit_record(
            action=AuditAction.UPDATE, actor=changed_by, clinic=patient.clinic, obj=patient,
            patient_id=patient.pk, summary=f"Journey stage: {stage}",
            before={"journey_stage": before}, after={"journey_stage": stage},
        )
    return patient


CHART_OPENED = "Chart opened"
CHART_HISTORY_OPENED = "Chart history opened"


def patient_chart_opened(*, patient: Patient, opened_by, summary: str = CHART_OPENED) -> None:
    """Record that a user opened the patient's chart (HIPAA audit of access, not only change);
    `summary` names the page, e.g. CHART_HISTORY_OPENED for the field history."""
    with transaction.atomic():
        audit_record(
            action=AuditAction.VIEW, actor=opened_by, clinic=patient.clinic, obj=patient,
            patient_id=patient.pk, summary=summary,
        )


def patient_link_portal_user(*, patient: Patient, user, linked_by) -> Patient:
    """Give a patient-role account access to this patient's portal (their own record only)."""
    is_patient_member = Membership.objects.filter(
        user=user, clinic_id=patient.clinic_id, role=Role.PATIENT, is_active=True
    ).exists()
    if not is_patient_member:
        raise ValidationError({"user": PORTAL_USER_NOT_PATIENT})
    with transaction.atomic():
        current = Patient.objects.select_for_update().get(pk=patient.pk)
        if current.user_id == user.pk:
            return current
        if current.user_id is not None:
            raise ValidationError({"user": PORTAL_PATIENT_HAS_USER})
        if Patient.objects.filter(user=user).exists():
            raise ValidationError({"user": PORTAL_USER_TAKEN})
        current.user = user
        _attribute_history(current, linked_by)
        current.save(update_fields=["user", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, actor=linked_by, clinic=current.clinic, obj=current,
            patient_id=current.pk, summary="Portal account linked",
            before={"user_id": None}, after={"user_id": user.pk},
        )
    patient.user = user
    return current


def _decimal_or_none(value, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: NOT_A_NUMBER}) from None
    if not number.is_finite():
        raise ValidationError({field: NOT_A_NUMBER})
    return number


def measurement_record(
    *, patient: Patient, recorded_by, measured_at: dt.datetime, weight_kg=None, height_cm=None,
    confirm_weight_change: bool = False, confirm_height_change: bool = False,
    submission_key: uuid.UUID | str | None = None,
) -> BodyMeasurement:
    """Record a weight (kg) and/or height (cm) taken at `measured_at` (not in the future).

    A weight (or an adult's height) differing from the patient's last recorded one by more than the
    clinic's `measurement_change_confirm_percent` is refused (WEIGHT_CHANGE_UNCONFIRMED) unless
    `confirm_weight_change` (`confirm_height_change`) says the person checked the units; the
    confirmation is kept in the audit record.
    """
    weight = _decimal_or_none(weight_kg, "weight_kg")
    height = _decimal_or_none(height_cm, "height_cm")
    errors: dict[str, list[str]] = {}
    if weight is None and height is None:
        errors.setdefault("__all__", []).append(MEASUREMENT_EMPTY)
    for field, value, validate in (
        ("weight_kg", weight, validate_weight_kg), ("height_cm", height, validate_height_cm),
    ):
        if value is not None:
            try:
                validate(value)
            except ValidationError as exc:
                errors[field] = exc.messages
    if timezone.is_naive(measured_at):
        measured_at = timezone.make_aware(measured_at, patient.clinic.tzinfo)
    if measured_at > timezone.now() + CLOCK_SKEW:
        errors["measured_at"] = [MEASURED_IN_FUTURE]
    elif before_birth := _before_birth_error(
        measured_at.astimezone(patient.clinic.tzinfo).date(), "measured_at", patient
    ):
        errors["measured_at"] = [before_birth]
    if not errors:
        errors.update(_measurement_change_errors(
            patient=patient, measured_at=measured_at, weight=weight, height=height,
            confirm_weight_change=confirm_weight_change,
            confirm_height_change=confirm_height_change,
        ))
    if errors:
        raise ValidationError(errors)

    def create() -> BodyMeasurement:
        measurement = BodyMeasurement(
            clinic=patient.clinic, patient=patient, measured_at=measured_at,
            weight_kg=weight, height_cm=height, recorded_by=recorded_by,
        )
        measurement.full_clean()
        _attribute_history(measurement, recorded_by)
        measurement.save()
        audit_record(
            action=AuditAction.CREATE, actor=recorded_by, clinic=patient.clinic, obj=measurement,
            patient_id=patient.pk, summary="Body measurement recorded",
            after=model_snapshot(measurement),
            extra={
                "confirm_weight_change": bool(confirm_weight_change),
                "confirm_height_change": bool(confirm_height_change),
            },
        )
        return measurement

    with transaction.atomic():
        measurement, _ = idempotent(
            scope="patients.measurement_record", key=submission_key, clinic=patient.clinic,
            model=BodyMeasurement, create=create,
        )
    return measurement


def _measurement_change_errors(
    *, patient: Patient, measured_at: dt.datetime, weight: Decimal | None, height: Decimal | None,
    confirm_weight_change: bool, confirm_height_change: bool,
) -> dict[str, list[str]]:
    """WEIGHT/HEIGHT_CHANGE_UNCONFIRMED for a value far from the last recorded one, unconfirmed."""
    percent = Decimal(clinic_setting_value(patient.clinic, MEASUREMENT_CHANGE_CONFIRM_PERCENT))
    adult = age_on(
        patient.date_of_birth, measured_at.astimezone(patient.clinic.tzinfo).date()
    ) >= HEIGHT_CHANGE_CHECK_MIN_AGE
    errors: dict[str, list[str]] = {}
    for field, value, confirmed, check, message, quantity in (
        ("weight_kg", weight, confirm_weight_change, True, WEIGHT_CHANGE_UNCONFIRMED, "kg"),
        ("height_cm", height, confirm_height_change, adult, HEIGHT_CHANGE_UNCONFIRMED, "cm"),
    ):
        if value is None or confirmed or not check:
            continue
        last = latest_measurement(
            patient=patient, with_weight=field == "weight_kg", with_height=field == "height_cm"
        )
        previous = getattr(last, field) if last else None
        if not previous or abs(value - previous) * 100 <= previous * percent:
            continue
        errors[field] = [message.format(
            new=display_quantity(value, quantity), previous=display_quantity(previous, quantity),
            percent=percent,
            date=last.measured_at.astimezone(patient.clinic.tzinfo).date().isoformat(),
        )]
    return errors


def _check_not_future(value: dt.date | None, field: str, clinic: Clinic) -> None:
    if value is not None and value > _today(clinic):
        raise ValidationError({field: DATE_IN_FUTURE})


def _before_birth_error(value: dt.date | None, field: str, patient: Patient) -> str | None:
    """DATE_BEFORE_BIRTH for `field` if `value` is before the patient's date of birth."""
    if value is None or value >= patient.date_of_birth:
        return None
    return DATE_BEFORE_BIRTH.format(
        label=DATE_LABELS[field], date_of_birth=patient.date_of_birth.isoformat()
    )


def _check_clinical_date(value: dt.date | None, field: str, patient: Patient) -> None:
    """A chart date must be neither in the future nor before the patient was born."""
    _check_not_future(value, field, patient.clinic)
    if error := _before_birth_error(value, field, patient):
        raise ValidationError({field: error})


def diagnosis_add(
    *, patient: Patient, noted_by, icd10_code: str, description: str | None = None,
    onset_date: dt.date | None = None, status: str = DiagnosisStatus.ACTIVE,
    submission_key: uuid.UUID | str | None = None,
) -> Diagnosis:
    """Put a catalogued ICD-10-CM diagnosis on the problem list (description from the catalogue)."""
    entry = icd10_lookup(icd10_code)
    if entry is None:
        code = icd10_normalize(icd10_code) or "(blank)"
        raise ValidationError({"icd10_code": ICD10_NOT_IN_CATALOGUE.format(code=code)})
    if status not in DiagnosisStatus.values:
        raise ValidationError({"status": DIAGNOSIS_STATUS_INVALID})
    _check_clinical_date(onset_date, "onset_date", patient)
    text = (description or "").strip() or entry.description

    def create() -> Diagnosis:
        if status == DiagnosisStatus.ACTIVE and Diagnosis.objects.filter(
            patient=patient, icd10_code=entry.code, status=DiagnosisStatus.ACTIVE
        ).exists():
            raise ValidationError({"icd10_code": DIAGNOSIS_DUPLICATE.format(code=entry.code)})
        diagnosis = Diagnosis(
            clinic=patient.clinic, patient=patient, icd10_code=entry.code, description=text,
            onset_date=onset_date, status=status, noted_by=noted_by,
        )
        diagnosis.full_clean()
        _attribute_history(diagnosis, noted_by)
        diagnosis.save()
        audit_record(
            action=AuditAction.CREATE, actor=noted_by, clinic=patient.clinic, obj=diagnosis,
            patient_id=patient.pk, summary=f"Diagnosis {entry.code} added",
            after=model_snapshot(diagnosis),
        )
        return diagnosis

    with transaction.atomic():
        diagnosis, _ = idempotent(
            scope="patients.diagnosis_add", key=submission_key, clinic=patient.clinic,
            model=Diagnosis, create=create,
        )
    return diagnosis


def diagnosis_set_status(*, diagnosis: Diagnosis, status: str, changed_by) -> Diagnosis:
    """Mark a diagnosis active, resolved or ruled out."""
    if status not in DiagnosisStatus.values:
        raise ValidationError({"status": DIAGNOSIS_STATUS_INVALID})
    with transaction.atomic():
        diagnosis = Diagnosis.objects.select_for_update().get(pk=diagnosis.pk)
        if diagnosis.status == status:
            return diagnosis
        if status == DiagnosisStatus.ACTIVE and Diagnosis.objects.filter(
            patient_id=diagnosis.patient_id, icd10_code=diagnosis.icd10_code,
            status=DiagnosisStatus.ACTIVE,
        ).exists():
            raise ValidationError(
                {"status": DIAGNOSIS_DUPLICATE.format(code=diagnosis.icd10_code)}
            )
        before = model_snapshot(diagnosis)
        diagnosis.status = status
        _attribute_history(diagnosis, changed_by)
        diagnosis.save(update_fields=["status", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, actor=changed_by, clinic=diagnosis.clinic, obj=diagnosis,
            patient_id=diagnosis.patient_id,
            summary=f"Diagnosis {diagnosis.icd10_code} marked {diagnosis.get_status_display()}",
            before=before, after=model_snapshot(diagnosis),
        )
    return diagnosis


def medication_add(
    *, patient: Patient, recorded_by, name: str, dose: str = "", frequency: str = "",
    drug_class: str = "", started_on: dt.date | None = None,
    submission_key: uuid.UUID | str | None = None,
) -> Medication:
    """Add a current medication, tagged with its interaction class (drug_classes.DRUG_CLASSES)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": MEDICATION_NAME_REQUIRED})
    drug_class = (drug_class or "").strip()
    if drug_class and drug_class not in DRUG_CLASS_BY_VALUE:
        raise ValidationError({"drug_class": DRUG_CLASS_INVALID})
    _check_clinical_date(started_on, "started_on", patient)

    def create() -> Medication:
        medication = Medication(
            clinic=patient.clinic, patient=patient, name=name, dose=(dose or "").strip(),
            frequency=(frequency or "").strip(), drug_class=drug_class, started_on=started_on,
            recorded_by=recorded_by,
        )
        medication.full_clean()
        _attribute_history(medication, recorded_by)
        medication.save()
        audit_record(
            action=AuditAction.CREATE, actor=recorded_by, clinic=patient.clinic, obj=medication,
            patient_id=patient.pk, summary="Medication added", after=model_snapshot(medication),
        )
        return medication

    with transaction.atomic():
        medication, _ = idempotent(
            scope="patients.medication_add", key=submission_key, clinic=patient.clinic,
            model=Medication, create=create,
        )
    return medication


def medication_stop(*, medication: Medication, stopped_by, stopped_on: dt.date) -> Medication:
    """Record that the patient stopped taking a medication on `stopped_on`."""
    _check_clinical_date(stopped_on, "stopped_on", medication.patient)
    with transaction.atomic():
        medication = Medication.objects.select_for_update().get(pk=medication.pk)
        if not medication.is_active:
            raise ValidationError({"stopped_on": MEDICATION_ALREADY_STOPPED})
        if medication.started_on and stopped_on < medication.started_on:
            raise ValidationError({"stopped_on": MEDICATION_STOP_BEFORE_START})
        before = model_snapshot(medication)
        medication.is_active = False
        medication.stopped_on = stopped_on
        _attribute_history(medication, stopped_by)
        medication.save(update_fields=["is_active", "stopped_on", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, actor=stopped_by, clinic=medication.clinic, obj=medication,
            patient_id=medication.patient_id, summary="Medication stopped",
            before=before, after=model_snapshot(medication),
        )
    return medication


def allergy_add(
    *, patient: Patient, recorded_by, substance: str, reaction: str = "",
    severity: str = AllergySeverity.UNKNOWN, submission_key: uuid.UUID | str | None = None,
) -> Allergy:
    """Record an allergy or intolerance; a second active one to the same substance is refused."""
    substance = (substance or "").strip()
    if not substance:
        raise ValidationError({"substance": ALLERGY_SUBSTANCE_REQUIRED})
    if severity not in AllergySeverity.values:
        raise ValidationError({"severity": ALLERGY_SEVERITY_INVALID})

    def create() -> Allergy:
        if Allergy.objects.filter(
            patient=patient, substance__iexact=substance, is_active=True
        ).exists():
            raise ValidationError({"substance": ALLERGY_DUPLICATE.format(substance=substance)})
        allergy = Allergy(
            clinic=patient.clinic, patient=patient, substance=substance,
            reaction=(reaction or "").strip(), severity=severity, recorded_by=recorded_by,
        )
        allergy.full_clean()
        _attribute_history(allergy, recorded_by)
        allergy.save()
        audit_record(
            action=AuditAction.CREATE, actor=recorded_by, clinic=patient.clinic, obj=allergy,
            patient_id=patient.pk, summary="Allergy recorded", after=model_snapshot(allergy),
        )
        return allergy

    with transaction.atomic():
        allergy, _ = idempotent(
            scope="patients.allergy_add", key=submission_key, clinic=patient.clinic,
            model=Allergy, create=create,
        )
    return allergy


def allergy_deactivate(*, allergy: Allergy, changed_by) -> Allergy:
    """Mark an allergy as no longer active (entered in error, or outgrown); it stays in history."""
    with transaction.atomic():
        allergy = Allergy.objects.select_for_update().get(pk=allergy.pk)
        if not allergy.is_active:
            raise ValidationError({"__all__": ALLERGY_ALREADY_INACTIVE})
        before = model_snapshot(allergy)
        allergy.is_active = False
        _attribute_history(allergy, changed_by)
        allergy.save(update_fields=["is_active", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, actor=changed_by, clinic=allergy.clinic, obj=allergy,
            patient_id=allergy.patient_id, summary="Allergy marked inactive",
            before=before, after=model_snapshot(allergy),
        )
    return allergy

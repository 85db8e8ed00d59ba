"""What an audit event is about, in words: the audit viewer never shows a model label
("infusions.VitalSign 18") or a field name ("dose_mg_per_kg") but "Vital signs #18" and
"Dose (mg/kg)".

`RECORD_NAMES` is the one table from model label to the name a clinician uses. Field names read as
the model field's own verbose name when one was written, else as the name in words with its unit.
"""

import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

# Every model an audit event can be about (tests check that each installed model has a name here).
RECORD_NAMES: dict[str, str] = {
    "core.Clinic": "Clinic",
    "core.ClinicSetting": "Clinic setting",
    "core.SettingChangeProposal": "Proposed setting change",
    "core.ElectronicSignature": "Electronic signature",
    "core.IdempotencyKey": "Form submission",
    "accounts.User": "User account",
    "accounts.Membership": "Clinic membership",
    "otp_totp.TOTPDevice": "Authenticator app",
    "otp_static.StaticDevice": "Backup codes",
    "otp_static.StaticToken": "Backup code",
    "audit.AuditChain": "Audit trail",
    "audit.AuditEvent": "Audit event",
    "patients.Patient": "Patient",
    "patients.BodyMeasurement": "Weight and height",
    "patients.Diagnosis": "Diagnosis",
    "patients.Medication": "Medication",
    "patients.Allergy": "Allergy",
    "patients.RecordNumberSequence": "Record numbers",
    "scheduling.Room": "Room or chair",
    "scheduling.Appointment": "Appointment",
    "scheduling.ClinicHours": "Clinic hours",
    "scheduling.ClinicClosure": "Clinic closure",
    "scheduling.StaffShift": "Staff shift",
    "scheduling.AppointmentType": "Visit type",
    "scheduling.AppointmentSeries": "Infusion series",
    "scheduling.CalendarFeedToken": "Calendar feed",
    "intake.ConsultationRequest": "Consultation request",
    "intake.ContactAttempt": "Contact attempt",
    "outcomes.QuestionnaireResponse": "Questionnaire",
    "outcomes.SafetyAlert": "Suicide-risk alert",
    "evaluation.IntakeHistory": "Intake history",
    "evaluation.CandidacyRule": "Candidacy rule",
    "evaluation.CandidacyDecision": "Candidacy decision",
    "treatment.Protocol": "Protocol",
    "treatment.StockedProduct": "Stocked product",
    "treatment.TreatmentCourse": "Treatment course",
    "treatment.InfusionOrder": "Infusion order",
    "reminders.Job": "Background job",
    "reminders.OutboundMessage": "Message to a patient",
    "reminders.PreparationConfirmationToken": "Preparation link",
    "reminders.PreparationConfirmation": "Preparation confirmation",
    "infusions.InfusionSession": "Infusion visit",
    "infusions.ReadinessCheck": "Readiness check",
    "infusions.GateOverride": "Readiness override",
    "infusions.InfusionEvent": "Infusion event",
    "infusions.VitalSign": "Vital signs",
    "infusions.VitalAlert": "Vital-sign alert",
    "infusions.SideEffect": "Side effect",
    "infusions.RescueMedication": "Rescue medication",
    "infusions.ClinicalRating": "Sedation or dissociation rating",
    "documents.DocumentDelivery": "Document sent",
}

# Field names that are abbreviations a clinician reads differently.
_FIELD_WORDS: dict[str, str] = {
    "sbp": "Systolic BP (mm Hg)",
    "dbp": "Diastolic BP (mm Hg)",
    "hr": "Heart rate (/min)",
    "rr": "Respiratory rate (/min)",
    "spo2": "SpO2 (%)",
    "temp_c": "Temperature (°C)",
}
# Unit suffixes of field names, longest first: "dose_mg_per_kg_per_h" → "Dose (mg/kg/h)".
_UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_mg_per_kg_per_h", "mg/kg/h"),
    ("_mg_per_kg", "mg/kg"),
    ("_mg_per_ml", "mg/mL"),
    ("_ml_h_exact", "mL/h, exact"),
    ("_ml_h", "mL/h"),
    ("_ml", "mL"),
    ("_mg", "mg"),
    ("_kg", "kg"),
    ("_cm", "cm"),
    ("_min", "min"),
    ("_hours", "h"),
    ("_minutes", "min"),
)


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def record_name(object_type: str) -> str:
    """ "infusions.VitalSign" → "Vital signs"; an unlisted model reads as its verbose name."""
    if object_type in RECORD_NAMES:
        return RECORD_NAMES[object_type]
    model = _model(object_type)
    if model is not None:
        return capfirst(str(model._meta.verbose_name))
    # not a model (e.g. a record type an older release wrote): its class name in words
    name = object_type.rpartition(".")[2]
    return capfirst(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()) or "Record"


def record_label(object_type: str, object_id: str, *, detail: str = "") -> str:
    """ "Vital signs #18"; with a detail, "Clinic setting: Minimum SpO2"."""
    name = record_name(object_type) if object_type else ""
    if detail:
        return f"{name}: {detail}" if name else detail
    if not name:
        return "—"
    return f"{name} #{object_id}" if object_id else name


def _words(key: str) -> str:
    if key in _FIELD_WORDS:
        return _FIELD_WORDS[key]
    base, unit = key, ""
    for suffix, shown in _UNIT_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            base, unit = key[: -len(suffix)], shown
            break
    if base.endswith("_id"):
        base = base[:-3]
    words = capfirst(base.replace("_", " ").strip())
    return f"{words} ({unit})" if unit else words


def field_label(object_type: str, key: str) -> str:
    """A key of an event's before/after/extra values, as a clinician reads it."""
    model = _model(object_type) if object_type else None
    if model is not None and key not in _FIELD_WORDS:
        field = None
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            field = next((f for f in model._meta.concrete_fields if f.attname == key), None)
        if field is not None:
            verbose = str(getattr(field, "verbose_name", ""))
            # a verbose name someone wrote (not Django's default from the name) says it best
            if verbose and verbose != field.name.replace("_", " "):
                return capfirst(verbose)
            return _words(field.name)
    return _words(key)


def record_details(*, events, clinic) -> dict[tuple[str, str], str]:
    """Words that say which record an event is about where a number says nothing: a clinic setting's
    name ("Minimum SpO2"). One query per such record type on the page, none otherwise."""
    from clinic.core.clinical_settings import REGISTRY
    from clinic.core.models import ClinicSetting, SettingChangeProposal

    details: dict[tuple[str, str], str] = {}
    for model in (ClinicSetting, SettingChangeProposal):
        label = model._meta.label
        ids = {e.object_id for e in events if e.object_type == label and str(e.object_id).isdigit()}
        if not ids:
            continue
        for pk, key in model.objects.filter(clinic=clinic, pk__in=ids).values_list("pk", "key"):
            definition = REGISTRY.get(key)
            details[(label, str(pk))] = definition.label if definition else _words(key)
    return details

"""The patient registry and the chart's clinical lists."""

import unicodedata

from django.db import models
from simple_history.models import HistoricalRecords

from clinic.core.models import ClinicScopedModel


class SexAtBirth(models.TextChoices):
    # Needed for ideal body weight (Devine formula, domain.md §1.3).
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    UNKNOWN = "unknown", "Not recorded"


class JourneyStage(models.TextChoices):
    """Where the patient stands in the journey of product.md; services move it forward."""

    CONSULTATION = "consultation", "Consultation booked"
    EVALUATION = "evaluation", "Under evaluation"
    CANDIDATE = "candidate", "Candidate, course not started"
    NOT_CANDIDATE = "not_candidate", "Not a candidate"
    INDUCTION = "induction", "Induction series"
    MAINTENANCE = "maintenance", "Maintenance"
    INACTIVE = "inactive", "Inactive"


def name_search_key(text: str) -> str:
    """A name as the search box compares it: case-folded, accents stripped ("Élodie" -> "elodie").

    Done in Python (NFKD, drop combining marks) because SQLite's lower() folds A-Z only; the result
    is stored on the patient so both databases compare plain strings with an ordinary index.
    """
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Stored search keys of the names, kept in step by Patient.save(); not part of the record's history.
NAME_SEARCH_FIELDS = {"given_name": "given_name_search", "family_name": "family_name_search"}


class Patient(ClinicScopedModel):
    """A person under the clinic's care: identity, contact, escort and referral details."""

    record_number = models.CharField(
        max_length=20, help_text="Medical record number, unique per clinic."
    )
    given_name = models.CharField(max_length=80)
    family_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField()
    sex_at_birth = models.CharField(
        max_length=10, choices=SexAtBirth.choices, default=SexAtBirth.UNKNOWN
    )
    gender_identity = models.CharField(max_length=60, blank=True)
    pronouns = models.CharField(max_length=30, blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +16175550100")
    email = models.EmailField(blank=True)
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = models.CharField(max_length=20, blank=True)
    escort_name = models.CharField(
        max_length=120, blank=True, help_text="Usual adult driver after infusions."
    )
    escort_phone = models.CharField(max_length=20, blank=True)
    referring_clinician_name = models.CharField(max_length=120, blank=True)
    referring_clinician_practice = models.CharField(max_length=160, blank=True)
    referring_clinician_phone = models.CharField(max_length=20, blank=True)
    referring_clinician_email = models.EmailField(blank=True)
    journey_stage = models.CharField(
        max_length=20, choices=JourneyStage.choices, default=JourneyStage.CONSULTATION
    )
    user = models.OneToOneField(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="patient",
        help_text="The patient's portal account, if any.",
    )

    # name_search_key() of the names, for the search box (set by save(); see NAME_SEARCH_FIELDS).
    given_name_search = models.CharField(max_length=255, blank=True, editable=False)
    family_name_search = models.CharField(max_length=255, blank=True, editable=False)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "given_name_search", "family_name_search"]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "record_number"], name="uniq_patient_clinic_mrn"
            )
        ]
        indexes = [
            models.Index(fields=["clinic", "family_name", "given_name"]),
            models.Index(fields=["clinic", "date_of_birth"]),
            models.Index(fields=["clinic", "journey_stage"]),
            # The search box matches a case- and accent-insensitive name prefix as a range on the
            # stored search keys, which these indexes serve on SQLite and PostgreSQL alike.
            models.Index(fields=["clinic", "family_name_search"], name="patient_clinic_sfamily_idx"),
            models.Index(fields=["clinic", "given_name_search"], name="patient_clinic_sgiven_idx"),
        ]
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.record_number})"

    def set_name_search_keys(self) -> None:
        for name, key in NAME_SEARCH_FIELDS.items():
            setattr(self, key, name_search_key(getattr(self, name))[:255])

    def save(self, *args, **kwargs):
        # Every write path (registration, edits, intake conversion, demo data) goes through here;
        # bulk_create() callers call set_name_search_keys() themselves.
        self.set_name_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(NAME_SEARCH_FIELDS):
            kwargs["update_fields"] = {*update_fields, *NAME_SEARCH_FIELDS.values()}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class BodyMeasurement(ClinicScopedModel):
    """Height and/or weight measured at a point in time; dosing uses the most recent weight."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="measurements")
    measured_at = models.DateTimeField()
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        indexes = [models.Index(fields=["patient", "-measured_at"])]
        ordering = ["-measured_at"]

    def __str__(self) -> str:
        return f"{self.weight_kg} kg / {self.height_cm} cm at {self.measured_at:%Y-%m-%d}"


class DiagnosisStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESOLVED = "resolved", "Resolved"
    RULED_OUT = "ruled_out", "Ruled out"


class Diagnosis(ClinicScopedModel):
    """An ICD-10-CM coded diagnosis on the patient's problem list."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="diagnoses")
    icd10_code = models.CharField(max_length=10)
    description = models.CharField(max_length=200)
    status = models.CharField(
        max_length=12, choices=DiagnosisStatus.choices, default=DiagnosisStatus.ACTIVE
    )
    onset_date = models.DateField(null=True, blank=True)
    noted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        indexes = [models.Index(fields=["patient", "status"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.description}"


class Medication(ClinicScopedModel):
    """A current or past medication, tagged with the class the interaction rules read."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(max_length=120)
    dose = models.CharField(max_length=60, blank=True, help_text="Strength and unit, e.g. 20 mg")
    frequency = models.CharField(max_length=60, blank=True)
    drug_class = models.CharField(
        max_length=40, blank=True, help_text="e.g. benzodiazepine, MAOI, SSRI"
    )
    started_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        indexes = [models.Index(fields=["patient", "is_active"])]
        ordering = ["-is_active", "name"]

    def __str__(self) -> str:
        return f"{self.name} {self.dose}".strip()


class AllergySeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"
    UNKNOWN = "unknown", "Unknown"


class Allergy(ClinicScopedModel):
    """A recorded allergy or intolerance."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=120)
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(
        max_length=10, choices=AllergySeverity.choices, default=AllergySeverity.UNKNOWN
    )
    is_active = models.BooleanField(default=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        indexes = [models.Index(fields=["patient", "is_active"])]
        ordering = ["substance"]

    def __str__(self) -> str:
        return self.substance


class RecordNumberSequence(models.Model):
    """The next record number per clinic; locked when a patient is registered."""

    clinic = models.OneToOneField("core.Clinic", on_delete=models.CASCADE, related_name="+")
    next_value = models.PositiveIntegerField(default=1001)

    def __str__(self) -> str:
        return f"{self.clinic_id}: {self.next_value}"

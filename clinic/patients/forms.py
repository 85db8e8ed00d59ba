"""Forms of the registry and the chart. They validate input; services do the writing."""

import datetime as dt
import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.core.phones import DEFAULT_REGION, phone_display, phone_help, phone_parse
from clinic.core.validators import (
    HEIGHT_MAX_CM,
    HEIGHT_MIN_CM,
    WEIGHT_MAX_KG,
    WEIGHT_MIN_KG,
    validate_date_of_birth,
    validate_height_cm,
    validate_weight_kg,
)
from clinic.patients.drug_classes import DRUG_CLASS_CHOICES
from clinic.patients.icd10 import icd10_choices
from clinic.patients.models import AllergySeverity, DiagnosisStatus, Patient
from clinic.patients.services import (
    ALLERGY_SUBSTANCE_REQUIRED,
    CLOCK_SKEW,
    DATE_IN_FUTURE,
    MEASURED_IN_FUTURE,
    MEASUREMENT_EMPTY,
    MEDICATION_NAME_REQUIRED,
    PATIENT_FIELDS,
    PHONE_FIELDS,
)

ICD10_CHOOSE = "Choose a diagnosis from the list."
STATE_INVALID = "Enter the two-letter state code, e.g. MA."
POSTAL_CODE_INVALID = "Enter a 5-digit ZIP code (or ZIP+4, e.g. 02139-4307)."
SEARCH_PLACEHOLDER = "Name, date of birth (YYYY-MM-DD or MM/DD/YYYY) or record number"

_STATE = re.compile(r"^[A-Z]{2}$")
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")

DateInput = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _submission_key_field() -> forms.UUIDField:
    # Generated when the form is rendered; a double submit carries the same key (one record).
    return forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)


def _today() -> dt.date:
    return timezone.localdate()


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Find a patient", required=False, max_length=120,
        widget=forms.TextInput(attrs={
            "type": "search", "placeholder": SEARCH_PLACEHOLDER, "autocomplete": "off",
            "autofocus": True,
        }),
    )


class PatientForm(forms.ModelForm):
    """Demographics, contact, emergency contact, usual escort and referring clinician."""

    FIELDSETS = (
        ("Demographics", ("given_name", "family_name", "preferred_name", "date_of_birth",
                          "sex_at_birth", "gender_identity", "pronouns")),
        ("Contact", ("phone", "email", "address_line", "city", "state", "postal_code")),
        ("Emergency contact", ("emergency_contact_name", "emergency_contact_relationship",
                               "emergency_contact_phone")),
        ("Usual escort (adult driver after infusions)", ("escort_name", "escort_phone")),
        ("Referring clinician", ("referring_clinician_name", "referring_clinician_practice",
                                 "referring_clinician_phone", "referring_clinician_email")),
    )

    class Meta:
        model = Patient
        fields = PATIENT_FIELDS
        widgets = {
            "date_of_birth": DateInput,
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "emergency_contact_phone": forms.TextInput(attrs={"type": "tel"}),
            "escort_phone": forms.TextInput(attrs={"type": "tel"}),
            "referring_clinician_phone": forms.TextInput(attrs={"type": "tel"}),
        }
        labels = {
            "phone": "Mobile phone",
            "email": "E-mail",
            "address_line": "Street address",
            "state": "State",
            "postal_code": "ZIP code",
            "emergency_contact_name": "Name",
            "emergency_contact_relationship": "Relationship",
            "emergency_contact_phone": "Phone",
            "escort_name": "Name",
            "escort_phone": "Phone",
            "referring_clinician_name": "Name",
            "referring_clinician_practice": "Practice",
            "referring_clinician_phone": "Phone",
            "referring_clinician_email": "E-mail",
        }
        help_texts = {
            "escort_name": "Patients may not drive for 24 hours after an infusion.",
        }

    def __init__(self, *args, phone_region: str = DEFAULT_REGION, **kwargs):
        super().__init__(*args, **kwargs)
        # Numbers without + are read in the clinic's region; stored ones are shown as people write them.
        self.phone_region = phone_region
        self.fields["phone"].help_text = phone_help(phone_region)
        if self.instance.pk and not self.is_bound:
            for name in PHONE_FIELDS:
                self.initial[name] = phone_display(getattr(self.instance, name), region=phone_region)

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        validate_date_of_birth(value)
        return value

    def clean_state(self):
        value = (self.cleaned_data.get("state") or "").strip().upper()
        if value and not _STATE.match(value):
            raise ValidationError(STATE_INVALID)
        return value

    def clean_postal_code(self):
        value = (self.cleaned_data.get("postal_code") or "").strip()
        if value and not _ZIP.match(value):
            raise ValidationError(POSTAL_CODE_INVALID)
        return value

    def _clean_phone(self, name: str) -> str:
        return phone_parse(self.cleaned_data.get(name), region=self.phone_region)

    def clean_phone(self):
        return self._clean_phone("phone")

    def clean_emergency_contact_phone(self):
        return self._clean_phone("emergency_contact_phone")

    def clean_escort_phone(self):
        return self._clean_phone("escort_phone")

    def clean_referring_clinician_phone(self):
        return self._clean_phone("referring_clinician_phone")

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in PATIENT_FIELDS}


class PatientRegisterForm(PatientForm):
    submission_key = _submission_key_field()


class MeasurementForm(forms.Form):
    submission_key = _submission_key_field()
    measured_at = forms.DateTimeField(
        label="Measured at", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Clinic time.",
    )
    # Ranges checked by core.validators, whose messages name the unit; min/max only for the browser.
    weight_kg = forms.DecimalField(
        label="Weight (kg)", required=False, max_digits=5, decimal_places=1,
        validators=[validate_weight_kg],
        widget=forms.NumberInput(attrs={
            "step": "0.1", "inputmode": "decimal", "min": WEIGHT_MIN_KG, "max": WEIGHT_MAX_KG,
        }),
        help_text=f"{WEIGHT_MIN_KG}–{WEIGHT_MAX_KG} kg, one decimal. Doses are calculated from it.",
    )
    # The service refuses a large change from the last value unless confirmed (lb/kg mix-ups).
    confirm_weight_change = forms.BooleanField(
        label="Confirm this weight", required=False,
        help_text="Tick only when a large change from the last weight is real and in kg.",
    )
    height_cm = forms.DecimalField(
        label="Height (cm)", required=False, max_digits=4, decimal_places=1,
        validators=[validate_height_cm],
        widget=forms.NumberInput(attrs={
            "step": "0.1", "inputmode": "decimal", "min": HEIGHT_MIN_CM, "max": HEIGHT_MAX_CM,
        }),
        help_text=f"{HEIGHT_MIN_CM}–{HEIGHT_MAX_CM} cm.",
    )
    confirm_height_change = forms.BooleanField(
        label="Confirm this height", required=False,
        help_text="Tick only when a large change from the last height is real and in cm.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "measured_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_measured_at(self):
        value = self.cleaned_data["measured_at"]
        if value > timezone.now() + CLOCK_SKEW:
            raise ValidationError(MEASURED_IN_FUTURE)
        return value

    def clean(self):
        cleaned = super().clean()
        if (
            not self.has_error("weight_kg") and not self.has_error("height_cm")
            and cleaned.get("weight_kg") is None and cleaned.get("height_cm") is None
        ):
            raise ValidationError(MEASUREMENT_EMPTY)
        return cleaned


def _not_future(value):
    if value is not None and value > _today():
        raise ValidationError(DATE_IN_FUTURE)
    return value


class DiagnosisForm(forms.Form):
    submission_key = _submission_key_field()
    icd10_code = forms.ChoiceField(
        label="Diagnosis (ICD-10-CM)", error_messages={"invalid_choice": ICD10_CHOOSE},
    )
    description = forms.CharField(
        label="Description", required=False, max_length=200,
        help_text="Leave blank to use the ICD-10-CM title.",
    )
    onset_date = forms.DateField(label="Onset", required=False, widget=DateInput)
    status = forms.ChoiceField(label="Status", choices=DiagnosisStatus.choices,
                               initial=DiagnosisStatus.ACTIVE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["icd10_code"].choices = [("", "Choose…"), *icd10_choices()]

    def clean_onset_date(self):
        return _not_future(self.cleaned_data.get("onset_date"))


class DiagnosisStatusForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=DiagnosisStatus.choices)


class MedicationForm(forms.Form):
    submission_key = _submission_key_field()
    name = forms.CharField(label="Medication", max_length=120,
                           error_messages={"required": MEDICATION_NAME_REQUIRED})
    dose = forms.CharField(label="Dose", required=False, max_length=60,
                           help_text="Strength with its unit, e.g. 20 mg.")
    frequency = forms.CharField(label="How often", required=False, max_length=60,
                                help_text="e.g. once daily, at bedtime, as needed.")
    drug_class = forms.ChoiceField(
        label="Class", required=False, choices=[("", "Not classified"), *DRUG_CLASS_CHOICES],
        help_text="The interaction checks read this tag.",
    )
    started_on = forms.DateField(label="Started on", required=False, widget=DateInput)

    def clean_started_on(self):
        return _not_future(self.cleaned_data.get("started_on"))


class MedicationStopForm(forms.Form):
    stopped_on = forms.DateField(label="Stopped on", widget=DateInput, initial=_today)

    def clean_stopped_on(self):
        return _not_future(self.cleaned_data.get("stopped_on"))


class AllergyForm(forms.Form):
    submission_key = _submission_key_field()
    substance = forms.CharField(label="Substance", max_length=120,
                                error_messages={"required": ALLERGY_SUBSTANCE_REQUIRED})
    reaction = forms.CharField(label="Reaction", required=False, max_length=200,
                               help_text="e.g. hives, anaphylaxis, nausea.")
    severity = forms.ChoiceField(label="Severity", choices=AllergySeverity.choices,
                                 initial=AllergySeverity.UNKNOWN)

"""Forms for the preparation confirmation (patient link and staff phone call) and the staff lists.

Times are typed as the clinic's wall-clock time and become aware datetimes here; the service checks
them against the visit. The forms only parse: every rule lives in services.preparation_confirm.
"""

import datetime as dt
import uuid

from django import forms
from django.core.exceptions import ValidationError

from clinic.core.phones import clinic_phone_display
from clinic.patients.models import SexAtBirth
from clinic.reminders.content import clock, fasting_times
from clinic.reminders.models import MedicationChanges, MessageStatus, PregnancyStatus
from clinic.reminders.selectors import preparation_rules
from clinic.scheduling.forms import clinic_local_datetime

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
TIME_INVALID = "Enter a date and time, e.g. 2030-05-06 07:30."
TIME_REQUIRED = "Enter the date and time (or the time you plan)."


class LocalDateTimeField(forms.Field):
    """A datetime-local input read as a naive wall-clock time; the form adds the clinic's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)
    default_error_messages = {"required": TIME_REQUIRED}
    formats = (LOCAL_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        for fmt in self.formats:
            try:
                return dt.datetime.strptime(str(value).strip(), fmt)
            except ValueError:
                continue
        raise ValidationError(TIME_INVALID, code="invalid")


def _naive_local(moment: dt.datetime | None, tz) -> dt.datetime | None:
    return moment.astimezone(tz).replace(tzinfo=None) if moment else None


class PreparationConfirmForm(forms.Form):
    """What the patient confirms before an infusion (the patient's own words)."""

    last_solid_food_at = LocalDateTimeField(label="Last solid food")
    last_clear_liquid_at = LocalDateTimeField(label="Last clear liquid")
    driver_name = forms.CharField(label="Driver's name", max_length=120, required=False)
    driver_phone = forms.CharField(
        label="Driver's phone",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    medication_changes = forms.ChoiceField(
        label="Medication changes since your last visit",
        choices=MedicationChanges.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    medication_changes_detail = forms.CharField(
        label="What changed",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="New medicines, stopped ones, dose changes; sleep aids and supplements too.",
    )
    pregnancy_status = forms.ChoiceField(
        label="Pregnancy status (optional)",
        choices=PregnancyStatus.choices,
        required=False,
    )
    no_driving_understood = forms.BooleanField(required=False)
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    driver_help = "The adult who takes you home. We only call them about your visit."
    no_driving_label = (
        "I will not drive, ride a bike or operate machinery for {hours} hours after the infusion."
    )

    def __init__(self, *args, appointment, confirmation=None, **kwargs):
        self.appointment = appointment
        clinic = appointment.clinic
        self.tz = clinic.tzinfo
        rules = preparation_rules(clinic=clinic)
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("submission_key", uuid.uuid4())
        patient = appointment.patient
        if confirmation is not None:
            initial.update(
                last_solid_food_at=_naive_local(confirmation.last_solid_food_at, self.tz),
                last_clear_liquid_at=_naive_local(confirmation.last_clear_liquid_at, self.tz),
                driver_name=confirmation.driver_name,
                driver_phone=clinic_phone_display(confirmation.driver_phone, clinic=clinic),
                medication_changes=confirmation.medication_changes,
                medication_changes_detail=confirmation.medication_changes_detail,
                pregnancy_status=confirmation.pregnancy_status,
                no_driving_understood=confirmation.no_driving_understood,
            )
        else:
            initial.setdefault("driver_name", patient.escort_name)
            initial.setdefault("driver_phone", clinic_phone_display(patient.escort_phone, clinic=clinic))
        super().__init__(*args, **kwargs)
        times = fasting_times(starts_at=appointment.starts_at, rules=rules, tz=self.tz)
        day = appointment.starts_at.astimezone(self.tz).date()
        zone = f"Clinic time ({clinic.timezone})."
        self.fields["last_solid_food_at"].help_text = (
            f"Nothing solid after {clock(times.solids_until, visit_day=day)} "
            f"({rules.solids_hours} h before). Give the time you ate last, or plan to. {zone}"
        )
        self.fields["last_clear_liquid_at"].help_text = (
            f"Clear liquids until {clock(times.clear_liquids_until, visit_day=day)} "
            f"({rules.clear_liquids_hours} h before). {zone}"
        )
        self.fields["driver_phone"].help_text = self.driver_help
        self.fields["no_driving_understood"].label = self.no_driving_label.format(
            hours=rules.no_driving_hours
        )
        if patient.sex_at_birth == SexAtBirth.MALE:
            del self.fields["pregnancy_status"]

    def _aware(self, name: str):
        value = self.cleaned_data[name]
        return clinic_local_datetime(self.appointment.clinic, value.date(), value.time())

    def clean_last_solid_food_at(self):
        return self._aware("last_solid_food_at")

    def clean_last_clear_liquid_at(self):
        return self._aware("last_clear_liquid_at")

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            "last_solid_food_at": data["last_solid_food_at"],
            "last_clear_liquid_at": data["last_clear_liquid_at"],
            "driver_name": data["driver_name"],
            "driver_phone": data["driver_phone"],
            "medication_changes": data["medication_changes"],
            "medication_changes_detail": data["medication_changes_detail"],
            "pregnancy_status": data.get("pregnancy_status", ""),
            "no_driving_understood": data["no_driving_understood"],
            "submission_key": data["submission_key"],
        }


class StaffPhoneConfirmForm(PreparationConfirmForm):
    """The same questions, asked by the front desk on the phone."""

    driver_help = "The adult who takes the patient home."
    no_driving_label = (
        "The patient confirmed they will not drive, ride a bike or operate machinery for {hours} "
        "hours after the infusion."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["medication_changes"].label = "Medication changes since the last visit"
        self.fields["medication_changes"].choices = [
            (MedicationChanges.NONE, "No changes since the last visit"),
            (MedicationChanges.CHANGED, "Something changed"),
        ]


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "All")] + list(MessageStatus.choices)
    )

"""Forms for booking. Times are typed in the clinic's own zone and become aware datetimes here."""

import datetime as dt
import uuid

from django import forms
from django.core.exceptions import ValidationError

from clinic.core.models import Clinic
from clinic.patients.models import Patient
from clinic.scheduling import selectors

TIME_DOES_NOT_EXIST = "That time does not exist on that day (the clocks go forward); choose another."
NO_SUCH_RECORD = "No patient with that record number at this clinic."


def clinic_local_datetime(clinic: Clinic, day: dt.date, time: dt.time) -> dt.datetime:
    """The aware datetime for a wall-clock time at the clinic; refuses a time skipped by DST."""
    local = dt.datetime.combine(day, time, tzinfo=clinic.tzinfo)
    round_trip = local.astimezone(dt.UTC).astimezone(clinic.tzinfo)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationError(TIME_DOES_NOT_EXIST, code="dst_gap")
    return local


def apply_service_errors(form: forms.Form, error: ValidationError, field_map: dict | None = None):
    """Put a service's ValidationError on the form fields it names (or on the form as a whole)."""
    field_map = field_map or {}
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            target = field_map.get(name, name)
            form.add_error(target if target in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ConsultationTimeMixin(forms.Form):
    """Date, start time, room and physician for a consultation at `clinic`."""

    date = forms.DateField(label="Consultation date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label="Start time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    room = forms.ModelChoiceField(
        label="Consultation room", queryset=None, required=False, empty_label="No room yet",
    )
    clinician = forms.ModelChoiceField(
        label="Physician", queryset=None, required=False, empty_label="Not assigned yet",
    )

    def setup_consultation_fields(self, clinic: Clinic) -> None:
        self.clinic = clinic
        self.fields["room"].queryset = selectors.consultation_rooms(clinic=clinic)
        self.fields["clinician"].queryset = selectors.physicians(clinic=clinic)
        self.fields["clinician"].label_from_instance = lambda user: user.signature_name
        self.fields["start_time"].help_text = (
            f"Clinic time ({clinic.timezone}). Length: the clinic's consultation length setting."
        )

    def clean(self):
        cleaned = super().clean()
        day, time = cleaned.get("date"), cleaned.get("start_time")
        if day and time:
            try:
                cleaned["starts_at"] = clinic_local_datetime(self.clinic, day, time)
            except ValidationError as exc:
                self.add_error("start_time", exc)
        return cleaned


class ConsultationBookForm(ConsultationTimeMixin):
    """Book a consultation for a patient already in the registry."""

    record_number = forms.CharField(
        label="Patient record number", max_length=20,
        help_text="The MRN on the patient's chart, e.g. MRN-001001.",
    )
    notes = forms.CharField(label="Notes", max_length=500, required=False)
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    field_order = ["record_number", "date", "start_time", "room", "clinician", "notes"]

    def __init__(self, *args, clinic: Clinic, patient=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.setup_consultation_fields(clinic)
        self.patient = patient
        if patient is not None:
            del self.fields["record_number"]

    def clean_record_number(self):
        number = self.cleaned_data["record_number"].strip()
        patient = Patient.objects.filter(clinic=self.clinic, record_number__iexact=number).first()
        if patient is None:
            raise ValidationError(NO_SUCH_RECORD, code="no_such_record")
        self.patient = patient
        return number


class DayForm(forms.Form):
    date = forms.DateField(label="Date", required=False, widget=forms.DateInput(attrs={"type": "date"}))

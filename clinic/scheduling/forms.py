"""Forms for booking. Times are typed in the clinic's own zone and become aware datetimes here."""

import datetime as dt
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.core.models import Clinic
from clinic.core.selectors import clinic_setting_value
from clinic.patients.models import Patient
from clinic.scheduling import selectors
from clinic.scheduling.models import AppointmentKind, Colour, Room, RoomKind
from clinic.scheduling.services import HOURS_ORDER, HOURS_REQUIRED

TIME_DOES_NOT_EXIST = "That time does not exist on that day (the clocks go forward); choose another."
NO_SUCH_RECORD = "No patient with that record number at this clinic."


# No booking setting bounds how far from today a typed date may be, so this sane window does:
# it refuses typos such as 9999-12-31 (whose conversion to UTC would overflow) with a field error.
# Wide enough for rotas and closures planned years ahead (the tests book in 2030).
DATE_WINDOW_YEARS = 5
DATE_OUT_OF_RANGE = "Choose a date within {years} years of today."


def clinic_local_datetime(clinic: Clinic, day: dt.date, time: dt.time) -> dt.datetime:
    """The aware datetime for a wall-clock time at the clinic; refuses a time skipped by DST and
    a day more than DATE_WINDOW_YEARS from the clinic's today (code "date_out_of_range")."""
    today = timezone.now().astimezone(clinic.tzinfo).date()
    window = dt.timedelta(days=366 * DATE_WINDOW_YEARS)
    if abs((day - today).days) > window.days:
        raise ValidationError(
            DATE_OUT_OF_RANGE.format(years=DATE_WINDOW_YEARS), code="date_out_of_range"
        )
    local = dt.datetime.combine(day, time, tzinfo=clinic.tzinfo)
    round_trip = local.astimezone(dt.UTC).astimezone(clinic.tzinfo)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationError(TIME_DOES_NOT_EXIST, code="dst_gap")
    return local


def set_local_datetime(
    form: forms.Form, cleaned: dict, *, date: str = "date", time: str = "start_time",
    target: str = "starts_at",
) -> None:
    """In a form's clean(): put the clinic-local datetime of the `date` and `time` fields in
    cleaned[target], or a DST-gap error on the time field. `form.clinic` is the clinic."""
    day, moment = cleaned.get(date), cleaned.get(time)
    if day and moment:
        try:
            cleaned[target] = clinic_local_datetime(form.clinic, day, moment)
        except ValidationError as exc:
            form.add_error(date if exc.code == "date_out_of_range" else time, exc)


def data_with_pick(data, pick: str):
    """A copy of posted form data with a picked free time filled in (the pick button's value,
    "YYYY-MM-DDTHH:MM|room id", from `selectors.next_free_slots`): date, start time and room.
    The booking forms' free-time buttons do this in the browser; this is the same without script."""
    when, _, room = (pick or "").partition("|")
    try:
        moment = dt.datetime.strptime(when, "%Y-%m-%dT%H:%M")
    except ValueError:
        return data
    data = data.copy()
    data["date"] = moment.date().isoformat()
    data["start_time"] = moment.strftime("%H:%M")
    if room.isdigit():
        data["room"] = room
    return data


def slots_after(form: forms.Form, now: dt.datetime) -> dt.datetime:
    """From when to look for free times: the time the form asks for (or its day's start), never
    before now; now for an empty form."""
    data = getattr(form, "cleaned_data", None) or {}
    if data.get("starts_at"):
        return max(data["starts_at"], now)
    day = data.get("date")
    if day:
        try:
            return max(clinic_local_datetime(form.clinic, day, dt.time(0, 0)), now)
        except ValidationError:
            return now
    return now


SLOTS_FOR_CONSULTATION = "For a {minutes} min consultation{who}{where}."


def consultation_slots(*, clinic, form, patient=None, now=None) -> dict:
    """The free-times panel of a consultation form (booking or converting a request): the next free
    times from what the form asks for, with its room and physician if chosen."""
    now = now or timezone.now()
    data = getattr(form, "cleaned_data", None) or {}
    room, clinician = data.get("room"), data.get("clinician")
    minutes = clinic_setting_value(clinic, "consultation_length_minutes")
    slots = selectors.next_free_slots(
        clinic=clinic, length_minutes=minutes, room_kind=RoomKind.CONSULT, after=slots_after(form, now),
        room=room, clinician=clinician, patient=patient, now=now,
    )
    return {
        "slots": slots,
        "slots_for": SLOTS_FOR_CONSULTATION.format(
            minutes=minutes,
            who=f" with {clinician.signature_name}" if clinician else "",
            where=f" in {room.name}" if room else "",
        ),
    }


def picked_label(form) -> str:
    """'Tue 05 May 09:00 in Consult 1' for a form just filled in from a free-time button."""
    data = getattr(form, "cleaned_data", None) or {}
    if not data.get("starts_at"):
        return ""
    label = f"{data['starts_at']:%a %d %b %H:%M}"
    return label + (f" in {data['room'].name}" if data.get("room") else "")


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
        set_local_datetime(self, cleaned)
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


# --- series booking -------------------------------------------------------------------------------

WEEKDAY_CHOICES = [
    (0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun"),
]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"})
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
COURSE_OR_TYPE = "Choose the treatment course, or a visit type when there is no course."


class SeriesStartForm(forms.Form):
    """Find the patient a series is for, by record number."""

    record_number = forms.CharField(
        label="Patient record number", max_length=20, help_text="The MRN on the chart, e.g. MRN-001001."
    )

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.patient = None

    def clean_record_number(self):
        number = self.cleaned_data["record_number"].strip()
        patient = Patient.objects.filter(clinic=self.clinic, record_number__iexact=number).first()
        if patient is None:
            raise ValidationError(NO_SUCH_RECORD, code="no_such_record")
        self.patient = patient
        return number


class SeriesPreferencesForm(forms.Form):
    """What the front desk asks for: course (or visit type), how many, from when, which days/times."""

    course = forms.ModelChoiceField(
        label="Treatment course", queryset=None, required=False, empty_label="No course",
    )
    appointment_type = forms.ModelChoiceField(
        label="Visit type", queryset=None, required=False, empty_label="From the course",
        help_text="Only needed without a course; a course uses its protocol's chair time.",
    )
    count = forms.IntegerField(
        label="Number of visits", min_value=1, max_value=30, required=False,
        help_text="Empty: the course's planned infusions.",
    )
    start_date = forms.DateField(label="First day", widget=DATE_WIDGET)
    window_days = forms.IntegerField(
        label="Fit the series within (days)", min_value=1, max_value=120, required=False,
        help_text="Empty: the protocol's longest series window.",
    )
    min_gap_hours = forms.IntegerField(
        label="At least this many hours between visits (h)", min_value=0, max_value=336,
        required=False, help_text="Empty: the protocol's minimum gap.",
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="Preferred days", choices=WEEKDAY_CHOICES, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_time = forms.TimeField(label="Preferred start time", required=False, widget=TIME_WIDGET)
    second_time = forms.TimeField(label="Second-choice start time", required=False, widget=TIME_WIDGET)
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, clinic: Clinic, patient: Patient, initial_course=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.clinic, self.patient = clinic, patient
        self.fields["course"].queryset = selectors.bookable_courses(patient=patient)
        self.fields["course"].label_from_instance = lambda c: (
            f"#{c.pk} {c.protocol.name} — {c.planned_infusions} infusions ({c.get_status_display()})"
        )
        self.fields["appointment_type"].queryset = selectors.series_appointment_types(clinic=clinic)
        if initial_course is not None and not self.is_bound:
            self.initial["course"] = initial_course.pk

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("course") and not cleaned.get("appointment_type") and not self.errors:
            self.add_error("course", COURSE_OR_TYPE)
        times = [t for t in (cleaned.get("preferred_time"), cleaned.get("second_time")) if t]
        cleaned["preferred_times"] = times
        return cleaned


SLOT_DATE_REQUIRED = "Enter the date."


class SlotForm(forms.Form):
    """One visit of a proposal, as the front desk may adjust it."""

    date = forms.DateField(label="Date", widget=DATE_WIDGET)
    start_time = forms.TimeField(label="Start", widget=TIME_WIDGET)
    chair = forms.ModelChoiceField(label="Chair", queryset=None, empty_label=None)

    def __init__(self, *args, clinic: Clinic, index: int | None = None, chairs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["chair"].queryset = chairs if chairs is not None else selectors.chairs(clinic=clinic)
        if index is not None:
            # Each row's inputs are named for its visit, for screen readers and tests alike.
            for name, label in (("date", "date"), ("start_time", "start time"), ("chair", "chair")):
                self.fields[name].widget.attrs["aria-label"] = f"Visit {index + 1} {label}"

    def clean(self):
        cleaned = super().clean()
        set_local_datetime(self, cleaned)
        return cleaned


class BaseSlotFormSet(forms.BaseFormSet):
    def __init__(self, *args, clinic: Clinic, **kwargs):
        self.clinic = clinic
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        # One chair queryset for every row (evaluated once, not once per row).
        if not hasattr(self, "_chairs"):
            self._chairs = selectors.chairs(clinic=self.clinic)
        return {**super().get_form_kwargs(index), "clinic": self.clinic, "index": index,
                "chairs": self._chairs}


SlotFormSet = forms.formset_factory(SlotForm, formset=BaseSlotFormSet, extra=0, max_num=30, validate_max=True)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=300, help_text="Kept with the visit and in the audit trail.",
    )


class SeriesMoveForm(ReasonForm):
    """Move every visit still to come: by a number of days, or so the next visit starts at a new time."""

    days = forms.IntegerField(
        label="Move by (days)", required=False, min_value=-60, max_value=120,
        help_text="E.g. 7 moves every remaining visit one week later; −2 two days earlier.",
    )
    new_date = forms.DateField(label="Or: next visit's new date", required=False, widget=DATE_WIDGET)
    new_time = forms.TimeField(label="Next visit's new start time", required=False, widget=TIME_WIDGET)

    field_order = ["days", "new_date", "new_time", "reason"]

    def __init__(self, *args, clinic: Clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic

    def clean(self):
        cleaned = super().clean()
        days, day, time = cleaned.get("days"), cleaned.get("new_date"), cleaned.get("new_time")
        if days and (day or time):
            raise ValidationError("Give either a number of days or a new date and time, not both.")
        if not days and not (day and time):
            raise ValidationError("Give a number of days, or the next visit's new date and start time.")
        cleaned["shift_by"] = dt.timedelta(days=days) if days else None
        cleaned["new_first_start"] = None
        set_local_datetime(self, cleaned, date="new_date", time="new_time", target="new_first_start")
        return cleaned


class RescheduleForm(ReasonForm):
    date = forms.DateField(label="New date", widget=DATE_WIDGET)
    start_time = forms.TimeField(label="New start time", widget=TIME_WIDGET)
    room = forms.ModelChoiceField(label="Chair or room", queryset=None, required=False, empty_label="None")

    field_order = ["date", "start_time", "room", "reason"]

    def __init__(self, *args, clinic: Clinic, room_kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["room"].queryset = Room.objects.filter(
            clinic=clinic, kind=room_kind, is_active=True
        ).order_by("name")
        if room_kind == RoomKind.CHAIR:
            self.fields["room"].label = "Chair"
            self.fields["room"].required = True
            self.fields["room"].empty_label = None

    def clean(self):
        cleaned = super().clean()
        set_local_datetime(self, cleaned)
        return cleaned


# --- administration: hours, closures, types, rooms, shifts ----------------------------------------


class HoursForm(forms.Form):
    is_closed = forms.BooleanField(label="Closed", required=False)
    opens = forms.TimeField(label="Opens", required=False, widget=TIME_WIDGET)
    closes = forms.TimeField(label="Closes", required=False, widget=TIME_WIDGET)

    def __init__(self, *args, day_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("is_closed", "opens", "closes"):
            self.fields[name].widget.attrs["aria-label"] = f"{day_label} {self.fields[name].label.lower()}"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_closed"):
            return cleaned
        opens, closes = cleaned.get("opens"), cleaned.get("closes")
        if opens is None or closes is None:
            if not self.errors:
                self.add_error("opens", HOURS_REQUIRED)
        elif closes <= opens:
            self.add_error("closes", HOURS_ORDER)
        return cleaned


class ClosureForm(forms.Form):
    date = forms.DateField(label="Closed on", widget=DATE_WIDGET)
    reason = forms.CharField(label="Reason", max_length=200, help_text="E.g. Thanksgiving.")


class AppointmentTypeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80)
    kind = forms.ChoiceField(label="Kind of visit", choices=AppointmentKind.choices)
    room_kind = forms.ChoiceField(label="Needs", choices=RoomKind.choices)
    chair_minutes = forms.IntegerField(
        label="Chair or room time (min)", min_value=10, max_value=720,
        help_text="The whole visit, including recovery (min).",
    )
    infusion_minutes = forms.IntegerField(
        label="Infusion (min)", min_value=1, max_value=720, required=False,
        help_text="The infusion itself; empty for a consultation.",
    )
    colour = forms.ChoiceField(label="Colour on the day view", choices=Colour.choices)
    is_active = forms.BooleanField(label="In use", required=False, initial=True)


class RoomForm(forms.Form):
    name = forms.CharField(label="Name", max_length=60, help_text="E.g. Chair 5 or Consult B.")
    kind = forms.ChoiceField(label="Kind", choices=RoomKind.choices)


SHIFT_TIME_ORDER = "The shift must end after it starts (a night shift ends the next day: tick the box)."


class ShiftForm(forms.Form):
    user = forms.ModelChoiceField(label="Staff member", queryset=None)
    date = forms.DateField(label="Date", widget=DATE_WIDGET)
    start_time = forms.TimeField(label="From", widget=TIME_WIDGET)
    end_time = forms.TimeField(label="To", widget=TIME_WIDGET)
    ends_next_day = forms.BooleanField(label="Ends the next day", required=False)
    notes = forms.CharField(label="Notes", max_length=200, required=False)
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, clinic: Clinic, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["user"].queryset = selectors.staff_members(clinic=clinic)
        self.fields["user"].label_from_instance = lambda user: user.signature_name

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("end_time")
        if day and start and end:
            try:
                cleaned["starts_at"] = clinic_local_datetime(self.clinic, day, start)
                # Only after the day passed the window check: date.max + 1 day would overflow.
                end_day = day + dt.timedelta(days=1) if cleaned.get("ends_next_day") else day
                cleaned["ends_at"] = clinic_local_datetime(self.clinic, end_day, end)
            except ValidationError as exc:
                self.add_error("date" if exc.code == "date_out_of_range" else "start_time", exc)
                return cleaned
            if cleaned["ends_at"] <= cleaned["starts_at"]:
                self.add_error("end_time", SHIFT_TIME_ORDER)
        return cleaned


class FeedCreateForm(forms.Form):
    label = forms.CharField(
        label="Name for this feed", max_length=80, required=False,
        help_text="So you recognise it later, e.g. 'Phone calendar'.",
    )


class WeekForm(forms.Form):
    start = forms.DateField(label="Week of", required=False, widget=DATE_WIDGET)

"""Forms of the infusion day. Rules live in the services; forms parse and carry the client keys.

Numeric clinical fields are not range-checked here: the services refuse impossible values with the
messages the API and the tests share (calculations.VITAL_RANGES, RESCUE_DOSE_RANGES, …).
"""

import uuid

from django import forms

from clinic.accounts.models import User
from clinic.accounts.roles import Role
from clinic.core.display import display_quantity
from clinic.infusions.calculations import GATE_ANSWER_FIELDS, RATING_SCALES, ScoreSystem, stored_gate_answers
from clinic.infusions.models import RescueDrug, Route, Severity, SideEffectKind, StopReason
from clinic.infusions.services.gate import (
    ANSWER_LABELS,
    CONFIRM_FIELD,
    PREGNANCY_ANSWERS,
    PREGNANCY_REQUIRED,
    gate_answer_text,
)

NUMBER = {"inputmode": "numeric", "autocomplete": "off"}
DECIMAL = {"inputmode": "decimal", "autocomplete": "off", "step": "any"}


def _key_field():
    return forms.UUIDField(widget=forms.HiddenInput(attrs={"data-client-key": ""}))


class ChartForm(forms.Form):
    """A chair-side entry: the tablet's client key (a retry carries the same) and its clock."""

    client_key = _key_field()
    client_time = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-client-time": ""}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # Works without JavaScript; chairside.js replaces it with crypto.randomUUID() on render.
            self.initial.setdefault("client_key", uuid.uuid4())


NEXT_IN_SEQUENCE = "Next in sequence"


class CheckInForm(forms.Form):
    """Check-in: the next order in sequence is preselected and labelled; choosing another needs
    `order_choice_reason` (the service refuses it without)."""

    order = forms.ModelChoiceField(
        label="Verified order",
        queryset=None,
        empty_label="Choose the order…",
        help_text="Only double-checked orders for this patient that no session has used.",
    )
    order_choice_reason = forms.CharField(
        label="Reason for choosing an order other than the next in sequence",
        required=False,
        max_length=300,
        help_text="Needed only when the order chosen is not the next in sequence.",
    )
    chair = forms.ModelChoiceField(label="Chair", queryset=None, empty_label="Choose a free chair…")
    nurse = forms.ModelChoiceField(label="Responsible nurse", queryset=None, empty_label=None)
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, orders, chairs, clinic, next_order=None, **kwargs):
        super().__init__(*args, **kwargs)
        next_pk = next_order.pk if next_order is not None else None
        self.fields["order"].queryset = orders
        # "Next in sequence" leads the label: a narrow select cuts the end of a long option.
        self.fields["order"].label_from_instance = lambda o: (
            (f"{NEXT_IN_SEQUENCE}: " if o.pk == next_pk else "")
            + f"Infusion {o.sequence} of course #{o.course_id} ({o.course.protocol.name}): "
            f"{display_quantity(o.dose_mg, 'mg')} at {display_quantity(o.rate_ml_h, 'ml_per_h')}"
        )
        self.fields["chair"].queryset = chairs
        self.fields["nurse"].queryset = User.objects.filter(
            memberships__clinic=clinic,
            memberships__role__in=(Role.NURSE, Role.PHYSICIAN),
            memberships__is_active=True,
            is_active=True,
        ).order_by("last_name", "first_name")
        self.fields["nurse"].label_from_instance = lambda u: u.signature_name
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
            if next_order is not None:
                self.initial.setdefault("order", next_order.pk)


class VitalsFields(forms.Form):
    sbp = forms.IntegerField(
        label="Systolic BP (mm Hg)", required=False, widget=forms.NumberInput(attrs=NUMBER)
    )
    dbp = forms.IntegerField(
        label="Diastolic BP (mm Hg)", required=False, widget=forms.NumberInput(attrs=NUMBER)
    )
    hr = forms.IntegerField(label="Heart rate (bpm)", required=False, widget=forms.NumberInput(attrs=NUMBER))
    spo2 = forms.IntegerField(label="SpO2 (%)", required=False, widget=forms.NumberInput(attrs=NUMBER))
    rr = forms.IntegerField(
        label="Respiratory rate (breaths/min)", required=False, widget=forms.NumberInput(attrs=NUMBER)
    )
    temp_c = forms.DecimalField(
        label="Temperature (°C, optional)", required=False, widget=forms.NumberInput(attrs=DECIMAL)
    )


class VitalsForm(ChartForm, VitalsFields):
    note = forms.CharField(label="Note (optional)", required=False, max_length=500)


# The service's answer names → the gate form's fields (clock times are entered as times of day).
GATE_FORM_FIELD = {"last_solids_at": "last_solids_time", "last_clear_liquids_at": "last_clear_liquids_time"}
CONFIRM_CHANGE_LABEL = "I confirmed the changed answer with the patient"


class ReadinessForm(VitalsFields):
    """The readiness gate. The first check is pre-filled from the patient's preparation
    confirmation (fasting, escort, medication changes); a re-check from the last check's answers.
    Ticks, the pregnancy status and the vital signs always start empty (asked or measured now).

    On a re-check (`previous_items` = the last check's items) each item that failed gets a
    "confirmed the changed answer" tick (`confirm_<item>`), and its inputs carry the last answer
    (`data-previous-answer`) so chairside.js highlights a change; the service refuses a changed
    answer of a failed item without the tick."""

    identity_name_confirmed = forms.BooleanField(
        label="I asked the patient their full name and it matches the chart", required=False
    )
    identity_date_of_birth = forms.DateField(
        label="Date of birth, as the patient says it",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    last_solids_time = forms.TimeField(
        label="Last solid food (time)",
        required=False,
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        help_text="A time later than now means yesterday.",
    )
    last_clear_liquids_time = forms.TimeField(
        label="Last clear liquid (time)",
        required=False,
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )
    escort_name = forms.CharField(label="Adult escort / driver: name", required=False, max_length=120)
    escort_phone = forms.CharField(
        label="Escort's phone",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    escort_confirmed = forms.BooleanField(
        label="The escort is here, or confirmed by phone that they will drive the patient home",
        required=False,
    )
    medications_reviewed = forms.BooleanField(
        label="Medication changes since the last visit reviewed with the patient", required=False
    )
    medication_changes = forms.CharField(
        label="Changes (leave empty if none)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    pregnancy_status = forms.ChoiceField(
        label="Pregnancy status",
        required=True,
        choices=[("", "Choose…"), *PREGNANCY_ANSWERS.items()],
        error_messages={"required": PREGNANCY_REQUIRED},
        help_text="Ask the patient today.",
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, pregnancy_applies: bool, previous_items: dict | None = None, tz=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not pregnancy_applies:
            del self.fields["pregnancy_status"]
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
        self.failed_items: list[str] = []
        previous_items = previous_items or {}
        before = stored_gate_answers(previous_items)
        for item, answer_fields in GATE_ANSWER_FIELDS.items():
            if (previous_items.get(item) or {}).get("status") != "fail":
                continue
            names = [GATE_FORM_FIELD.get(name, name) for name in answer_fields]
            if not any(name in self.fields for name in names):
                continue
            self.failed_items.append(item)
            self.fields[CONFIRM_FIELD.format(item=item)] = forms.BooleanField(
                label=CONFIRM_CHANGE_LABEL, required=False
            )
            for answer, name in zip(answer_fields, names, strict=True):
                if name not in self.fields or answer not in before[item]:
                    continue
                value = before[item][answer]
                attrs = self.fields[name].widget.attrs
                attrs["data-previous-answer"] = _input_value(answer, value, tz=tz)
                attrs["data-previous-text"] = gate_answer_text(answer, value, tz=tz)
                attrs["data-gate-item"] = item
                attrs["data-answer-label"] = ANSWER_LABELS.get(answer, answer)

    def confirm_fields(self) -> dict:
        """The bound "confirmed the changed answer" tick of each failed item (for the template)."""
        return {item: self[CONFIRM_FIELD.format(item=item)] for item in self.failed_items}

    def changes_confirmed(self) -> list[str]:
        return [item for item in self.failed_items if self.cleaned_data.get(CONFIRM_FIELD.format(item=item))]


def _input_value(answer: str, value, *, tz) -> str:
    """A stored answer as the gate form's input shows it (times as HH:MM in the clinic's zone)."""
    if value in (None, ""):
        return ""
    if answer in GATE_FORM_FIELD or answer == "escort_phone":
        return gate_answer_text(answer, value, tz=tz)
    return str(value)


class EventForm(ChartForm):
    note = forms.CharField(label="Note (optional)", required=False, max_length=500)


class ResumeForm(ChartForm):
    rate_ml_h = forms.DecimalField(
        label="Rate (mL/h, empty = as before the pause)",
        required=False,
        widget=forms.NumberInput(attrs=DECIMAL),
    )


class RateForm(ChartForm):
    rate_ml_h = forms.DecimalField(
        label="New rate (mL/h)", required=False, widget=forms.NumberInput(attrs=DECIMAL)
    )
    note = forms.CharField(label="Why (optional)", required=False, max_length=500)


class StopForm(ChartForm):
    reason = forms.ChoiceField(
        label="Why stop?", choices=[("", "Choose…"), *StopReason.choices], required=False
    )
    reason_detail = forms.CharField(label="Describe (required for 'other')", required=False, max_length=300)


class AcknowledgeForm(ChartForm):
    action_taken = forms.CharField(
        label="Action taken",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class SideEffectForm(ChartForm):
    kind = forms.ChoiceField(
        label="Side effect", choices=[("", "Choose…"), *SideEffectKind.choices], required=False
    )
    severity = forms.ChoiceField(
        label="Severity", choices=[("", "Choose…"), *Severity.choices], required=False
    )
    note = forms.CharField(label="Note", required=False, max_length=500)


class RescueForm(ChartForm):
    drug = forms.ChoiceField(label="Drug", choices=[("", "Choose…"), *RescueDrug.choices], required=False)
    drug_name = forms.CharField(label="Drug name (for 'other')", required=False, max_length=80)
    dose = forms.DecimalField(label="Dose (mg)", required=False, widget=forms.NumberInput(attrs=DECIMAL))
    route = forms.ChoiceField(label="Route", choices=[("", "Choose…"), *Route.choices], required=False)
    note = forms.CharField(label="Note", required=False, max_length=500)


class RatingForm(ChartForm):
    scale = forms.ChoiceField(
        label="Scale",
        choices=[("", "Choose…"), *((s.code, s.label) for s in RATING_SCALES.values())],
        required=False,
    )
    value = forms.IntegerField(label="Score", required=False, widget=forms.NumberInput(attrs=NUMBER))


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label="Reason for starting despite this item",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    password = forms.CharField(
        label="Your password (to sign)",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )


class AbandonForm(forms.Form):
    reason = forms.CharField(label="Why will the infusion not be given?", max_length=300, required=False)


SCORE_PREFIX = "score_"


class DischargeForm(forms.Form):
    """Score items (one radio group per item of the clinic's score), the driver, the patient's typed
    name and ticks, and the discharging nurse's password (witness signature)."""

    driver_name = forms.CharField(label="Adult driver: name", required=False, max_length=120)
    driver_phone = forms.CharField(
        label="Driver's phone", required=False, max_length=30, widget=forms.TextInput(attrs={"type": "tel"})
    )
    patient_typed_name = forms.CharField(
        label="Patient: type your full name (first and last)",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
    )
    password = forms.CharField(
        label="Nurse: your password (to sign as witness)",
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, system: ScoreSystem, instructions: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system
        score_fields = {}
        for item in system.items:
            if item.fixed is not None:
                continue
            score_fields[SCORE_PREFIX + item.key] = forms.ChoiceField(
                label=item.label,
                required=False,
                widget=forms.RadioSelect,
                choices=[(str(points), f"{points} — {text}") for points, text in item.options],
            )
        self.fields = {**score_fields, **self.fields}
        self.fields["instructions"] = forms.MultipleChoiceField(
            label="The patient has read and agrees to each of these",
            required=False,
            choices=instructions,
            widget=forms.CheckboxSelectMultiple,
        )
        # Keep the password last.
        self.fields["password"] = self.fields.pop("password")

    def score_items(self) -> dict[str, str]:
        return {
            name[len(SCORE_PREFIX) :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith(SCORE_PREFIX) and value not in (None, "")
        }

    def score_fields(self):
        return [self[name] for name in self.fields if name.startswith(SCORE_PREFIX)]

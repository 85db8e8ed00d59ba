"""Forms built from an instrument's items; scoring rules stay in instruments.py."""

import uuid

from django import forms

from clinic.outcomes.instruments import TEXT_MAX_LENGTH, Instrument, InvalidAnswers
from clinic.outcomes.models import ResponseContext
from clinic.outcomes.services import ACTION_TAKEN_REQUIRED

ITEM_PREFIX = "item_"


class QuestionnaireForm(forms.Form):
    """One field per item (`item_<key>`); staff also give the context and completion time.

    Item fields are optional here on purpose: the instrument's own validation names the missing
    or invalid item, so form and API give the same messages.
    """

    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instrument: Instrument, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.staff = staff
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
        for item in instrument.items:
            name = ITEM_PREFIX + item.key
            if item.kind == "text":
                self.fields[name] = forms.CharField(
                    label=f"{item.number}. {item.text}",
                    required=False,
                    max_length=TEXT_MAX_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
            else:
                self.fields[name] = forms.ChoiceField(
                    label=f"{item.number}. {item.text}",
                    required=False,
                    choices=[(str(o.value), o.label) for o in item.options],
                    widget=forms.RadioSelect,
                    help_text=item.help_text,
                )
            self.fields[name].item = item
        if staff:
            self.fields["context"] = forms.ChoiceField(
                label="When was it answered?",
                choices=[("", "Choose…"), *ResponseContext.choices],
            )
            self.fields["completed_at"] = forms.DateTimeField(
                label="Completed at",
                required=False,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                help_text="Clinic time. Leave empty for now.",
            )

    def item_rows(self) -> list[dict]:
        """What the template needs per item, including which radios reveal crisis resources."""
        rows = []
        for item in self.instrument.items:
            bound = self[ITEM_PREFIX + item.key]
            current = str(bound.value() or "")
            options = [
                {
                    "id": f"{bound.auto_id}_{index}",
                    "value": str(option.value),
                    "label": option.label,
                    "checked": current == str(option.value),
                    "crisis": option.value in item.crisis_values,
                }
                for index, option in enumerate(item.options)
            ]
            rows.append({"item": item, "field": bound, "options": options})
        return rows

    def answers(self) -> dict[str, str]:
        """The answers given, keyed by item key (empty ones left out)."""
        data = {}
        for item in self.instrument.items:
            value = self.cleaned_data.get(ITEM_PREFIX + item.key)
            if value not in (None, ""):
                data[item.key] = value
        return data

    def add_answer_errors(self, error: InvalidAnswers) -> None:
        for key, message in error.errors.items():
            name = ITEM_PREFIX + key
            self.add_error(name if name in self.fields else None, message)


class AcknowledgeForm(forms.Form):
    action_taken = forms.CharField(
        label="Action taken",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": ACTION_TAKEN_REQUIRED},
        help_text="What was done: who assessed the patient, the safety plan, referral, 988/911.",
    )

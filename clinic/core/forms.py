import uuid

from django import forms
from django.core.exceptions import ValidationError

from clinic.core.clinical_settings import SettingDefinition


def apply_service_errors(
    form: forms.Form, error: ValidationError, field_map: dict[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form fields it names (`field_map` renames a service
    key to a form field); errors for keys the form has no field for, and non-field errors, go on
    the form as a whole."""
    field_map = field_map or {}
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            target = field_map.get(name, name)
            form.add_error(target if target in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class SettingForm(forms.Form):
    value = forms.CharField(label="New value", max_length=2000)
    reason = forms.CharField(
        label="Reason for the change",
        max_length=300,
        help_text="Kept in the audit trail with the old and new values.",
    )

    def __init__(self, *args, definition: SettingDefinition, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        if definition.kind == "choice":
            self.fields["value"] = forms.ChoiceField(
                label="New value", choices=[(c, definition.choice_label(c)) for c in definition.choices]
            )
        elif definition.kind == "bool":
            self.fields["value"] = forms.ChoiceField(
                label="New value", choices=[("true", "Yes"), ("false", "No")]
            )
        elif definition.kind == "text":
            self.fields["value"].widget = forms.Textarea()
        if definition.unit:
            self.fields["value"].help_text = f"Unit: {definition.unit}."


class SettingProposeForm(SettingForm):
    """A medical director's proposed value for a clinical limit (applies after a co-signature)."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["value"].label = "Proposed value"
        self.fields["reason"].label = "Reason for the change"
        self.fields["reason"].help_text = (
            "The co-signing clinician reads it; it is kept in the audit trail with the old and new values."
        )


class CosignForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Your electronic signature: you have checked the change and agree it applies now.",
    )


class DecisionReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=300, help_text="Kept with the proposal and in the audit trail."
    )

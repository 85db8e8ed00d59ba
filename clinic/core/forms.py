from django import forms

from clinic.core.clinical_settings import SettingDefinition


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
                label="New value", choices=[(c, c) for c in definition.choices]
            )
        elif definition.kind == "bool":
            self.fields["value"] = forms.ChoiceField(
                label="New value", choices=[("true", "Yes"), ("false", "No")]
            )
        elif definition.kind == "text":
            self.fields["value"].widget = forms.Textarea()
        if definition.unit:
            self.fields["value"].help_text = f"Unit: {definition.unit}."

from django import forms

from clinic.audit.models import AuditAction


class AuditFilterForm(forms.Form):
    record_number = forms.CharField(label="Patient record number", required=False, max_length=20)
    user = forms.ChoiceField(label="User", required=False)
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *AuditAction.choices]
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [
            ("", "Anyone"),
            *[(str(u.pk), u.signature_name) for u in users],
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data

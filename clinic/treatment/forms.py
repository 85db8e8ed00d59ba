"""Forms of the treatment screens. They parse and label input; the services decide and save."""

import uuid
from decimal import Decimal

from django import forms

from clinic.core.display import display_in_unit
from clinic.core.sources import clinician_source
from clinic.treatment import selectors
from clinic.treatment.models import Diluent, DosingMode, Protocol, TreatmentCourse
from clinic.treatment.services.courses import course_start_window
from clinic.treatment.services.protocols import PROTOCOL_FIELDS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


def decimal_input() -> forms.TextInput:
    """A text box with the tablet's decimal keypad, for doses and volumes. Not type="number": a
    focused number box changes its value on a mouse wheel or an arrow key (a dose must never change
    by accident), and in Chromium leaving one could scroll the page so that the tap on "Save draft
    order" landed beside the button. The form field still parses and range-checks the value."""
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"})


def whole_number_input() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"})


class SubmissionKeyMixin(forms.Form):
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def set_submission_key(self) -> None:
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())


class PasswordField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Your password (to sign)")
        kwargs.setdefault(
            "help_text", "Re-entering your password signs the record in your name (21 CFR 11.200)."
        )
        super().__init__(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), **kwargs)


# --- Protocols -------------------------------------------------------------------------------------

PROTOCOL_LABELS = {
    "default_dose": "Default dose (mg/kg, or mg/kg/h for a rate protocol)",
    "default_duration_min": "Default duration (min)",
    "duration_min_min": "Shortest duration allowed (min)",
    "duration_max_min": "Longest duration allowed (min)",
    "usual_range_low": "Usual range, low (mg/kg or mg/kg/h)",
    "usual_range_high": "Usual range, high (mg/kg or mg/kg/h)",
    "max_mg_per_kg_per_session": "Hard stop above (mg/kg per session)",
    "max_mg_per_kg_per_hour": "Hard stop above (mg/kg/h)",
    "max_total_mg_per_session": "Hard stop above (mg total per session)",
    "minimum_total_mg": "Minimum total per session (mg), pain protocols",
    "minimum_total_over_min": "…infused over more than (min)",
    "weight_cap_kg": "Dosing weight cap (kg), optional",
    "infusions_in_series": "Infusions in the series",
    "series_window_min_days": "Series window, shortest (days)",
    "series_window_max_days": "Series window, longest (days)",
    "minimum_gap_hours": "Minimum gap between infusions (h)",
    "visit_length_min": "Visit length including recovery (min)",
    "vitals_every_min_during": "Vitals every … min during the infusion",
    "vitals_every_min_after": "Vitals every … min after the infusion",
    "sterile_water_allowed": "Allow sterile water as the diluent of an infusion bag",
    "sterile_water_reason": "Why sterile water is allowed",
    "sources": "Sources of the defaults",
    "is_active": "In use for new courses",
}


class ProtocolForm(forms.ModelForm):
    """Edit a protocol: saving creates a new version (the service does that)."""

    change_reason = forms.CharField(
        label="Reason for the change",
        max_length=300,
        help_text="Kept with the new version and in the audit trail.",
    )

    class Meta:
        model = Protocol
        fields = [f for f in PROTOCOL_FIELDS if f != "code"]
        labels = PROTOCOL_LABELS
        widgets = {"sources": forms.Textarea(attrs={"rows": 6})}
        # The models' help texts cite domain.md for developers; the form speaks to the clinician.
        help_texts = {
            "minimum_total_mg": "Pain protocols: minimum total dose per session (80 mg in the ASRA/AAPM/ASA "
            "2018 pain consensus).",
            "sources": "Where the defaults come from: the label, guideline or study, one per line.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.initial.get("sources"):
            # Edited as it reads on the protocol page; the new version stores that text.
            self.initial["sources"] = "\n".join(
                clinician_source(line) for line in self.initial["sources"].splitlines()
            )


# --- Courses ---------------------------------------------------------------------------------------


class CourseCreateForm(SubmissionKeyMixin):
    protocol = forms.ModelChoiceField(label="Protocol", queryset=Protocol.objects.none())
    indication = forms.CharField(
        label="Indication",
        max_length=200,
        help_text="e.g. Treatment-resistant depression; CRPS of the left arm.",
    )
    # A select of the catalogue's indications; a CharField so that course_create decides and says
    # what is wrong with any other value (a stale form, the API).
    icd10_code = forms.CharField(
        label="ICD-10-CM code",
        max_length=10,
        required=False,
        widget=forms.Select,
        help_text="The indication this course treats; the patient's active diagnoses are listed first.",
    )
    goals = forms.CharField(
        label="Goals of treatment",
        widget=forms.Textarea,
        help_text="e.g. PHQ-9 down by half or more; pain score down by 30 % or more.",
    )
    planned_infusions = forms.IntegerField(
        label="Planned infusions",
        min_value=1,
        max_value=30,
        required=False,
        help_text="Leave empty for the protocol's series length.",
    )
    planned_start_date = forms.DateField(label="Planned start date", required=False, widget=DATE_WIDGET)
    follows = forms.ModelChoiceField(
        label="Continues course (for boosters / maintenance)",
        queryset=TreatmentCourse.objects.none(),
        required=False,
        empty_label="— none —",
    )

    def __init__(self, *args, clinic, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["protocol"].queryset = selectors.protocols_for_new_course(clinic=clinic)
        self.fields["follows"].queryset = selectors.courses_for_patient(patient=patient)
        # The patient's own active indications come first, and the first is preselected.
        own = selectors.patient_indication_codes(patient=patient)
        self.fields["icd10_code"].widget.choices = selectors.icd10_indication_choices(first=own)
        if not self.is_bound and own:
            self.initial.setdefault("icd10_code", own[0])
        earliest, latest = course_start_window(clinic=clinic)
        self.fields["planned_start_date"].widget.attrs.update(
            {"min": earliest.isoformat(), "max": latest.isoformat()}
        )
        self.fields[
            "planned_start_date"
        ].help_text = f"From today to {latest:%Y-%m-%d}; leave empty if not yet known."
        self.set_submission_key()


class SignForm(forms.Form):
    password = PasswordField()


class StopForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


# --- Orders ----------------------------------------------------------------------------------------


class OrderForm(SubmissionKeyMixin):
    """The prescription and the bag. Units are in every label, so 52.5 cannot pass for mg/kg."""

    dose_per_kg = forms.DecimalField(
        label="Dose (mg/kg)", max_digits=6, decimal_places=3, widget=decimal_input()
    )
    duration_min = forms.IntegerField(
        label="Duration (min)", min_value=1, max_value=1440, widget=whole_number_input()
    )
    product = forms.ModelChoiceField(label="Vial", queryset=None, empty_label=None)
    drug_mg_added = forms.DecimalField(
        label="Ketamine added to the bag (mg)", max_digits=7, decimal_places=2, widget=decimal_input()
    )
    diluent = forms.ChoiceField(label="Diluent", choices=Diluent.choices)
    diluent_volume_ml = forms.DecimalField(
        label="Diluent volume (mL)",
        max_digits=7,
        decimal_places=1,
        widget=decimal_input(),
        help_text="The bag's final volume is the diluent plus the drug volume.",
    )
    titration_reason = forms.CharField(
        label="Reason for the dose change (titration)",
        max_length=300,
        required=False,
        help_text="Needed when the dose differs from the previous signed order.",
    )
    new_weight_kg = forms.DecimalField(
        label="Today's weight (kg), if measured",
        max_digits=5,
        decimal_places=1,
        required=False,
        widget=decimal_input(),
        help_text="Recorded on the chart and used for this order.",
    )
    new_height_cm = forms.DecimalField(
        label="Today's height (cm), if measured",
        max_digits=4,
        decimal_places=1,
        required=False,
        widget=decimal_input(),
    )
    # measurement_record refuses a large change from the last value unless confirmed (lb/kg mix-ups).
    confirm_weight_change = forms.BooleanField(
        label="Confirm this weight",
        required=False,
        help_text="Tick only when a large change from the last value is real and in kg / cm.",
    )

    def __init__(self, *args, course: TreatmentCourse, **kwargs):
        super().__init__(*args, **kwargs)
        protocol = course.protocol
        products = selectors.stocked_products(clinic=course.clinic)
        self.fields["product"].queryset = products
        self.fields["product"].label_from_instance = lambda product: product.name
        self.fields["product"].help_text = "Only vials this clinic stocks."
        if protocol.dosing_mode == DosingMode.RATE_PER_HOUR:
            self.fields["dose_per_kg"].label = "Rate (mg/kg/h)"
        self.fields["dose_per_kg"].help_text = (
            f"Protocol default {display_in_unit(protocol.default_dose, protocol.dose_unit)}; usual "
            f"{display_in_unit(protocol.usual_range_low, protocol.dose_unit)} to "
            f"{display_in_unit(protocol.usual_range_high, protocol.dose_unit)}."
        )
        self.fields[
            "duration_min"
        ].help_text = f"Protocol: {protocol.duration_min_min}–{protocol.duration_max_min} min."
        diluent = self.fields["diluent"]
        if protocol.sterile_water_allowed:
            diluent.help_text = f"Sterile water is allowed by this protocol: {protocol.sterile_water_reason}"
        else:
            # Not offered (the plan refuses it, naming why, if it is submitted anyway): §1.6.
            diluent.widget.choices = [c for c in Diluent.choices if c[0] != Diluent.STERILE_WATER]
            diluent.help_text = (
                "NS or D5W, as in the Ketalar label's infusion recipes. Sterile water is not offered: "
                "it is hypotonic, and a large volume given IV can cause hemolysis."
            )
        if not self.is_bound:
            self.initial.setdefault("dose_per_kg", protocol.default_dose.normalize())
            self.initial.setdefault("duration_min", protocol.default_duration_min)
            default = products.filter(concentration_mg_per_ml=Decimal("50")).first() or products.first()
            if default is not None:
                self.initial.setdefault("product", default.pk)
            self.initial.setdefault("diluent", Diluent.NS)
        self.set_submission_key()

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "dose_per_kg": data["dose_per_kg"],
            "duration_min": data["duration_min"],
            "product": data["product"],
            "drug_mg_added": data["drug_mg_added"],
            "diluent": data["diluent"],
            "diluent_volume_ml": data["diluent_volume_ml"],
            "titration_reason": data.get("titration_reason") or "",
            "new_weight_kg": data.get("new_weight_kg"),
            "new_height_cm": data.get("new_height_cm"),
            "confirm_weight_change": bool(data.get("confirm_weight_change")),
        }


class OrderSignForm(forms.Form):
    acknowledge = forms.MultipleChoiceField(
        label="Warnings acknowledged",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    titration_reason = forms.CharField(
        label="Reason for the dose change (titration)", max_length=300, required=False
    )
    password = PasswordField()

    def __init__(self, *args, warnings: list[dict], titration: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["acknowledge"].choices = [(w["code"], w["message"]) for w in warnings]
        if not warnings:
            del self.fields["acknowledge"]
        if not titration:
            del self.fields["titration_reason"]


class OrderVerifyForm(forms.Form):
    """Blind re-entry: the second person computes the numbers from the order's inputs."""

    dose_mg = forms.DecimalField(
        label="Dose (mg)",
        max_digits=10,
        decimal_places=4,
        widget=decimal_input(),
        help_text="Dosing weight × dose per kg (× hours for a rate protocol), to 0.01 mg.",
    )
    bag_concentration_mg_per_ml = forms.DecimalField(
        label="Bag concentration (mg/mL)",
        max_digits=10,
        decimal_places=6,
        widget=decimal_input(),
        help_text="Ketamine added ÷ (diluent + drug volume), to 0.001 mg/mL.",
    )
    rate_ml_h = forms.DecimalField(
        label="Pump rate (mL/h)",
        max_digits=10,
        decimal_places=4,
        widget=decimal_input(),
        help_text="The rate you will program, rounded down to the pump resolution.",
    )
    patient_date_of_birth = forms.DateField(
        label="Patient's date of birth (ask the patient / read the wristband)", widget=DATE_WIDGET
    )
    identity_confirmed = forms.BooleanField(
        label="I checked the patient's identity with two identifiers (full name and date of birth).",
        required=False,
    )
    password = PasswordField()


class CancelForm(StopForm):
    pass

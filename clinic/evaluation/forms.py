"""Forms for the intake history (a main form plus one formset per list), the decision and rules.

Field limits mirror `intake_schema`; the services validate again against the schema, so the
forms only exist to give field-named errors on the page.
"""

import json
import uuid
from decimal import Decimal

from django import forms

from clinic.evaluation import intake_schema as schema
from clinic.evaluation.models import DecisionOutcome
from clinic.evaluation.rules import ConditionError, Pathway, RuleKind, Severity, condition_validate

_BLANK = [("", "—")]
DURATION_RANGE = f"Enter a whole number of weeks from 0 to {schema.DURATION_WEEKS_MAX}."
SESSIONS_RANGE = f"Enter a number of sessions from 1 to {schema.SESSIONS_MAX}."
STAY_RANGE = f"Enter a number of days from 1 to {schema.STAY_DAYS_MAX}."
DOSE_RANGE = f"Enter a dose greater than 0 and at most {schema.DOSE_MAX}."
CONDITION_NOT_JSON = 'Write the condition as JSON, e.g. {"history": "aneurysm"}.'


def _radio(choices, label: str, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=choices, required=False, widget=forms.RadioSelect, help_text=help_text
    )


def _weeks(label: str = "Duration (weeks)") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=schema.DURATION_WEEKS_MAX,
        error_messages={"min_value": DURATION_RANGE, "max_value": DURATION_RANGE},
    )


def _year() -> forms.IntegerField:
    return forms.IntegerField(label="Year", min_value=schema.YEAR_MIN, max_value=2100)


class IntakeHistoryForm(forms.Form):
    """The single-answer questions of the intake history."""

    psychiatric_history = forms.CharField(
        label="Psychiatric history",
        required=False,
        max_length=schema.TEXT_LONG,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Diagnoses you have been given, when it started, what has happened since.",
    )
    substance_alcohol = _radio(schema.SUBSTANCE_STATUS, "Alcohol")
    substance_cannabis = _radio(schema.SUBSTANCE_STATUS, "Cannabis")
    substance_stimulants = _radio(schema.SUBSTANCE_STATUS, "Stimulants")
    substance_opioids = _radio(schema.SUBSTANCE_STATUS, "Opioids (not as prescribed)")
    substance_other = _radio(schema.SUBSTANCE_STATUS, "Other drugs")
    substance_other_name = forms.CharField(
        label="Which other drug?", required=False, max_length=schema.TEXT_SHORT
    )
    psychosis = _radio(
        schema.PSYCHOSIS,
        "Psychotic symptoms",
        "Hearing or seeing things others do not, or fixed beliefs others found untrue.",
    )
    mania_history = _radio(
        schema.YES_NO,
        "Mania or hypomania, ever",
        "Days of very high energy or mood with little need for sleep.",
    )
    hypertension = _radio(schema.HYPERTENSION, "High blood pressure")
    heart_disease = forms.BooleanField(
        label=dict(schema.MEDICAL_FLAGS)["heart_disease"], required=False
    )
    aneurysm = forms.BooleanField(label=dict(schema.MEDICAL_FLAGS)["aneurysm"], required=False)
    brain_bleed = forms.BooleanField(
        label=dict(schema.MEDICAL_FLAGS)["brain_bleed"], required=False
    )
    raised_icp = forms.BooleanField(label=dict(schema.MEDICAL_FLAGS)["raised_icp"], required=False)
    raised_iop = forms.BooleanField(label=dict(schema.MEDICAL_FLAGS)["raised_iop"], required=False)
    porphyria = forms.BooleanField(label=dict(schema.MEDICAL_FLAGS)["porphyria"], required=False)
    seizures = forms.BooleanField(label=dict(schema.MEDICAL_FLAGS)["seizures"], required=False)
    liver_disease = _radio(schema.LIVER, "Liver disease")
    thyroid = _radio(schema.THYROID, "Thyroid disease")
    other_conditions = forms.CharField(
        label="Other medical conditions",
        required=False,
        max_length=schema.TEXT_LONG,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pregnant = _radio(schema.PREGNANCY, "Are you pregnant, or could you be?")
    breastfeeding = _radio(schema.YES_NO, "Are you breastfeeding?")
    medications_confirmed = forms.BooleanField(
        label="The list of current medications above is complete and correct", required=False
    )
    medication_changes = forms.CharField(
        label="Medications missing from the list, or changed",
        required=False,
        max_length=schema.TEXT_LONG,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Name, dose (with unit, e.g. 20 mg) and how often.",
    )
    allergies_confirmed = forms.BooleanField(
        label="The list of allergies above is complete and correct", required=False
    )
    allergy_changes = forms.CharField(
        label="Allergies missing from the list",
        required=False,
        max_length=schema.TEXT_LONG,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    SUBSTANCE_FIELDS = (
        "substance_alcohol",
        "substance_cannabis",
        "substance_stimulants",
        "substance_opioids",
        "substance_other",
        "substance_other_name",
    )
    MEDICAL_FIELDS = (
        "hypertension",
        "heart_disease",
        "aneurysm",
        "brain_bleed",
        "raised_icp",
        "raised_iop",
        "liver_disease",
        "thyroid",
        "porphyria",
        "seizures",
        "other_conditions",
    )

    def section(self, names):
        return [self[name] for name in names]

    @property
    def substance_section(self):
        return self.section(self.SUBSTANCE_FIELDS)

    @property
    def medical_section(self):
        return self.section(self.MEDICAL_FIELDS)


class AntidepressantTrialForm(forms.Form):
    drug = forms.CharField(label="Medicine", max_length=schema.TEXT_SHORT)
    dose_amount = forms.DecimalField(
        label="Highest dose",
        required=False,
        min_value=Decimal("0.001"),
        max_value=schema.DOSE_MAX,
        max_digits=9,
        decimal_places=3,
        error_messages={"min_value": DOSE_RANGE, "max_value": DOSE_RANGE},
    )
    dose_unit = forms.ChoiceField(
        label="Dose unit", choices=_BLANK + list(schema.DOSE_UNITS), required=False
    )
    duration_weeks = _weeks()
    adequate = forms.TypedChoiceField(
        label="Taken as prescribed for long enough",
        choices=_BLANK + [("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        help_text="At the prescribed dose for the time the prescriber intended.",
    )
    outcome = forms.ChoiceField(
        label="How did it go?", choices=_BLANK + list(schema.TRIAL_OUTCOMES)
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("dose_amount") is not None and not cleaned.get("dose_unit"):
            self.add_error("dose_unit", schema.DOSE_UNIT_REQUIRED)
        return cleaned


class PsychotherapyForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of therapy", choices=_BLANK + list(schema.THERAPY_KINDS))
    duration_weeks = _weeks()
    outcome = forms.ChoiceField(
        label="How did it go?", choices=_BLANK + list(schema.COURSE_OUTCOMES)
    )


class StimulationCourseForm(forms.Form):
    """One course of ECT or TMS."""

    year = _year()
    sessions = forms.IntegerField(
        label="Number of sessions",
        min_value=1,
        max_value=schema.SESSIONS_MAX,
        error_messages={"min_value": SESSIONS_RANGE, "max_value": SESSIONS_RANGE},
    )
    outcome = forms.ChoiceField(
        label="How did it go?", choices=_BLANK + list(schema.COURSE_OUTCOMES)
    )


class HospitalStayForm(forms.Form):
    year = _year()
    length_days = forms.IntegerField(
        label="Length of stay (days)",
        min_value=1,
        max_value=schema.STAY_DAYS_MAX,
        error_messages={"min_value": STAY_RANGE, "max_value": STAY_RANGE},
    )
    reason = forms.CharField(label="Reason", max_length=schema.TEXT_SHORT)
    involuntary = forms.BooleanField(label="Involuntary admission", required=False)


def _formset(form_class, *, extra: int, max_num: int):
    return forms.formset_factory(
        form_class, extra=extra, can_delete=True, max_num=max_num, validate_max=True
    )


# (data key, prefix, heading, formset class)
INTAKE_FORMSETS = (
    (
        "antidepressant_trials",
        "trials",
        "Antidepressants tried",
        _formset(AntidepressantTrialForm, extra=2, max_num=40),
    ),
    ("psychotherapy", "therapy", "Psychotherapy", _formset(PsychotherapyForm, extra=1, max_num=20)),
    (
        "ect_courses",
        "ect",
        "Electroconvulsive therapy (ECT)",
        _formset(StimulationCourseForm, extra=1, max_num=20),
    ),
    (
        "tms_courses",
        "tms",
        "Transcranial magnetic stimulation (TMS)",
        _formset(StimulationCourseForm, extra=1, max_num=20),
    ),
    (
        "hospital_stays",
        "stays",
        "Hospital stays for mental health",
        _formset(HospitalStayForm, extra=1, max_num=30),
    ),
)


class IntakeForms:
    """The main form and the list formsets of one intake history page, bound or initial."""

    def __init__(self, data=None, *, initial: dict | None = None):
        initial = initial or {}
        main_initial = {
            k: v
            for k, v in initial.items()
            if k not in dict.fromkeys(key for key, *_ in INTAKE_FORMSETS)
        }
        for key in (
            "substance_alcohol",
            "substance_cannabis",
            "substance_stimulants",
            "substance_opioids",
            "substance_other",
            "psychosis",
            "mania_history",
            "hypertension",
            "liver_disease",
            "thyroid",
            "pregnant",
            "breastfeeding",
        ):
            if main_initial.get(key) is None:
                main_initial.pop(key, None)
        self.main = IntakeHistoryForm(data, initial=main_initial)
        self.formsets = []
        for key, prefix, heading, formset_class in INTAKE_FORMSETS:
            rows = [
                {**row, "adequate": "yes" if row.get("adequate") else "no"}
                if key == "antidepressant_trials"
                else row
                for row in initial.get(key, [])
            ]
            formset = formset_class(data, initial=rows, prefix=prefix)
            if rows:
                formset.extra = 1  # one empty row after the saved ones is enough
            formset.key = key
            formset.heading = heading
            self.formsets.append(formset)

    def is_valid(self) -> bool:
        # Validate everything so every error is shown at once.
        results = [self.main.is_valid()] + [formset.is_valid() for formset in self.formsets]
        return all(results)

    @property
    def list_errors(self) -> bool:
        return any(formset.total_error_count() for formset in self.formsets)

    def cleaned_data(self) -> dict:
        """The intake data dict for the services (blank radios as None, deleted rows dropped)."""
        data = {}
        for name, value in self.main.cleaned_data.items():
            if isinstance(self.main.fields[name], forms.ChoiceField) and value == "":
                value = None
            data[name] = value
        for formset in self.formsets:
            rows = []
            for index, form in enumerate(formset.forms):
                is_extra = index >= formset.initial_form_count()
                if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                    continue
                if is_extra and not form.has_changed():
                    continue
                row = {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
                if "dose_amount" in row:
                    row["dose_amount"] = (
                        None if row["dose_amount"] is None else str(row["dose_amount"])
                    )
                    row["dose_unit"] = row.get("dose_unit") or None
                rows.append(row)
            data[formset.key] = rows
        return data

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the service's field errors on the main form (list errors as form-level errors)."""
        for path, messages in errors.items():
            name = path.split(".")[0]
            for message in messages:
                if name in self.main.fields and "." not in path:
                    self.main.add_error(name, message)
                else:
                    self.main.add_error(None, f"{path.replace('.', ' ')}: {message}")


class DecisionForm(forms.Form):
    """The physician's decision, signed with a re-entered password."""

    decision = forms.ChoiceField(
        label="Decision", choices=DecisionOutcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Reason",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Part of the signed record. When overriding a contraindication, say why.",
    )
    acknowledged = forms.MultipleChoiceField(
        label="Override absolute contraindications",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick each absolute contraindication you have weighed and accept (audited as an "
        "override).",
    )
    password = forms.CharField(
        label="Your password (to sign)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    amends = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, absolute_findings=(), **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["acknowledged"].choices = [
            (f.rule_id, f"{f.rule_id}: {f.message}") for f in absolute_findings
        ]
        if not absolute_findings:
            self.fields["acknowledged"].widget = forms.MultipleHiddenInput()


class RuleForm(forms.Form):
    """A clinic's rule: new (with an identifier) or a new version of an existing one."""

    rule_id = forms.CharField(
        label="Rule identifier", max_length=40, help_text="Capital letters, digits, hyphens."
    )
    kind = forms.ChoiceField(label="Kind", choices=RuleKind.CHOICES)
    severity = forms.ChoiceField(label="Severity", choices=Severity.CHOICES)
    pathway = forms.ChoiceField(
        label="Pathway (indications)",
        choices=Pathway.CHOICES,
        required=False,
        help_text="Which baseline measure an indication needs: mood (PHQ-9) or pain (0–10).",
    )
    condition = forms.CharField(
        label="Condition (JSON)",
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text='For example {"medication_class": "benzodiazepine"} or '
        '{"all": [{"diagnosis_prefix": ["F32", "F33"]}, {"failed_adequate_trials_gte": 2}]}.',
    )
    message = forms.CharField(
        label="Message shown to the physician",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    source = forms.CharField(
        label="Source",
        max_length=200,
        help_text='The label, guideline or study it follows, e.g. "ASRA/AAPM/ASA 2018 pain consensus", '
        'or "Clinic policy".',
    )
    active = forms.BooleanField(label="Active (evaluated for every patient)", required=False)
    reason = forms.CharField(
        label="Reason for the change",
        max_length=300,
        help_text="Kept in the audit trail with the old and new versions.",
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["rule_id"]

    def clean_condition(self):
        raw = self.cleaned_data["condition"]
        try:
            condition = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(CONDITION_NOT_JSON) from exc
        try:
            condition_validate(condition)
        except ConditionError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return condition

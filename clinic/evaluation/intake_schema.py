"""The schema of an intake history's `data` JSON, and what the candidacy rules read from it.

Pure: pydantic models, no ORM. The web forms (`forms.py`) collect the same fields with field-named
errors; the services validate every write against `IntakeData` again, so the stored JSON always has
this shape whether it came from a form, the API or a script. A draft may be incomplete; submitting
also requires `intake_missing_answers(data) == []`.
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

# Ranges are refusals of the impossible, not clinical judgements.
DURATION_WEEKS_MAX = 520  # ten years on one antidepressant or therapy
DOSE_MAX = Decimal("10000")
SESSIONS_MAX = 100
STAY_DAYS_MAX = 3650
YEAR_MIN = 1940
TEXT_SHORT = 120
TEXT_LONG = 2000
DOSE_UNIT_REQUIRED = "Enter the unit of the dose (mg, mcg, g or mL)."

DOSE_UNITS = (("mg", "mg"), ("mcg", "mcg"), ("g", "g"), ("mL", "mL"))
TRIAL_OUTCOMES = (
    ("no_response", "No improvement"),
    ("partial_response", "Some improvement, not enough"),
    ("response_then_relapse", "Helped, then stopped helping"),
    ("remission", "Helped a lot"),
    ("not_tolerated", "Stopped because of side effects"),
    ("ongoing", "Still taking it, too early to tell"),
)
# A trial "failed" when it was adequate (dose and duration) and the depression did not respond:
# the treatment-resistance count of §2.1 ([CANMAT2021]).
FAILED_TRIAL_OUTCOMES = frozenset({"no_response", "partial_response"})
COURSE_OUTCOMES = (
    ("no_benefit", "No benefit"),
    ("some_benefit", "Some benefit"),
    ("good_benefit", "Good benefit"),
    ("not_tolerated", "Stopped because of side effects"),
    ("ongoing", "Ongoing"),
)
THERAPY_KINDS = (
    ("cbt", "Cognitive behavioural therapy (CBT)"),
    ("dbt", "Dialectical behaviour therapy (DBT)"),
    ("ipt", "Interpersonal therapy (IPT)"),
    ("psychodynamic", "Psychodynamic therapy"),
    ("emdr", "EMDR or trauma-focused therapy"),
    ("supportive", "Supportive counselling"),
    ("other", "Other"),
)
SUBSTANCES = (
    ("alcohol", "Alcohol"),
    ("cannabis", "Cannabis"),
    ("stimulants", "Stimulants (cocaine, methamphetamine, non-prescribed amphetamines)"),
    ("opioids", "Opioids (non-prescribed)"),
    ("other", "Other drugs"),
)
SUBSTANCE_STATUS = (("never", "Never"), ("past", "In the past"), ("current", "Currently"))
PSYCHOSIS = (
    ("never", "Never"),
    ("past", "In the past, not now"),
    ("current", "Yes, currently"),
)
YES_NO = (("no", "No"), ("yes", "Yes"))
HYPERTENSION = (
    ("no", "No"),
    ("controlled", "Yes, controlled"),
    ("uncontrolled", "Yes, not controlled"),
)
LIVER = (("no", "No"), ("mild_moderate", "Yes, mild or moderate"), ("severe", "Yes, severe"))
THYROID = (
    ("no", "No"),
    ("other", "Yes, underactive or other"),
    ("hyperthyroidism", "Yes, overactive"),
)
PREGNANCY = (
    ("no", "No"),
    ("yes", "Yes"),
    ("unsure", "Not sure"),
    ("not_applicable", "Not applicable"),
)
MEDICAL_FLAGS = (
    ("heart_disease", "Heart disease (heart attack, heart failure, angina, rhythm problems)"),
    ("aneurysm", "Aneurysm or a vascular malformation (AVM) anywhere in the body or brain"),
    ("brain_bleed", "Bleeding in the brain (intracerebral haemorrhage), ever"),
    ("raised_icp", "Raised pressure inside the skull (intracranial pressure)"),
    ("raised_iop", "Raised eye pressure or glaucoma"),
    ("porphyria", "Porphyria"),
    ("seizures", "Seizures or epilepsy"),
)

_Text = Field(default="", max_length=TEXT_SHORT)


def _choice(options):
    """A Literal type of the stored values of a choices tuple (one list feeds forms and schema)."""
    return Literal[tuple(value for value, _ in options)]


DoseUnit = _choice(DOSE_UNITS)
TrialOutcome = _choice(TRIAL_OUTCOMES)
CourseOutcome = _choice(COURSE_OUTCOMES)
TherapyKind = _choice(THERAPY_KINDS)
SubstanceStatus = _choice(SUBSTANCE_STATUS)
PsychosisAnswer = _choice(PSYCHOSIS)
YesNo = _choice(YES_NO)
HypertensionAnswer = _choice(HYPERTENSION)
LiverAnswer = _choice(LIVER)
ThyroidAnswer = _choice(THYROID)
PregnancyAnswer = _choice(PREGNANCY)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AntidepressantTrial(_Strict):
    drug: str = Field(min_length=1, max_length=TEXT_SHORT)
    dose_amount: Decimal | None = Field(default=None, gt=0, le=DOSE_MAX)
    dose_unit: DoseUnit | None = None
    duration_weeks: int = Field(ge=0, le=DURATION_WEEKS_MAX)
    adequate: bool
    outcome: TrialOutcome

    @model_validator(mode="after")
    def _unit_with_amount(self):
        if self.dose_amount is not None and not self.dose_unit:
            raise PydanticCustomError("dose_unit", DOSE_UNIT_REQUIRED)
        return self


class Psychotherapy(_Strict):
    kind: TherapyKind
    duration_weeks: int = Field(ge=0, le=DURATION_WEEKS_MAX)
    outcome: CourseOutcome


class StimulationCourse(_Strict):
    """One course of ECT or TMS."""

    year: int
    sessions: int = Field(ge=1, le=SESSIONS_MAX)
    outcome: CourseOutcome

    @field_validator("year")
    @classmethod
    def _plausible_year(cls, year):
        return _check_year(year)


class HospitalStay(_Strict):
    year: int
    length_days: int = Field(ge=1, le=STAY_DAYS_MAX)
    reason: str = Field(min_length=1, max_length=TEXT_SHORT)
    involuntary: bool = False

    @field_validator("year")
    @classmethod
    def _plausible_year(cls, year):
        return _check_year(year)


def _check_year(year: int) -> int:
    this_year = dt.date.today().year
    if not YEAR_MIN <= year <= this_year:
        raise ValueError(f"must be between {YEAR_MIN} and {this_year}")
    return year


class ChartItem(_Strict):
    """A medication or allergy on the chart as it stood when the patient confirmed the list."""

    id: int
    name: str = Field(max_length=200)


class IntakeData(_Strict):
    """Everything the intake history form asks. Every field may be blank in a draft."""

    psychiatric_history: str = Field(default="", max_length=TEXT_LONG)
    antidepressant_trials: list[AntidepressantTrial] = Field(default_factory=list, max_length=40)
    psychotherapy: list[Psychotherapy] = Field(default_factory=list, max_length=20)
    ect_courses: list[StimulationCourse] = Field(default_factory=list, max_length=20)
    tms_courses: list[StimulationCourse] = Field(default_factory=list, max_length=20)
    hospital_stays: list[HospitalStay] = Field(default_factory=list, max_length=30)
    substance_alcohol: SubstanceStatus | None = None
    substance_cannabis: SubstanceStatus | None = None
    substance_stimulants: SubstanceStatus | None = None
    substance_opioids: SubstanceStatus | None = None
    substance_other: SubstanceStatus | None = None
    substance_other_name: str = _Text
    psychosis: PsychosisAnswer | None = None
    mania_history: YesNo | None = None
    hypertension: HypertensionAnswer | None = None
    heart_disease: bool = False
    aneurysm: bool = False
    brain_bleed: bool = False
    raised_icp: bool = False
    raised_iop: bool = False
    liver_disease: LiverAnswer | None = None
    thyroid: ThyroidAnswer | None = None
    porphyria: bool = False
    seizures: bool = False
    other_conditions: str = Field(default="", max_length=TEXT_LONG)
    pregnant: PregnancyAnswer | None = None
    breastfeeding: YesNo | None = None
    medications_confirmed: bool = False
    medication_changes: str = Field(default="", max_length=TEXT_LONG)
    confirmed_medications: list[ChartItem] = Field(default_factory=list)
    allergies_confirmed: bool = False
    allergy_changes: str = Field(default="", max_length=TEXT_LONG)
    confirmed_allergies: list[ChartItem] = Field(default_factory=list)


class IntakeDataError(ValueError):
    """The data failed the schema. `errors` maps a field path ("antidepressant_trials.0.dose_unit")
    to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))


def intake_data_parse(raw: dict) -> IntakeData:
    """Validate raw data against the schema, or raise IntakeDataError with field-named messages."""
    try:
        return IntakeData.model_validate(raw or {})
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            parts = [str(part) for part in error["loc"]]
            if error["type"] == "dose_unit":  # raised by the trial's model validator
                parts.append("dose_unit")
            path = ".".join(parts) or "data"
            message = error["msg"].removeprefix("Value error, ")
            errors.setdefault(path, []).append(message)
        raise IntakeDataError(errors) from exc


def intake_data_dump(data: IntakeData) -> dict:
    """The JSON stored on the record (decimals as strings, so SQLite and PostgreSQL agree)."""
    return data.model_dump(mode="json")


# Answers a submitted intake must have; booleans default to "not ticked" and need no answer.
REQUIRED_ON_SUBMIT: dict[str, str] = {
    "substance_alcohol": "Say whether you use alcohol.",
    "substance_cannabis": "Say whether you use cannabis.",
    "substance_stimulants": "Say whether you use stimulants.",
    "substance_opioids": "Say whether you use non-prescribed opioids.",
    "substance_other": "Say whether you use other drugs.",
    "psychosis": "Say whether you have had psychotic symptoms.",
    "mania_history": "Say whether you have had mania or hypomania.",
    "hypertension": "Say whether you have high blood pressure.",
    "liver_disease": "Say whether you have liver disease.",
    "thyroid": "Say whether you have thyroid disease.",
    "pregnant": "Say whether you are pregnant.",
    "breastfeeding": "Say whether you are breastfeeding.",
}
CONFIRM_MEDICATIONS = "Confirm the list of current medications (or describe what is missing)."
CONFIRM_ALLERGIES = "Confirm the list of allergies (or describe what is missing)."
OTHER_SUBSTANCE_NAME = "Name the other drug."


def intake_missing_answers(data: IntakeData) -> dict[str, str]:
    """Field → message for every answer a submission still needs (empty when complete)."""
    missing = {
        name: message for name, message in REQUIRED_ON_SUBMIT.items() if getattr(data, name) is None
    }
    if data.substance_other in ("past", "current") and not data.substance_other_name:
        missing["substance_other_name"] = OTHER_SUBSTANCE_NAME
    if not data.medications_confirmed:
        missing["medications_confirmed"] = CONFIRM_MEDICATIONS
    if not data.allergies_confirmed:
        missing["allergies_confirmed"] = CONFIRM_ALLERGIES
    return missing


def intake_rule_facts(data: IntakeData) -> dict:
    """The keyword arguments of `CandidacyFacts` that come from a submitted intake."""
    history = {name for name, _ in MEDICAL_FLAGS if getattr(data, name)}
    if data.hypertension in ("controlled", "uncontrolled"):
        history.add("hypertension")
    if data.hypertension == "uncontrolled":
        history.add("hypertension_uncontrolled")
    if data.liver_disease in ("mild_moderate", "severe"):
        history.add("liver_disease")
    if data.liver_disease == "severe":
        history.add("liver_disease_severe")
    if data.thyroid in ("other", "hyperthyroidism"):
        history.add("thyroid_disease")
    if data.thyroid == "hyperthyroidism":
        history.add("hyperthyroidism")
    labels = dict(SUBSTANCES)
    current, past = [], []
    for key, label in labels.items():
        status = getattr(data, f"substance_{key}")
        name = data.substance_other_name if key == "other" and data.substance_other_name else label
        if status == "current":
            current.append(name)
        elif status == "past":
            past.append(name)
    failed = tuple(
        trial.drug
        for trial in data.antidepressant_trials
        if trial.adequate and trial.outcome in FAILED_TRIAL_OUTCOMES
    )
    return {
        "intake_submitted": True,
        "history": frozenset(history),
        "pregnant": _yes_no(data.pregnant),
        "pregnancy_unsure": None if data.pregnant is None else data.pregnant == "unsure",
        "breastfeeding": _yes_no(data.breastfeeding),
        "failed_adequate_trials": failed,
        "substances_current": tuple(current),
        "substances_past": tuple(past),
        "psychosis_current": None if data.psychosis is None else data.psychosis == "current",
        "psychosis_history": None
        if data.psychosis is None
        else data.psychosis in ("past", "current"),
        "mania_history": _yes_no(data.mania_history),
    }


def _yes_no(answer: str | None) -> bool | None:
    if answer in ("yes",):
        return True
    if answer in ("no", "not_applicable"):
        return False
    return None


def _label(options, value) -> str:
    if value is None:
        return "Not answered"
    return dict(options).get(value, str(value))


def intake_summary(data: IntakeData) -> dict:
    """The answers with their labels, for the read-only summary on the evaluation page."""
    medical = []
    if data.hypertension in ("controlled", "uncontrolled"):
        medical.append(f"High blood pressure: {_label(HYPERTENSION, data.hypertension).lower()}")
    medical += [label for name, label in MEDICAL_FLAGS if getattr(data, name)]
    if data.liver_disease in ("mild_moderate", "severe"):
        medical.append(f"Liver disease: {_label(LIVER, data.liver_disease).lower()}")
    if data.thyroid in ("other", "hyperthyroidism"):
        medical.append(f"Thyroid disease: {_label(THYROID, data.thyroid).lower()}")
    substances = []
    for key, label in SUBSTANCES:
        status = getattr(data, f"substance_{key}")
        if key == "other" and data.substance_other_name:
            label = f"{label}: {data.substance_other_name}"
        substances.append(
            {"label": label, "status": status, "status_label": _label(SUBSTANCE_STATUS, status)}
        )
    trials = [
        {
            "drug": t.drug,
            "dose": f"{t.dose_amount.normalize():f} {t.dose_unit}"
            if t.dose_amount is not None
            else "",
            "duration_weeks": t.duration_weeks,
            "adequate": t.adequate,
            "outcome": _label(TRIAL_OUTCOMES, t.outcome),
            "failed": t.adequate and t.outcome in FAILED_TRIAL_OUTCOMES,
        }
        for t in data.antidepressant_trials
    ]
    return {
        "psychiatric_history": data.psychiatric_history,
        "trials": trials,
        "failed_adequate_count": sum(1 for t in trials if t["failed"]),
        "therapy": [
            {
                "kind": _label(THERAPY_KINDS, p.kind),
                "duration_weeks": p.duration_weeks,
                "outcome": _label(COURSE_OUTCOMES, p.outcome),
            }
            for p in data.psychotherapy
        ],
        "ect": [
            {"year": c.year, "sessions": c.sessions, "outcome": _label(COURSE_OUTCOMES, c.outcome)}
            for c in data.ect_courses
        ],
        "tms": [
            {"year": c.year, "sessions": c.sessions, "outcome": _label(COURSE_OUTCOMES, c.outcome)}
            for c in data.tms_courses
        ],
        "stays": [
            {
                "year": s.year,
                "length_days": s.length_days,
                "reason": s.reason,
                "involuntary": s.involuntary,
            }
            for s in data.hospital_stays
        ],
        "substances": substances,
        "psychosis": _label(PSYCHOSIS, data.psychosis),
        "mania": _label(YES_NO, data.mania_history),
        "medical": medical,
        "other_conditions": data.other_conditions,
        "pregnant": _label(PREGNANCY, data.pregnant),
        "breastfeeding": _label(YES_NO, data.breastfeeding),
        "medications_confirmed": data.medications_confirmed,
        "medication_changes": data.medication_changes,
        "confirmed_medications": [m.name for m in data.confirmed_medications],
        "allergies_confirmed": data.allergies_confirmed,
        "allergy_changes": data.allergy_changes,
        "confirmed_allergies": [a.name for a in data.confirmed_allergies],
    }

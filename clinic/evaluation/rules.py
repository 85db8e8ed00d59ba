"""The candidacy rules engine: a pure evaluator of declarative rules against a patient's facts.

No ORM here. `clinic.evaluation.selectors` builds `CandidacyFacts` from the chart and the latest
submitted intake history and turns `CandidacyRule` rows into `RuleSpec`s; this module only decides
which rules fire and why.

A rule's condition is a small JSON object. Each key is one test; several keys in one object must
all hold. Combinators nest: {"all": [...]}, {"any": [...]}, {"not": {...}}. Tests:

    {"diagnosis_prefix": ["F32", "F33"]}      an active diagnosis code starts with one of these
    {"medication_class": "benzodiazepine"}    an active medication carries one of these class tags
    {"medication_name_contains": ["ephedrine"]}  an active medication's name contains one of these
    {"allergy_contains": ["ketamine"]}        an active allergy's substance contains one of these
    {"history": "aneurysm"}                   a medical-history item ticked in the intake
    {"failed_adequate_trials_gte": 2}         failed adequate antidepressant trials, at least N
    {"age_lt": 18} / {"age_gte": 65}          age in whole years
    {"pregnant": true}, {"pregnancy_unsure": true}, {"breastfeeding": true},
    {"substance_use_current": true},
    {"substance_use_past": true}, {"psychosis_current": true}, {"psychosis_history": true},
    {"mania_history": true}, {"intake_submitted": false}

An unknown fact (no intake submitted yet, pregnancy "unsure") never fires a rule; the evaluation
page says that screening is incomplete instead. The one exception is explicit: `pregnancy_unsure`
is true when the submitted intake answered "Not sure", so a rule can ask for the status to be
confirmed before an infusion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clinic.patients.drug_classes import drug_class_label


class RuleKind:
    INDICATION = "indication"
    ABSOLUTE = "absolute_contraindication"
    RELATIVE = "relative_contraindication"
    INTERACTION = "interaction"
    PRECAUTION = "precaution"

    CHOICES = (
        (INDICATION, "Indication"),
        (ABSOLUTE, "Absolute contraindication"),
        (RELATIVE, "Relative contraindication"),
        (INTERACTION, "Drug interaction"),
        (PRECAUTION, "Precaution"),
    )
    ORDER = {INDICATION: 0, ABSOLUTE: 1, RELATIVE: 2, INTERACTION: 3, PRECAUTION: 4}


class Severity:
    INFO = "info"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"

    CHOICES = ((INFO, "Information"), (LOW, "Low"), (MODERATE, "Moderate"), (HIGH, "High"))
    RANK = {INFO: 0, LOW: 1, MODERATE: 2, HIGH: 3}


class Pathway:
    MOOD = "mood"
    PAIN = "pain"
    CHOICES = (("", "—"), (MOOD, "Mood"), (PAIN, "Pain"))


# Medical-history checklist items the intake records (the keys `{"history": ...}` accepts).
HISTORY_ITEMS: dict[str, str] = {
    "hypertension": "High blood pressure (controlled or not)",
    "hypertension_uncontrolled": "High blood pressure, not controlled",
    "heart_disease": "Heart disease",
    "aneurysm": "Aneurysm or vascular malformation (AVM)",
    "brain_bleed": "Bleeding in the brain (intracerebral haemorrhage)",
    "raised_icp": "Raised intracranial pressure",
    "raised_iop": "Raised eye pressure or glaucoma",
    "liver_disease": "Liver disease",
    "liver_disease_severe": "Severe liver disease",
    "thyroid_disease": "Thyroid disease",
    "hyperthyroidism": "Overactive thyroid (hyperthyroidism)",
    "porphyria": "Porphyria",
    "seizures": "Seizures or epilepsy",
}

_BOOL_FACTS = {
    "pregnant": "Pregnant",
    "pregnancy_unsure": 'Pregnancy status unknown (intake answer "Not sure")',
    "breastfeeding": "Breastfeeding",
    "substance_use_current": "Current substance use",
    "substance_use_past": "Past substance use",
    "psychosis_current": "Current psychotic symptoms",
    "psychosis_history": "History of psychosis",
    "mania_history": "History of mania or hypomania",
    "intake_submitted": "Intake history submitted",
    "medication_unclassified": "Medication without a drug class",
}
_STR_LIST_TESTS = (
    "diagnosis_prefix",
    "medication_class",
    "medication_name_contains",
    "allergy_contains",
    "history",
)
_INT_TESTS = {"failed_adequate_trials_gte": (0, 50), "age_lt": (0, 130), "age_gte": (0, 130)}
_COMBINATORS = ("all", "any", "not")
CONDITION_KEYS = (
    frozenset(_STR_LIST_TESTS)
    | frozenset(_INT_TESTS)
    | frozenset(_BOOL_FACTS)
    | frozenset(_COMBINATORS)
)


class ConditionError(ValueError):
    """A condition outside the declarative language; the message says where the problem is."""


@dataclass(frozen=True)
class DiagnosisFact:
    code: str
    description: str = ""


@dataclass(frozen=True)
class MedicationFact:
    name: str
    drug_class: str = ""
    dose: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} {self.dose}".strip()


@dataclass(frozen=True)
class CandidacyFacts:
    """What the rules may read about one patient. Booleans of the intake are None when unknown."""

    age_years: int | None = None
    diagnoses: tuple[DiagnosisFact, ...] = ()
    medications: tuple[MedicationFact, ...] = ()
    allergies: tuple[str, ...] = ()
    intake_submitted: bool = False
    history: frozenset[str] = frozenset()
    pregnant: bool | None = None
    pregnancy_unsure: bool | None = None  # None until an intake answers the pregnancy question
    breastfeeding: bool | None = None
    failed_adequate_trials: tuple[str, ...] = ()  # drug names of the failed adequate trials
    substances_current: tuple[str, ...] = ()
    substances_past: tuple[str, ...] = ()
    psychosis_current: bool | None = None
    psychosis_history: bool | None = None
    mania_history: bool | None = None

    @property
    def medication_unclassified(self) -> bool:
        """A medication without a drug class escapes every class-based interaction rule."""
        return any(not m.drug_class.strip() for m in self.medications)

    @property
    def substance_use_current(self) -> bool | None:
        return bool(self.substances_current) if self.intake_submitted else None

    @property
    def substance_use_past(self) -> bool | None:
        return bool(self.substances_past) if self.intake_submitted else None


@dataclass(frozen=True)
class RuleSpec:
    rule_id: str
    version: int
    kind: str
    severity: str
    condition: dict[str, Any]
    message: str
    source: str
    pathway: str = ""


@dataclass(frozen=True)
class Finding:
    rule_id: str
    version: int
    kind: str
    severity: str
    message: str
    source: str
    evidence: tuple[str, ...] = field(default_factory=tuple)
    pathway: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "version": self.version,
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "source": self.source,
            "evidence": list(self.evidence),
            "pathway": self.pathway,
        }


def evaluate_candidacy(facts: CandidacyFacts, rules: list[RuleSpec]) -> list[Finding]:
    """Every rule whose condition holds for `facts`, most important first.

    Order: indications, absolute contraindications, relative contraindications, interactions,
    precautions; within a kind by severity (high first), then rule id.
    """
    findings = []
    for rule in rules:
        matched, evidence = _match(rule.condition, facts)
        if matched:
            findings.append(
                Finding(
                    rule_id=rule.rule_id,
                    version=rule.version,
                    kind=rule.kind,
                    severity=rule.severity,
                    message=rule.message,
                    source=rule.source,
                    evidence=tuple(dict.fromkeys(evidence)),
                    pathway=rule.pathway,
                )
            )
    findings.sort(
        key=lambda f: (RuleKind.ORDER.get(f.kind, 9), -Severity.RANK.get(f.severity, 0), f.rule_id)
    )
    return findings


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def _compact_code(code: str) -> str:
    return code.replace(".", "").replace(" ", "").upper()


def _match(condition: dict[str, Any], facts: CandidacyFacts) -> tuple[bool, list[str]]:
    evidence: list[str] = []
    for key, value in condition.items():
        matched, found = _match_one(key, value, facts)
        if not matched:
            return False, []
        evidence.extend(found)
    return True, evidence


def _match_one(key: str, value: Any, facts: CandidacyFacts) -> tuple[bool, list[str]]:  # noqa: C901
    if key == "all":
        evidence: list[str] = []
        for sub in value:
            matched, found = _match(sub, facts)
            if not matched:
                return False, []
            evidence.extend(found)
        return True, evidence
    if key == "any":
        evidence = []
        any_matched = False
        for sub in value:
            matched, found = _match(sub, facts)
            if matched:
                any_matched = True
                evidence.extend(found)
        return any_matched, evidence
    if key == "not":
        matched, _ = _match(value, facts)
        return not matched, []
    if key == "diagnosis_prefix":
        prefixes = [_compact_code(p) for p in _as_list(value)]
        hits = [
            f"Diagnosis {d.code} {d.description}".strip()
            for d in facts.diagnoses
            if any(_compact_code(d.code).startswith(p) for p in prefixes)
        ]
        return bool(hits), hits
    if key == "medication_class":
        wanted = {str(v).lower() for v in _as_list(value)}
        hits = [
            f"{m.label} ({drug_class_label(m.drug_class)})"
            for m in facts.medications
            if m.drug_class.lower() in wanted
        ]
        return bool(hits), hits
    if key == "medication_name_contains":
        needles = [str(v).lower() for v in _as_list(value)]
        hits = [m.label for m in facts.medications if any(n in m.name.lower() for n in needles)]
        return bool(hits), [f"Medication {h}" for h in hits]
    if key == "allergy_contains":
        needles = [str(v).lower() for v in _as_list(value)]
        hits = [a for a in facts.allergies if any(n in a.lower() for n in needles)]
        return bool(hits), [f"Allergy: {h}" for h in hits]
    if key == "history":
        items = [v for v in _as_list(value) if v in facts.history]
        return bool(items), [f"Intake history: {HISTORY_ITEMS.get(v, v)}" for v in items]
    if key == "failed_adequate_trials_gte":
        count = len(facts.failed_adequate_trials)
        if facts.intake_submitted and count >= int(value):
            drugs = ", ".join(facts.failed_adequate_trials)
            return True, [f"{count} failed adequate antidepressant trials ({drugs})"]
        return False, []
    if key in ("age_lt", "age_gte"):
        if facts.age_years is None:
            return False, []
        holds = facts.age_years < int(value) if key == "age_lt" else facts.age_years >= int(value)
        return holds, [f"Age {facts.age_years} years"] if holds else []
    if key in _BOOL_FACTS:
        actual = getattr(facts, key)
        if actual is None or bool(actual) != bool(value):
            return False, []
        label = _BOOL_FACTS[key]
        detail = ""
        if key == "substance_use_current":
            detail = f": {', '.join(facts.substances_current)}"
        elif key == "substance_use_past":
            detail = f": {', '.join(facts.substances_past)}"
        elif key == "medication_unclassified":
            detail = f": {', '.join(m.label for m in facts.medications if not m.drug_class.strip())}"
        if not value:
            # A "false" test is usually a guard; only the missing intake is worth showing.
            return True, ["No intake history submitted"] if key == "intake_submitted" else []
        return True, [f"{label}{detail}"]
    # condition_validate refuses unknown keys before a rule is stored; never fire on one.
    return False, []


def condition_validate(condition: Any, *, path: str = "condition") -> None:
    """Raise ConditionError naming the first problem in a condition; return None if it is valid."""
    if not isinstance(condition, dict) or not condition:
        raise ConditionError(
            f'{path}: must be a non-empty JSON object, e.g. {{"history": "aneurysm"}}'
        )
    for key, value in condition.items():
        where = f"{path}.{key}"
        if key not in CONDITION_KEYS:
            known = ", ".join(sorted(CONDITION_KEYS))
            raise ConditionError(f'{where}: unknown test "{key}"; use one of: {known}')
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise ConditionError(f"{where}: must be a non-empty list of conditions")
            for index, sub in enumerate(value):
                condition_validate(sub, path=f"{where}[{index}]")
        elif key == "not":
            condition_validate(value, path=where)
        elif key in _STR_LIST_TESTS:
            items = _as_list(value)
            if not items or not all(isinstance(v, str) and v.strip() for v in items):
                raise ConditionError(f"{where}: must be a text value or a non-empty list of texts")
            if key == "history":
                unknown = [v for v in items if v not in HISTORY_ITEMS]
                if unknown:
                    raise ConditionError(
                        f'{where}: unknown history item "{unknown[0]}"; use one of: '
                        + ", ".join(HISTORY_ITEMS)
                    )
        elif key in _INT_TESTS:
            low, high = _INT_TESTS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConditionError(f"{where}: must be a whole number from {low} to {high}")
        elif key in _BOOL_FACTS and not isinstance(value, bool):
            raise ConditionError(f"{where}: must be true or false")

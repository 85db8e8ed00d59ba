"""The pure evaluator: every built-in rule fires on a fact set that should fire it and not on a
near miss; the condition language and its validation. No database."""

import dataclasses
import importlib

import pytest

from clinic.evaluation.apps import BUILTIN_RULES_MIGRATIONS
from clinic.evaluation.rules import (
    CandidacyFacts,
    ConditionError,
    DiagnosisFact,
    MedicationFact,
    RuleKind,
    RuleSpec,
    condition_validate,
    evaluate_candidacy,
)

SEED_ROWS = [
    row
    for module in BUILTIN_RULES_MIGRATIONS
    for row in importlib.import_module(module).BUILTIN_RULES
]
BUILTIN = {
    row[0]: RuleSpec(
        rule_id=row[0],
        version=1,
        kind=row[1],
        severity=row[2],
        pathway=row[3],
        condition=row[4],
        message=row[5],
        source=row[6],
    )
    for row in SEED_ROWS
}

# A healthy adult with a complete, negative intake.
BASE = CandidacyFacts(
    age_years=40,
    intake_submitted=True,
    pregnant=False,
    breastfeeding=False,
    psychosis_current=False,
    psychosis_history=False,
    mania_history=False,
)


def facts(**changes) -> CandidacyFacts:
    return dataclasses.replace(BASE, **changes)


def dx(*codes) -> tuple[DiagnosisFact, ...]:
    return tuple(DiagnosisFact(code, f"diagnosis {code}") for code in codes)


def med(name: str, drug_class: str) -> tuple[MedicationFact, ...]:
    return (MedicationFact(name, drug_class, "1 mg"),)


def hx(*items) -> frozenset[str]:
    return frozenset(items)


SSRI = med("Sertraline", "ssri")

# rule_id: (facts that fire it, a near miss that must not)
CASES: dict[str, tuple[CandidacyFacts, CandidacyFacts]] = {
    "IND-TRD": (
        facts(diagnoses=dx("F33.2"), failed_adequate_trials=("sertraline", "venlafaxine")),
        facts(diagnoses=dx("F33.2"), failed_adequate_trials=("sertraline",)),
    ),
    "IND-MOOD-OFF-LABEL": (facts(diagnoses=dx("F43.12")), facts(diagnoses=dx("F33.1"))),
    "IND-PAIN-CRPS": (facts(diagnoses=dx("G90.511")), facts(diagnoses=dx("G62.9"))),
    "IND-PAIN-OTHER": (facts(diagnoses=dx("M79.7")), facts(diagnoses=dx("G90.50"))),
    "CI-HTN-UNCONTROLLED": (
        facts(history=hx("hypertension", "hypertension_uncontrolled")),
        facts(history=hx("hypertension")),
    ),
    "CI-ANEURYSM": (facts(history=hx("aneurysm")), facts(history=hx("heart_disease"))),
    "CI-BRAIN-BLEED": (facts(history=hx("brain_bleed")), facts(history=hx("raised_icp"))),
    "CI-HYPERSENSITIVITY": (facts(allergies=("Ketamine",)), facts(allergies=("Penicillin",))),
    "CI-AGE-UNDER-18": (facts(age_years=17), facts(age_years=18)),
    "CI-SCHIZOPHRENIA": (facts(diagnoses=dx("F20.9")), facts(diagnoses=dx("F32.1"))),
    "CI-HEPATIC-SEVERE": (
        facts(history=hx("liver_disease", "liver_disease_severe")),
        facts(history=hx("liver_disease")),
    ),
    "CI-CARDIOVASCULAR": (facts(history=hx("heart_disease")), facts(history=hx("hypertension"))),
    "CI-PREGNANCY": (facts(pregnant=True), facts(pregnant=None)),
    # "Not sure" leaves pregnant unknown; a known "no" (or "not applicable") is the near miss
    "CI-PREGNANCY-UNKNOWN": (
        facts(pregnant=None, pregnancy_unsure=True),
        facts(pregnant=False, pregnancy_unsure=False),
    ),
    # a medication left without a class escapes the class-based interaction rules
    "PRE-MEDICATION-UNCLASSIFIED": (
        facts(medications=(MedicationFact("Lorazepam", "", "1 mg"),)),
        facts(medications=(MedicationFact("Lorazepam", "benzodiazepine", "1 mg"),)),
    ),
    "CI-BREASTFEEDING": (facts(breastfeeding=True), facts(breastfeeding=False)),
    "CI-PSYCHOSIS-ACTIVE": (
        facts(psychosis_current=True, psychosis_history=True),
        facts(psychosis_current=False, psychosis_history=True),
    ),
    "CI-RAISED-ICP": (facts(history=hx("raised_icp")), facts(history=hx("raised_iop"))),
    "CI-RAISED-IOP": (facts(history=hx("raised_iop")), facts(history=hx("seizures"))),
    "CI-SUBSTANCE-ACTIVE": (
        facts(substances_current=("Alcohol",)),
        facts(substances_past=("Alcohol",)),
    ),
    "CI-HYPERTHYROIDISM": (
        facts(history=hx("thyroid_disease", "hyperthyroidism")),
        facts(history=hx("thyroid_disease")),
    ),
    "CI-PORPHYRIA": (facts(history=hx("porphyria")), facts(history=hx("seizures"))),
    "PRE-NO-INTAKE": (CandidacyFacts(age_years=40), BASE),
    "PRE-NOT-TREATMENT-RESISTANT": (
        facts(diagnoses=dx("F32.2"), failed_adequate_trials=("sertraline",)),
        facts(diagnoses=dx("F32.2"), failed_adequate_trials=("sertraline", "bupropion")),
    ),
    "PRE-HYPERTENSION-CONTROLLED": (
        facts(history=hx("hypertension")),
        facts(history=hx("hypertension", "hypertension_uncontrolled")),
    ),
    "PRE-HEPATIC": (
        facts(history=hx("liver_disease")),
        facts(history=hx("liver_disease", "liver_disease_severe")),
    ),
    "PRE-THYROID": (
        facts(history=hx("thyroid_disease")),
        facts(history=hx("thyroid_disease", "hyperthyroidism")),
    ),
    "PRE-PSYCHOSIS-HISTORY": (
        facts(psychosis_history=True, psychosis_current=False),
        facts(psychosis_history=True, psychosis_current=True),
    ),
    "PRE-SUBSTANCE-PAST": (
        facts(substances_past=("Cannabis",)),
        facts(substances_past=("Cannabis",), substances_current=("Alcohol",)),
    ),
    "INT-BENZODIAZEPINE": (
        facts(medications=med("Lorazepam", "benzodiazepine")),
        facts(medications=SSRI),
    ),
    "INT-SEDATIVE-HYPNOTIC": (
        facts(medications=med("Zolpidem", "z_drug")),
        facts(medications=med("Lorazepam", "benzodiazepine")),
    ),
    "INT-LAMOTRIGINE": (
        facts(medications=med("Lamotrigine", "lamotrigine")),
        facts(medications=SSRI),
    ),
    "INT-MAOI": (facts(medications=med("Phenelzine", "maoi")), facts(medications=SSRI)),
    "INT-PSYCHOSTIMULANT": (
        facts(medications=med("Methylphenidate", "psychostimulant")),
        facts(medications=SSRI),
    ),
    "INT-OPIOID": (facts(medications=med("Oxycodone", "opioid")), facts(medications=SSRI)),
    "INT-THEOPHYLLINE": (
        facts(medications=med("Theophylline", "theophylline")),
        facts(medications=SSRI),
    ),
    "INT-CYP-INDUCER": (
        facts(medications=med("Carbamazepine", "cyp_inducer")),
        facts(medications=SSRI),
    ),
    "INT-CYP-INHIBITOR": (
        facts(medications=med("Clarithromycin", "cyp_inhibitor")),
        facts(medications=SSRI),
    ),
    "INT-SYMPATHOMIMETIC": (
        facts(medications=med("Pseudoephedrine", "other")),
        facts(medications=med("Sertraline", "ssri")),
    ),
}


def test_every_builtin_rule_has_a_case():
    assert set(CASES) == set(BUILTIN)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_builtin_rule_fires_on_matching_facts_with_evidence(rule_id):
    rule = BUILTIN[rule_id]
    findings = evaluate_candidacy(CASES[rule_id][0], [rule])
    assert [f.rule_id for f in findings] == [rule_id]
    finding = findings[0]
    assert (finding.kind, finding.severity, finding.source) == (
        rule.kind,
        rule.severity,
        rule.source,
    )
    assert finding.evidence, "a finding must say which facts fired it"


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_builtin_rule_does_not_fire_on_a_near_miss(rule_id):
    assert evaluate_candidacy(CASES[rule_id][1], [BUILTIN[rule_id]]) == []


@pytest.mark.parametrize("rule_id", sorted(BUILTIN))
def test_builtin_rules_are_valid_and_cite_domain_md(rule_id):
    rule = BUILTIN[rule_id]
    condition_validate(rule.condition)
    assert "§" in rule.source and "[" in rule.source
    assert rule.kind in dict(RuleKind.CHOICES)
    if rule.kind == RuleKind.INDICATION:
        assert rule.pathway in ("mood", "pain")


def test_a_healthy_adult_with_a_negative_intake_fires_no_contraindication():
    findings = evaluate_candidacy(BASE, list(BUILTIN.values()))
    assert findings == []


def test_unknown_intake_answers_never_fire_a_rule():
    # given no intake at all: only the "no intake" precaution fires, nothing assumed
    findings = evaluate_candidacy(CandidacyFacts(age_years=30), list(BUILTIN.values()))
    assert [f.rule_id for f in findings] == ["PRE-NO-INTAKE"]


def test_findings_are_ordered_by_kind_then_severity():
    many = facts(
        diagnoses=dx("F33.2"),
        failed_adequate_trials=("a", "b"),
        history=hx("aneurysm", "raised_iop", "hypertension"),
        medications=med("Lorazepam", "benzodiazepine") + med("Theophylline", "theophylline"),
    )
    kinds = [f.kind for f in evaluate_candidacy(many, list(BUILTIN.values()))]
    assert kinds == sorted(kinds, key=lambda k: RuleKind.ORDER[k])
    ids = [f.rule_id for f in evaluate_candidacy(many, list(BUILTIN.values()))]
    assert ids.index("INT-THEOPHYLLINE") < ids.index("INT-BENZODIAZEPINE")  # high before moderate


def test_diagnosis_prefix_ignores_dots_and_case():
    rule = RuleSpec("X-1", 1, RuleKind.PRECAUTION, "low", {"diagnosis_prefix": "g905"}, "m", "s")
    assert evaluate_candidacy(facts(diagnoses=dx("G90.511")), [rule])
    assert not evaluate_candidacy(facts(diagnoses=dx("G91.0")), [rule])


def test_combinators_and_evidence():
    rule = RuleSpec(
        "X-2",
        1,
        RuleKind.PRECAUTION,
        "low",
        {"any": [{"medication_class": "opioid"}, {"not": {"age_gte": 18}}], "pregnant": False},
        "m",
        "s",
    )
    fired = evaluate_candidacy(facts(medications=med("Morphine", "opioid")), [rule])
    assert fired and fired[0].evidence == ("Morphine 1 mg (Opioid)",)
    assert evaluate_candidacy(facts(age_years=16), [rule])
    assert not evaluate_candidacy(facts(age_years=16, pregnant=True), [rule])


@pytest.mark.parametrize(
    "condition, message",
    [
        ({}, "non-empty JSON object"),
        ([], "non-empty JSON object"),
        ({"colour": "red"}, 'unknown test "colour"'),
        ({"history": "aneurism"}, 'unknown history item "aneurism"'),
        ({"age_lt": "18"}, "whole number"),
        ({"age_lt": True}, "whole number"),
        ({"failed_adequate_trials_gte": 99}, "from 0 to 50"),
        ({"pregnant": "yes"}, "true or false"),
        ({"all": []}, "non-empty list"),
        ({"any": [{"history": "aneurysm"}, {"nope": 1}]}, r"condition.any\[1\].nope"),
        ({"not": {"medication_class": ""}}, "condition.not.medication_class"),
    ],
)
def test_condition_validate_names_the_problem(condition, message):
    with pytest.raises(ConditionError, match=message):
        condition_validate(condition)


def test_the_unclassified_medication_finding_names_the_medication():
    findings = evaluate_candidacy(
        facts(medications=(MedicationFact("Lorazepam", "", "1 mg"), MedicationFact("Sertraline", "ssri"))),
        [BUILTIN["PRE-MEDICATION-UNCLASSIFIED"]],
    )
    assert findings[0].evidence == ("Medication without a drug class: Lorazepam 1 mg",)

"""Reads for the candidacy evaluation: chart facts, the rules in force, baseline measures."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from clinic.core.models import Clinic
from clinic.core.selectors import clinic_setting_value
from clinic.core.signatures import content_hash
from clinic.core.validators import age_on
from clinic.evaluation.intake_schema import intake_data_parse, intake_rule_facts
from clinic.evaluation.models import (
    CandidacyDecision,
    CandidacyRule,
    IntakeHistory,
    IntakeStatus,
)
from clinic.evaluation.rules import (
    CandidacyFacts,
    DiagnosisFact,
    Finding,
    MedicationFact,
    Pathway,
    RuleKind,
    RuleSpec,
    evaluate_candidacy,
)
from clinic.evaluation.settings import BASELINE_MEASURE_MAX_AGE_DAYS
from clinic.patients.icd10 import icd10_lookup
from clinic.patients.models import Allergy, Diagnosis, DiagnosisStatus, Medication, Patient

try:  # Baseline measures come from the outcomes app; the page still works without it.
    from clinic.outcomes import instruments as _instruments
    from clinic.outcomes.selectors import latest_response as _latest_response
except ImportError:  # pragma: no cover - outcomes is installed in this project
    _instruments = None
    _latest_response = None

PHQ9 = getattr(_instruments, "PHQ9", "phq9")
PAIN_NRS = getattr(_instruments, "PAIN_NRS", "pain_nrs")
ASQ = getattr(_instruments, "ASQ", "asq")
BASELINE_NAMES = {PHQ9: "PHQ-9", PAIN_NRS: "Pain score (0–10)", ASQ: "Suicide-risk screen (ASQ)"}
OUTCOMES_MISSING = "Questionnaires are not available in this installation."


# ---------------------------------------------------------------------------------------------
# Intake history


def intake_history_draft(*, patient: Patient) -> IntakeHistory | None:
    return IntakeHistory.objects.filter(patient=patient, status=IntakeStatus.DRAFT).first()


def intake_history_latest_submitted(*, patient: Patient) -> IntakeHistory | None:
    return (
        IntakeHistory.objects.filter(patient=patient, status=IntakeStatus.SUBMITTED)
        .select_related("submitted_by")
        .order_by("-version")
        .first()
    )


def intake_history_versions(*, patient: Patient) -> QuerySet[IntakeHistory]:
    return (
        IntakeHistory.objects.filter(patient=patient)
        .select_related("submitted_by")
        .order_by("-version")
    )


def chart_medications(*, patient: Patient) -> list[Medication]:
    return list(Medication.objects.filter(patient=patient, is_active=True).order_by("name", "id"))


def chart_allergies(*, patient: Patient) -> list[Allergy]:
    return list(Allergy.objects.filter(patient=patient, is_active=True).order_by("substance", "id"))


# ---------------------------------------------------------------------------------------------
# Rules


def candidacy_rules_in_force(*, clinic: Clinic) -> list[CandidacyRule]:
    """The clinic's current rule versions plus the current built-ins it has not overridden
    (including inactive ones, for review). One query."""
    rows = CandidacyRule.objects.filter(
        Q(clinic=clinic) | Q(clinic__isnull=True), is_current=True
    ).order_by("rule_id")
    chosen: dict[str, CandidacyRule] = {}
    for rule in rows:
        if rule.rule_id not in chosen or rule.clinic_id is not None:
            chosen[rule.rule_id] = rule
    return sorted(chosen.values(), key=lambda r: (RuleKind.ORDER.get(r.kind, 9), r.rule_id))


def rule_spec(rule: CandidacyRule) -> RuleSpec:
    return RuleSpec(
        rule_id=rule.rule_id,
        version=rule.version,
        kind=rule.kind,
        severity=rule.severity,
        condition=rule.condition,
        message=rule.message,
        source=rule.source,
        pathway=rule.pathway,
    )


def candidacy_rule_for_clinic(*, clinic: Clinic, rule_id: str) -> CandidacyRule | None:
    """The version in force for this clinic (its own, else the built-in), or None."""
    return next((r for r in candidacy_rules_in_force(clinic=clinic) if r.rule_id == rule_id), None)


def candidacy_rule_versions(*, clinic: Clinic, rule_id: str) -> QuerySet[CandidacyRule]:
    """Every version of one rule this clinic can see: the built-ins and its own, newest first."""
    return (
        CandidacyRule.objects.filter(Q(clinic=clinic) | Q(clinic__isnull=True), rule_id=rule_id)
        .select_related("created_by")
        .order_by("-version", "-id")
    )


# ---------------------------------------------------------------------------------------------
# Facts and findings


def candidacy_facts(
    *, patient: Patient, intake: IntakeHistory | None, today: dt.date | None = None
) -> CandidacyFacts:
    """What the rules read about the patient: the chart's active lists, age, and the submitted
    intake history (if any)."""
    today = today or timezone.now().astimezone(patient.clinic.tzinfo).date()
    diagnoses = Diagnosis.objects.filter(patient=patient, status=DiagnosisStatus.ACTIVE).order_by(
        "icd10_code"
    )
    intake_kwargs: dict[str, Any] = {}
    if intake is not None and intake.status == IntakeStatus.SUBMITTED:
        intake_kwargs = intake_rule_facts(intake_data_parse(intake.data))
    return CandidacyFacts(
        age_years=age_on(patient.date_of_birth, today),
        diagnoses=tuple(DiagnosisFact(d.icd10_code, d.description) for d in diagnoses),
        medications=tuple(
            MedicationFact(m.name, m.drug_class, m.dose) for m in chart_medications(patient=patient)
        ),
        allergies=tuple(a.substance for a in chart_allergies(patient=patient)),
        **intake_kwargs,
    )


@dataclass(frozen=True)
class BaselineMeasure:
    code: str
    name: str
    required_for: str  # "mood" | "pain" | "all"
    response: Any = None  # outcomes.QuestionnaireResponse or None
    enter_url: str | None = None

    @property
    def is_missing(self) -> bool:
        return self.response is None

    @property
    def band_label(self) -> str:
        if self.response is None:
            return ""
        instrument = getattr(_instruments, "INSTRUMENTS", {}).get(self.code)
        return instrument.band_label(self.response.band) if instrument else self.response.band


@dataclass(frozen=True)
class BaselineStatus:
    measures: tuple[BaselineMeasure, ...]
    max_age_days: int
    since: dt.datetime
    unavailable_reason: str = ""

    @property
    def missing(self) -> list[BaselineMeasure]:
        return [m for m in self.measures if m.is_missing]

    @property
    def complete(self) -> bool:
        return not self.missing

    def snapshot(self) -> list[dict[str, Any]]:
        """The measures used by a decision: response ids and scores, for the signed record."""
        return [
            {
                "instrument": m.code,
                "response_id": m.response.pk,
                "total": m.response.total,
                "band": m.response.band,
                "risk_level": getattr(m.response, "risk_level", ""),
                "completed_at": m.response.completed_at.isoformat(),
            }
            for m in self.measures
            if m.response is not None
        ]


def _enter_url(patient: Patient, code: str) -> str | None:
    try:
        url = reverse("outcomes:enter", kwargs={"patient_id": patient.pk, "instrument_code": code})
    except NoReverseMatch:
        return None
    return f"{url}?context=baseline"


def baseline_status(
    *, patient: Patient, pathways: set[str], now: dt.datetime | None = None
) -> BaselineStatus:
    """PHQ-9 for the mood pathway, the 0–10 pain score for pain, and the ASQ always, each the
    latest completed within the clinic's window (domain.md §3.4)."""
    now = now or timezone.now()
    max_age = int(clinic_setting_value(patient.clinic, BASELINE_MEASURE_MAX_AGE_DAYS))
    since = now - dt.timedelta(days=max_age)
    wanted: list[tuple[str, str]] = []
    if Pathway.MOOD in pathways:
        wanted.append((PHQ9, Pathway.MOOD))
    if Pathway.PAIN in pathways:
        wanted.append((PAIN_NRS, Pathway.PAIN))
    wanted.append((ASQ, "all"))
    measures = []
    for code, required_for in wanted:
        response = None
        if _latest_response is not None:
            response = _latest_response(patient=patient, instrument_code=code, since=since)
        measures.append(
            BaselineMeasure(
                code=code,
                name=BASELINE_NAMES.get(code, code),
                required_for=required_for,
                response=response,
                enter_url=_enter_url(patient, code),
            )
        )
    return BaselineStatus(
        measures=tuple(measures),
        max_age_days=max_age,
        since=since,
        unavailable_reason="" if _latest_response is not None else OUTCOMES_MISSING,
    )


@dataclass
class CandidacyEvaluation:
    """Everything the physician's evaluation page and the signing service need."""

    patient: Patient
    facts: CandidacyFacts
    findings: list[Finding]
    intake: IntakeHistory | None
    pathways: set[str]
    baseline: BaselineStatus
    groups: dict[str, list[Finding]] = field(default_factory=dict)

    @property
    def absolute_findings(self) -> list[Finding]:
        return self.groups.get(RuleKind.ABSOLUTE, [])

    @property
    def indications(self) -> list[Finding]:
        return self.groups.get(RuleKind.INDICATION, [])


def candidacy_pathways(*, facts: CandidacyFacts, findings: list[Finding]) -> set[str]:
    """Mood and/or pain: from the indications met, else from the catalogue entries of the active
    diagnoses; the mood pathway when nothing says otherwise (the product's main pathway)."""
    pathways = {f.pathway for f in findings if f.kind == RuleKind.INDICATION and f.pathway}
    if not pathways:
        for diagnosis in facts.diagnoses:
            entry = icd10_lookup(diagnosis.code)
            if entry is not None and entry.pathway:
                pathways.add(entry.pathway)
    return pathways or {Pathway.MOOD}


def candidacy_evaluate(*, patient: Patient, now: dt.datetime | None = None) -> CandidacyEvaluation:
    """Evaluate the rules in force against the patient's chart and latest submitted intake."""
    now = now or timezone.now()
    intake = intake_history_latest_submitted(patient=patient)
    facts = candidacy_facts(
        patient=patient, intake=intake, today=now.astimezone(patient.clinic.tzinfo).date()
    )
    rules = [rule_spec(r) for r in candidacy_rules_in_force(clinic=patient.clinic) if r.active]
    findings = evaluate_candidacy(facts, rules)
    groups: dict[str, list[Finding]] = {kind: [] for kind, _ in RuleKind.CHOICES}
    for finding in findings:
        groups.setdefault(finding.kind, []).append(finding)
    pathways = candidacy_pathways(facts=facts, findings=findings)
    return CandidacyEvaluation(
        patient=patient,
        facts=facts,
        findings=findings,
        intake=intake,
        pathways=pathways,
        baseline=baseline_status(patient=patient, pathways=pathways, now=now),
        groups=groups,
    )


# ---------------------------------------------------------------------------------------------
# Decisions


def candidacy_decisions(*, patient: Patient) -> list[CandidacyDecision]:
    """The patient's decisions, newest first, with signer and signature (one query)."""
    return list(
        CandidacyDecision.objects.filter(patient=patient)
        .select_related("decided_by", "signature", "amends", "intake_history")
        .order_by("-created_at", "-id")
    )


def candidacy_decision_current(*, patient: Patient) -> CandidacyDecision | None:
    """The signed decision in force: the newest one that no later decision amends."""
    return (
        CandidacyDecision.objects.filter(
            patient=patient, signature__isnull=False, amended_by__isnull=True
        )
        .select_related("decided_by", "signature")
        .order_by("-created_at", "-id")
        .first()
    )


def candidacy_decision_snapshot(decision: CandidacyDecision) -> dict[str, Any]:
    """The content a decision's signature is bound to (its hash is stored on the signature)."""
    return {
        "patient_id": decision.patient_id,
        "decision": decision.decision,
        "reason": decision.reason,
        "findings": decision.findings,
        "intake_history_id": decision.intake_history_id,
        "baseline": decision.baseline,
        "acknowledged_rule_ids": decision.acknowledged_rule_ids,
        "decided_by_id": decision.decided_by_id,
        "amends_id": decision.amends_id,
    }


def candidacy_decision_signature_valid(decision: CandidacyDecision) -> bool:
    """True when the decision still matches the content its signature was bound to."""
    if decision.signature is None:
        return False
    return content_hash(candidacy_decision_snapshot(decision)) == decision.signature.content_hash

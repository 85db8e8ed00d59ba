"""Writes for the candidacy evaluation. Each runs in one transaction with its audit events."""

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.accounts.models import Membership
from clinic.accounts.roles import Perm, role_has_perm
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.models import Clinic, SignatureMeaning
from clinic.core.services import idempotent
from clinic.core.signatures import signature_apply
from clinic.evaluation.intake_schema import (
    IntakeDataError,
    intake_data_dump,
    intake_data_parse,
    intake_missing_answers,
)
from clinic.evaluation.models import (
    CandidacyDecision,
    CandidacyRule,
    DecisionOutcome,
    IntakeHistory,
    IntakeSource,
    IntakeStatus,
)
from clinic.evaluation.rules import (
    ConditionError,
    Pathway,
    RuleKind,
    Severity,
    condition_validate,
)
from clinic.evaluation.selectors import (
    candidacy_decision_current,
    candidacy_decision_snapshot,
    candidacy_evaluate,
    chart_allergies,
    chart_medications,
    intake_history_draft,
    intake_history_latest_submitted,
)
from clinic.patients.models import JourneyStage, Patient
from clinic.patients.services import patient_set_stage

# Messages shown to users; tests reuse them.
INTAKE_LOCKED = "This intake history was submitted and is locked; start a new version to change it."
INTAKE_NOT_ALLOWED = "You may not edit this patient's intake history."
INTAKE_SOURCE_INVALID = "Unknown source of the intake history."
INTAKE_INCOMPLETE = "Some answers are still missing; they are marked below."
DECISION_INVALID = "Choose candidate, not a candidate, or more information needed."
DECISION_NOT_PRESCRIBER = (
    "Only a physician (prescriber) of this clinic can sign a candidacy decision."
)
DECISION_REASON_REQUIRED = "Give the reason for the decision (it is part of the signed record)."
DECISION_INTAKE_REQUIRED = (
    "A submitted intake history is needed before the patient can be accepted as a candidate."
)
DECISION_BASELINE_MISSING = (
    "Baseline measures are missing (needed within {days} days before accepting a candidate): "
    "{names}."
)
DECISION_OVERRIDE_REQUIRED = (
    "Absolute contraindication not acknowledged: {rule_ids}. Tick each one to override it and say "
    "why in the reason."
)
DECISION_ALREADY_AMENDED = "This decision was already amended; amend the latest decision instead."
DECISION_EXISTS = "This patient already has a signed decision; amend it instead."
DECISION_NOT_SIGNED = "Only a signed decision can be amended."
RULE_NOT_ALLOWED = "Only a clinic administrator can change the candidacy rules."
RULE_ID_INVALID = "Use 3–40 capital letters, digits and hyphens, e.g. CI-MY-RULE."
RULE_ID_TAKEN = "A rule with the identifier {rule_id} already exists; edit that rule instead."
RULE_KIND_INVALID = "Choose the kind of rule."
RULE_SEVERITY_INVALID = "Choose the severity."
RULE_PATHWAY_INVALID = "Choose mood, pain or none."
RULE_MESSAGE_REQUIRED = "Write the message shown to the physician."
RULE_SOURCE_REQUIRED = 'Name the source, e.g. "ASRA/AAPM/ASA 2018 pain consensus" or "Clinic policy".'
RULE_REASON_REQUIRED = "Give a reason for the change (it is kept in the audit trail)."
RULE_CHANGED_MEANWHILE = "Someone changed this rule meanwhile; reload the page and try again."

STAGE_FOR_DECISION = {
    DecisionOutcome.CANDIDATE: JourneyStage.CANDIDATE,
    DecisionOutcome.NOT_CANDIDATE: JourneyStage.NOT_CANDIDATE,
    DecisionOutcome.NEEDS_INFO: JourneyStage.EVALUATION,
}
_RULE_ID = re.compile(r"^[A-Z][A-Z0-9-]{2,39}$")


class EvaluationError(ValueError):
    """A refused change; `field` names the form field the message belongs to ("__all__" if none).
    `errors` carries several field messages at once (intake submission)."""

    def __init__(self, message: str, *, field: str = "__all__", errors: dict | None = None):
        self.field = field
        self.errors = errors or {}
        super().__init__(message)


def _roles_at(user, clinic_id: int) -> list[str]:
    return list(
        Membership.objects.filter(user=user, clinic_id=clinic_id, is_active=True).values_list(
            "role", flat=True
        )
    )


def _user_has_perm(user, clinic_id: int, perm: str) -> bool:
    return any(role_has_perm(role, perm) for role in _roles_at(user, clinic_id))


# ---------------------------------------------------------------------------------------------
# Intake history


def _check_intake_author(*, patient: Patient, user, source: str) -> None:
    if source == IntakeSource.PATIENT:
        if patient.user_id is None or patient.user_id != getattr(user, "pk", None):
            raise EvaluationError(INTAKE_NOT_ALLOWED)
        if not _user_has_perm(user, patient.clinic_id, Perm.PORTAL):
            raise EvaluationError(INTAKE_NOT_ALLOWED)
    elif source == IntakeSource.STAFF:
        if not _user_has_perm(user, patient.clinic_id, Perm.PATIENT_CLINICAL_EDIT):
            raise EvaluationError(INTAKE_NOT_ALLOWED)
    else:
        raise EvaluationError(INTAKE_SOURCE_INVALID)


def _open_draft(
    *, patient: Patient, user, source: str
) -> tuple[IntakeHistory, IntakeHistory | None]:
    """The patient's draft, creating the next version if there is none (call inside a
    transaction). Returns (draft, the submitted version it copies when it was just created)."""
    # Lock the patient row so two first clicks cannot both create version n+1.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    draft = intake_history_draft(patient=patient)
    if draft is not None:
        return draft, None
    previous = intake_history_latest_submitted(patient=patient)
    intake = IntakeHistory.objects.create(
        clinic=patient.clinic,
        patient=patient,
        version=(previous.version + 1) if previous else 1,
        status=IntakeStatus.DRAFT,
        data=dict(previous.data) if previous else {},
        created_by=user,
        source=source,
        supersedes=previous,
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=user,
        clinic=patient.clinic,
        obj=intake,
        patient_id=patient.pk,
        summary=f"Intake history v{intake.version} started"
        + (f" from v{previous.version}" if previous else ""),
        after=model_snapshot(intake, exclude=("data",)),
    )
    return intake, previous


def _draft_for_write(
    *, patient: Patient, intake: IntakeHistory | None, user, source: str
) -> IntakeHistory:
    """The draft to write to: `intake` itself (refused when it is submitted), or the open draft."""
    if intake is None:
        return _open_draft(patient=patient, user=user, source=source)[0]
    current = IntakeHistory.objects.select_for_update().get(pk=intake.pk, patient=patient)
    if current.status != IntakeStatus.DRAFT:
        raise EvaluationError(INTAKE_LOCKED)
    return current


def intake_history_start(*, patient: Patient, started_by, source: str) -> IntakeHistory:
    """The patient's open draft; if there is none, a new draft version. After a submission the new
    draft copies the last submitted answers (`supersedes` points at it)."""
    _check_intake_author(patient=patient, user=started_by, source=source)
    with transaction.atomic():
        intake, _ = _open_draft(patient=patient, user=started_by, source=source)
    return intake


def _validated(data: dict[str, Any]) -> dict[str, Any]:
    try:
        return intake_data_dump(intake_data_parse(data))
    except IntakeDataError as exc:
        first_field = next(iter(exc.errors), "__all__")
        raise EvaluationError(str(exc), field=first_field, errors=exc.errors) from exc


def intake_history_save(
    *,
    patient: Patient,
    saved_by,
    source: str,
    data: dict[str, Any],
    intake: IntakeHistory | None = None,
) -> IntakeHistory:
    """Save draft answers (validated field by field; answers may still be missing). Writes to
    `intake` when given (a submitted version is locked: INTAKE_LOCKED), else to the open draft,
    starting the next version if there is none."""
    _check_intake_author(patient=patient, user=saved_by, source=source)
    clean = _validated(data)
    with transaction.atomic():
        current = _draft_for_write(patient=patient, intake=intake, user=saved_by, source=source)
        before = dict(current.data)
        current.data = clean
        current.save(update_fields=["data", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=saved_by,
            clinic=current.clinic,
            obj=current,
            patient_id=current.patient_id,
            summary=f"Intake history v{current.version} draft saved",
            before=before,
            after=clean,
        )
    return current


def intake_history_submit(
    *,
    patient: Patient,
    submitted_by,
    source: str,
    data: dict[str, Any] | None = None,
    intake: IntakeHistory | None = None,
) -> IntakeHistory:
    """Save the final answers and lock the version for good. Every required answer must be given
    and the chart's medication and allergy lists confirmed (stored with the answers as they stood).
    `data` None submits the draft's saved answers. Nothing is written when anything is refused."""
    _check_intake_author(patient=patient, user=submitted_by, source=source)
    if data is None:
        draft = intake or intake_history_draft(patient=patient)
        data = draft.data if draft is not None else {}
    clean = _validated(data)
    missing = intake_missing_answers(intake_data_parse(clean))
    if missing:
        raise EvaluationError(
            INTAKE_INCOMPLETE,
            field=next(iter(missing)),
            errors={name: [message] for name, message in missing.items()},
        )
    clean["confirmed_medications"] = [
        {"id": m.pk, "name": str(m)} for m in chart_medications(patient=patient)
    ]
    clean["confirmed_allergies"] = [
        {"id": a.pk, "name": a.substance} for a in chart_allergies(patient=patient)
    ]
    with transaction.atomic():
        current = _draft_for_write(patient=patient, intake=intake, user=submitted_by, source=source)
        before = model_snapshot(current)
        current.data = clean
        current.status = IntakeStatus.SUBMITTED
        current.submitted_at = timezone.now()
        current.submitted_by = submitted_by
        current.source = source
        current.save(
            update_fields=["data", "status", "submitted_at", "submitted_by", "source", "updated_at"]
        )
        audit_record(
            action=AuditAction.UPDATE,
            actor=submitted_by,
            clinic=current.clinic,
            obj=current,
            patient_id=current.patient_id,
            summary=f"Intake history v{current.version} submitted ({current.get_source_display()})",
            before=before,
            after=model_snapshot(current),
        )
    return current


# ---------------------------------------------------------------------------------------------
# Rules


def _check_rule_fields(
    *, kind: str, severity: str, pathway: str, condition: Any, message: str, source: str
) -> None:
    if kind not in dict(RuleKind.CHOICES):
        raise EvaluationError(RULE_KIND_INVALID, field="kind")
    if severity not in dict(Severity.CHOICES):
        raise EvaluationError(RULE_SEVERITY_INVALID, field="severity")
    if pathway not in dict(Pathway.CHOICES):
        raise EvaluationError(RULE_PATHWAY_INVALID, field="pathway")
    try:
        condition_validate(condition)
    except ConditionError as exc:
        raise EvaluationError(str(exc), field="condition") from exc
    if not message.strip():
        raise EvaluationError(RULE_MESSAGE_REQUIRED, field="message")
    if not source.strip():
        raise EvaluationError(RULE_SOURCE_REQUIRED, field="source")


def candidacy_rule_create(
    *,
    clinic: Clinic,
    created_by,
    rule_id: str,
    kind: str,
    severity: str,
    condition: dict[str, Any],
    message: str,
    source: str,
    reason: str,
    pathway: str = "",
    active: bool = True,
    submission_key: uuid.UUID | str | None = None,
) -> CandidacyRule:
    """Add a clinic's own rule (version 1). The identifier must not exist yet, built-in or not."""
    if not _user_has_perm(created_by, clinic.pk, Perm.SETTINGS_EDIT):
        raise EvaluationError(RULE_NOT_ALLOWED)
    rule_id = (rule_id or "").strip().upper()
    if not _RULE_ID.match(rule_id):
        raise EvaluationError(RULE_ID_INVALID, field="rule_id")
    _check_rule_fields(
        kind=kind,
        severity=severity,
        pathway=pathway,
        condition=condition,
        message=message,
        source=source,
    )
    if not (reason or "").strip():
        raise EvaluationError(RULE_REASON_REQUIRED, field="reason")

    def create() -> CandidacyRule:
        exists = (
            CandidacyRule.objects.filter(rule_id=rule_id).filter(clinic__isnull=True).exists()
            or CandidacyRule.objects.filter(rule_id=rule_id, clinic=clinic).exists()
        )
        if exists:
            raise EvaluationError(RULE_ID_TAKEN.format(rule_id=rule_id), field="rule_id")
        rule = CandidacyRule.objects.create(
            clinic=clinic,
            rule_id=rule_id,
            version=1,
            kind=kind,
            severity=severity,
            pathway=pathway,
            condition=condition,
            message=message.strip(),
            source=source.strip(),
            active=active,
            is_current=True,
            created_by=created_by,
            change_reason=reason.strip(),
        )
        audit_record(
            action=AuditAction.CREATE,
            actor=created_by,
            clinic=clinic,
            obj=rule,
            summary=f"Candidacy rule {rule_id} v1 added",
            after=model_snapshot(rule),
            extra={"reason": reason.strip()},
        )
        return rule

    with transaction.atomic():
        rule, _ = idempotent(
            scope="evaluation.candidacy_rule_create",
            key=submission_key,
            clinic=clinic,
            model=CandidacyRule,
            create=create,
        )
    return rule


def candidacy_rule_revise(
    *,
    rule: CandidacyRule,
    clinic: Clinic,
    revised_by,
    kind: str,
    severity: str,
    condition: dict[str, Any],
    message: str,
    source: str,
    reason: str,
    pathway: str = "",
    active: bool = True,
    submission_key: uuid.UUID | str | None = None,
) -> CandidacyRule:
    """A new version of `rule` for this clinic (a built-in is overridden for this clinic only).
    The version edited stays as it was; a clinic's own previous version stops being current."""
    if not _user_has_perm(revised_by, clinic.pk, Perm.SETTINGS_EDIT):
        raise EvaluationError(RULE_NOT_ALLOWED)
    _check_rule_fields(
        kind=kind,
        severity=severity,
        pathway=pathway,
        condition=condition,
        message=message,
        source=source,
    )
    if not (reason or "").strip():
        raise EvaluationError(RULE_REASON_REQUIRED, field="reason")
    if rule.clinic_id not in (None, clinic.pk):
        raise EvaluationError(RULE_NOT_ALLOWED)

    def create() -> CandidacyRule:
        base = CandidacyRule.objects.select_for_update().get(pk=rule.pk)
        latest_version = (
            CandidacyRule.objects.filter(rule_id=base.rule_id)
            .filter(clinic__isnull=True)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
            or 0
        )
        own_latest = (
            CandidacyRule.objects.filter(rule_id=base.rule_id, clinic=clinic)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
            or 0
        )
        if base.clinic_id == clinic.pk and not base.is_current:
            raise EvaluationError(RULE_CHANGED_MEANWHILE)
        before = model_snapshot(base)
        CandidacyRule.objects.filter(rule_id=base.rule_id, clinic=clinic, is_current=True).update(
            is_current=False
        )
        revised = CandidacyRule.objects.create(
            clinic=clinic,
            rule_id=base.rule_id,
            version=max(latest_version, own_latest) + 1,
            kind=kind,
            severity=severity,
            pathway=pathway,
            condition=condition,
            message=message.strip(),
            source=source.strip(),
            active=active,
            is_current=True,
            supersedes=base,
            created_by=revised_by,
            change_reason=reason.strip(),
        )
        audit_record(
            action=AuditAction.UPDATE,
            actor=revised_by,
            clinic=clinic,
            obj=revised,
            summary=f"Candidacy rule {revised.rule_id} v{revised.version} "
            f"(was v{base.version}{' built-in' if base.is_builtin else ''})",
            before=before,
            after=model_snapshot(revised),
            extra={"reason": reason.strip()},
        )
        return revised

    try:
        with transaction.atomic():
            revised, _ = idempotent(
                scope="evaluation.candidacy_rule_revise",
                key=submission_key,
                clinic=clinic,
                model=CandidacyRule,
                create=create,
            )
    except IntegrityError as exc:  # a concurrent revision took the same version number
        raise EvaluationError(RULE_CHANGED_MEANWHILE) from exc
    return revised


# ---------------------------------------------------------------------------------------------
# Decisions


def _check_decision_inputs(*, patient: Patient, decided_by, decision: str, reason: str) -> str:
    if decision not in DecisionOutcome.values:
        raise EvaluationError(DECISION_INVALID, field="decision")
    if not _user_has_perm(decided_by, patient.clinic_id, Perm.ORDER_SIGN):
        raise EvaluationError(DECISION_NOT_PRESCRIBER)
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError(DECISION_REASON_REQUIRED, field="reason")
    return reason


def _decision_record(
    *,
    patient: Patient,
    decided_by,
    decision: str,
    reason: str,
    password: str,
    acknowledged_finding_ids: Iterable[str],
    amends: CandidacyDecision | None,
    now: dt.datetime | None,
    submission_key: uuid.UUID | str | None,
) -> CandidacyDecision:
    reason = _check_decision_inputs(
        patient=patient, decided_by=decided_by, decision=decision, reason=reason
    )
    evaluation = candidacy_evaluate(patient=patient, now=now)
    absolute_ids = [f.rule_id for f in evaluation.absolute_findings]
    acknowledged = [rid for rid in absolute_ids if rid in set(acknowledged_finding_ids)]
    if decision == DecisionOutcome.CANDIDATE:
        if evaluation.intake is None:
            raise EvaluationError(DECISION_INTAKE_REQUIRED)
        if not evaluation.baseline.complete:
            names = ", ".join(m.name for m in evaluation.baseline.missing)
            raise EvaluationError(
                DECISION_BASELINE_MISSING.format(days=evaluation.baseline.max_age_days, names=names)
            )
        unacknowledged = [rid for rid in absolute_ids if rid not in acknowledged]
        if unacknowledged:
            raise EvaluationError(
                DECISION_OVERRIDE_REQUIRED.format(rule_ids=", ".join(unacknowledged)),
                field="acknowledged",
            )
    else:
        acknowledged = []  # nothing is overridden by declining or deferring

    def create() -> CandidacyDecision:
        # Serialise decisions per patient: one signed decision in force, amended in a chain.
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        if amends is None and candidacy_decision_current(patient=patient) is not None:
            raise EvaluationError(DECISION_EXISTS)
        if amends is not None and CandidacyDecision.objects.filter(amends=amends).exists():
            raise EvaluationError(DECISION_ALREADY_AMENDED)
        record = CandidacyDecision.objects.create(
            clinic=patient.clinic,
            patient=patient,
            decision=decision,
            reason=reason,
            findings=[f.as_dict() for f in evaluation.findings],
            intake_history=evaluation.intake,
            baseline=evaluation.baseline.snapshot(),
            acknowledged_rule_ids=acknowledged,
            decided_by=decided_by,
            amends=amends,
        )
        audit_record(
            action=AuditAction.CREATE,
            actor=decided_by,
            clinic=patient.clinic,
            obj=record,
            patient_id=patient.pk,
            summary=(
                f"Candidacy decision amended: {record.get_decision_display()}"
                if amends
                else f"Candidacy decision: {record.get_decision_display()}"
            ),
            after=model_snapshot(record),
            extra={"amends_id": amends.pk} if amends else None,
        )
        # A wrong password raises here and rolls back the decision and its audit event.
        signature = signature_apply(
            signer=decided_by,
            password=password,
            meaning=SignatureMeaning.APPROVAL,
            obj=record,
            clinic=patient.clinic,
            snapshot=candidacy_decision_snapshot(record),
            patient_id=patient.pk,
            statement=f"Candidacy decision: {record.get_decision_display()}",
        )
        CandidacyDecision.objects.filter(pk=record.pk).update(signature=signature)
        record.signature = signature
        if acknowledged:
            overridden = [
                f.as_dict() for f in evaluation.absolute_findings if f.rule_id in acknowledged
            ]
            audit_record(
                action=AuditAction.OVERRIDE,
                actor=decided_by,
                clinic=patient.clinic,
                obj=record,
                patient_id=patient.pk,
                summary="Absolute contraindication overridden: " + ", ".join(acknowledged),
                extra={"rule_ids": acknowledged, "reason": reason, "findings": overridden},
            )
        patient_set_stage(
            patient=patient, stage=STAGE_FOR_DECISION[decision], changed_by=decided_by
        )
        return record

    with transaction.atomic():
        record, _ = idempotent(
            scope="evaluation.candidacy_decision",
            key=submission_key,
            clinic=patient.clinic,
            model=CandidacyDecision,
            create=create,
        )
    return record


def candidacy_decision_sign(
    *,
    patient: Patient,
    decided_by,
    decision: str,
    reason: str,
    password: str,
    acknowledged_finding_ids: Iterable[str] = (),
    now: dt.datetime | None = None,
    submission_key: uuid.UUID | str | None = None,
) -> CandidacyDecision:
    """Record and sign (meaning: approval) the physician's candidacy decision, and move the
    patient's journey stage. "candidate" needs a submitted intake, the baseline measures within
    the clinic's window, and every absolute contraindication acknowledged (an audited override).
    Raises EvaluationError, or SignatureError on a wrong password (nothing is saved)."""
    return _decision_record(
        patient=patient,
        decided_by=decided_by,
        decision=decision,
        reason=reason,
        password=password,
        acknowledged_finding_ids=acknowledged_finding_ids,
        amends=None,
        now=now,
        submission_key=submission_key,
    )


def candidacy_decision_amend(
    *,
    decision: CandidacyDecision,
    decided_by,
    new_decision: str,
    reason: str,
    password: str,
    acknowledged_finding_ids: Iterable[str] = (),
    now: dt.datetime | None = None,
    submission_key: uuid.UUID | str | None = None,
) -> CandidacyDecision:
    """A new signed decision that amends `decision` (which stays unchanged). Same checks as
    signing; only the latest decision can be amended."""
    if decision.signature_id is None:
        raise EvaluationError(DECISION_NOT_SIGNED)
    try:
        return _decision_record(
            patient=decision.patient,
            decided_by=decided_by,
            decision=new_decision,
            reason=reason,
            password=password,
            acknowledged_finding_ids=acknowledged_finding_ids,
            amends=decision,
            now=now,
            submission_key=submission_key,
        )
    except IntegrityError as exc:  # a concurrent amendment of the same decision won
        raise EvaluationError(DECISION_ALREADY_AMENDED) from exc


def evaluation_opened(*, patient: Patient, opened_by) -> None:
    """Record that a user opened the patient's evaluation (an access to the record, audited)."""
    with transaction.atomic():
        audit_record(
            action=AuditAction.VIEW,
            actor=opened_by,
            clinic=patient.clinic,
            obj=patient,
            patient_id=patient.pk,
            summary="Candidacy evaluation opened",
        )

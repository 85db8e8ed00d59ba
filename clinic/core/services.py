"""Writes for tenancy-wide concerns: clinic settings (with the two-person rule for clinical limits)
and idempotent submissions."""

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from clinic.accounts.models import Membership
from clinic.accounts.roles import Perm, membership_has_perm
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record
from clinic.core.clinical_settings import REGISTRY, SettingDefinition, get_definition, relation_problems
from clinic.core.models import (
    Clinic,
    ClinicSetting,
    IdempotencyKey,
    SettingChangeProposal,
    SettingChangeStatus,
    SignatureMeaning,
)
from clinic.core.selectors import clinic_settings_effective
from clinic.core.signatures import SignatureError, signature_apply

SETTING_REASON_REQUIRED = "Give a reason for the change (it is kept in the audit trail)."
SETTING_IS_CLINICAL = (
    "{label} is a clinical limit: the medical director proposes a change and a second clinician "
    "co-signs it before it applies."
)
SETTING_NOT_CLINICAL = "{label} is an operational setting: an administrator changes it directly."
SETTING_NOT_ADMIN = "Only a clinic administrator changes operational settings."
SETTING_NOT_MEDICAL_DIRECTOR = (
    "Only a physician designated medical director proposes changes to clinical limits."
)
SETTING_UNCHANGED = "{label} is already {value}; nothing to change."
SETTING_ALREADY_PENDING = (
    "A change to {label} is already waiting for a co-signature; co-sign, reject or withdraw it first."
)
PROPOSAL_NOT_PENDING = "This change is no longer waiting for a co-signature (it is {status})."
PROPOSAL_OWN = "You proposed this change; a different physician or nurse must co-sign it."
PROPOSAL_NOT_COSIGNER = "Only a physician or nurse of this clinic co-signs a change to a clinical limit."
PROPOSAL_STALE = (
    "{label} has changed since this was proposed (it was {old}, it is now {current}); reject this "
    "proposal and propose again from the current value."
)
PROPOSAL_NOW_INVALID = "This change can no longer be applied: {problems}"
PROPOSAL_REASON_REQUIRED = "Give a reason (it is kept in the audit trail)."
COSIGN_STATEMENT = "Co-signed change of {label} from {old} to {new}."

T = TypeVar("T", bound=models.Model)


class SettingValueError(ValueError):
    """A setting value that failed validation; the message names the setting and the problem."""


def _member(*, user, clinic: Clinic) -> Membership | None:
    return Membership.objects.filter(user=user, clinic=clinic, is_active=True).first()


def _reason(reason: str, message: str = SETTING_REASON_REQUIRED) -> str:
    if not reason or not reason.strip():
        raise SettingValueError(message)
    return reason.strip()[:300]


def _validated(*, clinic: Clinic, definition: SettingDefinition, raw_value) -> tuple[Any, Any]:
    """(stored value, current effective value) of a new value that passes the setting's sane range
    and every relation with the clinic's effective values of the related settings."""
    try:
        value = definition.parse(raw_value)
    except ValueError as exc:
        raise SettingValueError(f"{definition.label}: {exc}") from exc
    effective = clinic_settings_effective(clinic)
    current = effective.get(definition.key)
    problems = relation_problems(
        values={**effective, definition.key: definition.to_python(value)}, changed=[definition.key]
    )
    if problems:
        raise SettingValueError(" ".join(problems))
    return value, current


def _setting_store(
    *,
    clinic: Clinic,
    definition: SettingDefinition,
    value,
    changed_by,
    reason: str,
    old_value,
    extra: dict | None = None,
) -> ClinicSetting:
    """Write the override and its audit event (call inside the caller's transaction)."""
    setting, _ = ClinicSetting.objects.update_or_create(
        clinic=clinic,
        key=definition.key,
        defaults={"value": value, "reason": reason, "changed_by": changed_by},
    )
    audit_record(
        action=AuditAction.UPDATE,
        actor=changed_by,
        clinic=clinic,
        obj=setting,
        summary=f"Setting “{definition.label}” changed",
        before={"value": old_value},
        after={"value": definition.to_python(value)},
        extra={"reason": reason, "category": definition.category, **(extra or {})},
    )
    return setting


def clinic_setting_update(*, clinic: Clinic, key: str, raw_value, changed_by, reason: str) -> ClinicSetting:
    """An administrator changes an operational setting at once: validated against its range and its
    related settings, with a reason, audited with old and new values.

    Clinical limits are refused here: they change through `clinic_setting_propose` and a second
    clinician's `clinic_setting_cosign`.
    """
    definition = get_definition(key)
    if definition.is_clinical:
        raise SettingValueError(SETTING_IS_CLINICAL.format(label=definition.label))
    reason = _reason(reason)
    if not membership_has_perm(_member(user=changed_by, clinic=clinic), Perm.SETTINGS_EDIT):
        raise SettingValueError(SETTING_NOT_ADMIN)
    with transaction.atomic():
        value, current = _validated(clinic=clinic, definition=definition, raw_value=raw_value)
        return _setting_store(
            clinic=clinic,
            definition=definition,
            value=value,
            changed_by=changed_by,
            reason=reason,
            old_value=current,
        )


def clinic_setting_set_without_cosign(
    *, clinic: Clinic, key: str, raw_value, set_by, reason: str
) -> ClinicSetting:
    """Set any setting directly, skipping the two-person rule: for test fixtures and the demo loader
    only (no view or API calls it; a test walks the views to make sure). The value is still
    validated against its range and related settings, and the audit event says the rule was skipped.
    """
    definition = get_definition(key)
    reason = _reason(reason)
    with transaction.atomic():
        value, current = _validated(clinic=clinic, definition=definition, raw_value=raw_value)
        return _setting_store(
            clinic=clinic,
            definition=definition,
            value=value,
            changed_by=set_by,
            reason=reason,
            old_value=current,
            extra={"two_person_rule": "skipped: set by fixture or demo loader"},
        )


def clinic_setting_propose(
    *,
    clinic: Clinic,
    key: str,
    raw_value,
    proposed_by,
    reason: str,
    submission_key=None,
) -> SettingChangeProposal:
    """A medical director proposes a new value for a clinical limit, with a reason.

    Validated now (range and related settings, against the clinic's effective values) and again at
    the co-signature. One proposal per setting waits at a time. Audited; applies nothing yet.
    """
    definition = get_definition(key)
    if not definition.is_clinical:
        raise SettingValueError(SETTING_NOT_CLINICAL.format(label=definition.label))
    reason = _reason(reason)
    if not membership_has_perm(_member(user=proposed_by, clinic=clinic), Perm.CLINICAL_SETTINGS_PROPOSE):
        raise SettingValueError(SETTING_NOT_MEDICAL_DIRECTOR)

    def create() -> SettingChangeProposal:
        value, current = _validated(clinic=clinic, definition=definition, raw_value=raw_value)
        if definition.to_python(value) == current:
            raise SettingValueError(
                SETTING_UNCHANGED.format(label=definition.label, value=definition.format_value(current))
            )
        if SettingChangeProposal.objects.filter(
            clinic=clinic, key=key, status=SettingChangeStatus.PENDING
        ).exists():
            raise SettingValueError(SETTING_ALREADY_PENDING.format(label=definition.label))
        proposal = SettingChangeProposal.objects.create(
            clinic=clinic,
            key=key,
            old_value=_stored(definition, current),
            new_value=value,
            reason=reason,
            proposed_by=proposed_by,
        )
        audit_record(
            action=AuditAction.CREATE,
            actor=proposed_by,
            clinic=clinic,
            obj=proposal,
            summary=f"Change of setting “{definition.label}” proposed",
            after={"key": key, "old_value": current, "new_value": definition.to_python(value)},
            extra={"reason": reason},
        )
        return proposal

    with transaction.atomic():
        proposal, _ = idempotent(
            scope="core.clinic_setting_propose",
            key=submission_key,
            clinic=clinic,
            model=SettingChangeProposal,
            create=create,
        )
    return proposal


def _stored(definition: SettingDefinition, value) -> Any:
    """A python value as the JSON column keeps it (decimals as text, like `parse`)."""
    return str(value) if definition.kind == "decimal" else value


def _locked_pending(proposal: SettingChangeProposal) -> SettingChangeProposal:
    locked = SettingChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != SettingChangeStatus.PENDING:
        raise SettingValueError(PROPOSAL_NOT_PENDING.format(status=locked.get_status_display().lower()))
    return locked


def _snapshot(proposal: SettingChangeProposal) -> dict:
    return {
        "key": proposal.key,
        "old_value": proposal.old_value,
        "new_value": proposal.new_value,
        "reason": proposal.reason,
        "proposed_by": proposal.proposed_by_id,
        "proposed_at": proposal.created_at,
    }


def clinic_setting_cosign(
    *, proposal: SettingChangeProposal, cosigned_by, password: str, now=None
) -> SettingChangeProposal:
    """A second clinician (a physician or nurse other than the proposer) co-signs with their password;
    only then does the value apply.

    Checked again at this moment: the setting must still have the value it had when proposed (else
    the proposal is stale), and the new value must pass its range and every relation with the
    then-effective values. The signature, the new value and both audit events commit together.
    """
    clinic = proposal.clinic
    definition = get_definition(proposal.key)
    with transaction.atomic():
        locked = _locked_pending(proposal)
        if locked.proposed_by_id == cosigned_by.pk:
            raise SettingValueError(PROPOSAL_OWN)
        if not membership_has_perm(_member(user=cosigned_by, clinic=clinic), Perm.CLINICAL_SETTINGS_COSIGN):
            raise SettingValueError(PROPOSAL_NOT_COSIGNER)
        effective = clinic_settings_effective(clinic)
        current = effective.get(locked.key)
        if definition.to_python(locked.old_value) != current:
            raise SettingValueError(
                PROPOSAL_STALE.format(
                    label=definition.label,
                    old=definition.format_value(definition.to_python(locked.old_value)),
                    current=definition.format_value(current),
                )
            )
        try:
            value, _ = _validated(clinic=clinic, definition=definition, raw_value=locked.new_value)
        except SettingValueError as exc:
            raise SettingValueError(PROPOSAL_NOW_INVALID.format(problems=exc)) from exc
        try:
            signature = signature_apply(
                signer=cosigned_by,
                password=password,
                meaning=SignatureMeaning.APPROVAL,
                obj=locked,
                clinic=clinic,
                snapshot=_snapshot(locked),
                statement=COSIGN_STATEMENT.format(
                    label=definition.label,
                    old=definition.format_value(current),
                    new=definition.format_value(definition.to_python(value)),
                ),
            )
        except SignatureError as exc:
            raise SettingValueError(str(exc)) from exc
        _setting_store(
            clinic=clinic,
            definition=definition,
            value=value,
            changed_by=locked.proposed_by,
            reason=locked.reason,
            old_value=current,
            extra={"proposal_id": locked.pk, "cosigned_by": cosigned_by.pk, "signature_id": signature.pk},
        )
        locked.status = SettingChangeStatus.APPLIED
        locked.decided_by, locked.decided_at = cosigned_by, now or timezone.now()
        locked.signature = signature
        locked.save(update_fields=["status", "decided_by", "decided_at", "signature", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=cosigned_by,
            clinic=clinic,
            obj=locked,
            summary=f"Change of setting “{definition.label}” co-signed and applied",
            before={"status": SettingChangeStatus.PENDING},
            after={"status": locked.status},
            extra={"old_value": current, "new_value": definition.to_python(value)},
        )
    return locked


def _setting_label(key: str) -> str:
    """The setting's name as the audit trail reads it (the key if it is no longer registered)."""
    definition = REGISTRY.get(key)
    return definition.label if definition else key


def _close(
    *,
    proposal,
    by,
    reason: str,
    status: str,
    permission: str,
    refusal: str,
    verb: str,
    allow_proposer: bool,
    now=None,
) -> SettingChangeProposal:
    reason = _reason(reason, PROPOSAL_REASON_REQUIRED)
    clinic = proposal.clinic
    with transaction.atomic():
        locked = _locked_pending(proposal)
        is_proposer = locked.proposed_by_id == by.pk
        if is_proposer and not allow_proposer:
            raise SettingValueError(PROPOSAL_OWN)
        if not is_proposer and not membership_has_perm(_member(user=by, clinic=clinic), permission):
            raise SettingValueError(refusal)
        locked.status = status
        locked.decided_by, locked.decided_at, locked.decision_reason = by, now or timezone.now(), reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=by,
            clinic=clinic,
            obj=locked,
            summary=f"Change of setting “{_setting_label(locked.key)}” {verb}",
            before={"status": SettingChangeStatus.PENDING},
            after={"status": status},
            extra={"reason": reason, "old_value": locked.old_value, "new_value": locked.new_value},
        )
    return locked


def clinic_setting_reject(*, proposal: SettingChangeProposal, rejected_by, reason: str, now=None):
    """A physician or nurse other than the proposer rejects a pending change, with a reason."""
    return _close(
        proposal=proposal,
        by=rejected_by,
        reason=reason,
        status=SettingChangeStatus.REJECTED,
        permission=Perm.CLINICAL_SETTINGS_COSIGN,
        refusal=PROPOSAL_NOT_COSIGNER,
        verb="rejected",
        allow_proposer=False,
        now=now,
    )


def clinic_setting_withdraw(*, proposal: SettingChangeProposal, withdrawn_by, reason: str, now=None):
    """The proposer (or another medical director) withdraws a pending change, with a reason."""
    return _close(
        proposal=proposal,
        by=withdrawn_by,
        reason=reason,
        status=SettingChangeStatus.WITHDRAWN,
        permission=Perm.CLINICAL_SETTINGS_PROPOSE,
        refusal=SETTING_NOT_MEDICAL_DIRECTOR,
        verb="withdrawn",
        allow_proposer=True,
        now=now,
    )


def idempotent(
    *,
    scope: str,
    key: uuid.UUID | str | None,
    clinic: Clinic | None,
    model: type[T],
    create: Callable[[], T],
) -> tuple[T, bool]:
    """Run `create` once per (scope, key); a repeat with the same key returns the first object.

    Must be called inside the caller's transaction, so the key and the record commit together.
    Returns (object, created).
    """
    if not key:
        return create(), True
    try:
        key = uuid.UUID(str(key))
    except ValueError:
        return create(), True
    existing = IdempotencyKey.objects.filter(scope=scope, key=key).first()
    if existing is not None:
        if existing.clinic_id == (clinic.pk if clinic else None) and (
            existing.object_type == model._meta.label
        ):
            return model.objects.get(pk=existing.object_id), False
        # A key recorded at another clinic is not a repeat of this submission: never hand that
        # clinic's record back; create this one without the key.
        return create(), True
    obj = create()
    # The unique (scope, key) constraint makes a concurrent twin fail its whole transaction.
    IdempotencyKey.objects.create(
        clinic=clinic, scope=scope, key=key, object_type=model._meta.label, object_id=str(obj.pk)
    )
    return obj, True

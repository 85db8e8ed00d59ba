"""Writing one escalation stage of an alert (vital-sign or suicide-risk): the stage, the people told
and the audit event, for a row the caller has locked inside its transaction. The decision is the pure
`clinic.core.escalation.escalation_stage_due`; whom to tell is `selectors_escalation`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.escalation import EscalationPolicy, escalation_stage_due
from clinic.core.selectors_escalation import escalation_recipients


def alert_escalation_write(
    *,
    locked,
    is_open: bool,
    patient_id: int,
    policy: EscalationPolicy,
    now: dt.datetime,
    summary: Callable[[str], str],
) -> bool:
    """Move the locked alert to its next stage if that is due now; False when nothing is due.

    `summary(who)` words the audit event ("… escalated to the physician on duty: Dr Marsh").
    """
    stage = escalation_stage_due(
        is_open=is_open,
        raised_at=locked.created_at,
        stage=locked.escalation_stage,
        escalated_at=locked.escalated_at,
        now=now,
        policy=policy,
    )
    if stage is None:
        return False
    recipients = escalation_recipients(clinic=locked.clinic, now=now, stage=stage)
    before = model_snapshot(locked)
    locked.escalation_stage = stage
    locked.escalated_at = now
    locked._history_user = None  # the escalation sweep, not a person (for models with field history)
    locked.save(update_fields=["escalation_stage", "escalated_at", "updated_at"])
    locked.escalated_to.add(*recipients.users)
    names = ", ".join(user.signature_name for user in recipients.users) or "nobody (no staff to tell)"
    audit_record(
        action=AuditAction.UPDATE,
        actor=None,  # the escalation sweep, not a person
        clinic=locked.clinic,
        obj=locked,
        patient_id=patient_id,
        summary=summary(f"{recipients.label}: {names}"),
        before=before,
        after=model_snapshot(locked),
        extra={
            "stage": stage,
            "chosen_by": recipients.chosen_by,
            "recipients": [user.pk for user in recipients.users],
        },
    )
    return True

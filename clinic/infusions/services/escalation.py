"""Escalation of vital-sign alerts nobody acknowledged: to the physician on duty.

`vital_alerts_escalate_due()` is the sweep the job worker runs every minute (`manage.py run_jobs`);
`vital_alert_escalate()` escalates one alert in one transaction with its audit event. The decision
is the pure `clinic.core.escalation.escalation_stage_due`, asked again under the alert's row lock,
so a sweep that runs twice, or two workers at once, escalate an alert once.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.escalation import EscalationPolicy, EscalationStage, escalation_stage_due
from clinic.core.models import Clinic
from clinic.core.selectors import clinic_setting_value
from clinic.core.selectors_escalation import escalation_recipients
from clinic.infusions import settings as keys
from clinic.infusions.models import ACTIVE_STATUSES, VitalAlert, VitalAlertStatus

ESCALATED_SUMMARY = "Vital-sign alert ({level}) not acknowledged after {minutes} min: escalated to {who}"


def vital_alert_escalation_policy(*, clinic: Clinic) -> EscalationPolicy:
    """One stage: the physician on duty after the clinic's `vital_alert_escalation_minutes`."""
    return EscalationPolicy(
        physician_after_min=int(clinic_setting_value(clinic, keys.VITAL_ALERT_ESCALATION_MINUTES))
    )


def vital_alert_escalate(
    *, alert: VitalAlert, now: dt.datetime | None = None, policy: EscalationPolicy | None = None
) -> VitalAlert | None:
    """Escalate one alert if it is due now; None when it is not (acknowledged meanwhile, already
    escalated, the session has left the clinic, or its time has not come)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            VitalAlert.objects.select_for_update(of=("self",))
            .select_related("session", "clinic")
            .get(pk=alert.pk)
        )
        if locked.session.status not in ACTIVE_STATUSES:
            return None
        policy = policy or vital_alert_escalation_policy(clinic=locked.clinic)
        stage = escalation_stage_due(
            is_open=locked.status == VitalAlertStatus.OPEN,
            raised_at=locked.created_at,
            stage=locked.escalation_stage,
            escalated_at=locked.escalated_at,
            now=now,
            policy=policy,
        )
        if stage is None:
            return None
        recipients = escalation_recipients(clinic=locked.clinic, now=now, stage=stage)
        before = model_snapshot(locked)
        locked.escalation_stage = stage
        locked.escalated_at = now
        locked.save(update_fields=["escalation_stage", "escalated_at", "updated_at"])
        locked.escalated_to.add(*recipients.users)
        names = ", ".join(user.signature_name for user in recipients.users) or "nobody (no staff to tell)"
        audit_record(
            action=AuditAction.UPDATE,
            actor=None,  # the escalation sweep, not a person
            clinic=locked.clinic,
            obj=locked,
            patient_id=locked.session.patient_id,
            summary=ESCALATED_SUMMARY.format(
                level=locked.get_level_display().lower(),
                minutes=policy.physician_after_min,
                who=f"{recipients.label}: {names}",
            ),
            before=before,
            after=model_snapshot(locked),
            extra={
                "stage": stage,
                "chosen_by": recipients.chosen_by,
                "recipients": [user.pk for user in recipients.users],
            },
        )
    return locked


def vital_alerts_escalate_due(*, now: dt.datetime | None = None) -> int:
    """Escalate every open vital-sign alert of a session still in the clinic whose time has come,
    in every clinic; returns how many were escalated. Each alert is its own transaction."""
    now = now or timezone.now()
    candidates = VitalAlert.objects.filter(
        status=VitalAlertStatus.OPEN,
        escalation_stage=EscalationStage.NONE,
        session__status__in=ACTIVE_STATUSES,
    )
    escalated = 0
    clinic_ids = sorted(set(candidates.values_list("clinic_id", flat=True).order_by()))
    for clinic in Clinic.objects.filter(pk__in=clinic_ids).order_by("pk"):
        policy = vital_alert_escalation_policy(clinic=clinic)
        cutoff = now - dt.timedelta(minutes=policy.physician_after_min)
        due = candidates.filter(clinic=clinic, created_at__lte=cutoff).order_by("created_at", "pk")
        for alert in due.only("pk"):
            if vital_alert_escalate(alert=alert, now=now, policy=policy) is not None:
                escalated += 1
    return escalated

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

from clinic.core.escalation import EscalationPolicy, EscalationStage
from clinic.core.models import Clinic
from clinic.core.selectors import clinic_setting_value
from clinic.core.services_escalation import alert_escalation_write
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
        escalated = alert_escalation_write(
            locked=locked,
            is_open=locked.status == VitalAlertStatus.OPEN,
            patient_id=locked.session.patient_id,
            policy=policy,
            now=now,
            summary=lambda who: ESCALATED_SUMMARY.format(
                level=locked.get_level_display().lower(), minutes=policy.physician_after_min, who=who
            ),
        )
        if not escalated:
            return None
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

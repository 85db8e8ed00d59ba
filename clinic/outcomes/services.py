"""Writes: recording a questionnaire response (and the safety alert it may raise), acknowledging
an alert, escalating alerts nobody acknowledged. Each is one transaction with its audit events."""

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from clinic.accounts.models import Membership
from clinic.accounts.roles import Perm, Role, role_has_perm
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.escalation import EscalationPolicy, EscalationStage
from clinic.core.models import Clinic
from clinic.core.selectors import clinic_setting_value
from clinic.core.services import idempotent
from clinic.core.services_escalation import alert_escalation_write
from clinic.outcomes import settings as outcome_settings
from clinic.outcomes.instruments import RiskLevel, get_instrument
from clinic.outcomes.models import (
    AlertStatus,
    QuestionnaireResponse,
    ResponseContext,
    ResponseSource,
    SafetyAlert,
)
from clinic.outcomes.selectors import safety_thresholds

# Messages shown to users; tests reuse them.
CONTEXT_INVALID = "Choose when the questionnaire was answered."
SOURCE_INVALID = "Unknown source of the answers."
COMPLETED_IN_FUTURE = "The completion time cannot be in the future."
ENTERED_BY_NOT_CLINICIAN = "Only a physician or nurse of this clinic can enter questionnaires."
PATIENT_ONLY_OWN = "Patients can only answer questionnaires for themselves."
ACTION_TAKEN_REQUIRED = "Say what was done (action taken) before acknowledging the alert."
ACK_ROLE_REQUIRED = "Only a physician or nurse of this clinic can acknowledge a safety alert."
ALERT_ALREADY_ACKNOWLEDGED = "This alert was already acknowledged."
ESCALATED_SUMMARY = "Suicide-risk alert ({level}) not acknowledged: escalated to {who}"

ACK_ROLES = frozenset({Role.PHYSICIAN, Role.NURSE})
# Clock skew allowed between a device and the server when a completion time is typed in.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
RESPONSE_SCOPE = "outcomes.questionnaire_response"


class QuestionnaireError(ValueError):
    """A response that cannot be recorded; the message says why. `field` names the form field."""

    def __init__(self, message: str, *, field: str = "__all__"):
        self.field = field
        super().__init__(message)


class SafetyAlertError(ValueError):
    def __init__(self, message: str, *, field: str = "__all__"):
        self.field = field
        super().__init__(message)


def questionnaire_response_record(
    *,
    patient,
    instrument_code: str,
    answers: dict[str, Any],
    context: str,
    entered_by,
    completed_at: dt.datetime | None = None,
    source: str = ResponseSource.STAFF,
    submission_key: str | None = None,
    related: models.Model | tuple[str, str] | None = None,
) -> QuestionnaireResponse:
    """Score and store a response; raise a SafetyAlert in the same transaction when the answers
    signal suicide risk (PHQ-9 item 9, ASQ positive). A repeated `submission_key` returns the
    first response instead of a second one.

    Raises UnknownInstrument, InvalidAnswers (errors keyed by item) or QuestionnaireError.
    """
    instrument = get_instrument(instrument_code)
    if context not in ResponseContext.values:
        raise QuestionnaireError(CONTEXT_INVALID, field="context")
    if source not in ResponseSource.values:
        raise QuestionnaireError(SOURCE_INVALID)
    now = timezone.now()
    completed_at = completed_at or now
    if completed_at > now + FUTURE_TOLERANCE:
        raise QuestionnaireError(COMPLETED_IN_FUTURE, field="completed_at")
    _check_author(patient=patient, entered_by=entered_by, source=source)
    related_type, related_id = _related_ref(related)
    clinic = patient.clinic
    score = instrument.score(answers, thresholds=safety_thresholds(clinic=clinic))
    normalised = instrument.validate(answers)

    def create() -> QuestionnaireResponse:
        response = QuestionnaireResponse.objects.create(
            clinic=clinic,
            patient=patient,
            instrument_code=instrument.code,
            instrument_version=instrument.version,
            answers=normalised,
            total=score.total,
            band=score.band,
            flags=list(score.flags),
            risk_level=score.risk_level,
            completed_at=completed_at,
            context=context,
            source=source,
            entered_by=entered_by,
            related_object_type=related_type,
            related_object_id=related_id,
        )
        audit_record(
            action=AuditAction.CREATE,
            actor=entered_by,
            clinic=clinic,
            obj=response,
            patient_id=patient.pk,
            summary=f"{instrument.short_name} recorded: {score.total} ({score.band_label})",
            after=model_snapshot(response),
        )
        if score.risk_level != RiskLevel.NONE:
            alert = SafetyAlert.objects.create(
                clinic=clinic,
                patient=patient,
                response=response,
                level=score.risk_level,
                reason=score.risk_reason,
            )
            audit_record(
                action=AuditAction.CREATE,
                actor=entered_by,
                clinic=clinic,
                obj=alert,
                patient_id=patient.pk,
                summary=f"Safety alert raised ({alert.get_level_display()})",
                after=model_snapshot(alert),
            )
        return response

    with transaction.atomic():
        response, _ = idempotent(
            scope=RESPONSE_SCOPE,
            key=submission_key,
            clinic=clinic,
            model=QuestionnaireResponse,
            create=create,
        )
    return response


def safety_alert_acknowledge(*, alert: SafetyAlert, acknowledged_by, action_taken: str) -> SafetyAlert:
    """Close an open alert, recording who acknowledged it, when, and what was done."""
    action_taken = (action_taken or "").strip()
    if not action_taken:
        raise SafetyAlertError(ACTION_TAKEN_REQUIRED, field="action_taken")
    is_clinician = Membership.objects.filter(
        user=acknowledged_by, clinic_id=alert.clinic_id, role__in=ACK_ROLES, is_active=True
    ).exists()
    if not is_clinician:
        raise SafetyAlertError(ACK_ROLE_REQUIRED)
    with transaction.atomic():
        locked = SafetyAlert.objects.select_for_update().get(pk=alert.pk)
        if locked.status != AlertStatus.OPEN:
            raise SafetyAlertError(ALERT_ALREADY_ACKNOWLEDGED)
        before = model_snapshot(locked)
        locked.status = AlertStatus.ACKNOWLEDGED
        locked.acknowledged_by = acknowledged_by
        locked.acknowledged_at = timezone.now()
        locked.action_taken = action_taken
        locked._history_user = acknowledged_by  # names the user in django-simple-history
        locked.save()
        audit_record(
            action=AuditAction.UPDATE,
            actor=acknowledged_by,
            clinic=locked.clinic,
            obj=locked,
            patient_id=locked.patient_id,
            summary="Safety alert acknowledged",
            before=before,
            after=model_snapshot(locked),
        )
    return locked


def safety_alert_escalation_policy(*, clinic: Clinic) -> EscalationPolicy:
    """Two stages: the physician on duty, then the administrators (clinic settings, in minutes)."""
    return EscalationPolicy(
        physician_after_min=int(
            clinic_setting_value(clinic, outcome_settings.SAFETY_ALERT_ESCALATION_MINUTES)
        ),
        administrator_after_min=int(
            clinic_setting_value(clinic, outcome_settings.SAFETY_ALERT_ADMIN_ESCALATION_MINUTES)
        ),
    )


def safety_alert_escalate(
    *, alert: SafetyAlert, now: dt.datetime | None = None, policy: EscalationPolicy | None = None
) -> SafetyAlert | None:
    """Move one open alert to its next escalation stage if that is due now (None otherwise: it was
    acknowledged meanwhile, is at its last stage, or its time has not come). One transaction with
    its audit event; the decision is asked again under the row lock, so it happens once."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = SafetyAlert.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=alert.pk)
        policy = policy or safety_alert_escalation_policy(clinic=locked.clinic)
        escalated = alert_escalation_write(
            locked=locked,
            is_open=locked.status == AlertStatus.OPEN,
            patient_id=locked.patient_id,
            policy=policy,
            now=now,
            summary=lambda who: ESCALATED_SUMMARY.format(level=locked.get_level_display().lower(), who=who),
        )
        if not escalated:
            return None
    return locked


def safety_alerts_escalate_due(*, now: dt.datetime | None = None) -> int:
    """Escalate every open suicide-risk alert whose next stage is due, in every clinic; returns how
    many stages were written. Each alert is its own transaction; an alert moves one stage per sweep."""
    now = now or timezone.now()
    candidates = SafetyAlert.objects.filter(
        status=AlertStatus.OPEN, escalation_stage__lt=EscalationStage.ADMINISTRATOR
    )
    escalated = 0
    clinic_ids = sorted(set(candidates.values_list("clinic_id", flat=True).order_by()))
    for clinic in Clinic.objects.filter(pk__in=clinic_ids).order_by("pk"):
        policy = safety_alert_escalation_policy(clinic=clinic)
        first = now - dt.timedelta(minutes=policy.physician_after_min)
        second = now - dt.timedelta(minutes=policy.administrator_after_min or 0)
        due = candidates.filter(clinic=clinic).filter(
            Q(escalation_stage=EscalationStage.NONE, created_at__lte=first)
            | Q(escalation_stage=EscalationStage.PHYSICIAN, escalated_at__lte=second)
            # stage 1 without a time (never written by the sweep) counts from when it was raised
            | Q(escalation_stage=EscalationStage.PHYSICIAN, escalated_at__isnull=True, created_at__lte=second)
        )
        for alert in due.order_by("created_at", "pk").only("pk"):
            if safety_alert_escalate(alert=alert, now=now, policy=policy) is not None:
                escalated += 1
    return escalated


def _check_author(*, patient, entered_by, source: str) -> None:
    if source == ResponseSource.PATIENT:
        if patient.user_id is None or patient.user_id != getattr(entered_by, "pk", None):
            raise QuestionnaireError(PATIENT_ONLY_OWN)
        return
    roles = Membership.objects.filter(
        user=entered_by, clinic_id=patient.clinic_id, is_active=True
    ).values_list("role", flat=True)
    if not any(role_has_perm(role, Perm.PATIENT_CLINICAL_EDIT) for role in roles):
        raise QuestionnaireError(ENTERED_BY_NOT_CLINICIAN)


def _related_ref(related: models.Model | tuple[str, str] | None) -> tuple[str, str]:
    if related is None:
        return "", ""
    if isinstance(related, models.Model):
        return related._meta.label, str(related.pk)
    object_type, object_id = related
    return str(object_type), str(object_id)

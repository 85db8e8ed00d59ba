"""Chair-side charting: vital signs (and the alerts they raise), alert acknowledgement, side effects,
rescue medication and sedation/dissociation ratings.

Every entry is idempotent by its `client_key` (unique per session): a retried or offline-queued
POST with the same key returns the record already stored, never a duplicate. Each call is one
transaction with its audit events.
"""

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.infusions.calculations import (
    RATING_SCALES,
    RESCUE_DOSE_RANGES,
    Phase,
    validate_vital_values,
    vital_alerts,
)
from clinic.infusions.models import (
    ClinicalRating,
    InfusionSession,
    RescueDrug,
    RescueMedication,
    Route,
    SessionStatus,
    Severity,
    SideEffect,
    SideEffectKind,
    VitalAlert,
    VitalAlertStatus,
    VitalPhase,
    VitalSign,
)
from clinic.infusions.selectors import infusion_settings, phase_for_session, reading_of
from clinic.infusions.services._common import (
    lock_session,
    parse_client_key,
    parse_client_time,
    require_clinician,
)

VITALS_CLOSED = "This session is closed: vital signs can no longer be charted."
PHASE_NOT_ALLOWED = {
    Phase.PRE: "Pre-dose vital signs can only be recorded before the infusion starts.",
    Phase.DURING: "During-infusion vital signs can only be recorded while the infusion is running or paused.",
    Phase.RECOVERY: "Recovery vital signs can only be recorded after the infusion has stopped.",
}
PHASE_UNKNOWN = "Unknown phase of the vital signs."
SESSION_CLOSED = "This session is closed: nothing more can be charted."
ALERT_ACTION_REQUIRED = "Say what was done (action taken) before acknowledging the alert."
ALERT_ALREADY_ACKNOWLEDGED = "This alert was already acknowledged."
SIDE_EFFECT_KIND_INVALID = "Choose the side effect."
SEVERITY_INVALID = "Choose how severe it is."
SIDE_EFFECT_OTHER_NOTE = "Describe the side effect (a note is required for 'other')."
DRUG_INVALID = "Choose the drug."
DRUG_NAME_REQUIRED = "Name the drug."
ROUTE_INVALID = "Choose the route."
DOSE_INVALID = "Enter the dose in mg."
DOSE_RANGE = "{drug} dose must be between {low} and {high} mg."
SCALE_INVALID = "Choose the scale."
RATING_RANGE = "{scale}: the value must be a whole number from {low} to {high}."

CLOSED_STATUSES = (SessionStatus.DISCHARGED, SessionStatus.ABANDONED)


def _existing(model, *, session: InfusionSession, client_key: uuid.UUID):
    return model.objects.filter(session=session, client_key=client_key).first()


def _audit_create(obj, *, actor, session: InfusionSession, summary: str) -> None:
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        clinic=session.clinic,
        obj=obj,
        patient_id=session.patient_id,
        summary=summary,
        after=model_snapshot(obj),
    )


def vital_create(
    *,
    session: InfusionSession,
    recorded_by,
    client_key: uuid.UUID,
    values: dict,
    phase: str,
    note: str = "",
    client_time: dt.datetime | None = None,
) -> VitalSign:
    """Store a validated reading with the alerts it raises. Call inside the caller's transaction
    with the session locked; `values` are validate_vital_values' clean values."""
    now = timezone.now()
    vital = VitalSign.objects.create(
        clinic=session.clinic,
        session=session,
        phase=phase,
        taken_at=now,
        sbp=int(values["sbp"]),
        dbp=int(values["dbp"]),
        hr=int(values["hr"]),
        spo2=int(values["spo2"]),
        rr=int(values["rr"]),
        temp_c=values.get("temp_c"),
        client_key=client_key,
        client_time=client_time,
        recorded_by=recorded_by,
        note=(note or "")[:500],
    )
    _audit_create(
        vital,
        actor=recorded_by,
        session=session,
        summary=f"Vital signs ({vital.get_phase_display()}): {vital.sbp}/{vital.dbp} mm Hg",
    )
    baseline = None
    if phase != Phase.PRE:
        baseline = (
            VitalSign.objects.filter(session=session, phase=VitalPhase.PRE)
            .order_by("-taken_at", "-pk")
            .first()
        )
    config = infusion_settings(clinic=session.clinic)
    for spec in vital_alerts(reading_of(vital), reading_of(baseline), config.limits, phase):
        alert = VitalAlert.objects.create(
            clinic=session.clinic,
            session=session,
            vital=vital,
            level=spec.level,
            parameter=spec.parameter,
            message=spec.message[:300],
            suggested_action=spec.suggested_action[:400],
        )
        _audit_create(
            alert,
            actor=recorded_by,
            session=session,
            summary=f"Vital-sign alert raised ({alert.get_level_display()})",
        )
    return vital


def vital_record(
    *,
    session: InfusionSession,
    recorded_by,
    client_key,
    sbp,
    dbp,
    hr,
    spo2,
    rr,
    temp_c=None,
    phase: str | None = None,
    note: str = "",
    client_time=None,
) -> VitalSign:
    """Chart a set of vital signs in the session's current phase, raising alerts past the limits
    in the same transaction. Pre-dose readings only before the start, during-infusion readings only
    while running or paused, recovery readings only after the stop; none once the session is closed.
    Values outside the sane ranges are refused with a message per field and nothing is stored."""
    require_clinician(user=recorded_by, clinic=session.clinic)
    key = parse_client_key(client_key)
    if phase is not None and phase not in Phase.ALL:
        raise ValidationError({"phase": [PHASE_UNKNOWN]})
    with transaction.atomic():
        session = lock_session(session)
        existing = _existing(VitalSign, session=session, client_key=key)
        if existing is not None:
            return existing
        current = phase_for_session(session)
        if current is None:
            raise ValidationError(VITALS_CLOSED, code="closed")
        if phase is not None and phase != current:
            raise ValidationError(PHASE_NOT_ALLOWED[phase], code="phase")
        clean, errors = validate_vital_values(
            {"sbp": sbp, "dbp": dbp, "hr": hr, "spo2": spo2, "rr": rr, "temp_c": temp_c}
        )
        if errors:
            raise ValidationError({name: [message] for name, message in errors.items()})
        return vital_create(
            session=session,
            recorded_by=recorded_by,
            client_key=key,
            values=clean,
            phase=current,
            note=note,
            client_time=parse_client_time(client_time),
        )


def vital_alert_acknowledge(
    *, alert: VitalAlert, acknowledged_by, action_taken: str, client_key=None
) -> VitalAlert:
    """Close an open alert with what was done. A retry with the same `client_key` returns it."""
    require_clinician(user=acknowledged_by, clinic=alert.clinic)
    action_taken = (action_taken or "").strip()
    key = parse_client_key(client_key) if client_key else None
    with transaction.atomic():
        lock_session(alert.session)
        locked = VitalAlert.objects.select_for_update(of=("self",)).select_related("session").get(pk=alert.pk)
        if locked.status != VitalAlertStatus.OPEN:
            if key is not None and locked.acknowledge_client_key == key:
                return locked
            raise ValidationError(ALERT_ALREADY_ACKNOWLEDGED, code="acknowledged")
        if not action_taken:
            raise ValidationError({"action_taken": [ALERT_ACTION_REQUIRED]})
        before = model_snapshot(locked)
        locked.status = VitalAlertStatus.ACKNOWLEDGED
        locked.acknowledged_by = acknowledged_by
        locked.acknowledged_at = timezone.now()
        locked.action_taken = action_taken[:500]
        locked.acknowledge_client_key = key
        locked.save(
            update_fields=[
                "status",
                "acknowledged_by",
                "acknowledged_at",
                "action_taken",
                "acknowledge_client_key",
                "updated_at",
            ]
        )
        audit_record(
            action=AuditAction.UPDATE,
            actor=acknowledged_by,
            clinic=locked.clinic,
            obj=locked,
            patient_id=locked.session.patient_id,
            summary="Vital-sign alert acknowledged",
            before=before,
            after=model_snapshot(locked),
        )
    return locked


def _ensure_open(session: InfusionSession) -> None:
    if session.status in CLOSED_STATUSES:
        raise ValidationError(SESSION_CLOSED, code="closed")


def side_effect_record(
    *,
    session: InfusionSession,
    recorded_by,
    kind: str,
    severity: str,
    client_key,
    note: str = "",
    client_time=None,
) -> SideEffect:
    """Chart a side effect (domain.md §3.3); 'other' needs a note."""
    require_clinician(user=recorded_by, clinic=session.clinic)
    key = parse_client_key(client_key)
    note = (note or "").strip()
    with transaction.atomic():
        session = lock_session(session)
        existing = _existing(SideEffect, session=session, client_key=key)
        if existing is not None:
            return existing
        _ensure_open(session)
        errors = {}
        if kind not in SideEffectKind.values:
            errors["kind"] = [SIDE_EFFECT_KIND_INVALID]
        elif kind == SideEffectKind.OTHER and not note:
            errors["note"] = [SIDE_EFFECT_OTHER_NOTE]
        if severity not in Severity.values:
            errors["severity"] = [SEVERITY_INVALID]
        if errors:
            raise ValidationError(errors)
        effect = SideEffect.objects.create(
            clinic=session.clinic,
            session=session,
            kind=kind,
            severity=severity,
            occurred_at=timezone.now(),
            note=note[:500],
            client_key=key,
            client_time=parse_client_time(client_time),
            recorded_by=recorded_by,
        )
        _audit_create(
            effect,
            actor=recorded_by,
            session=session,
            summary=f"Side effect: {effect.get_kind_display()} ({effect.get_severity_display()})",
        )
    return effect


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def rescue_medication_record(
    *,
    session: InfusionSession,
    given_by,
    drug: str,
    dose,
    route: str,
    client_key,
    drug_name: str = "",
    note: str = "",
    client_time=None,
) -> RescueMedication:
    """Chart a rescue drug given, in mg; the dose must be inside the drug's sanity range."""
    require_clinician(user=given_by, clinic=session.clinic)
    key = parse_client_key(client_key)
    drug_name = (drug_name or "").strip()
    with transaction.atomic():
        session = lock_session(session)
        existing = _existing(RescueMedication, session=session, client_key=key)
        if existing is not None:
            return existing
        _ensure_open(session)
        errors = {}
        amount = _decimal(dose)
        if drug not in RescueDrug.values:
            errors["drug"] = [DRUG_INVALID]
        else:
            if drug == RescueDrug.OTHER and not drug_name:
                errors["drug_name"] = [DRUG_NAME_REQUIRED]
            limits = RESCUE_DOSE_RANGES[drug]
            label = drug_name or RescueDrug(drug).label
            if amount is None:
                errors["dose"] = [DOSE_INVALID]
            elif not limits.low <= amount <= limits.high:
                errors["dose"] = [DOSE_RANGE.format(drug=label, low=limits.low, high=limits.high)]
        if route not in Route.values:
            errors["route"] = [ROUTE_INVALID]
        if errors:
            raise ValidationError(errors)
        med = RescueMedication.objects.create(
            clinic=session.clinic,
            session=session,
            drug=drug,
            drug_name=drug_name[:80] if drug == RescueDrug.OTHER else "",
            dose=amount,
            unit="mg",
            route=route,
            given_at=timezone.now(),
            note=(note or "").strip()[:500],
            client_key=key,
            client_time=parse_client_time(client_time),
            recorded_by=given_by,
        )
        _audit_create(med, actor=given_by, session=session, summary=f"Rescue medication: {med}")
    return med


def rating_record(
    *,
    session: InfusionSession,
    recorded_by,
    scale: str,
    value,
    client_key,
    note: str = "",
    client_time=None,
) -> ClinicalRating:
    """Chart a sedation (MOAA/S 0–5) or dissociation (CADSS-6 total 0–24) rating."""
    require_clinician(user=recorded_by, clinic=session.clinic)
    key = parse_client_key(client_key)
    with transaction.atomic():
        session = lock_session(session)
        existing = _existing(ClinicalRating, session=session, client_key=key)
        if existing is not None:
            return existing
        _ensure_open(session)
        definition = RATING_SCALES.get(scale)
        if definition is None:
            raise ValidationError({"scale": [SCALE_INVALID]})
        number = _decimal(value)
        if (
            number is None
            or number != number.to_integral_value()
            or not definition.low <= number <= definition.high
        ):
            raise ValidationError(
                {
                    "value": [
                        RATING_RANGE.format(scale=definition.label, low=definition.low, high=definition.high)
                    ]
                }
            )
        rating = ClinicalRating.objects.create(
            clinic=session.clinic,
            session=session,
            scale=scale,
            value=int(number),
            taken_at=timezone.now(),
            note=(note or "").strip()[:500],
            client_key=key,
            client_time=parse_client_time(client_time),
            recorded_by=recorded_by,
        )
        _audit_create(rating, actor=recorded_by, session=session, summary=f"Rating: {rating}")
    return rating

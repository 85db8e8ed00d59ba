"""Discharge: the score, the adult driver and the patient's acknowledgement, refused while any
criterion fails.

The acknowledgement: patients have no password on the clinic's tablet, so the patient types their
full name (it must match the chart, case-insensitively) and ticks every instruction, and the
discharging nurse signs the record with their own password as witness (ElectronicSignature,
meaning "acknowledgement"). See docs/infusion-day.md.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit.services import model_snapshot
from clinic.core.models import SignatureMeaning
from clinic.core.phones import clinic_phone_display, clinic_phone_parse
from clinic.core.signatures import SignatureError, signature_apply
from clinic.infusions.calculations import (
    SCORE_SYSTEMS,
    Criterion,
    DischargeForm,
    Phase,
    RecoveryFacts,
    ScoreError,
    discharge_criteria,
    score_items,
    typed_name_matches,
    vital_alerts,
)
from clinic.infusions.models import (
    InfusionSession,
    SessionStatus,
    VitalAlert,
    VitalAlertStatus,
    VitalPhase,
    VitalSign,
)
from clinic.infusions.selectors import infusion_settings, open_high_safety_alert_count, reading_of
from clinic.infusions.services._common import (
    appointment_set_status,
    audit_session,
    lock_session,
    require_clinician,
)
from clinic.scheduling.models import AppointmentStatus

NOT_IN_RECOVERY = "The patient is not in recovery; only a patient in recovery can be discharged."
ALREADY_DISCHARGED = "The patient has already been discharged."
DRIVER_NAME_REQUIRED = "Enter the adult driver's name."
DRIVER_PHONE_REQUIRED = "Enter the adult driver's phone number."
TYPED_NAME_MISMATCH = (
    "Acknowledgement: the name typed by the patient does not match the chart (first and last name)."
)
INSTRUCTIONS_MISSING = "Acknowledgement: the patient must tick every instruction."
DISCHARGE_REFUSED = "The patient cannot be discharged yet:"

INSTRUCTION_CODES = ("no_driving", "escort_home", "what_to_expect", "whom_to_call")


def discharge_instructions(*, session: InfusionSession, no_driving_hours: int) -> list[tuple[str, str]]:
    """The instructions the patient acknowledges, as (code, text)."""
    clinic = session.clinic
    phone = clinic_phone_display(clinic.phone, clinic=clinic) or "the clinic"
    return [
        (
            "no_driving",
            f"I will not drive, cycle or operate machinery for {no_driving_hours} hours, and "
            "not before the next day after a restful sleep.",
        ),
        ("escort_home", "A responsible adult is taking me home and I will not leave alone."),
        (
            "what_to_expect",
            "I may feel dizzy, drowsy, sick or 'not myself' for a few hours; this "
            "usually passes the same day. I will rest and avoid alcohol and sedatives today.",
        ),
        (
            "whom_to_call",
            f"If I feel unwell I will call the clinic ({phone}). In a crisis I will call or "
            "text 988 (Suicide & Crisis Lifeline); in an emergency I will call 911.",
        ),
    ]


def _detailed(criterion: Criterion, *, name_ok: bool) -> Criterion:
    """Say which part of the acknowledgement is missing."""
    if criterion.code != "acknowledgement":
        return criterion
    return Criterion(criterion.code, TYPED_NAME_MISMATCH if not name_ok else INSTRUCTIONS_MISSING)


class DischargeRefused(ValidationError):
    """Discharge refused; `criteria` lists every failing criterion (code, message)."""

    def __init__(self, criteria):
        self.criteria = criteria
        super().__init__([ValidationError(c.message, code=c.code) for c in criteria])


def session_discharge(
    *,
    session: InfusionSession,
    discharged_by,
    score_items_given: dict,
    driver_name: str,
    driver_phone: str,
    patient_typed_name: str,
    instructions_acknowledged,
    password: str,
) -> InfusionSession:
    """Discharge a patient in recovery. Refused, listing every failing criterion, while the minimum
    observation is not over, the latest recovery vitals are outside the limits or overdue (older
    than the recovery cadence plus the grace, as the live panel shows), an alert is open,
    the score is below the minimum, the driver or the acknowledgement is missing. The discharging
    nurse signs the patient's acknowledgement as witness (password re-asked)."""
    require_clinician(user=discharged_by, clinic=session.clinic)
    config = infusion_settings(clinic=session.clinic)
    system = SCORE_SYSTEMS[config.discharge_score_system]
    errors: dict[str, list[str]] = {}
    items: dict[str, int] = {}
    total = None
    try:
        items, total = score_items(system, score_items_given or {})
    except ScoreError as exc:
        errors.update({f"score_{key}": [message] for key, message in exc.errors.items()})
    driver_name = (driver_name or "").strip()
    if not driver_name:
        errors["driver_name"] = [DRIVER_NAME_REQUIRED]
    phone = ""
    if not (driver_phone or "").strip():
        errors["driver_phone"] = [DRIVER_PHONE_REQUIRED]
    else:
        try:
            phone = clinic_phone_parse(driver_phone, clinic=session.clinic)
        except ValidationError as exc:
            errors["driver_phone"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    ticked = {str(code) for code in (instructions_acknowledged or ())}
    name_ok = typed_name_matches(
        typed=patient_typed_name or "",
        given_name=session.patient.given_name,
        family_name=session.patient.family_name,
    )
    acknowledged = name_ok and set(INSTRUCTION_CODES) <= ticked

    with transaction.atomic():
        session = lock_session(session)
        if session.status == SessionStatus.DISCHARGED:
            raise ValidationError(ALREADY_DISCHARGED, code="already")
        if session.status not in (SessionStatus.STOPPED, SessionStatus.RECOVERING):
            raise ValidationError(NOT_IN_RECOVERY, code="transition")
        now = timezone.now()
        latest = (
            VitalSign.objects.filter(session=session, phase=VitalPhase.RECOVERY)
            .order_by("-taken_at", "-pk")
            .first()
        )
        baseline = (
            VitalSign.objects.filter(session=session, phase=VitalPhase.PRE)
            .order_by("-taken_at", "-pk")
            .first()
        )
        facts = RecoveryFacts(
            now=now,
            recovery_started_at=session.recovery_started_at,
            recovery_min_minutes=config.recovery_min_minutes,
            latest_recovery_alerts=(
                None
                if latest is None
                else vital_alerts(reading_of(latest), reading_of(baseline), config.limits, Phase.RECOVERY)
            ),
            latest_recovery_taken_at=latest.taken_at if latest else None,
            recovery_vitals_interval_min=config.intervals_for(session.order.course.protocol)[1],
            vitals_due_grace_min=config.vitals_due_grace_min,
            open_vital_alerts=VitalAlert.objects.filter(
                session=session, status=VitalAlertStatus.OPEN
            ).count(),
            open_high_safety_alerts=open_high_safety_alert_count(patient=session.patient),
        )
        failing = discharge_criteria(
            facts,
            DischargeForm(
                score_total=total,
                min_score=config.discharge_min_score,
                driver_name=driver_name,
                driver_phone=phone,
                acknowledged=acknowledged,
            ),
        )
        if failing:
            raise DischargeRefused([_detailed(c, name_ok=name_ok) for c in failing])
        before = model_snapshot(session)
        session.discharge_score_system = system.code
        session.discharge_score_variant = system.variant
        session.discharge_score_items = items
        session.discharge_score_total = total
        session.driver_name = driver_name[:120]
        session.driver_phone = phone
        session.patient_typed_name = (patient_typed_name or "").strip()[:200]
        session.instructions_acknowledged = sorted(ticked & set(INSTRUCTION_CODES))
        session.no_driving_hours = config.no_driving_hours
        try:
            signature = signature_apply(
                signer=discharged_by,
                password=password,
                meaning=SignatureMeaning.ACKNOWLEDGEMENT,
                obj=session,
                clinic=session.clinic,
                snapshot=model_snapshot(session, exclude=("status", "acknowledgement_signature")),
                patient_id=session.patient_id,
                statement=(
                    f"Patient acknowledged the discharge instructions (typed name "
                    f"'{session.patient_typed_name}'); witnessed by the discharging nurse. "
                    f"Driver: {session.driver_name}."
                )[:300],
            )
        except SignatureError as exc:
            raise ValidationError({"password": [str(exc)]}) from exc
        session.acknowledgement_signature = signature
        session.status = SessionStatus.DISCHARGED
        session.discharged_at = now
        session.discharged_by = discharged_by
        session.save()
        audit_session(
            session,
            actor=discharged_by,
            before=before,
            summary=f"Discharged ({system.name} {total}/{system.maximum})",
        )
        appointment_set_status(session.appointment, AppointmentStatus.COMPLETED, actor=discharged_by)
    return session

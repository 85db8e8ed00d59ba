"""The readiness gate (one versioned check per run) and the physician's signed overrides."""

import datetime as dt
import uuid
from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.display import display_quantity
from clinic.core.models import SignatureMeaning
from clinic.core.phones import clinic_phone_parse
from clinic.core.services import idempotent
from clinic.core.signatures import SignatureError, signature_apply
from clinic.core.validators import age_on, format_phone
from clinic.infusions.calculations import (
    GateItemResult,
    GateStatus,
    Phase,
    Reading,
    failed_items_changed,
    fasting_problems,
    gate_answer_changes,
    pre_dose_vitals_status,
    pregnancy_check_applies,
    validate_vital_values,
)
from clinic.infusions.models import (
    NON_OVERRIDABLE_ITEMS,
    PRE_START_STATUSES,
    GateItem,
    GateOverride,
    InfusionSession,
    ReadinessCheck,
    SessionStatus,
)
from clinic.infusions.selectors import (
    HIGH_SAFETY_LEVELS,
    infusion_settings,
    questionnaire_code_for,
)
from clinic.infusions.services._common import (
    audit_session,
    lock_session,
    parse_client_key,
    require_clinician,
    require_physician,
)
from clinic.infusions.services.charting import vital_create
from clinic.infusions.services.check_in import ORDER_OTHER_PATIENT
from clinic.infusions.services.pump import ORDER_NO_LONGER_VERIFIED
from clinic.outcomes.selectors import latest_response, open_safety_alerts
from clinic.scheduling.selectors import clinic_day_bounds
from clinic.treatment.models import OrderStatus

# Gate.
GATE_NOT_PRE_START = "The readiness gate can only be completed before the infusion starts."
DOB_REQUIRED = "Enter the patient's date of birth as they say it."
FASTING_TIME_REQUIRED = "Enter the time of the last {what}."
FASTING_TIME_FUTURE = "The time of the last {what} cannot be in the future."
PREGNANCY_INVALID = "Choose the pregnancy status."
PREGNANCY_REQUIRED = "Ask the patient today and choose their answer."
# A re-check that changes the answer of an item that failed last time (e.g. "last solids 08:30"
# becoming 00:20) must be confirmed by the nurse: a stale pre-filled answer must not pass by accident.
ANSWER_CHANGED_UNCONFIRMED = (
    "{item} failed at the last check and its answer changed ({changes}). Confirm the new answer "
    "with the patient, then tick the box."
)
OVERRIDE_REASON_REQUIRED = "Give the reason for the override."
OVERRIDE_NO_CHECK = "Complete the readiness check before overriding an item."
OVERRIDE_ITEM_NOT_FAILING = "That item did not fail in the latest readiness check."
OVERRIDE_NOT_ALLOWED = "{item} cannot be overridden."
OVERRIDE_ALREADY = "That item is already overridden."

CHECK_SCOPE = "infusions.readiness_check"
PREGNANCY_ANSWERS = {
    "not_pregnant": "Not pregnant",
    "pregnant": "Pregnant",
    "unsure": "Not sure",
}
# The answers in words, for the messages and the page.
ANSWER_LABELS = {
    "identity_date_of_birth": "date of birth",
    "last_solids_at": "last solid food",
    "last_clear_liquids_at": "last clear liquid",
    "escort_name": "escort's name",
    "escort_phone": "escort's phone",
    "medication_changes": "medication changes",
    "pregnancy_status": "pregnancy status",
}
# The form's tick that confirms a changed answer of a failed item.
CONFIRM_FIELD = "confirm_{item}"


def gate_answer_text(field_name: str, value, *, tz) -> str:
    """One stored answer as the nurse reads it: clock times in the clinic's zone, labels, phones."""
    if value in (None, ""):
        return "empty"
    if field_name in ("last_solids_at", "last_clear_liquids_at"):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        return moment.astimezone(tz).strftime("%H:%M")
    if field_name == "pregnancy_status":
        return PREGNANCY_ANSWERS.get(value, str(value))
    if field_name == "escort_phone":
        return format_phone(str(value))
    return str(value)


def _changes_text(fields: dict[str, tuple], *, tz) -> str:
    return "; ".join(
        f"{ANSWER_LABELS.get(name, name)} {gate_answer_text(name, old, tz=tz)} → "
        f"{gate_answer_text(name, new, tz=tz)}"
        for name, (old, new) in fields.items()
    )


def _pregnancy_applies(session: InfusionSession, *, now: dt.datetime, config) -> bool:
    patient = session.patient
    return pregnancy_check_applies(
        sex_at_birth=patient.sex_at_birth,
        age_years=age_on(patient.date_of_birth, now.astimezone(session.clinic.tzinfo).date()),
        required=config.pregnancy_check_required,
    )


# --- The readiness gate -----------------------------------------------------------------------


def _gate_items(
    *,
    session: InfusionSession,
    now: dt.datetime,
    identity_name_confirmed: bool,
    identity_date_of_birth,
    last_solids_at,
    last_clear_liquids_at,
    escort_name: str,
    escort_phone: str,
    escort_confirmed: bool,
    medications_reviewed: bool,
    medication_changes: str,
    pregnancy_status: str,
    reading: Reading,
    config,
    answers: dict[str, dict],
) -> dict[str, GateItemResult]:
    patient = session.patient
    order = session.order
    clinic = session.clinic
    items: dict[str, GateItemResult] = {}

    # Identity: two identifiers (the name confirmed with the patient, the date of birth they say).
    dob_ok = identity_date_of_birth == patient.date_of_birth
    if identity_name_confirmed and dob_ok:
        items[GateItem.IDENTITY] = GateItemResult(
            GateStatus.PASS, "name and date of birth", "Two identifiers match."
        )
    else:
        problems = []
        if not identity_name_confirmed:
            problems.append("Name not confirmed with the patient.")
        if not dob_ok:
            problems.append("The date of birth given does not match the chart.")
        items[GateItem.IDENTITY] = GateItemResult(GateStatus.FAIL, None, " ".join(problems))

    # The order: double-checked and for this patient.
    if order.status == OrderStatus.VERIFIED and order.patient_id == patient.pk:
        items[GateItem.ORDER] = GateItemResult(
            GateStatus.PASS,
            order.pk,
            f"Order {order.sequence}: {display_quantity(order.dose_mg, 'mg')} "
            f"at {display_quantity(order.rate_ml_h, 'ml_per_h')}."
            + (
                f" Not the next in sequence: {session.order_choice_reason}"
                if session.order_choice_reason
                else ""
            ),
        )
    else:
        items[GateItem.ORDER] = GateItemResult(
            GateStatus.FAIL,
            order.pk,
            ORDER_NO_LONGER_VERIFIED.format(status=order.get_status_display())
            if order.patient_id == patient.pk
            else ORDER_OTHER_PATIENT,
        )

    # Fasting (domain.md §3.4).
    problems = fasting_problems(
        now=now,
        last_solids_at=last_solids_at,
        last_clear_liquids_at=last_clear_liquids_at,
        solids_hours=config.fasting_solids_hours,
        clear_liquids_hours=config.fasting_clear_liquids_hours,
    )
    fasting_value = {
        "last_solids_at": last_solids_at.isoformat() if last_solids_at else None,
        "last_clear_liquids_at": last_clear_liquids_at.isoformat() if last_clear_liquids_at else None,
    }
    items[GateItem.FASTING] = GateItemResult(
        GateStatus.FAIL if problems else GateStatus.PASS,
        fasting_value,
        " ".join(problems)
        or (
            f"At least {config.fasting_solids_hours} h without solids and "
            f"{config.fasting_clear_liquids_hours} h without clear liquids."
        ),
    )

    # Escort (domain.md §3.4, §4.3).
    if escort_name and escort_phone and escort_confirmed:
        items[GateItem.ESCORT] = GateItemResult(
            GateStatus.PASS, {"name": escort_name, "phone": escort_phone}, "Adult escort confirmed."
        )
    else:
        items[GateItem.ESCORT] = GateItemResult(
            GateStatus.FAIL,
            {"name": escort_name, "phone": escort_phone},
            "No adult escort confirmed (name, phone and confirmation needed); reschedule if none.",
        )

    # Medication changes since the last visit.
    items[GateItem.MEDICATIONS] = GateItemResult(
        GateStatus.PASS if medications_reviewed else GateStatus.FAIL,
        medication_changes or "",
        ("Reviewed. " + (medication_changes or "No changes."))
        if medications_reviewed
        else "Medication changes not reviewed.",
    )

    # Pregnancy status (female at birth, age 12–55).
    age = age_on(patient.date_of_birth, now.astimezone(clinic.tzinfo).date())
    if not pregnancy_check_applies(
        sex_at_birth=patient.sex_at_birth, age_years=age, required=config.pregnancy_check_required
    ):
        items[GateItem.PREGNANCY] = GateItemResult(GateStatus.NA, None, "Not applicable.")
    elif pregnancy_status == "not_pregnant":
        items[GateItem.PREGNANCY] = GateItemResult(GateStatus.PASS, pregnancy_status, "Not pregnant.")
    else:
        label = PREGNANCY_ANSWERS.get(pregnancy_status, "Not known")
        items[GateItem.PREGNANCY] = GateItemResult(
            GateStatus.FAIL,
            pregnancy_status or None,
            # domain.md §2.2 [Cohen2018]
            f"{label}: pregnancy is a relative contraindication (ASRA/AAPM/ASA 2018 pain consensus); "
            "physician decision.",
        )

    # Today's questionnaire and the suicide-risk screen (since the clinic's local midnight).
    midnight, _ = clinic_day_bounds(clinic, now.astimezone(clinic.tzinfo).date())
    code = questionnaire_code_for(order)
    name = "PHQ-9" if code == "phq9" else "pain score (0–10)"
    response = latest_response(patient=patient, instrument_code=code, since=midnight)
    if response is None:
        items[GateItem.QUESTIONNAIRE] = GateItemResult(GateStatus.FAIL, None, f"No {name} recorded today.")
    else:
        items[GateItem.QUESTIONNAIRE] = GateItemResult(
            GateStatus.PASS,
            {"response_id": response.pk, "total": response.total},
            f"{name} today: {response.total} ({response.band}).",
            {"instrument": code},
        )
    asq = latest_response(patient=patient, instrument_code="asq", since=midnight)
    blocking = list(open_safety_alerts(patient=patient).filter(level__in=HIGH_SAFETY_LEVELS))
    if asq is None:
        items[GateItem.SUICIDE_SCREEN] = GateItemResult(
            GateStatus.FAIL, None, "No ASQ screen recorded today."
        )
    elif blocking:
        levels = ", ".join(sorted({a.get_level_display().lower() for a in blocking}))
        items[GateItem.SUICIDE_SCREEN] = GateItemResult(
            GateStatus.FAIL,
            {"response_id": asq.pk, "open_alerts": [a.pk for a in blocking]},
            f"Open {levels} suicide-risk alert: a clinician must evaluate and acknowledge it; the "
            "prescriber is paged.",  # domain.md §5.2
        )
    else:
        items[GateItem.SUICIDE_SCREEN] = GateItemResult(
            GateStatus.PASS,
            {"response_id": asq.pk},
            f"ASQ today: {asq.band.replace('_', ' ')}; no open high-risk alert.",
        )

    # Pre-dose vital signs.
    status, note = pre_dose_vitals_status(reading, config.limits)
    items[GateItem.PRE_DOSE_VITALS] = GateItemResult(
        status,
        {"sbp": reading.sbp, "dbp": reading.dbp, "hr": reading.hr, "spo2": reading.spo2, "rr": reading.rr},
        note,
    )
    # What the nurse entered for each item, so a re-check starts from it and changes are seen.
    for item, given in answers.items():
        items[item].extra["answers"] = given
    return items


def readiness_check_complete(
    *,
    session: InfusionSession,
    completed_by,
    identity_name_confirmed: bool,
    identity_date_of_birth: dt.date | None,
    last_solids_at: dt.datetime | None,
    last_clear_liquids_at: dt.datetime | None,
    escort_name: str = "",
    escort_phone: str = "",
    escort_confirmed: bool = False,
    medications_reviewed: bool = False,
    medication_changes: str = "",
    pregnancy_status: str = "",
    sbp=None,
    dbp=None,
    hr=None,
    spo2=None,
    rr=None,
    temp_c=None,
    changes_confirmed: Collection[str] = (),
    submission_key=None,
) -> ReadinessCheck:
    """Run the readiness gate: record the pre-dose vitals (phase "pre", with their alerts) and
    evaluate every item. Passing (no failing item) makes the session ready to start; a failing
    re-check takes readiness back. Missing or impossible inputs are refused per field, nothing
    saved; the pregnancy status is required where it is asked. On a re-check, an answer changed
    on an item that failed last time is refused unless the item is in `changes_confirmed` (the
    nurse confirmed the new answer with the patient); the audit event keeps old and new answers.
    A repeat with the same `submission_key` returns the first check."""
    require_clinician(user=completed_by, clinic=session.clinic)
    now = timezone.now()
    tz = session.clinic.tzinfo
    errors: dict[str, list[str]] = {}
    if identity_date_of_birth is None:
        errors["identity_date_of_birth"] = [DOB_REQUIRED]
    for field_name, moment, what in (
        ("last_solids_at", last_solids_at, "solid food"),
        ("last_clear_liquids_at", last_clear_liquids_at, "clear liquid"),
    ):
        if moment is None:
            errors[field_name] = [FASTING_TIME_REQUIRED.format(what=what)]
        elif moment > now + dt.timedelta(minutes=5):
            errors[field_name] = [FASTING_TIME_FUTURE.format(what=what)]
    escort_name = (escort_name or "").strip()
    try:
        escort_phone = clinic_phone_parse(escort_phone, clinic=session.clinic)
    except ValidationError as exc:
        errors["escort_phone"] = list(exc.messages)
    if pregnancy_status and pregnancy_status not in PREGNANCY_ANSWERS:
        errors["pregnancy_status"] = [PREGNANCY_INVALID]
    elif not pregnancy_status and _pregnancy_applies(
        session, now=now, config=infusion_settings(clinic=session.clinic)
    ):
        errors["pregnancy_status"] = [PREGNANCY_REQUIRED]
    clean, vital_errors = validate_vital_values(
        {"sbp": sbp, "dbp": dbp, "hr": hr, "spo2": spo2, "rr": rr, "temp_c": temp_c}
    )
    errors.update({name: [message] for name, message in vital_errors.items()})
    if errors:
        raise ValidationError(errors)
    reading = Reading(
        sbp=int(clean["sbp"]),
        dbp=int(clean["dbp"]),
        hr=int(clean["hr"]),
        spo2=int(clean["spo2"]),
        rr=int(clean["rr"]),
        temp_c=clean.get("temp_c"),
    )
    medication_changes = (medication_changes or "").strip()[:1000]
    answers = {
        "identity": {
            "identity_name_confirmed": bool(identity_name_confirmed),
            "identity_date_of_birth": identity_date_of_birth.isoformat(),
        },
        "fasting": {
            "last_solids_at": last_solids_at.isoformat(),
            "last_clear_liquids_at": last_clear_liquids_at.isoformat(),
        },
        "escort": {
            "escort_name": escort_name,
            "escort_phone": escort_phone,
            "escort_confirmed": bool(escort_confirmed),
        },
        "medications": {
            "medications_reviewed": bool(medications_reviewed),
            "medication_changes": medication_changes,
        },
        "pregnancy": {"pregnancy_status": pregnancy_status or ""},
    }
    confirmed = set(changes_confirmed or ())
    # The pre-dose reading's client key follows from the submission key, so a repeat finds it.
    vitals_key = (
        uuid.uuid5(parse_client_key(submission_key), "pre-dose-vitals") if submission_key else uuid.uuid4()
    )

    with transaction.atomic():

        def create() -> ReadinessCheck:
            locked = lock_session(session)
            if locked.status not in PRE_START_STATUSES:
                raise ValidationError(GATE_NOT_PRE_START, code="transition")
            config = infusion_settings(clinic=locked.clinic)
            previous = locked.readiness_checks.order_by("-version").first()
            changes, changed_failed = {}, {}
            if previous is not None:
                changes = gate_answer_changes(previous_items=previous.items, answers=answers)
                changed_failed = failed_items_changed(previous_items=previous.items, answers=answers)
                unconfirmed = {
                    CONFIRM_FIELD.format(item=item): [
                        ANSWER_CHANGED_UNCONFIRMED.format(
                            item=GateItem(item).label, changes=_changes_text(fields, tz=tz)
                        )
                    ]
                    for item, fields in changed_failed.items()
                    if item not in confirmed
                }
                if unconfirmed:
                    raise ValidationError(unconfirmed)
            vital = vital_create(
                session=locked,
                recorded_by=completed_by,
                client_key=vitals_key,
                values=clean,
                phase=Phase.PRE,
                note="Readiness check",
            )
            items = _gate_items(
                session=locked,
                now=now,
                identity_name_confirmed=identity_name_confirmed,
                identity_date_of_birth=identity_date_of_birth,
                last_solids_at=last_solids_at,
                last_clear_liquids_at=last_clear_liquids_at,
                escort_name=escort_name,
                escort_phone=escort_phone,
                escort_confirmed=escort_confirmed,
                medications_reviewed=medications_reviewed,
                medication_changes=medication_changes,
                pregnancy_status=pregnancy_status,
                reading=reading,
                config=config,
                answers=answers,
            )
            items[GateItem.PRE_DOSE_VITALS].extra["vital_id"] = vital.pk
            passed = all(item.status != GateStatus.FAIL for item in items.values())
            version = (
                locked.readiness_checks.order_by("-version").values_list("version", flat=True).first() or 0
            ) + 1
            check = ReadinessCheck.objects.create(
                clinic=locked.clinic,
                session=locked,
                version=version,
                items={key: item.as_json() for key, item in items.items()},
                passed=passed,
                completed_by=completed_by,
                completed_at=now,
            )
            audit_record(
                action=AuditAction.CREATE,
                actor=completed_by,
                clinic=locked.clinic,
                obj=check,
                patient_id=locked.patient_id,
                summary=f"Readiness check v{version} {'passed' if passed else 'failed'}",
                after=model_snapshot(check),
                extra={
                    # Old and new answers against the previous check; those of failed items were
                    # confirmed with the patient by the nurse.
                    "answer_changes": {
                        item: {name: {"old": old, "new": new} for name, (old, new) in fields.items()}
                        for item, fields in changes.items()
                    },
                    "failed_items_changed": sorted(changed_failed),
                    "changes_confirmed": sorted(set(changed_failed) & confirmed),
                }
                if previous is not None
                else None,
            )
            before = model_snapshot(locked)
            if passed:
                locked.status = SessionStatus.READY
                locked.gate_passed_at = now
            else:
                locked.status = SessionStatus.CHECKED_IN
                locked.gate_passed_at = None
            if before["status"] != locked.status or before["gate_passed_at"] != locked.gate_passed_at:
                locked.save(update_fields=["status", "gate_passed_at", "updated_at"])
                audit_session(
                    locked,
                    actor=completed_by,
                    before=before,
                    summary="Ready to start" if passed else "Readiness gate failed",
                )
            return check

        check, _ = idempotent(
            scope=CHECK_SCOPE, key=submission_key, clinic=session.clinic, model=ReadinessCheck, create=create
        )
    return check


def gate_override(
    *, session: InfusionSession, item: str, overridden_by, reason: str, password: str
) -> GateOverride:
    """A physician overrides one failing item of the latest readiness check, with a reason and
    their password (signature, meaning "approval"; audit event OVERRIDE). When every failing item
    is overridden the session is ready to start. Identity, the order and the suicide-risk screen
    cannot be overridden."""
    require_physician(user=overridden_by, clinic=session.clinic)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [OVERRIDE_REASON_REQUIRED]})
    if item in NON_OVERRIDABLE_ITEMS:
        raise ValidationError(OVERRIDE_NOT_ALLOWED.format(item=GateItem(item).label), code="not_overridable")
    with transaction.atomic():
        locked = lock_session(session)
        if locked.status not in PRE_START_STATUSES:
            raise ValidationError(GATE_NOT_PRE_START, code="transition")
        check = locked.readiness_checks.order_by("-version").first()
        if check is None:
            raise ValidationError(OVERRIDE_NO_CHECK, code="no_check")
        if item not in check.failing_items:
            raise ValidationError(OVERRIDE_ITEM_NOT_FAILING, code="not_failing")
        if check.overrides.filter(item=item).exists():
            raise ValidationError(OVERRIDE_ALREADY, code="already")
        override = GateOverride.objects.create(
            clinic=locked.clinic,
            session=locked,
            readiness_check=check,
            item=item,
            overridden_by=overridden_by,
            reason=reason[:500],
            signature=None,
        )
        try:
            signature = signature_apply(
                signer=overridden_by,
                password=password,
                meaning=SignatureMeaning.APPROVAL,
                obj=override,
                clinic=locked.clinic,
                snapshot={
                    **model_snapshot(override, exclude=("signature",)),
                    "item_result": check.items[item],
                },
                patient_id=locked.patient_id,
                statement=f"Readiness gate override ({GateItem(item).label}): {reason}"[:300],
            )
        except SignatureError as exc:
            raise ValidationError({"password": [str(exc)]}) from exc
        override.signature = signature
        override.save(update_fields=["signature", "updated_at"])
        audit_record(
            action=AuditAction.OVERRIDE,
            actor=overridden_by,
            clinic=locked.clinic,
            obj=override,
            patient_id=locked.patient_id,
            summary=f"Readiness gate overridden: {GateItem(item).label}",
            after=model_snapshot(override),
            extra={"reason": override.reason, "item": item, "item_result": check.items[item]},
        )
        overridden = set(check.overrides.values_list("item", flat=True))
        if set(check.failing_items) <= overridden and locked.status != SessionStatus.READY:
            before = model_snapshot(locked)
            locked.status = SessionStatus.READY
            locked.gate_passed_at = timezone.now()
            locked.save(update_fields=["status", "gate_passed_at", "updated_at"])
            audit_session(
                locked,
                actor=overridden_by,
                before=before,
                summary="Ready to start (failing items overridden)",
            )
    return override

"""Writes for consultation requests: receiving one, and the front desk's work on it.

Each function is one transaction with its audit event(s). Requests from the public are audited with
no actor and without the visitor's network address.
"""

import dataclasses
import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.context import current_request_context, reset_request_context, set_request_context
from clinic.core.models import Clinic
from clinic.core.phones import clinic_phone_parse
from clinic.core.selectors import clinic_setting_value
from clinic.core.services import idempotent
from clinic.core.validators import validate_date_of_birth
from clinic.intake.models import (
    CloseReason,
    ConsultationRequest,
    ContactAttempt,
    Interest,
    RequestStatus,
)
from clinic.intake.selfcheck import QUESTION_CODES, evaluate_self_check
from clinic.patients.models import Patient
from clinic.patients.services import PATIENT_FIELDS, patient_register
from clinic.scheduling.models import Appointment, Room
from clinic.scheduling.services import consultation_book

NAME_REQUIRED = "Enter both a first and a last name."
CONTACT_REQUIRED = "Give an e-mail address or a phone number."
CLINIC_CLOSED_TO_REQUESTS = "This clinic is not taking requests online; please call the clinic."
REQUEST_NOT_OPEN = "This request is already {status}; nothing was changed."
DOB_REQUIRED = "A date of birth is needed to register the patient."
CLOSE_NOTE_REQUIRED = "Say why in the note when the reason is Other."
CLOSE_REASON_INVALID = "Choose one of the listed reasons."
CONTACT_METHOD_INVALID = "Choose how you tried to reach them."
CONTACT_OUTCOME_INVALID = "Choose what happened."
PREFERRED_CONTACT_INVALID = "Choose phone, e-mail or text message."

OPEN_STATUSES = (RequestStatus.NEW, RequestStatus.CONTACTED)
_CONTACT_METHODS = {c[0] for c in ContactAttempt._meta.get_field("method").choices}
_CONTACT_OUTCOMES = {c[0] for c in ContactAttempt._meta.get_field("outcome").choices}
_PREFERRED = {c[0] for c in ConsultationRequest._meta.get_field("preferred_contact").choices}


def _without_address():
    """Audit events about a visitor's request keep no network address (we do not store it)."""
    return set_request_context(dataclasses.replace(current_request_context(), ip_address=None))


def consultation_request_submit(
    *,
    clinic: Clinic,
    given_name: str,
    family_name: str,
    email: str = "",
    phone: str = "",
    date_of_birth: dt.date | None = None,
    preferred_contact: str = "phone",
    interest: str = Interest.UNSURE,
    message: str = "",
    referred_by: str = "",
    self_check_answers: dict | None = None,
    submission_key: uuid.UUID | str | None = None,
) -> ConsultationRequest:
    """Record a visitor's request for a free consultation (one per submission key).

    Self-check answers are re-evaluated here, so the stored flags and the urgent mark never depend on
    what the browser claims; a danger answer makes the request urgent.
    """
    given_name, family_name = (given_name or "").strip(), (family_name or "").strip()
    if not given_name or not family_name:
        raise ValidationError({"given_name": NAME_REQUIRED})
    email = (email or "").strip()
    if email:
        validate_email(email)
    try:
        phone = clinic_phone_parse(phone, clinic=clinic)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    if not email and not phone:
        raise ValidationError({"email": CONTACT_REQUIRED})
    if date_of_birth is not None:
        validate_date_of_birth(date_of_birth)
    if preferred_contact not in _PREFERRED:
        raise ValidationError({"preferred_contact": PREFERRED_CONTACT_INVALID})
    if not clinic.accepts_public_requests:
        raise ValidationError(CLINIC_CLOSED_TO_REQUESTS)
    answers = {
        code: str(value) for code, value in (self_check_answers or {}).items()
        if code in QUESTION_CODES
    }
    result = evaluate_self_check(
        answers, minimum_age=clinic_setting_value(clinic, "minimum_patient_age_years")
    ) if answers else None

    def create() -> ConsultationRequest:
        request_obj = ConsultationRequest(
            clinic=clinic, given_name=given_name, family_name=family_name,
            date_of_birth=date_of_birth, email=email, phone=phone,
            preferred_contact=preferred_contact, interest=interest,
            message=(message or "").strip(), referred_by=(referred_by or "").strip(),
            self_check_answers=answers,
            flags=[f.as_dict() for f in result.flags] if result else [],
            is_urgent=bool(result and result.crisis),
        )
        request_obj.full_clean()
        request_obj.save()
        audit_record(
            action=AuditAction.CREATE, actor=None, clinic=clinic, obj=request_obj,
            summary="Urgent consultation request received" if request_obj.is_urgent
            else "Consultation request received",
            after=model_snapshot(request_obj),
        )
        return request_obj

    token = _without_address()
    try:
        with transaction.atomic():
            request_obj, _ = idempotent(
                scope="intake.consultation_request", key=submission_key, clinic=clinic,
                model=ConsultationRequest, create=create,
            )
    finally:
        reset_request_context(token)
    return request_obj


def _lock_open(request_obj: ConsultationRequest) -> ConsultationRequest:
    locked = ConsultationRequest.objects.select_for_update().get(pk=request_obj.pk)
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(REQUEST_NOT_OPEN.format(status=locked.get_status_display().lower()))
    return locked


def contact_attempt_log(
    *, request_obj: ConsultationRequest, made_by, method: str, outcome: str, note: str = "",
) -> ContactAttempt:
    """Record one try to reach the person; a new request becomes contacted."""
    if method not in _CONTACT_METHODS:
        raise ValidationError({"method": CONTACT_METHOD_INVALID})
    if outcome not in _CONTACT_OUTCOMES:
        raise ValidationError({"outcome": CONTACT_OUTCOME_INVALID})
    with transaction.atomic():
        locked = _lock_open(request_obj)
        attempt = ContactAttempt.objects.create(
            clinic=locked.clinic, request=locked, method=method, outcome=outcome,
            note=(note or "").strip(), made_by=made_by,
        )
        audit_record(
            action=AuditAction.CREATE, actor=made_by, clinic=locked.clinic, obj=attempt,
            summary=f"Contact attempt ({attempt.get_method_display()}: "
                    f"{attempt.get_outcome_display()})",
            after=model_snapshot(attempt),
        )
        before = model_snapshot(locked)
        locked.handled_by = made_by
        if locked.status == RequestStatus.NEW:
            locked.status = RequestStatus.CONTACTED
        locked.save(update_fields=["status", "handled_by", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, actor=made_by, clinic=locked.clinic, obj=locked,
            summary="Consultation request contacted", before=before, after=model_snapshot(locked),
        )
    _refresh(request_obj, locked)
    return attempt


def consultation_request_convert(
    *,
    request_obj: ConsultationRequest,
    converted_by,
    starts_at: dt.datetime,
    room: Room | None = None,
    clinician=None,
    patient_fields: dict | None = None,
) -> tuple[Patient, Appointment]:
    """Register the person as a patient and book their consultation, all or nothing.

    Name, date of birth, phone and e-mail come from the request; `patient_fields` adds or corrects
    patient attributes (a date of birth is required to register). If the booking is refused (room
    taken, time in the past), no patient is created and the request stays open.
    """
    fields = {
        "given_name": request_obj.given_name,
        "family_name": request_obj.family_name,
        "date_of_birth": request_obj.date_of_birth,
        "phone": request_obj.phone,
        "email": request_obj.email,
    }
    fields.update(patient_fields or {})
    unknown = set(fields) - set(PATIENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown patient fields: {sorted(unknown)}")
    if not fields.get("date_of_birth"):
        raise ValidationError({"date_of_birth": DOB_REQUIRED})
    with transaction.atomic():
        locked = _lock_open(request_obj)
        before = model_snapshot(locked)
        patient = patient_register(clinic=locked.clinic, registered_by=converted_by, **fields)
        appointment = consultation_book(
            patient=patient, starts_at=starts_at, booked_by=converted_by, room=room,
            clinician=clinician, notes=f"From consultation request {locked.public_id}",
        )
        locked.patient = patient
        locked.status = RequestStatus.CONVERTED
        locked.handled_by = converted_by
        locked.save(update_fields=["patient", "status", "handled_by", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, actor=converted_by, clinic=locked.clinic, obj=locked,
            patient_id=patient.pk, summary="Consultation request converted to patient",
            before=before, after=model_snapshot(locked),
        )
    _refresh(request_obj, locked)
    return patient, appointment


def consultation_request_close(
    *, request_obj: ConsultationRequest, closed_by, reason: str, note: str = "",
) -> ConsultationRequest:
    """Close a request without a patient (not interested, unreachable, spam…)."""
    note = (note or "").strip()
    if reason not in CloseReason.values:
        raise ValidationError({"reason": CLOSE_REASON_INVALID})
    if reason == CloseReason.OTHER and not note:
        raise ValidationError({"note": CLOSE_NOTE_REQUIRED})
    with transaction.atomic():
        locked = _lock_open(request_obj)
        before = model_snapshot(locked)
        locked.status = RequestStatus.CLOSED
        locked.close_reason = reason
        locked.close_note = note
        locked.handled_by = closed_by
        locked.full_clean()
        locked.save(update_fields=["status", "close_reason", "close_note", "handled_by", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, actor=closed_by, clinic=locked.clinic, obj=locked,
            summary=f"Consultation request closed ({locked.get_close_reason_display()})",
            before=before, after=model_snapshot(locked),
        )
    _refresh(request_obj, locked)
    return locked


def consultation_request_opened(*, request_obj: ConsultationRequest, opened_by) -> None:
    """Record that a staff member opened a request (it holds health information)."""
    with transaction.atomic():
        audit_record(
            action=AuditAction.VIEW, actor=opened_by, clinic=request_obj.clinic, obj=request_obj,
            patient_id=request_obj.patient_id, summary="Consultation request opened",
        )


def _refresh(target: ConsultationRequest, source: ConsultationRequest) -> None:
    # Keep the caller's object in step with the row just written.
    for name in ("status", "patient_id", "handled_by_id", "close_reason", "close_note"):
        setattr(target, name, getattr(source, name))

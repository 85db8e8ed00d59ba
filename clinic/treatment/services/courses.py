"""Treatment courses: create, sign (physician, password), activate, complete, stop.

Allowed transitions (anything else is refused with COURSE_TRANSITION_REFUSED):

    draft ──sign──▶ signed ──activate──▶ active ──complete──▶ completed
      └──────────────┴────────────────────┴──stop(reason)──▶ stopped

Maintenance after an induction series is a new course under a booster protocol.
"""

import datetime as dt
import re
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.accounts.roles import Perm
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.models import SignatureMeaning
from clinic.core.selectors import clinic_setting_value
from clinic.core.services import idempotent
from clinic.core.signatures import signature_apply
from clinic.patients.icd10 import icd10_lookup, icd10_normalize
from clinic.patients.models import JourneyStage, Patient
from clinic.patients.services import patient_set_stage
from clinic.treatment import selectors
from clinic.treatment.clinical_settings import COURSE_REQUIRES_CANDIDACY, COURSE_START_MAX_DAYS_AHEAD
from clinic.treatment.models import CourseStatus, ProtocolKind, TreatmentCourse
from clinic.treatment.services._common import require_perm

COURSE_TRANSITION_REFUSED = "A course that is {status} cannot be {action}."
STOP_REASON_REQUIRED = "Give the reason the course is stopped."
ONLY_PHYSICIANS_SIGN = "Only a physician (prescriber) can sign a treatment course."
ONLY_PHYSICIANS_CHANGE = "Only a physician (prescriber) can change a treatment course."
PROTOCOL_INACTIVE = "This protocol version is no longer in use; choose the current version."
PROTOCOL_OTHER_CLINIC = "Choose one of this clinic's protocols."
PATIENT_OTHER_CLINIC = "The patient is not registered at this clinic."
PLANNED_INFUSIONS_RANGE = "Planned infusions must be between 1 and 30."
ANOTHER_COURSE_ACTIVE = "The patient already has an active course; complete or stop it first."
CANDIDACY_REQUIRED = (
    "The patient's current signed candidacy decision is not 'candidate'; a physician signs a "
    "'candidate' decision before a course is drafted, signed or activated, or an order is written "
    "or signed (clinic setting)."
)
FOLLOWS_OTHER_PATIENT = "The earlier course must belong to the same patient."
INDICATION_REQUIRED = "Enter the indication."
GOALS_REQUIRED = "Goals: state the goals of the course (e.g. PHQ-9 response, pain reduction)."
ICD10_FORMAT = (
    "{code} is not an ICD-10-CM code: those are a letter, a digit and one more character, then up "
    "to four characters after the point (e.g. F33.2, G90.511)."
)
ICD10_NOT_AN_INDICATION = (
    "{code} is not one of the clinic's ICD-10-CM indications for ketamine; choose one from the list."
)
# ICD-10-CM: a letter, a digit, a digit or letter, then optionally a point and 1-4 characters.
ICD10_CM_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
PLANNED_START_PAST = "The planned start date {date} is in the past; choose today ({today}) or a later day."
PLANNED_START_TOO_FAR = (
    "The planned start date {date} is more than {days} days ahead (after {latest}); check the year."
)


def course_icd10_clean(raw: str) -> str:
    """The normalised ICD-10-CM code of a course ('' when none), or ValidationError keyed
    "icd10_code": the code must have the ICD-10-CM shape and be one of the catalogue's indications
    (clinic.patients.icd10, the list the chart's problem list is chosen from)."""
    text = (raw or "").strip()
    if not text:
        return ""
    code = icd10_normalize(text)
    if not ICD10_CM_SHAPE.match(code):
        raise ValidationError({"icd10_code": [ICD10_FORMAT.format(code=text)]})
    entry = icd10_lookup(code)
    if entry is None or not entry.pathway:
        raise ValidationError({"icd10_code": [ICD10_NOT_AN_INDICATION.format(code=code)]})
    return entry.code


def course_start_window(*, clinic, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The earliest and latest planned start a course drafted now may have (clinic's today)."""
    today = (now or timezone.now()).astimezone(clinic.tzinfo).date()
    days = int(clinic_setting_value(clinic, COURSE_START_MAX_DAYS_AHEAD))
    return today, today + dt.timedelta(days=days)


def _planned_start_errors(*, clinic, planned_start_date: dt.date | None, now) -> list[str]:
    if planned_start_date is None:
        return []
    earliest, latest = course_start_window(clinic=clinic, now=now)
    if planned_start_date < earliest:
        return [PLANNED_START_PAST.format(date=planned_start_date, today=earliest)]
    if planned_start_date > latest:
        days = (latest - earliest).days
        return [PLANNED_START_TOO_FAR.format(date=planned_start_date, days=days, latest=latest)]
    return []


def candidacy_require(*, patient: Patient) -> int | None:
    """When the clinic requires it (COURSE_REQUIRES_CANDIDACY), refuse with CANDIDACY_REQUIRED unless
    the patient's candidacy decision in force (the latest signed one, amendments included) is
    "candidate"; return that decision's id (None when the clinic does not require one).

    Checked when a course is drafted, signed or activated and when an order is drafted or signed,
    so a decision amended to "not a candidate" stops a course already under way."""
    if not clinic_setting_value(patient.clinic, COURSE_REQUIRES_CANDIDACY):
        return None
    decision_id = selectors.candidacy_decision_for(patient=patient)
    if decision_id is None:
        raise ValidationError(CANDIDACY_REQUIRED, code="candidacy")
    return decision_id


def _transition_error(course: TreatmentCourse, action: str) -> ValidationError:
    return ValidationError(
        COURSE_TRANSITION_REFUSED.format(status=course.get_status_display().lower(), action=action),
        code="transition",
    )


def course_create(
    *,
    patient: Patient,
    protocol,
    created_by,
    indication: str,
    icd10_code: str = "",
    goals: str = "",
    planned_infusions: int | None = None,
    planned_start_date: dt.date | None = None,
    follows: TreatmentCourse | None = None,
    submission_key: uuid.UUID | str | None = None,
    now: dt.datetime | None = None,
) -> TreatmentCourse:
    """Draft a course for `patient` under one protocol version (physicians only).

    The ICD-10-CM code, when given, must be a catalogued indication; the planned start, when given,
    lies between the clinic's today and `course_planned_start_max_days_ahead` days ahead. `now`
    dates the drafting (the demo's history); it defaults to the present."""
    clinic = patient.clinic
    require_perm(user=created_by, clinic=clinic, perm=Perm.ORDER_SIGN, message=ONLY_PHYSICIANS_CHANGE)
    errors: dict[str, list[str]] = {}
    if protocol.clinic_id != clinic.pk:
        errors.setdefault("protocol", []).append(PROTOCOL_OTHER_CLINIC)
    elif not protocol.is_active:
        errors.setdefault("protocol", []).append(PROTOCOL_INACTIVE)
    if not (indication or "").strip():
        errors.setdefault("indication", []).append(INDICATION_REQUIRED)
    if not (goals or "").strip():
        errors.setdefault("goals", []).append(GOALS_REQUIRED)
    planned = planned_infusions if planned_infusions is not None else protocol.infusions_in_series
    if not 1 <= planned <= 30:
        errors.setdefault("planned_infusions", []).append(PLANNED_INFUSIONS_RANGE)
    if follows is not None and follows.patient_id != patient.pk:
        errors.setdefault("follows", []).append(FOLLOWS_OTHER_PATIENT)
    try:
        icd10_code = course_icd10_clean(icd10_code)
    except ValidationError as exc:
        errors.setdefault("icd10_code", []).extend(exc.message_dict["icd10_code"])
    start_errors = _planned_start_errors(clinic=clinic, planned_start_date=planned_start_date, now=now)
    if start_errors:
        errors.setdefault("planned_start_date", []).extend(start_errors)
    decision_id = None
    try:
        decision_id = candidacy_require(patient=patient)
    except ValidationError as exc:
        errors.setdefault("__all__", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)

    planned_end = None
    if planned_start_date is not None:
        planned_end = planned_start_date + dt.timedelta(days=protocol.series_window_max_days)

    def create() -> TreatmentCourse:
        course = TreatmentCourse.objects.create(
            clinic=clinic,
            patient=patient,
            protocol=protocol,
            indication=indication.strip(),
            icd10_code=icd10_code,
            goals=goals.strip(),
            planned_infusions=planned,
            planned_start_date=planned_start_date,
            planned_end_date=planned_end,
            follows=follows,
            candidacy_decision_id=decision_id,
            created_by=created_by,
        )
        audit_record(
            action=AuditAction.CREATE,
            actor=created_by,
            clinic=clinic,
            obj=course,
            patient_id=patient.pk,
            summary=f"Treatment course drafted ({protocol})",
            after=model_snapshot(course),
        )
        return course

    with transaction.atomic():
        course, _ = idempotent(
            scope="treatment.course_create",
            key=submission_key,
            clinic=clinic,
            model=TreatmentCourse,
            create=create,
        )
    return course


def course_snapshot(course: TreatmentCourse) -> dict:
    """What a physician signs: the course and the protocol version's numbers."""
    snapshot = model_snapshot(course, exclude=("signature", "status", "activated_at", "ended_at"))
    snapshot["protocol"] = model_snapshot(course.protocol)
    return snapshot


def course_sign(*, course: TreatmentCourse, signer, password: str) -> TreatmentCourse:
    """The physician's signature (meaning: approval) on a draft course; re-asks the password."""
    require_perm(user=signer, clinic=course.clinic, perm=Perm.ORDER_SIGN, message=ONLY_PHYSICIANS_SIGN)
    with transaction.atomic():
        course = (
            TreatmentCourse.objects.select_for_update()
            .select_related("protocol", "patient__clinic")
            .get(pk=course.pk)
        )
        if course.status != CourseStatus.DRAFT:
            raise _transition_error(course, "signed")
        candidacy_require(patient=course.patient)
        before = model_snapshot(course)
        signature = signature_apply(
            signer=signer,
            password=password,
            meaning=SignatureMeaning.APPROVAL,
            obj=course,
            clinic=course.clinic,
            snapshot=course_snapshot(course),
            patient_id=course.patient_id,
            statement=f"Treatment course: {course.protocol}, {course.planned_infusions} infusions",
        )
        course.status = CourseStatus.SIGNED
        course.signature = signature
        course.save(update_fields=["status", "signature", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=signer,
            clinic=course.clinic,
            obj=course,
            patient_id=course.patient_id,
            summary="Treatment course signed",
            before=before,
            after=model_snapshot(course),
        )
    return course


def course_activate(*, course: TreatmentCourse, activated_by) -> TreatmentCourse:
    """Start a signed course; the patient's journey moves to induction (or maintenance)."""
    require_perm(
        user=activated_by, clinic=course.clinic, perm=Perm.ORDER_SIGN, message=ONLY_PHYSICIANS_CHANGE
    )
    with transaction.atomic():
        course = (
            TreatmentCourse.objects.select_for_update()
            .select_related("protocol", "patient")
            .get(pk=course.pk)
        )
        if course.status != CourseStatus.SIGNED:
            raise _transition_error(course, "activated")
        candidacy_require(patient=course.patient)
        if (
            TreatmentCourse.objects.filter(patient_id=course.patient_id, status=CourseStatus.ACTIVE)
            .exclude(pk=course.pk)
            .exists()
        ):
            raise ValidationError(ANOTHER_COURSE_ACTIVE, code="another_active")
        before = model_snapshot(course)
        course.status = CourseStatus.ACTIVE
        course.activated_at = timezone.now()
        course.save(update_fields=["status", "activated_at", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=activated_by,
            clinic=course.clinic,
            obj=course,
            patient_id=course.patient_id,
            summary="Treatment course activated",
            before=before,
            after=model_snapshot(course),
        )
        stage = (
            JourneyStage.MAINTENANCE
            if course.protocol.kind == ProtocolKind.BOOSTER
            else JourneyStage.INDUCTION
        )
        if course.patient.journey_stage != stage:
            patient_set_stage(patient=course.patient, stage=stage, changed_by=activated_by)
    return course


def course_complete(*, course: TreatmentCourse, completed_by) -> TreatmentCourse:
    """Mark an active course completed (the series is done)."""
    return _course_end(
        course=course,
        user=completed_by,
        status=CourseStatus.COMPLETED,
        action="completed",
        allowed=(CourseStatus.ACTIVE,),
        reason="",
    )


def course_stop(*, course: TreatmentCourse, stopped_by, reason: str) -> TreatmentCourse:
    """Stop a course before it completes; the reason is required and kept."""
    if not (reason or "").strip():
        raise ValidationError({"reason": [STOP_REASON_REQUIRED]})
    return _course_end(
        course=course,
        user=stopped_by,
        status=CourseStatus.STOPPED,
        action="stopped",
        allowed=(CourseStatus.DRAFT, CourseStatus.SIGNED, CourseStatus.ACTIVE),
        reason=reason.strip(),
    )


def _course_end(*, course, user, status, action, allowed, reason) -> TreatmentCourse:
    require_perm(user=user, clinic=course.clinic, perm=Perm.ORDER_SIGN, message=ONLY_PHYSICIANS_CHANGE)
    with transaction.atomic():
        course = TreatmentCourse.objects.select_for_update().get(pk=course.pk)
        if course.status not in allowed:
            raise _transition_error(course, action)
        before = model_snapshot(course)
        course.status = status
        course.ended_at = timezone.now()
        course.stop_reason = reason[:300]
        course.save(update_fields=["status", "ended_at", "stop_reason", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=user,
            clinic=course.clinic,
            obj=course,
            patient_id=course.patient_id,
            summary=f"Treatment course {action}",
            before=before,
            after=model_snapshot(course),
            extra={"reason": reason} if reason else None,
        )
    return course

"""Reads for reminders: preparation rules, a visit's confirmation, messages and jobs for staff."""

import datetime as dt
import hashlib

from django.db.models import QuerySet
from django.utils import timezone

from clinic.core.clinical_settings import get_definition
from clinic.core.models import ClinicSetting
from clinic.core.phones import clinic_phone_display
from clinic.reminders import settings as keys
from clinic.reminders.content import FastingCheck, PreparationRules, Visit, fasting_check
from clinic.reminders.models import (
    Job,
    JobStatus,
    OutboundMessage,
    PreparationConfirmation,
    PreparationConfirmationToken,
    TokenPurpose,
)
from clinic.reminders.tokens import MAX_TOKEN_LENGTH, token_hash
from clinic.scheduling.models import Appointment, AppointmentKind, AppointmentStatus

INFUSION_KINDS = (
    AppointmentKind.MOOD_INFUSION,
    AppointmentKind.PAIN_INFUSION,
    AppointmentKind.BOOSTER,
)
# Appointments still ahead of the patient: reminded, and their links work.
REMINDABLE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)


def clinic_setting_values(clinic, setting_keys: tuple[str, ...]) -> dict:
    """Several settings' effective values in one query (clinic_setting_value reads one)."""
    stored = dict(
        ClinicSetting.objects.filter(clinic=clinic, key__in=setting_keys).values_list(
            "key", "value"
        )
    )
    values = {}
    for key in setting_keys:
        definition = get_definition(key)
        values[key] = definition.to_python(stored.get(key, definition.default))
    return values


def preparation_rules(*, clinic) -> PreparationRules:
    """The clinic's fasting, driving and clothing settings (or their cited defaults), one query."""
    values = clinic_setting_values(
        clinic,
        (
            keys.FASTING_SOLIDS_HOURS,
            keys.FASTING_FATTY_FOOD_HOURS,
            keys.FASTING_CLEAR_LIQUIDS_HOURS,
            keys.NO_DRIVING_HOURS,
            keys.PREPARATION_CLOTHING_TEXT,
        ),
    )
    return PreparationRules(
        solids_hours=values[keys.FASTING_SOLIDS_HOURS],
        fatty_food_hours=values[keys.FASTING_FATTY_FOOD_HOURS],
        clear_liquids_hours=values[keys.FASTING_CLEAR_LIQUIDS_HOURS],
        no_driving_hours=values[keys.NO_DRIVING_HOURS],
        clothing_text=values[keys.PREPARATION_CLOTHING_TEXT],
    )


def clinic_address(clinic) -> str:
    city_line = " ".join(part for part in (clinic.state, clinic.postal_code) if part)
    parts = [clinic.address_line, clinic.city, city_line]
    return ", ".join(part for part in parts if part)


def visit_for_appointment(*, appointment: Appointment) -> Visit:
    clinic = appointment.clinic
    patient = appointment.patient
    return Visit(
        starts_at=appointment.starts_at,
        tz=clinic.tzinfo,
        kind_label=appointment.get_kind_display(),
        clinic_name=clinic.name,
        clinic_address=clinic_address(clinic),
        clinic_phone=clinic_phone_display(clinic.phone, clinic=clinic),
        room_name=appointment.room.name if appointment.room_id else "",
        first_name=patient.preferred_name or patient.given_name,
    )


def appointment_slot(appointment: Appointment) -> str:
    """An opaque code for the appointment's current start time: a reminder queued for one start
    time is skipped when the visit has since moved (a new reminder is queued for the new time)."""
    raw = f"{appointment.pk}:{appointment.starts_at.astimezone(dt.UTC).isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def preparation_for_appointment(*, appointment: Appointment) -> PreparationConfirmation | None:
    """The latest preparation confirmation for the appointment (the readiness gate reads this).

    One row per appointment, updated on resubmission (earlier versions are in its history), so the
    row is always the latest answer. None when the patient has not confirmed yet.
    """
    confirmation = (
        PreparationConfirmation.objects.filter(
            appointment=appointment, clinic_id=appointment.clinic_id
        )
        .select_related("recorded_by")
        .first()
    )
    if confirmation is not None:
        confirmation.appointment = appointment  # already loaded: no second query
    return confirmation


def preparation_fasting_check(
    *, confirmation: PreparationConfirmation, rules: PreparationRules | None = None
) -> FastingCheck:
    """Whether the confirmed times keep the clinic's fasting rules for the visit's start."""
    appointment = confirmation.appointment
    return fasting_check(
        starts_at=appointment.starts_at,
        last_solid_food_at=confirmation.last_solid_food_at,
        last_clear_liquid_at=confirmation.last_clear_liquid_at,
        rules=rules or preparation_rules(clinic=appointment.clinic),
    )


def preparation_versions(*, confirmation: PreparationConfirmation, limit: int = 20) -> list:
    """Earlier and current versions of the confirmation, newest first (simple_history)."""
    return list(
        confirmation.history.select_related("recorded_by").order_by("-history_date")[:limit]
    )


def appointment_for_token(*, raw_token: str, now: dt.datetime | None = None) -> Appointment | None:
    """The appointment a confirmation link opens, or None when the token is unknown, tampered with,
    for another purpose, expired (the visit has ended) or the visit is no longer ahead."""
    if not raw_token or len(raw_token) > MAX_TOKEN_LENGTH:
        return None
    now = now or timezone.now()
    row = (
        PreparationConfirmationToken.objects.filter(
            token_hash=token_hash(raw_token), purpose=TokenPurpose.PREPARATION_CONFIRM
        )
        .select_related("appointment__patient", "appointment__clinic", "appointment__room")
        .first()
    )
    if row is None:
        return None
    appointment = row.appointment
    if appointment.clinic_id != row.clinic_id:
        return None
    if now >= row.expires_at or now >= appointment.ends_at:
        return None
    if appointment.status not in REMINDABLE_STATUSES:
        return None
    return appointment


def messages_list(*, clinic, status: str | None = None) -> QuerySet[OutboundMessage]:
    """The clinic's messages, newest first, with what the list shows (one query per page)."""
    messages = OutboundMessage.objects.filter(clinic=clinic)
    if status:
        messages = messages.filter(status=status)
    return messages.select_related(
        "patient", "appointment", "appointment__preparation", "job"
    ).order_by("-created_at", "-id")


def messages_for_appointment(*, appointment: Appointment) -> QuerySet[OutboundMessage]:
    return (
        OutboundMessage.objects.filter(appointment=appointment, clinic_id=appointment.clinic_id)
        .select_related("job")
        .order_by("-created_at", "-id")
    )


def jobs_needing_attention(*, clinic) -> QuerySet[Job]:
    """The clinic's jobs whose last attempt failed (retrying) or that gave up, newest first."""
    return Job.objects.filter(
        clinic=clinic, status__in=(JobStatus.FAILED, JobStatus.DEAD)
    ).order_by("-updated_at", "-id")


def appointments_due_for_reminder(
    *, clinic, now: dt.datetime, horizon: dt.timedelta
) -> QuerySet[Appointment]:
    """Infusion appointments still ahead that start within `horizon` (clinic+starts_at index)."""
    return Appointment.objects.filter(
        clinic=clinic,
        kind__in=INFUSION_KINDS,
        status__in=REMINDABLE_STATUSES,
        starts_at__gt=now,
        starts_at__lte=now + horizon,
    ).order_by("starts_at", "pk")

"""Writes for reminders: scheduling reminder jobs, preparing and sending messages, confirmation
links and the patient's preparation confirmation."""

import datetime as dt
from email.utils import make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.models import Clinic
from clinic.core.phones import clinic_phone_parse
from clinic.core.selectors import clinic_setting_value
from clinic.core.services import idempotent
from clinic.reminders import settings as keys
from clinic.reminders.content import CONFIRM_LINK_PLACEHOLDER, reminder_email, reminder_sms
from clinic.reminders.jobs import (
    PermanentJobError,
    current_job,
    job_enqueue_with_status,
    safe_error_text,
)
from clinic.reminders.models import (
    Channel,
    ConfirmationSource,
    Job,
    MedicationChanges,
    MessagePurpose,
    MessageStatus,
    OutboundMessage,
    PregnancyStatus,
    PreparationConfirmation,
    PreparationConfirmationToken,
)
from clinic.reminders.selectors import (
    INFUSION_KINDS,
    REMINDABLE_STATUSES,
    appointment_slot,
    appointments_due_for_reminder,
    preparation_rules,
    visit_for_appointment,
)
from clinic.reminders.sms import get_sms_backend
from clinic.reminders.tokens import token_hash, token_new
from clinic.scheduling.models import Appointment

REMINDER_TASK = "reminders.send_appointment_reminder"
DEFAULT_PUBLIC_BASE_URL = "http://localhost:8000"
# The sweep queues reminders this much ahead of their send time, so a late sweep still finds them.
SWEEP_LOOKAHEAD = dt.timedelta(hours=24)

NO_CONTACT = (
    "The patient has no e-mail address or mobile number for reminders; add one to the chart, then "
    "retry, or call the patient."
)
SEND_FAILED = "{failed} of {total} reminder messages could not be sent: {error}"
MAIL_NOT_ACCEPTED = "The mail backend did not accept the message."

SOLIDS_AFTER_START = "The last solid food must be before the visit starts."
LIQUIDS_AFTER_START = "The last clear liquid must be before the visit starts."
TIME_TOO_EARLY = "That is more than 3 days before the visit; check the date."
TIME_NOT_AWARE = "The time must carry a time zone."
DRIVER_NAME_REQUIRED = "Give the name of the adult who will drive you home."
DRIVER_PHONE_REQUIRED = "Give your driver's phone number."
MEDICATION_CHANGES_REQUIRED = "Say whether your medications changed since your last visit."
MEDICATION_DETAIL_REQUIRED = "Describe what changed in your medications."
PREGNANCY_STATUS_INVALID = "Choose one of the answers offered."
NO_DRIVING_REQUIRED = "Please confirm that you will not drive for {hours} hours after the infusion."
VISIT_NOT_OPEN = "This visit can no longer be confirmed (it has ended or was cancelled)."
STAFF_MUST_BE_NAMED = "A phone confirmation must name the staff member who took it."

EARLIEST_INTAKE_BEFORE_START = dt.timedelta(days=3)


class MessageSendError(Exception):
    """A message could not be sent; the text is redacted (safe for staff and logs)."""


class ReminderDeliveryError(Exception):
    """Some messages of a reminder failed; the job runner retries the reminder."""


def public_base_url() -> str:
    return getattr(settings, "KETACLINIC_PUBLIC_BASE_URL", DEFAULT_PUBLIC_BASE_URL).rstrip("/")


def confirm_url(raw_token: str) -> str:
    return public_base_url() + reverse("reminders:confirm", args=[raw_token])


# --- Scheduling reminders --------------------------------------------------------------------


def _reminder_dedupe_key(appointment: Appointment, which: str, slot: str) -> str:
    return f"reminder:{appointment.pk}:{which}:{slot}"


def _enqueue_reminder(appointment: Appointment, which: str, slot: str, run_after: dt.datetime):
    return job_enqueue_with_status(
        name=REMINDER_TASK,
        args={"appointment_id": appointment.pk, "reminder": which, "slot": slot},
        run_after=run_after,
        dedupe_key=_reminder_dedupe_key(appointment, which, slot),
        clinic=appointment.clinic,
    )


def _schedule(appointment: Appointment, now: dt.datetime) -> list[tuple[Job, bool]]:
    if (
        appointment.kind not in INFUSION_KINDS
        or appointment.status not in REMINDABLE_STATUSES
        or appointment.starts_at <= now
    ):
        return []
    clinic = appointment.clinic
    first_hours = clinic_setting_value(clinic, keys.REMINDER_HOURS_BEFORE)
    second_hours = clinic_setting_value(clinic, keys.SECOND_REMINDER_HOURS_BEFORE)
    slot = appointment_slot(appointment)
    first_at = max(appointment.starts_at - dt.timedelta(hours=first_hours), now)
    first, created = _enqueue_reminder(appointment, "first", slot, first_at)
    scheduled = [(first, created)]
    if 0 < second_hours < first_hours:
        second_at = appointment.starts_at - dt.timedelta(hours=second_hours)
        # Booked inside the second window: the first reminder goes out now and says it all.
        if second_at > first.run_after:
            scheduled.append(_enqueue_reminder(appointment, "second", slot, max(second_at, now)))
    return scheduled


def reminders_schedule_for_appointment(
    *, appointment: Appointment, now: dt.datetime | None = None
) -> list[Job]:
    """Queue the appointment's reminder job(s) if it is an infusion still ahead of the patient.

    The first at starts_at − `reminder_hours_before` (at once if that has passed), an optional
    second at starts_at − `second_reminder_hours_before`. Queued once per appointment and start time
    (dedupe key); the job re-checks the appointment when it runs, so a cancelled or moved visit is
    not reminded. Safe to call from any booking path, inside its transaction.
    """
    return [job for job, _ in _schedule(appointment, now or timezone.now())]


def reminders_schedule_due(*, now: dt.datetime | None = None) -> int:
    """The periodic sweep: queue reminders for every clinic's infusions that start within their
    reminder window (plus a day), however they were booked. Idempotent; returns the new jobs' count.
    """
    now = now or timezone.now()
    created = 0
    for clinic in Clinic.objects.order_by("pk"):
        hours = clinic_setting_value(clinic, keys.REMINDER_HOURS_BEFORE)
        horizon = dt.timedelta(hours=hours) + SWEEP_LOOKAHEAD
        due = appointments_due_for_reminder(clinic=clinic, now=now, horizon=horizon).select_related(
            "clinic"
        )
        for appointment in due:
            created += sum(1 for _, is_new in _schedule(appointment, now) if is_new)
    return created


# --- Messages --------------------------------------------------------------------------------


def _channels(appointment: Appointment) -> list[str]:
    wanted = clinic_setting_value(appointment.clinic, keys.REMINDER_CHANNELS)
    patient = appointment.patient
    channels = []
    if patient.email and wanted in (keys.CHANNELS_EMAIL_AND_SMS, keys.CHANNELS_EMAIL):
        channels.append(Channel.EMAIL)
    if patient.phone and wanted in (keys.CHANNELS_EMAIL_AND_SMS, keys.CHANNELS_SMS):
        channels.append(Channel.SMS)
    return channels


def reminder_messages_prepare(
    *, appointment: Appointment, reminder: str, slot: str
) -> list[OutboundMessage]:
    """The reminder's messages (one per channel), created once: a retry gets the same rows back."""
    purpose = (
        MessagePurpose.REMINDER_SECOND if reminder == "second" else MessagePurpose.REMINDER_FIRST
    )
    visit = visit_for_appointment(appointment=appointment)
    rules = preparation_rules(clinic=appointment.clinic)
    job = current_job()
    messages = []
    with transaction.atomic():
        for channel in _channels(appointment):
            key = f"{_reminder_dedupe_key(appointment, reminder, slot)}:{channel}"
            existing = OutboundMessage.objects.filter(dedupe_key=key).first()
            if existing is not None:
                messages.append(existing)
                continue
            if channel == Channel.EMAIL:
                subject, body = reminder_email(visit=visit, rules=rules)
                to = appointment.patient.email
            else:
                subject, body = "", reminder_sms(visit=visit, rules=rules)
                to = appointment.patient.phone
            message = OutboundMessage.objects.create(
                clinic=appointment.clinic,
                patient=appointment.patient,
                appointment=appointment,
                job=job if job is not None and job.pk else None,
                purpose=purpose,
                channel=channel,
                to_address=to,
                subject=subject,
                body=body,
                dedupe_key=key,
            )
            audit_record(
                action=AuditAction.CREATE,
                clinic=appointment.clinic,
                obj=message,
                patient_id=appointment.patient_id,
                summary=(
                    f"{message.get_purpose_display()} by {message.get_channel_display()} queued"
                ),
                after=model_snapshot(message, exclude=("to_address", "subject", "body")),
            )
            messages.append(message)
    return messages


def preparation_token_issue(*, appointment: Appointment) -> str:
    """A new confirmation link token for the appointment, valid until the visit ends. Only its hash
    is stored; the returned token goes into the message and nowhere else."""
    raw = token_new()
    with transaction.atomic():
        token = PreparationConfirmationToken.objects.create(
            clinic=appointment.clinic,
            appointment=appointment,
            token_hash=token_hash(raw),
            expires_at=appointment.ends_at,
        )
        audit_record(
            action=AuditAction.CREATE,
            clinic=appointment.clinic,
            obj=token,
            patient_id=appointment.patient_id,
            summary="Preparation confirmation link issued",
            after={"appointment_id": appointment.pk, "expires_at": token.expires_at},
        )
    return raw


def _send_email(message: OutboundMessage, body: str) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "ketaclinic.invalid"
    message_id = make_msgid(domain=domain)
    reply_to = [message.clinic.email] if message.clinic.email else None
    email = EmailMessage(
        subject=message.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        reply_to=reply_to,
        headers={"Message-ID": message_id},
    )
    if email.send(fail_silently=False) != 1:
        raise MessageSendError(MAIL_NOT_ACCEPTED)
    return message_id


def message_send(*, message: OutboundMessage) -> OutboundMessage:
    """Send one message through the e-mail or SMS backend and record the outcome (audited).

    Nothing is held open while the provider is called. A failure is recorded on the message and
    raised as MessageSendError (redacted), so the job retries; a sent message is never sent again.
    """
    if message.status == MessageStatus.SENT:
        return message
    body = message.body
    if CONFIRM_LINK_PLACEHOLDER in body and message.appointment_id:
        body = body.replace(
            CONFIRM_LINK_PLACEHOLDER,
            confirm_url(preparation_token_issue(appointment=message.appointment)),
        )
    try:
        if message.channel == Channel.EMAIL:
            provider_id = _send_email(message, body)
        else:
            provider_id = get_sms_backend().send(message.to_address, body)
    except Exception as exc:  # noqa: BLE001 - every provider failure is recorded the same way
        error = safe_error_text(exc)
        _message_record(message, status=MessageStatus.FAILED, error=error)
        raise MessageSendError(error) from exc
    _message_record(message, status=MessageStatus.SENT, provider_id=str(provider_id)[:200])
    return message


def _message_record(
    message: OutboundMessage, *, status: str, error: str = "", provider_id: str = ""
):
    with transaction.atomic():
        before = model_snapshot(message, exclude=("to_address", "subject", "body"))
        message.status = status
        message.attempts += 1
        message.error = error
        if status == MessageStatus.SENT:
            message.provider_id = provider_id
            message.sent_at = timezone.now()
        message.save(
            update_fields=["status", "attempts", "error", "provider_id", "sent_at", "updated_at"]
        )
        audit_record(
            action=AuditAction.UPDATE,
            clinic=message.clinic,
            obj=message,
            patient_id=message.patient_id,
            summary=f"{message.get_purpose_display()} by {message.get_channel_display()} {status}",
            before=before,
            after=model_snapshot(message, exclude=("to_address", "subject", "body")),
        )


def reminder_deliver(
    *, appointment_id: int, reminder: str, slot: str, now: dt.datetime | None = None
) -> str:
    """Run one reminder: re-check the appointment, prepare its messages and send those not yet sent.

    Returns what happened ("sent" or "skipped: …"). Raises ReminderDeliveryError when a message
    failed (the job retries; sent messages are not repeated) and PermanentJobError when the patient
    has no address (retrying cannot help; staff see it on the messages page).
    """
    now = now or timezone.now()
    appointment = (
        Appointment.objects.select_related("clinic", "patient", "room")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        return "skipped: no such appointment"
    if appointment.status not in REMINDABLE_STATUSES:
        return f"skipped: appointment is {appointment.status}"
    if appointment.starts_at <= now:
        return "skipped: the visit has started"
    if slot != appointment_slot(appointment):
        return "skipped: the visit moved since this reminder was queued"
    messages = reminder_messages_prepare(appointment=appointment, reminder=reminder, slot=slot)
    if not messages:
        raise PermanentJobError(NO_CONTACT)
    errors = []
    for message in messages:
        if message.status == MessageStatus.SENT:
            continue
        try:
            message_send(message=message)
        except MessageSendError as exc:
            errors.append(str(exc))
    if errors:
        raise ReminderDeliveryError(
            SEND_FAILED.format(failed=len(errors), total=len(messages), error=errors[0])
        )
    return "sent"


# --- The preparation confirmation ------------------------------------------------------------


def _validate_confirmation(
    *, appointment: Appointment, answers: dict, source: str, recorded_by, now: dt.datetime
) -> dict:
    errors: dict[str, str] = {}
    if appointment.status not in REMINDABLE_STATUSES or now >= appointment.ends_at:
        raise ValidationError(VISIT_NOT_OPEN, code="visit_not_open")
    if source not in ConfirmationSource.values:
        raise ValueError(f"unknown confirmation source {source!r}")
    if source == ConfirmationSource.STAFF_PHONE and recorded_by is None:
        raise ValueError(STAFF_MUST_BE_NAMED)
    earliest = appointment.starts_at - EARLIEST_INTAKE_BEFORE_START
    for field, after_start in (
        ("last_solid_food_at", SOLIDS_AFTER_START),
        ("last_clear_liquid_at", LIQUIDS_AFTER_START),
    ):
        moment = answers[field]
        if moment is None or timezone.is_naive(moment):
            errors[field] = TIME_NOT_AWARE
        elif moment > appointment.starts_at:
            errors[field] = after_start
        elif moment < earliest:
            errors[field] = TIME_TOO_EARLY
    answers["driver_name"] = (answers["driver_name"] or "").strip()
    if not answers["driver_name"]:
        errors["driver_name"] = DRIVER_NAME_REQUIRED
    try:
        answers["driver_phone"] = clinic_phone_parse(answers["driver_phone"], clinic=appointment.clinic)
        if not answers["driver_phone"]:
            errors["driver_phone"] = DRIVER_PHONE_REQUIRED
    except ValidationError as exc:
        errors["driver_phone"] = exc.messages[0]
    answers["medication_changes_detail"] = (answers["medication_changes_detail"] or "").strip()
    if answers["medication_changes"] not in MedicationChanges.values:
        errors["medication_changes"] = MEDICATION_CHANGES_REQUIRED
    elif answers["medication_changes"] == MedicationChanges.CHANGED:
        if not answers["medication_changes_detail"]:
            errors["medication_changes_detail"] = MEDICATION_DETAIL_REQUIRED
    else:
        answers["medication_changes_detail"] = ""
    if (answers["pregnancy_status"] or "") not in PregnancyStatus.values:
        errors["pregnancy_status"] = PREGNANCY_STATUS_INVALID
    answers["pregnancy_status"] = answers["pregnancy_status"] or ""
    if not answers["no_driving_understood"]:
        hours = clinic_setting_value(appointment.clinic, keys.NO_DRIVING_HOURS)
        errors["no_driving_understood"] = NO_DRIVING_REQUIRED.format(hours=hours)
    if errors:
        raise ValidationError(errors)
    return answers


def preparation_confirm(
    *,
    appointment: Appointment,
    last_solid_food_at: dt.datetime,
    last_clear_liquid_at: dt.datetime,
    driver_name: str,
    driver_phone: str,
    medication_changes: str,
    medication_changes_detail: str = "",
    pregnancy_status: str = "",
    no_driving_understood: bool,
    source: str,
    recorded_by=None,
    submission_key=None,
    now: dt.datetime | None = None,
) -> PreparationConfirmation:
    """Record (or update) the patient's preparation for an appointment. Audited.

    `source` is patient_link (actor None: the patient is not signed in, the audit says "via patient
    link") or staff_phone (`recorded_by` is the staff member). A resubmission updates the one
    confirmation of the appointment and simple_history keeps the earlier version; an identical
    resubmission, or a repeat of the same `submission_key`, changes nothing.
    """
    now = now or timezone.now()
    answers = _validate_confirmation(
        appointment=appointment,
        answers={
            "last_solid_food_at": last_solid_food_at,
            "last_clear_liquid_at": last_clear_liquid_at,
            "driver_name": driver_name,
            "driver_phone": driver_phone,
            "medication_changes": medication_changes,
            "medication_changes_detail": medication_changes_detail,
            "pregnancy_status": pregnancy_status,
            "no_driving_understood": no_driving_understood,
        },
        source=source,
        recorded_by=recorded_by,
        now=now,
    )
    values = {**answers, "source": source, "recorded_by": recorded_by}
    via = "via patient link" if source == ConfirmationSource.PATIENT_LINK else "by phone (staff)"
    clinic = appointment.clinic

    def write() -> PreparationConfirmation:
        existing = (
            PreparationConfirmation.objects.select_for_update()
            .filter(appointment=appointment)
            .first()
        )
        if existing is None:
            confirmation = PreparationConfirmation.objects.create(
                clinic=clinic,
                appointment=appointment,
                patient=appointment.patient,
                confirmed_at=now,
                revision=1,
                **values,
            )
            audit_record(
                action=AuditAction.CREATE,
                actor=recorded_by,
                clinic=clinic,
                obj=confirmation,
                patient_id=appointment.patient_id,
                summary=f"Preparation confirmed {via}",
                after=model_snapshot(confirmation),
                extra={"via": via},
            )
            return confirmation
        if all(getattr(existing, name) == value for name, value in values.items()):
            return existing
        before = model_snapshot(existing)
        for name, value in values.items():
            setattr(existing, name, value)
        existing.confirmed_at = now
        existing.revision += 1
        existing.save()
        audit_record(
            action=AuditAction.UPDATE,
            actor=recorded_by,
            clinic=clinic,
            obj=existing,
            patient_id=appointment.patient_id,
            summary=f"Preparation confirmation updated {via} (revision {existing.revision})",
            before=before,
            after=model_snapshot(existing),
            extra={"via": via},
        )
        return existing

    with transaction.atomic():
        confirmation, _ = idempotent(
            scope="reminders.preparation_confirm",
            key=submission_key,
            clinic=clinic,
            model=PreparationConfirmation,
            create=write,
        )
    return confirmation

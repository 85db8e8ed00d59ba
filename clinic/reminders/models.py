"""Background jobs, messages to patients, and the patient's confirmation of preparation."""

from django.db import models
from simple_history.models import HistoricalRecords

from clinic.core.models import ClinicScopedModel


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed, will retry"
    DEAD = "dead", "Gave up"


class Job(models.Model):
    """One run of a registered task, kept in the database (works on SQLite and PostgreSQL alike).

    `args` holds record ids only, never patient data, and `last_error` is redacted: this table is
    shown to staff and copied into logs. A worker claims a job by a conditional UPDATE (see
    clinic.reminders.jobs and docs/decisions/0004-job-runner.md).
    """

    clinic = models.ForeignKey(
        "core.Clinic",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The clinic whose staff see this job's failures; empty for system jobs.",
    )
    queue = models.CharField(max_length=40, default="default")
    name = models.CharField(max_length=100, help_text="A task registered with @task(name).")
    args = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=5)
    run_after = models.DateTimeField()
    locked_by = models.CharField(max_length=100, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # Unique when set, so the same reminder is queued once however many paths ask for it.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The worker's claim query: claimable status, due now, oldest first.
            models.Index(fields=["status", "run_after"], name="job_status_run_after_idx"),
            # Stale-lock recovery scans running jobs by lock age.
            models.Index(fields=["status", "locked_at"], name="job_status_locked_at_idx"),
            # The staff page: this clinic's failed and dead jobs, newest first.
            models.Index(fields=["clinic", "status", "-updated_at"], name="job_clinic_status_idx"),
        ]
        ordering = ["run_after", "id"]

    def __str__(self) -> str:
        return f"job {self.pk} {self.name} ({self.status})"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "Text message"


class MessagePurpose(models.TextChoices):
    REMINDER_FIRST = "reminder_first", "Visit reminder"
    REMINDER_SECOND = "reminder_second", "Second visit reminder"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboundMessage(ClinicScopedModel):
    """An e-mail or text message to a patient, with its delivery status.

    The address is stored because it is needed to send; it is never logged. The body is stored with
    a placeholder where the confirmation link goes: the link is a credential, made fresh at sending.
    """

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    job = models.ForeignKey(
        Job,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        help_text="The job that sends (and retries) this message.",
    )
    purpose = models.CharField(max_length=20, choices=MessagePurpose.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to_address = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    provider_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "-created_at"], name="msg_clinic_created_idx"),
            models.Index(fields=["clinic", "status", "-created_at"], name="msg_clinic_status_idx"),
            models.Index(fields=["appointment", "-created_at"], name="msg_appointment_idx"),
            models.Index(fields=["patient", "-created_at"], name="msg_patient_idx"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        # No address or content: this string may reach logs.
        return f"{self.get_channel_display()} message {self.pk} ({self.status})"

    @property
    def can_retry(self) -> bool:
        """Unsent, and its job failed or gave up: staff may run the job again now."""
        return (
            self.status != MessageStatus.SENT
            and self.job is not None
            and self.job.status in (JobStatus.FAILED, JobStatus.DEAD)
        )


class TokenPurpose(models.TextChoices):
    PREPARATION_CONFIRM = "preparation_confirm", "Confirm preparation"


class PreparationConfirmationToken(ClinicScopedModel):
    """A link credential: the SHA-256 of a random token sent to the patient, valid for one purpose
    and one appointment until the visit ends. The token itself is never stored."""

    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.CASCADE, related_name="+"
    )
    purpose = models.CharField(
        max_length=30, choices=TokenPurpose.choices, default=TokenPurpose.PREPARATION_CONFIRM
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["appointment"], name="prep_token_appointment_idx")]

    def __str__(self) -> str:
        return f"preparation link {self.pk} for appointment {self.appointment_id}"


class MedicationChanges(models.TextChoices):
    NONE = "none", "No changes since my last visit"
    CHANGED = "changed", "Something changed"


class PregnancyStatus(models.TextChoices):
    NOT_ANSWERED = "", "Prefer not to answer"
    NOT_PREGNANT = "not_pregnant", "Not pregnant"
    PREGNANT = "pregnant", "Pregnant"
    UNSURE = "unsure", "Not sure"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class ConfirmationSource(models.TextChoices):
    PATIENT_LINK = "patient_link", "Patient, via the reminder link"
    STAFF_PHONE = "staff_phone", "Staff, by phone"


class PreparationConfirmation(ClinicScopedModel):
    """The patient's answers before an infusion: fasting times, the adult driver, medication
    changes, pregnancy status. One per appointment; a resubmission updates it and simple_history
    keeps every version. The infusion-day readiness gate reads the latest through
    `selectors.preparation_for_appointment`."""

    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="preparation"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    last_solid_food_at = models.DateTimeField(help_text="Last solid food, eaten or planned.")
    last_clear_liquid_at = models.DateTimeField(help_text="Last clear liquid, drunk or planned.")
    driver_name = models.CharField(max_length=120)
    driver_phone = models.CharField(max_length=20, help_text="E.164")
    medication_changes = models.CharField(max_length=10, choices=MedicationChanges.choices)
    medication_changes_detail = models.TextField(blank=True, max_length=1000)
    pregnancy_status = models.CharField(
        max_length=20, choices=PregnancyStatus.choices, blank=True, default=""
    )
    no_driving_understood = models.BooleanField(default=False)
    source = models.CharField(max_length=20, choices=ConfirmationSource.choices)
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who took a phone confirmation; empty for the patient link.",
    )
    confirmed_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "-confirmed_at"], name="prep_clinic_confirmed_idx")
        ]

    def __str__(self) -> str:
        return f"Preparation for appointment {self.appointment_id} (revision {self.revision})"

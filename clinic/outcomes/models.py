"""Questionnaire responses and the safety alerts that suicide-risk answers raise."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.core.escalation import EscalationStage
from clinic.core.models import ClinicScopedModel
from clinic.outcomes.instruments import RiskLevel, instrument_choices


class ResponseContext(models.TextChoices):
    """When in the journey the questionnaire was answered."""

    BASELINE = "baseline", "Baseline (evaluation)"
    PRE_INFUSION = "pre_infusion", "Before an infusion"
    POST_INFUSION = "post_infusion", "After an infusion"
    BETWEEN_VISITS = "between_visits", "Between visits"
    OTHER = "other", "Other"


class ResponseSource(models.TextChoices):
    STAFF = "staff", "Entered by staff"
    PATIENT = "patient", "Patient, in the portal"


class QuestionnaireResponse(ClinicScopedModel):
    """One completed questionnaire, scored when it was recorded; never edited afterwards.

    `answers` holds the item answers keyed by item key (see instruments.py), `total`, `band`,
    `flags` and `risk_level` the score as computed with the instrument version named.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    instrument_code = models.CharField(max_length=20, choices=instrument_choices())
    instrument_version = models.CharField(max_length=20)
    answers = models.JSONField()
    total = models.SmallIntegerField()
    band = models.CharField(max_length=30)
    flags = models.JSONField(default=list, blank=True)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.CHOICES, default=RiskLevel.NONE)
    completed_at = models.DateTimeField()
    context = models.CharField(max_length=20, choices=ResponseContext.choices)
    source = models.CharField(max_length=10, choices=ResponseSource.choices, default=ResponseSource.STAFF)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A loose reference to what the response belongs to (e.g. an infusion session), so this app
    # does not depend on apps built after it.
    related_object_type = models.CharField(max_length=80, blank=True)
    related_object_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["patient", "instrument_code", "-completed_at"],
                name="qresp_patient_instr_done_idx",
            ),
            models.Index(fields=["patient", "-completed_at"], name="qresp_patient_done_idx"),
            models.Index(fields=["related_object_type", "related_object_id"]),
        ]
        ordering = ["-completed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.instrument_code} {self.total} at {self.completed_at:%Y-%m-%d %H:%M}"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class AlertLevel(models.TextChoices):
    MODERATE = RiskLevel.MODERATE, "Moderate"
    HIGH = RiskLevel.HIGH, "High"
    ACUTE = RiskLevel.ACUTE, "Acute"


class SafetyAlert(ClinicScopedModel):
    """A clinician task raised by suicide-risk answers; a physician or nurse must acknowledge it
    and say what was done."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="safety_alerts")
    # One alert per response: the alert is raised in the same transaction as the response.
    response = models.OneToOneField(
        QuestionnaireResponse, on_delete=models.PROTECT, related_name="safety_alert"
    )
    level = models.CharField(max_length=10, choices=AlertLevel.choices)
    reason = models.TextField()
    status = models.CharField(max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    action_taken = models.TextField(blank=True)
    # Escalation of an alert nobody acknowledges (clinic/core/escalation.py): to the physician on
    # duty, then to the administrators; written by the job worker's sweep.
    escalation_stage = models.PositiveSmallIntegerField(
        choices=EscalationStage.CHOICES, default=EscalationStage.NONE
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Who the alert was escalated to (physicians, then administrators).",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "status", "-created_at"], name="salert_clinic_status_idx"),
            models.Index(fields=["patient", "status"], name="salert_patient_status_idx"),
            # The escalation sweep: open alerts by stage, oldest first.
            models.Index(fields=["status", "escalation_stage", "created_at"], name="salert_escalation_idx"),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} safety alert ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == AlertStatus.OPEN

"""Consultation requests from the public site and the front desk's work on them."""

import uuid

from django.db import models

from clinic.core.models import ClinicScopedModel


class RequestStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    CONVERTED = "converted", "Converted to patient"
    CLOSED = "closed", "Closed"


class CloseReason(models.TextChoices):
    NOT_INTERESTED = "not_interested", "No longer interested"
    UNREACHABLE = "unreachable", "Could not be reached"
    NOT_ELIGIBLE = "not_eligible", "Not eligible (e.g. age, location)"
    DUPLICATE = "duplicate", "Duplicate request"
    SPAM = "spam", "Spam"
    REFERRED_ELSEWHERE = "referred", "Referred elsewhere"
    OTHER = "other", "Other"


class Interest(models.TextChoices):
    DEPRESSION = "depression", "Depression"
    BIPOLAR_DEPRESSION = "bipolar_depression", "Bipolar depression"
    POSTPARTUM = "postpartum", "Postpartum depression"
    ANXIETY = "anxiety", "Anxiety"
    PTSD = "ptsd", "PTSD"
    OCD = "ocd", "OCD"
    CHRONIC_PAIN = "chronic_pain", "Chronic pain (CRPS, neuropathy, fibromyalgia…)"
    HEADACHE = "headache", "Migraine or cluster headache"
    UNSURE = "unsure", "Not sure"


class ConsultationRequest(ClinicScopedModel):
    """A visitor's request for a free consultation, possibly with a candidacy self-check attached."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    given_name = models.CharField(max_length=80)
    family_name = models.CharField(max_length=80)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    preferred_contact = models.CharField(
        max_length=10, choices=[("phone", "Phone"), ("email", "E-mail"), ("text", "Text message")],
        default="phone",
    )
    interest = models.CharField(max_length=24, choices=Interest.choices, default=Interest.UNSURE)
    message = models.TextField(blank=True, max_length=2000)
    referred_by = models.CharField(max_length=160, blank=True)
    self_check_answers = models.JSONField(default=dict, blank=True)
    # Findings of the self-check for the physician: [{"code", "label", "severity"}]; never a diagnosis.
    flags = models.JSONField(default=list, blank=True)
    is_urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.NEW)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    close_note = models.CharField(max_length=300, blank=True)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True,
        related_name="consultation_requests",
    )
    handled_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "status", "-is_urgent", "-created_at"]),
        ]
        ordering = ["-is_urgent", "-created_at"]

    def __str__(self) -> str:
        return f"Request {self.public_id} ({self.get_status_display()})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class ContactAttempt(ClinicScopedModel):
    """One time the front desk tried to reach the person who asked, and what happened."""

    request = models.ForeignKey(
        ConsultationRequest, on_delete=models.CASCADE, related_name="contact_attempts"
    )
    method = models.CharField(
        max_length=10, choices=[("phone", "Phone"), ("email", "E-mail"), ("text", "Text message")]
    )
    outcome = models.CharField(max_length=20, choices=[
        ("reached", "Reached"), ("voicemail", "Left voicemail"), ("no_answer", "No answer"),
        ("sent", "Message sent"), ("wrong_number", "Wrong number"),
    ])
    note = models.CharField(max_length=500, blank=True)
    made_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.method} {self.outcome}"

"""Tenancy and shared base models. Every clinical record belongs to exactly one clinic."""

import uuid
import zoneinfo

from django.db import models


class Clinic(models.Model):
    """A clinic location: the tenant that owns every clinical record and its DEA registration."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="America/New_York")
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    accepts_public_requests = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class ClinicScopedQuerySet(models.QuerySet):
    def for_clinic(self, clinic: "Clinic") -> "ClinicScopedQuerySet":
        return self.filter(clinic=clinic)


class ClinicScopedModel(models.Model):
    """Base for every record owned by a clinic; queries go through `for_clinic`."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class ClinicSetting(models.Model):
    """A clinic's override of one clinical setting; absent rows mean the cited default applies."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="setting_overrides")
    key = models.CharField(max_length=80)
    value = models.JSONField()
    reason = models.CharField(max_length=300)
    changed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "key"], name="uniq_clinic_setting_key")]

    def __str__(self) -> str:
        return f"{self.key}={self.value!r}"


class IdempotencyKey(models.Model):
    """Remembers a client-generated submission key so a retried form or API call does not duplicate.

    The key is stored with what it created; a repeat returns the same object instead of a new one.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, null=True, related_name="+")
    key = models.UUIDField(default=uuid.uuid4)
    scope = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="uniq_idempotency_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class SignatureMeaning(models.TextChoices):
    """What a signature means (21 CFR 11.50(a)(3)): shown with the printed name and time."""

    AUTHORSHIP = "authorship", "Author"
    APPROVAL = "approval", "Approved"
    REVIEW = "review", "Reviewed"
    RESPONSIBILITY = "responsibility", "Responsible"
    DOUBLE_CHECK = "double_check", "Independently double-checked"
    WITNESS = "witness", "Witnessed"
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledged"


class ElectronicSignature(ClinicScopedModel):
    """A signature bound to one record's content: who (printed name), when, and what it means.

    Signing re-asks the password (two components: the signed-in identity and the password, 21 CFR
    11.200). `content_hash` is the SHA-256 of the signed record's snapshot, so a later change to the
    record is detectable; signed records are amended by a new signed record, never edited.
    """

    signer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=200)
    meaning = models.CharField(max_length=20, choices=SignatureMeaning.choices)
    signed_at = models.DateTimeField()
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64)
    statement = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"])]
        ordering = ["signed_at"]

    def __str__(self) -> str:
        return f"{self.printed_name} — {self.get_meaning_display()} {self.signed_at:%Y-%m-%d %H:%M}"


class SettingChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a co-signature"
    APPLIED = "applied", "Co-signed and applied"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class SettingChangeProposal(ClinicScopedModel):
    """A medical director's proposed change to one clinical limit, waiting for a second clinician.

    The change applies only when a different physician or nurse co-signs it (an electronic signature
    re-asking their password); it can be withdrawn by a medical director or rejected with a reason.
    `old_value` is the effective value when it was proposed: if that has changed by the time of the
    co-signature, the proposal is stale and cannot be applied.
    """

    key = models.CharField(max_length=80)
    old_value = models.JSONField()
    new_value = models.JSONField()
    reason = models.CharField(max_length=300)
    status = models.CharField(
        max_length=12, choices=SettingChangeStatus.choices, default=SettingChangeStatus.PENDING
    )
    proposed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)
    signature = models.ForeignKey(
        ElectronicSignature, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "key"],
                condition=models.Q(status="pending"),
                name="uniq_pending_setting_change",
            )
        ]
        indexes = [models.Index(fields=["clinic", "status", "-created_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Proposed change #{self.pk} ({self.get_status_display()})"

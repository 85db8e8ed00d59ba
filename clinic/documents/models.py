"""What the clinic sent out: one row per document e-mailed (the PDF itself is not kept; its
SHA-256 is, so a copy produced later can be matched against what was sent)."""

from django.conf import settings
from django.db import models

from clinic.core.models import ClinicScopedModel


class DocumentKind(models.TextChoices):
    AFTER_VISIT_SUMMARY = "after_visit_summary", "After-visit summary"
    REFERRAL_LETTER = "referral_letter", "Summary for the referring clinician"
    FLOWSHEET = "flowsheet", "Session flowsheet"


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", "E-mail"


class DocumentDelivery(ClinicScopedModel):
    """A document about an infusion session sent to someone outside the clinic (audited EXPORT)."""

    session = models.ForeignKey(
        "infusions.InfusionSession", on_delete=models.PROTECT, related_name="document_deliveries"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=DocumentKind.choices)
    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices, default=DeliveryChannel.EMAIL)
    recipient_name = models.CharField(max_length=200, blank=True)
    recipient_email = models.EmailField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the PDF that was attached.")
    size_bytes = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["session", "-sent_at"])]
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} e-mailed {self.sent_at:%Y-%m-%d %H:%M}"

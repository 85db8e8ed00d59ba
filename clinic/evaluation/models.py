"""Candidacy evaluation: the intake history, the rules, and the physician's signed decision."""

from django.db import models
from django.db.models import Q

from clinic.core.models import ClinicScopedModel
from clinic.evaluation.rules import Pathway, RuleKind, Severity

SIGNED_DECISION_IMMUTABLE = (
    "A signed candidacy decision cannot be changed; record an amendment instead."
)


class IntakeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class IntakeSource(models.TextChoices):
    PATIENT = "patient", "Patient, in the portal"
    STAFF = "staff", "Staff, with the patient"


class IntakeHistory(ClinicScopedModel):
    """One version of a patient's intake history: psychiatric and medical history, treatments tried.

    A draft may be saved and resumed; submitting locks the version for good. Editing after
    submission starts a new draft version that copies the last one (`supersedes`). The answers live
    in `data`, validated by `clinic.evaluation.intake_schema.IntakeData` on every write.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="intake_histories"
    )
    version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=IntakeStatus.choices, default=IntakeStatus.DRAFT
    )
    data = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=IntakeSource.choices, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "version"], name="uniq_intake_history_patient_version"
            ),
            # At most one open draft per patient, so staff and patient never edit two copies.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status="draft"),
                name="uniq_intake_history_one_draft",
            ),
        ]
        indexes = [models.Index(fields=["patient", "status", "-version"])]

    def __str__(self) -> str:
        return f"Intake history v{self.version} ({self.get_status_display()})"

    @property
    def is_locked(self) -> bool:
        return self.status == IntakeStatus.SUBMITTED


class CandidacyRule(models.Model):
    """One version of a declarative candidacy rule (see `clinic.evaluation.rules`).

    Built-in rules (clinic is null) are seeded from domain.md §2 by a data migration. A clinic
    reviews them and may add its own rules or override a built-in: editing never changes a row, it
    adds a new version for that clinic and marks the previous one not current. The rules in force
    for a clinic are its current rows plus the current built-ins it has not overridden.
    """

    clinic = models.ForeignKey(
        "core.Clinic", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rule_id = models.CharField(max_length=40, help_text='Stable identifier, e.g. "CI-ANEURYSM".')
    version = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=30, choices=RuleKind.CHOICES)
    severity = models.CharField(max_length=10, choices=Severity.CHOICES)
    pathway = models.CharField(
        max_length=10,
        choices=Pathway.CHOICES,
        blank=True,
        help_text="For indications: the pathway whose baseline measure a decision needs.",
    )
    condition = models.JSONField()
    message = models.CharField(max_length=500)
    source = models.CharField(
        max_length=200, help_text='domain.md section and source key, e.g. "§2.2 [Cohen2018]".'
    )
    active = models.BooleanField(default=True)
    is_current = models.BooleanField(default=True)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    change_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rule_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "rule_id", "version"],
                condition=Q(clinic__isnull=False),
                name="uniq_candidacy_rule_clinic_version",
            ),
            models.UniqueConstraint(
                fields=["rule_id", "version"],
                condition=Q(clinic__isnull=True),
                name="uniq_candidacy_rule_builtin_version",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "is_current", "kind"]),
            models.Index(fields=["rule_id", "is_current"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.version}"

    @property
    def is_builtin(self) -> bool:
        return self.clinic_id is None


class DecisionOutcome(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    NOT_CANDIDATE = "not_candidate", "Not a candidate"
    NEEDS_INFO = "needs_info", "More information needed"


class CandidacyDecision(ClinicScopedModel):
    """The physician's signed decision on a patient's candidacy, with what it was based on.

    `findings` snapshots the rule findings at signing, `baseline` the baseline measures used (with
    their response ids), `acknowledged_rule_ids` the absolute contraindications overridden. Once
    signed the record never changes; `amends` links a later decision that corrects it.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="candidacy_decisions"
    )
    decision = models.CharField(max_length=20, choices=DecisionOutcome.choices)
    reason = models.TextField()
    findings = models.JSONField(default=list)
    intake_history = models.ForeignKey(
        IntakeHistory, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    baseline = models.JSONField(default=list)
    acknowledged_rule_ids = models.JSONField(default=list)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    signature = models.OneToOneField(
        "core.ElectronicSignature",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    amends = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amended_by"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.patient_id})"

    def save(self, *args, **kwargs):
        # Signed records are amended by new signed records, never edited (21 CFR 11.10(e) style).
        if self.pk and type(self).objects.filter(pk=self.pk, signature__isnull=False).exists():
            raise SignedRecordError(SIGNED_DECISION_IMMUTABLE)
        super().save(*args, **kwargs)


class SignedRecordError(PermissionError):
    """An attempt to change a signed record."""

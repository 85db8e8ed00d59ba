"""The append-only, hash-chained audit trail."""

from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    VIEW = "view", "Opened"
    SIGN = "sign", "Signed"
    OVERRIDE = "override", "Safety override"
    LOGIN = "login", "Signed in"
    LOGOUT = "logout", "Signed out"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    EXPORT = "export", "Exported"
    CHECK_FAILED = "check_failed", "Check failed"


class AuditChain(models.Model):
    """The head of one hash chain (one per clinic, plus `system` for events outside any clinic).

    Writers lock this row, so events of one chain get consecutive sequence numbers and each links to
    the hash of the one before it.
    """

    key = models.CharField(max_length=40, unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.key} @ {self.last_seq}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One audited action: who did what to which record, when, from where, with before/after values."""

    chain_key = models.CharField(max_length=40)
    seq = models.BigIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    clinic = models.ForeignKey(
        "core.Clinic", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # Not a foreign key: the trail must outlive and never cascade from the records it describes.
    patient_id = models.BigIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["chain_key", "seq"], name="uniq_audit_chain_seq")
        ]
        indexes = [
            models.Index(fields=["clinic", "-occurred_at"]),
            models.Index(fields=["clinic", "patient_id", "-occurred_at"]),
            models.Index(fields=["clinic", "actor", "-occurred_at"]),
            models.Index(fields=["clinic", "action", "-occurred_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        # Why here and not in a service: this is an integrity guard, not business logic.
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")

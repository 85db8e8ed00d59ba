"""Users and their membership of clinics."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from clinic.accounts.roles import STAFF_ROLES, Designation, Role


class User(AbstractUser):
    """A person who signs in: staff of one or more clinics, or a patient using the portal."""

    display_name = models.CharField(max_length=150, blank=True)
    credentials = models.CharField(
        max_length=40, blank=True, help_text="Printed after the name on signatures, e.g. MD, RN."
    )
    # Set when an administrator chose the password (a temporary one); the user must replace it
    # before reaching any other page.
    password_change_required = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.signature_name

    @property
    def signature_name(self) -> str:
        name = self.display_name or self.get_full_name() or self.username
        return f"{name}, {self.credentials}" if self.credentials else name


class Membership(models.Model):
    """A user's role at one clinic. Staff may hold memberships at several clinics."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey("core.Clinic", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    # Granted by an administrator to a physician: proposes changes to clinical limits, which a second
    # clinician co-signs (roles.DESIGNATIONS). Cleared when the role changes away from physician.
    is_medical_director = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "clinic"], name="uniq_membership_user_clinic")]
        indexes = [models.Index(fields=["clinic", "role"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.clinic} ({self.get_role_display()})"

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def designations(self) -> tuple[str, ...]:
        return (Designation.MEDICAL_DIRECTOR,) if self.is_medical_director else ()

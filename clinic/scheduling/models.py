"""Rooms, infusion chairs and appointments."""

from django.db import models
from simple_history.models import HistoricalRecords

from clinic.core.models import ClinicScopedModel


class RoomKind(models.TextChoices):
    CHAIR = "chair", "Infusion chair"
    CONSULT = "consult", "Consultation room"


class Room(ClinicScopedModel):
    """An infusion chair or a consultation room at one clinic."""

    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=RoomKind.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="uniq_room_clinic_name")]
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class AppointmentKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    MOOD_INFUSION = "mood_infusion", "Mood infusion"
    PAIN_INFUSION = "pain_infusion", "Pain infusion"
    BOOSTER = "booster", "Booster infusion"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CONFIRMED = "confirmed", "Confirmed"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


class Appointment(ClinicScopedModel):
    """A patient's booked time in a room or chair, with the clinician who will see them."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    clinician = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.CharField(max_length=500, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    booked_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["room", "starts_at"]),
        ]
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"

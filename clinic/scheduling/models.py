"""Rooms and infusion chairs, clinic hours, staff shifts, appointment types, series and appointments,
and the tokens of the calendar (iCalendar) feeds."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from clinic.accounts.roles import Role
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
    appointment_type = models.ForeignKey(
        "scheduling.AppointmentType", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    # Minutes from the start during which a nurse is occupied (readiness check + infusion); the
    # nurse-ratio check counts this part. Empty: the whole visit counts (conservative).
    active_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    series = models.ForeignKey(
        "scheduling.AppointmentSeries", on_delete=models.PROTECT, null=True, blank=True,
        related_name="appointments",
    )
    sequence = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Visit number within the series (1, 2, ...)."
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["room", "starts_at"]),
            models.Index(fields=["clinician", "starts_at"]),
            models.Index(fields=["clinic", "status", "starts_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "sequence"], condition=Q(series__isnull=False),
                name="uniq_appointment_series_sequence",
            )
        ]
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ClinicHours(ClinicScopedModel):
    """When the clinic is open on one weekday, in the clinic's own zone (wall-clock times).

    A weekday without a row uses the product default (see selectors.DEFAULT_HOURS).
    """

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    is_closed = models.BooleanField(default=False)
    opens = models.TimeField(null=True, blank=True)
    closes = models.TimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "weekday"], name="uniq_hours_clinic_weekday")
        ]
        ordering = ["weekday"]
        verbose_name_plural = "clinic hours"

    def __str__(self) -> str:
        if self.is_closed:
            return f"{self.get_weekday_display()}: closed"
        return f"{self.get_weekday_display()}: {self.opens:%H:%M}–{self.closes:%H:%M}"


class ClinicClosure(ClinicScopedModel):
    """A date the clinic is closed (a holiday, training day), whatever the weekday's hours say."""

    date = models.DateField()
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "date"], name="uniq_closure_clinic_date")
        ]
        ordering = ["date"]

    def __str__(self) -> str:
        return f"Closed {self.date:%Y-%m-%d}: {self.reason}"


class StaffShift(ClinicScopedModel):
    """A staff member on duty at the clinic from `starts_at` to `ends_at` (stored in UTC).

    `role` is the member's role when the shift was recorded, so a later role change does not rewrite
    who was on duty. Nurses' shifts set the nurse capacity for infusions.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="shifts")
    role = models.CharField(max_length=20, choices=Role.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    notes = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "starts_at"]),
            models.Index(fields=["clinic", "role", "starts_at"]),
            models.Index(fields=["user", "starts_at"]),
        ]
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"Shift {self.starts_at:%Y-%m-%d %H:%M} ({self.get_role_display()})"


class Colour(models.TextChoices):
    # Named colours, drawn by classes in static/css/scheduling.css (no inline styles under the CSP).
    BLUE = "blue", "Blue"
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    PURPLE = "purple", "Purple"
    TEAL = "teal", "Teal"
    ROSE = "rose", "Rose"
    GREY = "grey", "Grey"


class AppointmentType(ClinicScopedModel):
    """A kind of visit the clinic books: its chair (or room) time, its infusion part and colour.

    `chair_minutes` is the whole time the chair is taken (infusion + recovery); `infusion_minutes` is
    the infusion itself. For a course the protocol's numbers take precedence (visit length and
    infusion duration); the type is the default when no course is known.
    """

    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    name = models.CharField(max_length=80)
    chair_minutes = models.PositiveSmallIntegerField(
        help_text="Whole visit in the chair or room, including recovery (min)."
    )
    infusion_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The infusion itself (min); empty for consultations."
    )
    room_kind = models.CharField(max_length=10, choices=RoomKind.choices)
    colour = models.CharField(max_length=10, choices=Colour.choices, default=Colour.BLUE)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="uniq_appttype_clinic_name")
        ]
        indexes = [models.Index(fields=["clinic", "kind", "is_active"])]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SeriesStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"


class AppointmentSeries(ClinicScopedModel):
    """A patient's induction (or pain) series booked as one object: its visits share this record.

    Visits keep their own status; cancelling the series cancels the visits still to come.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointment_series"
    )
    course = models.ForeignKey(
        "treatment.TreatmentCourse", on_delete=models.PROTECT, null=True, blank=True,
        related_name="appointment_series",
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    status = models.CharField(
        max_length=10, choices=SeriesStatus.choices, default=SeriesStatus.ACTIVE
    )
    min_gap_hours = models.PositiveSmallIntegerField(
        help_text="Minimum hours between visit starts, kept when visits move."
    )
    window_days = models.PositiveSmallIntegerField()
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    cancel_reason = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "patient", "-created_at"]),
            models.Index(fields=["clinic", "status"]),
        ]
        ordering = ["-created_at"]
        verbose_name_plural = "appointment series"

    def __str__(self) -> str:
        return f"Series #{self.pk} ({self.get_status_display()})"


class CalendarFeedToken(ClinicScopedModel):
    """A revocable secret address of one calendar (iCalendar) feed.

    The owner is a staff user (their shifts and visits) or a patient (their own visits). Only the
    SHA-256 of the 32-byte token is stored; the address is shown once, when it is created.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, null=True, blank=True,
        related_name="calendar_feed_tokens",
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, null=True, blank=True,
        related_name="calendar_feed_tokens",
    )
    label = models.CharField(max_length=80, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, patient__isnull=True)
                | Q(user__isnull=True, patient__isnull=False),
                name="feed_token_one_owner",
            )
        ]
        indexes = [
            models.Index(fields=["clinic", "user"]),
            models.Index(fields=["clinic", "patient"]),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar feed #{self.pk}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

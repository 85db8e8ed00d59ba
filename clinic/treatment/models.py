"""Protocols, treatment courses, stocked ketamine products and infusion orders.

Signed records are never edited: a protocol change makes a new version (the old one stays for the
orders that used it), and an order changes only by moving along its status.
"""

from django.db import models

from clinic.core.models import ClinicScopedModel


class ProtocolKind(models.TextChoices):
    MOOD_INDUCTION = "mood_induction", "Mood induction series"
    PAIN = "pain", "Chronic pain"
    HEADACHE = "headache", "Headache"
    BOOSTER = "booster", "Booster / maintenance"


class DosingMode(models.TextChoices):
    # domain.md §1.6: a fixed dose over a duration (mood) or a weight-based rate (pain).
    FIXED_DOSE_OVER_TIME = "fixed_dose_over_time", "Fixed dose over a duration (mg/kg)"
    RATE_PER_HOUR = "rate_per_hour", "Continuous rate (mg/kg/h)"


class WeightBasis(models.TextChoices):
    # domain.md §1.3: no consensus; the basis is a protocol setting.
    ACTUAL = "actual", "Actual body weight"
    IDEAL = "ideal", "Ideal body weight (Devine)"
    ADJUSTED = "adjusted", "Adjusted body weight"


class Protocol(ClinicScopedModel):
    """One version of a clinic's dosing protocol. `code` groups the versions of one protocol.

    Editing creates a new version that `supersedes` the old one; the old version is kept (inactive)
    because courses and orders point at the exact version they were signed under.
    """

    name = models.CharField(max_length=120)
    code = models.SlugField(max_length=60, help_text="Short identifier shared by all versions.")
    version = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=20, choices=ProtocolKind.choices)
    dosing_mode = models.CharField(max_length=24, choices=DosingMode.choices)
    default_dose = models.DecimalField(
        max_digits=6, decimal_places=3, help_text="mg/kg (fixed dose) or mg/kg/h (rate)."
    )
    default_duration_min = models.PositiveIntegerField(help_text="Infusion duration in minutes.")
    duration_min_min = models.PositiveIntegerField(help_text="Shortest duration allowed (min).")
    duration_max_min = models.PositiveIntegerField(help_text="Longest duration allowed (min).")
    usual_range_low = models.DecimalField(max_digits=6, decimal_places=3)
    usual_range_high = models.DecimalField(max_digits=6, decimal_places=3)
    max_mg_per_kg_per_session = models.DecimalField(max_digits=6, decimal_places=3)
    max_mg_per_kg_per_hour = models.DecimalField(max_digits=6, decimal_places=3)
    max_total_mg_per_session = models.DecimalField(max_digits=7, decimal_places=1)
    minimum_total_mg = models.DecimalField(
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Pain protocols: minimum total dose per session (domain.md §1.4: 80 mg).",
    )
    minimum_total_over_min = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Pain protocols: the minimum total must be infused over more than this (min).",
    )
    weight_basis = models.CharField(max_length=10, choices=WeightBasis.choices, default=WeightBasis.ACTUAL)
    weight_cap_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    infusions_in_series = models.PositiveSmallIntegerField(default=1)
    series_window_min_days = models.PositiveSmallIntegerField(default=0)
    series_window_max_days = models.PositiveSmallIntegerField(default=0)
    minimum_gap_hours = models.PositiveSmallIntegerField(default=0)
    visit_length_min = models.PositiveIntegerField(help_text="Chair time including recovery (min).")
    vitals_every_min_during = models.PositiveSmallIntegerField(default=10)
    vitals_every_min_after = models.PositiveSmallIntegerField(default=15)
    # domain.md §1.6: the label's infusion recipes use D5W or NS; sterile water is hypotonic and a
    # large volume IV can cause hemolysis, so a bag is made with it only when a protocol says so.
    sterile_water_allowed = models.BooleanField(
        default=False,
        help_text=(
            "Off by default: sterile water is hypotonic and a large volume given IV can cause "
            "hemolysis; the Ketalar label's infusion recipes use NS or D5W."
        ),
    )
    sterile_water_reason = models.CharField(
        max_length=300, blank=True, help_text="Why this protocol allows sterile water (shown on orders)."
    )
    sources = models.TextField(blank=True, help_text="Where the defaults come from (domain.md).")
    change_reason = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "code", "version"], name="uniq_protocol_clinic_code_version"
            )
        ]
        indexes = [
            models.Index(fields=["clinic", "is_active", "kind"]),
            models.Index(fields=["clinic", "code", "-version"]),
        ]
        ordering = ["name", "-version"]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def dose_unit(self) -> str:
        return "mg/kg/h" if self.dosing_mode == DosingMode.RATE_PER_HOUR else "mg/kg"


class StockedProduct(ClinicScopedModel):
    """A ketamine vial the clinic stocks; orders must use one of these concentrations (§1.6)."""

    name = models.CharField(max_length=120)
    ndc = models.CharField(max_length=20, blank=True, help_text="National Drug Code, if known.")
    concentration_mg_per_ml = models.DecimalField(max_digits=6, decimal_places=2)
    vial_volume_ml = models.DecimalField(max_digits=6, decimal_places=2)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "concentration_mg_per_ml", "vial_volume_ml"],
                name="uniq_product_clinic_conc_volume",
            )
        ]
        indexes = [models.Index(fields=["clinic", "is_active"])]
        ordering = ["concentration_mg_per_ml", "vial_volume_ml"]

    def __str__(self) -> str:
        return f"{self.name} — {self.concentration_mg_per_ml:f} mg/mL, {self.vial_volume_ml:f} mL vial"

    @property
    def vial_total_mg(self):
        return self.concentration_mg_per_ml * self.vial_volume_ml


class CourseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"


class TreatmentCourse(ClinicScopedModel):
    """A patient's planned series under one protocol version, signed by a physician.

    Maintenance after an induction series is a new course under a booster protocol.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_courses"
    )
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="courses")
    indication = models.CharField(max_length=200)
    icd10_code = models.CharField(max_length=10, blank=True)
    goals = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=CourseStatus.choices, default=CourseStatus.DRAFT)
    planned_infusions = models.PositiveSmallIntegerField()
    planned_start_date = models.DateField(null=True, blank=True)
    planned_end_date = models.DateField(null=True, blank=True)
    follows = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_by",
        help_text="The course this one continues (e.g. boosters after an induction series).",
    )
    candidacy_decision_id = models.BigIntegerField(
        null=True, blank=True, help_text="The signed candidacy decision this course relies on."
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    signature = models.ForeignKey(
        "core.ElectronicSignature",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "patient", "-created_at"]),
            models.Index(fields=["clinic", "status"]),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Course #{self.pk} ({self.get_status_display()})"


class Diluent(models.TextChoices):
    # domain.md §1.6 [V] [Ketalar]: compatible diluents.
    NS = "ns", "0.9 % sodium chloride (NS)"
    D5W = "d5w", "5 % dextrose in water (D5W)"
    STERILE_WATER = "sterile_water", "Sterile water for injection"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed, awaiting double check"
    VERIFIED = "verified", "Double-checked (active)"
    CANCELLED = "cancelled", "Cancelled"


class InfusionOrder(ClinicScopedModel):
    """One infusion's order: the inputs, the computed plan as signed, and both signatures.

    The computed numbers are stored (not recomputed on display) so the order shows exactly what was
    signed and double-checked even if a calculator or a setting later changes.
    """

    course = models.ForeignKey(TreatmentCourse, on_delete=models.PROTECT, related_name="orders")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="infusion_orders")
    sequence = models.PositiveSmallIntegerField(help_text="Infusion number within the course.")
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    dosing_mode = models.CharField(max_length=24, choices=DosingMode.choices)

    # Dosing weight.
    weight_measurement = models.ForeignKey(
        "patients.BodyMeasurement", on_delete=models.PROTECT, related_name="+"
    )
    measured_weight_kg = models.DecimalField(max_digits=5, decimal_places=1)
    height_cm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    weight_basis = models.CharField(max_length=10, choices=WeightBasis.choices)
    dosing_weight_kg = models.DecimalField(max_digits=5, decimal_places=1)
    weight_explanation = models.CharField(max_length=500, blank=True)

    # What the prescriber ordered.
    dose_mg_per_kg = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    dose_mg_per_kg_per_h = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    duration_min = models.PositiveIntegerField()
    product = models.ForeignKey(StockedProduct, on_delete=models.PROTECT, related_name="+")
    vial_concentration_mg_per_ml = models.DecimalField(max_digits=6, decimal_places=2)
    drug_mg_added = models.DecimalField(max_digits=7, decimal_places=2)
    diluent = models.CharField(max_length=16, choices=Diluent.choices)
    diluent_volume_ml = models.DecimalField(max_digits=7, decimal_places=1)

    # The computed plan, as signed (the calculator's exact output, 6 decimal places).
    dose_mg = models.DecimalField(max_digits=14, decimal_places=6)
    drug_volume_ml = models.DecimalField(max_digits=14, decimal_places=6)
    final_volume_ml = models.DecimalField(max_digits=14, decimal_places=6)
    bag_concentration_mg_per_ml = models.DecimalField(max_digits=14, decimal_places=6)
    volume_to_infuse_ml = models.DecimalField(max_digits=14, decimal_places=6)
    rate_ml_h_exact = models.DecimalField(max_digits=14, decimal_places=6)
    rate_ml_h = models.DecimalField(max_digits=14, decimal_places=6)
    delivered_dose_mg = models.DecimalField(max_digits=14, decimal_places=6)
    pump_resolution_ml_h = models.DecimalField(max_digits=8, decimal_places=3)
    plan = models.JSONField(default=dict, blank=True, help_text="The calculator's full output.")
    warnings = models.JSONField(default=list, blank=True)
    warnings_acknowledged = models.JSONField(default=list, blank=True)
    titration_reason = models.CharField(max_length=300, blank=True)

    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    signature = models.ForeignKey(
        "core.ElectronicSignature",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verification_signature = models.ForeignKey(
        "core.ElectronicSignature",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancel_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "sequence"], name="uniq_order_course_sequence")
        ]
        indexes = [
            models.Index(fields=["clinic", "status"]),
            models.Index(fields=["clinic", "patient", "-created_at"]),
        ]
        ordering = ["course", "sequence"]

    def __str__(self) -> str:
        return f"Order #{self.pk} (infusion {self.sequence})"

    @property
    def ordered_dose(self):
        """The prescribed amount per kg in the protocol's unit (mg/kg or mg/kg/h)."""
        if self.dosing_mode == DosingMode.RATE_PER_HOUR:
            return self.dose_mg_per_kg_per_h
        return self.dose_mg_per_kg

    @property
    def dose_unit(self) -> str:
        return "mg/kg/h" if self.dosing_mode == DosingMode.RATE_PER_HOUR else "mg/kg"

"""The infusion day: a session per infusion appointment, its readiness gate, the chair-side chart
(pump events, vital signs and their alerts, side effects, rescue medication, sedation and
dissociation ratings) and the discharge.

Charting rows are append-only facts: they are never edited (a wrong entry is corrected by a new
one and a note). Every charting row carries the `client_key` the tablet generated, unique per
session, so a retried or offline-queued submission is stored once.

Times: `occurred_at` / `taken_at` / `given_at` are the server's clock when the entry arrived (the
single clock every calculation uses); `client_time` is what the device said, kept for
reconciliation of entries that were queued offline.

Readers (the live board, the PDFs, the flowsheet) should go through clinic/infusions/selectors.py
(`session_state`, `sessions_active`, `session_timeline`), not these tables directly.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from clinic.core.display import display_in_unit
from clinic.core.escalation import EscalationStage
from clinic.core.models import ClinicScopedModel
from clinic.infusions.calculations import AlertLevel as CalcAlertLevel
from clinic.infusions.calculations import EventKind as CalcEventKind
from clinic.infusions.calculations import GateStatus as CalcGateStatus
from clinic.infusions.calculations import Phase as CalcPhase

USER = settings.AUTH_USER_MODEL


class SessionStatus(models.TextChoices):
    """checked_in → ready (gate passed) → running ⇄ paused → stopped → recovering → discharged;
    abandoned only before the start."""

    CHECKED_IN = "checked_in", "Checked in"
    READY = "ready", "Ready to start"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"
    RECOVERING = "recovering", "Recovering"
    DISCHARGED = "discharged", "Discharged"
    ABANDONED = "abandoned", "Abandoned"


# Statuses of a session that is still in the clinic (the live board's rows).
ACTIVE_STATUSES = (
    SessionStatus.CHECKED_IN,
    SessionStatus.READY,
    SessionStatus.RUNNING,
    SessionStatus.PAUSED,
    SessionStatus.STOPPED,
    SessionStatus.RECOVERING,
)
PRE_START_STATUSES = (SessionStatus.CHECKED_IN, SessionStatus.READY)
INFUSING_STATUSES = (SessionStatus.RUNNING, SessionStatus.PAUSED)


class StopReason(models.TextChoices):
    COMPLETED = "completed", "Completed as ordered"
    DISSOCIATION = "dissociation", "Dissociation bothersome to the patient"
    HYPERTENSION = "hypertension", "Blood pressure (hypertension)"
    SIDE_EFFECTS = "side_effects", "Other side effects"
    PATIENT_REQUEST = "patient_request", "Patient request"
    EQUIPMENT = "equipment", "Equipment or IV access problem"
    OTHER = "other", "Other (describe)"


class ScoreSystemChoice(models.TextChoices):
    ALDRETE = "aldrete", "Modified Aldrete"
    PADSS = "padss", "PADSS (modified, infusion variant)"


class InfusionSession(ClinicScopedModel):
    """One patient's infusion visit from check-in to discharge (or abandonment before the start).

    The session binds the appointment, the verified order it gives and the chair. Its status
    moves only through the services. Discharge fields record the score (system, variant, items,
    total), the adult driver and the patient's acknowledgement, which the discharging nurse signs
    as witness (`acknowledgement_signature`, meaning "acknowledgement").
    """

    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="infusion_sessions"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="infusion_sessions"
    )
    order = models.ForeignKey(
        "treatment.InfusionOrder", on_delete=models.PROTECT, related_name="infusion_sessions"
    )
    chair = models.ForeignKey("scheduling.Room", on_delete=models.PROTECT, related_name="+")
    order_choice_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why the nurse chose an order other than the next in sequence at check-in.",
    )
    status = models.CharField(max_length=12, choices=SessionStatus.choices, default=SessionStatus.CHECKED_IN)
    nurse = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", help_text="The nurse responsible for the patient."
    )
    checked_in_at = models.DateTimeField()
    checked_in_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    gate_passed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=20, choices=StopReason.choices, blank=True)
    stop_reason_detail = models.CharField(max_length=300, blank=True)
    recovery_started_at = models.DateTimeField(null=True, blank=True)
    abandoned_at = models.DateTimeField(null=True, blank=True)
    abandon_reason = models.CharField(max_length=300, blank=True)

    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    discharge_score_system = models.CharField(max_length=10, choices=ScoreSystemChoice.choices, blank=True)
    discharge_score_variant = models.CharField(max_length=60, blank=True)
    discharge_score_items = models.JSONField(default=dict, blank=True)
    discharge_score_total = models.PositiveSmallIntegerField(null=True, blank=True)
    driver_name = models.CharField(max_length=120, blank=True)
    driver_phone = models.CharField(max_length=20, blank=True, help_text="E.164.")
    patient_typed_name = models.CharField(max_length=200, blank=True)
    instructions_acknowledged = models.JSONField(
        default=list, blank=True, help_text="Codes of the discharge instructions the patient ticked."
    )
    no_driving_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    acknowledgement_signature = models.ForeignKey(
        "core.ElectronicSignature",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            # One live session per appointment (an abandoned one may be followed by a new check-in).
            models.UniqueConstraint(
                fields=["appointment"],
                condition=~Q(status="abandoned"),
                name="uniq_infusion_session_appointment_live",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=~Q(status="abandoned"),
                name="uniq_infusion_session_order_live",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "status"]),
            models.Index(fields=["clinic", "started_at"]),
            models.Index(fields=["clinic", "checked_in_at"]),
            models.Index(fields=["patient", "-checked_in_at"]),
        ]
        ordering = ["-checked_in_at"]

    def __str__(self) -> str:
        return f"Infusion session #{self.pk} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_pre_start(self) -> bool:
        return self.status in PRE_START_STATUSES

    @property
    def is_infusing(self) -> bool:
        return self.status in INFUSING_STATUSES


class GateItem(models.TextChoices):
    """The readiness-gate items, in the order the nurse works through them."""

    IDENTITY = "identity", "Identity (two identifiers)"
    ORDER = "order", "Verified order for this patient"
    FASTING = "fasting", "Fasting"
    ESCORT = "escort", "Adult escort / driver"
    MEDICATIONS = "medications", "Medication changes reviewed"
    PREGNANCY = "pregnancy", "Pregnancy status"
    QUESTIONNAIRE = "questionnaire", "Today's questionnaire"
    SUICIDE_SCREEN = "suicide_screen", "Suicide-risk screen (ASQ) and safety alerts"
    PRE_DOSE_VITALS = "pre_dose_vitals", "Pre-dose vital signs"


# Failing items a physician may not override: the wrong patient, an order nobody double-checked, and
# the suicide-risk screen (domain.md §5.2: a high-risk screen blocks the start; a clinician evaluates
# the patient and acknowledges the safety alert, then the gate is re-checked).
NON_OVERRIDABLE_ITEMS = frozenset({GateItem.IDENTITY, GateItem.ORDER, GateItem.SUICIDE_SCREEN})

GateItemStatus = CalcGateStatus


class ReadinessCheck(ClinicScopedModel):
    """One completed run of the readiness gate. A re-check makes a new version; the latest counts.

    `items` maps each GateItem to {"status": pass|fail|warn|na, "value": …, "note": …}.
    `passed` is true when no item failed; failing items may be overridden by a physician
    (GateOverride) against this version.
    """

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="readiness_checks")
    version = models.PositiveSmallIntegerField()
    items = models.JSONField()
    passed = models.BooleanField()
    completed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "version"], name="uniq_readiness_session_version")
        ]
        ordering = ["session", "-version"]

    def __str__(self) -> str:
        return f"Readiness check v{self.version} ({'passed' if self.passed else 'failed'})"

    @property
    def failing_items(self) -> list[str]:
        return [key for key, item in self.items.items() if item.get("status") == GateItemStatus.FAIL]


class GateOverride(ClinicScopedModel):
    """A physician's signed decision to start despite one failing gate item, with the reason."""

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="gate_overrides")
    readiness_check = models.ForeignKey(ReadinessCheck, on_delete=models.PROTECT, related_name="overrides")
    item = models.CharField(max_length=20, choices=GateItem.choices)
    overridden_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    # Set in the same transaction right after the row exists (the signature binds to its id).
    signature = models.ForeignKey(
        "core.ElectronicSignature", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["readiness_check", "item"], name="uniq_gate_override_check_item")
        ]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Override of {self.item} on session #{self.session_id}"


class EventKind(models.TextChoices):
    START = CalcEventKind.START, "Start"
    PAUSE = CalcEventKind.PAUSE, "Pause"
    RESUME = CalcEventKind.RESUME, "Resume"
    RATE_CHANGE = CalcEventKind.RATE_CHANGE, "Rate change"
    STOP = CalcEventKind.STOP, "Stop"


class ChartEntry(ClinicScopedModel):
    """Fields every chair-side entry shares: its session, who charted it and its client key."""

    client_key = models.UUIDField(help_text="Generated by the tablet; a retry with it is not stored twice.")
    client_time = models.DateTimeField(null=True, blank=True, help_text="The device's clock at entry.")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True


class InfusionEvent(ChartEntry):
    """A pump event. `rate_ml_h` is the rate from this moment (start, resume, rate change)."""

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    occurred_at = models.DateTimeField()
    rate_ml_h = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "client_key"], name="uniq_infusion_event_client_key")
        ]
        indexes = [models.Index(fields=["session", "occurred_at"])]
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.occurred_at:%H:%M}"


class VitalPhase(models.TextChoices):
    PRE = CalcPhase.PRE, "Pre-dose"
    DURING = CalcPhase.DURING, "During infusion"
    RECOVERY = CalcPhase.RECOVERY, "Recovery"


class VitalSign(ChartEntry):
    """One set of vital signs. Ranges (refused, never stored): SBP 50–300, DBP 20–200 mm Hg,
    HR 20–250 bpm, SpO2 50–100 %, RR 4–60 /min, temperature 30–43 °C."""

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="vitals")
    phase = models.CharField(max_length=10, choices=VitalPhase.choices)
    taken_at = models.DateTimeField()
    sbp = models.PositiveSmallIntegerField(help_text="Systolic BP (mm Hg)")
    dbp = models.PositiveSmallIntegerField(help_text="Diastolic BP (mm Hg)")
    hr = models.PositiveSmallIntegerField(help_text="Heart rate (bpm)")
    spo2 = models.PositiveSmallIntegerField(help_text="SpO2 (%)")
    rr = models.PositiveSmallIntegerField(help_text="Respiratory rate (breaths/min)")
    temp_c = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "client_key"], name="uniq_vital_client_key")
        ]
        indexes = [models.Index(fields=["session", "phase", "-taken_at"])]
        ordering = ["taken_at", "pk"]

    def __str__(self) -> str:
        return f"{self.sbp}/{self.dbp} mm Hg, HR {self.hr} at {self.taken_at:%H:%M}"


class VitalAlertLevel(models.TextChoices):
    WARNING = CalcAlertLevel.WARNING, "Warning"
    CALL_PHYSICIAN = CalcAlertLevel.CALL_PHYSICIAN, "Call the physician"
    PAUSE = CalcAlertLevel.PAUSE, "Pause the infusion"
    STOP = CalcAlertLevel.STOP, "Stop the infusion"


# What each level tells the nurse to do, as the headline of the alert (chair-side page, board, Today):
# the level in words, never only a colour.
VITAL_ALERT_HEADLINES = {
    VitalAlertLevel.STOP: "STOP THE INFUSION",
    VitalAlertLevel.PAUSE: "PAUSE THE INFUSION",
    VitalAlertLevel.CALL_PHYSICIAN: "CALL THE PHYSICIAN",
    VitalAlertLevel.WARNING: "WARNING",
}


class VitalAlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class VitalAlert(ClinicScopedModel):
    """A reading past a limit, raised with the reading; a clinician acknowledges it and says what
    was done (`action_taken`). Open alerts block the discharge.

    An alert still open after the clinic's `vital_alert_escalation_minutes` is escalated to the
    physician on duty by the job worker's sweep (`escalation_stage`, `escalated_at`, `escalated_to`;
    see clinic/core/escalation.py)."""

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="alerts")
    vital = models.ForeignKey(VitalSign, on_delete=models.PROTECT, related_name="alerts")
    level = models.CharField(max_length=16, choices=VitalAlertLevel.choices)
    parameter = models.CharField(max_length=12)
    message = models.CharField(max_length=300)
    suggested_action = models.CharField(max_length=400)
    status = models.CharField(max_length=12, choices=VitalAlertStatus.choices, default=VitalAlertStatus.OPEN)
    acknowledged_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    action_taken = models.CharField(max_length=500, blank=True)
    acknowledge_client_key = models.UUIDField(null=True, blank=True)
    escalation_stage = models.PositiveSmallIntegerField(
        choices=EscalationStage.CHOICES, default=EscalationStage.NONE
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ManyToManyField(
        USER, blank=True, related_name="+", help_text="Who the alert was escalated to (physicians)."
    )

    class Meta:
        indexes = [
            models.Index(fields=["session", "status"]),
            models.Index(fields=["clinic", "status"]),
            # The escalation sweep: open alerts not yet escalated, oldest first.
            models.Index(fields=["status", "escalation_stage", "created_at"], name="valert_escalation_idx"),
        ]
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.message}"

    @property
    def is_open(self) -> bool:
        return self.status == VitalAlertStatus.OPEN

    @property
    def headline(self) -> str:
        return VITAL_ALERT_HEADLINES.get(self.level, self.get_level_display().upper())


class SideEffectKind(models.TextChoices):
    NAUSEA = "nausea", "Nausea"
    VOMITING = "vomiting", "Vomiting"
    DIZZINESS = "dizziness", "Dizziness"
    HEADACHE = "headache", "Headache"
    ANXIETY = "anxiety", "Anxiety"
    BLURRED_VISION = "blurred_vision", "Blurred vision"
    DISSOCIATION = "dissociation", "Dissociation"
    EMERGENCE_REACTION = "emergence_reaction", "Emergence reaction"
    OTHER = "other", "Other (describe)"


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class SideEffect(ChartEntry):
    """A side effect observed or reported during the session (domain.md §3.3)."""

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="side_effects")
    kind = models.CharField(max_length=20, choices=SideEffectKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    occurred_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "client_key"], name="uniq_side_effect_client_key")
        ]
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_severity_display()})"


class RescueDrug(models.TextChoices):
    ONDANSETRON = "ondansetron", "Ondansetron"
    MIDAZOLAM = "midazolam", "Midazolam"
    OTHER = "other", "Other (name it)"


class Route(models.TextChoices):
    IV = "iv", "IV"
    PO = "po", "PO (by mouth)"
    ODT = "odt", "ODT (dissolving tablet)"
    IM = "im", "IM"


class RescueMedication(ChartEntry):
    """A rescue drug given (e.g. ondansetron 4 mg IV for nausea, midazolam for an emergence
    reaction; domain.md §3.3). Doses in mg; sanity ranges in calculations.RESCUE_DOSE_RANGES."""

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="rescue_medications")
    drug = models.CharField(max_length=12, choices=RescueDrug.choices)
    drug_name = models.CharField(max_length=80, blank=True, help_text="For 'other'.")
    dose = models.DecimalField(max_digits=7, decimal_places=2)
    unit = models.CharField(max_length=4, default="mg")
    route = models.CharField(max_length=4, choices=Route.choices)
    given_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "client_key"], name="uniq_rescue_med_client_key")
        ]
        ordering = ["given_at", "pk"]

    def __str__(self) -> str:
        return f"{self.display_name} {display_in_unit(self.dose, self.unit)} {self.get_route_display()}"

    @property
    def display_name(self) -> str:
        return self.drug_name if self.drug == RescueDrug.OTHER else self.get_drug_display()


class RatingScaleChoice(models.TextChoices):
    MOAA_S = "moaa_s", "Sedation (MOAA/S 0–5)"
    CADSS6 = "cadss6", "Dissociation (CADSS-6 total 0–24)"


class ClinicalRating(ChartEntry):
    """A sedation (MOAA/S 0–5) or dissociation (CADSS-6 total 0–24) rating. Only the total the
    nurse enters is stored, with the scale's label (the CADSS licence is undetermined, [U])."""

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="ratings")
    scale = models.CharField(max_length=10, choices=RatingScaleChoice.choices)
    value = models.PositiveSmallIntegerField()
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "client_key"], name="uniq_rating_client_key")
        ]
        ordering = ["taken_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_scale_display()}: {self.value}"

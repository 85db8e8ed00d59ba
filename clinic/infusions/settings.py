"""Clinic settings of the infusion day: readiness gate, vital-sign limits, cadence, recovery, discharge.

Registered in `InfusionsConfig.ready()` (never at import, so importing the key names is harmless).
Each default cites ../shared/domain.md. Where domain.md confirms no number (intra-infusion pause/stop
thresholds, heart-rate and respiratory-rate limits) the default is a conservative product value
marked [U]: the medical director must review it before go-live.

The fasting and no-driving keys are shared with the reminders app (the same numbers drive the
patient's reminder, the gate and the discharge instructions): the reminders' definitions are
registered first and win; ours only apply when the reminders app is absent.
"""

import contextlib
from decimal import Decimal

from clinic.core.clinical_settings import REGISTRY, SettingDefinition, register

GROUP = "Infusion day"

PRE_DOSE_MAX_SBP = "pre_dose_max_sbp"
PRE_DOSE_MAX_DBP = "pre_dose_max_dbp"
PRE_DOSE_BP_IS_HARD_STOP = "pre_dose_bp_is_hard_stop"
INTRA_PAUSE_SBP = "intra_pause_sbp"
INTRA_PAUSE_DBP = "intra_pause_dbp"
INTRA_STOP_SBP = "intra_stop_sbp"
INTRA_STOP_DBP = "intra_stop_dbp"
INTRA_RISE_SBP = "intra_rise_sbp_mmHg"
INTRA_RISE_DBP = "intra_rise_dbp_mmHg"
HR_MAX = "hr_max"
HR_MIN = "hr_min"
SPO2_MIN = "spo2_min"
RR_MIN = "rr_min"
RR_MAX = "rr_max"
VITALS_INTERVAL_DURING = "vitals_interval_during_min"
VITALS_INTERVAL_AFTER = "vitals_interval_after_min"
VITALS_DUE_GRACE = "vitals_due_grace_min"
RECOVERY_MIN_MINUTES = "recovery_min_minutes"
DISCHARGE_SCORE_SYSTEM = "discharge_score_system"
DISCHARGE_MIN_SCORE = "discharge_min_score"
FASTING_SOLIDS_HOURS = "fasting_solids_hours"
FASTING_CLEAR_LIQUIDS_HOURS = "fasting_clear_liquids_hours"
PREGNANCY_CHECK_REQUIRED = "pregnancy_check_required"
NO_DRIVING_HOURS = "no_driving_hours"
VITAL_ALERT_ESCALATION_MINUTES = "vital_alert_escalation_minutes"

SCORE_SYSTEMS = ("aldrete", "padss")

_BP = "mm Hg"

DEFINITIONS = (
    SettingDefinition(
        key=PRE_DOSE_MAX_SBP,
        label="Pre-dose gate: highest systolic blood pressure",
        kind="int",
        default=140,
        unit=_BP,
        minimum=120,
        maximum=180,
        source=(
            "Spravato label: delay dosing if BP > 140/90 mm Hg (general guide). Allowed 120–180 mm Hg: "
            "above 180 mm Hg is 'very elevated' (Hebert & Vidt 2008), below 120 turns normal pressures "
            "away (product bound). (domain.md §3.2 [SpravatoPI])"
        ),
        group=GROUP,
        help_text="A pre-dose reading above this fails (or warns on) the readiness gate.",
    ),
    SettingDefinition(
        key=PRE_DOSE_MAX_DBP,
        label="Pre-dose gate: highest diastolic blood pressure",
        kind="int",
        default=90,
        unit=_BP,
        minimum=80,
        maximum=110,
        source=(
            "Spravato label: delay dosing if BP > 140/90 mm Hg (general guide). Allowed 80–110 mm Hg: "
            "above 110 mm Hg is 'very elevated' (Hebert & Vidt 2008), below 80 turns normal pressures "
            "away (product bound). (domain.md §3.2 [SpravatoPI])"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=PRE_DOSE_BP_IS_HARD_STOP,
        label="Pre-dose blood pressure above the limit blocks the start",
        kind="bool",
        default=True,
        source=(
            "domain.md §3.2: 140/90 is a 'general guide' to weigh benefit/risk [SpravatoPI]; "
            "conservative default: the gate item fails and needs a physician override. Off = a "
            "warning the nurse sees but that does not block."
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=INTRA_PAUSE_SBP,
        label="During the infusion: pause above this systolic pressure",
        kind="int",
        default=180,
        unit=_BP,
        minimum=140,
        maximum=200,
        source=(
            "'Very elevated' BP > 180/110 (Hebert & Vidt 2008); using it as a pause rule is unconfirmed, "
            "a product decision. Allowed 140–200 mm Hg: hypertensive urgency starts above 180/120, so a "
            "pause only above 200 mm Hg is not a sane limit (product bound). (domain.md §3.2, §9.3)"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=INTRA_PAUSE_DBP,
        label="During the infusion: pause above this diastolic pressure",
        kind="int",
        default=110,
        unit=_BP,
        minimum=90,
        maximum=120,
        source=(
            "'Very elevated' BP > 180/110 (Hebert & Vidt 2008); using it as a pause rule is unconfirmed, "
            "a product decision. Allowed 90–120 mm Hg: hypertensive urgency starts above 180/120 "
            "(product bound). (domain.md §3.2, §9.3)"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=INTRA_STOP_SBP,
        label="During the infusion: stop above this systolic pressure",
        kind="int",
        default=200,
        unit=_BP,
        minimum=160,
        maximum=220,
        source=(
            "No published stop threshold for IV ketamine was confirmed; conservative product default — "
            "the medical director must review it. Allowed 160–220 mm Hg: urgency frameworks use > 180/120 "
            "(product bound). (domain.md §3.2, §9.3)"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=INTRA_STOP_DBP,
        label="During the infusion: stop above this diastolic pressure",
        kind="int",
        default=120,
        unit=_BP,
        minimum=100,
        maximum=130,
        source=(
            "No published stop threshold for IV ketamine was confirmed; conservative product default — "
            "the medical director must review it. Allowed 100–130 mm Hg: urgency frameworks use > 180/120 "
            "(product bound). (domain.md §3.2, §9.3)"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=INTRA_RISE_SBP,
        label="Systolic rise from the pre-dose reading that calls the physician",
        kind="int",
        default=40,
        unit=_BP,
        minimum=20,
        maximum=60,
        source=(
            "Spravato label: trials counted rises of ≥ 40 mm Hg systolic. Allowed 20–60 mm Hg around "
            "that figure (product bound). (domain.md §3.2 [SpravatoPI])"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=INTRA_RISE_DBP,
        label="Diastolic rise from the pre-dose reading that calls the physician",
        kind="int",
        default=25,
        unit=_BP,
        minimum=10,
        maximum=40,
        source=(
            "Spravato label: trials counted rises of ≥ 25 mm Hg diastolic. Allowed 10–40 mm Hg around "
            "that figure (product bound). (domain.md §3.2 [SpravatoPI])"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=HR_MAX,
        label="Highest heart rate before calling the physician",
        kind="int",
        default=120,
        unit="bpm",
        minimum=100,
        maximum=150,
        source=(
            "No published threshold for IV ketamine was confirmed; conservative product default — the "
            "medical director must review it. Allowed 100–150 bpm: above 100 bpm is a fast heart rate; a "
            "limit above 150 bpm is not a sane alarm (product bound). (domain.md §3.2, §9.3)"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=HR_MIN,
        label="Lowest heart rate before calling the physician",
        kind="int",
        default=50,
        unit="bpm",
        minimum=40,
        maximum=60,
        source=(
            "No published threshold for IV ketamine was confirmed; conservative product default — the "
            "medical director must review it. Allowed 40–60 bpm: below 60 bpm is a slow heart rate; a "
            "limit below 40 bpm is not a sane alarm (product bound). (domain.md §3.2, §9.3)"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=SPO2_MIN,
        label="Lowest oxygen saturation (SpO2)",
        kind="int",
        default=92,
        unit="%",
        minimum=90,
        maximum=96,
        source=(
            "Modified Aldrete score: SpO2 scores 2 only above 92 % on room air and 0 below 90 % even with "
            "oxygen. Allowed 90–96 %: an alarm below 90 % would stay silent through hypoxaemia. "
            "(domain.md §4.1 [Aldrete-tables])"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=RR_MIN,
        label="Lowest respiratory rate",
        kind="int",
        default=10,
        unit="breaths/min",
        minimum=8,
        maximum=12,
        source=(
            "No published threshold for IV ketamine was confirmed; conservative product default — the "
            "medical director must review it. Allowed 8–12 breaths/min (product bound: a limit below 8 "
            "would stay silent through slowed breathing). (domain.md §3.2, §9.3)"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=RR_MAX,
        label="Highest respiratory rate",
        kind="int",
        default=24,
        unit="breaths/min",
        minimum=20,
        maximum=30,
        source=(
            "No published threshold for IV ketamine was confirmed; conservative product default — the "
            "medical director must review it. Allowed 20–30 breaths/min (product bound). "
            "(domain.md §3.2, §9.3)"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=VITALS_INTERVAL_DURING,
        label="Vital signs every … during the infusion",
        kind="int",
        default=10,
        unit="min",
        minimum=1,
        maximum=15,
        source=(
            "Riva-Posse 2018 (684 infusions): BP every 10 min during the infusion; the Ketalar label asks "
            "for continuous monitoring, so at most 15 min between sets (product bound). A protocol's own "
            "cadence takes precedence. "
            "(domain.md §3.1 [Dunlop2018] [Ketalar]; Protocol.vitals_every_min_during)"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=VITALS_INTERVAL_AFTER,
        label="Vital signs every … in recovery",
        kind="int",
        default=15,
        unit="min",
        minimum=1,
        maximum=30,
        source=(
            "Riva-Posse 2018 (684 infusions): every 15 min after the infusion; at most 30 min between "
            "sets in recovery (product bound). A protocol's own cadence takes precedence. "
            "(domain.md §3.1 [Dunlop2018]; Protocol.vitals_every_min_after)"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=VITALS_DUE_GRACE,
        label="Grace before vital signs show as overdue",
        kind="int",
        default=2,
        unit="min",
        minimum=0,
        maximum=5,
        source=(
            "Product default; no published number: allows for the cuff's measuring time. At most 5 min, "
            "so an overdue set shows well before the next is due (product bound)."
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=RECOVERY_MIN_MINUTES,
        label="Shortest observation after the infusion stops",
        kind="int",
        default=60,
        unit="min",
        minimum=30,
        maximum=240,
        source=(
            "domain.md §4.3: IV ketamine clinics observe ~30–60 min after the infusion (clinic "
            "FAQ, non-authoritative); the conservative upper end. Spravato requires ≥ 2 h."
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=DISCHARGE_SCORE_SYSTEM,
        label="Discharge score",
        kind="choice",
        default="aldrete",
        choices=SCORE_SYSTEMS,
        choice_labels=(("aldrete", "Modified Aldrete score"), ("padss", "Modified PADSS")),
        source="domain.md §4.1 (modified Aldrete) and §4.2 (PADSS); the variant is stored per discharge.",
        group=GROUP,
    ),
    SettingDefinition(
        key=DISCHARGE_MIN_SCORE,
        label="Lowest discharge score to go home",
        kind="int",
        default=9,
        unit="points (of 10)",
        minimum=9,
        maximum=10,
        source=(
            "Modified Aldrete ≥ 9 and PADSS ≥ 9 = fit for discharge; a lower pass mark is not allowed. "
            "(domain.md §4.1, §4.2)"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=VITAL_ALERT_ESCALATION_MINUTES,
        label="Unacknowledged vital-sign alert: tell the physician on duty after",
        kind="int",
        # domain.md gives no number (§3.1 asks for continuous monitoring, §3.2 for escalation of
        # emergencies): a short, conservative product default for the medical director to set.
        default=3,
        unit="min",
        minimum=1,
        maximum=15,
        source="Product default; no clinical source — set by the medical director.",
        group=GROUP,
        help_text=(
            "An alert at the chair that nobody has acknowledged after this long is escalated to the "
            "physician on duty (every active physician when no physician shift covers the moment)."
        ),
    ),
    SettingDefinition(
        key=FASTING_SOLIDS_HOURS,
        label="Fasting: no solid food for at least",
        kind="int",
        default=6,
        unit="h",
        minimum=6,
        maximum=12,
        source=(
            "ASA 2017 fasting guideline: light meal 6 h before; the Ketalar label advises against ketamine "
            "for patients who have not followed fasting guidelines, so not less than 6 h. "
            "(domain.md §3.4 [ASA-NPO2017] [Ketalar])"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=FASTING_CLEAR_LIQUIDS_HOURS,
        label="Fasting: no clear liquids for at least",
        kind="int",
        default=2,
        unit="h",
        minimum=2,
        maximum=8,
        source=(
            "ASA 2017 fasting guideline: clear liquids 2 h before; not less than 2 h. "
            "(domain.md §3.4 [ASA-NPO2017])"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=PREGNANCY_CHECK_REQUIRED,
        label="Ask pregnancy status at the gate (female at birth, age 12–55)",
        kind="bool",
        default=True,
        source="domain.md §2.2: pregnancy is a relative contraindication [Cohen2018]; §3.4.",
        group=GROUP,
    ),
    SettingDefinition(
        key=NO_DRIVING_HOURS,
        label="No driving after an infusion for",
        kind="int",
        default=24,
        unit="h",
        minimum=12,
        maximum=48,
        source=(
            "domain.md §4.3: '24 h no driving' is common clinic policy [U]; Spravato: not until "
            "the next day after a restful sleep [V]."
        ),
        group=GROUP,
    ),
)

KEYS = tuple(d.key for d in DEFINITIONS)


def register_infusion_settings() -> None:
    """Register the definitions not yet registered.

    The reminders app registers the fasting and no-driving keys when its settings module is
    imported; import it first so its definitions win and ours are skipped (registering a key twice
    raises). Without the reminders app ours apply.
    """
    with contextlib.suppress(ImportError):
        import clinic.reminders.settings  # noqa: F401
    register(*(d for d in DEFINITIONS if d.key not in REGISTRY))


def as_decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))

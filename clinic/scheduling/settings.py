"""The scheduling app's clinic settings: nurse ratio, series spacing, slot size and feed text.

Registered from `SchedulingConfig.ready()`. A course's own series numbers (count, window, minimum gap,
visit length, infusion duration) come from its protocol version; the values here are the fallbacks
when a series is booked without a course, and the clinic-wide rules.
"""

from clinic.core.clinical_settings import OPERATIONAL, REGISTRY, SettingDefinition, register

NURSE_RATIO = "nurse_to_active_infusion_ratio"
SERIES_MIN_GAP_HOURS = "series_min_gap_hours"
SERIES_WINDOW_DAYS = "series_window_days"
SLOT_MINUTES = "appointment_slot_minutes"
READINESS_MINUTES = "readiness_check_minutes"
PREPARATION_TEXT = "calendar_preparation_text"

DEFAULT_PREPARATION_TEXT = (
    "Before your infusion: no solid food for 6 hours and only clear liquids until 2 hours before. "
    "Bring a responsible adult who will drive you home; you must not drive until the next day "
    "after a night's sleep. Wear comfortable clothes with sleeves that roll up above the elbow. "
    "Tell us about any change to your medicines before the visit."
)

DEFINITIONS = (
    SettingDefinition(
        key=NURSE_RATIO,
        label="Active infusions one nurse may watch at a time",
        kind="int",
        default=2,
        unit="infusions per nurse",
        minimum=1,
        maximum=4,
        source=(
            "No published staffing number: the Ketalar label asks for continuous monitoring and the cohorts "
            "took vital signs every 10 min during the infusion; 1 nurse : 2 active infusions is a "
            "conservative product default, at most 4 (product bound) — set by the medical director. "
            "(domain.md §3.1 [Ketalar] [Dunlop2018])"
        ),
        group="Scheduling",
        help_text=(
            "The planner never books more infusions at once than nurses on duty × this number. "
            "The active part is the readiness check plus the infusion (not the recovery)."
        ),
    ),
    SettingDefinition(
        key=SERIES_MIN_GAP_HOURS,
        label="Minimum time between series visits (when no course is chosen)",
        kind="int",
        default=44,
        unit="h",
        minimum=24,
        maximum=336,
        source=(
            "2–3 infusions a week (Singh 2016), often Mon/Wed/Fri (Murrough 2013); 44 h is the product "
            "default of the mood protocol, and never less than 24 h (one infusion a day at most; product "
            "bound). A course's protocol overrides it. (domain.md §1.2 [Singh2016] [Murrough2013])"
        ),
        group="Scheduling",
    ),
    SettingDefinition(
        key=SERIES_WINDOW_DAYS,
        label="Days a series should fit in (when no course is chosen)",
        kind="int",
        default=21,
        unit="days",
        minimum=1,
        maximum=120,
        source=(
            "About 6 infusions over 2–3 weeks (Murrough 2013). A course's protocol (longest series window) "
            "overrides it. (domain.md §1.2 [U])"
        ),
        group="Scheduling",
    ),
    SettingDefinition(
        key=SLOT_MINUTES,
        label="Booking grid step",
        kind="int",
        default=15,
        unit="min",
        minimum=5,
        maximum=60,
        source="Product default (scheduling granularity); not a clinical value.",
        group="Scheduling",
        help_text="Visits start on this step from opening time; the day view has one row per step.",
        category=OPERATIONAL,
    ),
    SettingDefinition(
        key=READINESS_MINUTES,
        label="Readiness check before the infusion starts",
        kind="int",
        default=15,
        unit="min",
        minimum=0,
        maximum=60,
        source=(
            "The pre-infusion checks (fasting, escort, vital signs, scores) have no published duration; "
            "15 min is a product default for planning nurse time. (domain.md §3.4)"
        ),
        group="Scheduling",
        help_text="Counted as nurse time, with the infusion, for the nurse-to-infusion ratio.",
        category=OPERATIONAL,
    ),
    SettingDefinition(
        key=PREPARATION_TEXT,
        label="Preparation reminder in patients' calendar feeds",
        kind="text",
        default=DEFAULT_PREPARATION_TEXT,
        source=(
            "Fasting (light meal 6 h, clear liquids 2 h: ASA 2017 fasting guideline), a driver, and no "
            "driving until the next day after a restful sleep (Spravato label). "
            "(domain.md §3.4 [ASA-NPO2017]; §4.3 [SpravatoPI])"
        ),
        group="Scheduling",
    ),
)


def register_scheduling_settings() -> None:
    # ready() can run more than once in one process (some test runners); register once.
    register(*(d for d in DEFINITIONS if d.key not in REGISTRY))

"""Clinic settings the evaluation reads, registered in the clinic settings registry at start-up."""

from clinic.core.clinical_settings import SettingDefinition, register

BASELINE_MEASURE_MAX_AGE_DAYS = "baseline_measure_max_age_days"

register(
    SettingDefinition(
        key=BASELINE_MEASURE_MAX_AGE_DAYS,
        label="Baseline measures count when completed within",
        kind="int",
        default=30,
        unit="days",
        minimum=1,
        maximum=90,
        source=(
            "Product default; the sources ask for baseline PHQ-9, a suicide-risk screen and a pain score but "
            "give no maximum age, so the clinic sets it; at most 90 days, or it is no longer a baseline "
            "(product bound). (domain.md §3.4)"
        ),
        group="Evaluation",
        help_text="A candidacy decision needs each baseline measure completed within this window.",
    ),
)

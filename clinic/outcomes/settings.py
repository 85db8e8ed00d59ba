"""Clinic settings of the suicide-risk workflow, registered at start-up (OutcomesConfig.ready).

How a response maps to a safety alert (see docs/questionnaires.md):
- ASQ "yes" to question 5 (thoughts of killing yourself right now) → acute, always.
- ASQ yes or declined to any of questions 1–4 → `outcomes_asq_positive_alert_level` (default high).
- PHQ-9 item 9 at or above `outcomes_phq9_item9_high_minimum` (default 2) → high.
- PHQ-9 item 9 at or above `outcomes_phq9_item9_alert_minimum` (default 1) → moderate.

An alert nobody acknowledges escalates (clinic/core/escalation.py): to the physician on duty after
`safety_alert_escalation_minutes`, then to the administrators `safety_alert_admin_escalation_minutes`
after that. domain.md §5.2 asks for "immediate clinician notification" of a high risk but gives no
minutes: both are conservative product defaults for the medical director to set.
"""

from clinic.core.clinical_settings import SettingDefinition, register

PHQ9_ITEM9_ALERT_MINIMUM = "outcomes_phq9_item9_alert_minimum"
PHQ9_ITEM9_HIGH_MINIMUM = "outcomes_phq9_item9_high_minimum"
ASQ_POSITIVE_ALERT_LEVEL = "outcomes_asq_positive_alert_level"
SAFETY_ALERT_ESCALATION_MINUTES = "safety_alert_escalation_minutes"
SAFETY_ALERT_ADMIN_ESCALATION_MINUTES = "safety_alert_admin_escalation_minutes"

GROUP = "Outcomes and suicide-risk screening"

register(
    SettingDefinition(
        key=PHQ9_ITEM9_ALERT_MINIMUM,
        label="PHQ-9 question 9 answer that raises a suicide-risk alert",
        kind="int",
        default=1,  # domain.md §5.1: "any score ≥ 1 → suicide-risk assessment" (standard PHQ guidance)
        unit="points (0–3)",
        minimum=1,
        maximum=1,
        source=(
            "PHQ-9 question 9: any answer of 1 or more calls for a suicide-risk assessment (standard PHQ "
            "guidance), so no higher threshold is allowed. (domain.md §5.1, §5.2)"
        ),
        group=GROUP,
        help_text="At or above this answer a clinician alert is raised that must be acknowledged.",
    ),
    SettingDefinition(
        key=PHQ9_ITEM9_HIGH_MINIMUM,
        label="PHQ-9 question 9 answer that makes the alert high (otherwise moderate)",
        kind="int",
        default=2,  # local mapping of the §5.2 triage tiers; domain.md gives no PHQ-9 tiering
        unit="points (0–3)",
        minimum=1,
        maximum=3,
        source=(
            "Local mapping onto the moderate/high tiers of the C-SSRS triage; PHQ-9 guidance gives "
            "only the ≥ 1 trigger. Answers of 2 (more than half the days) or 3 (nearly every day) "
            "are treated as high. (domain.md §5.1, §5.2)"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=ASQ_POSITIVE_ALERT_LEVEL,
        label="Alert level of a non-acute positive ASQ screen",
        kind="choice",
        default="high",  # §5.2: positive screen needs a safety assessment before the patient leaves
        choices=("moderate", "high"),
        choice_labels=(("moderate", "Moderate"), ("high", "High")),
        source=(
            "domain.md §5.2 (NIMH ASQ: any yes = positive screen needing evaluation; yes to "
            "question 5 = acute positive, always 'acute')."
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=SAFETY_ALERT_ESCALATION_MINUTES,
        label="Unacknowledged suicide-risk alert: tell the physician on duty after",
        kind="int",
        # domain.md §5.2: high risk needs "immediate clinician notification" (every clinician sees
        # the alert at once); no minutes are given for the escalation: conservative product default.
        default=10,
        unit="min",
        minimum=1,
        maximum=240,
        source=(
            "Product default; no clinical source — set by the medical director. A high suicide risk "
            "needs immediate clinician notification (C-SSRS triage, Lifeline guideline)."
        ),
        group=GROUP,
        help_text=(
            "Every physician and nurse sees a new alert at once; if nobody acknowledges it in this "
            "time it is escalated to the physician on duty (every active physician when no physician "
            "shift covers the moment)."
        ),
    ),
    SettingDefinition(
        key=SAFETY_ALERT_ADMIN_ESCALATION_MINUTES,
        label="Still unacknowledged after the physician was told: tell the administrators after",
        kind="int",
        # No source gives a number (domain.md §5.2 has none): conservative product default.
        default=30,
        unit="min",
        minimum=5,
        maximum=1440,
        source="Product default; no clinical source — set by the medical director.",
        group=GROUP,
        help_text="Counted from the escalation to the physician on duty.",
    ),
)

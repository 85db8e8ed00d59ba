"""Clinic settings for reminders and preparation, registered in the clinic settings registry at
start-up (RemindersConfig.ready). Defaults cite ../shared/domain.md."""

from clinic.core.clinical_settings import OPERATIONAL, SettingDefinition, register

REMINDER_HOURS_BEFORE = "reminder_hours_before"
SECOND_REMINDER_HOURS_BEFORE = "second_reminder_hours_before"
REMINDER_CHANNELS = "reminder_channels"
FASTING_SOLIDS_HOURS = "fasting_solids_hours"
FASTING_FATTY_FOOD_HOURS = "fasting_fatty_food_hours"
FASTING_CLEAR_LIQUIDS_HOURS = "fasting_clear_liquids_hours"
NO_DRIVING_HOURS = "no_driving_hours"
PREPARATION_CLOTHING_TEXT = "preparation_clothing_text"

CHANNELS_EMAIL_AND_SMS = "email_and_sms"
CHANNELS_EMAIL = "email"
CHANNELS_SMS = "sms"

DEFAULT_CLOTHING_TEXT = (
    "Wear comfortable, loose clothing with short sleeves (or sleeves that roll up above the "
    "elbow) for the IV line and the blood-pressure cuff. Bring a warm layer, and headphones or an "
    "eye mask if you like."
)

GROUP = "Reminders and preparation"

register(
    SettingDefinition(
        key=REMINDER_HOURS_BEFORE,
        label="Send the visit reminder this long before an infusion",
        kind="int",
        default=48,
        unit="h",
        minimum=1,
        maximum=336,
        source="Product default (two days leave time to arrange a driver); not a clinical value.",
        group=GROUP,
        help_text="A visit booked later than this is reminded at once.",
        category=OPERATIONAL,
    ),
    SettingDefinition(
        key=SECOND_REMINDER_HOURS_BEFORE,
        label="Send a second reminder this long before (0 = no second reminder)",
        kind="int",
        default=0,
        unit="h",
        minimum=0,
        maximum=168,
        source="Product default: off. Must be shorter than the first reminder's lead time.",
        group=GROUP,
        category=OPERATIONAL,
    ),
    SettingDefinition(
        key=REMINDER_CHANNELS,
        label="Send reminders by",
        kind="choice",
        default=CHANNELS_EMAIL_AND_SMS,
        choices=(CHANNELS_EMAIL_AND_SMS, CHANNELS_EMAIL, CHANNELS_SMS),
        choice_labels=(
            (CHANNELS_EMAIL_AND_SMS, "E-mail and text message"),
            (CHANNELS_EMAIL, "E-mail only"),
            (CHANNELS_SMS, "Text message only"),
        ),
        source="Product default: every channel the patient gave us (e-mail and mobile).",
        group=GROUP,
        category=OPERATIONAL,
    ),
    SettingDefinition(
        key=FASTING_SOLIDS_HOURS,
        label="No solid food (light meal) for",
        kind="int",
        default=6,
        unit="h",
        minimum=6,
        maximum=12,
        source=(
            "ASA 2017 fasting guideline: light meal 6 h before; the Ketalar label advises against ketamine "
            "for patients who have not followed fasting guidelines, so not less than 6 h. "
            "(domain.md §3.4 [ASA-NPO2017] [Ketalar] [V])"
        ),
        group=GROUP,
        help_text="Reminders give it as a clock time before the visit.",
    ),
    SettingDefinition(
        key=FASTING_FATTY_FOOD_HOURS,
        label="No fried or fatty food or meat for",
        kind="int",
        default=8,
        unit="h",
        minimum=8,
        maximum=24,
        source=(
            "ASA 2017 fasting guideline: fried or fatty food or meat at least 8 h before; not less. "
            "(domain.md §3.4 [ASA-NPO2017] [V])"
        ),
        group=GROUP,
        help_text="Mentioned in reminders when longer than the light-meal time.",
    ),
    SettingDefinition(
        key=FASTING_CLEAR_LIQUIDS_HOURS,
        label="No clear liquids for",
        kind="int",
        default=2,
        unit="h",
        minimum=2,
        maximum=8,
        source=(
            "ASA 2017 fasting guideline: clear liquids 2 h before; not less. "
            "(domain.md §3.4 [ASA-NPO2017] [V])"
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=NO_DRIVING_HOURS,
        label="No driving after an infusion for",
        kind="int",
        default=24,
        unit="h",
        minimum=12,
        maximum=72,
        source=(
            "domain.md §4.3: a 24 h no-driving rule is common clinic policy [U]; Spravato: not "
            "until the next day after a restful sleep [V]."
        ),
        group=GROUP,
    ),
    SettingDefinition(
        key=PREPARATION_CLOTHING_TEXT,
        label="What to wear (sentence in reminders)",
        kind="text",
        default=DEFAULT_CLOTHING_TEXT,
        source="Product default; not a clinical value.",
        group=GROUP,
        category=OPERATIONAL,
    ),
)

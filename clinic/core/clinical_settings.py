"""The registry of clinic-configurable settings.

Every threshold, dose limit and interval the software enforces is declared here with its unit, its
sane range and the source of its default in ../shared/domain.md. Later apps add their settings to
this registry.

Each setting has a category:
- **clinical** (thresholds, doses, intervals, escalation minutes; the default when a definition does
  not say): changed only through a medical director's proposal that a second clinician co-signs
  (`services.clinic_setting_propose` → `clinic_setting_cosign`);
- **operational** (rate limits, appointment lengths, reminder times): an administrator changes it at
  once with a reason (`services.clinic_setting_update`).

Related limits are declared as `SettingRelation`s (pause below stop, minimum below maximum…) and
checked on every change against the clinic's effective values by the pure `relation_problems`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clinic.core.phones import DEFAULT_REGION, PHONE_REGION, REGIONS
from clinic.core.sources import clinician_source  # the source as a clinician reads it

CLINICAL = "clinical"
OPERATIONAL = "operational"
CATEGORY_LABELS = {CLINICAL: "Clinical", OPERATIONAL: "Operational"}


@dataclass(frozen=True)
class SettingDefinition:
    key: str
    label: str
    kind: str  # "int" | "decimal" | "bool" | "choice" | "text"
    default: Any
    unit: str = ""
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    choices: tuple[str, ...] = ()
    # What a person reads for each choice ("clements250" → "Clements & Nimmo 1981 …"); the code if absent.
    choice_labels: tuple[tuple[str, str], ...] = ()
    source: str = ""  # citation of the default, e.g. "domain.md §3.2 [SpravatoPI]"
    group: str = "General"
    help_text: str = ""
    # Conservative default: a definition that does not say is clinical (two-person rule).
    category: str = CLINICAL

    @property
    def is_clinical(self) -> bool:
        return self.category != OPERATIONAL

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[CLINICAL if self.is_clinical else OPERATIONAL]

    @property
    def display_source(self) -> str:
        """The source as a clinician reads it: no file names, sections or confidence tags."""
        return clinician_source(self.source)

    @property
    def range_text(self) -> str:
        if self.minimum is None and self.maximum is None:
            return ""
        unit = f" {self.unit}" if self.unit else ""
        if self.maximum is None:
            return f"at least {self.minimum}{unit}"
        if self.minimum is None:
            return f"at most {self.maximum}{unit}"
        return f"{self.minimum} to {self.maximum}{unit}"

    def choice_label(self, value: Any) -> str:
        return dict(self.choice_labels).get(value, str(value))

    @property
    def default_text(self) -> str:
        return self.format_value(self.default)

    def format_value(self, value: Any) -> str:
        """A value with its unit, as pages and messages show it."""
        if self.kind == "bool":
            return "yes" if value in (True, "true") else "no"
        if self.kind == "choice":
            return self.choice_label(value)
        text = str(value)
        return f"{text} {self.unit}" if self.unit and self.kind in ("int", "decimal") else text

    def bounds_problem(self, value: Any) -> str | None:
        """Why a stored value lies outside today's sane range (None when inside, or not a number).

        Stored values are never re-parsed on read: a range tightened after a value was stored must
        not break a page, so the settings page shows such a value flagged instead."""
        if self.kind not in ("int", "decimal"):
            return None
        try:
            number = Decimal(str(value))
        except Exception:  # noqa: BLE001 - an unreadable stored value is reported, not raised
            return "is not a number"
        if self.minimum is not None and number < Decimal(str(self.minimum)):
            return f"is below the allowed range ({self.range_text})"
        if self.maximum is not None and number > Decimal(str(self.maximum)):
            return f"is above the allowed range ({self.range_text})"
        return None

    def parse(self, raw: Any) -> Any:
        """Convert raw form/JSON input into the stored value, or raise ValueError naming the problem."""
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"true", "1", "yes", "on"}:
                return True
            if text in {"false", "0", "no", "off", ""}:
                return False
            raise ValueError("must be yes or no")
        if self.kind == "choice":
            if raw not in self.choices:
                raise ValueError(f"must be one of: {', '.join(self.choices)}")
            return raw
        if self.kind == "text":
            text = str(raw).strip()
            if not text:
                raise ValueError("must not be empty")
            if len(text) > 2000:
                raise ValueError("must be at most 2000 characters")
            return text
        try:
            number = int(str(raw).strip()) if self.kind == "int" else Decimal(str(raw).strip())
        except Exception as exc:  # noqa: BLE001 - any parse failure is the same user error
            raise ValueError("must be a number") from exc
        if self.kind == "decimal" and not number.is_finite():
            raise ValueError("must be a number")
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"must be at least {self.minimum} {self.unit}".rstrip())
        if self.maximum is not None and number > self.maximum:
            raise ValueError(f"must be at most {self.maximum} {self.unit}".rstrip())
        return number if self.kind == "int" else str(number)

    def to_python(self, stored: Any) -> Any:
        if self.kind == "decimal":
            return Decimal(str(stored))
        return stored


REGISTRY: dict[str, SettingDefinition] = {}


def register(*definitions: SettingDefinition) -> None:
    for definition in definitions:
        if definition.key in REGISTRY:
            raise ValueError(f"Setting {definition.key} registered twice")
        REGISTRY[definition.key] = definition


def get_definition(key: str) -> SettingDefinition:
    return REGISTRY[key]


register(
    SettingDefinition(
        key="public_request_rate_limit_per_hour",
        label="Consultation requests accepted per address per hour",
        kind="int",
        default=5,
        unit="requests/h",
        minimum=1,
        maximum=100,
        source="Product decision (spam resistance); not a clinical value.",
        group="Front door",
        category=OPERATIONAL,
    ),
    SettingDefinition(
        key="consultation_length_minutes",
        label="Consultation appointment length",
        kind="int",
        default=60,
        unit="min",
        minimum=15,
        maximum=180,
        source="Product default; no published clinical source — set by the clinic.",
        group="Scheduling",
        category=OPERATIONAL,
    ),
    SettingDefinition(
        key="minimum_patient_age_years",
        label="Minimum patient age flagged at intake",
        kind="int",
        default=18,
        unit="years",
        minimum=18,
        maximum=30,
        source=(
            "Esketamine is not approved for children (Spravato label); under-18s are always flagged. "
            "(domain.md §2.2 [SpravatoPI])"
        ),
        group="Front door",
    ),
    # Operational, not clinical: how phone numbers are read and shown (clinic/core/phones.py).
    SettingDefinition(
        key=PHONE_REGION,
        label="Country of the clinic's phone numbers",
        kind="choice",
        default=DEFAULT_REGION,
        choices=REGIONS,
        source="Product default: the clinics are in the United States; not a clinical value.",
        group="Clinic",
        category=OPERATIONAL,
        help_text=(
            "Numbers typed without + are read as this country's; its numbers are shown in national "
            "format, e.g. (617) 555-0100, others in international format, e.g. +44 20 7946 0958."
        ),
    ),
)

# --- relations between settings ---------------------------------------------------------------------

RELATION_BROKEN = "{lower} ({lower_value}) must be {comparison} {upper} ({upper_value}): {why}."


@dataclass(frozen=True)
class SettingRelation:
    """`lower` must stay below `upper` (or equal, with `allow_equal`).

    `lower_off_value` is a value of `lower` that switches its feature off (e.g. 0 = no second
    reminder), which the relation then does not check. A relation whose two settings are not both
    registered is skipped (an app may be absent)."""

    lower: str
    upper: str
    why: str
    allow_equal: bool = False
    lower_off_value: Any = None

    @property
    def comparison(self) -> str:
        return "at most" if self.allow_equal else "lower than"

    def holds(self, lower_value: Any, upper_value: Any) -> bool:
        if self.lower_off_value is not None and _number(lower_value) == _number(self.lower_off_value):
            return True
        low, high = _number(lower_value), _number(upper_value)
        return low <= high if self.allow_equal else low < high


RELATIONS: list[SettingRelation] = []


def relate(*relations: SettingRelation) -> None:
    for relation in relations:
        if relation not in RELATIONS:
            RELATIONS.append(relation)


def _number(value: Any) -> Decimal:
    return Decimal(str(value))


def relations_of(key: str, *, relations: Iterable[SettingRelation] | None = None) -> list[SettingRelation]:
    return [r for r in (RELATIONS if relations is None else relations) if key in (r.lower, r.upper)]


def relation_problems(
    *,
    values: Mapping[str, Any],
    changed: Iterable[str] | None = None,
    definitions: Mapping[str, SettingDefinition] | None = None,
    relations: Iterable[SettingRelation] | None = None,
) -> list[str]:
    """Every declared relation that `values` break, as messages naming both settings and values.

    `values` are the clinic's effective values (override or default) with any proposed change
    applied. With `changed`, only relations touching those keys are checked (a change is refused for
    what it breaks, not for an older conflict elsewhere). Pure: no database, no clock.
    """
    definitions = REGISTRY if definitions is None else definitions
    wanted = None if changed is None else set(changed)
    problems = []
    for relation in RELATIONS if relations is None else relations:
        if wanted is not None and not wanted & {relation.lower, relation.upper}:
            continue
        lower, upper = definitions.get(relation.lower), definitions.get(relation.upper)
        if lower is None or upper is None or relation.lower not in values or relation.upper not in values:
            continue
        try:
            holds = relation.holds(values[relation.lower], values[relation.upper])
        except ArithmeticError:
            holds = False
        if not holds:
            problems.append(
                RELATION_BROKEN.format(
                    lower=f"“{lower.label}”",
                    lower_value=lower.format_value(values[relation.lower]),
                    comparison=relation.comparison,
                    upper=f"“{upper.label}”",
                    upper_value=upper.format_value(values[relation.upper]),
                    why=relation.why,
                )
            )
    return problems


RELATION_DESCRIBED = "Must be {comparison} “{other}” (now {value}): {why}."


def relation_descriptions(
    *,
    key: str,
    values: Mapping[str, Any],
    definitions: Mapping[str, SettingDefinition] | None = None,
    relations: Iterable[SettingRelation] | None = None,
) -> list[str]:
    """For the page where a setting is changed: each related setting, its current value and the
    rule, e.g. 'Must be lower than “…stop above this systolic pressure” (now 200 mm Hg): …'."""
    definitions = REGISTRY if definitions is None else definitions
    lines = []
    for relation in relations_of(key, relations=relations):
        other_key = relation.upper if relation.lower == key else relation.lower
        other = definitions.get(other_key)
        if other is None or other_key not in values:
            continue
        if relation.lower == key:
            comparison = relation.comparison
        else:
            comparison = "at least" if relation.allow_equal else "higher than"
        lines.append(
            RELATION_DESCRIBED.format(
                comparison=comparison,
                other=other.label,
                value=other.format_value(values[other_key]),
                why=relation.why,
            )
        )
    return lines


# Keys of other apps are named as strings here so that every relation is declared in one place; a
# relation is checked only when both of its settings are registered.
relate(
    SettingRelation(
        "pre_dose_max_sbp",
        "intra_pause_sbp",
        allow_equal=True,
        why="a reading that passes the pre-dose check must not already call for a pause",
    ),
    SettingRelation(
        "pre_dose_max_dbp",
        "intra_pause_dbp",
        allow_equal=True,
        why="a reading that passes the pre-dose check must not already call for a pause",
    ),
    SettingRelation("intra_pause_sbp", "intra_stop_sbp", why="the infusion is paused before it is stopped"),
    SettingRelation("intra_pause_dbp", "intra_stop_dbp", why="the infusion is paused before it is stopped"),
    SettingRelation("hr_min", "hr_max", why="the lowest heart rate must be below the highest"),
    SettingRelation("rr_min", "rr_max", why="the lowest breathing rate must be below the highest"),
    SettingRelation(
        "fasting_clear_liquids_hours",
        "fasting_solids_hours",
        allow_equal=True,
        why="clear liquids are allowed closer to the visit than food (ASA 2017 fasting guideline)",
    ),
    SettingRelation(
        "fasting_solids_hours",
        "fasting_fatty_food_hours",
        allow_equal=True,
        why="fried or fatty food needs at least as long as a light meal (ASA 2017 fasting guideline)",
    ),
    SettingRelation(
        "vitals_due_grace_min",
        "vitals_interval_during_min",
        why="vital signs must show as overdue before the next set is due",
    ),
    SettingRelation(
        "vitals_interval_during_min",
        "vitals_interval_after_min",
        allow_equal=True,
        why="vital signs are taken at least as often during the infusion as in recovery",
    ),
    SettingRelation(
        "vitals_interval_after_min",
        "recovery_min_minutes",
        allow_equal=True,
        why="at least one set of recovery vital signs is taken before the patient may leave",
    ),
    SettingRelation(
        "vital_alert_escalation_minutes",
        "vitals_interval_during_min",
        allow_equal=True,
        why="an unacknowledged alert reaches the physician before the next vital signs are due",
    ),
    SettingRelation(
        "outcomes_phq9_item9_alert_minimum",
        "outcomes_phq9_item9_high_minimum",
        allow_equal=True,
        why="an answer that makes the alert high must raise an alert in the first place",
    ),
    SettingRelation(
        "second_reminder_hours_before",
        "reminder_hours_before",
        lower_off_value=0,
        why="the second reminder is sent after the first (0 = no second reminder)",
    ),
    SettingRelation(
        "pump_rate_resolution_ml_h",
        "pump_max_rate_ml_h",
        why="the pump's rate step must be smaller than its maximum rate",
    ),
)

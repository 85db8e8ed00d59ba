"""The registry of clinic-configurable clinical settings.

Every threshold, dose limit and interval the software enforces is declared here with its unit, its
sane range and the source of its default in ../shared/domain.md. Clinics override values through
`services.clinic_setting_update`, which is audited. Later apps add their settings to this registry.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


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
    source: str = ""  # citation of the default, e.g. "domain.md §3.2 [SpravatoPI]"
    group: str = "General"
    help_text: str = ""

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
    ),
    SettingDefinition(
        key="consultation_length_minutes",
        label="Consultation appointment length",
        kind="int",
        default=60,
        unit="min",
        minimum=15,
        maximum=180,
        source="Product default; no clinical source in domain.md — set by the clinic.",
        group="Scheduling",
    ),
    SettingDefinition(
        key="minimum_patient_age_years",
        label="Minimum patient age flagged at intake",
        kind="int",
        default=18,
        unit="years",
        minimum=0,
        maximum=30,
        source="domain.md §2.2: esketamine not approved in pediatrics [SpravatoPI].",
        group="Front door",
    ),
)

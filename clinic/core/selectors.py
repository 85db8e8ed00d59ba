"""Reads for tenancy-wide concerns."""

from typing import Any

from clinic.core.clinical_settings import REGISTRY, get_definition
from clinic.core.models import Clinic, ClinicSetting


def clinic_setting_value(clinic: Clinic, key: str) -> Any:
    """The clinic's value for a setting, or the registered (cited) default."""
    definition = get_definition(key)
    stored = (
        ClinicSetting.objects.filter(clinic=clinic, key=key).values_list("value", flat=True).first()
    )
    return definition.to_python(definition.default if stored is None else stored)


def clinic_settings_all(clinic: Clinic) -> list[dict[str, Any]]:
    """Every registered setting with its effective value, default and source, grouped for display."""
    overrides = {
        s.key: s for s in ClinicSetting.objects.filter(clinic=clinic).select_related("changed_by")
    }
    rows = []
    for key, definition in REGISTRY.items():
        override = overrides.get(key)
        rows.append(
            {
                "definition": definition,
                "value": definition.to_python(override.value)
                if override
                else definition.to_python(definition.default),
                "is_default": override is None,
                "override": override,
            }
        )
    rows.sort(key=lambda row: (row["definition"].group, row["definition"].label))
    return rows


def clinics_for_user(user) -> list[Clinic]:
    if not user.is_authenticated:
        return []
    return list(
        Clinic.objects.filter(memberships__user=user, memberships__is_active=True).order_by("name")
    )

"""Reads for tenancy-wide concerns."""

from typing import Any

from clinic.core.clinical_settings import REGISTRY, get_definition, relation_problems
from clinic.core.models import Clinic, ClinicSetting, SettingChangeProposal, SettingChangeStatus


def clinic_setting_value(clinic: Clinic, key: str) -> Any:
    """The clinic's value for a setting, or the registered (cited) default."""
    definition = get_definition(key)
    stored = ClinicSetting.objects.filter(clinic=clinic, key=key).values_list("value", flat=True).first()
    return definition.to_python(definition.default if stored is None else stored)


def clinic_settings_effective(clinic: Clinic) -> dict[str, Any]:
    """Every registered setting's effective value (override or cited default), in one query."""
    stored = dict(ClinicSetting.objects.filter(clinic=clinic).values_list("key", "value"))
    return {
        key: definition.to_python(stored.get(key, definition.default)) for key, definition in REGISTRY.items()
    }


def clinic_settings_all(clinic: Clinic) -> list[dict[str, Any]]:
    """Every registered setting with its effective value, default, source, category, any waiting
    proposal and flags: a stored value outside today's sane range, or one that breaks a relation with
    another setting (shown, never raised, so a tightened range cannot break the page). Three queries."""
    overrides = {s.key: s for s in ClinicSetting.objects.filter(clinic=clinic).select_related("changed_by")}
    pending = {p.key: p for p in setting_proposals_pending(clinic=clinic)}
    values = {
        key: definition.to_python(overrides[key].value if key in overrides else definition.default)
        for key, definition in REGISTRY.items()
    }
    rows = []
    for key, definition in REGISTRY.items():
        override = overrides.get(key)
        flags = []
        bounds = definition.bounds_problem(values[key])
        if bounds:
            flags.append(f"This value {bounds}; propose or set a value inside it.")
        flags += relation_problems(values=values, changed=[key])
        rows.append(
            {
                "definition": definition,
                "value": values[key],
                "value_text": definition.format_value(values[key]),
                "is_default": override is None,
                "override": override,
                "pending": pending.get(key),
                "flags": flags,
            }
        )
    rows.sort(key=lambda row: (row["definition"].group, row["definition"].label))
    return rows


def setting_proposals_pending(*, clinic: Clinic):
    """Changes to clinical limits waiting for a co-signature, oldest first."""
    return list(
        SettingChangeProposal.objects.filter(clinic=clinic, status=SettingChangeStatus.PENDING)
        .select_related("proposed_by")
        .order_by("created_at", "pk")
    )


def setting_proposals_recent(*, clinic: Clinic, limit: int = 20):
    """The latest decided proposals (applied, rejected, withdrawn), newest first."""
    return list(
        SettingChangeProposal.objects.filter(clinic=clinic)
        .exclude(status=SettingChangeStatus.PENDING)
        .select_related("proposed_by", "decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )


def setting_proposal_detail(*, clinic: Clinic, proposal_id: int) -> SettingChangeProposal:
    """One proposal of this clinic (SettingChangeProposal.DoesNotExist for another clinic's)."""
    return SettingChangeProposal.objects.select_related("proposed_by", "decided_by", "signature").get(
        clinic=clinic, pk=proposal_id
    )


def clinics_for_user(user) -> list[Clinic]:
    if not user.is_authenticated:
        return []
    return list(Clinic.objects.filter(memberships__user=user, memberships__is_active=True).order_by("name"))

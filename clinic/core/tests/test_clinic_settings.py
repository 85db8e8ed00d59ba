import re
from decimal import Decimal

import pytest

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.core.clinical_settings import REGISTRY, SettingDefinition
from clinic.core.selectors import clinic_setting_value
from clinic.core.services import SETTING_REASON_REQUIRED, SettingValueError, clinic_setting_update

pytestmark = pytest.mark.django_db


def test_every_setting_cites_a_source_and_has_a_valid_default():
    for definition in REGISTRY.values():
        assert definition.source, f"{definition.key} has no cited source"
        # the default must pass its own validation
        definition.parse(definition.default)


def test_default_applies_until_changed_then_change_is_audited(clinic, staff):
    assert clinic_setting_value(clinic, "consultation_length_minutes") == 60
    clinic_setting_update(
        clinic=clinic,
        key="consultation_length_minutes",
        raw_value="45",
        changed_by=staff[Role.ADMIN],
        reason="Shorter slots",
    )
    assert clinic_setting_value(clinic, "consultation_length_minutes") == 45
    event = AuditEvent.objects.filter(object_type="core.ClinicSetting").latest("seq")
    assert event.changes["diff"] == {"value": [60, 45]}
    assert event.changes["extra"]["reason"] == "Shorter slots"


@pytest.mark.parametrize(
    "raw, message", [("abc", "must be a number"), ("5", "at least 15"), ("999", "at most 180")]
)
def test_out_of_range_values_are_refused_and_nothing_stored(clinic, staff, raw, message):
    with pytest.raises(SettingValueError, match=message):
        clinic_setting_update(
            clinic=clinic,
            key="consultation_length_minutes",
            raw_value=raw,
            changed_by=staff[Role.ADMIN],
            reason="r",
        )
    assert clinic_setting_value(clinic, "consultation_length_minutes") == 60


def test_reason_is_required(clinic, staff):
    with pytest.raises(SettingValueError, match=re.escape(SETTING_REASON_REQUIRED)):
        clinic_setting_update(
            clinic=clinic,
            key="consultation_length_minutes",
            raw_value="45",
            changed_by=staff[Role.ADMIN],
            reason="  ",
        )


def test_decimal_settings_round_trip():
    definition = SettingDefinition(
        key="x",
        label="X",
        kind="decimal",
        default="0.5",
        unit="mg/kg",
        minimum=Decimal("0.1"),
        maximum=Decimal("2"),
        source="s",
    )
    assert definition.to_python(definition.parse("0.75")) == Decimal("0.75")
    with pytest.raises(ValueError):
        definition.parse("NaN")
    with pytest.raises(ValueError, match="at most 2 mg/kg"):
        definition.parse("2.5")


def test_settings_page_changes_a_value(clinic, staff, client_for):
    client = client_for(staff[Role.ADMIN])
    response = client.post("/settings/consultation_length_minutes/", {"value": "500", "reason": "x"})
    assert response.status_code == 200
    assert b"at most 180" in response.content
    response = client.post("/settings/consultation_length_minutes/", {"value": "90", "reason": "Long intake"})
    assert response.status_code == 302
    assert clinic_setting_value(clinic, "consultation_length_minutes") == 90


def test_settings_page_is_admin_only(clinic, staff, client_for):
    for role in (Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK):
        assert client_for(staff[role]).get("/settings/").status_code == 403

"""What an audit event is about, in words (clinic/audit/labels.py): no model labels, no field names."""

import re

import pytest
from django.apps import apps

from clinic.audit.labels import RECORD_NAMES, field_label, record_label, record_name

MODEL_LABEL = re.compile(r"\b[a-z_]+\.[A-Z][A-Za-z]+\b")


def _project_models():
    skip = {"admin", "auth", "contenttypes", "sessions", "axes"}
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label not in skip and not m.__name__.startswith("Historical")
    ]


@pytest.mark.parametrize("model", _project_models(), ids=lambda m: m._meta.label)
def test_every_model_an_event_can_name_has_a_name_in_the_one_table(model):
    name = RECORD_NAMES[model._meta.label]
    assert name and not MODEL_LABEL.search(name) and "_" not in name
    assert record_name(model._meta.label) == name


@pytest.mark.parametrize(
    "object_type, object_id, detail, shown",
    [
        ("infusions.VitalSign", "18", "", "Vital signs #18"),
        ("scheduling.Appointment", "71", "", "Appointment #71"),
        ("core.ClinicSetting", "2", "Minimum SpO2", "Clinic setting: Minimum SpO2"),
        ("accounts.User", "", "", "User account"),
        ("legacy.SomethingOld", "3", "", "Something old #3"),  # a type no model answers to
        ("", "", "", "—"),
    ],
)
def test_record_label(object_type, object_id, detail, shown):
    assert record_label(object_type, object_id, detail=detail) == shown


@pytest.mark.parametrize(
    "object_type, key, shown",
    [
        ("infusions.VitalSign", "sbp", "Systolic BP (mm Hg)"),
        ("infusions.VitalSign", "spo2", "SpO2 (%)"),
        ("infusions.VitalSign", "recorded_by_id", "Recorded by"),
        ("infusions.VitalSign", "taken_at", "Taken at"),
        ("treatment.InfusionOrder", "dose_mg_per_kg", "Dose (mg/kg)"),
        ("treatment.InfusionOrder", "dose_mg_per_kg_per_h", "Dose (mg/kg/h)"),
        ("treatment.InfusionOrder", "rate_ml_h", "Rate (mL/h)"),
        ("treatment.InfusionOrder", "bag_concentration_mg_per_ml", "Bag concentration (mg/mL)"),
        ("patients.Patient", "family_name", "Family name"),
        ("core.ClinicSetting", "value", "Value"),
        ("core.SettingChangeProposal", "new_value", "New value"),
        ("core.ClinicSetting", "proposal_id", "Proposal"),  # an extra detail, not a field
        ("", "cosigned_by", "Cosigned by"),
    ],
)
def test_field_label_reads_in_words_with_its_unit(object_type, key, shown):
    assert field_label(object_type, key) == shown

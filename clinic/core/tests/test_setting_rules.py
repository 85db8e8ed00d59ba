"""The pure rules of clinic settings: relations between limits, sane ranges, categories, and the
source as a clinician reads it. No database."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.core.clinical_settings import (
    CLINICAL,
    OPERATIONAL,
    REGISTRY,
    RELATION_BROKEN,
    RELATIONS,
    SettingDefinition,
    SettingRelation,
    clinician_source,
    relation_descriptions,
    relation_problems,
)


def _defaults() -> dict:
    return {key: d.to_python(d.default) for key, d in REGISTRY.items()}


def _definition(key: str, label: str, unit: str = "mm Hg") -> SettingDefinition:
    return SettingDefinition(key=key, label=label, kind="int", default=0, unit=unit, source="s")


LOW = _definition("low", "Pause above")
HIGH = _definition("high", "Stop above")
TOY = {"low": LOW, "high": HIGH}


# --- relations ----------------------------------------------------------------------------------


def test_the_issue_pause_above_stop_is_refused_naming_both_settings_and_values():
    values = {**_defaults(), "intra_pause_sbp": 250, "intra_stop_sbp": 200}
    problems = relation_problems(values=values, changed=["intra_pause_sbp"])
    assert len(problems) == 1
    message = problems[0]
    assert "“During the infusion: pause above this systolic pressure” (250 mm Hg)" in message
    assert "“During the infusion: stop above this systolic pressure” (200 mm Hg)" in message
    assert "must be lower than" in message


@pytest.mark.parametrize(
    "lower, upper",
    [
        ("pre_dose_max_sbp", "intra_pause_sbp"),
        ("pre_dose_max_dbp", "intra_pause_dbp"),
        ("intra_pause_sbp", "intra_stop_sbp"),
        ("intra_pause_dbp", "intra_stop_dbp"),
        ("hr_min", "hr_max"),
        ("rr_min", "rr_max"),
        ("fasting_clear_liquids_hours", "fasting_solids_hours"),
        ("fasting_solids_hours", "fasting_fatty_food_hours"),
        ("vitals_due_grace_min", "vitals_interval_during_min"),
        ("outcomes_phq9_item9_alert_minimum", "outcomes_phq9_item9_high_minimum"),
        ("second_reminder_hours_before", "reminder_hours_before"),
    ],
)
def test_the_related_limits_the_clinic_needs_are_declared_and_registered(lower, upper):
    assert any(r.lower == lower and r.upper == upper for r in RELATIONS)
    assert lower in REGISTRY and upper in REGISTRY


def test_every_relation_names_registered_settings_and_the_defaults_keep_every_relation():
    for relation in RELATIONS:
        assert relation.lower in REGISTRY, relation
        assert relation.upper in REGISTRY, relation
        assert relation.why
    assert relation_problems(values=_defaults()) == []


@given(low=st.integers(-1000, 1000), high=st.integers(-1000, 1000), allow_equal=st.booleans())
def test_a_relation_holds_exactly_when_lower_is_below_upper(low, high, allow_equal):
    relation = SettingRelation("low", "high", why="w", allow_equal=allow_equal)
    problems = relation_problems(values={"low": low, "high": high}, definitions=TOY, relations=[relation])
    holds = low <= high if allow_equal else low < high
    assert (problems == []) == holds
    if not holds:
        assert problems == [
            RELATION_BROKEN.format(
                lower="“Pause above”",
                lower_value=f"{low} mm Hg",
                comparison="at most" if allow_equal else "lower than",
                upper="“Stop above”",
                upper_value=f"{high} mm Hg",
                why="w",
            )
        ]


@given(
    low=st.decimals(min_value=-100, max_value=100, places=3),
    high=st.decimals(min_value=-100, max_value=100, places=3),
)
def test_decimal_values_compare_as_numbers_whatever_their_stored_form(low, high):
    relation = SettingRelation("low", "high", why="w")
    # stored decimals are text ("0.1"); the comparison is numeric, never alphabetical
    problems = relation_problems(
        values={"low": str(low), "high": str(high)}, definitions=TOY, relations=[relation]
    )
    assert (problems == []) == (Decimal(low) < Decimal(high))


@given(second=st.integers(0, 400), first=st.integers(1, 400))
def test_an_off_value_switches_the_relation_off(second, first):
    relation = SettingRelation("low", "high", why="w", lower_off_value=0)
    problems = relation_problems(values={"low": second, "high": first}, definitions=TOY, relations=[relation])
    assert (problems == []) == (second == 0 or second < first)


def test_only_relations_touching_the_changed_setting_are_checked():
    relations = [SettingRelation("low", "high", why="w")]
    values = {"low": 10, "high": 5, "other": 1}
    assert relation_problems(values=values, changed=["other"], definitions=TOY, relations=relations) == []
    assert len(relation_problems(values=values, changed=["high"], definitions=TOY, relations=relations)) == 1
    assert len(relation_problems(values=values, definitions=TOY, relations=relations)) == 1


def test_a_relation_with_an_absent_setting_is_skipped():
    relations = [SettingRelation("low", "missing", why="w")]
    assert relation_problems(values={"low": 10}, definitions=TOY, relations=relations) == []


def test_the_change_page_describes_each_related_limit_with_its_value():
    lines = relation_descriptions(key="intra_pause_sbp", values=_defaults())
    assert "Must be lower than “During the infusion: stop above this systolic pressure” (now 200 mm Hg)" in (
        " ".join(lines)
    )
    assert "Must be at least “Pre-dose gate: highest systolic blood pressure” (now 140 mm Hg)" in (
        " ".join(lines)
    )


# --- sane ranges --------------------------------------------------------------------------------


def test_the_issue_spo2_minimum_of_80_is_refused():
    with pytest.raises(ValueError, match="at least 90 %"):
        REGISTRY["spo2_min"].parse("80")
    assert REGISTRY["spo2_min"].parse("90") == 90


@pytest.mark.parametrize(
    "key, too_low, too_high",
    [
        ("spo2_min", 89, 97),
        ("intra_pause_sbp", 139, 201),
        ("intra_stop_sbp", 159, 221),
        ("pre_dose_max_sbp", 119, 181),
        ("hr_min", 39, 61),
        ("hr_max", 99, 151),
        ("rr_min", 7, 13),
        ("rr_max", 19, 31),
        ("discharge_min_score", 8, 11),
        ("fasting_solids_hours", 5, 13),
        ("fasting_clear_liquids_hours", 1, 9),
        ("vitals_interval_during_min", 0, 16),
        ("outcomes_phq9_item9_alert_minimum", 0, 2),
        ("nurse_to_active_infusion_ratio", 0, 5),
        ("series_min_gap_hours", 23, 337),
        ("minimum_patient_age_years", 17, 31),
    ],
)
def test_clinical_limits_have_sane_ranges(key, too_low, too_high):
    definition = REGISTRY[key]
    for value in (too_low, too_high):
        with pytest.raises(ValueError, match="must be at"):
            definition.parse(str(value))
        assert definition.bounds_problem(value)
    assert definition.bounds_problem(definition.default) is None


def test_every_numeric_setting_has_a_range_and_every_default_lies_inside_it():
    for definition in REGISTRY.values():
        definition.parse(definition.default)
        if definition.kind in ("int", "decimal"):
            assert definition.minimum is not None and definition.maximum is not None, definition.key


def test_a_stored_value_outside_a_tightened_range_is_reported_not_raised():
    spo2 = REGISTRY["spo2_min"]
    assert spo2.bounds_problem(80) == "is below the allowed range (90 to 96 %)"
    assert spo2.bounds_problem("not a number") == "is not a number"
    assert REGISTRY["discharge_score_system"].bounds_problem("aldrete") is None


# --- categories -----------------------------------------------------------------------------------


def test_a_definition_is_clinical_unless_it_says_operational():
    assert _definition("x", "X").category == CLINICAL
    assert _definition("x", "X").is_clinical
    operational = SettingDefinition(key="y", label="Y", kind="int", default=1, category=OPERATIONAL)
    assert not operational.is_clinical


def test_thresholds_doses_and_intervals_are_clinical_and_rate_limits_and_lengths_operational():
    operational = {key for key, d in REGISTRY.items() if not d.is_clinical}
    assert {
        "public_request_rate_limit_per_hour",
        "consultation_length_minutes",
        "reminder_hours_before",
        "second_reminder_hours_before",
        "reminder_channels",
        "appointment_slot_minutes",
    } <= operational
    for key in (
        "spo2_min",
        "intra_pause_sbp",
        "intra_stop_sbp",
        "hr_max",
        "fasting_solids_hours",
        "discharge_min_score",
        "nurse_to_active_infusion_ratio",
        "series_min_gap_hours",
        "course_requires_candidacy_decision",
        "outcomes_phq9_item9_alert_minimum",
    ):
        assert REGISTRY[key].is_clinical, key


# --- the source as a clinician reads it -----------------------------------------------------------

INTERNAL = re.compile(r"domain\.md|\.py\b|§|\[[UVS]\]|\[[A-Za-z][\w-]*\]|\b[A-Z]\w+\.[a-z]\w*_\w+")


def test_no_registered_source_shows_file_names_sections_tags_or_field_names():
    for definition in REGISTRY.values():
        shown = definition.display_source
        assert shown, definition.key
        assert not INTERNAL.search(shown), (definition.key, shown)


@pytest.mark.parametrize(
    "source, shown",
    [
        (
            "domain.md §3.2 [SpravatoPI]: delay dosing if BP > 140/90.",
            "Spravato label: delay dosing if BP > 140/90.",
        ),
        (
            "Light meal 6 h. (domain.md §3.4 [ASA-NPO2017] [V])",
            "Light meal 6 h. (ASA 2017 fasting guideline)",
        ),
        ("Esketamine not approved [SpravatoPI].", "Esketamine not approved (Spravato label)."),
        ("No domain.md number; product default.", "No published number; product default."),
        (
            "using it as a pause rule is [U], a product decision",
            "Using it as a pause rule is unconfirmed, a product decision",
        ),
        ("A protocol's cadence (Protocol.vitals_every_min_during) wins.", "A protocol's cadence wins."),
    ],
)
def test_clinician_source_rewrites_developer_citations(source, shown):
    assert clinician_source(source) == shown

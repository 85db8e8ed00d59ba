"""The intake data schema: field-named validation errors, completeness, and the rule facts."""

import pytest

from clinic.evaluation.intake_schema import (
    CONFIRM_MEDICATIONS,
    DOSE_UNIT_REQUIRED,
    OTHER_SUBSTANCE_NAME,
    IntakeDataError,
    intake_data_parse,
    intake_missing_answers,
    intake_rule_facts,
    intake_summary,
)
from clinic.evaluation.tests.conftest import intake_answers

TRIAL = {
    "drug": "Sertraline",
    "dose_amount": "100",
    "dose_unit": "mg",
    "duration_weeks": 8,
    "adequate": True,
    "outcome": "no_response",
}


@pytest.mark.parametrize(
    "change, path, message",
    [
        (
            {"duration_weeks": 521},
            "antidepressant_trials.0.duration_weeks",
            "less than or equal to 520",
        ),
        (
            {"duration_weeks": -1},
            "antidepressant_trials.0.duration_weeks",
            "greater than or equal to 0",
        ),
        ({"dose_unit": None}, "antidepressant_trials.0.dose_unit", DOSE_UNIT_REQUIRED),
        ({"dose_unit": "tablets"}, "antidepressant_trials.0.dose_unit", "'mg'"),
        ({"dose_amount": "0"}, "antidepressant_trials.0.dose_amount", "greater than 0"),
        ({"drug": ""}, "antidepressant_trials.0.drug", "at least 1 character"),
        ({"outcome": "great"}, "antidepressant_trials.0.outcome", "no_response"),
    ],
)
def test_trial_errors_name_the_field(change, path, message):
    with pytest.raises(IntakeDataError) as caught:
        intake_data_parse({"antidepressant_trials": [{**TRIAL, **change}]})
    assert path in caught.value.errors
    assert message in " ".join(caught.value.errors[path])


def test_unknown_keys_and_bad_choices_are_refused():
    with pytest.raises(IntakeDataError) as caught:
        intake_data_parse({"pregnant": "maybe", "shoe_size": 9})
    assert set(caught.value.errors) == {"pregnant", "shoe_size"}


def test_a_draft_may_be_empty_but_a_submission_needs_every_answer():
    empty = intake_data_parse({})
    missing = intake_missing_answers(empty)
    assert {"psychosis", "pregnant", "hypertension", "medications_confirmed"} <= set(missing)
    assert missing["medications_confirmed"] == CONFIRM_MEDICATIONS
    assert intake_missing_answers(intake_data_parse(intake_answers())) == {}


def test_other_substance_needs_a_name():
    data = intake_data_parse(intake_answers(substance_other="current"))
    assert intake_missing_answers(data) == {"substance_other_name": OTHER_SUBSTANCE_NAME}


def test_rule_facts_from_answers():
    data = intake_data_parse(
        intake_answers(
            hypertension="uncontrolled",
            liver_disease="severe",
            thyroid="hyperthyroidism",
            aneurysm=True,
            psychosis="past",
            substance_alcohol="past",
            substance_other="current",
            substance_other_name="Kratom",
            pregnant="unsure",
            antidepressant_trials=[
                TRIAL,
                {**TRIAL, "drug": "Bupropion", "adequate": False},
                {**TRIAL, "drug": "Escitalopram", "outcome": "remission"},
                {**TRIAL, "drug": "Mirtazapine", "outcome": "partial_response"},
            ],
        )
    )
    facts = intake_rule_facts(data)
    assert facts["history"] == {
        "hypertension",
        "hypertension_uncontrolled",
        "liver_disease",
        "liver_disease_severe",
        "thyroid_disease",
        "hyperthyroidism",
        "aneurysm",
    }
    assert facts["failed_adequate_trials"] == ("Sertraline", "Mirtazapine")
    assert facts["substances_current"] == ("Kratom",)
    assert facts["substances_past"] == ("Alcohol",)
    assert facts["psychosis_history"] is True and facts["psychosis_current"] is False
    assert facts["pregnant"] is None  # "not sure" is unknown, never a "no"
    assert facts["pregnancy_unsure"] is True  # ...and fires CI-PREGNANCY-UNKNOWN
    assert facts["breastfeeding"] is False


@pytest.mark.parametrize("answer", ["no", "yes", "not_applicable"])
def test_a_definite_pregnancy_answer_is_not_unsure(answer):
    facts = intake_rule_facts(intake_data_parse(intake_answers(pregnant=answer)))
    assert facts["pregnancy_unsure"] is False


def test_summary_labels_answers():
    summary = intake_summary(intake_data_parse(intake_answers(hypertension="controlled")))
    assert summary["failed_adequate_count"] == 2
    assert summary["trials"][0]["dose"] == "200 mg"
    assert summary["medical"] == ["High blood pressure: yes, controlled"]

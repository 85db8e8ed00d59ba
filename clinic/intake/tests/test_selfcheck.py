"""The self-check evaluation is a pure function: every flag, every next step, and crisis routing."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.core.sources import clinician_source
from clinic.intake.selfcheck import (
    ABSOLUTE,
    CRISIS,
    DANGER_CODES,
    INFO,
    NEXT_BOOK_CONSULTATION,
    NEXT_CRISIS_HELP,
    NEXT_TALK_TO_DOCTOR,
    QUESTION_CODES,
    RELATIVE,
    SEVERITY_ORDER,
    evaluate_self_check,
    public_explanations,
    questions,
)

CLEAR = {
    "adult": "yes", "diagnosis": "yes", "treatments_tried": "yes", "pregnancy": "no",
    "heart": "no", "vascular": "no", "psychosis": "no", "substance_use": "no", "liver": "no",
    "pressure": "no", "danger_recent": "no", "danger_now": "no",
}


def flag_codes(answers, **kwargs):
    return evaluate_self_check(answers, **kwargs).flag_codes


def test_questions_cover_the_brief_and_danger_questions_come_last():
    codes = [q.code for q in questions()]
    assert codes == list(QUESTION_CODES)
    assert len(codes) == 12
    assert codes[-2:] == ["danger_recent", "danger_now"]
    assert [q.code for q in questions() if q.danger] == list(DANGER_CODES)
    assert all(q.choices[0][0] == "yes" for q in questions())


def test_minimum_age_is_in_the_question_and_the_flag():
    assert questions(minimum_age=21)[0].text == "Are you 21 years old or older?"
    result = evaluate_self_check({**CLEAR, "adult": "no"}, minimum_age=21)
    assert "Younger than 21" in result.flags[0].label


def test_clear_answers_suggest_a_consultation_with_only_the_resistance_flag():
    result = evaluate_self_check(CLEAR)
    assert result.next_step == NEXT_BOOK_CONSULTATION
    assert result.crisis is False
    assert result.flag_codes == ["treatment_resistance"]
    assert result.flags[0].severity == INFO


@pytest.mark.parametrize("question, flag, severity", [
    ("pregnancy", "pregnancy", RELATIVE),
    ("heart", "cardiovascular", RELATIVE),
    ("vascular", "aneurysm_avm_bleed", ABSOLUTE),
    ("psychosis", "psychosis", RELATIVE),
    ("substance_use", "substance_use", RELATIVE),
    ("liver", "hepatic", RELATIVE),
    ("pressure", "raised_icp_iop", RELATIVE),
])
def test_each_precaution_yes_raises_its_flag_citing_its_source(question, flag, severity):
    result = evaluate_self_check({**CLEAR, question: "yes"})
    found = [f for f in result.flags if f.code == flag]
    assert len(found) == 1
    assert found[0].severity == severity
    # the source as the physician knows it, not a file or section
    assert re.search(r"Cohen 2018|Spravato label|Ketalar label", found[0].label)
    assert clinician_source(found[0].label) == found[0].label


@pytest.mark.parametrize("question", [
    "treatments_tried", "pregnancy", "heart", "vascular", "psychosis", "substance_use", "liver",
    "pressure",
])
def test_unsure_raises_an_info_flag_to_ask_at_the_consultation(question):
    result = evaluate_self_check({**CLEAR, question: "unsure"})
    flag = next(f for f in result.flags if f.code == f"{question}_unsure")
    assert flag.severity == INFO
    assert "ask at the consultation" in flag.label
    assert result.next_step == NEXT_BOOK_CONSULTATION


def test_relative_flags_still_suggest_a_consultation():
    result = evaluate_self_check({**CLEAR, "heart": "yes", "liver": "yes"})
    assert result.next_step == NEXT_BOOK_CONSULTATION


@pytest.mark.parametrize("change", [
    {"vascular": "yes"},
    {"adult": "no"},
    {"diagnosis": "no"},
    {"diagnosis": "unsure"},
])
def test_absolute_flags_or_no_diagnosis_suggest_talking_to_a_doctor_first(change):
    assert evaluate_self_check({**CLEAR, **change}).next_step == NEXT_TALK_TO_DOCTOR


def test_under_minimum_age_is_absolute():
    result = evaluate_self_check({**CLEAR, "adult": "no"})
    assert ("under_minimum_age", ABSOLUTE) in [(f.code, f.severity) for f in result.flags]


def test_no_diagnosis_flag():
    assert "no_diagnosis" in flag_codes({**CLEAR, "diagnosis": "no"})


def test_fewer_than_two_treatments_is_an_info_flag():
    result = evaluate_self_check({**CLEAR, "treatments_tried": "no"})
    assert result.flag_codes == ["few_treatments_tried"]
    assert result.next_step == NEXT_BOOK_CONSULTATION


@pytest.mark.parametrize("danger", ["danger_recent", "danger_now"])
def test_yes_to_either_danger_question_is_a_crisis_first(danger):
    result = evaluate_self_check({**CLEAR, danger: "yes", "vascular": "yes"})
    assert result.crisis is True
    assert result.next_step == NEXT_CRISIS_HELP
    assert result.flags[0].code == "crisis"
    assert result.flags[0].severity == CRISIS


def test_a_danger_answer_alone_is_enough():
    assert evaluate_self_check({"danger_now": "yes"}).crisis is True


def test_empty_and_unknown_answers_are_harmless():
    assert evaluate_self_check({}).flags == []
    assert evaluate_self_check(None).crisis is False
    assert evaluate_self_check({"favourite_colour": "blue", "heart": "maybe"}).flags == []


def test_public_explanations_are_plain_and_collect_unsure_topics():
    result = evaluate_self_check({**CLEAR, "heart": "yes", "liver": "unsure", "pressure": "unsure"})
    texts = public_explanations(result)
    assert any("blood pressure" in t for t in texts)
    assert texts[-1].startswith("You were not sure about: liver disease, raised eye or head pressure")
    assert all("§" not in t for t in texts)


answer_values = st.sampled_from(["yes", "no", "unsure"])
answers_strategy = st.dictionaries(st.sampled_from(QUESTION_CODES), answer_values)


@given(answers_strategy)
def test_crisis_exactly_when_a_danger_answer_is_yes(answers):
    result = evaluate_self_check(answers)
    assert result.crisis == any(answers.get(code) == "yes" for code in DANGER_CODES)
    assert (result.next_step == NEXT_CRISIS_HELP) == result.crisis
    assert ("crisis" in result.flag_codes) == result.crisis


@given(answers_strategy)
def test_flags_are_sorted_by_severity_unique_and_deterministic(answers):
    result = evaluate_self_check(answers)
    ranks = [SEVERITY_ORDER.index(f.severity) for f in result.flags]
    assert ranks == sorted(ranks)
    assert len(set(result.flag_codes)) == len(result.flag_codes)
    assert evaluate_self_check(dict(answers)) == result


@given(answers_strategy)
def test_an_absolute_flag_never_suggests_booking_straight_away(answers):
    result = evaluate_self_check(answers)
    if any(f.severity == ABSOLUTE for f in result.flags):
        assert result.next_step != NEXT_BOOK_CONSULTATION

"""The pure instrument definitions and scoring (no database)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.outcomes import instruments as ins
from clinic.outcomes.instruments import (
    ASQ,
    ASQ_INSTRUMENT,
    GAD7,
    GAD7_INSTRUMENT,
    INSTRUMENTS,
    LOCAL_SYSTEM,
    LOINC_SYSTEM,
    PAIN_NRS,
    PAIN_NRS_INSTRUMENT,
    PHQ9,
    PHQ9_INSTRUMENT,
    Flag,
    InvalidAnswers,
    RiskLevel,
    RiskThresholds,
    UnknownInstrument,
    score_answers,
)

# The bands of domain.md §5.1, written out independently of the code under test.
PHQ9_BANDS = [
    (0, 4, "minimal"),
    (5, 9, "mild"),
    (10, 14, "moderate"),
    (15, 19, "moderately_severe"),
    (20, 27, "severe"),
]
GAD7_BANDS = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")]
PAIN_BANDS = [(0, 0, "none"), (1, 4, "mild"), (5, 6, "moderate"), (7, 10, "severe")]


def expected_band(table, total):
    return next(code for low, high, code in table if low <= total <= high)


def answers_for_total(instrument, total, **fixed):
    """Answers adding up to `total`, filling items in order (fixed items keep their value)."""
    answers = dict(fixed)
    remaining = total - sum(fixed.values())
    for item in instrument.scored_items:
        if item.key in answers:
            continue
        value = min(max(item.values), remaining)
        answers[item.key] = value
        remaining -= value
    assert remaining == 0, "total not reachable"
    return answers


def phq9(q9=0, **others):
    answers = {f"q{n}": 0 for n in range(1, 10)}
    answers.update(others)
    answers["q9"] = q9
    return answers


def asq(q1=0, q2=0, q3=0, q4=0, **extra):
    return {"q1": q1, "q2": q2, "q3": q3, "q4": q4, **extra}


# --- definitions -------------------------------------------------------------------------------


def test_registry_holds_the_four_instruments_with_codes_names_and_versions():
    assert set(INSTRUMENTS) == {PHQ9, GAD7, PAIN_NRS, ASQ}
    for code, instrument in INSTRUMENTS.items():
        assert instrument.code == code
        assert instrument.name and instrument.short_name and instrument.version
        assert instrument.licence and instrument.source
        assert instrument.items


def test_phq9_has_nine_items_with_the_loinc_codes_of_domain_5_3():
    assert PHQ9_INSTRUMENT.code_system == LOINC_SYSTEM
    assert PHQ9_INSTRUMENT.panel_code == "44249-1"
    assert PHQ9_INSTRUMENT.total_code == "44261-6"
    assert [item.code for item in PHQ9_INSTRUMENT.items] == [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ]
    assert PHQ9_INSTRUMENT.item("q9").text.startswith("Thoughts that you would be better off dead")
    for item in PHQ9_INSTRUMENT.items:
        assert [(o.value, o.label, o.code) for o in item.options] == [
            (0, "Not at all", "LA6568-5"),
            (1, "Several days", "LA6569-3"),
            (2, "More than half the days", "LA6570-1"),
            (3, "Nearly every day", "LA6571-9"),
        ]


def test_gad7_pain_and_asq_codes():
    assert (GAD7_INSTRUMENT.panel_code, GAD7_INSTRUMENT.total_code) == ("69737-5", "70274-6")
    assert len(GAD7_INSTRUMENT.items) == 7
    assert PAIN_NRS_INSTRUMENT.items[0].code == "72514-3"
    assert [o.value for o in PAIN_NRS_INSTRUMENT.items[0].options] == list(range(11))
    # No LOINC code for the ASQ: it is marked as a local code.
    assert ASQ_INSTRUMENT.code_system == LOCAL_SYSTEM
    assert not ASQ_INSTRUMENT.is_loinc


def test_licence_notes_follow_domain_5_1():
    assert "No permission required to reproduce" in PHQ9_INSTRUMENT.licence
    assert "No permission required to reproduce" in GAD7_INSTRUMENT.licence
    assert "public domain" in ASQ_INSTRUMENT.licence
    assert "C-SSRS" in ASQ_INSTRUMENT.licence  # says why it is the ASQ and not the C-SSRS
    assert "No licence" in PAIN_NRS_INSTRUMENT.licence


def test_asq_item_texts_are_the_nimh_wording():
    texts = {item.key: item.text for item in ASQ_INSTRUMENT.items}
    assert texts["q1"] == "In the past few weeks, have you wished you were dead?"
    assert texts["q2"] == (
        "In the past few weeks, have you felt that you or your family would be better off if you were dead?"
    )
    assert texts["q3"] == "In the past week, have you been having thoughts about killing yourself?"
    assert texts["q4"] == "Have you ever tried to kill yourself?"
    assert texts["q5"] == "Are you having thoughts of killing yourself right now?"


@pytest.mark.parametrize("instrument", [PHQ9_INSTRUMENT, GAD7_INSTRUMENT, PAIN_NRS_INSTRUMENT])
def test_bands_cover_the_total_range_without_gaps_or_overlaps(instrument):
    covered = []
    for band in instrument.bands:
        covered.extend(range(band.low, band.high + 1))
    assert covered == list(range(instrument.total_min, instrument.total_max + 1))


def test_portal_offers_phq9_pain_and_asq():
    assert set(ins.PORTAL_INSTRUMENTS) == {PHQ9, PAIN_NRS, ASQ}


# --- band boundaries (exact, per domain.md §5.1) ----------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_boundaries(total, band):
    score = PHQ9_INSTRUMENT.score(answers_for_total(PHQ9_INSTRUMENT, total))
    assert (score.total, score.band) == (total, band)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_band_boundaries(total, band):
    score = GAD7_INSTRUMENT.score(answers_for_total(GAD7_INSTRUMENT, total))
    assert (score.total, score.band) == (total, band)


@pytest.mark.parametrize(
    ("value", "band"),
    [(0, "none"), (1, "mild"), (4, "mild"), (5, "moderate"), (6, "moderate"), (7, "severe"), (10, "severe")],
)
def test_pain_band_boundaries_follow_the_bpi_convention(value, band):
    score = PAIN_NRS_INSTRUMENT.score({"pain": value})
    assert (score.total, score.band, score.risk_level) == (value, band, RiskLevel.NONE)


@pytest.mark.parametrize(("total", "flagged"), [(9, False), (10, True)])
def test_phq9_probable_depression_flag_from_10(total, flagged):
    score = PHQ9_INSTRUMENT.score(answers_for_total(PHQ9_INSTRUMENT, total))
    assert (Flag.PROBABLE_DEPRESSION in score.flags) is flagged


@pytest.mark.parametrize(("total", "flagged"), [(9, False), (10, True)])
def test_gad7_probable_anxiety_flag_from_10(total, flagged):
    score = GAD7_INSTRUMENT.score(answers_for_total(GAD7_INSTRUMENT, total))
    assert (Flag.PROBABLE_ANXIETY in score.flags) is flagged
    assert score.risk_level == RiskLevel.NONE


# --- PHQ-9 item 9 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item9", "risk", "flagged"),
    [
        (0, RiskLevel.NONE, False),
        (1, RiskLevel.MODERATE, True),
        (2, RiskLevel.HIGH, True),
        (3, RiskLevel.HIGH, True),
    ],
)
def test_phq9_item9_sets_flag_and_risk_with_default_thresholds(item9, risk, flagged):
    score = PHQ9_INSTRUMENT.score(phq9(q9=item9))
    assert score.total == item9
    assert score.risk_level == risk
    assert (Flag.PHQ9_ITEM9_POSITIVE in score.flags) is flagged
    assert bool(score.risk_reason) is flagged
    if flagged:
        assert "question 9" in score.risk_reason


def test_phq9_item9_risk_follows_the_clinic_thresholds():
    strict = RiskThresholds(phq9_item9_alert_minimum=2, phq9_item9_high_minimum=3)
    assert PHQ9_INSTRUMENT.score(phq9(q9=1), thresholds=strict).risk_level == RiskLevel.NONE
    assert PHQ9_INSTRUMENT.score(phq9(q9=2), thresholds=strict).risk_level == RiskLevel.MODERATE
    assert PHQ9_INSTRUMENT.score(phq9(q9=3), thresholds=strict).risk_level == RiskLevel.HIGH
    # The item 9 flag itself is the fixed ≥ 1 rule of domain.md §5.1.
    assert Flag.PHQ9_ITEM9_POSITIVE in PHQ9_INSTRUMENT.score(phq9(q9=1), thresholds=strict).flags


def test_phq9_item9_risk_is_independent_of_the_total():
    score = PHQ9_INSTRUMENT.score(phq9(q9=3, q1=3, q2=3, q3=3, q4=3, q5=3, q6=3, q7=3, q8=3))
    assert (score.total, score.band, score.risk_level) == (27, "severe", RiskLevel.HIGH)
    score = PHQ9_INSTRUMENT.score(phq9(q9=0, q1=3, q2=3, q3=3, q4=3, q5=3, q6=3, q7=3, q8=3))
    assert (score.total, score.risk_level) == (24, RiskLevel.NONE)


# --- ASQ -----------------------------------------------------------------------------------------


def test_asq_all_no_is_negative_without_asking_question_5():
    score = ASQ_INSTRUMENT.score(asq())
    assert (score.total, score.band, score.risk_level, score.flags) == (0, "negative", RiskLevel.NONE, ())


@pytest.mark.parametrize("key", ["q1", "q2", "q3", "q4"])
def test_asq_any_yes_with_no_to_question_5_is_non_acute_positive(key):
    score = ASQ_INSTRUMENT.score({**asq(), key: 1, "q5": 0})
    assert score.band == "non_acute_positive"
    assert score.risk_level == RiskLevel.HIGH
    assert score.total == 1
    assert Flag.ASQ_POSITIVE in score.flags and Flag.ASQ_ACUTE not in score.flags


def test_asq_yes_to_question_5_is_acute_positive():
    score = ASQ_INSTRUMENT.score(asq(q1=1, q3=1, q5=1))
    assert (score.total, score.band, score.risk_level) == (2, "acute_positive", RiskLevel.ACUTE)
    assert Flag.ASQ_ACUTE in score.flags
    assert "right now" in score.risk_reason


def test_asq_declined_answer_counts_as_positive():
    score = ASQ_INSTRUMENT.score(asq(q2=2, q5=0))
    assert score.band == "non_acute_positive"
    assert Flag.ASQ_DECLINED in score.flags


def test_asq_yes_requires_question_5():
    with pytest.raises(InvalidAnswers) as caught:
        ASQ_INSTRUMENT.score(asq(q1=1))
    assert set(caught.value.errors) == {"q5"}
    assert caught.value.errors["q5"] == ins.ASQ_ACUITY_REQUIRED.format(
        item=ASQ_INSTRUMENT.item_label(ASQ_INSTRUMENT.item("q5"))
    )


def test_asq_yes_to_question_5_after_four_noes_is_still_acute():
    assert ASQ_INSTRUMENT.score(asq(q5=1)).risk_level == RiskLevel.ACUTE
    assert ASQ_INSTRUMENT.score(asq(q5=0)).band == "negative"


def test_asq_non_acute_level_follows_the_clinic_setting_but_acute_stays_acute():
    moderate = RiskThresholds(asq_positive_level=RiskLevel.MODERATE)
    assert ASQ_INSTRUMENT.score(asq(q4=1, q5=0), thresholds=moderate).risk_level == RiskLevel.MODERATE
    assert ASQ_INSTRUMENT.score(asq(q4=1, q5=1), thresholds=moderate).risk_level == RiskLevel.ACUTE


def test_asq_free_text_details_are_kept_but_not_scored():
    answers = asq(q4=1, q4_detail="  pills, 2019 ", q5=0)
    assert ASQ_INSTRUMENT.validate(answers)["q4_detail"] == "pills, 2019"
    assert ASQ_INSTRUMENT.score(answers).total == 1


# --- invalid answers -----------------------------------------------------------------------------


def test_missing_answer_names_the_item():
    answers = phq9()
    del answers["q3"]
    with pytest.raises(InvalidAnswers) as caught:
        PHQ9_INSTRUMENT.score(answers)
    assert set(caught.value.errors) == {"q3"}
    message = caught.value.errors["q3"]
    assert message == ins.ANSWER_MISSING.format(item=PHQ9_INSTRUMENT.item_label(PHQ9_INSTRUMENT.item("q3")))
    assert "PHQ-9 question 3" in message and "Trouble falling or staying asleep" in message


@pytest.mark.parametrize("bad", [4, -1, "abc", "1.5", 1.0, True, [1], ""])
def test_out_of_range_or_malformed_answer_names_the_item(bad):
    with pytest.raises(InvalidAnswers) as caught:
        PHQ9_INSTRUMENT.score(phq9(q2=bad))
    assert set(caught.value.errors) == {"q2"}
    assert "PHQ-9 question 2" in caught.value.errors["q2"]


def test_every_missing_item_is_reported_at_once():
    with pytest.raises(InvalidAnswers) as caught:
        GAD7_INSTRUMENT.score({})
    assert set(caught.value.errors) == {f"q{n}" for n in range(1, 8)}


def test_unknown_item_is_refused():
    with pytest.raises(InvalidAnswers) as caught:
        PAIN_NRS_INSTRUMENT.score({"pain": 3, "mood": 2})
    assert caught.value.errors["mood"] == ins.UNKNOWN_ITEM.format(
        key="mood", instrument=PAIN_NRS_INSTRUMENT.name
    )


def test_numeric_strings_from_forms_are_accepted():
    assert PAIN_NRS_INSTRUMENT.score({"pain": " 7 "}).total == 7


def test_text_answers_have_a_length_limit():
    with pytest.raises(InvalidAnswers) as caught:
        ASQ_INSTRUMENT.score(asq(q4=1, q5=0, q4_detail="x" * (ins.TEXT_MAX_LENGTH + 1)))
    assert set(caught.value.errors) == {"q4_detail"}


def test_answers_must_be_a_mapping():
    with pytest.raises(InvalidAnswers):
        PHQ9_INSTRUMENT.score([0] * 9)


def test_unknown_instrument():
    with pytest.raises(UnknownInstrument) as caught:
        score_answers("cssrs", {})
    assert str(caught.value) == ins.UNKNOWN_INSTRUMENT.format(code="cssrs")


# --- properties ---------------------------------------------------------------------------------


def answers_strategy(instrument):
    return st.fixed_dictionaries({item.key: st.sampled_from(item.values) for item in instrument.scored_items})


@given(answers_strategy(PHQ9_INSTRUMENT))
def test_phq9_total_band_and_item9_for_any_valid_answers(answers):
    score = PHQ9_INSTRUMENT.score(answers)
    assert 0 <= score.total <= 27
    assert score.total == sum(answers.values())
    assert score.band == expected_band(PHQ9_BANDS, score.total)
    assert (Flag.PHQ9_ITEM9_POSITIVE in score.flags) == (answers["q9"] >= 1)
    assert (score.risk_level != RiskLevel.NONE) == (answers["q9"] >= 1)


@given(answers_strategy(GAD7_INSTRUMENT))
def test_gad7_total_and_band_for_any_valid_answers(answers):
    score = GAD7_INSTRUMENT.score(answers)
    assert 0 <= score.total <= 21
    assert score.total == sum(answers.values())
    assert score.band == expected_band(GAD7_BANDS, score.total)


@given(st.integers(0, 10))
def test_pain_total_and_band(value):
    score = PAIN_NRS_INSTRUMENT.score({"pain": value})
    assert score.total == value
    assert score.band == expected_band(PAIN_BANDS, value)


@given(
    st.fixed_dictionaries({key: st.sampled_from((0, 1, 2)) for key in ("q1", "q2", "q3", "q4")}),
    st.sampled_from((0, 1)),
)
def test_asq_result_for_any_answers(screen, acuity):
    answers = {**screen, "q5": acuity}
    score = ASQ_INSTRUMENT.score(answers)
    positives = sum(1 for value in screen.values() if value in (1, 2))
    assert 0 <= score.total <= 4 and score.total == positives
    if acuity == 1:
        assert (score.band, score.risk_level) == ("acute_positive", RiskLevel.ACUTE)
    elif positives:
        assert (score.band, score.risk_level) == ("non_acute_positive", RiskLevel.HIGH)
    else:
        assert (score.band, score.risk_level) == ("negative", RiskLevel.NONE)


@given(
    st.sampled_from([PHQ9_INSTRUMENT, GAD7_INSTRUMENT, PAIN_NRS_INSTRUMENT]),
    st.data(),
    st.integers().filter(lambda v: v < 0 or v > 10),
)
def test_any_out_of_range_value_is_refused_naming_that_item(instrument, data, bad):
    answers = data.draw(answers_strategy(instrument))
    key = data.draw(st.sampled_from(sorted(answers)))
    answers[key] = bad
    with pytest.raises(InvalidAnswers) as caught:
        instrument.score(answers)
    assert set(caught.value.errors) == {key}

"""Unit tests of the pure infusion-day calculations (no database)."""

import datetime as dt
from decimal import Decimal

import pytest

from clinic.infusions.calculations import (
    ALDRETE,
    DBP_NOT_BELOW_SBP,
    FASTING_UNKNOWN,
    PADSS,
    RECOVERY_VITALS_OVERDUE,
    AlertLevel,
    DischargeForm,
    EventKind,
    EventPoint,
    GateStatus,
    Phase,
    Reading,
    RecoveryFacts,
    ScoreError,
    VitalLimits,
    aldrete_score,
    clock_time_to_datetime,
    delivered_dose_mg,
    delivered_volume_ml,
    discharge_criteria,
    fasting_problems,
    infusion_progress,
    is_overdue,
    minutes_until,
    next_vitals_due,
    padss_score,
    percent_change,
    pre_dose_vitals_status,
    pregnancy_check_applies,
    recovery_criteria,
    recovery_vitals_overdue,
    remaining_minutes,
    suggested_score_items,
    typed_name_matches,
    validate_vital_values,
    vital_alerts,
)

T0 = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)
RATE = Decimal("52.5")
CONC = Decimal("1")


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def start(rate=RATE, minutes=0):
    return EventPoint(EventKind.START, at(minutes), rate)


# --- delivered dose -----------------------------------------------------------------------------


def test_an_uninterrupted_infusion_delivers_rate_times_time_times_concentration():
    events = [start()]
    assert delivered_dose_mg(events, CONC, at(40)) == Decimal("35")
    assert delivered_volume_ml(events, at(20)) == Decimal("17.5")


def test_nothing_is_delivered_before_the_start_or_without_events():
    assert delivered_dose_mg([], CONC, at(10)) == 0
    assert delivered_dose_mg([start(minutes=5)], CONC, at(4)) == 0


def test_a_pause_stops_the_count_and_resume_continues_at_the_previous_rate():
    events = [start(), EventPoint(EventKind.PAUSE, at(10)), EventPoint(EventKind.RESUME, at(20))]
    # 10 min + 20 min running at 52.5 mL/h = 26.25 mL
    assert delivered_volume_ml(events, at(40)) == Decimal("26.25")


def test_a_rate_change_applies_from_its_moment():
    events = [start(Decimal("60")), EventPoint(EventKind.RATE_CHANGE, at(30), Decimal("30"))]
    # 30 min at 60 mL/h + 30 min at 30 mL/h = 30 + 15 mL
    assert delivered_volume_ml(events, at(60)) == Decimal("45")


def test_resume_with_a_new_rate_uses_it():
    events = [
        start(Decimal("60")),
        EventPoint(EventKind.PAUSE, at(30)),
        EventPoint(EventKind.RESUME, at(40), Decimal("30")),
    ]
    assert delivered_volume_ml(events, at(100)) == Decimal("60")


def test_a_rate_change_while_paused_sets_the_rate_for_the_resume():
    events = [
        start(Decimal("60")),
        EventPoint(EventKind.PAUSE, at(30)),
        EventPoint(EventKind.RATE_CHANGE, at(35), Decimal("30")),
        EventPoint(EventKind.RESUME, at(40)),
    ]
    assert delivered_volume_ml(events, at(100)) == Decimal("60")


def test_nothing_is_delivered_after_the_stop():
    events = [start(), EventPoint(EventKind.STOP, at(20))]
    assert delivered_volume_ml(events, at(20)) == delivered_volume_ml(events, at(90)) == Decimal("17.5")


def test_events_after_now_are_ignored_and_order_of_the_list_does_not_matter():
    events = [EventPoint(EventKind.PAUSE, at(30)), start()]
    assert delivered_volume_ml(events, at(20)) == Decimal("17.5")
    assert delivered_volume_ml(events, at(60)) == Decimal("26.25")


def test_the_volume_to_infuse_caps_the_delivered_volume():
    events = [start()]
    assert delivered_volume_ml(events, at(80), volume_limit_ml=Decimal("35")) == Decimal("35")
    assert delivered_dose_mg(events, Decimal("2"), at(80), volume_limit_ml=Decimal("35")) == Decimal("70")


def test_a_second_start_is_ignored_and_resume_before_start_does_nothing():
    events = [EventPoint(EventKind.RESUME, at(0), RATE), start(minutes=10), start(Decimal("999"), minutes=20)]
    assert delivered_volume_ml(events, at(30)) == Decimal("17.5")


def test_progress_of_a_running_infusion():
    progress = infusion_progress(
        [start()], now=at(20), bag_conc_mg_per_ml=CONC, volume_to_infuse_ml=Decimal("35")
    )
    assert progress.running and progress.started and not progress.stopped and not progress.complete
    assert progress.delivered_mg == Decimal("17.5")
    assert progress.elapsed_min == progress.running_min == 20
    assert progress.remaining_ml == Decimal("17.5")
    assert progress.remaining_min == 20
    assert progress.rate_ml_h == RATE


def test_progress_of_a_paused_infusion_has_no_remaining_time():
    events = [start(), EventPoint(EventKind.PAUSE, at(10))]
    progress = infusion_progress(
        events, now=at(15), bag_conc_mg_per_ml=CONC, volume_to_infuse_ml=Decimal("35")
    )
    assert not progress.running and progress.rate_ml_h is None and progress.remaining_min is None
    assert progress.elapsed_min == 15 and progress.running_min == 10


def test_progress_is_complete_once_the_volume_is_delivered():
    progress = infusion_progress(
        [start()], now=at(45), bag_conc_mg_per_ml=CONC, volume_to_infuse_ml=Decimal("35")
    )
    assert progress.complete and not progress.running
    assert progress.delivered_mg == Decimal("35") and progress.remaining_ml == 0


def test_progress_after_the_stop_keeps_the_elapsed_time_to_the_stop():
    events = [start(), EventPoint(EventKind.STOP, at(30))]
    progress = infusion_progress(
        events, now=at(90), bag_conc_mg_per_ml=CONC, volume_to_infuse_ml=Decimal("35")
    )
    assert progress.stopped and progress.elapsed_min == 30


def test_progress_before_the_start():
    progress = infusion_progress([], now=at(0), bag_conc_mg_per_ml=CONC, volume_to_infuse_ml=Decimal("35"))
    assert not progress.started and progress.delivered_mg == 0 and progress.remaining_ml is None


def test_remaining_minutes():
    assert (
        remaining_minutes(volume_to_infuse_ml=Decimal("35"), delivered_ml=Decimal("17.5"), rate_ml_h=RATE)
        == 20
    )
    assert (
        remaining_minutes(volume_to_infuse_ml=Decimal("35"), delivered_ml=Decimal("40"), rate_ml_h=RATE) == 0
    )
    assert remaining_minutes(volume_to_infuse_ml=Decimal("35"), delivered_ml=0, rate_ml_h=None) is None
    assert remaining_minutes(volume_to_infuse_ml=Decimal("35"), delivered_ml=0, rate_ml_h=Decimal(0)) is None


# --- cadence --------------------------------------------------------------------------------------


def test_first_vitals_are_due_one_interval_after_the_phase_starts():
    assert next_vitals_due(last_taken_at=None, phase_started_at=T0, interval_min=10) == at(10)


def test_next_vitals_are_due_one_interval_after_the_last_reading_of_the_phase():
    assert next_vitals_due(last_taken_at=at(12), phase_started_at=T0, interval_min=10) == at(22)


def test_a_reading_from_before_the_phase_does_not_count():
    assert next_vitals_due(last_taken_at=at(-5), phase_started_at=T0, interval_min=15) == at(15)


def test_overdue_only_after_the_grace():
    due = at(10)
    assert not is_overdue(now=at(11), due=due, grace_min=2)
    assert not is_overdue(now=at(12), due=due, grace_min=2)
    assert is_overdue(now=at(12.1), due=due, grace_min=2)
    assert is_overdue(now=at(10.5), due=due, grace_min=0)


def test_minutes_until_rounds_up_and_goes_negative():
    assert minutes_until(now=at(0), due=at(10)) == 10
    assert minutes_until(now=at(0.5), due=at(10)) == 10
    assert minutes_until(now=at(10), due=at(10)) == 0
    assert minutes_until(now=at(12), due=at(10)) == -2


# --- vital-sign validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, low, high",
    [("sbp", 50, 300), ("dbp", 20, 200), ("hr", 20, 250), ("spo2", 50, 100), ("rr", 4, 60)],
)
def test_each_vital_has_a_sane_range(field, low, high):
    values = {"sbp": 120, "dbp": 80, "hr": 70, "spo2": 98, "rr": 14}
    for good in (low, high):
        if field == "dbp" and good >= 120:
            values["sbp"] = 250
        _, errors = validate_vital_values({**values, field: good})
        assert field not in errors
    for bad in (low - 1, high + 1):
        _, errors = validate_vital_values({**values, field: bad})
        assert field in errors and str(low) in errors[field] and str(high) in errors[field]


def test_temperature_is_optional_but_ranged():
    base = {"sbp": 120, "dbp": 80, "hr": 70, "spo2": 98, "rr": 14}
    assert validate_vital_values(base)[1] == {}
    assert "temp_c" in validate_vital_values({**base, "temp_c": "29.9"})[1]
    assert "temp_c" in validate_vital_values({**base, "temp_c": "43.1"})[1]
    assert validate_vital_values({**base, "temp_c": "36.8"})[0]["temp_c"] == Decimal("36.8")


def test_missing_non_numeric_and_fractional_values_are_refused():
    clean, errors = validate_vital_values({"sbp": "", "dbp": "abc", "hr": "70.5", "spo2": 98, "rr": None})
    assert set(errors) == {"sbp", "dbp", "hr", "rr"}
    assert "mm Hg" in errors["sbp"]


def test_diastolic_must_be_below_systolic():
    _, errors = validate_vital_values({"sbp": 90, "dbp": 95, "hr": 70, "spo2": 98, "rr": 14})
    assert errors == {"dbp": DBP_NOT_BELOW_SBP}


# --- alerts ---------------------------------------------------------------------------------------

LIMITS = VitalLimits()
BASE = Reading(sbp=120, dbp=80, hr=70, spo2=98, rr=14)


def reading(**changes):
    return Reading(**{**BASE.__dict__, **changes})


def levels(alerts):
    return [(a.level, a.parameter) for a in alerts]


def test_a_normal_reading_raises_nothing_in_any_phase():
    for phase in Phase.ALL:
        assert vital_alerts(BASE, BASE, LIMITS, phase) == []


@pytest.mark.parametrize(
    "sbp, dbp, expected",
    [
        (140, 90, []),
        (141, 80, [(AlertLevel.WARNING, "bp")]),
        (130, 91, [(AlertLevel.WARNING, "bp")]),
    ],
)
def test_pre_dose_bp_gate_is_above_140_90(sbp, dbp, expected):
    assert levels(vital_alerts(reading(sbp=sbp, dbp=dbp), None, LIMITS, Phase.PRE)) == expected


@pytest.mark.parametrize(
    "sbp, dbp, expected",
    [
        (180, 110, []),  # at the pause limit: not above it
        (181, 90, [(AlertLevel.PAUSE, "bp")]),
        (150, 111, [(AlertLevel.PAUSE, "bp")]),
        (185, 112, [(AlertLevel.PAUSE, "bp")]),
        (200, 120, [(AlertLevel.PAUSE, "bp")]),
        (201, 100, [(AlertLevel.STOP, "bp")]),
        (170, 121, [(AlertLevel.STOP, "bp")]),
    ],
)
def test_during_the_infusion_bp_pauses_above_180_110_and_stops_above_200_120(sbp, dbp, expected):
    baseline = reading(sbp=sbp - 10, dbp=dbp - 5)  # no rise alert in these cases
    assert levels(vital_alerts(reading(sbp=sbp, dbp=dbp), baseline, LIMITS, Phase.DURING)) == expected


def test_a_stop_alert_names_the_emergency_signs():
    (alert,) = vital_alerts(reading(sbp=210, dbp=100), BASE, LIMITS, Phase.DURING)
    assert "911" in alert.suggested_action and "chest pain" in alert.suggested_action.lower()


@pytest.mark.parametrize(
    "sbp, dbp, expected",
    [
        (159, 84, []),
        (160, 84, [(AlertLevel.CALL_PHYSICIAN, "bp_rise")]),
        (130, 105, [(AlertLevel.CALL_PHYSICIAN, "bp_rise")]),
        (130, 104, []),
    ],
)
def test_a_rise_of_40_systolic_or_25_diastolic_from_the_pre_dose_reading_calls_the_physician(
    sbp, dbp, expected
):
    assert levels(vital_alerts(reading(sbp=sbp, dbp=dbp), BASE, LIMITS, Phase.DURING)) == expected


def test_without_a_baseline_no_rise_alert():
    assert vital_alerts(reading(sbp=170, dbp=100), None, LIMITS, Phase.DURING) == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"hr": 121}, [(AlertLevel.CALL_PHYSICIAN, "hr")]),
        ({"hr": 120}, []),
        ({"hr": 49}, [(AlertLevel.CALL_PHYSICIAN, "hr")]),
        ({"hr": 50}, []),
        ({"spo2": 91}, [(AlertLevel.PAUSE, "spo2")]),
        ({"spo2": 92}, []),
        ({"rr": 9}, [(AlertLevel.PAUSE, "rr")]),
        ({"rr": 10}, []),
        ({"rr": 25}, [(AlertLevel.WARNING, "rr")]),
        ({"rr": 24}, []),
    ],
)
def test_heart_rate_spo2_and_respiratory_rate_during_the_infusion(changes, expected):
    assert levels(vital_alerts(reading(**changes), BASE, LIMITS, Phase.DURING)) == expected


def test_recovery_has_nothing_to_pause_so_it_calls_the_physician():
    assert levels(vital_alerts(reading(sbp=185), BASE, LIMITS, Phase.RECOVERY)) == [
        (AlertLevel.CALL_PHYSICIAN, "bp")
    ]
    assert levels(vital_alerts(reading(sbp=205), BASE, LIMITS, Phase.RECOVERY)) == [
        (AlertLevel.CALL_PHYSICIAN, "bp")
    ]
    assert levels(vital_alerts(reading(spo2=90), BASE, LIMITS, Phase.RECOVERY)) == [
        (AlertLevel.CALL_PHYSICIAN, "spo2")
    ]
    assert levels(vital_alerts(reading(sbp=165), BASE, LIMITS, Phase.RECOVERY)) == [
        (AlertLevel.WARNING, "bp_rise")
    ]


def test_pre_dose_heart_rate_spo2_and_rr_are_warnings():
    alerts = vital_alerts(reading(hr=130, spo2=90, rr=8), None, LIMITS, Phase.PRE)
    assert {a.level for a in alerts} == {AlertLevel.WARNING}
    assert {a.parameter for a in alerts} == {"hr", "spo2", "rr"}


def test_alerts_are_most_severe_first():
    alerts = vital_alerts(reading(sbp=210, hr=130, rr=30), BASE, LIMITS, Phase.DURING)
    assert [a.level for a in alerts] == [AlertLevel.STOP, AlertLevel.CALL_PHYSICIAN, AlertLevel.WARNING]


def test_limits_come_from_the_settings():
    strict = VitalLimits(intra_pause_sbp=160, intra_pause_dbp=100)
    assert levels(vital_alerts(reading(sbp=165), reading(sbp=150), strict, Phase.DURING)) == [
        (AlertLevel.PAUSE, "bp")
    ]


# --- the pre-dose gate verdict --------------------------------------------------------------------


def test_pre_dose_vitals_pass_within_limits():
    status, note = pre_dose_vitals_status(BASE, LIMITS)
    assert status == GateStatus.PASS and "120/80" in note


def test_pre_dose_bp_fails_when_it_is_a_hard_stop_and_warns_otherwise():
    assert pre_dose_vitals_status(reading(sbp=150), LIMITS)[0] == GateStatus.FAIL
    soft = VitalLimits(pre_dose_bp_is_hard_stop=False)
    assert pre_dose_vitals_status(reading(sbp=150), soft)[0] == GateStatus.WARN


def test_pre_dose_low_spo2_fails_even_when_bp_is_soft():
    soft = VitalLimits(pre_dose_bp_is_hard_stop=False)
    assert pre_dose_vitals_status(reading(sbp=150, spo2=90), soft)[0] == GateStatus.FAIL


# --- readiness helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sex, age, required, expected",
    [
        ("female", 12, True, True),
        ("female", 55, True, True),
        ("female", 11, True, False),
        ("female", 56, True, False),
        ("male", 30, True, False),
        ("unknown", 30, True, False),
        ("female", 30, False, False),
    ],
)
def test_pregnancy_status_is_asked_of_females_12_to_55(sex, age, required, expected):
    assert pregnancy_check_applies(sex_at_birth=sex, age_years=age, required=required) is expected


def test_fasting_long_enough_has_no_problems():
    assert (
        fasting_problems(
            now=at(0),
            last_solids_at=at(-360),
            last_clear_liquids_at=at(-120),
            solids_hours=Decimal(6),
            clear_liquids_hours=Decimal(2),
        )
        == []
    )


def test_fasting_too_short_names_what_and_how_long():
    problems = fasting_problems(
        now=at(0),
        last_solids_at=at(-300),
        last_clear_liquids_at=at(-60),
        solids_hours=Decimal(6),
        clear_liquids_hours=Decimal(2),
    )
    assert problems == [
        "Solid food 5.0 h ago; at least 6 h needed.",
        "Clear liquids 1.0 h ago; at least 2 h needed.",
    ]


def test_fasting_unknown():
    assert fasting_problems(
        now=at(0),
        last_solids_at=None,
        last_clear_liquids_at=at(-200),
        solids_hours=Decimal(6),
        clear_liquids_hours=Decimal(2),
    ) == [FASTING_UNKNOWN]


def test_a_clock_time_later_than_now_means_yesterday():
    now = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    assert clock_time_to_datetime(now=now, hour=7, minute=0) == dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)
    assert clock_time_to_datetime(now=now, hour=22, minute=15) == dt.datetime(
        2026, 11, 19, 22, 15, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Avery Lindqvist", True),
        ("  avery   LINDQVIST ", True),
        ("Lindqvist Avery", False),
        ("Avery", False),
        ("", False),
        ("Avery Lindqvist Jr", False),
    ],
)
def test_the_typed_name_must_match_the_chart(typed, expected):
    assert typed_name_matches(typed=typed, given_name="Avery", family_name="Lindqvist") is expected


# --- scores ---------------------------------------------------------------------------------------

ALDRETE_FULL = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}


def test_aldrete_sums_five_items_of_0_to_2():
    assert aldrete_score(ALDRETE_FULL) == 10
    assert aldrete_score({**ALDRETE_FULL, "consciousness": 1, "spo2": "0"}) == 7
    assert ALDRETE.maximum == 10


def test_aldrete_refuses_missing_out_of_range_and_unknown_items():
    with pytest.raises(ScoreError) as exc:
        aldrete_score({"activity": 3, "respiration": 2, "circulation": 2, "consciousness": 2, "bleeding": 2})
    assert set(exc.value.errors) == {"activity", "spo2", "bleeding"}
    assert "Activity" in exc.value.errors["activity"]


def test_padss_fixes_bleeding_at_2_and_sums_to_10():
    items = {"vital_signs": 2, "activity": 2, "nausea_vomiting": 1, "pain": 2}
    assert padss_score(items) == 9
    assert padss_score({**items, "surgical_bleeding": 2}) == 9
    assert PADSS.maximum == 10
    with pytest.raises(ScoreError) as exc:
        padss_score({**items, "surgical_bleeding": 0})
    assert set(exc.value.errors) == {"surgical_bleeding"}


def test_booleans_are_not_scores():
    with pytest.raises(ScoreError):
        aldrete_score({**ALDRETE_FULL, "activity": True})


def test_score_suggestions_from_the_readings():
    assert percent_change(120, 150) == 25
    assert suggested_score_items(ALDRETE, baseline=BASE, latest=reading(sbp=130)) == {
        "circulation": 2,
        "spo2": 2,
    }
    assert suggested_score_items(ALDRETE, baseline=BASE, latest=reading(sbp=170, spo2=91)) == {
        "circulation": 1
    }
    assert suggested_score_items(PADSS, baseline=BASE, latest=reading(hr=90)) == {"vital_signs": 1}
    assert suggested_score_items(PADSS, baseline=None, latest=BASE) == {}


# --- discharge criteria ---------------------------------------------------------------------------


def facts(**changes):
    values = {
        "now": at(70),
        "recovery_started_at": at(0),
        "recovery_min_minutes": 60,
        "latest_recovery_alerts": [],
        "latest_recovery_taken_at": at(65),
        "recovery_vitals_interval_min": 15,
        "vitals_due_grace_min": 2,
        "open_vital_alerts": 0,
        "open_high_safety_alerts": 0,
    }
    values.update(changes)
    return RecoveryFacts(**values)


GOOD_FORM = DischargeForm(
    score_total=10, min_score=9, driver_name="Jordan", driver_phone="+16175550142", acknowledged=True
)


def codes(criteria):
    return [c.code for c in criteria]


def test_all_criteria_met_gives_an_empty_list():
    assert discharge_criteria(facts(), GOOD_FORM) == []


def test_each_failing_criterion_is_listed():
    failing = discharge_criteria(
        facts(
            now=at(30),
            latest_recovery_alerts=vital_alerts(reading(spo2=88), BASE, LIMITS, Phase.RECOVERY),
            open_vital_alerts=2,
            open_high_safety_alerts=1,
        ),
        DischargeForm(score_total=8, min_score=9, driver_name="", driver_phone="", acknowledged=False),
    )
    assert codes(failing) == [
        "recovery_time",
        "recovery_vitals",
        "open_alerts",
        "safety_alert",
        "score",
        "driver",
        "acknowledgement",
    ]
    assert "30 of 60 min" in failing[0].message
    assert "below 9" in failing[4].message


def test_no_recovery_vitals_and_no_score():
    failing = discharge_criteria(
        facts(latest_recovery_alerts=None, latest_recovery_taken_at=None),
        DischargeForm(score_total=None, min_score=9),
    )
    assert codes(failing) == ["recovery_vitals", "score", "driver", "acknowledgement"]


def test_the_minimum_is_reached_exactly_at_the_minute():
    assert recovery_criteria(facts(now=at(60))) == []
    assert codes(recovery_criteria(facts(now=at(59.9)))) == ["recovery_time"]


def test_recovery_vitals_overdue_agrees_with_the_panels_due_time():
    # Reading at 65, every 15 min, 2 min grace: due at 80, overdue after 82 (as the live panel).
    for now, overdue in ((at(80), False), (at(82), False), (at(82.1), True), (at(140), True)):
        fact = facts(now=now)
        due = next_vitals_due(last_taken_at=at(65), phase_started_at=at(0), interval_min=15)
        assert recovery_vitals_overdue(fact) is overdue
        assert is_overdue(now=now, due=due, grace_min=2) is overdue


def test_an_old_recovery_reading_fails_discharge_with_its_own_reason():
    failing = recovery_criteria(facts(now=at(130), latest_recovery_taken_at=at(65)))
    assert codes(failing) == ["recovery_vitals_overdue"]
    assert failing[0].message == RECOVERY_VITALS_OVERDUE.format(age=65, interval=15)
    # A fresh reading, the protocol's own cadence or no reading at all (its own reason) do not.
    assert recovery_criteria(facts(now=at(130), latest_recovery_taken_at=at(120))) == []
    assert (
        recovery_criteria(
            facts(now=at(130), latest_recovery_taken_at=at(65), recovery_vitals_interval_min=70)
        )
        == []
    )
    assert codes(
        recovery_criteria(facts(now=at(130), latest_recovery_alerts=None, latest_recovery_taken_at=None))
    ) == ["recovery_vitals"]


def test_not_in_recovery():
    assert codes(recovery_criteria(facts(recovery_started_at=None))) == ["not_in_recovery"]

"""Reminder text: fasting rules as clock times in the clinic's zone (DST included), what it says."""

import datetime as dt
import zoneinfo

import pytest

from clinic.reminders.content import (
    CONFIRM_LINK_PLACEHOLDER,
    CRISIS_TEXT,
    MEDICATION_TEXT,
    PreparationRules,
    Visit,
    clock,
    fasting_check,
    fasting_times,
    reminder_email,
    reminder_sms,
)

NY = zoneinfo.ZoneInfo("America/New_York")
RULES = PreparationRules(
    solids_hours=6,
    fatty_food_hours=8,
    clear_liquids_hours=2,
    no_driving_hours=24,
    clothing_text="Wear short sleeves.",
)


def visit(starts_at, **kw):
    defaults = dict(
        starts_at=starts_at,
        tz=NY,
        kind_label="Mood infusion",
        clinic_name="Harbor Infusion Clinic",
        clinic_address="1 Harbor Way, Boston, MA 02110",
        clinic_phone="(617) 555-0199",
        room_name="Chair 1",
        first_name="Rosa",
    )
    defaults.update(kw)
    return Visit(**defaults)


def test_fasting_times_are_clock_times_before_the_visit():
    times = fasting_times(starts_at=dt.datetime(2030, 5, 7, 14, 0, tzinfo=NY), rules=RULES, tz=NY)
    assert times.solids_until == dt.datetime(2030, 5, 7, 8, 0, tzinfo=NY)
    assert times.fatty_food_until == dt.datetime(2030, 5, 7, 6, 0, tzinfo=NY)
    assert times.clear_liquids_until == dt.datetime(2030, 5, 7, 12, 0, tzinfo=NY)


def test_fasting_times_are_computed_in_the_clinic_zone_from_a_utc_start():
    starts_utc = dt.datetime(2030, 5, 7, 18, 0, tzinfo=dt.UTC)  # 14:00 EDT
    times = fasting_times(starts_at=starts_utc, rules=RULES, tz=NY)
    assert f"{times.solids_until:%H:%M %Z}" == "08:00 EDT"
    assert f"{times.clear_liquids_until:%H:%M}" == "12:00"


def test_spring_forward_night_counts_real_hours():
    # Clocks go from 02:00 EST to 03:00 EDT on Sunday 10 March 2030.
    starts = dt.datetime(2030, 3, 10, 8, 0, tzinfo=NY)  # 08:00 EDT = 12:00 UTC
    times = fasting_times(starts_at=starts, rules=RULES, tz=NY)
    # six real hours before is 06:00 UTC = 01:00 EST (wall-clock subtraction would say 02:00)
    assert f"{times.solids_until:%H:%M %Z}" == "01:00 EST"
    assert f"{times.fatty_food_until:%H:%M %Z} {times.fatty_food_until.day}" == "23:00 EST 9"
    assert f"{times.clear_liquids_until:%H:%M %Z}" == "06:00 EDT"


def test_fall_back_night_counts_real_hours():
    # Clocks go from 02:00 EDT back to 01:00 EST on Sunday 3 November 2030.
    starts = dt.datetime(2030, 11, 3, 7, 0, tzinfo=NY)  # 07:00 EST = 12:00 UTC
    times = fasting_times(starts_at=starts, rules=RULES, tz=NY)
    # six real hours before is 06:00 UTC = the second 01:00 (EST); wall-clock subtraction would give
    # the first 01:00 (EDT), seven real hours before
    assert f"{times.solids_until:%H:%M %Z}" == "01:00 EST"
    assert times.solids_until.astimezone(dt.UTC) == dt.datetime(2030, 11, 3, 6, 0, tzinfo=dt.UTC)
    assert f"{times.clear_liquids_until:%H:%M %Z}" == "05:00 EST"


def test_the_fatty_food_time_is_only_given_when_longer_than_the_light_meal():
    rules = PreparationRules(solids_hours=8, fatty_food_hours=8, clear_liquids_hours=2)
    times = fasting_times(starts_at=dt.datetime(2030, 5, 7, 14, 0, tzinfo=NY), rules=rules, tz=NY)
    assert times.fatty_food_until is None


def test_naive_start_is_refused():
    with pytest.raises(ValueError):
        fasting_times(starts_at=dt.datetime(2030, 5, 7, 14, 0), rules=RULES, tz=NY)


def test_clock_names_the_day_when_it_is_not_the_visit_day():
    day = dt.date(2030, 5, 7)
    assert clock(dt.datetime(2030, 5, 7, 3, 0, tzinfo=NY), visit_day=day) == "03:00"
    assert clock(dt.datetime(2030, 5, 6, 23, 0, tzinfo=NY), visit_day=day) == "23:00 on Mon 6 May"


def test_email_says_when_where_fasting_driver_clothing_medications_crisis_and_link():
    subject, body = reminder_email(
        visit=visit(dt.datetime(2030, 5, 7, 14, 0, tzinfo=NY)), rules=RULES
    )
    assert subject == "Your visit on Tue 7 May at 14:00: how to prepare"
    assert "Hello Rosa," in body
    assert "When: Tuesday 7 May 2030 at 14:00 EDT" in body
    assert "Where: Harbor Infusion Clinic, 1 Harbor Way, Boston, MA 02110 (Chair 1)" in body
    assert "no solid food after 08:00" in body
    assert (
        "Fried or fatty food and meat take longer to digest: none after 06:00 (8 hours before)"
        in body
    )
    assert "clear juice without pulp" in body and "until 12:00, then nothing by mouth" in body
    assert "bring an adult who will take you home" in body
    assert "must not drive, ride a bike or operate machinery for 24 hours" in body
    assert "Clothing: Wear short sleeves." in body
    assert MEDICATION_TEXT in body
    assert CRISIS_TEXT in body and "988" in body and "911" in body
    assert CONFIRM_LINK_PLACEHOLDER in body
    assert "(617) 555-0199" in body
    assert "ketamine" not in (subject + body).lower()


def test_email_for_an_early_visit_gives_the_evening_before():
    _, body = reminder_email(visit=visit(dt.datetime(2030, 5, 7, 7, 0, tzinfo=NY)), rules=RULES)
    assert "no solid food after 01:00" in body
    assert "none after 23:00 on Mon 6 May" in body


def test_sms_is_short_and_discreet():
    text = reminder_sms(
        visit=visit(dt.datetime(2030, 5, 7, 14, 0, tzinfo=NY)),
        rules=RULES,
        confirm_link="https://clinic.example/reminders/confirm/" + "x" * 43 + "/",
    )
    assert text.startswith("Harbor Infusion Clinic: your visit Tue 7 May at 14:00.")
    assert "No solid food after 08:00, clear liquids until 12:00." in text
    assert "no driving for 24 h" in text and "988" in text
    assert "ketamine" not in text.lower() and "Rosa" not in text
    assert len(text) < 320


def test_fasting_check():
    starts = dt.datetime(2030, 5, 7, 14, 0, tzinfo=NY)
    ok = fasting_check(
        starts_at=starts,
        last_solid_food_at=starts - dt.timedelta(hours=6),
        last_clear_liquid_at=starts - dt.timedelta(hours=2),
        rules=RULES,
    )
    assert ok.ok
    late = fasting_check(
        starts_at=starts,
        last_solid_food_at=starts - dt.timedelta(hours=5, minutes=59),
        last_clear_liquid_at=starts - dt.timedelta(hours=1),
        rules=RULES,
    )
    assert (late.solids_ok, late.clear_liquids_ok, late.ok) == (False, False, False)

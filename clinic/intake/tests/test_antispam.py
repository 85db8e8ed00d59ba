"""The signed start time, the signed self-check answers and the per-address hourly counter."""

import time

from clinic.intake import antispam


def test_fill_seconds_measures_time_since_the_form_was_shown():
    token = antispam.form_started_token(at=1_000.0)
    assert antispam.form_fill_seconds(token, now=1_004.5) == 4.5


def test_forged_missing_future_or_stale_start_tokens_read_as_none():
    good = antispam.form_started_token(at=1_000.0)
    assert antispam.form_fill_seconds(good[:-2] + "xx", now=1_010.0) is None
    assert antispam.form_fill_seconds("", now=1_010.0) is None
    assert antispam.form_fill_seconds(good, now=990.0) is None
    assert antispam.form_fill_seconds(good, now=1_000.0 + 2 * 24 * 3600) is None


def test_self_check_token_round_trips_and_refuses_tampering():
    token = antispam.self_check_token({"danger_now": "yes"})
    assert antispam.self_check_answers_from_token(token) == {"danger_now": "yes"}
    assert antispam.self_check_answers_from_token(token + "x") is None
    assert antispam.self_check_answers_from_token("not-a-token") is None


def test_rate_limit_counts_per_address_per_hour():
    now = time.time()
    for _ in range(3):
        assert not antispam.rate_limit_exceeded(address="203.0.113.7", limit=3, now=now)
        antispam.rate_limit_count(address="203.0.113.7", now=now)
    assert antispam.rate_limit_exceeded(address="203.0.113.7", limit=3, now=now)
    # another address, and the next hour, start from zero
    assert not antispam.rate_limit_exceeded(address="203.0.113.8", limit=3, now=now)
    assert not antispam.rate_limit_exceeded(address="203.0.113.7", limit=3, now=now + 3600)


def test_the_cache_key_does_not_contain_the_address():
    assert "203.0.113.7" not in antispam._rate_key("203.0.113.7")

"""The iCalendar writer: CRLF, folding at 75 octets (never inside a character), escaping, UTC times."""

import datetime as dt

import pytest

from clinic.scheduling.ics import IcsEvent, escape_text, fold, format_utc, render_calendar

NOW = dt.datetime(2030, 3, 1, 12, 0, tzinfo=dt.UTC)


def event(**kw):
    start = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    defaults = {
        "uid": "appointment-1@harbor.ketaclinic",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),
        "summary": "Mood infusion — J.D. (MRN-001234)",
    }
    return IcsEvent(**{**defaults, **kw})


def unfold(text: str) -> str:
    return text.replace("\r\n ", "")


def test_a_calendar_has_the_required_properties_and_crlf_line_endings():
    text = render_calendar(name="Harbor", events=[event()], now=NOW)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # no bare LF anywhere
    lines = text.split("\r\n")
    assert "UID:appointment-1@harbor.ketaclinic" in lines
    assert "DTSTAMP:20300301T120000Z" in lines
    # 09:00 at UTC−5 is 14:00 UTC
    assert "DTSTART:20300304T140000Z" in lines and "DTEND:20300304T160000Z" in lines
    assert "SUMMARY:Mood infusion — J.D. (MRN-001234)" in lines
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    assert "METHOD:PUBLISH" in lines and "STATUS:CONFIRMED" in lines


def test_text_values_are_escaped():
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"
    described = event(description="No food 6 h; clear liquids, 2 h\nDriver")
    text = render_calendar(name="A, B; C", events=[described], now=NOW)
    assert "X-WR-CALNAME:A\\, B\\; C" in text
    assert "DESCRIPTION:No food 6 h\\; clear liquids\\, 2 h\\nDriver" in unfold(text)


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    description = "Préparation — à jeun 6 h; " * 12  # multi-byte characters throughout
    text = render_calendar(name="Harbor", events=[event(description=description)], now=NOW)
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert escape_text(description) in unfold(text)
    folded = fold("X" * 200)
    assert all(part.startswith(" ") for part in folded.split("\r\n")[1:])
    assert folded.replace("\r\n ", "") == "X" * 200


def test_times_must_be_aware():
    with pytest.raises(ValueError):
        format_utc(dt.datetime(2030, 1, 1, 9, 0))
    plus_two = dt.timezone(dt.timedelta(hours=2))
    assert format_utc(dt.datetime(2030, 7, 1, 9, 0, tzinfo=plus_two)) == "20300701T070000Z"


def test_an_empty_calendar_is_valid():
    text = render_calendar(name="Empty", events=[], now=NOW)
    assert "BEGIN:VEVENT" not in text and text.count("\r\n") == 7

"""iCalendar (RFC 5545) text for the calendar feeds, written by hand: no dependency needed.

What the RFC asks of us here:
- lines end with CRLF (§3.1);
- content lines longer than 75 octets are folded: CRLF followed by one space (§3.1), never inside a
  UTF-8 character;
- TEXT values escape backslash, semicolon, comma and newlines (§3.3.11);
- each VEVENT has UID and DTSTAMP (§3.6.1); times are UTC, written as 19970714T173000Z (§3.3.5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//ketaclinic//Clinic calendar feed//EN"


@dataclass(frozen=True)
class IcsEvent:
    uid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str
    description: str = ""
    location: str = ""
    status: str = "CONFIRMED"  # CONFIRMED | TENTATIVE | CANCELLED
    updated_at: dt.datetime | None = None


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def format_utc(moment: dt.datetime) -> str:
    """A DATE-TIME in UTC form (RFC 5545 §3.3.5, FORM #2)."""
    if moment.tzinfo is None:
        raise ValueError("iCalendar times must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Fold one content line so no physical line exceeds 75 octets (continuations start with a space)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= MAX_OCTETS:
        return line
    parts: list[str] = []
    current = ""
    current_octets = 0
    limit = MAX_OCTETS
    for char in line:
        size = len(char.encode("utf-8"))
        if current_octets + size > limit:
            parts.append(current)
            current, current_octets = "", 0
            limit = MAX_OCTETS - 1  # continuation lines carry the leading space
        current += char
        current_octets += size
    parts.append(current)
    return (CRLF + " ").join(parts)


def _line(name: str, value: str) -> str:
    return fold(f"{name}:{value}")


def render_calendar(*, name: str, events: Iterable[IcsEvent], now: dt.datetime) -> str:
    """A whole VCALENDAR (METHOD:PUBLISH) with one VEVENT per event, CRLF line endings."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        _line("PRODID", PRODID),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        _line("X-WR-CALNAME", escape_text(name)),
    ]
    stamp = format_utc(now)
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            _line("UID", event.uid),
            f"DTSTAMP:{stamp}",
            f"DTSTART:{format_utc(event.starts_at)}",
            f"DTEND:{format_utc(event.ends_at)}",
            _line("SUMMARY", escape_text(event.summary)),
        ]
        if event.description:
            lines.append(_line("DESCRIPTION", escape_text(event.description)))
        if event.location:
            lines.append(_line("LOCATION", escape_text(event.location)))
        lines.append(f"STATUS:{event.status}")
        if event.updated_at is not None:
            lines.append(f"LAST-MODIFIED:{format_utc(event.updated_at)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return CRLF.join(lines) + CRLF

"""The chart's timeline: a registry of sources, each turning one kind of record into entries.

Any app adds its own events without the patients app knowing about it:

    from clinic.patients.timeline import TimelineEntry, register_timeline_source

    @register_timeline_source
    def infusion_entries(patient) -> list[TimelineEntry]:
        ...

Register in the app's AppConfig.ready(). A source must run a fixed number of queries (one, with
select_related) and return at most TIMELINE_LIMIT entries, so the chart has no N+1.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

TIMELINE_LIMIT = 100


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: dt.datetime  # timezone-aware
    kind: str  # short machine name, e.g. "measurement", "appointment"
    title: str
    detail: str = ""
    url: str | None = None
    date_only: bool = False  # the source knows the day, not the time (e.g. a start date)


TimelineSource = Callable[[object], list[TimelineEntry]]
_SOURCES: list[TimelineSource] = []


def register_timeline_source(fn: TimelineSource) -> TimelineSource:
    """Add a source (idempotent: registering the same function twice keeps one). Usable as a
    decorator."""
    if fn not in _SOURCES:
        _SOURCES.append(fn)
    return fn


def timeline_sources() -> tuple[TimelineSource, ...]:
    return tuple(_SOURCES)


def start_of_day(day: dt.date, tzinfo) -> dt.datetime:
    """A date as an aware datetime at midnight in the clinic's zone, for sorting with times."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=tzinfo)


def patient_timeline(*, patient, limit: int = TIMELINE_LIMIT) -> list[TimelineEntry]:
    """Entries from every registered source, newest first, at most `limit`."""
    entries: list[TimelineEntry] = []
    for source in _SOURCES:
        entries.extend(source(patient))
    entries.sort(key=lambda e: e.occurred_at, reverse=True)
    return entries[:limit]

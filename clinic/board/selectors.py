"""The live clinic board: every infusion chair of a clinic at a glance.

Built on clinic.infusions.selectors.sessions_active (the live numbers of every session still in
the clinic) plus the clinic's chairs and the patients' open suicide-risk (safety) alerts. A fixed
number of queries whatever the number of chairs and sessions: nothing is read per chair.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from clinic.core.models import Clinic
from clinic.infusions.models import VITAL_ALERT_HEADLINES, SessionStatus, VitalAlertLevel
from clinic.infusions.selectors import SessionState, sessions_active
from clinic.outcomes.models import AlertLevel as SafetyAlertLevel
from clinic.outcomes.models import AlertStatus as SafetyAlertStatus
from clinic.outcomes.models import SafetyAlert
from clinic.outcomes.selectors import SAFETY_ALERT_ACTIONS
from clinic.scheduling.selectors import chairs as clinic_chairs

FREE = "free"

# What the board calls each status (the infusion's "stopped" lasts an instant: recovery starts at
# once, so it reads as recovering).
BOARD_STATUS = {
    SessionStatus.CHECKED_IN: ("checked_in", "Checked in"),
    SessionStatus.READY: ("ready", "Ready"),
    SessionStatus.RUNNING: ("running", "Running"),
    SessionStatus.PAUSED: ("paused", "Paused"),
    SessionStatus.STOPPED: ("recovering", "Recovering"),
    SessionStatus.RECOVERING: ("recovering", "Recovering"),
}
STATUS_ORDER = ("running", "paused", "recovering", "ready", "checked_in", FREE)
STATUS_LABELS = {
    "running": "Running",
    "paused": "Paused",
    "recovering": "Recovering",
    "ready": "Ready",
    "checked_in": "Checked in",
    FREE: "Free",
}
# One order for both kinds of alert on a chair, most severe first: what must happen at the chair now
# (stop, pause) before an acute suicide risk, then calling the physician, then the rest. At a tie
# the vital-sign alert comes first.
_RANK = {
    ("vital", VitalAlertLevel.STOP): 6,
    ("vital", VitalAlertLevel.PAUSE): 5,
    ("safety", SafetyAlertLevel.ACUTE): 4,
    ("vital", VitalAlertLevel.CALL_PHYSICIAN): 3,
    ("safety", SafetyAlertLevel.HIGH): 3,
    ("safety", SafetyAlertLevel.MODERATE): 2,
    ("vital", VitalAlertLevel.WARNING): 1,
}


@dataclass(frozen=True)
class BoardAlert:
    """One open alert as the board shows it."""

    kind: str  # "vital" or "safety"
    level: str
    level_label: str
    message: str
    urgent: bool
    headline: str = ""
    instruction: str = ""
    alert_id: int | None = None
    escalated_at: dt.datetime | None = None

    @property
    def rank(self) -> int:
        return _RANK.get((self.kind, self.level), 0)

    @property
    def icon(self) -> str:
        """The shape drawn for the level (static/css/alerts.css)."""
        return "safety" if self.kind == "safety" else self.level

    @property
    def token(self) -> str:
        """Identifies the alert to the page's sound cue (static/js/alerts.js): kind, id, level."""
        return f"{self.kind[0]}{self.alert_id}:{self.level}"


@dataclass
class BoardRow:
    """One chair: free, or the session in it with its live numbers (minutes, mg)."""

    chair_id: int
    chair_name: str
    status: str  # one of STATUS_ORDER
    status_label: str
    state: SessionState | None = None
    alerts: list[BoardAlert] = field(default_factory=list)
    elapsed_min: int | None = None
    remaining_min: int | None = None
    time_label: str = ""  # what `elapsed_min` counts ("since check-in", "infusing", "in recovery")
    remaining_label: str = ""

    @property
    def session(self):
        return self.state.session if self.state else None

    @property
    def patient(self):
        return self.state.session.patient if self.state else None

    @property
    def is_free(self) -> bool:
        return self.state is None

    @property
    def vitals_overdue(self) -> bool:
        return bool(self.state and self.state.vitals_overdue)

    @property
    def has_urgent_alert(self) -> bool:
        return any(alert.urgent for alert in self.alerts)

    @property
    def lead_alert(self) -> BoardAlert | None:
        """The most severe open alert: the first thing on the chair's card."""
        return self.alerts[0] if self.alerts else None

    @property
    def other_alerts(self) -> list[BoardAlert]:
        return self.alerts[1:]


@dataclass
class Board:
    clinic: Clinic
    now: dt.datetime
    rows: list[BoardRow]

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        """(status, label, how many chairs) in board order, statuses with none left out."""
        tally: dict[str, int] = {}
        for row in self.rows:
            tally[row.status] = tally.get(row.status, 0) + 1
        return [(s, STATUS_LABELS[s], tally[s]) for s in STATUS_ORDER if tally.get(s)]

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.rows if row.vitals_overdue)

    @property
    def alert_count(self) -> int:
        return sum(len(row.alerts) for row in self.rows)


def _minutes(value) -> int | None:
    return None if value is None else max(0, int(value))


def _times(state: SessionState, now: dt.datetime) -> tuple[int | None, str, int | None, str]:
    """(elapsed, what it counts, remaining, what it counts) for the session's phase."""
    session = state.session
    if session.status in (SessionStatus.CHECKED_IN, SessionStatus.READY):
        waited = int((now - session.checked_in_at).total_seconds() // 60)
        return max(0, waited), "since check-in", None, ""
    if session.status in (SessionStatus.RUNNING, SessionStatus.PAUSED) and state.progress:
        return (
            _minutes(state.progress.elapsed_min),
            "infusing",
            _minutes(state.progress.remaining_min),
            "to go",
        )
    return state.recovery_elapsed_min, "in recovery", state.recovery_remaining_min, "to the minimum"


def _vital_alerts(state: SessionState) -> list[BoardAlert]:
    # sessions_active prefetches the open alerts onto the session (`open_alerts`); fall back to
    # the level summary if that ever changes.
    alerts = getattr(state.session, "open_alerts", None)
    if alerts is None:
        if not state.open_alert_count:
            return []
        level = state.highest_open_alert_level or VitalAlertLevel.WARNING
        return [
            BoardAlert(
                kind="vital",
                level=level,
                level_label=VitalAlertLevel(level).label,
                message=f"{state.open_alert_count} open vital-sign alert(s)",
                urgent=level != VitalAlertLevel.WARNING,
                headline=VITAL_ALERT_HEADLINES.get(level, ""),
            )
        ]
    return [
        BoardAlert(
            kind="vital",
            level=alert.level,
            level_label=alert.get_level_display(),
            message=alert.message,
            urgent=alert.level != VitalAlertLevel.WARNING,
            headline=alert.headline,
            instruction=alert.suggested_action,
            alert_id=alert.pk,
            escalated_at=alert.escalated_at,
        )
        for alert in alerts
    ]


def _safety_alerts(*, clinic: Clinic, patient_ids: list[int]) -> dict[int, list[BoardAlert]]:
    """Open suicide-risk alerts per patient (one query), highest level first."""
    if not patient_ids:
        return {}
    rows = SafetyAlert.objects.filter(
        clinic=clinic, patient_id__in=patient_ids, status=SafetyAlertStatus.OPEN
    ).values_list("patient_id", "level", "pk", "escalated_at")
    found: dict[int, list[BoardAlert]] = {}
    for patient_id, level, pk, escalated_at in rows:
        label = SafetyAlertLevel(level).label
        found.setdefault(patient_id, []).append(
            BoardAlert(
                kind="safety",
                level=level,
                level_label=label,
                message=f"{label} suicide-risk alert open",
                urgent=level in (SafetyAlertLevel.HIGH, SafetyAlertLevel.ACUTE),
                headline=f"SUICIDE RISK: {label.upper()}",
                instruction=SAFETY_ALERT_ACTIONS.get(level, ""),
                alert_id=pk,
                escalated_at=escalated_at,
            )
        )
    return found


def _row(state: SessionState, *, safety: list[BoardAlert], now: dt.datetime) -> BoardRow:
    session = state.session
    status, label = BOARD_STATUS.get(session.status, (session.status, session.get_status_display()))
    elapsed, elapsed_label, remaining, remaining_label = _times(state, now)
    return BoardRow(
        chair_id=session.chair_id,
        chair_name=session.chair.name,
        status=status,
        status_label=label,
        state=state,
        # Most severe first; a stable sort keeps each kind's own order (newest first) at a tie.
        alerts=sorted([*_vital_alerts(state), *safety], key=lambda alert: -alert.rank),
        elapsed_min=elapsed,
        time_label=elapsed_label,
        remaining_min=remaining,
        remaining_label=remaining_label,
    )


def board_for_clinic(*, clinic: Clinic, now: dt.datetime | None = None) -> Board:
    """Every active chair of the clinic, by name, with its session (or free).

    A session in a chair that has since been taken out of use still shows (after the chairs in
    use), so nobody in the clinic drops off the board.
    """
    now = now or timezone.now()
    states = sessions_active(clinic=clinic, now=now)
    safety = _safety_alerts(clinic=clinic, patient_ids=sorted({s.session.patient_id for s in states}))
    by_chair: dict[int, list[SessionState]] = {}
    for state in states:
        by_chair.setdefault(state.session.chair_id, []).append(state)
    rows: list[BoardRow] = []
    for chair in clinic_chairs(clinic=clinic):
        in_chair = by_chair.pop(chair.pk, [])
        if not in_chair:
            rows.append(BoardRow(chair_id=chair.pk, chair_name=chair.name, status=FREE, status_label="Free"))
        for state in in_chair:
            rows.append(_row(state, safety=safety.get(state.session.patient_id, []), now=now))
    for leftover in by_chair.values():
        for state in leftover:
            rows.append(_row(state, safety=safety.get(state.session.patient_id, []), now=now))
    return Board(clinic=clinic, now=now, rows=rows)

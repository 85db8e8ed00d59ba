"""When an unacknowledged alert escalates: pure functions, no ORM and no clock (`now` is an argument).

Two kinds of alert escalate (docs/infusion-day.md, docs/questionnaires.md):

- a vital-sign alert at the chair: to the physician on duty once it has been open for the clinic's
  `vital_alert_escalation_minutes` (one stage);
- a suicide-risk (safety) alert: to the physician on duty after `safety_alert_escalation_minutes`,
  then to the administrators `safety_alert_admin_escalation_minutes` after that (two stages).

An alert moves one stage at a time and never skips a stage: the physician on duty always gets their
window before the administrators are told. An acknowledged alert never escalates. The services
(`clinic.infusions.services.escalation`, `clinic.outcomes.services`) lock the alert, ask
`escalation_stage_due` again under the lock and write the stage, so a sweep that runs twice (or two
workers at once) escalates once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class EscalationStage:
    """How far an alert has escalated (stored on the alert row)."""

    NONE = 0
    PHYSICIAN = 1
    ADMINISTRATOR = 2

    CHOICES = (
        (NONE, "Not escalated"),
        (PHYSICIAN, "Escalated to the physician on duty"),
        (ADMINISTRATOR, "Escalated to the administrators"),
    )
    LABELS = dict(CHOICES)


@dataclass(frozen=True)
class EscalationPolicy:
    """Minutes an alert may stay unacknowledged before each stage.

    `physician_after_min` counts from the moment the alert was raised; `administrator_after_min`
    counts from the escalation to the physician (None: the alert has no administrator stage).
    """

    physician_after_min: int
    administrator_after_min: int | None = None

    def __post_init__(self) -> None:
        if self.physician_after_min < 0 or (
            self.administrator_after_min is not None and self.administrator_after_min < 0
        ):
            raise ValueError("Escalation minutes cannot be negative.")

    @property
    def last_stage(self) -> int:
        return (
            EscalationStage.PHYSICIAN
            if self.administrator_after_min is None
            else EscalationStage.ADMINISTRATOR
        )


def next_escalation_at(
    *,
    is_open: bool,
    raised_at: dt.datetime,
    stage: int,
    escalated_at: dt.datetime | None,
    policy: EscalationPolicy,
) -> dt.datetime | None:
    """When the alert reaches its next stage if nobody acknowledges it (None: it never will)."""
    if not is_open or stage >= policy.last_stage:
        return None
    if stage <= EscalationStage.NONE:
        return raised_at + dt.timedelta(minutes=policy.physician_after_min)
    # Stage 1 → 2: the physician's window starts when they were told (the time of the last stage);
    # an alert marked stage 1 without a time counts from when it was raised.
    assert policy.administrator_after_min is not None
    return (escalated_at or raised_at) + dt.timedelta(minutes=policy.administrator_after_min)


def escalation_stage_due(
    *,
    is_open: bool,
    raised_at: dt.datetime,
    stage: int,
    escalated_at: dt.datetime | None,
    now: dt.datetime,
    policy: EscalationPolicy,
) -> int | None:
    """The stage the alert should move to now, or None when nothing is due.

    Due when the alert is still open, has a further stage, and `now` has reached
    `next_escalation_at`. Only the next stage is ever returned.
    """
    due_at = next_escalation_at(
        is_open=is_open, raised_at=raised_at, stage=stage, escalated_at=escalated_at, policy=policy
    )
    if due_at is None or now < due_at:
        return None
    return max(stage, EscalationStage.NONE) + 1

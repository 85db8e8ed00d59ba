"""Who an unacknowledged alert escalates to (reads only; the writes are the alert services).

- Stage 1, the physician on duty: every active physician of the clinic whose shift
  (`scheduling.StaffShift`) covers the moment; when no physician shift covers it, every active
  physician of the clinic, so an alert raised at night or on a day without a rota still reaches a
  prescriber. A clinic with no physician at all falls through to its administrators.
- Stage 2, the administrators: every active administrator of the clinic.

A user counts only while their account and their membership at this clinic are active and their
membership's role is still the one the stage needs (a shift recorded before a role change does not
make someone a physician).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from clinic.accounts.models import Membership, User
from clinic.accounts.roles import Role
from clinic.core.escalation import EscalationStage
from clinic.core.models import Clinic
from clinic.scheduling.models import StaffShift

# How the recipients were chosen (kept in the audit event, shown on the alert).
ON_DUTY = "on_duty"
ALL_PHYSICIANS = "all_physicians"
ADMINISTRATORS = "administrators"

RECIPIENTS_LABEL = {
    ON_DUTY: "the physician on duty",
    ALL_PHYSICIANS: "every physician (no physician shift covers this time)",
    ADMINISTRATORS: "the administrators",
}


@dataclass(frozen=True)
class EscalationRecipients:
    users: list[User]
    chosen_by: str  # ON_DUTY, ALL_PHYSICIANS or ADMINISTRATORS

    @property
    def label(self) -> str:
        return RECIPIENTS_LABEL[self.chosen_by]


def _members(*, clinic: Clinic, role: str):
    membership = Membership.objects.filter(user=OuterRef("pk"), clinic=clinic, role=role, is_active=True)
    return User.objects.filter(Exists(membership), is_active=True).order_by("last_name", "first_name", "pk")


def physicians_on_duty(*, clinic: Clinic, now: dt.datetime) -> list[User]:
    """Active physicians of the clinic with a physician shift covering `now` (by name)."""
    covering = StaffShift.objects.filter(
        clinic=clinic, user=OuterRef("pk"), role=Role.PHYSICIAN, starts_at__lte=now, ends_at__gt=now
    )
    return list(_members(clinic=clinic, role=Role.PHYSICIAN).filter(Exists(covering)))


def escalation_recipients(*, clinic: Clinic, now: dt.datetime, stage: int) -> EscalationRecipients:
    """Who the alert goes to at `stage` (EscalationStage.PHYSICIAN or .ADMINISTRATOR)."""
    if stage == EscalationStage.PHYSICIAN:
        on_duty = physicians_on_duty(clinic=clinic, now=now)
        if on_duty:
            return EscalationRecipients(on_duty, ON_DUTY)
        physicians = list(_members(clinic=clinic, role=Role.PHYSICIAN))
        if physicians:
            return EscalationRecipients(physicians, ALL_PHYSICIANS)
    return EscalationRecipients(list(_members(clinic=clinic, role=Role.ADMIN)), ADMINISTRATORS)

"""What the staff start page (Today) shows, per role, and the alert counts in the navigation.

Today is role-aware (docs/infusion-day.md, docs/questionnaires.md):

- nurse: their chairs (the sessions they are responsible for, with status and alerts), every open
  alert at the chairs and the open suicide-risk alerts, the orders waiting for their double check;
- physician: the alerts escalated to them first, every open alert, the orders and treatment courses
  waiting for their signature, the candidacy decisions to make, the readiness gates that failed
  (where a physician may override an item);
- front desk: the consultation requests and today's appointments;
- administrator: the suicide-risk alerts escalated to them, the requests, the messages that failed.

Every list is capped (`TODAY_CAP`) with its total, and the page only links to pages the role can
open. Each section costs a fixed number of queries (tests/…/test_today.py counts them per role).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.core.models import Clinic
from clinic.intake.models import ConsultationRequest, RequestStatus
from clinic.scheduling.models import Appointment, AppointmentStatus

TODAY_CAP = 10
SCHEDULE_CAP = 50


@dataclass
class Capped:
    """The first items of a list and how many there are in all."""

    items: list[Any] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))

    def __bool__(self) -> bool:
        return self.total > 0


def _capped(queryset: QuerySet, cap: int = TODAY_CAP) -> Capped:
    # One query: the first `cap + 1` rows tell whether a count is needed at all.
    rows = list(queryset[: cap + 1])
    if len(rows) <= cap:
        return Capped(rows, len(rows))
    return Capped(rows[:cap], queryset.order_by().count())


def _count_of(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) subquery (queryset filtered with OuterRef("pk") on the clinic)."""
    counted = queryset.order_by().values("clinic").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# --- The navigation -----------------------------------------------------------------------------


def alert_nav_counts(*, clinic: Clinic, user, safety: bool, escalated: bool) -> dict[str, int]:
    """Open suicide-risk alerts of the clinic (`safety_open`) and open alerts escalated to `user`
    (`escalated`: vital-sign and suicide-risk), in one indexed query."""
    from clinic.infusions.models import VitalAlert, VitalAlertStatus
    from clinic.outcomes.models import AlertStatus, SafetyAlert

    annotations = {}
    if safety:
        annotations["safety_open"] = _count_of(
            SafetyAlert.objects.filter(clinic=OuterRef("pk"), status=AlertStatus.OPEN)
        )
    if escalated:
        annotations["vital_escalated"] = _count_of(
            VitalAlert.objects.filter(clinic=OuterRef("pk"), status=VitalAlertStatus.OPEN, escalated_to=user)
        )
        annotations["safety_escalated"] = _count_of(
            SafetyAlert.objects.filter(clinic=OuterRef("pk"), status=AlertStatus.OPEN, escalated_to=user)
        )
    counts = {"safety_open": 0, "escalated": 0}
    if not annotations:
        return counts
    row = Clinic.objects.filter(pk=clinic.pk).annotate(**annotations).values(*annotations).first() or {}
    counts["safety_open"] = row.get("safety_open", 0)
    counts["escalated"] = row.get("vital_escalated", 0) + row.get("safety_escalated", 0)
    return counts


# --- Sections of Today ----------------------------------------------------------------------------


def today_bounds(clinic: Clinic, now: dt.datetime | None = None) -> tuple[dt.date, dt.datetime, dt.datetime]:
    tz = clinic.tzinfo
    today = (now or timezone.now()).astimezone(tz).date()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    return today, start, start + dt.timedelta(days=1)


def today_schedule(*, clinic: Clinic, start: dt.datetime, end: dt.datetime) -> Capped:
    """Today's appointments (not cancelled), in time order."""
    queryset = (
        Appointment.objects.filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("patient", "room", "clinician")
        .order_by("starts_at", "pk")
    )
    return _capped(queryset, SCHEDULE_CAP)


def request_counts(*, clinic: Clinic) -> dict[str, int]:
    counts = ConsultationRequest.objects.filter(
        clinic=clinic, status__in=[RequestStatus.NEW, RequestStatus.CONTACTED]
    ).aggregate(total=Count("id"), urgent=Count("id", filter=Q(is_urgent=True)))
    return {"open_requests": counts["total"], "urgent_requests": counts["urgent"]}


def escalated_to_user(*, clinic: Clinic, user) -> dict[str, Capped]:
    """Open alerts escalated to `user`: vital-sign alerts (with their chair) and suicide-risk alerts."""
    from clinic.infusions.models import VitalAlert, VitalAlertStatus
    from clinic.outcomes.models import AlertStatus, SafetyAlert

    vital = (
        VitalAlert.objects.filter(clinic=clinic, status=VitalAlertStatus.OPEN, escalated_to=user)
        .select_related("session__chair", "session__patient", "session__nurse")
        .order_by("created_at", "pk")
    )
    safety = (
        SafetyAlert.objects.filter(clinic=clinic, status=AlertStatus.OPEN, escalated_to=user)
        .select_related("patient")
        .prefetch_related("escalated_to")
        .order_by("created_at", "pk")
    )
    return {"vital": _capped(vital), "safety": _capped(safety)}


def open_safety_alerts_capped(*, clinic: Clinic) -> Capped:
    """The clinic's open suicide-risk alerts, most severe first, then oldest first."""
    from clinic.outcomes.selectors import open_safety_alerts

    return _capped(open_safety_alerts(clinic=clinic).prefetch_related("escalated_to"))


def orders_to_double_check(*, clinic: Clinic, user) -> Capped:
    """Signed orders waiting for a double check that `user` may do (not their own signature).
    Nothing about the dose: the check is blind."""
    from clinic.treatment.models import InfusionOrder, OrderStatus

    queryset = (
        InfusionOrder.objects.filter(clinic=clinic, status=OrderStatus.SIGNED)
        .exclude(signature__signer=user)
        .select_related("patient", "course__protocol")
        .order_by("created_at", "pk")
    )
    return _capped(queryset)


def waiting_for_signature(*, clinic: Clinic, user) -> dict[str, Capped]:
    """The physician's own draft orders and treatment courses."""
    from clinic.treatment.models import CourseStatus, InfusionOrder, OrderStatus, TreatmentCourse

    orders = (
        InfusionOrder.objects.filter(clinic=clinic, status=OrderStatus.DRAFT, created_by=user)
        .select_related("patient", "course__protocol")
        .order_by("created_at", "pk")
    )
    courses = (
        TreatmentCourse.objects.filter(clinic=clinic, status=CourseStatus.DRAFT, created_by=user)
        .select_related("patient", "protocol")
        .order_by("created_at", "pk")
    )
    return {"orders": _capped(orders), "courses": _capped(courses)}


def candidacy_decisions_due(*, clinic: Clinic) -> Capped:
    """Patients whose intake history was submitted after their last candidacy decision (or who
    have none): a physician's decision is waiting. Oldest submission first."""
    from clinic.evaluation.models import CandidacyDecision, IntakeHistory, IntakeStatus
    from clinic.patients.models import Patient

    latest_submitted = (
        IntakeHistory.objects.filter(patient=OuterRef("pk"), status=IntakeStatus.SUBMITTED)
        .order_by("-submitted_at")
        .values("submitted_at")[:1]
    )
    decided_since = CandidacyDecision.objects.filter(
        patient=OuterRef("pk"), signature__isnull=False, created_at__gte=OuterRef("intake_submitted_at")
    )
    queryset = (
        Patient.objects.filter(clinic=clinic)
        .annotate(intake_submitted_at=Subquery(latest_submitted))
        .filter(intake_submitted_at__isnull=False)
        .exclude(Exists(decided_since))
        .order_by("intake_submitted_at", "pk")
    )
    return _capped(queryset)


def gates_not_passed(*, clinic: Clinic) -> Capped:
    """Checked-in sessions whose latest readiness check failed: a physician may need to override an
    item (or the nurse re-checks). With the failing items' names."""
    from clinic.infusions.models import GateItem, InfusionSession, ReadinessCheck, SessionStatus

    latest = ReadinessCheck.objects.filter(session=OuterRef("pk")).order_by("-version")
    queryset = (
        InfusionSession.objects.filter(clinic=clinic, status=SessionStatus.CHECKED_IN)
        .annotate(
            latest_passed=Subquery(latest.values("passed")[:1]),
            latest_items=Subquery(latest.values("items")[:1]),
        )
        .filter(latest_passed=False)
        .select_related("chair", "patient")
        .order_by("checked_in_at", "pk")
    )
    found = _capped(queryset)
    labels = dict(GateItem.choices)
    for session in found.items:
        items = session.latest_items
        if isinstance(items, str):  # a JSON subquery may read back as text on some databases
            items = json.loads(items)
        session.failing_labels = [
            labels.get(key, key) for key, item in (items or {}).items() if item.get("status") == "fail"
        ]
    return found


def failing_jobs_count(*, clinic: Clinic) -> int:
    from clinic.reminders.selectors import jobs_needing_attention

    return jobs_needing_attention(clinic=clinic).count()


# --- The page -----------------------------------------------------------------------------------------


def today_alerts_summary(*, clinic: Clinic, user, role: str) -> dict:
    """The live part of Today (refreshed on its own): alerts escalated to this person, a nurse's
    chairs, every open alert at the chairs and the open suicide-risk alerts."""
    summary: dict[str, Any] = {"role": role}
    if role in (Role.NURSE, Role.PHYSICIAN):
        from clinic.board.selectors import board_for_clinic

        board = board_for_clinic(clinic=clinic)
        # Chairs with an open vital-sign alert (suicide-risk alerts have their own list).
        summary["alert_rows"] = [row for row in board.rows if any(a.kind == "vital" for a in row.alerts)]
        summary["open_safety_alerts"] = open_safety_alerts_capped(clinic=clinic)
        if role == Role.NURSE:
            summary["my_chairs"] = [
                row for row in board.rows if row.session is not None and row.session.nurse_id == user.pk
            ]
    if role in (Role.PHYSICIAN, Role.ADMIN):
        summary["escalated"] = escalated_to_user(clinic=clinic, user=user)
    return summary


def dashboard_summary(*, clinic: Clinic, user, role: str, perms: frozenset[str]) -> dict:
    """Everything Today shows for `role` (see the module docstring)."""
    today, start, end = today_bounds(clinic)
    summary: dict[str, Any] = {"today": today, **today_alerts_summary(clinic=clinic, user=user, role=role)}
    if "appointment.view" in perms:
        summary["schedule"] = today_schedule(clinic=clinic, start=start, end=end)
    if "inbox.view" in perms:
        summary.update(request_counts(clinic=clinic))
    if role == Role.NURSE:
        summary["orders_to_check"] = orders_to_double_check(clinic=clinic, user=user)
    if role == Role.PHYSICIAN:
        summary.update(waiting_for_signature(clinic=clinic, user=user))
        summary["decisions_due"] = candidacy_decisions_due(clinic=clinic)
        summary["gates_not_passed"] = gates_not_passed(clinic=clinic)
    if role == Role.ADMIN:
        summary["failing_jobs"] = failing_jobs_count(clinic=clinic)
    return summary

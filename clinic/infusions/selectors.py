"""Reads of the infusion day. The live board, the PDFs and the flowsheet build on these:

- `infusion_settings(clinic=)`: every infusion-day setting in one query.
- `session_state(session=, now=)`: where one session stands now (dose delivered, times, vitals due,
  alerts, recovery criteria) — the chair-side live panel.
- `sessions_active(clinic=, now=)`: the same for every session still in the clinic, in a fixed
  number of queries — the live board's rows.
- `session_timeline(session=)`: every charted fact in time order — the flowsheet.
- `gate_state(session=)`: the latest readiness check, its items and overrides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from clinic.core.clinical_settings import get_definition
from clinic.core.models import Clinic, ClinicSetting
from clinic.infusions import settings as keys
from clinic.infusions.calculations import (
    AlertLevel,
    Criterion,
    EventPoint,
    InfusionProgress,
    Phase,
    Reading,
    RecoveryFacts,
    VitalLimits,
    infusion_progress,
    is_overdue,
    minutes_until,
    next_order_in_sequence,
    next_vitals_due,
    recovery_criteria,
    vital_alerts,
)
from clinic.infusions.models import (
    ACTIVE_STATUSES,
    InfusionEvent,
    InfusionSession,
    ReadinessCheck,
    SessionStatus,
    VitalAlert,
    VitalAlertStatus,
    VitalSign,
)
from clinic.outcomes.models import AlertLevel as SafetyAlertLevel
from clinic.outcomes.models import AlertStatus as SafetyAlertStatus
from clinic.outcomes.models import SafetyAlert
from clinic.scheduling.models import Appointment, AppointmentKind, Room, RoomKind
from clinic.scheduling.selectors import clinic_day_bounds
from clinic.treatment.models import CourseStatus, InfusionOrder, OrderStatus, ProtocolKind, TreatmentCourse

INFUSION_APPOINTMENT_KINDS = (
    AppointmentKind.MOOD_INFUSION,
    AppointmentKind.PAIN_INFUSION,
    AppointmentKind.BOOSTER,
)
HIGH_SAFETY_LEVELS = (SafetyAlertLevel.HIGH, SafetyAlertLevel.ACUTE)


# --- Settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InfusionSettings:
    limits: VitalLimits
    vitals_interval_during_min: int
    vitals_interval_after_min: int
    vitals_due_grace_min: int
    recovery_min_minutes: int
    discharge_score_system: str
    discharge_min_score: int
    fasting_solids_hours: Decimal
    fasting_clear_liquids_hours: Decimal
    pregnancy_check_required: bool
    no_driving_hours: int
    vital_alert_escalation_minutes: int

    def intervals_for(self, protocol) -> tuple[int, int]:
        """Vital-sign cadence (during, after) in minutes: the protocol's own fields win."""
        during = getattr(protocol, "vitals_every_min_during", None) or self.vitals_interval_during_min
        after = getattr(protocol, "vitals_every_min_after", None) or self.vitals_interval_after_min
        return int(during), int(after)


def infusion_settings(*, clinic: Clinic) -> InfusionSettings:
    """Every infusion-day setting of the clinic (override or cited default), in one query."""
    stored = dict(ClinicSetting.objects.filter(clinic=clinic, key__in=keys.KEYS).values_list("key", "value"))

    def value(key: str) -> Any:
        definition = get_definition(key)
        return definition.to_python(stored.get(key, definition.default))

    limits = VitalLimits(
        pre_dose_max_sbp=value(keys.PRE_DOSE_MAX_SBP),
        pre_dose_max_dbp=value(keys.PRE_DOSE_MAX_DBP),
        pre_dose_bp_is_hard_stop=bool(value(keys.PRE_DOSE_BP_IS_HARD_STOP)),
        intra_pause_sbp=value(keys.INTRA_PAUSE_SBP),
        intra_pause_dbp=value(keys.INTRA_PAUSE_DBP),
        intra_stop_sbp=value(keys.INTRA_STOP_SBP),
        intra_stop_dbp=value(keys.INTRA_STOP_DBP),
        intra_rise_sbp=value(keys.INTRA_RISE_SBP),
        intra_rise_dbp=value(keys.INTRA_RISE_DBP),
        hr_max=value(keys.HR_MAX),
        hr_min=value(keys.HR_MIN),
        spo2_min=value(keys.SPO2_MIN),
        rr_min=value(keys.RR_MIN),
        rr_max=value(keys.RR_MAX),
    )
    return InfusionSettings(
        limits=limits,
        vitals_interval_during_min=value(keys.VITALS_INTERVAL_DURING),
        vitals_interval_after_min=value(keys.VITALS_INTERVAL_AFTER),
        vitals_due_grace_min=value(keys.VITALS_DUE_GRACE),
        recovery_min_minutes=value(keys.RECOVERY_MIN_MINUTES),
        discharge_score_system=value(keys.DISCHARGE_SCORE_SYSTEM),
        discharge_min_score=value(keys.DISCHARGE_MIN_SCORE),
        fasting_solids_hours=keys.as_decimal(value(keys.FASTING_SOLIDS_HOURS)),
        fasting_clear_liquids_hours=keys.as_decimal(value(keys.FASTING_CLEAR_LIQUIDS_HOURS)),
        pregnancy_check_required=bool(value(keys.PREGNANCY_CHECK_REQUIRED)),
        no_driving_hours=int(value(keys.NO_DRIVING_HOURS)),
        vital_alert_escalation_minutes=int(value(keys.VITAL_ALERT_ESCALATION_MINUTES)),
    )


# --- One session now --------------------------------------------------------------------------


def reading_of(vital: VitalSign | None) -> Reading | None:
    if vital is None:
        return None
    return Reading(
        sbp=vital.sbp, dbp=vital.dbp, hr=vital.hr, spo2=vital.spo2, rr=vital.rr, temp_c=vital.temp_c
    )


def event_points(events: Sequence[InfusionEvent]) -> list[EventPoint]:
    return [EventPoint(e.kind, e.occurred_at, e.rate_ml_h) for e in events]


@dataclass
class SessionState:
    """Where a session stands at `now`. Times in minutes, volumes mL, doses mg."""

    session: InfusionSession
    now: dt.datetime
    phase: str | None  # the phase a vital taken now belongs to; None when closed
    progress: InfusionProgress | None  # None before the start
    ordered_dose_mg: Decimal
    ordered_rate_ml_h: Decimal
    volume_to_infuse_ml: Decimal
    vitals_interval_min: int | None
    next_vitals_due: dt.datetime | None
    vitals_due_in_min: int | None
    vitals_overdue: bool
    last_vital: VitalSign | None
    baseline_vital: VitalSign | None
    latest_recovery_vital: VitalSign | None
    open_alert_count: int
    highest_open_alert_level: str | None
    recovery_elapsed_min: int | None
    recovery_remaining_min: int | None
    recovery_failing: list[Criterion] = field(default_factory=list)

    @property
    def delivered_mg(self) -> Decimal:
        return self.progress.delivered_mg if self.progress else Decimal("0")

    @property
    def ready_to_discharge(self) -> bool:
        return self.session.status == SessionStatus.RECOVERING and not self.recovery_failing


def _phase_for(status: str) -> str | None:
    if status in (SessionStatus.CHECKED_IN, SessionStatus.READY):
        return Phase.PRE
    if status in (SessionStatus.RUNNING, SessionStatus.PAUSED):
        return Phase.DURING
    if status in (SessionStatus.STOPPED, SessionStatus.RECOVERING):
        return Phase.RECOVERY
    return None


def phase_for_session(session: InfusionSession) -> str | None:
    """The phase a vital recorded now belongs to (None: the session is closed to charting)."""
    return _phase_for(session.status)


def _build_state(
    *,
    session: InfusionSession,
    events: Sequence[InfusionEvent],
    vitals: Sequence[VitalSign],
    open_alert_levels: Sequence[str],
    open_high_safety_alerts: int,
    config: InfusionSettings,
    now: dt.datetime,
) -> SessionState:
    order = session.order
    protocol = order.course.protocol
    during_min, after_min = config.intervals_for(protocol)
    phase = _phase_for(session.status)
    progress = None
    if session.started_at is not None:
        progress = infusion_progress(
            event_points(events),
            now=now,
            bag_conc_mg_per_ml=order.bag_concentration_mg_per_ml,
            volume_to_infuse_ml=order.volume_to_infuse_ml,
        )
    by_phase: dict[str, list[VitalSign]] = {Phase.PRE: [], Phase.DURING: [], Phase.RECOVERY: []}
    for vital in vitals:
        by_phase.setdefault(vital.phase, []).append(vital)
    baseline = by_phase[Phase.PRE][-1] if by_phase[Phase.PRE] else None
    last_vital = vitals[-1] if vitals else None

    interval = due = None
    due_in = None
    overdue = False
    if phase == Phase.DURING and session.started_at:
        interval = during_min
        last = by_phase[Phase.DURING][-1].taken_at if by_phase[Phase.DURING] else None
        due = next_vitals_due(last_taken_at=last, phase_started_at=session.started_at, interval_min=interval)
    elif phase == Phase.RECOVERY and (session.recovery_started_at or session.stopped_at):
        interval = after_min
        last = by_phase[Phase.RECOVERY][-1].taken_at if by_phase[Phase.RECOVERY] else None
        started = session.recovery_started_at or session.stopped_at
        due = next_vitals_due(last_taken_at=last, phase_started_at=started, interval_min=interval)
    if due is not None:
        due_in = minutes_until(now=now, due=due)
        overdue = is_overdue(now=now, due=due, grace_min=config.vitals_due_grace_min)

    recovery_elapsed = recovery_remaining = None
    failing: list[Criterion] = []
    if session.recovery_started_at is not None:
        recovery_elapsed = max(0, int((now - session.recovery_started_at).total_seconds() // 60))
        recovery_remaining = max(0, config.recovery_min_minutes - recovery_elapsed)
    if session.status in (SessionStatus.STOPPED, SessionStatus.RECOVERING):
        latest_recovery = by_phase[Phase.RECOVERY][-1] if by_phase[Phase.RECOVERY] else None
        failing = recovery_criteria(
            RecoveryFacts(
                now=now,
                recovery_started_at=session.recovery_started_at,
                recovery_min_minutes=config.recovery_min_minutes,
                latest_recovery_alerts=(
                    None
                    if latest_recovery is None
                    else vital_alerts(
                        reading_of(latest_recovery), reading_of(baseline), config.limits, Phase.RECOVERY
                    )
                ),
                latest_recovery_taken_at=latest_recovery.taken_at if latest_recovery else None,
                recovery_vitals_interval_min=after_min,
                vitals_due_grace_min=config.vitals_due_grace_min,
                open_vital_alerts=len(open_alert_levels),
                open_high_safety_alerts=open_high_safety_alerts,
            )
        )
    highest = max(open_alert_levels, key=lambda level: AlertLevel.ORDER.get(level, 0), default=None)
    return SessionState(
        session=session,
        now=now,
        phase=phase,
        progress=progress,
        ordered_dose_mg=order.dose_mg,
        ordered_rate_ml_h=order.rate_ml_h,
        volume_to_infuse_ml=order.volume_to_infuse_ml,
        vitals_interval_min=interval,
        next_vitals_due=due,
        vitals_due_in_min=due_in,
        vitals_overdue=overdue,
        last_vital=last_vital,
        baseline_vital=baseline,
        latest_recovery_vital=by_phase[Phase.RECOVERY][-1] if by_phase[Phase.RECOVERY] else None,
        open_alert_count=len(open_alert_levels),
        highest_open_alert_level=highest,
        recovery_elapsed_min=recovery_elapsed,
        recovery_remaining_min=recovery_remaining,
        recovery_failing=failing,
    )


def session_for_chart(*, clinic: Clinic, session_id: int) -> InfusionSession:
    """The session with what the chair-side page shows (raises DoesNotExist for another clinic)."""
    return InfusionSession.objects.select_related(
        "clinic",
        "patient",
        "chair",
        "nurse",
        "appointment",
        "order__course__protocol",
        "acknowledgement_signature",
        "discharged_by",
    ).get(clinic=clinic, pk=session_id)


def open_high_safety_alert_count(*, patient) -> int:
    """Open HIGH or ACUTE suicide-risk alerts of the patient (§5.2: block; do not discharge alone)."""
    return SafetyAlert.objects.filter(
        clinic_id=patient.clinic_id,
        patient=patient,
        status=SafetyAlertStatus.OPEN,
        level__in=HIGH_SAFETY_LEVELS,
    ).count()


def session_state(
    *, session: InfusionSession, now: dt.datetime | None = None, config: InfusionSettings | None = None
) -> SessionState:
    """Where one session stands now (4 queries; pass `config` to save one)."""
    now = now or timezone.now()
    config = config or infusion_settings(clinic=session.clinic)
    events = list(InfusionEvent.objects.filter(session=session).order_by("occurred_at", "pk"))
    vitals = list(VitalSign.objects.filter(session=session).order_by("taken_at", "pk"))
    levels = list(
        VitalAlert.objects.filter(session=session, status=VitalAlertStatus.OPEN).values_list(
            "level", flat=True
        )
    )
    high = open_high_safety_alert_count(patient=session.patient) if session.recovery_started_at else 0
    return _build_state(
        session=session,
        events=events,
        vitals=vitals,
        open_alert_levels=levels,
        open_high_safety_alerts=high,
        config=config,
        now=now,
    )


# --- The live board ---------------------------------------------------------------------------


def sessions_active(*, clinic: Clinic, now: dt.datetime | None = None) -> list[SessionState]:
    """Every session still in the clinic (checked in … recovering), by chair name, each with its
    live numbers (delivered mg, elapsed/remaining min, rate, vitals due/overdue, open alerts,
    recovery time and failing discharge criteria). A fixed number of queries whatever the count."""
    now = now or timezone.now()
    config = infusion_settings(clinic=clinic)
    sessions = list(
        InfusionSession.objects.filter(clinic=clinic, status__in=ACTIVE_STATUSES)
        .select_related("patient", "chair", "nurse", "order__course__protocol")
        .prefetch_related(
            # Only the columns the live numbers need: the board is polled by every screen, and
            # building whole rows was most of its cost (bench/README.md §3).
            Prefetch(
                "events",
                queryset=InfusionEvent.objects.only(
                    "pk", "session_id", "kind", "occurred_at", "rate_ml_h"
                ).order_by("occurred_at", "pk"),
            ),
            Prefetch(
                "vitals",
                queryset=VitalSign.objects.only(
                    "pk", "session_id", "phase", "taken_at", "sbp", "dbp", "hr", "spo2", "rr", "temp_c"
                ).order_by("taken_at", "pk"),
            ),
            Prefetch(
                "alerts",
                # Most severe first, then the newest reading: the board shows the first one as the
                # chair's lead alert.
                queryset=VitalAlert.objects.filter(status=VitalAlertStatus.OPEN)
                .annotate(open_severity=vital_alert_open_severity())
                .order_by("-open_severity", "-vital_id", "pk"),
                to_attr="open_alerts",
            ),
        )
        .order_by("chair__name", "pk")
    )
    patient_ids = [s.patient_id for s in sessions]
    flagged = (
        dict(
            SafetyAlert.objects.filter(
                clinic=clinic,
                patient_id__in=patient_ids,
                status=SafetyAlertStatus.OPEN,
                level__in=HIGH_SAFETY_LEVELS,
            )
            .values_list("patient_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if patient_ids
        else {}
    )
    return [
        _build_state(
            session=s,
            events=list(s.events.all()),
            vitals=list(s.vitals.all()),
            open_alert_levels=[a.level for a in s.open_alerts],
            open_high_safety_alerts=flagged.get(s.patient_id, 0),
            config=config,
            now=now,
        )
        for s in sessions
    ]


# --- The readiness gate -----------------------------------------------------------------------


@dataclass
class GateRow:
    key: str
    label: str
    status: str
    value: Any
    note: str
    override: Any = None  # GateOverride
    overridable: bool = True


@dataclass
class GateState:
    check: ReadinessCheck | None
    rows: list[GateRow]
    passed: bool  # no failing item
    cleared: bool  # passed, or every failing item overridden: the infusion may start

    @property
    def failing_not_overridden(self) -> list[GateRow]:
        return [r for r in self.rows if r.status == "fail" and r.override is None]


def latest_readiness_check(*, session: InfusionSession) -> ReadinessCheck | None:
    return (
        ReadinessCheck.objects.filter(session=session)
        .select_related("completed_by")
        .prefetch_related("overrides__overridden_by", "overrides__signature")
        .order_by("-version")
        .first()
    )


def gate_state(*, session: InfusionSession) -> GateState:
    """The latest check's items in gate order, each with its override if any."""
    from clinic.infusions.models import NON_OVERRIDABLE_ITEMS, GateItem

    check = latest_readiness_check(session=session)
    if check is None:
        return GateState(check=None, rows=[], passed=False, cleared=False)
    overrides = {o.item: o for o in check.overrides.all()}
    rows = []
    for item in GateItem:
        data = check.items.get(item.value)
        if data is None:
            continue
        rows.append(
            GateRow(
                key=item.value,
                label=item.label,
                status=data.get("status", ""),
                value=data.get("value"),
                note=data.get("note", ""),
                override=overrides.get(item.value),
                overridable=item.value not in NON_OVERRIDABLE_ITEMS,
            )
        )
    cleared = all(r.status != "fail" or r.override is not None for r in rows)
    return GateState(check=check, rows=rows, passed=check.passed, cleared=cleared)


def questionnaire_code_for(order: InfusionOrder) -> str:
    """Today's questionnaire: the pain score for pain and headache courses, PHQ-9 otherwise."""
    kind = order.course.protocol.kind
    return "pain_nrs" if kind in (ProtocolKind.PAIN, ProtocolKind.HEADACHE) else "phq9"


# --- Check-in ---------------------------------------------------------------------------------


def infusion_appointments_for_day(*, clinic: Clinic, day: dt.date) -> QuerySet[Appointment]:
    """The day's infusion appointments (clinic-local day) with their live session as
    `live_sessions` (a list of 0 or 1), in time order."""
    start, end = clinic_day_bounds(clinic, day)
    return (
        Appointment.objects.filter(
            clinic=clinic, starts_at__gte=start, starts_at__lt=end, kind__in=INFUSION_APPOINTMENT_KINDS
        )
        .select_related("patient", "room")
        .prefetch_related(
            Prefetch(
                "infusion_sessions",
                queryset=InfusionSession.objects.exclude(status=SessionStatus.ABANDONED).select_related(
                    "chair"
                ),
                to_attr="live_sessions",
            )
        )
        .order_by("starts_at", "pk")
    )


def verified_orders_for_check_in(*, patient) -> QuerySet[InfusionOrder]:
    """The patient's double-checked orders not yet used by a live session."""
    used = InfusionSession.objects.filter(order=OuterRef("pk")).exclude(status=SessionStatus.ABANDONED)
    return (
        InfusionOrder.objects.filter(
            clinic_id=patient.clinic_id, patient=patient, status=OrderStatus.VERIFIED
        )
        .annotate(used_by=Subquery(used.values("pk")[:1]))
        .filter(used_by__isnull=True)
        .select_related("course__protocol")
        .order_by("course_id", "sequence")
    )


def course_current(*, patient) -> TreatmentCourse | None:
    """The patient's course now: the active one (at most one), else the latest signed course not
    yet activated (its first infusion day)."""
    return (
        TreatmentCourse.objects.filter(
            clinic_id=patient.clinic_id,
            patient=patient,
            status__in=(CourseStatus.ACTIVE, CourseStatus.SIGNED),
        )
        # "active" sorts before "signed": the active course first, else the newest signed one.
        .order_by("status", "-created_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class CheckInChoice:
    """What check-in offers: every unused double-checked order, and the one to give next."""

    orders: QuerySet[InfusionOrder]
    next_order: InfusionOrder | None
    course: TreatmentCourse | None
    last_given_sequence: int | None  # the highest infusion of the course actually started


def check_in_choice(*, patient) -> CheckInChoice:
    """The next order is the lowest-sequence unused verified order of the patient's current course
    after the last order actually given (its session started); any other needs a reason."""
    orders = verified_orders_for_check_in(patient=patient)
    course = course_current(patient=patient)
    if course is None:
        return CheckInChoice(orders=orders, next_order=None, course=None, last_given_sequence=None)
    last_given = (
        InfusionSession.objects.filter(order__course=course, started_at__isnull=False)
        .order_by("-order__sequence")
        .values_list("order__sequence", flat=True)
        .first()
    )
    candidates = {order.pk: order for order in orders if order.course_id == course.pk}
    key = next_order_in_sequence(
        candidates=[(pk, order.sequence) for pk, order in candidates.items()], last_given_sequence=last_given
    )
    return CheckInChoice(
        orders=orders,
        next_order=candidates.get(key),
        course=course,
        last_given_sequence=last_given,
    )


def free_chairs(*, clinic: Clinic) -> QuerySet[Room]:
    """Active infusion chairs without a session still in the clinic."""
    busy = InfusionSession.objects.filter(clinic=clinic, status__in=ACTIVE_STATUSES).values("chair_id")
    return (
        Room.objects.filter(clinic=clinic, kind=RoomKind.CHAIR, is_active=True)
        .exclude(pk__in=busy)
        .order_by("name")
    )


def preparation_for(appointment: Appointment):
    """The patient's preparation confirmation for the visit (reminders app), or None."""
    try:
        from clinic.reminders.selectors import preparation_for_appointment
    except ImportError:
        return None
    return preparation_for_appointment(appointment=appointment)


# --- The flowsheet ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "event", "vital", "alert", "side_effect", "rescue", "rating", "override", "check"
    obj: Any
    client_time: dt.datetime | None = None


def session_timeline(*, session: InfusionSession) -> list[TimelineEntry]:
    """Every charted fact of the session in time order (7 queries)."""
    entries: list[TimelineEntry] = []
    for check in session.readiness_checks.select_related("completed_by"):
        entries.append(TimelineEntry(check.completed_at, "check", check))
    for override in session.gate_overrides.select_related("overridden_by"):
        entries.append(TimelineEntry(override.created_at, "override", override))
    for event in session.events.select_related("recorded_by"):
        entries.append(TimelineEntry(event.occurred_at, "event", event, event.client_time))
    for vital in session.vitals.select_related("recorded_by"):
        entries.append(TimelineEntry(vital.taken_at, "vital", vital, vital.client_time))
    for effect in session.side_effects.select_related("recorded_by"):
        entries.append(TimelineEntry(effect.occurred_at, "side_effect", effect, effect.client_time))
    for med in session.rescue_medications.select_related("recorded_by"):
        entries.append(TimelineEntry(med.given_at, "rescue", med, med.client_time))
    for rating in session.ratings.select_related("recorded_by"):
        entries.append(TimelineEntry(rating.taken_at, "rating", rating, rating.client_time))
    order = {"check": 0, "override": 1, "event": 2, "vital": 3}
    entries.sort(key=lambda e: (e.at, order.get(e.kind, 9), e.obj.pk))
    return entries


def vital_alert_open_severity() -> Case:
    """An open alert's severity as a number (AlertLevel.ORDER: stop 3 … warning 0); -1 for an
    acknowledged one, so ordering by it descending puts the open alerts first, most severe first."""
    return Case(
        *(
            When(status=VitalAlertStatus.OPEN, level=level, then=Value(rank))
            for level, rank in AlertLevel.ORDER.items()
        ),
        default=Value(-1),
        output_field=IntegerField(),
    )


def session_alerts(*, session: InfusionSession, with_escalations: bool = False) -> QuerySet[VitalAlert]:
    """The session's vital-sign alerts: the open ones first, most severe first, then the acknowledged
    ones; within those, the newest reading first and a reading's alerts in the order they were
    raised (the calculation's order: SpO2 before RR). `with_escalations` also reads who each alert
    was escalated to (one query more, the chair-side page)."""
    queryset = (
        VitalAlert.objects.filter(session=session)
        .select_related("vital", "acknowledged_by")
        .annotate(open_severity=vital_alert_open_severity())
        .order_by("-open_severity", "-vital_id", "pk")
    )
    return queryset.prefetch_related("escalated_to") if with_escalations else queryset


def sessions_for_patient(*, patient) -> QuerySet[InfusionSession]:
    """The patient's sessions, newest first (paginate in views)."""
    return (
        InfusionSession.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("chair", "order")
        .order_by("-checked_in_at", "-pk")
    )


def sessions_by_status(*, clinic: Clinic) -> dict[str, int]:
    """How many sessions are in each active status (for a board header)."""
    rows = (
        InfusionSession.objects.filter(clinic=clinic, status__in=ACTIVE_STATUSES)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)

"""Reads behind the documents: the after-visit summary's facts and the session's flowsheet.

Both build on clinic.infusions.selectors (session_for_chart, session_state, session_timeline,
session_alerts, infusion_settings): the documents show the record the chair-side page charted,
never a copy of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from clinic.core.display import display_blood_pressure, display_in_unit, display_quantity
from clinic.core.models import Clinic
from clinic.core.phones import clinic_phone_display
from clinic.documents.charts import ChartLimits, ChartMarker, ChartPoint
from clinic.documents.models import DocumentDelivery
from clinic.infusions.models import InfusionSession, SessionStatus, StopReason
from clinic.infusions.selectors import (
    InfusionSettings,
    SessionState,
    infusion_settings,
    session_alerts,
    session_for_chart,
    session_state,
    session_timeline,
)
from clinic.patients.models import Patient
from clinic.scheduling.models import Appointment, AppointmentStatus

DRUG_NAME = "Ketamine (racemic), intravenous infusion"
CLOSED_APPOINTMENT_STATUSES = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)


def session_for_documents(*, clinic: Clinic, session_id: int) -> InfusionSession:
    """The session with what the documents show (DoesNotExist for another clinic's session)."""
    return session_for_chart(clinic=clinic, session_id=session_id)


def portal_session_for_documents(*, patient: Patient, session_id: int) -> InfusionSession:
    """One of the patient's own discharged sessions (DoesNotExist otherwise)."""
    session = session_for_chart(clinic=patient.clinic, session_id=session_id)
    if session.patient_id != patient.pk or session.status != SessionStatus.DISCHARGED:
        raise InfusionSession.DoesNotExist
    return session


def portal_sessions(*, patient: Patient) -> QuerySet[InfusionSession]:
    """The patient's discharged sessions, newest first (paginate in views)."""
    return (
        InfusionSession.objects.filter(
            clinic_id=patient.clinic_id, patient=patient, status=SessionStatus.DISCHARGED
        )
        .select_related("chair", "order__course__protocol")
        .order_by("-checked_in_at", "-pk")
    )


def deliveries_for_session(*, session: InfusionSession) -> QuerySet[DocumentDelivery]:
    return (
        DocumentDelivery.objects.filter(clinic_id=session.clinic_id, session=session)
        .select_related("sent_by")
        .order_by("-sent_at", "-pk")
    )


# --- The after-visit summary --------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryLine:
    at: dt.datetime
    text: str


@dataclass
class AfterVisitSummary:
    """What the after-visit summary (and the referring clinician's letter) says."""

    session: InfusionSession
    clinic: Clinic
    clinic_phone: str
    clinic_address: str
    patient: Patient
    tz: dt.tzinfo
    visit_date: dt.date
    drug: str
    product: str
    ordered_dose_mg: Decimal
    ordered_per_kg: str
    dosing_weight_kg: Decimal
    planned_duration_min: int
    delivered_mg: Decimal
    infusion_minutes: int | None
    started_at: dt.datetime | None
    stopped_at: dt.datetime | None
    stop_reason: str
    stopped_early: bool
    course_position: str
    protocol_name: str
    side_effects: list[SummaryLine] = field(default_factory=list)
    rescue_medications: list[SummaryLine] = field(default_factory=list)
    vital_alerts: list[SummaryLine] = field(default_factory=list)
    highest_bp: str = ""
    discharged_at: dt.datetime | None = None
    discharged_by: str = ""
    driver_name: str = ""
    discharge_score: str = ""
    no_driving_hours: int = 24
    next_appointment: Appointment | None = None

    @property
    def is_discharged(self) -> bool:
        return self.session.status == SessionStatus.DISCHARGED

    def local(self, moment: dt.datetime | None) -> dt.datetime | None:
        return moment.astimezone(self.tz) if moment else None


def next_appointment_after(*, session: InfusionSession) -> Appointment | None:
    """The patient's next booked visit after this session's appointment (cancelled ones skipped)."""
    after = max(session.appointment.starts_at, session.checked_in_at)
    return (
        Appointment.objects.filter(
            clinic_id=session.clinic_id, patient_id=session.patient_id, starts_at__gt=after
        )
        .exclude(status__in=CLOSED_APPOINTMENT_STATUSES)
        .exclude(pk=session.appointment_id)
        .order_by("starts_at", "pk")
        .first()
    )


def after_visit_summary(
    *, session: InfusionSession, config: InfusionSettings | None = None
) -> AfterVisitSummary:
    """Everything the after-visit summary says about `session` (from session_for_documents)."""
    clinic = session.clinic
    config = config or infusion_settings(clinic=clinic)
    state: SessionState = session_state(session=session, config=config)
    order = session.order
    protocol = order.course.protocol
    tz = clinic.tzinfo
    infusion_minutes = None
    if session.started_at and session.stopped_at:
        infusion_minutes = int(round((session.stopped_at - session.started_at).total_seconds() / 60))
    vitals = list(session.vitals.all())
    highest = max(vitals, key=lambda v: (v.sbp, v.dbp), default=None)
    address = ", ".join(
        part
        for part in (clinic.address_line, clinic.city, f"{clinic.state} {clinic.postal_code}".strip())
        if part
    )
    summary = AfterVisitSummary(
        session=session,
        clinic=clinic,
        clinic_phone=clinic_phone_display(clinic.phone, clinic=clinic),
        clinic_address=address,
        patient=session.patient,
        tz=tz,
        visit_date=session.checked_in_at.astimezone(tz).date(),
        drug=DRUG_NAME,
        product=order.product.name if order.product_id else "",
        ordered_dose_mg=order.dose_mg,
        ordered_per_kg=display_in_unit(order.ordered_dose, order.dose_unit),
        dosing_weight_kg=order.dosing_weight_kg,
        planned_duration_min=order.duration_min,
        delivered_mg=state.delivered_mg,
        infusion_minutes=infusion_minutes,
        started_at=session.started_at,
        stopped_at=session.stopped_at,
        stop_reason=session.get_stop_reason_display() if session.stop_reason else "",
        stopped_early=bool(session.stop_reason) and session.stop_reason != StopReason.COMPLETED,
        course_position=f"Infusion {order.sequence} of {order.course.planned_infusions} planned",
        protocol_name=protocol.name,
        highest_bp=display_blood_pressure(highest.sbp, highest.dbp) if highest else "",
        discharged_at=session.discharged_at,
        discharged_by=session.discharged_by.signature_name if session.discharged_by_id else "",
        driver_name=session.driver_name,
        discharge_score=(
            f"{session.discharge_score_total}/10 ({session.get_discharge_score_system_display()})"
            if session.discharge_score_total is not None
            else ""
        ),
        no_driving_hours=session.no_driving_hours or config.no_driving_hours,
        next_appointment=next_appointment_after(session=session),
    )
    for effect in session.side_effects.all():
        text = f"{effect.get_kind_display()} ({effect.get_severity_display().lower()})"
        summary.side_effects.append(
            SummaryLine(effect.occurred_at, text + (f": {effect.note}" if effect.note else ""))
        )
    for med in session.rescue_medications.all():
        summary.rescue_medications.append(
            SummaryLine(
                med.given_at,
                str(med),
            )
        )
    for alert in session.alerts.order_by("created_at", "pk"):
        summary.vital_alerts.append(
            SummaryLine(alert.created_at, f"{alert.get_level_display()}: {alert.message}")
        )
    return summary


def discharge_advice(summary: AfterVisitSummary) -> list[tuple[str, list[str]]]:
    """The discharge instructions as (heading, lines): driving, what to expect, whom to call.

    Sources: no driving for the clinic's setting (domain.md §4.3: 24 h common policy [U];
    Spravato: not until the next day after a restful sleep); dissociation and dizziness pass within
    hours, emergence reactions may recur up to 24 h (§3.3 [Ketalar]); 988 and 911 (§8).
    """
    call = f"{summary.clinic.name} at {summary.clinic_phone}" if summary.clinic_phone else summary.clinic.name
    hours = summary.no_driving_hours
    return [
        (
            "Today and tonight",
            [
                f"Do not drive, cycle or operate machinery for {hours} hours, and not before the next "
                "day after a restful sleep.",
                "Go home with your adult driver and rest. Do not make important decisions today.",
                "No alcohol, cannabis or sleeping pills today unless your physician said otherwise.",
            ],
        ),
        (
            "What to expect",
            [
                "Feeling detached, dreamy, dizzy, drowsy or sick is common; it usually fades within "
                "a few hours.",
                "Vivid dreams, confusion or agitation (emergence reactions) can come back for up to "
                "24 hours. Stay with someone and keep the evening quiet.",
                "Your blood pressure may stay a little higher than usual for some hours.",
            ],
        ),
        (
            "Whom to call",
            [
                f"Questions or feeling unwell: call {call}.",
                "Thoughts of harming yourself, or in crisis: call or text 988 (Suicide & Crisis "
                "Lifeline), any time.",
                "Chest pain, shortness of breath, a sudden severe headache, fainting or a seizure: call 911.",
            ],
        ),
    ]


# --- The flowsheet ------------------------------------------------------------------------------


@dataclass
class FlowRow:
    """One row of the flowsheet: a moment and what was charted then."""

    at: dt.datetime
    phase: str
    vital: object | None = None  # VitalSign
    events: list[str] = field(default_factory=list)
    side_effects: list[str] = field(default_factory=list)
    rescue: list[str] = field(default_factory=list)
    ratings: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    by: set[str] = field(default_factory=set)

    @property
    def has_alert(self) -> bool:
        return bool(self.alerts)


@dataclass
class Flowsheet:
    session: InfusionSession
    state: SessionState
    config: InfusionSettings
    tz: dt.tzinfo
    rows: list[FlowRow]
    points: list[ChartPoint]
    markers: list[ChartMarker]
    limits: ChartLimits


def _phase_at(session: InfusionSession, moment: dt.datetime) -> str:
    if session.started_at is None or moment < session.started_at:
        return "Pre-dose"
    if session.stopped_at is None or moment < session.stopped_at:
        return "During infusion"
    return "Recovery"


def _hhmm(moment: dt.datetime | None, tz) -> str:
    return moment.astimezone(tz).strftime("%H:%M") if moment else ""


def flowsheet_for_session(*, session: InfusionSession) -> Flowsheet:
    """Every charted fact of the session as rows in time order (entries of the same minute share a
    row; a second reading in that minute starts a new one), with the chart's readings and limits."""
    clinic = session.clinic
    tz = clinic.tzinfo
    config = infusion_settings(clinic=clinic)
    state = session_state(session=session, config=config)
    entries = session_timeline(session=session)
    alerts_by_vital: dict[int, list[str]] = {}
    for alert in session_alerts(session=session).order_by("created_at", "pk"):
        text = f"{alert.get_level_display()}: {alert.message}"
        if alert.acknowledged_at:
            who = alert.acknowledged_by.signature_name if alert.acknowledged_by_id else ""
            text += f" (acknowledged {_hhmm(alert.acknowledged_at, tz)} by {who}: {alert.action_taken})"
        else:
            text += " (open)"
        alerts_by_vital.setdefault(alert.vital_id, []).append(text)

    rows: list[FlowRow] = []
    points: list[ChartPoint] = []
    markers: list[ChartMarker] = []
    for entry in entries:
        minute = entry.at.astimezone(tz).replace(second=0, microsecond=0)
        current = rows[-1] if rows else None
        needs_new = (
            current is None or current.at != minute or (entry.kind == "vital" and current.vital is not None)
        )
        if needs_new:
            phase = _phase_at(session, entry.at)
            if entry.kind == "vital":
                phase = entry.obj.get_phase_display()
            current = FlowRow(at=minute, phase=phase)
            rows.append(current)
        obj = entry.obj
        recorded_by = getattr(obj, "recorded_by", None) or getattr(obj, "completed_by", None)
        if recorded_by is not None:
            current.by.add(recorded_by.signature_name)
        if entry.kind == "vital":
            current.vital = obj
            current.phase = obj.get_phase_display()
            current.alerts.extend(alerts_by_vital.get(obj.pk, []))
            points.append(ChartPoint(at=obj.taken_at, sbp=obj.sbp, dbp=obj.dbp, hr=obj.hr))
        elif entry.kind == "event":
            text = obj.get_kind_display()
            if obj.rate_ml_h is not None:
                text += f" at {display_quantity(obj.rate_ml_h, 'ml_per_h')}"
            if obj.kind == "stop" and session.stop_reason:
                text += f" ({session.get_stop_reason_display()})"
            elif obj.note:
                text += f" ({obj.note})"
            current.events.append(text)
            markers.append(ChartMarker(at=obj.occurred_at, label=obj.get_kind_display()))
        elif entry.kind == "check":
            current.events.append(f"Readiness check v{obj.version} {'passed' if obj.passed else 'failed'}")
        elif entry.kind == "override":
            current.events.append(
                f"Gate override ({obj.get_item_display()}) by "
                f"{obj.overridden_by.signature_name}: {obj.reason}"
            )
        elif entry.kind == "side_effect":
            text = f"{obj.get_kind_display()} ({obj.get_severity_display().lower()})"
            current.side_effects.append(text + (f": {obj.note}" if obj.note else ""))
        elif entry.kind == "rescue":
            current.rescue.append(str(obj))
        elif entry.kind == "rating":
            current.ratings.append(f"{obj.get_scale_display()}: {obj.value}")
    if session.discharged_at:
        minute = session.discharged_at.astimezone(tz).replace(second=0, microsecond=0)
        row = FlowRow(at=minute, phase="Discharge")
        row.events.append(
            f"Discharged with {session.driver_name or 'driver'}"
            + (
                f"; score {session.discharge_score_total}/10"
                if session.discharge_score_total is not None
                else ""
            )
        )
        if session.discharged_by_id:
            row.by.add(session.discharged_by.signature_name)
        rows.append(row)
    limits = config.limits
    return Flowsheet(
        session=session,
        state=state,
        config=config,
        tz=tz,
        rows=rows,
        points=points,
        markers=markers,
        limits=ChartLimits(
            pause_sbp=limits.intra_pause_sbp,
            pause_dbp=limits.intra_pause_dbp,
            stop_sbp=limits.intra_stop_sbp,
            stop_dbp=limits.intra_stop_dbp,
            hr_max=limits.hr_max,
            hr_min=limits.hr_min,
        ),
    )

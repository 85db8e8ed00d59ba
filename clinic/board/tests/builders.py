"""Infusion sessions in every state, built through the real services (the board and the documents
tests share these). Reuses the infusion and treatment tests' helpers for the order and the gate."""

import datetime as dt
import uuid

from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.infusions.models import InfusionSession
from clinic.infusions.services import (
    infusion_pause,
    infusion_start,
    infusion_stop,
    readiness_check_complete,
    rescue_medication_record,
    session_check_in,
    session_discharge,
    side_effect_record,
    vital_record,
)
from clinic.infusions.services.discharge import INSTRUCTION_CODES
from clinic.infusions.tests.conftest import answer_today, book_today, gate_inputs, make_verified_order
from clinic.scheduling.models import RoomKind
from clinic.scheduling.services import room_create
from clinic.treatment.models import Protocol
from clinic.treatment.services import protocol_library_seed
from conftest import DEMO_PASSWORD

STATES = ("checked_in", "ready", "running", "paused", "recovering", "discharged")
ALDRETE_FULL = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}


def key() -> str:
    return str(uuid.uuid4())


def seed_library(clinic, staff) -> None:
    if not Protocol.objects.filter(clinic=clinic).exists():
        protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])


def make_chair(clinic, staff, name: str):
    return room_create(clinic=clinic, name=name, kind=RoomKind.CHAIR, created_by=staff[Role.ADMIN])


def vitals(session, by, *, sbp=124, dbp=80, hr=72, spo2=98, rr=14, **extra):
    return vital_record(
        session=session, recorded_by=by, client_key=key(), sbp=sbp, dbp=dbp, hr=hr, spo2=spo2, rr=rr, **extra
    )


def shift_session(session, minutes: int) -> InfusionSession:
    """Move every time of the session `minutes` into the past (time travel for timers)."""
    delta = dt.timedelta(minutes=minutes)
    fields = {}
    for name in ("checked_in_at", "gate_passed_at", "started_at", "stopped_at", "recovery_started_at"):
        value = getattr(session, name)
        if value is not None:
            fields[name] = value - delta
    InfusionSession.objects.filter(pk=session.pk).update(**fields)
    for related in (session.events, session.vitals, session.side_effects, session.rescue_medications):
        for row in related.all():
            stamp = (
                "taken_at"
                if hasattr(row, "taken_at")
                else "given_at"
                if hasattr(row, "given_at")
                else "occurred_at"
            )
            type(row).objects.filter(pk=row.pk).update(**{stamp: getattr(row, stamp) - delta})
    for check in session.readiness_checks.all():
        type(check).objects.filter(pk=check.pk).update(completed_at=check.completed_at - delta)
    session.refresh_from_db()
    return session


def make_session(
    patient, staff, chair, state: str = "running", *, with_effects: bool = False
) -> InfusionSession:
    """A session of `patient` in `chair`, taken to `state` through the services."""
    assert state in STATES, state
    clinic = patient.clinic
    nurse, physician = staff[Role.NURSE], staff[Role.PHYSICIAN]
    seed_library(clinic, staff)
    order = make_verified_order(patient, physician=physician, nurse=nurse)
    appointment = book_today(patient, booked_by=staff[Role.FRONT_DESK], room=chair)
    session = session_check_in(appointment=appointment, order=order, chair=chair, nurse=nurse)
    if state == "checked_in":
        return session
    answer_today(patient, nurse)
    check = readiness_check_complete(
        session=session, completed_by=nurse, submission_key=key(), **gate_inputs(patient)
    )
    assert check.passed, check.items
    session.refresh_from_db()
    if state == "ready":
        return session
    infusion_start(session=session, started_by=nurse, client_key=key())
    session.refresh_from_db()
    if state in ("recovering", "discharged"):
        session = shift_session(session, 40)  # the pump ran 40 min before the stop below
    if with_effects:
        vitals(session, nurse, sbp=150, dbp=92, hr=88)
        side_effect_record(
            session=session, recorded_by=nurse, kind="nausea", severity="mild", client_key=key()
        )
        rescue_medication_record(
            session=session, given_by=nurse, drug="ondansetron", dose="4", route="iv", client_key=key()
        )
    if state == "running":
        return session
    if state == "paused":
        infusion_pause(session=session, paused_by=nurse, client_key=key())
        session.refresh_from_db()
        return session
    infusion_stop(session=session, stopped_by=nurse, reason="completed", client_key=key())
    session.refresh_from_db()
    if state == "recovering":
        return session
    vitals(session, nurse)
    session = shift_session(session, 70)
    vitals(session, nurse)  # a fresh recovery reading: discharge refuses overdue vitals
    return session_discharge(
        session=session,
        discharged_by=nurse,
        score_items_given=ALDRETE_FULL,
        driver_name="Jordan Driver",
        driver_phone="617-555-0142",
        patient_typed_name=f"{patient.given_name} {patient.family_name}",
        instructions_acknowledged=list(INSTRUCTION_CODES),
        password=DEMO_PASSWORD,
    )


def now_plus(minutes: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)

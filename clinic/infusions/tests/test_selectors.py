"""Reads for the chair-side page and the live board."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.accounts.roles import Role
from clinic.core.clinical_settings import REGISTRY
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.infusions import settings as keys
from clinic.infusions.models import InfusionEvent, InfusionSession, VitalSign
from clinic.infusions.selectors import (
    free_chairs,
    gate_state,
    infusion_appointments_for_day,
    infusion_settings,
    session_state,
    session_timeline,
    sessions_active,
    verified_orders_for_check_in,
)
from clinic.infusions.services import infusion_pause, infusion_resume, session_check_in, side_effect_record
from clinic.infusions.tests.conftest import (
    answer_today,
    book_today,
    complete_gate,
    key,
    make_verified_order,
    vitals,
)
from clinic.scheduling.selectors import clinic_today
from clinic.treatment.models import Protocol


def shift_events(session, minutes):
    """Move the session's pump events and start back by `minutes` (time travel)."""
    for event in InfusionEvent.objects.filter(session=session):
        InfusionEvent.objects.filter(pk=event.pk).update(
            occurred_at=event.occurred_at - dt.timedelta(minutes=minutes)
        )
    InfusionSession.objects.filter(pk=session.pk).update(
        started_at=session.started_at - dt.timedelta(minutes=minutes)
    )
    session.refresh_from_db()


def test_settings_are_read_in_one_query_with_the_clinic_overrides(clinic, staff, django_assert_num_queries):
    clinic_setting_set_without_cosign(
        clinic=clinic, key=keys.HR_MAX, raw_value="110", set_by=staff[Role.ADMIN], reason="Policy"
    )
    with django_assert_num_queries(1):
        config = infusion_settings(clinic=clinic)
    assert config.limits.hr_max == 110
    assert config.limits.pre_dose_max_sbp == 140 and config.recovery_min_minutes == 60
    assert config.fasting_solids_hours == Decimal(6) and config.no_driving_hours == 24


def test_every_setting_is_registered_with_a_source_and_the_shared_keys_once():
    for key_name in keys.KEYS:
        definition = REGISTRY[key_name]
        assert definition.source, key_name
    # the reminders app owns the shared fasting and driving keys
    assert REGISTRY[keys.FASTING_SOLIDS_HOURS].group == "Reminders and preparation"


def test_state_of_a_running_infusion(running_session):
    shift_events(running_session, 20)
    state = session_state(session=running_session)
    assert state.phase == "during"
    assert abs(state.progress.delivered_mg - Decimal("17.5")) < Decimal("0.1")
    assert abs(state.progress.remaining_min - 20) < Decimal("0.2")
    assert state.progress.rate_ml_h == Decimal("52.5")
    assert state.vitals_interval_min == 10
    # no reading since the start 20 min ago: due at +10, overdue after the 2 min grace
    assert state.vitals_overdue and state.vitals_due_in_min < 0
    assert state.baseline_vital.phase == "pre"


def test_a_reading_resets_the_vitals_due_time(running_session, nurse):
    vitals(running_session, nurse)
    state = session_state(session=running_session)
    assert not state.vitals_overdue and state.vitals_due_in_min == 10


def test_the_protocol_cadence_wins_over_the_setting(running_session, nurse):
    Protocol.objects.filter(pk=running_session.order.course.protocol_id).update(vitals_every_min_during=5)
    running_session.refresh_from_db()
    vitals(running_session, nurse)
    state = session_state(session=running_session)
    assert state.vitals_interval_min == 5 and state.vitals_due_in_min == 5


def test_state_in_recovery_lists_the_failing_criteria(recovering_session, nurse):
    state = session_state(session=recovering_session)
    assert state.phase == "recovery" and state.vitals_interval_min == 15
    assert [c.code for c in state.recovery_failing] == ["recovery_time", "recovery_vitals"]
    assert state.recovery_remaining_min == 60
    now = recovering_session.recovery_started_at + dt.timedelta(minutes=61)
    reading = vitals(recovering_session, nurse)
    VitalSign.objects.filter(pk=reading.pk).update(taken_at=now - dt.timedelta(minutes=5))
    state = session_state(session=recovering_session, now=now)
    assert state.recovery_failing == [] and state.ready_to_discharge
    # Past the recovery cadence (15 min) and its grace (2 min): overdue, and no discharge.
    state = session_state(session=recovering_session, now=now + dt.timedelta(minutes=13))
    assert state.vitals_overdue and not state.ready_to_discharge
    assert [c.code for c in state.recovery_failing] == ["recovery_vitals_overdue"]


def test_a_paused_infusion_has_no_remaining_time(running_session, nurse):
    infusion_pause(session=running_session, paused_by=nurse, client_key=key())
    running_session.refresh_from_db()
    state = session_state(session=running_session)
    assert state.progress.remaining_min is None and state.progress.rate_ml_h is None
    infusion_resume(session=running_session, resumed_by=nurse, client_key=key())
    running_session.refresh_from_db()
    assert session_state(session=running_session).progress.running


def test_the_board_reads_every_active_session_in_a_fixed_number_of_queries(
    running_session,
    library,
    make_patient,
    clinic,
    front_desk,
    physician,
    nurse,
    make_chair,
):
    # given two more patients checked in, one of them with vitals and an alert
    for n in range(2):
        patient = make_patient(clinic, front_desk)
        order = make_verified_order(patient, physician=physician, nurse=nurse)
        session = session_check_in(
            appointment=book_today(patient, booked_by=front_desk),
            order=order,
            chair=make_chair(f"Chair {n + 2}"),
            nurse=nurse,
        )
        vitals(session, nurse, sbp=150)
    vitals(running_session, nurse, sbp=190)
    # when
    with CaptureQueriesContext(connection) as queries:
        rows = sessions_active(clinic=clinic)
        [row.progress for row in rows]
    # then
    assert len(queries) <= 7
    assert [row.session.chair.name for row in rows] == ["Chair 1", "Chair 2", "Chair 3"]
    running = rows[0]
    assert running.open_alert_count == 1 and running.highest_open_alert_level == "pause"
    assert rows[1].progress is None and rows[1].phase == "pre"


def test_the_board_leaves_out_closed_sessions(recovering_session, clinic, other_clinic):
    assert [row.session.pk for row in sessions_active(clinic=clinic)] == [recovering_session.pk]
    InfusionSession.objects.filter(pk=recovering_session.pk).update(status="discharged")
    assert sessions_active(clinic=clinic) == []
    assert sessions_active(clinic=other_clinic) == []


def test_gate_state_rows_follow_the_gate_order(session, nurse):
    answer_today(session.patient, nurse)
    complete_gate(session, nurse, sbp=150)
    state = gate_state(session=session)
    assert [row.key for row in state.rows][:3] == ["identity", "order", "fasting"]
    assert not state.passed and not state.cleared
    assert [row.key for row in state.failing_not_overridden] == ["pre_dose_vitals"]


def test_the_timeline_merges_every_entry_in_time_order(running_session, nurse):
    vitals(running_session, nurse)
    side_effect_record(
        session=running_session, recorded_by=nurse, kind="nausea", severity="mild", client_key=key()
    )
    kinds = [entry.kind for entry in session_timeline(session=running_session)]
    assert set(kinds[:2]) == {"check", "vital"}  # the gate and its pre-dose reading
    assert kinds[2] == "event" and kinds[-1] == "side_effect"
    assert VitalSign.objects.filter(session=running_session).count() == 2


def test_orders_and_chairs_offered_at_check_in(session, verified_order, make_chair, clinic):
    assert list(verified_orders_for_check_in(patient=session.patient)) == []
    assert list(free_chairs(clinic=clinic)) == []
    spare = make_chair("Chair 7")
    assert list(free_chairs(clinic=clinic)) == [spare]


def test_today_s_infusions_carry_their_live_session(session, clinic):
    (appointment,) = infusion_appointments_for_day(clinic=clinic, day=clinic_today(clinic))
    assert appointment.live_sessions == [session]

"""Start, pause, resume, rate change and stop: the state machine and idempotent retries."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clinic.audit.models import AuditEvent
from clinic.infusions.models import EventKind, InfusionEvent, SessionStatus
from clinic.infusions.services import (
    infusion_pause,
    infusion_rate_change,
    infusion_resume,
    infusion_start,
    infusion_stop,
    recovery_start,
)
from clinic.infusions.services._common import CLIENT_KEY_INVALID, ONLY_CLINICIANS_CHART
from clinic.infusions.services.pump import (
    ALREADY_STARTED,
    GATE_NOT_PASSED,
    NOT_INFUSING,
    NOT_PAUSED,
    NOT_RUNNING,
    ORDER_NO_LONGER_VERIFIED,
    RATE_ABOVE_ORDER,
    RATE_NOT_POSITIVE,
    RECOVERY_NOT_STOPPED,
    STOP_DETAIL_REQUIRED,
    STOP_REASON_REQUIRED,
)
from clinic.infusions.tests.conftest import ORDER_RATE, key
from clinic.treatment.services import order_cancel


def kinds(session):
    return list(InfusionEvent.objects.filter(session=session).values_list("kind", flat=True))


def test_start_runs_the_pump_at_the_ordered_rate(ready_session, nurse):
    event = infusion_start(
        session=ready_session, started_by=nurse, client_key=key(), client_time="2026-11-20T09:00:00+00:00"
    )

    ready_session.refresh_from_db()
    assert ready_session.status == SessionStatus.RUNNING
    assert ready_session.started_at == event.occurred_at
    assert event.kind == EventKind.START and event.rate_ml_h == ORDER_RATE
    assert event.client_time.isoformat() == "2026-11-20T09:00:00+00:00"
    assert AuditEvent.objects.filter(object_type="infusions.InfusionEvent", object_id=str(event.pk)).exists()


def test_no_start_before_check_and_no_second_start(session, ready_session, nurse):
    infusion_start(session=ready_session, started_by=nurse, client_key=key())
    with pytest.raises(ValidationError) as exc:
        infusion_start(session=ready_session, started_by=nurse, client_key=key())
    assert exc.value.messages == [ALREADY_STARTED]
    assert kinds(ready_session) == ["start"]


def test_no_start_without_a_passed_gate(session, nurse):
    with pytest.raises(ValidationError) as exc:
        infusion_start(session=session, started_by=nurse, client_key=key())
    assert exc.value.messages == [GATE_NOT_PASSED]


def test_no_start_when_the_order_was_cancelled_after_the_check(ready_session, nurse, physician):
    order_cancel(order=ready_session.order, cancelled_by=physician, reason="Dose to be revised")
    with pytest.raises(ValidationError) as exc:
        infusion_start(session=ready_session, started_by=nurse, client_key=key())
    assert exc.value.messages == [ORDER_NO_LONGER_VERIFIED.format(status="Cancelled")]


def test_a_retried_start_returns_the_first_event(ready_session, nurse):
    client_key = key()
    first = infusion_start(session=ready_session, started_by=nurse, client_key=client_key)
    again = infusion_start(session=ready_session, started_by=nurse, client_key=client_key)
    assert first.pk == again.pk and kinds(ready_session) == ["start"]


def test_pause_and_resume(running_session, nurse):
    infusion_pause(session=running_session, paused_by=nurse, client_key=key(), note="Patient anxious")
    running_session.refresh_from_db()
    assert running_session.status == SessionStatus.PAUSED
    with pytest.raises(ValidationError) as exc:
        infusion_pause(session=running_session, paused_by=nurse, client_key=key())
    assert exc.value.messages == [NOT_RUNNING]

    event = infusion_resume(session=running_session, resumed_by=nurse, client_key=key())

    running_session.refresh_from_db()
    assert running_session.status == SessionStatus.RUNNING
    assert event.rate_ml_h == ORDER_RATE
    with pytest.raises(ValidationError) as exc:
        infusion_resume(session=running_session, resumed_by=nurse, client_key=key())
    assert exc.value.messages == [NOT_PAUSED]
    assert kinds(running_session) == ["start", "pause", "resume"]


def test_resume_continues_at_the_rate_before_the_pause(running_session, nurse):
    infusion_rate_change(session=running_session, changed_by=nurse, rate_ml_h="40", client_key=key())
    infusion_pause(session=running_session, paused_by=nurse, client_key=key())
    event = infusion_resume(session=running_session, resumed_by=nurse, client_key=key())
    assert event.rate_ml_h == Decimal("40")


def test_a_rate_above_the_order_is_refused(running_session, nurse):
    with pytest.raises(ValidationError) as exc:
        infusion_rate_change(session=running_session, changed_by=nurse, rate_ml_h="52.6", client_key=key())
    assert exc.value.message_dict == {
        "rate_ml_h": [RATE_ABOVE_ORDER.format(rate="52.6 mL/h", ordered="52.5 mL/h")]
    }
    with pytest.raises(ValidationError) as exc:
        infusion_rate_change(session=running_session, changed_by=nurse, rate_ml_h="0", client_key=key())
    assert exc.value.message_dict == {"rate_ml_h": [RATE_NOT_POSITIVE]}
    infusion_pause(session=running_session, paused_by=nurse, client_key=key())
    with pytest.raises(ValidationError) as exc:
        infusion_resume(session=running_session, resumed_by=nurse, rate_ml_h="80", client_key=key())
    assert "rate_ml_h" in exc.value.message_dict


def test_a_slower_rate_is_recorded(running_session, nurse):
    event = infusion_rate_change(
        session=running_session, changed_by=nurse, rate_ml_h="26.25", client_key=key(), note="Dissociation"
    )
    assert event.kind == EventKind.RATE_CHANGE and event.rate_ml_h == Decimal("26.25")


def test_no_rate_change_before_the_start(ready_session, nurse):
    with pytest.raises(ValidationError) as exc:
        infusion_rate_change(session=ready_session, changed_by=nurse, rate_ml_h="20", client_key=key())
    assert exc.value.messages == [NOT_INFUSING]


def test_stop_needs_a_reason_and_starts_recovery(running_session, nurse):
    with pytest.raises(ValidationError) as exc:
        infusion_stop(session=running_session, stopped_by=nurse, reason="", client_key=key())
    assert exc.value.message_dict == {"reason": [STOP_REASON_REQUIRED]}
    with pytest.raises(ValidationError) as exc:
        infusion_stop(session=running_session, stopped_by=nurse, reason="other", client_key=key())
    assert exc.value.message_dict == {"reason_detail": [STOP_DETAIL_REQUIRED]}

    event = infusion_stop(session=running_session, stopped_by=nurse, reason="dissociation", client_key=key())

    running_session.refresh_from_db()
    assert running_session.status == SessionStatus.RECOVERING
    assert running_session.stop_reason == "dissociation"
    assert running_session.get_stop_reason_display() == "Dissociation bothersome to the patient"
    assert running_session.stopped_at == event.occurred_at
    assert running_session.recovery_started_at is not None
    with pytest.raises(ValidationError) as exc:
        infusion_stop(session=running_session, stopped_by=nurse, reason="completed", client_key=key())
    assert exc.value.messages == [NOT_INFUSING]
    with pytest.raises(ValidationError) as exc:
        recovery_start(session=running_session, started_by=nurse)
    assert exc.value.messages == [RECOVERY_NOT_STOPPED]


def test_a_paused_infusion_can_be_stopped(running_session, nurse):
    infusion_pause(session=running_session, paused_by=nurse, client_key=key())
    infusion_stop(session=running_session, stopped_by=nurse, reason="hypertension", client_key=key())
    running_session.refresh_from_db()
    assert running_session.status == SessionStatus.RECOVERING


@pytest.mark.parametrize("action", ["pause", "rate", "stop"])
def test_every_pump_event_is_stored_once_per_client_key(running_session, nurse, action):
    client_key = key()

    def send():
        if action == "pause":
            return infusion_pause(session=running_session, paused_by=nurse, client_key=client_key)
        if action == "rate":
            return infusion_rate_change(
                session=running_session, changed_by=nurse, rate_ml_h="30", client_key=client_key
            )
        return infusion_stop(
            session=running_session, stopped_by=nurse, reason="completed", client_key=client_key
        )

    first, again = send(), send()
    assert first.pk == again.pk
    assert InfusionEvent.objects.filter(session=running_session).count() == 2


def test_a_retried_resume_returns_the_first_event(running_session, nurse):
    infusion_pause(session=running_session, paused_by=nurse, client_key=key())
    client_key = key()
    first = infusion_resume(session=running_session, resumed_by=nurse, client_key=client_key)
    assert infusion_resume(session=running_session, resumed_by=nurse, client_key=client_key).pk == first.pk


def test_a_client_key_is_required(running_session, nurse):
    with pytest.raises(ValidationError) as exc:
        infusion_pause(session=running_session, paused_by=nurse, client_key="not-a-uuid")
    assert exc.value.message_dict == {"client_key": [CLIENT_KEY_INVALID]}


def test_front_desk_cannot_run_the_pump(running_session, front_desk):
    with pytest.raises(ValidationError) as exc:
        infusion_pause(session=running_session, paused_by=front_desk, client_key=key())
    assert exc.value.messages == [ONLY_CLINICIANS_CHART]

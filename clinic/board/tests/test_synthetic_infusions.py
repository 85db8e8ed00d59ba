"""The synthetic generator's infusion steps (clinic/core/demo/synthetic.py) with small numbers: a
year of charted sessions, today's live chairs, and the board reading them."""

import datetime as dt

import pytest
from django.db.models import Count, Max

from clinic.board.selectors import board_for_clinic
from clinic.core.demo.synthetic import SyntheticConfig, synthetic_generate
from clinic.core.models import Clinic
from clinic.infusions.models import (
    ACTIVE_STATUSES,
    InfusionEvent,
    InfusionSession,
    ReadinessCheck,
    VitalAlert,
    VitalSign,
)
from clinic.infusions.selectors import session_state
from clinic.treatment.models import InfusionOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(db):
    return synthetic_generate(
        SyntheticConfig(
            clinics=2, patients=120, seed=41, years=0.4, sessions_per_clinic_per_day=3, live_chair_share=1.0
        )
    )


def test_history_respects_the_per_clinic_per_day_cap(generated):
    sessions = InfusionSession.objects.filter(status="discharged")
    assert sessions.exists()
    per_day = {}
    for clinic_id, checked_in_at in sessions.values_list("clinic_id", "checked_in_at"):
        tz = generated.tz(clinic_id)
        key = (clinic_id, checked_in_at.astimezone(tz).date())
        per_day[key] = per_day.get(key, 0) + 1
    assert max(per_day.values()) <= 3


def test_every_session_has_its_own_verified_order_and_appointment(generated):
    sessions = InfusionSession.objects.all()
    assert sessions.values("order").distinct().count() == sessions.count()
    assert sessions.values("appointment").distinct().count() == sessions.count()
    assert set(InfusionOrder.objects.values_list("status", flat=True)) == {"verified"}


def test_discharged_sessions_are_fully_charted(generated):
    session = InfusionSession.objects.filter(status="discharged", stop_reason="completed").first()
    kinds = list(InfusionEvent.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds[0] == "start" and kinds[-1] == "stop"
    phases = set(VitalSign.objects.filter(session=session).values_list("phase", flat=True))
    assert phases == {"pre", "during", "recovery"}
    assert ReadinessCheck.objects.filter(session=session, passed=True).exists()
    assert session.discharged_at > session.recovery_started_at >= session.stopped_at > session.started_at
    # Vitals every 10 minutes during the infusion (the protocol's cadence).
    during = list(
        VitalSign.objects.filter(session=session, phase="during")
        .order_by("taken_at")
        .values_list("taken_at", flat=True)
    )
    assert all(b - a == dt.timedelta(minutes=10) for a, b in zip(during, during[1:], strict=False))
    # The delivered dose the selectors compute is the ordered dose.
    state = session_state(session=session)
    assert abs(state.delivered_mg - session.order.dose_mg) < 1


def test_a_fraction_has_alerts_and_they_carry_their_acknowledgement(generated):
    alerts = VitalAlert.objects.all()
    assert alerts.exists()
    for alert in alerts.filter(status="acknowledged"):
        assert alert.acknowledged_at and alert.action_taken and alert.acknowledged_by_id


def test_live_chairs_fill_the_board(generated):
    clinic = Clinic.objects.get(pk=generated.clinics[0].pk)
    live = InfusionSession.objects.filter(clinic=clinic, status__in=ACTIVE_STATUSES)
    assert live.exists()
    # One live session per chair at most.
    assert live.values("chair").annotate(n=Count("pk")).aggregate(m=Max("n"))["m"] == 1
    board = board_for_clinic(clinic=clinic)
    assert sum(1 for row in board.rows if not row.is_free) == live.count()
    running = [row for row in board.rows if row.status == "running"]
    assert running and all(row.state.delivered_mg > 0 for row in running)


def test_without_the_options_no_infusion_data_is_made(db):
    ctx = synthetic_generate(SyntheticConfig(clinics=1, patients=40, seed=42, years=0.2))
    assert "infusion sessions" not in ctx.counts

"""A vital-sign alert nobody acknowledges escalates to the physician on duty: once, audited, in its
own clinic, never after it was acknowledged."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from clinic.accounts.models import Membership
from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.escalation import EscalationStage
from clinic.core.models import ClinicSetting
from clinic.core.selectors_escalation import ALL_PHYSICIANS, ON_DUTY
from clinic.infusions import settings as keys
from clinic.infusions.models import VitalAlert, VitalAlertStatus
from clinic.infusions.services import session_abandon, vital_alert_acknowledge
from clinic.infusions.services.escalation import vital_alert_escalate, vital_alerts_escalate_due
from clinic.infusions.tests.conftest import complete_gate, vitals
from clinic.scheduling.services import staff_shift_create

MIN = dt.timedelta(minutes=1)


def later(minutes: float) -> dt.datetime:
    return timezone.now() + minutes * MIN


def escalation_events(alert) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type="infusions.VitalAlert", object_id=str(alert.pk), summary__contains="escalated"
        )
    )


def on_shift(user, *, admin, starts=-60, ends=60):
    return staff_shift_create(
        clinic=user.memberships.get().clinic,
        user=user,
        starts_at=later(starts),
        ends_at=later(ends),
        created_by=admin,
    )


@pytest.fixture
def low_oxygen(running_session, nurse):
    """SpO2 89 %, RR 8, HR 48 charted on a running infusion: two pause alerts and a call."""
    vitals(running_session, nurse, spo2=89, rr=8, hr=48)
    return list(VitalAlert.objects.filter(session=running_session).order_by("pk"))


def test_an_alert_open_past_the_setting_escalates_to_every_physician_when_nobody_is_on_shift(
    clinic, staff, make_user, low_oxygen
):
    # given two active physicians, neither on a shift
    second = make_user(Role.PHYSICIAN, clinic, credentials="MD")

    # when the sweep runs 3 minutes (the default) after the alerts were raised
    assert vital_alerts_escalate_due(now=later(2.5)) == 0
    escalated = vital_alerts_escalate_due(now=later(3.1))

    # then every open alert is escalated to both physicians, with an audit event each
    assert escalated == len(low_oxygen) == 3
    for alert in low_oxygen:
        alert.refresh_from_db()
        assert alert.escalation_stage == EscalationStage.PHYSICIAN
        assert alert.escalated_at is not None
        assert set(alert.escalated_to.all()) == {staff[Role.PHYSICIAN], second}
        (event,) = escalation_events(alert)
        assert event.action == AuditAction.UPDATE
        assert event.actor is None
        assert event.changes["extra"]["chosen_by"] == ALL_PHYSICIANS
        assert sorted(event.changes["extra"]["recipients"]) == sorted([staff[Role.PHYSICIAN].pk, second.pk])
        assert event.changes["diff"]["escalation_stage"] == [0, 1]
        assert "every physician" in event.summary


def test_the_physician_on_duty_is_chosen_from_the_shifts(clinic, staff, make_user, low_oxygen):
    # given a second physician on shift now, and the first one whose shift ended an hour ago
    on_duty = make_user(Role.PHYSICIAN, clinic, credentials="MD")
    on_shift(on_duty, admin=staff[Role.ADMIN])
    on_shift(staff[Role.PHYSICIAN], admin=staff[Role.ADMIN], starts=-240, ends=-60)

    vital_alerts_escalate_due(now=later(4))

    alert = low_oxygen[0]
    alert.refresh_from_db()
    assert list(alert.escalated_to.all()) == [on_duty]
    assert escalation_events(alert)[0].changes["extra"]["chosen_by"] == ON_DUTY


def test_a_nurse_on_shift_is_not_a_physician_on_duty(clinic, staff, nurse, low_oxygen):
    on_shift(nurse, admin=staff[Role.ADMIN])

    vital_alerts_escalate_due(now=later(4))

    alert = low_oxygen[0]
    alert.refresh_from_db()
    assert list(alert.escalated_to.all()) == [staff[Role.PHYSICIAN]]


def test_an_inactive_physician_is_not_told(clinic, staff, make_user, low_oxygen):
    gone = make_user(Role.PHYSICIAN, clinic)
    Membership.objects.filter(user=gone).update(is_active=False)

    vital_alerts_escalate_due(now=later(4))

    alert = low_oxygen[0]
    alert.refresh_from_db()
    assert gone not in alert.escalated_to.all()


def test_running_the_sweep_twice_escalates_once(low_oxygen):
    assert vital_alerts_escalate_due(now=later(4)) == 3
    assert vital_alerts_escalate_due(now=later(5)) == 0
    assert call_command("run_jobs", "--once", "--sweep-minutes", "0") is None
    alert = low_oxygen[0]
    assert vital_alert_escalate(alert=alert, now=later(60)) is None
    assert len(escalation_events(alert)) == 1


def test_an_acknowledged_alert_never_escalates(low_oxygen, nurse):
    alert = low_oxygen[0]
    vital_alert_acknowledge(
        alert=alert, acknowledged_by=nurse, action_taken="Paused; oxygen 2 L/min; Dr told"
    )

    assert vital_alerts_escalate_due(now=later(60)) == 2
    alert.refresh_from_db()
    assert alert.escalation_stage == EscalationStage.NONE
    assert escalation_events(alert) == []
    assert vital_alert_escalate(alert=alert, now=later(60)) is None


def test_the_clinic_setting_sets_the_minutes(clinic, low_oxygen):
    ClinicSetting.objects.create(
        clinic=clinic, key=keys.VITAL_ALERT_ESCALATION_MINUTES, value=10, reason="test"
    )

    assert vital_alerts_escalate_due(now=later(4)) == 0
    assert vital_alerts_escalate_due(now=later(10.1)) == 3


def test_an_alert_of_a_session_that_left_the_clinic_does_not_escalate(session, nurse):
    # given a pre-dose warning (BP above the gate) and the infusion abandoned before the start
    complete_gate(session, nurse, sbp=162, dbp=96)
    alert = VitalAlert.objects.get(session=session)
    assert alert.status == VitalAlertStatus.OPEN
    session_abandon(session=session, abandoned_by=nurse, reason="BP stayed high; rebooked")

    assert vital_alerts_escalate_due(now=later(60)) == 0
    assert vital_alert_escalate(alert=alert, now=later(60)) is None


def test_escalation_stays_in_the_alerts_clinic(
    clinic, other_clinic, staff, make_user, make_patient, low_oxygen
):
    # given a physician of another clinic, on shift there
    other_admin = make_user(Role.ADMIN, other_clinic)
    elsewhere = make_user(Role.PHYSICIAN, other_clinic)
    staff_shift_create(
        clinic=other_clinic, user=elsewhere, starts_at=later(-60), ends_at=later(60), created_by=other_admin
    )

    vital_alerts_escalate_due(now=later(4))

    for alert in low_oxygen:
        alert.refresh_from_db()
        assert elsewhere not in alert.escalated_to.all()
        assert escalation_events(alert)[0].clinic_id == clinic.pk


def test_without_any_physician_the_administrators_are_told(clinic, staff, low_oxygen):
    Membership.objects.filter(user=staff[Role.PHYSICIAN]).update(is_active=False)

    vital_alerts_escalate_due(now=later(4))

    alert = low_oxygen[0]
    alert.refresh_from_db()
    assert list(alert.escalated_to.all()) == [staff[Role.ADMIN]]


def test_the_job_worker_runs_the_escalation_sweep(low_oxygen):
    # given alerts raised 4 minutes ago (time travel)
    VitalAlert.objects.filter(pk__in=[a.pk for a in low_oxygen]).update(created_at=later(-4))

    # when the worker runs once
    call_command("run_jobs", "--once", "--sweep-minutes", "0")

    # then they are escalated
    assert all(
        a.escalation_stage == EscalationStage.PHYSICIAN
        for a in VitalAlert.objects.filter(session=low_oxygen[0].session)
    )

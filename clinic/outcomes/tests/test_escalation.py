"""A suicide-risk alert nobody acknowledges escalates: to the physician on duty, then to the
administrators; once per stage, audited, in its own clinic, never after it was acknowledged."""

import datetime as dt

import pytest
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.core.escalation import EscalationStage
from clinic.core.models import ClinicSetting
from clinic.core.selectors_escalation import ADMINISTRATORS, ALL_PHYSICIANS, ON_DUTY
from clinic.outcomes import settings as outcome_settings
from clinic.outcomes.models import SafetyAlert
from clinic.outcomes.services import (
    questionnaire_response_record,
    safety_alert_acknowledge,
    safety_alert_escalate,
    safety_alerts_escalate_due,
)
from clinic.outcomes.tests.answers import asq_answers
from clinic.scheduling.services import staff_shift_create

MIN = dt.timedelta(minutes=1)


def later(minutes: float) -> dt.datetime:
    return timezone.now() + minutes * MIN


@pytest.fixture
def portal_alert(portal_patient) -> SafetyAlert:
    """A positive ASQ answered in the portal: a high alert."""
    response = questionnaire_response_record(
        patient=portal_patient,
        instrument_code="asq",
        answers=asq_answers(q2=1, q5=0),
        context="between_visits",
        entered_by=portal_patient.user,
        source="patient",
    )
    return response.safety_alert


def events(alert) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type="outcomes.SafetyAlert", object_id=str(alert.pk), summary__contains="escalated"
        ).order_by("seq")
    )


def test_a_portal_alert_goes_to_the_physician_then_to_the_administrators(
    clinic, staff, make_user, portal_alert
):
    # given a second administrator, and a physician on shift now
    admin2 = make_user(Role.ADMIN, clinic)
    on_duty = make_user(Role.PHYSICIAN, clinic)
    staff_shift_create(
        clinic=clinic, user=on_duty, starts_at=later(-60), ends_at=later(600), created_by=staff[Role.ADMIN]
    )

    # when the sweep runs before, then after the physician's 10 minutes (default)
    assert safety_alerts_escalate_due(now=later(9)) == 0
    assert safety_alerts_escalate_due(now=later(10.1)) == 1

    # then the physician on duty has it
    portal_alert.refresh_from_db()
    assert portal_alert.escalation_stage == EscalationStage.PHYSICIAN
    assert list(portal_alert.escalated_to.all()) == [on_duty]
    first_at = portal_alert.escalated_at

    # and 30 minutes (default) after that, still unacknowledged, the administrators
    assert safety_alerts_escalate_due(now=first_at + 29 * MIN) == 0
    assert safety_alerts_escalate_due(now=first_at + 30 * MIN) == 1
    portal_alert.refresh_from_db()
    assert portal_alert.escalation_stage == EscalationStage.ADMINISTRATOR
    assert set(portal_alert.escalated_to.all()) == {on_duty, staff[Role.ADMIN], admin2}

    # each stage is one audit event saying who was told
    first, second = events(portal_alert)
    assert first.changes["extra"] == {"stage": 1, "chosen_by": ON_DUTY, "recipients": [on_duty.pk]}
    assert second.changes["extra"]["chosen_by"] == ADMINISTRATORS
    assert sorted(second.changes["extra"]["recipients"]) == sorted([staff[Role.ADMIN].pk, admin2.pk])
    assert first.patient_id == portal_alert.patient_id

    # and nothing further happens
    assert safety_alerts_escalate_due(now=later(24 * 60)) == 0
    assert len(events(portal_alert)) == 2


def test_running_the_sweep_twice_escalates_once(staff, portal_alert):
    assert safety_alerts_escalate_due(now=later(11)) == 1
    assert safety_alerts_escalate_due(now=later(11)) == 0
    assert safety_alert_escalate(alert=portal_alert, now=later(12)) is None
    assert len(events(portal_alert)) == 1
    portal_alert.refresh_from_db()
    assert list(portal_alert.escalated_to.all()) == [staff[Role.PHYSICIAN]]
    assert events(portal_alert)[0].changes["extra"]["chosen_by"] == ALL_PHYSICIANS


def test_an_acknowledged_alert_never_escalates(physician, portal_alert):
    safety_alert_acknowledge(
        alert=portal_alert, acknowledged_by=physician, action_taken="Called; safety plan"
    )

    assert safety_alerts_escalate_due(now=later(24 * 60)) == 0
    assert safety_alert_escalate(alert=portal_alert, now=later(24 * 60)) is None
    portal_alert.refresh_from_db()
    assert portal_alert.escalation_stage == EscalationStage.NONE
    assert events(portal_alert) == []


def test_acknowledging_after_the_physician_stage_stops_the_administrator_stage(physician, portal_alert):
    safety_alerts_escalate_due(now=later(11))
    safety_alert_acknowledge(alert=portal_alert, acknowledged_by=physician, action_taken="Called the patient")

    assert safety_alerts_escalate_due(now=later(24 * 60)) == 0
    portal_alert.refresh_from_db()
    assert portal_alert.escalation_stage == EscalationStage.PHYSICIAN


def test_the_clinic_settings_set_both_stages(clinic, staff, portal_alert):
    ClinicSetting.objects.create(
        clinic=clinic, key=outcome_settings.SAFETY_ALERT_ESCALATION_MINUTES, value=2, reason="test"
    )
    ClinicSetting.objects.create(
        clinic=clinic, key=outcome_settings.SAFETY_ALERT_ADMIN_ESCALATION_MINUTES, value=5, reason="test"
    )

    assert safety_alerts_escalate_due(now=later(2.1)) == 1
    portal_alert.refresh_from_db()
    assert safety_alerts_escalate_due(now=portal_alert.escalated_at + 5 * MIN) == 1


def test_an_alert_left_open_for_14_days_reaches_the_physicians_at_the_first_sweep(staff, portal_alert):
    # (the demo's open alert: raised at a consultation two weeks ago, before any sweep ran)
    SafetyAlert.objects.filter(pk=portal_alert.pk).update(created_at=later(-14 * 24 * 60))

    assert safety_alerts_escalate_due() == 1
    portal_alert.refresh_from_db()
    assert portal_alert.escalation_stage == EscalationStage.PHYSICIAN
    assert list(portal_alert.escalated_to.all()) == [staff[Role.PHYSICIAN]]
    # the administrators get their turn 30 minutes later, not in the same sweep
    assert safety_alerts_escalate_due() == 0


def test_escalation_stays_in_the_alerts_clinic(clinic, other_clinic, staff, make_user, portal_alert):
    elsewhere = make_user(Role.PHYSICIAN, other_clinic)

    safety_alerts_escalate_due(now=later(11))

    portal_alert.refresh_from_db()
    assert elsewhere not in portal_alert.escalated_to.all()
    assert events(portal_alert)[0].clinic_id == clinic.pk

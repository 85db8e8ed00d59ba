"""Alerts during an infusion cannot be missed: the most severe open alert, with what to do, is the
first thing on the chair-side page; open alerts come most severe first, each with its acknowledge
form; the live poll carries them (a new alert shows without a reload); an escalation shows."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.core.escalation import EscalationStage
from clinic.infusions.calculations import ACTION_HR, ACTION_RR_LOW_DURING, ACTION_SPO2_DURING
from clinic.infusions.models import VitalAlert
from clinic.infusions.services import vital_alert_acknowledge
from clinic.infusions.services.escalation import vital_alerts_escalate_due
from clinic.infusions.tests.conftest import vitals


def url(name, session, **kwargs):
    return reverse(f"infusions:{name}", kwargs={"session_id": session.pk, **kwargs})


@pytest.fixture
def low_oxygen(running_session, nurse):
    """SpO2 89 %, RR 8, HR 48 charted during the infusion: two pause alerts and a call."""
    vitals(running_session, nurse, spo2=89, rr=8, hr=48)
    return running_session


def articles(html: str) -> list[str]:
    """The open alerts at the top of the page, in order: (level, headline)."""
    top = html[html.index('id="alert-top"') : html.index("</section>", html.index('id="alert-top"'))]
    return re.findall(r'<article class="vital-alert level-(\w+)', top)


def test_the_most_severe_alert_and_what_to_do_come_before_the_patient_header(client_for, nurse, low_oxygen):
    html = client_for(nurse).get(url("session", low_oxygen)).content.decode()

    top = html.index('id="alert-top"')
    assert top < html.index('class="card chair-header"')
    assert top < html.index('id="live"')
    # most severe first: the two pauses (SpO2, RR), then the call for the heart rate
    assert articles(html) == ["pause", "pause", "call_physician"]
    lead = html[top : html.index("</article>", top)]
    assert "PAUSE THE INFUSION" in lead
    assert 'role="alert"' in lead
    assert "SpO2 89 %" in lead or "SpO2 89%" in lead
    assert ACTION_SPO2_DURING in lead  # pause, stimulate, airway, oxygen, call the physician
    assert "Acknowledge" in lead and 'name="ack' in lead
    assert ACTION_RR_LOW_DURING in html and ACTION_HR in html
    assert "3 open alerts, most severe first" in html
    # the level is said in words and drawn as a shape, not only a colour
    assert 'class="alert-icon icon-pause"' in lead


def test_a_stop_alert_leads_over_pause_and_call(client_for, nurse, running_session):
    vitals(running_session, nurse, hr=48)  # call the physician, raised first
    vitals(running_session, nurse, sbp=210, dbp=125, spo2=90)  # stop (BP) and pause (SpO2), later

    html = client_for(nurse).get(url("session", running_session)).content.decode()

    assert articles(html) == ["stop", "pause", "call_physician"]
    assert "STOP THE INFUSION" in html[html.index('id="alert-top"') : html.index("</article>")]


def test_the_live_poll_carries_the_open_alerts_out_of_band(client_for, nurse, running_session):
    client = client_for(nurse)
    before = client.get(url("live", running_session), HTTP_X_BACKGROUND_POLL="1").content.decode()
    assert 'id="alert-top"' in before and 'hx-swap-oob="true"' in before
    assert "No open alerts." in before

    # when a reading past the limits is charted on another tablet
    vitals(running_session, nurse, spo2=89, rr=8, hr=48)

    # then the next poll brings the alerts, most severe first, with a new signature
    after = client.get(url("live", running_session), HTTP_X_BACKGROUND_POLL="1").content.decode()
    assert articles(after) == ["pause", "pause", "call_physician"]
    ids = VitalAlert.objects.filter(session=running_session).values_list("pk", flat=True)
    for pk in ids:
        assert f'id="ack-form-{pk}"' in after
        assert f"v{pk}:" in after  # the token the sound cue listens for
    signature = re.search(r'data-signature="([^"]*)"', after).group(1)
    assert signature == " ".join(
        f"{a.pk}:0"
        for a in sorted(
            VitalAlert.objects.filter(session=running_session),
            key=lambda a: ({"pause": 0, "call_physician": 1}[a.level], -a.vital_id, a.pk),
        )
    )


def test_the_alerts_block_alone_answers_the_refresh_after_an_entry(client_for, nurse, low_oxygen):
    response = client_for(nurse).get(url("alerts_top", low_oxygen))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<section id="alert-top"') or 'id="alert-top"' in html[:200]
    assert 'hx-swap-oob="true"' in html
    assert articles(html) == ["pause", "pause", "call_physician"]


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
def test_the_alerts_block_is_for_clinicians(client_for, staff, low_oxygen, role):
    assert client_for(staff[role]).get(url("alerts_top", low_oxygen)).status_code == 403


def test_another_clinics_session_is_not_found(client_for, other_clinic, make_user, low_oxygen):
    other_nurse = make_user(Role.NURSE, other_clinic)
    assert client_for(other_nurse).get(url("alerts_top", low_oxygen)).status_code == 404


def test_an_acknowledged_alert_leaves_the_top_for_the_history(client_for, nurse, low_oxygen):
    alert = VitalAlert.objects.filter(session=low_oxygen, level="call_physician").get()
    vital_alert_acknowledge(alert=alert, acknowledged_by=nurse, action_taken="Monitor lead refitted; HR 58")

    html = client_for(nurse).get(url("session", low_oxygen)).content.decode()

    assert articles(html) == ["pause", "pause"]
    history = html[html.index('id="alerts"') :]
    assert f'id="alert-{alert.pk}"' in history and "Acknowledged by" in history
    assert "2 open alerts, with what to do" in history


def test_the_top_says_when_the_alert_escalates_and_then_to_whom(client_for, nurse, physician, low_oxygen):
    client = client_for(nurse)
    html = client.get(url("session", low_oxygen)).content.decode()
    assert "the physician on duty is told" in html

    vital_alerts_escalate_due(now=timezone.now() + dt.timedelta(minutes=4))

    html = client.get(url("session", low_oxygen)).content.decode()
    lead = html[html.index('id="alert-top"') : html.index("</article>", html.index('id="alert-top"'))]
    assert "Escalated" in lead and physician.signature_name in lead
    assert (
        VitalAlert.objects.filter(session=low_oxygen, escalation_stage=EscalationStage.PHYSICIAN).count() == 3
    )


def test_the_sound_toggle_and_script_are_on_the_chair_side_page(client_for, nurse, running_session):
    html = client_for(nurse).get(url("session", running_session)).content.decode()
    assert "data-sound-toggle" in html
    assert "js/alerts.js" in html


def test_the_live_poll_with_alerts_stays_within_budget(
    client_for, nurse, low_oxygen, django_assert_max_num_queries
):
    client = client_for(nurse)
    client.get(url("session", low_oxygen))
    with django_assert_max_num_queries(16):
        assert client.get(url("live", low_oxygen), HTTP_X_BACKGROUND_POLL="1").status_code == 200

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.accounts.middleware import LAST_ACTIVITY_KEY
from clinic.accounts.roles import Role
from clinic.board.tests.builders import make_session, shift_session, vitals
from clinic.outcomes.services import questionnaire_response_record

STAFF_ROLES = [Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK]
PAGES = ["board:board", "board:fragment"]
# 11 today: middleware (session, user, memberships) + settings, sessions, events, vitals, open alerts,
# high safety alerts (infusions) + chairs + safety alerts (board). Whatever the number of chairs.
QUERY_BUDGET = 12


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_sees_the_board(role, page, staff, client_for):
    response = client_for(staff[role]).get(reverse(page))
    assert response.status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_a_patient_is_refused(page, clinic, make_user, client_for):
    response = client_for(make_user(Role.PATIENT, clinic)).get(reverse(page))
    assert response.status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_goes_to_sign_in(page, client):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_board_shows_each_state(clinic, staff, chairs, make_patient, client_for):
    # given a session in each state before discharge, and a free chair
    patients = {}
    for chair, state in zip(chairs, ["checked_in", "ready", "running", "paused", "recovering"], strict=False):
        patient = make_patient(clinic, staff[Role.FRONT_DESK])
        patients[state] = patient
        make_session(patient, staff, chair, state)
    # when
    html = client_for(staff[Role.FRONT_DESK]).get(reverse("board:board")).content.decode()
    # then
    for state, label in [
        ("checked_in", "Checked in"),
        ("ready", "Ready"),
        ("running", "Running"),
        ("paused", "Paused"),
        ("recovering", "Recovering"),
        ("free", "Free"),
    ]:
        assert f'data-status="{state}"' in html
        assert label in html
    for patient in patients.values():
        assert patient.full_name in html
        assert patient.record_number in html
    assert "Mood induction" in html or "mood" in html.lower()
    assert "mg of 35 mg" in html
    assert 'hx-trigger="every 5s"' in html
    assert "X-Background-Poll" in html


def test_overdue_vitals_show_in_red(clinic, staff, chairs, make_patient, client_for):
    session = make_session(make_patient(clinic, staff[Role.FRONT_DESK]), staff, chairs[0], "running")
    shift_session(session, 15)

    html = client_for(staff[Role.NURSE]).get(reverse("board:fragment")).content.decode()

    assert "OVERDUE" in html
    assert "is-overdue" in html


def test_open_vital_and_safety_alerts_show(clinic, staff, chairs, make_patient, client_for):
    # given a running session with a blood-pressure alert, and a checked-in patient whose safety
    # screen is positive today
    running = make_session(make_patient(clinic, staff[Role.FRONT_DESK]), staff, chairs[0], "running")
    vitals(running, staff[Role.NURSE], sbp=186, dbp=100)
    waiting = make_session(make_patient(clinic, staff[Role.FRONT_DESK]), staff, chairs[1], "checked_in")
    questionnaire_response_record(
        patient=waiting.patient,
        instrument_code="asq",
        answers={"q1": 1, "q2": 0, "q3": 0, "q4": 0, "q5": 1},
        context="pre_infusion",
        entered_by=staff[Role.NURSE],
    )
    # when
    html = client_for(staff[Role.NURSE]).get(reverse("board:fragment")).content.decode()
    # then
    assert "Pause the infusion" in html or "Stop the infusion" in html
    assert "suicide-risk alert open" in html
    assert "is-urgent" in html


def test_chairs_link_to_the_chair_side_page_for_clinicians_only(
    clinic, staff, chairs, make_patient, client_for
):
    session = make_session(make_patient(clinic, staff[Role.FRONT_DESK]), staff, chairs[0], "running")
    link = reverse("infusions:session", args=[session.pk])

    assert link in client_for(staff[Role.NURSE]).get(reverse("board:board")).content.decode()
    assert link not in client_for(staff[Role.FRONT_DESK]).get(reverse("board:board")).content.decode()


def test_another_clinics_sessions_are_not_shown(
    clinic, other_clinic, staff, make_user, make_patient, client_for
):
    from clinic.board.tests.builders import make_chair

    other_staff = {role: make_user(role, other_clinic) for role in STAFF_ROLES}
    other_patient = make_patient(other_clinic, other_staff[Role.FRONT_DESK])
    make_session(other_patient, other_staff, make_chair(other_clinic, other_staff, "Chair 9"), "running")

    html = client_for(staff[Role.NURSE]).get(reverse("board:board")).content.decode()

    assert other_patient.record_number not in html
    assert "Chair 9" not in html


def _fragment_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("board:fragment"), HTTP_X_BACKGROUND_POLL="1").status_code == 200
    return len(ctx.captured_queries)


def test_fragment_query_count_does_not_grow_with_sessions(
    clinic, staff, chairs, make_patient, client_for, django_assert_max_num_queries
):
    # given one running session
    client = client_for(staff[Role.NURSE])
    first = make_session(make_patient(clinic, staff[Role.FRONT_DESK]), staff, chairs[0], "running")
    vitals(first, staff[Role.NURSE])
    client.get(reverse("board:fragment"))  # the session row exists; warm the session cache
    with django_assert_max_num_queries(QUERY_BUDGET):
        client.get(reverse("board:fragment"), HTTP_X_BACKGROUND_POLL="1")
    one = _fragment_queries(client)
    # when seven more sessions in every state fill the other chairs
    for chair, state in zip(
        chairs[1:],
        ["running", "paused", "recovering", "ready", "checked_in", "running", "recovering"],
        strict=True,
    ):
        session = make_session(make_patient(clinic, staff[Role.FRONT_DESK]), staff, chair, state)
        if state in ("running", "paused", "recovering"):
            vitals(session, staff[Role.NURSE], sbp=185)
    # then the fragment costs the same number of queries
    with django_assert_max_num_queries(QUERY_BUDGET):
        client.get(reverse("board:fragment"), HTTP_X_BACKGROUND_POLL="1")
    assert _fragment_queries(client) == one, one


def test_polling_does_not_count_as_activity(staff, client_for):
    client = client_for(staff[Role.NURSE])
    client.get(reverse("board:board"))
    session = client.session
    a_minute_ago = time.time() - 60
    session[LAST_ACTIVITY_KEY] = a_minute_ago
    session.save()

    response = client.get(reverse("board:fragment"), HTTP_X_BACKGROUND_POLL="1")

    assert response.status_code == 200
    assert client.session[LAST_ACTIVITY_KEY] == a_minute_ago


# --- alerts look unlike overdue vital signs, most severe first ------------------------------------


def _card(html: str, session) -> str:
    start = html.index(f'id="chair-{session.chair_id}-{session.pk}"')
    return html[html.rindex("<li", 0, start) : html.index("</li>\n", start)]


def test_an_alert_card_leads_with_the_most_severe_alert_and_what_to_do(
    clinic, staff, chairs, make_patient, client_for
):
    # given SpO2 89 %, RR 8 and HR 48 charted on a running infusion
    session = make_session(make_patient(clinic, staff[Role.FRONT_DESK]), staff, chairs[0], "running")
    vitals(session, staff[Role.NURSE], spo2=89, rr=8, hr=48)

    card = _card(client_for(staff[Role.FRONT_DESK]).get(reverse("board:fragment")).content.decode(), session)

    # then the card is an alert card (not an overdue one), led by "pause" with its instruction
    assert "has-alert lead-pause" in card and "is-overdue" not in card
    lead = card[card.index('class="chair-lead-alert') : card.index('class="chair-patient"')]
    assert "PAUSE THE INFUSION" in lead and "SpO2 89 %" in lead
    assert "open the airway, give oxygen" in lead
    assert 'class="alert-icon small icon-pause"' in lead
    # the other two follow, most severe first
    others = card[card.index('class="chair-alerts"') :]
    assert others.index("Pause the infusion") < others.index("Call the physician")
    # every open alert is announced to the page's sound cue
    tokens = card[card.index("data-open-alerts=") :].split('"')[1].split()
    assert [t.split(":")[1] for t in tokens] == ["pause", "pause", "call_physician"]


def test_overdue_vitals_look_unlike_an_alert(clinic, staff, chairs, make_patient, client_for):
    session = make_session(make_patient(clinic, staff[Role.FRONT_DESK]), staff, chairs[0], "running")
    shift_session(session, 15)

    card = _card(client_for(staff[Role.NURSE]).get(reverse("board:fragment")).content.decode(), session)

    assert "is-overdue" in card and "has-alert" not in card
    assert "VITALS OVERDUE" in card and "icon-overdue" in card
    assert "chair-lead-alert" not in card


def test_a_stop_alert_leads_a_chair_with_a_suicide_risk_alert(
    clinic, staff, chairs, make_patient, client_for
):
    session = make_session(make_patient(clinic, staff[Role.FRONT_DESK]), staff, chairs[0], "running")
    questionnaire_response_record(
        patient=session.patient,
        instrument_code="asq",
        answers={"q1": 1, "q2": 0, "q3": 0, "q4": 0, "q5": 1},
        context="pre_infusion",
        entered_by=staff[Role.NURSE],
    )
    vitals(session, staff[Role.NURSE], sbp=205, dbp=100)

    card = _card(client_for(staff[Role.NURSE]).get(reverse("board:fragment")).content.decode(), session)

    assert "lead-stop" in card
    assert card.index("STOP THE INFUSION") < card.index("Acute suicide-risk alert open")


def test_an_escalated_alert_says_so_on_the_card(clinic, staff, chairs, make_patient, client_for):
    import datetime as dt

    from django.utils import timezone

    from clinic.infusions.services.escalation import vital_alerts_escalate_due

    session = make_session(make_patient(clinic, staff[Role.FRONT_DESK]), staff, chairs[0], "running")
    vitals(session, staff[Role.NURSE], spo2=89)
    vital_alerts_escalate_due(now=timezone.now() + dt.timedelta(minutes=4))

    card = _card(client_for(staff[Role.NURSE]).get(reverse("board:fragment")).content.decode(), session)

    assert "Escalated" in card


def test_the_board_page_has_the_sound_toggle(staff, client_for):
    html = client_for(staff[Role.NURSE]).get(reverse("board:board")).content.decode()
    assert "data-sound-toggle" in html and "js/alerts.js" in html

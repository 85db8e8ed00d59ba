"""Today, role by role: the nurse's chairs, alerts and orders to check; the physician's escalations,
signatures, decisions and failed gates; the front desk's requests and appointments; the
administrator's escalations and failed messages. No link on Today answers 403 to its reader; the
navigation counts open suicide-risk alerts and escalations; the page costs a fixed number of queries."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.board.tests.builders import make_chair, make_session, seed_library, vitals
from clinic.core.escalation import EscalationStage
from clinic.infusions.services import readiness_check_complete
from clinic.infusions.services.escalation import vital_alerts_escalate_due
from clinic.infusions.tests.conftest import gate_inputs, make_verified_order
from clinic.intake.services import consultation_request_submit
from clinic.outcomes.models import SafetyAlert
from clinic.outcomes.services import questionnaire_response_record, safety_alerts_escalate_due
from clinic.patients.services import patient_link_portal_user
from clinic.reminders.models import Job, JobStatus
from clinic.treatment.models import Protocol
from clinic.treatment.services import course_create

TODAY = reverse("core:dashboard")
STAFF_ROLES = (Role.NURSE, Role.PHYSICIAN, Role.FRONT_DESK, Role.ADMIN)
MIN = dt.timedelta(minutes=1)


def later(minutes: float) -> dt.datetime:
    return timezone.now() + minutes * MIN


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


def portal_asq(patient, user) -> SafetyAlert:
    response = questionnaire_response_record(
        patient=patient,
        instrument_code="asq",
        answers={"q1": 1, "q2": 0, "q3": 0, "q4": 0, "q5": 0},
        context="between_visits",
        entered_by=user,
        source="patient",
    )
    return response.safety_alert


@pytest.fixture
def portal_patient(clinic, staff, make_user, make_patient):
    patient = make_patient(clinic, staff[Role.FRONT_DESK], given_name="Robin", family_name="Portal")
    user = make_user(Role.PATIENT, clinic)
    patient_link_portal_user(patient=patient, user=user, linked_by=staff[Role.ADMIN])
    return patient


@pytest.fixture
def busy_day(clinic, staff, make_user, make_patient, portal_patient):
    """A day with something for everyone: a running infusion with alerts (SpO2 89, RR 8, HR 48),
    another nurse's chair, a failed readiness gate, a signed order to double-check, a draft order
    and course, a patient waiting for a candidacy decision, an urgent request, a portal alert and a
    failed message."""
    nurse, physician, front_desk = staff[Role.NURSE], staff[Role.PHYSICIAN], staff[Role.FRONT_DESK]
    seed_library(clinic, staff)
    chairs = [make_chair(clinic, staff, f"Chair {n}") for n in (1, 2, 3)]
    running = make_session(make_patient(clinic, front_desk, family_name="Runner"), staff, chairs[0])
    vitals(running, nurse, spo2=89, rr=8, hr=48)
    other_nurse = make_user(Role.NURSE, clinic, last_name="Colleague")
    other = make_session(
        make_patient(clinic, front_desk, family_name="Elsewhere"),
        {**staff, Role.NURSE: other_nurse},
        chairs[1],
        "running",
    )
    gated = make_session(
        make_patient(clinic, front_desk, family_name="Gated"), staff, chairs[2], "checked_in"
    )
    readiness_check_complete(
        session=gated, completed_by=nurse, submission_key=None, **gate_inputs(gated.patient, sbp=168, dbp=98)
    )
    to_check = make_verified_order(
        make_patient(clinic, front_desk, family_name="Checkme"),
        physician=physician,
        nurse=nurse,
        verify=False,
    )
    draft = make_verified_order(
        make_patient(clinic, front_desk, family_name="Drafty"),
        physician=physician,
        nurse=nurse,
        sign=False,
        verify=False,
    )
    course = course_create(
        patient=draft.patient,
        protocol=Protocol.objects.get(clinic=clinic, code="mood-induction", is_active=True),
        created_by=physician,
        indication="Treatment-resistant depression",
        icd10_code="F33.2",
        goals="PHQ-9 down by half",
    )
    from clinic.evaluation.models import IntakeSource
    from clinic.evaluation.services import intake_history_submit
    from clinic.evaluation.tests.conftest import intake_answers

    deciding = make_patient(clinic, front_desk, family_name="Decideme")
    intake_history_submit(
        patient=deciding, submitted_by=physician, source=IntakeSource.STAFF, data=intake_answers()
    )
    consultation_request_submit(
        clinic=clinic,
        given_name="Urgent",
        family_name="Visitor",
        phone="617-555-0199",
        self_check_answers={"danger_now": "yes"},
    )
    alert = portal_asq(portal_patient, portal_patient.user)
    Job.objects.create(clinic=clinic, name="reminders.send", status=JobStatus.DEAD, run_after=timezone.now())
    return {
        "running": running,
        "other": other,
        "gated": gated,
        "to_check": to_check,
        "draft": draft,
        "course": course,
        "deciding": deciding,
        "alert": alert,
        "other_nurse": other_nurse,
    }


def links(html: str) -> list[str]:
    """Every internal link of the page's content (the header's navigation excluded)."""
    main = html[html.index('<main id="main">') :]
    found = {href.split("#")[0] for href in re.findall(r'href="(/[^"]*)"', main)}
    return sorted(h.replace("&amp;", "&") for h in found if h and not h.startswith("/static/"))


# --- per role ---------------------------------------------------------------------------------------


def test_the_nurse_sees_their_chairs_alerts_and_orders_to_check(client_for, staff, busy_day):
    html = client_for(staff[Role.NURSE]).get(TODAY).content.decode()

    chairs = section(html, "my-chairs")
    assert "Chair 1" in chairs and "Runner" in chairs
    assert "PAUSE THE INFUSION" in chairs
    assert "Elsewhere" not in chairs  # another nurse's patient is not "your chair"
    assert "Chair 3" in chairs  # the checked-in patient at the failed gate is theirs too
    alerts = section(html, "chair-alerts")
    assert alerts.index("PAUSE THE INFUSION") < alerts.index("CALL THE PHYSICIAN")
    safety = section(html, "safety-alerts")
    assert "Portal" in safety and "1 open" in safety
    orders = section(html, "orders-to-check")
    assert "Checkme" in orders and reverse("treatment:order_detail", args=[busy_day["to_check"].pk]) in orders
    assert "mg" not in orders  # the double check is blind: no dose on the way in
    # not for a nurse: the inbox, signatures, decisions
    assert reverse("intake:inbox") not in html[html.index('<main id="main">') :]
    assert 'id="to-sign"' not in html and 'id="decisions"' not in html


def test_the_physician_sees_escalations_signatures_decisions_and_failed_gates(client_for, staff, busy_day):
    physician = staff[Role.PHYSICIAN]
    vital_alerts_escalate_due(now=later(4))
    client = client_for(physician)

    html = client.get(TODAY).content.decode()

    escalated = section(html, "escalated")
    assert "PAUSE THE INFUSION" in escalated and "Chair 1" in escalated and "Runner" in escalated
    assert "4 not acknowledged" in escalated  # three at Chair 1, the pre-dose warning at Chair 3
    assert reverse("infusions:session", args=[busy_day["running"].pk]) in escalated
    to_sign = section(html, "to-sign")
    assert reverse("treatment:order_detail", args=[busy_day["draft"].pk]) in to_sign
    assert reverse("treatment:course_detail", args=[busy_day["course"].pk]) in to_sign
    assert "Decideme" in section(html, "decisions")
    gates = section(html, "gates")
    assert "Chair 3" in gates and "Pre-dose vital signs" in gates
    assert "Portal" in section(html, "safety-alerts")
    assert "Checkme" not in html  # the nurse's double checks are not on the physician's list


def test_the_front_desk_sees_requests_and_the_schedule_only(client_for, staff, busy_day):
    html = client_for(staff[Role.FRONT_DESK]).get(TODAY).content.decode()

    assert "urgent consultation request" in html
    assert reverse("intake:inbox") in html
    assert "Runner" in html  # today's appointments
    for absent in ("my-chairs", "chair-alerts", "safety-alerts", "escalated", "to-sign"):
        assert f'id="{absent}"' not in html
    assert "Portal" not in html


def test_the_administrator_sees_escalations_reaching_them_without_clinical_detail(
    client_for, staff, busy_day
):
    alert = busy_day["alert"]
    safety_alerts_escalate_due(now=later(11))
    alert.refresh_from_db()
    safety_alerts_escalate_due(now=alert.escalated_at + 31 * MIN)
    alert.refresh_from_db()
    assert alert.escalation_stage == EscalationStage.ADMINISTRATOR

    html = client_for(staff[Role.ADMIN]).get(TODAY).content.decode()

    escalated = section(html, "escalated")
    assert "SUICIDE RISK: HIGH" in escalated
    assert alert.patient.record_number in escalated
    assert staff[Role.PHYSICIAN].signature_name in escalated  # who was told before them
    assert alert.reason not in escalated  # the answers stay with the clinicians
    assert reverse("outcomes:alert_acknowledge", args=[alert.pk]) not in html
    assert reverse("patients:chart", args=[alert.patient_id]) in escalated
    assert "Messages that failed to send" in html and reverse("reminders:messages") in html


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_no_link_on_today_answers_403(client_for, staff, busy_day, role):
    vital_alerts_escalate_due(now=later(4))
    safety_alerts_escalate_due(now=later(11))
    client = client_for(staff[role])
    html = client.get(TODAY).content.decode()

    found = links(html)
    assert found, "Today has links"
    refused = {href: client.get(href).status_code for href in found}
    assert {href: code for href, code in refused.items() if code == 403} == {}


def test_an_urgent_request_gives_the_nurse_no_link_to_the_inbox(client, clinic, staff, client_for):
    consultation_request_submit(
        clinic=clinic,
        given_name="Urgent",
        family_name="Visitor",
        phone="617-555-0199",
        self_check_answers={"danger_now": "yes"},
    )
    nurse_html = client_for(staff[Role.NURSE]).get(TODAY).content.decode()
    physician_html = client_for(staff[Role.PHYSICIAN]).get(TODAY).content.decode()

    assert "Open the inbox" not in nurse_html
    assert "Open the inbox" in physician_html


# --- the navigation and the banner -------------------------------------------------------------------


def test_a_portal_alert_counts_in_every_clinicians_navigation_until_acknowledged(
    client_for, staff, portal_patient
):
    from clinic.outcomes.services import safety_alert_acknowledge

    alert = portal_asq(portal_patient, portal_patient.user)
    patients = reverse("patients:list")
    for role in (Role.NURSE, Role.PHYSICIAN):
        html = client_for(staff[role]).get(patients).content.decode()
        assert re.search(r'id="nav-safety-count">1 open<', html), role
    for role in (Role.FRONT_DESK, Role.ADMIN):
        assert "nav-safety-count" not in client_for(staff[role]).get(patients).content.decode()

    safety_alert_acknowledge(alert=alert, acknowledged_by=staff[Role.NURSE], action_taken="Called; safe")

    assert "nav-safety-count" not in client_for(staff[Role.NURSE]).get(patients).content.decode()


def test_an_escalation_shows_in_the_physicians_navigation_and_as_a_banner(
    client_for, staff, make_user, busy_day
):
    vital_alerts_escalate_due(now=later(4))
    client = client_for(staff[Role.PHYSICIAN])

    html = client.get(reverse("patients:list")).content.decode()

    # three alerts at Chair 1 and the pre-dose warning of the failed gate at Chair 3
    assert re.search(r'id="nav-escalated-count">4 escalated<', html)
    banner = html[html.index('id="escalation-banner"') :]
    assert "4 alerts escalated to you" in banner[:300]
    assert reverse("core:dashboard") in banner[:600]
    # not on Today itself (the escalations are listed there), and not for a nurse
    assert 'id="escalation-banner"' not in client.get(TODAY).content.decode()
    assert "nav-escalated-count" not in client_for(staff[Role.NURSE]).get(TODAY).content.decode()
    # another physician who was not told (on a later shift roster) sees no count
    newcomer = make_user(Role.PHYSICIAN, staff[Role.ADMIN].memberships.get().clinic)
    assert "nav-escalated-count" not in client_for(newcomer).get(TODAY).content.decode()


def test_the_navigation_count_is_one_query(client_for, staff, portal_patient):
    portal_asq(portal_patient, portal_patient.user)
    client = client_for(staff[Role.PHYSICIAN])
    client.get(reverse("patients:list"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("patients:list"))
    alert_queries = [q["sql"] for q in ctx.captured_queries if "safetyalert" in q["sql"].lower()]
    assert len(alert_queries) == 1, alert_queries


def test_polled_fragments_do_not_read_the_navigation_counts(client_for, staff, busy_day):
    client = client_for(staff[Role.NURSE])
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("board:fragment"), HTTP_X_BACKGROUND_POLL="1")
    assert not [q for q in ctx.captured_queries if "escalated_to" in q["sql"].lower()]


def test_the_live_part_of_today_refreshes_on_its_own(client_for, staff, busy_day):
    client = client_for(staff[Role.NURSE])
    html = client.get(TODAY).content.decode()
    assert f'hx-get="{reverse("core:today_alerts")}"' in html
    part = client.get(reverse("core:today_alerts"), HTTP_X_BACKGROUND_POLL="1")
    assert part.status_code == 200
    assert 'id="my-chairs"' in part.content.decode() and "<html" not in part.content.decode()


# --- queries ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "budget"), [(Role.NURSE, 18), (Role.PHYSICIAN, 25), (Role.FRONT_DESK, 7), (Role.ADMIN, 11)]
)
def test_today_costs_a_fixed_number_of_queries(
    client_for, staff, make_patient, busy_day, role, budget, django_assert_max_num_queries
):
    vital_alerts_escalate_due(now=later(4))
    safety_alerts_escalate_due(now=later(11))
    client = client_for(staff[role])
    client.get(TODAY)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(TODAY).status_code == 200
    first = len(ctx.captured_queries)
    with django_assert_max_num_queries(budget):
        client.get(TODAY)

    # more of everything (another infusion with alerts, another alert, another order) costs nothing more
    clinic = busy_day["running"].clinic
    from clinic.board.tests.builders import make_chair as chair

    extra = make_session(busy_day["deciding"], staff, chair(clinic, staff, "Chair 4"))
    vitals(extra, staff[Role.NURSE], spo2=88)
    make_verified_order(
        make_patient(clinic, staff[Role.FRONT_DESK], family_name="Checkmetoo"),
        physician=staff[Role.PHYSICIAN],
        nurse=staff[Role.NURSE],
        verify=False,
    )
    vital_alerts_escalate_due(now=later(4))
    with CaptureQueriesContext(connection) as ctx:
        client.get(TODAY)
    assert len(ctx.captured_queries) == first

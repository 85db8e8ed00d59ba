"""The infusion-day pages: permissions, clinic isolation, JSON charting with retries, the no-JavaScript
fallback, the gate and discharge forms, and query budgets."""

import datetime as dt
import uuid
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.accounts.middleware import LAST_ACTIVITY_KEY
from clinic.accounts.roles import Role
from clinic.accounts.views import RETURN_TO_CHAIR
from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.permissions import NOT_PERMITTED
from clinic.infusions.models import InfusionSession, SessionStatus, SideEffect, VitalAlert, VitalSign
from clinic.infusions.services import session_check_in, side_effect_record
from clinic.infusions.services.discharge import INSTRUCTION_CODES
from clinic.infusions.services.pump import GATE_NOT_PASSED, RATE_ABOVE_ORDER
from clinic.infusions.tests.conftest import (
    age_recovery,
    answer_today,
    book_today,
    make_verified_order,
    third_infusion_day,
    vitals,
)
from clinic.infusions.views.charting import SIGNED_OUT
from clinic.scheduling.models import RoomKind
from clinic.scheduling.services import room_create
from conftest import DEMO_PASSWORD

JSON = {"HTTP_ACCEPT": "application/json"}
CLINICIANS = (Role.NURSE, Role.PHYSICIAN)


def url(name, session, **kwargs):
    return reverse(f"infusions:{name}", kwargs={"session_id": session.pk, **kwargs})


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, status",
    [
        (Role.NURSE, 200),
        (Role.PHYSICIAN, 200),
        (Role.FRONT_DESK, 200),
        (Role.ADMIN, 200),
        (Role.PATIENT, 403),
    ],
)
def test_who_sees_today_s_infusions(client_for, staff, make_user, clinic, session, role, status):
    user = staff.get(role) or make_user(role, clinic)
    response = client_for(user).get(reverse("infusions:day"))
    assert response.status_code == status
    if status == 200:
        assert session.patient.full_name.encode() in response.content
        assert (b"Open chart" in response.content) == (role in CLINICIANS)


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN, Role.PATIENT])
def test_only_clinicians_open_the_chart_and_chart(
    client_for, staff, make_user, clinic, running_session, role
):
    client = client_for(staff.get(role) or make_user(role, clinic))
    assert client.get(url("session", running_session)).status_code == 403
    for name in ("vitals", "pause", "stop", "side_effect", "rescue", "rating", "rate", "gate", "abandon"):
        assert client.post(url(name, running_session), {}, **JSON).status_code == 403, name
    assert client.get(url("discharge", running_session)).status_code == 403
    assert client.get(reverse("infusions:check_in", args=[running_session.appointment_id])).status_code == 403


def test_signed_out_users_go_to_sign_in(client, running_session):
    response = client.get(url("session", running_session))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_only_a_physician_overrides_the_gate(client_for, nurse, physician, session):
    answer_today(session.patient, nurse)
    target = url("override", session, item="fasting")
    assert client_for(nurse).get(target).status_code == 403
    assert client_for(physician).get(target).status_code == 200


def test_another_clinic_s_session_is_not_found(client_for, running_session, other_clinic, make_user):
    outsider = make_user(Role.NURSE, other_clinic)
    client = client_for(outsider)
    assert client.get(url("session", running_session)).status_code == 404
    assert client.get(url("live", running_session)).status_code == 404
    assert client.post(url("vitals", running_session), {}, **JSON).status_code == 404
    assert client.get(reverse("infusions:check_in", args=[running_session.appointment_id])).status_code == 404
    assert not VitalSign.objects.filter(session=running_session, phase="during").exists()


def test_an_alert_of_another_session_is_not_found(
    client_for, nurse, running_session, library, make_patient, clinic, front_desk, physician, make_chair
):
    patient = make_patient(clinic, front_desk)
    order = make_verified_order(patient, physician=physician, nurse=nurse)
    other = session_check_in(
        appointment=book_today(patient, booked_by=front_desk),
        order=order,
        chair=make_chair("Chair 2"),
        nurse=nurse,
    )
    vitals(other, nurse, sbp=150)
    alert = VitalAlert.objects.get(session=other)
    response = client_for(nurse).post(
        url("alert_acknowledge", running_session, alert_id=alert.pk),
        {f"ack{alert.pk}-action_taken": "x", f"ack{alert.pk}-client_key": uuid.uuid4()},
    )
    assert response.status_code == 404


# --- check-in -------------------------------------------------------------------------------------


def test_a_nurse_checks_a_patient_in(client_for, nurse, appointment, verified_order, chair):
    client = client_for(nurse)
    page = client.get(reverse("infusions:check_in", args=[appointment.pk]))
    assert page.status_code == 200 and b"Infusion 1 of course" in page.content
    response = client.post(
        reverse("infusions:check_in", args=[appointment.pk]),
        {
            "order": verified_order.pk,
            "chair": chair.pk,
            "nurse": nurse.pk,
            "submission_key": uuid.uuid4(),
        },
    )
    session = InfusionSession.objects.get()
    assert response.status_code == 302 and response.url == url("session", session)


def test_check_in_preselects_the_next_order_and_another_needs_a_reason(
    client_for, nurse, library, patient, physician, front_desk, chair
):
    # given the third visit: order 1 unused, order 2 given, order 3 (titrated) next
    appointment, (first, _second, third) = third_infusion_day(
        patient, physician=physician, nurse=nurse, front_desk=front_desk, chair=chair
    )
    client = client_for(nurse)
    target = reverse("infusions:check_in", args=[appointment.pk])

    # then the page preselects order 3, labelled as the next one
    page = client.get(target)
    form = page.context["form"]
    assert form["order"].value() == third.pk
    text = page.content.decode()
    assert f'<option value="{third.pk}" selected>Next in sequence: Infusion 3 of course' in text
    assert f'<option value="{first.pk}">Infusion 1 of course' in text and text.count("Next in sequence:") == 1

    # when the nurse chooses order 1 without a reason, it is refused naming the field
    data = {"order": first.pk, "chair": chair.pk, "nurse": nurse.pk, "submission_key": uuid.uuid4()}
    refused = client.post(target, data)
    assert refused.status_code == 200
    assert (
        "Reason for choosing an order other than the next in sequence: Infusion 1 is not the next order"
        in refused.content.decode()
    )
    assert not InfusionSession.objects.filter(appointment=appointment).exists()

    # and with a reason it is checked in
    response = client.post(target, {**data, "order_choice_reason": "Physician: repeat 0.5 mg/kg"})
    session = InfusionSession.objects.get(appointment=appointment)
    assert response.status_code == 302 and session.order == first
    assert session.order_choice_reason == "Physician: repeat 0.5 mg/kg"


def test_check_in_without_a_verified_order_says_so(client_for, nurse, appointment, library):
    page = client_for(nurse).get(reverse("infusions:check_in", args=[appointment.pk]))
    assert b"no double-checked" in page.content


# --- the chair-side page --------------------------------------------------------------------------


def test_opening_the_chart_is_audited(client_for, nurse, running_session):
    response = client_for(nurse).get(url("session", running_session))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_id=str(running_session.pk), object_type="infusions.InfusionSession"
    ).exists()


def test_the_live_panel_polls_without_counting_as_activity(client_for, nurse, running_session):
    client = client_for(nurse)
    page = client.get(url("session", running_session))
    assert b'hx-trigger="every 5s"' in page.content and b"X-Background-Poll" in page.content
    before = client.session[LAST_ACTIVITY_KEY]
    response = client.get(url("live", running_session), HTTP_X_BACKGROUND_POLL="1", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Delivered" in response.content
    assert client.session[LAST_ACTIVITY_KEY] == before


def count_queries(client, target) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(target).status_code == 200
    return len(queries)


@pytest.mark.parametrize("fixture", ["session", "running_session", "recovering_session"])
def test_chair_side_page_query_budget(request, client_for, nurse, django_assert_max_num_queries, fixture):
    session = request.getfixturevalue(fixture)
    vitals(session, nurse, sbp=150)
    client = client_for(nurse)
    with django_assert_max_num_queries(30):
        response = client.get(url("session", session))
    assert response.status_code == 200


def test_the_chair_side_page_does_not_grow_with_the_chart(client_for, nurse, running_session):
    client = client_for(nurse)
    # An alert from the start: the page reads who each alert was escalated to once there is one.
    vitals(running_session, nurse, sbp=190)
    client.get(url("session", running_session))  # warm up: the first request marks activity
    before = count_queries(client, url("session", running_session))
    for _ in range(4):
        vitals(running_session, nurse, sbp=190)
        side_effect_record(
            session=running_session,
            recorded_by=nurse,
            kind="nausea",
            severity="mild",
            client_key=uuid.uuid4(),
        )
    assert count_queries(client, url("session", running_session)) == before


def test_live_panel_query_budget(client_for, nurse, running_session, django_assert_max_num_queries):
    client = client_for(nurse)
    with django_assert_max_num_queries(14):
        assert client.get(url("live", running_session)).status_code == 200


def test_the_day_list_query_budget(client_for, nurse, session, django_assert_max_num_queries):
    client = client_for(nurse)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("infusions:day")).status_code == 200


# --- the gate through the page --------------------------------------------------------------------


def clock(patient, hours_ago: int) -> str:
    """A wall-clock time at the clinic `hours_ago` hours ago, as a nurse would type it."""
    moment = timezone.now().astimezone(patient.clinic.tzinfo) - dt.timedelta(hours=hours_ago)
    return moment.strftime("%H:%M")


def gate_post(patient, **changes):
    data = {
        "identity_name_confirmed": "on",
        "identity_date_of_birth": patient.date_of_birth.isoformat(),
        "last_solids_time": clock(patient, 8),
        "last_clear_liquids_time": clock(patient, 3),
        "escort_name": "Jordan Example",
        "escort_phone": "617-555-0142",
        "escort_confirmed": "on",
        "medications_reviewed": "on",
        "pregnancy_status": "not_pregnant",
        "sbp": "128",
        "dbp": "82",
        "hr": "76",
        "spo2": "98",
        "rr": "14",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


def test_the_gate_form_with_a_failing_item_shows_it(client_for, nurse, session):
    answer_today(session.patient, nurse)
    client = client_for(nurse)
    response = client.post(url("gate", session), gate_post(session.patient, sbp="150"), follow=True)
    assert response.status_code == 200
    assert b"gate-fail" in response.content and b"above the pre-dose limit" in response.content
    session.refresh_from_db()
    assert session.status == SessionStatus.CHECKED_IN


def test_gate_field_errors_name_the_field(client_for, nurse, session):
    response = client_for(nurse).post(url("gate", session), gate_post(session.patient, sbp="", hr="400"))
    assert response.status_code == 200
    assert b"Systolic BP (mm Hg): Systolic BP is required (mm Hg)." in response.content
    assert b"Heart rate must be between 20 and 250 bpm." in response.content


@pytest.fixture
def prepared_session(appointment, verified_order, chair, nurse):
    """A checked-in session whose patient answered the reminder before the visit (fasting 9 h,
    driver, "not pregnant")."""
    confirm_preparation(appointment, nurse)
    return session_check_in(appointment=appointment, order=verified_order, chair=chair, nurse=nurse)


def confirm_preparation(appointment, by, *, solids_hours_ago=9, pregnancy_status="not_pregnant"):
    """The patient's answers to the reminder (fasting, driver, pregnancy), before the visit."""
    from clinic.reminders.services import preparation_confirm

    now = timezone.now()
    return preparation_confirm(
        appointment=appointment,
        last_solid_food_at=now - dt.timedelta(hours=solids_hours_ago),
        last_clear_liquid_at=now - dt.timedelta(hours=3),
        driver_name="Jordan Example",
        driver_phone="617-555-0142",
        medication_changes="none",
        pregnancy_status=pregnancy_status,
        no_driving_understood=True,
        source="staff_phone",
        recorded_by=by,
    )


def gate_form_of(response):
    return response.context["readiness_form"]


def test_the_first_gate_form_asks_pregnancy_and_the_ticks_afresh(client_for, nurse, prepared_session):
    # given the patient answered "not pregnant" to the reminder
    session = prepared_session
    page = client_for(nurse).get(url("session", session))
    form = gate_form_of(page)
    html = page.content.decode()

    # then the fasting times come from the preparation, but no clinical answer is pre-set
    reminder = session.appointment.preparation.last_solid_food_at.astimezone(session.clinic.tzinfo)
    assert form["last_solids_time"].value().strftime("%H:%M") == reminder.strftime("%H:%M")
    assert form["pregnancy_status"].value() in (None, "")
    assert form.fields["pregnancy_status"].required
    assert 'value="not_pregnant" selected' not in html
    for tick in ("identity_name_confirmed", "escort_confirmed", "medications_reviewed"):
        assert not form[tick].value(), tick
    assert "checked" not in str(form["identity_name_confirmed"])
    assert 'the patient answered "Not pregnant"; ask again today' in html


def test_a_blank_pregnancy_status_is_refused_naming_the_field(client_for, nurse, session):
    answer_today(session.patient, nurse)
    response = client_for(nurse).post(url("gate", session), gate_post(session.patient, pregnancy_status=""))
    assert response.status_code == 200
    assert b"Pregnancy status: Ask the patient today and choose their answer." in response.content
    assert not session.readiness_checks.exists()


def test_a_re_check_starts_from_the_last_check_s_answers_not_the_preparation(
    client_for, nurse, prepared_session
):
    # given the reminder said 9 h ago, but at the gate the patient says they ate 3 h ago: fasting fails
    session = prepared_session
    answer_today(session.patient, nurse)
    client = client_for(nurse)
    ate = clock(session.patient, 3)
    client.post(url("gate", session), gate_post(session.patient, last_solids_time=ate))
    assert session.readiness_checks.get().failing_items == ["fasting"]

    # when the re-check form opens
    page = client.get(url("session", session))
    form = gate_form_of(page)

    # then it carries the last check's answers, marks fasting as failed with its confirmation tick
    assert form["last_solids_time"].value().strftime("%H:%M") == ate
    assert form["pregnancy_status"].value() == "not_pregnant"  # answered at the last check
    assert form.failed_items == ["fasting"] and "confirm_fasting" in form.fields
    assert not form["escort_confirmed"].value()
    widget = str(form["last_solids_time"])
    assert f'data-previous-answer="{ate}"' in widget and 'data-gate-item="fasting"' in widget
    assert b"Failed last time" in page.content


def test_a_changed_failed_answer_is_refused_until_confirmed_through_the_page(client_for, nurse, session):
    answer_today(session.patient, nurse)
    client = client_for(nurse)
    ate, reminder = clock(session.patient, 3), clock(session.patient, 9)
    client.post(url("gate", session), gate_post(session.patient, last_solids_time=ate))

    # when the nurse re-submits the reminder's older time without confirming it
    changed = gate_post(session.patient, last_solids_time=reminder)
    response = client.post(url("gate", session), changed)

    # then it is refused on the confirmation tick, naming the item and both answers
    assert response.status_code == 200
    text = response.content.decode()
    assert "I confirmed the changed answer with the patient: Fasting failed at the last check" in text
    assert f"last solid food {ate} → {reminder}" in text
    assert session.readiness_checks.count() == 1

    # and with the tick it is accepted
    response = client.post(url("gate", session), {**changed, "confirm_fasting": "on"})
    assert response.status_code == 302
    latest = session.readiness_checks.order_by("-version").first()
    assert latest.version == 2 and latest.passed


def test_start_via_json_refused_before_the_gate(client_for, nurse, session):
    response = client_for(nurse).post(url("start", session), {"start-client_key": uuid.uuid4()}, **JSON)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "errors": {"__all__": [GATE_NOT_PASSED]}}


# --- signed out while charting (chairside.js keeps the entry and asks to sign in again) ---------------


def test_a_json_entry_from_a_signed_out_user_gets_401_json_and_nothing_is_saved(client, running_session):
    response = post_vitals(client, running_session, str(uuid.uuid4()))
    assert response.status_code == 401
    assert response.json() == {"ok": False, "signed_out": True, "message": SIGNED_OUT}
    # without JavaScript the form still goes to the sign-in page
    plain = client.post(url("vitals", running_session), {})
    assert plain.status_code == 302 and plain.url.startswith("/accounts/login/")
    assert not VitalSign.objects.filter(session=running_session, phase="during").exists()


def test_a_json_entry_from_a_role_without_the_permission_is_refused_as_such(
    client_for, front_desk, running_session
):
    response = post_vitals(client_for(front_desk), running_session, str(uuid.uuid4()))
    assert response.status_code == 403
    assert response.json() == {"ok": False, "forbidden": True, "message": NOT_PERMITTED}


def test_an_entry_after_the_idle_timeout_is_sent_to_sign_in_not_saved(client_for, nurse, running_session):
    client = client_for(nurse)
    client.get(url("session", running_session))
    session = client.session
    session[LAST_ACTIVITY_KEY] = 0  # idle since long ago
    session.save()
    response = post_vitals(client, running_session, str(uuid.uuid4()))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert not VitalSign.objects.filter(session=running_session, phase="during").exists()


def test_an_entry_without_the_security_cookie_gets_the_form_expired_page(client_for, nurse, running_session):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(nurse)
    response = post_vitals(client, running_session, str(uuid.uuid4()))
    assert response.status_code == 403 and "application/json" not in response["Content-Type"]
    assert not VitalSign.objects.filter(session=running_session, phase="during").exists()


def test_the_chair_side_page_links_to_sign_in_and_back_by_its_path_only(client_for, nurse, running_session):
    page = client_for(nurse).get(url("session", running_session)).content.decode()
    path = url("session", running_session)
    assert f'data-sign-in-url="/accounts/login/?next={quote(path, safe="")}"' in page
    assert f'data-sign-in-return="{path}"' in page
    assert f'data-user-id="{nurse.pk}"' in page


def test_signing_in_from_the_chair_side_link_returns_to_the_chair(client, nurse, running_session):
    path = url("session", running_session)
    login = client.get(reverse("accounts:login"), {"next": path})
    assert RETURN_TO_CHAIR in login.content.decode()
    response = client.post(
        reverse("accounts:login") + f"?next={path}",
        {"username": nurse.username, "password": DEMO_PASSWORD, "next": path},
    )
    assert response.status_code == 302 and response.url == path


def test_signing_out_does_not_clear_what_the_tablet_keeps(client_for, nurse):
    response = client_for(nurse).post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "Clear-Site-Data" not in response.headers


# --- JSON charting (chairside.js) -----------------------------------------------------------------


def post_vitals(client, session, key, **values):
    data = {
        "vitals-client_key": key,
        "vitals-client_time": "2026-11-20T14:05:00Z",
        "vitals-sbp": 185,
        "vitals-dbp": 112,
        "vitals-hr": 80,
        "vitals-spo2": 97,
        "vitals-rr": 14,
    }
    data.update({f"vitals-{k}": v for k, v in values.items()})
    return client.post(url("vitals", session), data, **JSON)


def test_a_retried_vitals_post_is_stored_once(client_for, nurse, running_session):
    client = client_for(nurse)
    key = str(uuid.uuid4())
    first = post_vitals(client, running_session, key)
    again = post_vitals(client, running_session, key)
    assert first.json()["ok"] and again.json()["ok"] and first.json()["status"] == "running"
    assert VitalSign.objects.filter(session=running_session, phase="during").count() == 1
    assert VitalAlert.objects.filter(session=running_session).count() == 1
    vital = VitalSign.objects.get(session=running_session, phase="during")
    assert vital.client_time.isoformat() == "2026-11-20T14:05:00+00:00"


def test_json_errors_are_keyed_by_the_html_field_names(client_for, nurse, running_session):
    response = post_vitals(client_for(nurse), running_session, str(uuid.uuid4()), sbp=500, spo2="")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["vitals-sbp"] == ["Systolic BP must be between 50 and 300 mm Hg."]
    assert errors["vitals-spo2"] == ["SpO2 is required (%)."]


def test_rate_above_the_order_via_json(client_for, nurse, running_session):
    response = client_for(nurse).post(
        url("rate", running_session), {"rate-client_key": uuid.uuid4(), "rate-rate_ml_h": "60"}, **JSON
    )
    assert response.json()["errors"] == {
        "rate-rate_ml_h": [RATE_ABOVE_ORDER.format(rate="60 mL/h", ordered="52.5 mL/h")]
    }


def test_pause_resume_stop_via_json(client_for, nurse, running_session):
    client = client_for(nurse)
    assert (
        client.post(url("pause", running_session), {"pause-client_key": uuid.uuid4()}, **JSON).json()[
            "status"
        ]
        == "paused"
    )
    assert (
        client.post(url("resume", running_session), {"resume-client_key": uuid.uuid4()}, **JSON).json()[
            "status"
        ]
        == "running"
    )
    response = client.post(
        url("stop", running_session),
        {"stop-client_key": uuid.uuid4(), "stop-reason": "patient_request"},
        **JSON,
    )
    assert response.json()["status"] == "recovering"


def test_side_effect_rescue_and_rating_via_json_are_idempotent(client_for, nurse, running_session):
    client = client_for(nurse)
    for name, data in (
        ("side_effect", {"effect-kind": "nausea", "effect-severity": "mild"}),
        ("rescue", {"rescue-drug": "ondansetron", "rescue-dose": "4", "rescue-route": "iv"}),
        ("rating", {"rating-scale": "moaa_s", "rating-value": "4"}),
    ):
        prefix = next(iter(data)).split("-")[0]
        data[f"{prefix}-client_key"] = str(uuid.uuid4())
        assert client.post(url(name, running_session), data, **JSON).json()["ok"]
        assert client.post(url(name, running_session), data, **JSON).json()["ok"]
    assert SideEffect.objects.filter(session=running_session).count() == 1
    assert running_session.rescue_medications.count() == 1 and running_session.ratings.count() == 1


def test_acknowledge_an_alert_via_json(client_for, nurse, running_session):
    vitals(running_session, nurse, sbp=190)
    alert = VitalAlert.objects.get()
    client = client_for(nurse)
    target = url("alert_acknowledge", running_session, alert_id=alert.pk)
    missing = client.post(target, {f"ack{alert.pk}-client_key": uuid.uuid4()}, **JSON)
    assert missing.status_code == 400 and f"ack{alert.pk}-action_taken" in missing.json()["errors"]
    data = {f"ack{alert.pk}-client_key": uuid.uuid4(), f"ack{alert.pk}-action_taken": "Paused; MD aware"}
    assert client.post(target, data, **JSON).json()["ok"]
    assert client.post(target, data, **JSON).json()["ok"]  # a retry is fine
    alert.refresh_from_db()
    assert alert.action_taken == "Paused; MD aware"


def test_without_javascript_a_charting_post_redirects_back_or_shows_the_errors(
    client_for, nurse, running_session
):
    client = client_for(nurse)
    data = {"effect-client_key": uuid.uuid4(), "effect-kind": "headache", "effect-severity": "mild"}
    response = client.post(url("side_effect", running_session), data)
    assert response.status_code == 302 and response.url == url("session", running_session)
    bad = client.post(url("side_effect", running_session), {"effect-client_key": uuid.uuid4()})
    assert bad.status_code == 200 and b"Choose the side effect." in bad.content


# --- override and discharge pages -----------------------------------------------------------------


def test_a_physician_signs_an_override_on_the_page(client_for, nurse, physician, session):
    answer_today(session.patient, nurse)
    client_for(nurse).post(url("gate", session), gate_post(session.patient, sbp="150"))
    client = client_for(physician)
    target = url("override", session, item="pre_dose_vitals")
    refused = client.post(target, {"reason": "", "password": DEMO_PASSWORD})
    assert b"Give the reason for the override." in refused.content
    response = client.post(target, {"reason": "Rechecked 146/88 after rest", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.READY


def test_identity_cannot_be_overridden_on_the_page(client_for, physician, session):
    response = client_for(physician).get(url("override", session, item="identity"))
    assert b"cannot be overridden" in response.content
    assert client_for(physician).get(url("override", session, item="bogus")).status_code == 404


def discharge_post(session, **changes):
    data = {f"score_{k}": "2" for k in ("activity", "respiration", "circulation", "consciousness", "spo2")}
    data.update(
        {
            "driver_name": "Jordan Example",
            "driver_phone": "617-555-0142",
            "patient_typed_name": session.patient.full_name,
            "instructions": list(INSTRUCTION_CODES),
            "password": DEMO_PASSWORD,
        }
    )
    data.update(changes)
    return data


def test_discharge_refused_on_the_page_lists_the_criteria(client_for, nurse, recovering_session):
    response = client_for(nurse).post(
        url("discharge", recovering_session), discharge_post(recovering_session)
    )
    assert response.status_code == 200
    assert b"cannot be discharged yet" in response.content
    assert b"Minimum observation not reached" in response.content
    assert b"No vital signs recorded in recovery yet." in response.content


def test_discharge_on_the_page(client_for, nurse, recovering_session):
    vitals(recovering_session, nurse)
    age_recovery(recovering_session)
    client = client_for(nurse)
    page = client.get(url("discharge", recovering_session))
    assert b"Modified Aldrete" in page.content and b"988" in page.content
    response = client.post(url("discharge", recovering_session), discharge_post(recovering_session))
    assert response.status_code == 302
    recovering_session.refresh_from_db()
    assert recovering_session.status == SessionStatus.DISCHARGED
    closed = client.get(url("session", recovering_session))
    assert b"Discharged at" in closed.content


def test_the_discharge_form_leaves_the_patient_s_ticks_and_the_unmeasured_items_empty(
    client_for, nurse, recovering_session
):
    vitals(recovering_session, nurse)
    form = client_for(nurse).get(url("discharge", recovering_session)).context["form"]
    assert not form["instructions"].value()
    assert "checked" not in str(form["instructions"])
    # only items a reading answers by itself are suggested (the nurse confirms them)
    for item in ("activity", "respiration", "consciousness"):
        assert form[f"score_{item}"].value() in (None, ""), item
    assert not form["patient_typed_name"].value() and not form["password"].value()


def test_abandon_on_the_page(client_for, nurse, session):
    client = client_for(nurse)
    assert (
        b"Why will the infusion not be given?" in client.post(url("abandon", session), {"reason": ""}).content
    )
    response = client.post(url("abandon", session), {"reason": "No driver"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.ABANDONED


def test_check_in_form_refuses_a_chair_of_another_kind(
    client_for, nurse, appointment, verified_order, clinic
):
    room = room_create(clinic=clinic, name="Consult 3", kind=RoomKind.CONSULT, created_by=nurse)
    response = client_for(nurse).post(
        reverse("infusions:check_in", args=[appointment.pk]),
        {
            "order": verified_order.pk,
            "chair": room.pk,
            "nurse": nurse.pk,
            "submission_key": uuid.uuid4(),
        },
    )
    assert response.status_code == 200 and not InfusionSession.objects.exists()


def test_the_gate_is_pre_filled_from_the_patient_s_preparation_confirmation(
    client_for,
    nurse,
    appointment,
    verified_order,
    chair,
    front_desk,
):
    from clinic.reminders.services import preparation_confirm

    preparation_confirm(
        appointment=appointment,
        last_solid_food_at=appointment.starts_at - dt.timedelta(hours=7),
        last_clear_liquid_at=appointment.starts_at - dt.timedelta(hours=2, minutes=30),
        driver_name="Sam Driver",
        driver_phone="617-555-0199",
        medication_changes="changed",
        medication_changes_detail="Stopped lorazepam last week",
        pregnancy_status="not_pregnant",
        no_driving_understood=True,
        source="staff_phone",
        recorded_by=front_desk,
    )
    session = session_check_in(appointment=appointment, order=verified_order, chair=chair, nurse=nurse)
    content = client_for(nurse).get(url("session", session)).content.decode()
    assert 'value="Sam Driver"' in content and 'value="(617) 555-0199"' in content
    assert "Stopped lorazepam last week" in content
    solids = (appointment.starts_at - dt.timedelta(hours=7)).astimezone(session.clinic.tzinfo)
    assert f'value="{solids:%H:%M}"' in content


def test_no_vitals_without_a_checked_in_session(client_for, nurse, appointment):
    response = client_for(nurse).post(
        reverse("infusions:vitals", kwargs={"session_id": 987654}),
        {"vitals-client_key": uuid.uuid4(), "vitals-sbp": 120},
        **JSON,
    )
    assert response.status_code == 404
    assert not VitalSign.objects.exists()

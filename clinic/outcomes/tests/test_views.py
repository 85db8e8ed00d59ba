import uuid

import pytest
from django.test import Client
from django.urls import reverse

from clinic.accounts.roles import Role
from clinic.outcomes import services
from clinic.outcomes.instruments import ASQ, ASQ_INSTRUMENT, GAD7, PAIN_NRS, PHQ9, PHQ9_INSTRUMENT
from clinic.outcomes.models import AlertStatus, QuestionnaireResponse, SafetyAlert
from clinic.outcomes.services import questionnaire_response_record
from clinic.outcomes.tests.answers import asq_answers, phq9_answers

pytestmark = pytest.mark.django_db

CLINICIANS = [Role.PHYSICIAN, Role.NURSE]
NOT_CLINICIANS = [Role.ADMIN, Role.FRONT_DESK]


def post_data(answers, **extra):
    data = {f"item_{key}": value for key, value in answers.items()}
    data.update(extra)
    return data


@pytest.fixture
def risky_response(patient, nurse):
    return questionnaire_response_record(
        patient=patient,
        instrument_code=PHQ9,
        answers=phq9_answers(q9=2),
        context="baseline",
        entered_by=nurse,
    )


def staff_pages(patient, response):
    return [
        reverse("outcomes:enter", args=[patient.pk, PHQ9]),
        reverse("outcomes:response", args=[response.pk]),
        reverse("outcomes:patient_scores", args=[patient.pk]),
        reverse("outcomes:alerts"),
        reverse("outcomes:alert_acknowledge", args=[response.safety_alert.pk]),
    ]


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", CLINICIANS)
def test_clinicians_open_every_staff_page(staff, patient, risky_response, client_for, role):
    client = client_for(staff[role])
    for url in staff_pages(patient, risky_response):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", NOT_CLINICIANS)
def test_admin_and_front_desk_are_refused(staff, patient, risky_response, client_for, role):
    client = client_for(staff[role])
    for url in staff_pages(patient, risky_response):
        assert client.get(url).status_code == 403, url


def test_a_patient_gets_403_on_staff_pages(portal_patient, patient, risky_response, client_for):
    client = client_for(portal_patient.user)
    for url in staff_pages(patient, risky_response):
        assert client.get(url).status_code == 403, url
    own_scores = reverse("outcomes:patient_scores", args=[portal_patient.pk])
    assert client.get(own_scores).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(patient, risky_response):
    client = Client()
    for url in [*staff_pages(patient, risky_response), reverse("outcomes:portal_fill", args=[PHQ9])]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK])
def test_staff_cannot_use_the_portal_form(staff, client_for, role):
    assert client_for(staff[role]).get(reverse("outcomes:portal_fill", args=[PHQ9])).status_code == 403


def test_another_clinics_records_are_404(other_clinic, make_user, make_patient, client_for, physician):
    # given a patient, a risky response and its alert at another clinic
    other_nurse = make_user(Role.NURSE, other_clinic)
    foreign = make_patient(other_clinic, other_nurse)
    response = questionnaire_response_record(
        patient=foreign,
        instrument_code=PHQ9,
        answers=phq9_answers(q9=3),
        context="other",
        entered_by=other_nurse,
    )
    client = client_for(physician)
    # then every page about them is 404 here
    for url in staff_pages(foreign, response):
        if url == reverse("outcomes:alerts"):
            continue
        assert client.get(url).status_code == 404, url
    post = client.post(
        reverse("outcomes:alert_acknowledge", args=[response.safety_alert.pk]), {"action_taken": "x"}
    )
    assert post.status_code == 404
    assert (
        client.post(
            reverse("outcomes:enter", args=[foreign.pk, PHQ9]), post_data(phq9_answers(), context="other")
        ).status_code
        == 404
    )
    # and the alert list does not show them
    assert list(client.get(reverse("outcomes:alerts")).context["page_obj"]) == []


def test_unknown_instrument_is_404(patient, nurse, client_for):
    assert client_for(nurse).get(reverse("outcomes:enter", args=[patient.pk, "cssrs"])).status_code == 404


# --- staff entry ----------------------------------------------------------------------------------


def test_nurse_enters_phq9_with_item9_and_sees_the_alert_panel(patient, nurse, client_for):
    # given
    client = client_for(nurse)
    url = reverse("outcomes:enter", args=[patient.pk, PHQ9])
    form_page = client.get(url, {"context": "baseline"})
    assert 'data-crisis-trigger="2"' in form_page.content.decode()
    # when
    response = client.post(url, post_data(phq9_answers(q9=2, q1=1), context="baseline"), follow=True)
    # then
    saved = QuestionnaireResponse.objects.get()
    assert response.redirect_chain[-1][0] == reverse("outcomes:response", args=[saved.pk])
    assert (saved.total, saved.context, saved.entered_by) == (3, "baseline", nurse)
    body = response.content.decode()
    assert 'class="crisis-panel"' in body and "must be acknowledged" in body
    assert 'href="tel:988"' in body and 'href="tel:911"' in body
    assert SafetyAlert.objects.get().response == saved


def test_missing_answers_are_named_and_nothing_is_saved(patient, nurse, client_for):
    answers = phq9_answers()
    del answers["q4"]
    response = client_for(nurse).post(
        reverse("outcomes:enter", args=[patient.pk, PHQ9]), post_data(answers, context="baseline")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "PHQ-9 question 4" in body and "no answer was given" in body
    assert not QuestionnaireResponse.objects.exists()


def test_context_is_required(patient, nurse, client_for):
    response = client_for(nurse).post(
        reverse("outcomes:enter", args=[patient.pk, PAIN_NRS]), {"item_pain": "3"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["context"]
    assert not QuestionnaireResponse.objects.exists()


def test_asq_positive_without_question_5_is_a_field_error(patient, nurse, client_for):
    response = client_for(nurse).post(
        reverse("outcomes:enter", args=[patient.pk, ASQ]),
        post_data(asq_answers(q1=1), context="pre_infusion"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["item_q5"]
    assert not QuestionnaireResponse.objects.exists()


def test_double_submit_records_once(patient, nurse, client_for):
    client = client_for(nurse)
    data = post_data(phq9_answers(q9=1), context="baseline", submission_key=str(uuid.uuid4()))
    url = reverse("outcomes:enter", args=[patient.pk, PHQ9])
    first = client.post(url, data)
    second = client.post(url, data)
    assert first["Location"] == second["Location"]
    assert QuestionnaireResponse.objects.count() == 1
    assert SafetyAlert.objects.count() == 1


def test_response_page_shows_answers_and_codes(patient, nurse, client_for):
    saved = questionnaire_response_record(
        patient=patient,
        instrument_code=ASQ,
        answers=asq_answers(q2=2, q5=0),
        context="pre_infusion",
        entered_by=nurse,
    )
    body = client_for(nurse).get(reverse("outcomes:response", args=[saved.pk])).content.decode()
    assert ASQ_INSTRUMENT.item("q2").text in body
    assert "Declined to answer" in body
    assert "Local code" in body
    assert "Non-acute positive" in body


# --- alerts ----------------------------------------------------------------------------------------


def test_physician_acknowledges_from_the_list(risky_response, physician, client_for):
    client = client_for(physician)
    listing = client.get(reverse("outcomes:alerts"))
    assert [a.pk for a in listing.context["page_obj"]] == [risky_response.safety_alert.pk]
    alert = risky_response.safety_alert
    response = client.post(
        reverse("outcomes:alert_acknowledge", args=[alert.pk]), {"action_taken": "Assessed; safety plan"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("outcomes:alerts")
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.action_taken) == (
        AlertStatus.ACKNOWLEDGED,
        physician,
        "Assessed; safety plan",
    )
    assert list(client.get(reverse("outcomes:alerts")).context["page_obj"]) == []
    done = client.get(reverse("outcomes:alerts"), {"status": "acknowledged"})
    assert [a.pk for a in done.context["page_obj"]] == [alert.pk]


def test_acknowledge_without_action_shows_the_field_error(risky_response, physician, client_for):
    alert = risky_response.safety_alert
    response = client_for(physician).post(
        reverse("outcomes:alert_acknowledge", args=[alert.pk]), {"action_taken": "  "}
    )
    assert response.status_code == 200
    assert services.ACTION_TAKEN_REQUIRED in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_acknowledge_returns_to_a_safe_next_only(risky_response, physician, client_for):
    alert = risky_response.safety_alert
    response = client_for(physician).post(
        reverse("outcomes:alert_acknowledge", args=[alert.pk]),
        {"action_taken": "Seen", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("outcomes:alerts")


def test_acknowledge_from_the_response_page_returns_there(risky_response, nurse, client_for):
    here = reverse("outcomes:response", args=[risky_response.pk])
    response = client_for(nurse).post(
        reverse("outcomes:alert_acknowledge", args=[risky_response.safety_alert.pk]),
        {"action_taken": "Seen", "next": here},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == here
    assert "Acknowledged" in response.content.decode()


def test_second_acknowledge_is_reported_not_repeated(risky_response, physician, nurse, client_for):
    alert = risky_response.safety_alert
    url = reverse("outcomes:alert_acknowledge", args=[alert.pk])
    client_for(physician).post(url, {"action_taken": "First"})
    response = client_for(nurse).post(url, {"action_taken": "Second"}, follow=True)
    assert services.ALERT_ALREADY_ACKNOWLEDGED in response.content.decode()
    alert.refresh_from_db()
    assert alert.action_taken == "First"


# --- portal ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [PHQ9, PAIN_NRS, ASQ])
def test_patient_opens_the_portal_forms(portal_patient, client_for, code):
    assert (
        client_for(portal_patient.user).get(reverse("outcomes:portal_fill", args=[code])).status_code == 200
    )


def test_portal_offers_only_the_portal_instruments(portal_patient, client_for):
    client = client_for(portal_patient.user)
    assert client.get(reverse("outcomes:portal_fill", args=[GAD7])).status_code == 404
    assert client.get(reverse("outcomes:portal_fill", args=["cssrs"])).status_code == 404


def test_patient_without_a_linked_record_gets_404(clinic, make_user, client_for):
    user = make_user(Role.PATIENT, clinic)
    assert client_for(user).get(reverse("outcomes:portal_fill", args=[PHQ9])).status_code == 404


def test_patient_records_for_themselves_and_sees_crisis_resources(portal_patient, patient, client_for):
    # given a patient in the portal (another patient id is smuggled into the form)
    client = client_for(portal_patient.user)
    url = reverse("outcomes:portal_fill", args=[PHQ9])
    assert 'id="crisis-panel"' in client.get(url).content.decode()
    # when they answer item 9 with "several days"
    response = client.post(url, post_data(phq9_answers(q9=1), patient=patient.pk), follow=True)
    # then the response is theirs, from the portal, and the staff alert is raised
    saved = QuestionnaireResponse.objects.get()
    assert saved.patient == portal_patient and saved.source == "patient"
    assert saved.entered_by == portal_patient.user and saved.context == "between_visits"
    assert SafetyAlert.objects.get().patient == portal_patient
    # and they see the crisis resources at once
    body = response.content.decode()
    assert 'data-server-crisis="1"' in body and 'role="alert"' in body
    assert 'href="tel:988"' in body and 'href="tel:911"' in body


def test_patient_without_risk_sees_no_crisis_panel(portal_patient, client_for):
    response = client_for(portal_patient.user).post(
        reverse("outcomes:portal_fill", args=[PAIN_NRS]), {"item_pain": "4"}, follow=True
    )
    body = response.content.decode()
    assert "Thank you" in body and 'data-server-crisis="1"' not in body
    assert not SafetyAlert.objects.exists()


def test_patient_cannot_open_another_patients_result(portal_patient, patient, nurse, client_for):
    other = questionnaire_response_record(
        patient=patient, instrument_code=PHQ9, answers=phq9_answers(), context="other", entered_by=nurse
    )
    client = client_for(portal_patient.user)
    assert client.get(reverse("outcomes:portal_done", args=[other.pk])).status_code == 404


def test_portal_errors_name_the_question(portal_patient, client_for):
    response = client_for(portal_patient.user).post(
        reverse("outcomes:portal_fill", args=[PHQ9]), {"item_q1": "1"}
    )
    assert response.status_code == 200
    assert "PHQ-9 question 2" in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()


# --- scores list --------------------------------------------------------------------------------------


def test_scores_page_shows_trend_and_filters(patient, nurse, client_for):
    for q1 in (3, 2, 1):
        questionnaire_response_record(
            patient=patient,
            instrument_code=PHQ9,
            answers=phq9_answers(q1=q1),
            context="other",
            entered_by=nurse,
        )
    questionnaire_response_record(
        patient=patient, instrument_code=PAIN_NRS, answers={"pain": 5}, context="other", entered_by=nurse
    )
    client = client_for(nurse)
    response = client.get(reverse("outcomes:patient_scores", args=[patient.pk]))
    body = response.content.decode()
    assert body.count("<svg") == 2 and "<polyline" in body
    assert len(response.context["page_obj"]) == 4
    filtered = client.get(reverse("outcomes:patient_scores", args=[patient.pk]), {"instrument": PHQ9})
    assert len(filtered.context["page_obj"]) == 3
    assert [c["instrument"] for c in filtered.context["charts"]] == [PHQ9_INSTRUMENT]


def test_scores_page_query_count_does_not_grow(patient, nurse, client_for, django_assert_max_num_queries):
    for n in range(30):
        questionnaire_response_record(
            patient=patient,
            instrument_code=PHQ9,
            answers=phq9_answers(q9=n % 2),
            context="other",
            entered_by=nurse,
        )
        questionnaire_response_record(
            patient=patient,
            instrument_code=PAIN_NRS,
            answers={"pain": n % 11},
            context="other",
            entered_by=nurse,
        )
    client = client_for(nurse)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("outcomes:patient_scores", args=[patient.pk]))
    assert response.status_code == 200


def test_alert_list_query_count_does_not_grow(
    clinic, staff, nurse, make_patient, client_for, django_assert_max_num_queries
):
    for _ in range(20):
        someone = make_patient(clinic, staff[Role.FRONT_DESK])
        questionnaire_response_record(
            patient=someone,
            instrument_code=PHQ9,
            answers=phq9_answers(q9=2),
            context="other",
            entered_by=nurse,
        )
    client = client_for(nurse)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("outcomes:alerts"))
    assert len(response.context["page_obj"]) == 20


def test_timeline_shows_responses_and_alerts(risky_response, physician):
    timeline = pytest.importorskip("clinic.patients.timeline")
    entries = timeline.patient_timeline(patient=risky_response.patient)
    kinds = {entry.kind for entry in entries}
    assert {"questionnaire", "safety_alert"} <= kinds
    title = next(e.title for e in entries if e.kind == "questionnaire")
    assert title == "PHQ-9: 2 (None–minimal)"

"""The self-check page: crisis help appears at once for a danger answer; nothing is stored."""

import re

from django.urls import reverse

from clinic.core.services import clinic_setting_set_without_cosign
from clinic.intake import antispam
from clinic.intake.models import ConsultationRequest
from clinic.intake.tests.conftest import CLEAR_ANSWERS

URL = reverse("intake:self_check")


def panel(html: str) -> str:
    match = re.search(r'<section id="crisis-panel"[^>]*>', html)
    return match.group(0) if match else ""


def test_form_marks_danger_radios_and_hides_the_panel_until_needed(client, clinic):
    html = client.get(URL).content.decode()
    assert html.count('data-crisis-trigger="yes"') == 4  # yes and no of both danger questions
    assert 'class="crisis-panel hidden"' in panel(html)
    assert "<legend>Are you thinking of ending your life right now?</legend>" in html


def test_minimum_age_comes_from_the_clinic_setting(client, clinic, staff):
    from clinic.accounts.roles import Role

    clinic_setting_set_without_cosign(clinic=clinic, key="minimum_patient_age_years", raw_value="21",
                          set_by=staff[Role.ADMIN], reason="State rule")
    assert "Are you 21 years old or older?" in client.get(URL).content.decode()


def test_clear_answers_suggest_a_consultation_and_offer_the_request_form(client, clinic):
    response = client.post(URL, CLEAR_ANSWERS)
    html = response.content.decode()
    assert response.status_code == 200
    assert "This is not a diagnosis." in html
    assert "Book a free consultation." in html
    assert panel(html) == ""
    token = re.search(r'name="self_check" value="([^"]+)"', html).group(1)
    assert antispam.self_check_answers_from_token(token) == CLEAR_ANSWERS
    assert not ConsultationRequest.objects.exists()


def test_an_absolute_flag_suggests_talking_to_a_doctor_first(client, clinic):
    html = client.post(URL, {**CLEAR_ANSWERS, "vascular": "yes"}).content.decode()
    assert "Talk to your own doctor first." in html
    assert "usually rules ketamine out" in html


def test_a_danger_answer_puts_crisis_help_before_anything_else(client, clinic):
    html = client.post(URL, {**CLEAR_ANSWERS, "danger_now": "yes"}).content.decode()
    assert 'class="crisis-panel "' in panel(html)
    assert 'role="alert"' in panel(html)
    main = html[html.index('<main id="main">'):]
    assert main.index('id="crisis-panel"') < main.index("<h1>Your self-check result</h1>")
    assert "Please reach out for help now" in html


def test_a_danger_answer_with_other_questions_unanswered_still_shows_crisis_help(client, clinic):
    response = client.post(URL, {"danger_recent": "yes"})
    html = response.content.decode()
    assert "Please choose an answer." in html
    assert 'class="crisis-panel "' in panel(html)

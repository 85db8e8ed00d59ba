"""The public request form: validation, honeypot, minimum fill time, rate limit, idempotency."""

import re
import time
import uuid

import pytest
from django.urls import reverse

from clinic.accounts.roles import Role
from clinic.core.models import Clinic
from clinic.core.services import clinic_setting_update
from clinic.intake import antispam
from clinic.intake.forms import CONSENT_REQUIRED, CONTACT_REQUIRED, SELF_CHECK_UNREADABLE, TOO_FAST
from clinic.intake.models import ConsultationRequest
from clinic.intake.tests.conftest import CLEAR_ANSWERS
from clinic.intake.views import RATE_LIMITED

URL = reverse("intake:request")


@pytest.fixture
def form_data(clinic):
    def make(**overrides):
        data = {
            "given_name": "Jordan", "family_name": "Reyes", "email": "jordan@example.com",
            "phone": "617 555 0142", "preferred_contact": "phone", "interest": "depression",
            "message": "", "referred_by": "Dr. Lee", "clinic": str(clinic.pk), "consent": "on",
            "website": "", "started": antispam.form_started_token(at=time.time() - 30),
            "submission_key": str(uuid.uuid4()),
        }
        data.update(overrides)
        return data

    return make


def test_form_carries_hidden_keys_and_a_honeypot_and_hides_a_single_clinic(client, clinic):
    html = client.get(URL).content.decode()
    assert re.search(r'<input type="hidden" name="submission_key" value="[0-9a-f-]{36}"', html)
    assert 'name="started"' in html
    assert re.search(r'<input type="text" name="website" class="honeypot"', html)
    assert f'<input type="hidden" name="clinic" value="{clinic.pk}"' in html


def test_several_locations_are_offered_by_name(client, clinic, other_clinic):
    html = client.get(URL).content.decode()
    assert "Preferred clinic location" in html
    assert f'<option value="{other_clinic.pk}">Summit Ketamine Center</option>' in html


def test_valid_request_is_stored_and_the_visitor_thanked(client, clinic, form_data):
    response = client.post(URL, form_data())
    assert response.status_code == 302
    assert response.url == reverse("intake:request_done")
    request_obj = ConsultationRequest.objects.get()
    assert request_obj.clinic == clinic
    assert request_obj.phone == "+16175550142"
    assert request_obj.referred_by == "Dr. Lee"
    assert request_obj.is_urgent is False
    done = client.get(response.url).content.decode()
    assert "we have your request" in done and "marked your request" not in done


def test_request_goes_to_the_chosen_location(client, clinic, other_clinic, form_data):
    client.post(URL, form_data(clinic=str(other_clinic.pk)))
    assert ConsultationRequest.objects.get().clinic == other_clinic


def test_a_location_not_taking_requests_cannot_be_chosen(client, clinic, other_clinic, form_data):
    Clinic.objects.filter(pk=other_clinic.pk).update(accepts_public_requests=False)
    response = client.post(URL, form_data(clinic=str(other_clinic.pk)))
    assert response.status_code == 200
    assert not ConsultationRequest.objects.exists()


def test_double_submit_creates_one_request(client, clinic, form_data):
    data = form_data()
    client.post(URL, data)
    client.post(URL, data)
    assert ConsultationRequest.objects.count() == 1


def test_honeypot_pretends_success_and_stores_nothing(client, clinic, form_data):
    response = client.post(URL, form_data(website="http://spam.example"))
    assert response.status_code == 302
    assert response.url == reverse("intake:request_done")
    assert not ConsultationRequest.objects.exists()


def test_too_fast_is_refused_kindly_and_can_be_sent_again(client, clinic, form_data):
    data = form_data(started=antispam.form_started_token())
    response = client.post(URL, data)
    assert response.status_code == 200
    assert TOO_FAST in response.content.decode()
    assert not ConsultationRequest.objects.exists()


def test_a_forged_start_time_is_replaced_so_the_next_send_can_work(client, clinic, form_data):
    response = client.post(URL, form_data(started="forged"))
    html = response.content.decode()
    assert "Please press Send again" in html
    token = re.search(r'name="started" value="([^"]+)"', html).group(1)
    assert antispam.form_fill_seconds(token) is not None


def test_needs_email_or_phone_and_consent(client, clinic, form_data):
    html = client.post(URL, form_data(email="", phone="", consent="")).content.decode()
    assert CONTACT_REQUIRED in html
    assert CONSENT_REQUIRED in html
    assert not ConsultationRequest.objects.exists()


def test_errors_name_the_field(client, clinic, form_data):
    html = client.post(URL, form_data(phone="555", date_of_birth="2999-01-01")).content.decode()
    assert "Phone: not a valid number for the United States. Enter a US number as" in html
    assert "Date of birth: Date of birth cannot be in the future." in html


def test_rate_limit_per_address_uses_the_clinic_setting(client, clinic, staff, form_data):
    # given the clinic accepts two requests per address per hour
    clinic_setting_update(clinic=clinic, key="public_request_rate_limit_per_hour", raw_value="2",
                          changed_by=staff[Role.ADMIN], reason="Spam wave")
    for _ in range(2):
        assert client.post(URL, form_data()).status_code == 302
    # when a third arrives
    response = client.post(URL, form_data())
    # then it is refused with a way to call, and crisis lines
    assert response.status_code == 429
    html = response.content.decode()
    assert RATE_LIMITED in html and 'href="tel:988"' in html
    assert ConsultationRequest.objects.count() == 2
    # and another address is not affected
    other = client.post(URL, form_data(), REMOTE_ADDR="192.0.2.50")
    assert other.status_code == 302


def test_honeypot_hits_count_toward_the_limit(client, clinic, staff, form_data):
    clinic_setting_update(clinic=clinic, key="public_request_rate_limit_per_hour", raw_value="1",
                          changed_by=staff[Role.ADMIN], reason="Spam wave")
    client.post(URL, form_data(website="x"))
    assert client.post(URL, form_data()).status_code == 429


def test_self_check_answers_ride_along_and_a_danger_answer_makes_it_urgent(client, clinic, form_data):
    token = antispam.self_check_token({**CLEAR_ANSWERS, "danger_recent": "yes"})
    response = client.post(URL, form_data(self_check=token))
    assert response.status_code == 302
    request_obj = ConsultationRequest.objects.get()
    assert request_obj.is_urgent is True
    assert request_obj.self_check_answers["danger_recent"] == "yes"
    assert request_obj.flags[0]["code"] == "crisis"
    done = client.get(response.url).content.decode()
    assert "marked your request <strong>urgent</strong>" in done
    assert 'class="crisis-panel "' in done
    # the urgent note is shown once
    assert "marked your request" not in client.get(response.url).content.decode()


def test_a_tampered_self_check_is_refused(client, clinic, form_data):
    token = antispam.self_check_token(CLEAR_ANSWERS) + "x"
    html = client.post(URL, form_data(self_check=token)).content.decode()
    assert SELF_CHECK_UNREADABLE in html
    assert not ConsultationRequest.objects.exists()


def test_form_errors_on_a_crisis_self_check_keep_the_crisis_panel(client, clinic, form_data):
    token = antispam.self_check_token({"danger_now": "yes"})
    html = client.post(URL, form_data(self_check=token, email="", phone="")).content.decode()
    assert 'class="crisis-panel "' in html
    assert "Your self-check answers will be sent with this request." in html

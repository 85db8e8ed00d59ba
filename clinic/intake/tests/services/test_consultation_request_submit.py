import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.audit.models import AuditEvent
from clinic.core.context import RequestContext, reset_request_context, set_request_context
from clinic.core.models import IdempotencyKey
from clinic.core.validators import DOB_IN_FUTURE
from clinic.intake.models import ConsultationRequest, RequestStatus
from clinic.intake.services import (
    CLINIC_CLOSED_TO_REQUESTS,
    CONTACT_REQUIRED,
    NAME_REQUIRED,
    consultation_request_submit,
)
from clinic.intake.tests.conftest import CLEAR_ANSWERS


def submit(clinic, **kwargs):
    fields = {"given_name": "Jordan", "family_name": "Reyes", "phone": "(617) 555-0142"}
    fields.update(kwargs)
    return consultation_request_submit(clinic=clinic, **fields)


def test_creates_a_new_request_with_normalized_phone_and_an_anonymous_audit_event(clinic):
    # given a visitor's address in the request context
    token = set_request_context(RequestContext(request_id="r1", ip_address="198.51.100.9"))
    try:
        # when
        request_obj = submit(clinic, email="jordan@example.com", interest="ptsd", message=" hi ")
    finally:
        reset_request_context(token)
    # then
    assert request_obj.status == RequestStatus.NEW
    assert request_obj.phone == "+16175550142"
    assert request_obj.message == "hi"
    assert request_obj.is_urgent is False
    assert request_obj.flags == []
    event = AuditEvent.objects.get(object_type="intake.ConsultationRequest")
    assert event.actor_id is None
    assert event.ip_address is None
    assert event.request_id == "r1"
    assert event.changes["after"]["given_name"] == "Jordan"


def test_email_alone_is_enough(clinic):
    assert submit(clinic, phone="", email="j@example.com").email == "j@example.com"


def test_needs_a_way_to_reach_the_person(clinic):
    with pytest.raises(ValidationError) as exc:
        submit(clinic, phone="", email="")
    assert exc.value.message_dict == {"email": [CONTACT_REQUIRED]}
    assert not ConsultationRequest.objects.exists()


def test_needs_both_names(clinic):
    with pytest.raises(ValidationError) as exc:
        submit(clinic, family_name="  ")
    assert exc.value.message_dict == {"given_name": [NAME_REQUIRED]}


def test_refuses_a_bad_phone_and_a_future_birth_date(clinic):
    with pytest.raises(ValidationError) as exc:
        submit(clinic, phone="12")
    assert exc.value.message_dict["phone"][0].startswith("not a valid number for the United States.")
    with pytest.raises(ValidationError, match=DOB_IN_FUTURE):
        submit(clinic, date_of_birth=timezone.localdate() + dt.timedelta(days=1))


def test_refuses_a_clinic_that_does_not_take_public_requests(clinic):
    clinic.accepts_public_requests = False
    clinic.save()
    with pytest.raises(ValidationError, match=CLINIC_CLOSED_TO_REQUESTS):
        submit(clinic)


def test_same_submission_key_creates_one_request(clinic):
    key = uuid.uuid4()
    first = submit(clinic, submission_key=key)
    second = submit(clinic, submission_key=str(key))
    assert first.pk == second.pk
    assert ConsultationRequest.objects.count() == 1
    assert IdempotencyKey.objects.filter(scope="intake.consultation_request").count() == 1


def test_self_check_answers_are_re_evaluated_and_stored_with_their_flags(clinic):
    answers = {**CLEAR_ANSWERS, "heart": "yes", "bogus": "yes"}
    request_obj = submit(clinic, self_check_answers=answers)
    assert "bogus" not in request_obj.self_check_answers
    assert request_obj.self_check_answers["heart"] == "yes"
    codes = [f["code"] for f in request_obj.flags]
    assert codes == ["cardiovascular", "treatment_resistance"]
    assert request_obj.is_urgent is False


def test_a_danger_answer_makes_the_request_urgent(clinic):
    request_obj = submit(clinic, self_check_answers={**CLEAR_ANSWERS, "danger_recent": "yes"})
    assert request_obj.is_urgent is True
    assert request_obj.flags[0]["severity"] == "crisis"
    event = AuditEvent.objects.get(object_type="intake.ConsultationRequest")
    assert event.summary == "Urgent consultation request received"

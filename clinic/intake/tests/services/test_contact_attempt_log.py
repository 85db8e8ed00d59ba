import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.intake.models import CloseReason, RequestStatus
from clinic.intake.services import (
    CONTACT_METHOD_INVALID,
    REQUEST_NOT_OPEN,
    consultation_request_close,
    contact_attempt_log,
)


def test_first_attempt_moves_new_to_contacted(clinic, staff, make_request):
    # given
    request_obj = make_request(clinic)
    desk = staff[Role.FRONT_DESK]
    # when
    attempt = contact_attempt_log(
        request_obj=request_obj, made_by=desk, method="phone", outcome="voicemail", note="Left msg"
    )
    # then
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.CONTACTED
    assert request_obj.handled_by == desk
    assert attempt.request == request_obj and attempt.clinic == clinic
    summaries = list(AuditEvent.objects.filter(actor=desk).values_list("summary", flat=True))
    assert "Contact attempt (Phone: Left voicemail)" in summaries
    assert "Consultation request contacted" in summaries


def test_later_attempts_keep_contacted(clinic, staff, make_request):
    request_obj = make_request(clinic)
    for outcome in ("no_answer", "reached"):
        contact_attempt_log(request_obj=request_obj, made_by=staff[Role.FRONT_DESK],
                            method="phone", outcome=outcome)
    assert request_obj.contact_attempts.count() == 2
    assert request_obj.status == RequestStatus.CONTACTED


def test_refuses_unknown_method(clinic, staff, make_request):
    with pytest.raises(ValidationError) as exc:
        contact_attempt_log(request_obj=make_request(clinic), made_by=staff[Role.FRONT_DESK],
                            method="pigeon", outcome="sent")
    assert exc.value.message_dict == {"method": [CONTACT_METHOD_INVALID]}


def test_refuses_a_closed_request(clinic, staff, make_request):
    request_obj = make_request(clinic)
    consultation_request_close(request_obj=request_obj, closed_by=staff[Role.FRONT_DESK],
                               reason=CloseReason.SPAM)
    with pytest.raises(ValidationError) as exc:
        contact_attempt_log(request_obj=request_obj, made_by=staff[Role.FRONT_DESK],
                            method="phone", outcome="reached")
    assert exc.value.messages == [REQUEST_NOT_OPEN.format(status="closed")]
    assert request_obj.contact_attempts.count() == 0

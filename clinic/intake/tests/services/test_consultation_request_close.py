import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.intake.models import CloseReason, RequestStatus
from clinic.intake.services import (
    CLOSE_NOTE_REQUIRED,
    CLOSE_REASON_INVALID,
    REQUEST_NOT_OPEN,
    consultation_request_close,
)


@pytest.mark.parametrize("reason", [r for r in CloseReason.values if r != CloseReason.OTHER])
def test_closes_with_each_listed_reason(clinic, staff, make_request, reason):
    request_obj = make_request(clinic)
    closed = consultation_request_close(
        request_obj=request_obj, closed_by=staff[Role.FRONT_DESK], reason=reason
    )
    assert closed.status == RequestStatus.CLOSED
    assert closed.close_reason == reason
    assert request_obj.status == RequestStatus.CLOSED  # the caller's object is refreshed
    event = AuditEvent.objects.filter(summary__startswith="Consultation request closed").get()
    assert event.changes["diff"]["status"] == ["new", "closed"]


def test_other_needs_a_note(clinic, staff, make_request):
    request_obj = make_request(clinic)
    with pytest.raises(ValidationError) as exc:
        consultation_request_close(request_obj=request_obj, closed_by=staff[Role.FRONT_DESK],
                                   reason=CloseReason.OTHER, note="  ")
    assert exc.value.message_dict == {"note": [CLOSE_NOTE_REQUIRED]}
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.NEW


def test_other_with_a_note_is_kept(clinic, staff, make_request):
    closed = consultation_request_close(
        request_obj=make_request(clinic), closed_by=staff[Role.FRONT_DESK],
        reason=CloseReason.OTHER, note="Moved abroad",
    )
    assert closed.close_note == "Moved abroad"


def test_unknown_reason_is_refused(clinic, staff, make_request):
    with pytest.raises(ValidationError) as exc:
        consultation_request_close(request_obj=make_request(clinic),
                                   closed_by=staff[Role.FRONT_DESK], reason="bored")
    assert exc.value.message_dict == {"reason": [CLOSE_REASON_INVALID]}


def test_closing_twice_is_refused(clinic, staff, make_request):
    request_obj = make_request(clinic)
    consultation_request_close(request_obj=request_obj, closed_by=staff[Role.FRONT_DESK],
                               reason=CloseReason.DUPLICATE)
    with pytest.raises(ValidationError, match="already closed"):
        consultation_request_close(request_obj=request_obj, closed_by=staff[Role.FRONT_DESK],
                                   reason=CloseReason.SPAM)
    assert REQUEST_NOT_OPEN.format(status="closed").startswith("This request is already closed")

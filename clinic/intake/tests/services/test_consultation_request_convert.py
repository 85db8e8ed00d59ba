import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.intake.models import CloseReason, RequestStatus
from clinic.intake.services import (
    DOB_REQUIRED,
    REQUEST_NOT_OPEN,
    consultation_request_close,
    consultation_request_convert,
)
from clinic.patients.models import Patient
from clinic.scheduling.models import Appointment, AppointmentKind
from clinic.scheduling.services import (
    CLINICIAN_NOT_PHYSICIAN,
    ROOM_NOT_CONSULT,
    STARTS_IN_PAST,
    appointment_book,
)

DOB = dt.date(1985, 3, 14)


def test_registers_the_patient_and_books_the_consultation(
    clinic, staff, make_request, consult_room, open_day_10am
):
    # given
    request_obj = make_request(clinic, given_name="Jordan", family_name="Reyes", date_of_birth=DOB)
    desk, physician = staff[Role.FRONT_DESK], staff[Role.PHYSICIAN]
    # when
    patient, appointment = consultation_request_convert(
        request_obj=request_obj, converted_by=desk, starts_at=open_day_10am,
        room=consult_room, clinician=physician, patient_fields={"sex_at_birth": "male"},
    )
    # then the patient carries the request's details
    assert (patient.given_name, patient.family_name, patient.date_of_birth) == ("Jordan", "Reyes", DOB)
    assert patient.phone == request_obj.phone and patient.email == request_obj.email
    assert patient.sex_at_birth == "male"
    assert patient.clinic == clinic
    # and the consultation has the clinic's standard length (60 min default)
    assert appointment.kind == AppointmentKind.CONSULTATION
    assert appointment.starts_at == open_day_10am
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(minutes=60)
    assert appointment.room == consult_room and appointment.clinician == physician
    # and the request is linked and converted, with an audit event naming the patient
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.CONVERTED
    assert request_obj.patient == patient
    event = AuditEvent.objects.get(summary="Consultation request converted to patient")
    assert event.patient_id == patient.pk and event.actor == desk


def test_times_are_stored_in_utc(clinic, staff, make_request, open_day_10am):
    _, appointment = consultation_request_convert(
        request_obj=make_request(clinic, date_of_birth=DOB), converted_by=staff[Role.FRONT_DESK],
        starts_at=open_day_10am,
    )
    appointment.refresh_from_db()
    assert appointment.starts_at.utcoffset() == dt.timedelta(0)
    assert appointment.starts_at.astimezone(clinic.tzinfo).hour == 10


def test_room_taken_creates_no_patient_and_keeps_the_request_open(
    clinic, staff, make_request, make_patient, consult_room, open_day_10am
):
    # given the consultation room is already booked at that time
    other = make_patient(clinic, staff[Role.FRONT_DESK])
    appointment_book(
        patient=other, kind=AppointmentKind.CONSULTATION, starts_at=open_day_10am,
        ends_at=open_day_10am + dt.timedelta(hours=1), booked_by=staff[Role.FRONT_DESK],
        room=consult_room,
    )
    request_obj = make_request(clinic, date_of_birth=DOB)
    patients_before = Patient.objects.count()
    # when
    with pytest.raises(ValidationError) as exc:
        consultation_request_convert(
            request_obj=request_obj, converted_by=staff[Role.FRONT_DESK],
            starts_at=open_day_10am + dt.timedelta(minutes=30), room=consult_room,
        )
    # then nothing was saved
    assert "room" in exc.value.message_dict
    assert Patient.objects.count() == patients_before
    assert Appointment.objects.count() == 1
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.NEW and request_obj.patient is None
    assert not AuditEvent.objects.filter(summary="Patient registered", patient_id__gt=other.pk).exists()


def test_dob_is_required_from_the_request_or_the_form(clinic, staff, make_request, open_day_10am):
    request_obj = make_request(clinic)
    with pytest.raises(ValidationError) as exc:
        consultation_request_convert(request_obj=request_obj, converted_by=staff[Role.FRONT_DESK],
                                     starts_at=open_day_10am)
    assert exc.value.message_dict == {"date_of_birth": [DOB_REQUIRED]}
    patient, _ = consultation_request_convert(
        request_obj=request_obj, converted_by=staff[Role.FRONT_DESK], starts_at=open_day_10am,
        patient_fields={"date_of_birth": DOB},
    )
    assert patient.date_of_birth == DOB


def test_refuses_a_start_in_the_past(clinic, staff, make_request):
    request_obj = make_request(clinic, date_of_birth=DOB)
    with pytest.raises(ValidationError) as exc:
        consultation_request_convert(
            request_obj=request_obj, converted_by=staff[Role.FRONT_DESK],
            starts_at=timezone.now() - dt.timedelta(minutes=5),
        )
    assert exc.value.message_dict == {"starts_at": [STARTS_IN_PAST]}
    assert not Patient.objects.exists()


def test_refuses_a_chair_and_a_non_physician(clinic, staff, make_request, chair, open_day_10am):
    with pytest.raises(ValidationError) as exc:
        consultation_request_convert(
            request_obj=make_request(clinic, date_of_birth=DOB), converted_by=staff[Role.FRONT_DESK],
            starts_at=open_day_10am, room=chair, clinician=staff[Role.NURSE],
        )
    assert exc.value.message_dict == {
        "room": [ROOM_NOT_CONSULT], "clinician": [CLINICIAN_NOT_PHYSICIAN]
    }
    assert not Patient.objects.exists()


@pytest.mark.parametrize("status", ["converted", "closed"])
def test_refuses_a_request_already_converted_or_closed(
    clinic, staff, make_request, open_day_10am, status
):
    request_obj = make_request(clinic, date_of_birth=DOB)
    desk = staff[Role.FRONT_DESK]
    if status == "closed":
        consultation_request_close(request_obj=request_obj, closed_by=desk,
                                   reason=CloseReason.UNREACHABLE)
    else:
        consultation_request_convert(request_obj=request_obj, converted_by=desk,
                                     starts_at=open_day_10am)
    count = Patient.objects.count()
    with pytest.raises(ValidationError) as exc:
        consultation_request_convert(request_obj=request_obj, converted_by=desk,
                                     starts_at=open_day_10am + dt.timedelta(hours=2))
    expected = REQUEST_NOT_OPEN.format(status="converted to patient" if status == "converted" else status)
    assert exc.value.messages == [expected]
    assert Patient.objects.count() == count


def test_unknown_patient_fields_are_a_programming_error(clinic, staff, make_request, open_day_10am):
    with pytest.raises(TypeError):
        consultation_request_convert(
            request_obj=make_request(clinic, date_of_birth=DOB), converted_by=staff[Role.FRONT_DESK],
            starts_at=open_day_10am, patient_fields={"shoe_size": 44},
        )

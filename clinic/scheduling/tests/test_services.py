import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.core.services import clinic_setting_update
from clinic.scheduling.models import Appointment, AppointmentKind, RoomKind
from clinic.scheduling.services import (
    CLINICIAN_NOT_PHYSICIAN,
    NOT_AWARE,
    ROOM_INACTIVE,
    ROOM_NAME_TAKEN,
    ROOM_NOT_CONSULT,
    ROOM_OTHER_CLINIC,
    STARTS_IN_PAST,
    consultation_book,
    room_create,
)


def test_room_create_is_audited_and_names_are_unique_per_clinic(clinic, other_clinic, staff):
    room = room_create(clinic=clinic, name="Consult A", kind=RoomKind.CONSULT,
                       created_by=staff[Role.ADMIN])
    assert AuditEvent.objects.filter(object_type="scheduling.Room", object_id=str(room.pk)).exists()
    with pytest.raises(ValidationError) as exc:
        room_create(clinic=clinic, name="consult a", kind=RoomKind.CHAIR, created_by=staff[Role.ADMIN])
    assert exc.value.message_dict == {"name": [ROOM_NAME_TAKEN.format(name="consult a")]}
    room_create(clinic=other_clinic, name="Consult A", kind=RoomKind.CONSULT, created_by=None)


def test_consultation_book_uses_the_clinic_length(
    clinic, staff, patient, consult_room, next_open_day, at
):
    clinic_setting_update(clinic=clinic, key="consultation_length_minutes", raw_value="45",
                          changed_by=staff[Role.ADMIN], reason="Shorter visits")
    appointment = consultation_book(
        patient=patient, starts_at=at(next_open_day, "14:00"), booked_by=staff[Role.FRONT_DESK],
        room=consult_room, clinician=staff[Role.PHYSICIAN],
    )
    assert appointment.kind == AppointmentKind.CONSULTATION
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(minutes=45)
    assert AuditEvent.objects.filter(summary="Consultation booked", patient_id=patient.pk).exists()


def test_consultation_book_is_idempotent(clinic, staff, patient, next_open_day, at):
    key = uuid.uuid4()
    for _ in range(2):
        consultation_book(patient=patient, starts_at=at(next_open_day, "09:00"),
                          booked_by=staff[Role.FRONT_DESK], submission_key=key)
    assert Appointment.objects.count() == 1


def test_consultation_book_refusals(
    clinic, other_clinic, staff, patient, chair, consult_room, next_open_day, at
):
    desk = staff[Role.FRONT_DESK]
    start = at(next_open_day, "09:00")
    with pytest.raises(ValidationError) as exc:
        consultation_book(patient=patient, starts_at=start, booked_by=desk, room=chair,
                          clinician=staff[Role.NURSE])
    assert exc.value.message_dict == {"room": [ROOM_NOT_CONSULT], "clinician": [CLINICIAN_NOT_PHYSICIAN]}

    elsewhere = room_create(clinic=other_clinic, name="Consult X", kind=RoomKind.CONSULT,
                            created_by=None)
    with pytest.raises(ValidationError) as exc:
        consultation_book(patient=patient, starts_at=start, booked_by=desk, room=elsewhere)
    assert exc.value.message_dict == {"room": [ROOM_OTHER_CLINIC]}

    consult_room.is_active = False
    consult_room.save()
    with pytest.raises(ValidationError) as exc:
        consultation_book(patient=patient, starts_at=start, booked_by=desk, room=consult_room)
    assert exc.value.message_dict == {"room": [ROOM_INACTIVE]}

    with pytest.raises(ValidationError) as exc:
        consultation_book(patient=patient, starts_at=timezone.now() - dt.timedelta(seconds=1),
                          booked_by=desk)
    assert exc.value.message_dict == {"starts_at": [STARTS_IN_PAST]}

    with pytest.raises(ValidationError) as exc:
        consultation_book(patient=patient, starts_at=dt.datetime(2099, 1, 1, 9), booked_by=desk)
    assert exc.value.message_dict == {"starts_at": [NOT_AWARE]}
    assert not Appointment.objects.exists()


def test_a_physician_of_another_clinic_is_refused(clinic, other_clinic, make_user, staff, patient,
                                                   next_open_day, at):
    outsider = make_user(Role.PHYSICIAN, other_clinic)
    with pytest.raises(ValidationError) as exc:
        consultation_book(patient=patient, starts_at=at(next_open_day, "09:00"),
                          booked_by=staff[Role.FRONT_DESK], clinician=outsider)
    assert exc.value.message_dict == {"clinician": [CLINICIAN_NOT_PHYSICIAN]}

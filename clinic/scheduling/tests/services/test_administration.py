"""Hours, closures, visit types, chairs and shifts: validated, audited, idempotent where creating."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.scheduling.models import AppointmentKind, Colour, RoomKind, StaffShift
from clinic.scheduling.selectors import DEFAULT_HOURS, clinic_hours_week
from clinic.scheduling.services import (
    CLOSURE_EXISTS,
    HOURS_ORDER,
    HOURS_REQUIRED,
    REASON_REQUIRED,
    SHIFT_ENDS_BEFORE_START,
    SHIFT_NOT_STAFF,
    SHIFT_OVERLAP,
    SHIFT_TOO_LONG,
    TYPE_INFUSION_LONGER,
    TYPE_INFUSION_REQUIRED,
    TYPE_NAME_TAKEN,
    appointment_type_create,
    appointment_type_update,
    appointment_types_seed,
    clinic_closure_add,
    clinic_closure_remove,
    clinic_hours_set,
    clinic_week_hours_set,
    room_set_active,
    staff_shift_create,
    staff_shift_remove,
)


@pytest.fixture
def admin(staff):
    return staff[Role.ADMIN]


def test_hours_default_until_set_then_audited(clinic, admin):
    assert clinic_hours_week(clinic=clinic) == DEFAULT_HOURS
    clinic_hours_set(
        clinic=clinic, weekday=5, is_closed=False, opens=dt.time(9), closes=dt.time(13), changed_by=admin
    )
    assert clinic_hours_week(clinic=clinic)[5] == (dt.time(9), dt.time(13))
    assert AuditEvent.objects.filter(summary="Clinic hours: Saturday: 09:00–13:00").exists()
    clinic_hours_set(clinic=clinic, weekday=5, is_closed=True, opens=None, closes=None, changed_by=admin)
    assert clinic_hours_week(clinic=clinic)[5] is None
    assert AuditEvent.objects.filter(
        summary="Clinic hours: Saturday: closed", action=AuditAction.UPDATE
    ).exists()


def test_hours_refusals(clinic, admin):
    with pytest.raises(ValidationError) as exc:
        clinic_hours_set(clinic=clinic, weekday=0, is_closed=False, opens=None, closes=None, changed_by=admin)
    assert exc.value.message_dict == {"opens": [HOURS_REQUIRED]}
    with pytest.raises(ValidationError) as exc:
        clinic_hours_set(
            clinic=clinic, weekday=0, is_closed=False, opens=dt.time(12), closes=dt.time(9), changed_by=admin
        )
    assert exc.value.message_dict == {"closes": [HOURS_ORDER]}


def test_the_week_saves_only_changed_days_and_nothing_when_one_day_is_wrong(clinic, admin):
    week = {d: (DEFAULT_HOURS[d] is None, *(DEFAULT_HOURS[d] or (None, None))) for d in range(7)}
    assert clinic_week_hours_set(clinic=clinic, week=week, changed_by=admin) == []
    week[0] = (False, dt.time(7), dt.time(19))
    week[6] = (False, dt.time(12), dt.time(9))  # wrong
    with pytest.raises(ValidationError):
        clinic_week_hours_set(clinic=clinic, week=week, changed_by=admin)
    assert clinic_hours_week(clinic=clinic) == DEFAULT_HOURS
    week[6] = (True, None, None)
    saved = clinic_week_hours_set(clinic=clinic, week=week, changed_by=admin)
    assert [row.weekday for row in saved] == [0]


def test_closures(clinic, admin):
    closure = clinic_closure_add(
        clinic=clinic, date=dt.date(2030, 11, 28), reason="Thanksgiving", added_by=admin
    )
    with pytest.raises(ValidationError) as exc:
        clinic_closure_add(clinic=clinic, date=dt.date(2030, 11, 28), reason="Again", added_by=admin)
    assert exc.value.message_dict == {"date": [CLOSURE_EXISTS]}
    with pytest.raises(ValidationError) as exc:
        clinic_closure_add(clinic=clinic, date=dt.date(2030, 12, 25), reason="", added_by=admin)
    assert exc.value.message_dict == {"reason": [REASON_REQUIRED]}
    clinic_closure_remove(closure=closure, removed_by=admin)
    assert AuditEvent.objects.filter(
        action=AuditAction.DELETE, summary="Closure on 2030-11-28 removed"
    ).exists()


def test_visit_types_create_update_seed(clinic, admin):
    added = appointment_types_seed(clinic=clinic, seeded_by=admin)
    assert {t.name: (t.chair_minutes, t.infusion_minutes) for t in added} == {
        "Mood infusion": (120, 40),
        "Pain infusion": (300, 240),
        "Booster infusion": (120, 40),
        "Consultation": (60, None),
    }
    assert appointment_types_seed(clinic=clinic, seeded_by=admin) == []
    with pytest.raises(ValidationError) as exc:
        appointment_type_create(
            clinic=clinic,
            kind=AppointmentKind.MOOD_INFUSION,
            name="mood INFUSION",
            chair_minutes=100,
            infusion_minutes=40,
            room_kind=RoomKind.CHAIR,
            created_by=admin,
        )
    assert exc.value.message_dict == {"name": [TYPE_NAME_TAKEN.format(name="mood INFUSION")]}
    with pytest.raises(ValidationError) as exc:
        appointment_type_create(
            clinic=clinic,
            kind=AppointmentKind.MOOD_INFUSION,
            name="Short",
            chair_minutes=30,
            infusion_minutes=40,
            room_kind=RoomKind.CHAIR,
            created_by=admin,
        )
    assert exc.value.message_dict == {"infusion_minutes": [TYPE_INFUSION_LONGER]}
    with pytest.raises(ValidationError) as exc:
        appointment_type_create(
            clinic=clinic,
            kind=AppointmentKind.MOOD_INFUSION,
            name="No infusion",
            chair_minutes=30,
            infusion_minutes=None,
            room_kind=RoomKind.CHAIR,
            created_by=admin,
        )
    assert exc.value.message_dict == {"infusion_minutes": [TYPE_INFUSION_REQUIRED]}
    mood = next(t for t in added if t.name == "Mood infusion")
    changed = appointment_type_update(
        appointment_type=mood, updated_by=admin, chair_minutes=100, colour=Colour.GREEN
    )
    assert (changed.chair_minutes, changed.colour) == (100, Colour.GREEN)
    event = AuditEvent.objects.get(summary="Visit type Mood infusion changed")
    assert event.changes["diff"] == {"chair_minutes": [120, 100], "colour": ["blue", "green"]}


def test_rooms_out_of_use(clinic, admin, chairs):
    room_set_active(room=chairs[0], is_active=False, changed_by=admin)
    chairs[0].refresh_from_db()
    assert not chairs[0].is_active
    assert AuditEvent.objects.filter(summary="Chair 1 out of use").exists()


def test_shifts_keep_the_role_refuse_overlaps_and_non_staff(clinic, staff, make_user, at, other_clinic):
    nurse, desk = staff[Role.NURSE], staff[Role.FRONT_DESK]
    day = dt.date(2030, 5, 6)
    key = uuid.uuid4()
    shift = staff_shift_create(
        clinic=clinic,
        user=nurse,
        starts_at=at(day, "07:30"),
        ends_at=at(day, "15:30"),
        created_by=desk,
        submission_key=key,
    )
    assert shift.role == Role.NURSE
    again = staff_shift_create(
        clinic=clinic,
        user=nurse,
        starts_at=at(day, "07:30"),
        ends_at=at(day, "15:30"),
        created_by=desk,
        submission_key=key,
    )
    assert again == shift and StaffShift.objects.count() == 1

    def refused(**kw):
        args = {
            "clinic": clinic,
            "user": nurse,
            "starts_at": at(day, "15:00"),
            "ends_at": at(day, "19:00"),
            "created_by": desk,
        }
        with pytest.raises(ValidationError) as exc:
            staff_shift_create(**{**args, **kw})
        return exc.value.message_dict

    assert refused() == {
        "starts_at": [
            SHIFT_OVERLAP.format(name=nurse.signature_name, start=at(day, "07:30"), end=at(day, "15:30"))
        ]
    }
    assert refused(ends_at=at(day, "14:00")) == {"ends_at": [SHIFT_ENDS_BEFORE_START]}
    assert refused(ends_at=at(day, "15:00") + dt.timedelta(hours=25)) == {"ends_at": [SHIFT_TOO_LONG]}
    assert refused(user=make_user(Role.PATIENT, clinic)) == {"user": [SHIFT_NOT_STAFF]}
    assert refused(user=make_user(Role.NURSE, other_clinic)) == {"user": [SHIFT_NOT_STAFF]}
    with pytest.raises(ValidationError):
        staff_shift_remove(shift=shift, removed_by=desk, reason="")
    staff_shift_remove(shift=shift, removed_by=desk, reason="Called in sick")
    assert not StaffShift.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.DELETE, summary="Shift removed")
    assert event.changes["extra"] == {"reason": "Called in sick"}


def test_removing_a_closure_or_a_shift_twice_audits_one_removal(clinic, admin, staff):
    # given a closed date and a shift, each open in two tabs
    closure = clinic_closure_add(clinic=clinic, date=dt.date(2030, 11, 28), reason="Holiday", added_by=admin)
    shift = staff_shift_create(
        clinic=clinic, user=staff[Role.NURSE], starts_at=dt.datetime(2030, 5, 6, 14, tzinfo=dt.UTC),
        ends_at=dt.datetime(2030, 5, 6, 22, tzinfo=dt.UTC), created_by=admin,
    )
    # when each is removed twice (a double submit)
    for _ in range(2):
        clinic_closure_remove(closure=closure, removed_by=admin)
        staff_shift_remove(shift=shift, removed_by=admin, reason="Not needed")
    # then the audit trail shows one removal of each
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, summary__startswith="Closure on").count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, summary="Shift removed").count() == 1


def test_a_room_already_out_of_use_is_left_as_it_is(clinic, admin, chairs):
    room_set_active(room=chairs[0], is_active=False, changed_by=admin)
    room_set_active(room=chairs[0], is_active=False, changed_by=admin)

    chairs[0].refresh_from_db()
    assert not chairs[0].is_active
    assert AuditEvent.objects.filter(summary="Chair 1 out of use").count() == 1

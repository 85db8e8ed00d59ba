"""Role × page for every scheduling page, signed-out redirects, and other clinics' records → 404."""

import datetime as dt

import pytest
from django.urls import reverse

from clinic.accounts.roles import Role
from clinic.scheduling.models import AppointmentKind, ClinicClosure, RoomKind
from clinic.scheduling.planner import Slot
from clinic.scheduling.services import (
    appointment_book,
    appointment_types_seed,
    calendar_feed_token_create,
    clinic_closure_add,
    room_create,
    series_book,
    staff_shift_create,
)

STAFF = [Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK]
EVERY_STAFF = set(STAFF)
BOOKERS = {Role.ADMIN, Role.FRONT_DESK}
ADMINS = {Role.ADMIN}

# url name -> roles that get 200 (everyone else on the staff and patients get 403)
PAGES = {
    "scheduling:day": EVERY_STAFF,
    "scheduling:week": EVERY_STAFF,
    "scheduling:feeds": EVERY_STAFF,
    "scheduling:series_start": BOOKERS,
    "scheduling:shifts": BOOKERS,
    "scheduling:hours": ADMINS,
    "scheduling:types": ADMINS,
    "scheduling:rooms": ADMINS,
}
RECORD_PAGES = {
    "scheduling:series_new": ("patient", BOOKERS),
    "scheduling:series_detail": ("series", EVERY_STAFF),
    "scheduling:series_move": ("series", BOOKERS),
    "scheduling:series_cancel": ("series", BOOKERS),
    "scheduling:appointment_reschedule": ("appointment", BOOKERS),
    "scheduling:appointment_cancel": ("appointment", BOOKERS),
    "scheduling:type_edit": ("type", ADMINS),
    "scheduling:shift_remove": ("shift", BOOKERS),
}


@pytest.fixture
def user_of(clinic, staff, make_user):
    return lambda role: staff[role] if role in staff else make_user(role, clinic)


def make_records(clinic, staff, patient, at):
    desk = staff[Role.FRONT_DESK]
    chair = room_create(clinic=clinic, name="Chair A", kind=RoomKind.CHAIR, created_by=desk)
    day = dt.date.today() + dt.timedelta(days=30)
    day += dt.timedelta(days=(7 - day.weekday()) % 7)  # a Monday
    start = at(day, "09:00")
    series = series_book(
        patient=patient,
        course=None,
        slots=[Slot(start, start + dt.timedelta(hours=2), chair.pk)],
        booked_by=desk,
    )
    appointment = appointment_book(
        patient=patient,
        kind=AppointmentKind.CONSULTATION,
        starts_at=at(day, "14:00"),
        ends_at=at(day, "15:00"),
        booked_by=desk,
    )
    (mood_type, *_) = appointment_types_seed(clinic=clinic, seeded_by=desk)
    shift = staff_shift_create(
        clinic=clinic,
        user=staff[Role.NURSE],
        starts_at=at(day, "07:00"),
        ends_at=at(day, "15:00"),
        created_by=desk,
    )
    return {
        "patient": patient.pk,
        "series": series.pk,
        "appointment": appointment.pk,
        "type": mood_type.pk,
        "shift": shift.pk,
    }


PARAM = {
    "patient": "patient_id",
    "series": "series_id",
    "appointment": "appointment_id",
    "type": "type_id",
    "shift": "shift_id",
}


@pytest.mark.parametrize("role", [*STAFF, Role.PATIENT])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_plain_pages_by_role(client_for, user_of, name, role):
    expected = 200 if role in PAGES[name] else 403
    assert client_for(user_of(role)).get(reverse(name)).status_code == expected


@pytest.mark.parametrize("role", [*STAFF, Role.PATIENT])
@pytest.mark.parametrize("name", sorted(RECORD_PAGES))
def test_record_pages_by_role(clinic, staff, patient, at, client_for, user_of, name, role):
    records = make_records(clinic, staff, patient, at)
    kind, allowed = RECORD_PAGES[name]
    url = reverse(name, kwargs={PARAM[kind]: records[kind]})
    expected = 200 if role in allowed else 403
    assert client_for(user_of(role)).get(url).status_code == expected


@pytest.mark.parametrize("name", sorted(RECORD_PAGES))
def test_another_clinics_records_are_not_found(
    other_clinic, make_user, make_patient, client_for, staff, name
):
    # given records of the other clinic, opened by this clinic's administrator (who may open every page)
    from zoneinfo import ZoneInfo

    def at_other(day, hhmm):
        hour, minute = map(int, hhmm.split(":"))
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(other_clinic.timezone))

    other_staff = {role: make_user(role, other_clinic) for role in STAFF}
    other_patient = make_patient(other_clinic, other_staff[Role.FRONT_DESK])
    records = make_records(other_clinic, other_staff, other_patient, at_other)
    kind, _ = RECORD_PAGES[name]
    url = reverse(name, kwargs={PARAM[kind]: records[kind]})
    assert client_for(staff[Role.ADMIN]).get(url).status_code == 404


def test_post_only_actions_of_another_clinic_are_not_found(
    clinic, other_clinic, make_user, client_for, staff
):
    admin_elsewhere = make_user(Role.ADMIN, other_clinic)
    closure = clinic_closure_add(
        clinic=other_clinic, date=dt.date(2030, 1, 1), reason="Holiday", added_by=admin_elsewhere
    )
    room = room_create(clinic=other_clinic, name="Chair Z", kind=RoomKind.CHAIR, created_by=admin_elsewhere)
    token, _ = calendar_feed_token_create(
        clinic=other_clinic, created_by=admin_elsewhere, user=admin_elsewhere
    )
    admin = client_for(staff[Role.ADMIN])
    assert admin.post(reverse("scheduling:closure_remove", args=[closure.pk])).status_code == 404
    assert admin.post(reverse("scheduling:room_toggle", args=[room.pk])).status_code == 404
    assert admin.post(reverse("scheduling:feed_revoke", args=[token.pk])).status_code == 404
    assert ClinicClosure.objects.filter(pk=closure.pk).exists()


def test_signed_out_users_are_sent_to_sign_in(client, db):
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))

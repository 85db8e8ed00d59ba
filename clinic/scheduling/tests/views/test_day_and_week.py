"""The chair day view and the week: blocks in the clinic's zone, isolation, flat query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from clinic.accounts.roles import Role
from clinic.scheduling.models import AppointmentKind, AppointmentType
from clinic.scheduling.services import appointment_book, appointment_types_seed, staff_shift_create

DAY = reverse("scheduling:day")
WEEK = reverse("scheduling:week")


@pytest.fixture
def desk_client(client_for, staff):
    return client_for(staff[Role.FRONT_DESK])


def book_infusions(clinic, staff, make_patient, chairs, at, day, n):
    desk = staff[Role.FRONT_DESK]
    appointment_types_seed(clinic=clinic, seeded_by=desk)
    mood = AppointmentType.objects.get(clinic=clinic, name="Mood infusion")
    booked = []
    for i in range(n):
        chair = chairs[i % len(chairs)]
        start = at(day, "08:00") + dt.timedelta(minutes=135 * (i // len(chairs)))
        booked.append(
            appointment_book(
                patient=make_patient(clinic, desk),
                kind=AppointmentKind.MOOD_INFUSION,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=120),
                booked_by=desk,
                room=chair,
                appointment_type=mood,
                active_minutes=55,
            )
        )
    return booked


def test_the_day_view_has_a_column_per_chair_and_blocks_in_clinic_time(
    clinic, staff, make_patient, chairs, at, desk_client, put_on_duty
):
    day = dt.date(2030, 5, 6)
    put_on_duty(day, 1)
    (first, *_) = book_infusions(clinic, staff, make_patient, chairs, at, day, 1)
    html = desk_client.get(DAY, {"date": "2030-05-06"}).content.decode()
    assert "Monday 6 May 2030" in html
    assert all(f'<th scope="col">Chair {n}</th>' in html for n in (1, 2, 3))
    assert first.patient.full_name in html and "08:00–10:00 · Mood infusion" in html
    assert 'rowspan="8"' in html  # 120 min in 15-min rows
    assert "appt c-blue" in html
    assert "1 · 1/2" in html  # one nurse, one active infusion, capacity 2
    assert "America/New_York" in html
    assert 'href="?date=2030-05-05"' in html and 'href="?date=2030-05-07"' in html


def test_a_closed_day_and_a_bad_date(desk_client, chairs):
    html = desk_client.get(DAY, {"date": "2030-05-04"}).content.decode()  # a Saturday
    assert "Closed on Saturdays" in html
    html = desk_client.get(DAY, {"date": "nonsense"}).content.decode()
    assert "That date could not be read" in html


def test_the_week_lists_each_day_with_shifts(clinic, staff, make_patient, chairs, at, desk_client):
    day = dt.date(2030, 5, 8)  # a Wednesday
    staff_shift_create(
        clinic=clinic,
        user=staff[Role.NURSE],
        starts_at=at(day, "07:30"),
        ends_at=at(day, "16:00"),
        created_by=staff[Role.FRONT_DESK],
    )
    (visit,) = book_infusions(clinic, staff, make_patient, chairs, at, day, 1)
    html = desk_client.get(WEEK, {"start": "2030-05-08"}).content.decode()
    assert "6 May – 12 May 2030" in html  # the Monday of that week
    assert visit.patient.full_name in html and "Chair 1" in html
    assert f"On duty: {staff[Role.NURSE].signature_name} (07:30–16:00)" in html


def test_other_clinics_bookings_never_show(
    clinic, other_clinic, make_user, make_patient, desk_client, chairs
):
    from clinic.scheduling.models import RoomKind
    from clinic.scheduling.services import room_create

    desk_elsewhere = make_user(Role.FRONT_DESK, other_clinic)
    elsewhere = make_patient(other_clinic, desk_elsewhere, given_name="Faraway")
    chair = room_create(clinic=other_clinic, name="Far chair", kind=RoomKind.CHAIR, created_by=desk_elsewhere)
    start = dt.datetime(2030, 5, 6, 10, tzinfo=other_clinic.tzinfo)
    appointment_book(
        patient=elsewhere,
        kind=AppointmentKind.MOOD_INFUSION,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        booked_by=desk_elsewhere,
        room=chair,
    )
    for url, params in ((DAY, {"date": "2030-05-06"}), (WEEK, {"start": "2030-05-06"})):
        html = desk_client.get(url, params).content.decode()
        assert "Faraway" not in html and "Far chair" not in html


@pytest.mark.parametrize("n", [1, 24])
def test_query_counts_stay_flat_whatever_the_number_of_visits(
    clinic, staff, make_patient, chairs, at, desk_client, put_on_duty, django_assert_max_num_queries, n
):
    day = dt.date(2030, 5, 6)
    put_on_duty(day, 5)
    for offset in range(3):
        book_infusions(clinic, staff, make_patient, chairs, at, day + dt.timedelta(days=offset), n // 3 or 1)
    with django_assert_max_num_queries(14):
        assert desk_client.get(DAY, {"date": "2030-05-06"}).status_code == 200
    with django_assert_max_num_queries(14):
        assert desk_client.get(WEEK, {"start": "2030-05-06"}).status_code == 200

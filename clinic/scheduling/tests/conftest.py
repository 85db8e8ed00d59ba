import datetime as dt

import pytest
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.scheduling.models import RoomKind
from clinic.scheduling.services import room_create, staff_shift_create
from conftest import DEMO_PASSWORD


@pytest.fixture
def consult_room(clinic, staff):
    return room_create(clinic=clinic, name="Consult 1", kind=RoomKind.CONSULT,
                       created_by=staff[Role.ADMIN])


@pytest.fixture
def chair(clinic, staff):
    return room_create(clinic=clinic, name="Chair 1", kind=RoomKind.CHAIR,
                       created_by=staff[Role.ADMIN])


@pytest.fixture
def clinic_tomorrow(clinic) -> dt.date:
    return timezone.now().astimezone(clinic.tzinfo).date() + dt.timedelta(days=1)


@pytest.fixture
def next_open_day(clinic) -> dt.date:
    """The first weekday from tomorrow on: open 08:00–18:00 by default (weekends are closed, and a
    booking on them is refused)."""
    day = timezone.now().astimezone(clinic.tzinfo).date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@pytest.fixture
def at(clinic):
    """at(day, "09:30") -> aware datetime at the clinic."""

    def make(day: dt.date, hhmm: str) -> dt.datetime:
        hour, minute = map(int, hhmm.split(":"))
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clinic.tzinfo)

    return make


# --- series fixtures ------------------------------------------------------------------------------



@pytest.fixture
def chairs(clinic, staff):
    return [
        room_create(clinic=clinic, name=f"Chair {n}", kind=RoomKind.CHAIR, created_by=staff[Role.ADMIN])
        for n in (1, 2, 3)
    ]


@pytest.fixture
def next_monday(clinic) -> dt.date:
    """A Monday at least two days ahead in the clinic's zone."""
    today = timezone.now().astimezone(clinic.tzinfo).date()
    day = today + dt.timedelta(days=2)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


@pytest.fixture
def put_on_duty(clinic, staff, at):
    """put_on_duty(first_day, days, user=None, hours=("07:30", "18:30")) -> the shifts."""

    def make(first_day: dt.date, days: int, user=None, hours=("07:30", "18:30")):
        user = user or staff[Role.NURSE]
        shifts = []
        for offset in range(days):
            day = first_day + dt.timedelta(days=offset)
            shifts.append(staff_shift_create(
                clinic=clinic, user=user, starts_at=at(day, hours[0]), ends_at=at(day, hours[1]),
                created_by=staff[Role.FRONT_DESK],
            ))
        return shifts

    return make


@pytest.fixture
def make_signed_course(clinic, staff):
    """A signed course under one of the standard protocols (the candidacy gate is switched off
    through the clinic setting, so the test needs no intake or baseline scores)."""
    from clinic.treatment.models import Protocol
    from clinic.treatment.services import course_create, course_sign, protocol_library_seed

    physician = staff[Role.PHYSICIAN]
    protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])
    clinic_setting_set_without_cosign(
        clinic=clinic, key="course_requires_candidacy_decision", raw_value="false",
        set_by=staff[Role.ADMIN], reason="Scheduling tests",
    )

    def make(patient, code: str = "mood-induction", **kwargs):
        protocol = Protocol.objects.get(clinic=clinic, code=code, is_active=True)
        course = course_create(patient=patient, protocol=protocol, created_by=physician,
                               indication=kwargs.pop("indication", "Treatment-resistant depression"),
                               goals=kwargs.pop("goals", "PHQ-9 response"),
                               **kwargs)
        return course_sign(course=course, signer=physician, password=DEMO_PASSWORD)

    return make


@pytest.fixture
def mood_course(make_signed_course, patient):
    return make_signed_course(patient)

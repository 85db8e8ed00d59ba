import datetime as dt

import pytest
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.scheduling.models import RoomKind
from clinic.scheduling.services import room_create


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
def at(clinic):
    """at(day, "09:30") -> aware datetime at the clinic."""

    def make(day: dt.date, hhmm: str) -> dt.datetime:
        hour, minute = map(int, hhmm.split(":"))
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clinic.tzinfo)

    return make

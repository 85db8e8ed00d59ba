"""Fixtures for intake tests: a consultation room, and requests made through the real service."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.intake.services import consultation_request_submit
from clinic.scheduling.models import RoomKind
from clinic.scheduling.services import room_create

CLEAR_ANSWERS = {
    "adult": "yes", "diagnosis": "yes", "treatments_tried": "yes", "pregnancy": "no",
    "heart": "no", "vascular": "no", "psychosis": "no", "substance_use": "no", "liver": "no",
    "pressure": "no", "danger_recent": "no", "danger_now": "no",
}
_n = itertools.count(1)


@pytest.fixture
def consult_room(clinic, staff):
    return room_create(clinic=clinic, name="Consult 1", kind=RoomKind.CONSULT,
                       created_by=staff[Role.ADMIN])


@pytest.fixture
def chair(clinic, staff):
    return room_create(clinic=clinic, name="Chair 1", kind=RoomKind.CHAIR,
                       created_by=staff[Role.ADMIN])


@pytest.fixture
def make_request(db):
    def make(clinic, **fields):
        n = next(_n)
        defaults = {
            "given_name": f"Avery{n}",
            "family_name": f"Visitor{n}",
            "phone": "617-555-0142",
            "email": f"avery{n}@example.com",
        }
        defaults.update(fields)
        return consultation_request_submit(clinic=clinic, **defaults)

    return make


@pytest.fixture
def open_day_10am(clinic):
    """10:00 on the first weekday from tomorrow on: the clinic is open then by default (08:00–18:00
    on weekdays); a consultation on a weekend would be refused."""
    day = timezone.now().astimezone(clinic.tzinfo).date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=clinic.tzinfo)

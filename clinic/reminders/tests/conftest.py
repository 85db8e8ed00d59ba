"""Fixtures for reminders tests: a chair, infusions booked through the real service, locmem SMS."""

import datetime as dt

import pytest
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.reminders import sms
from clinic.scheduling.models import AppointmentKind, RoomKind
from clinic.scheduling.services import appointment_book, room_create

LOCMEM_SMS = "clinic.reminders.sms.LocmemSmsBackend"
FAILING_SMS = "clinic.reminders.sms.FailingSmsBackend"


@pytest.fixture(autouse=True)
def _locmem_sms(settings):
    settings.KETACLINIC_SMS_BACKEND = LOCMEM_SMS
    settings.KETACLINIC_PUBLIC_BASE_URL = "https://clinic.example"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def chair(clinic, staff):
    return room_create(
        clinic=clinic, name="Chair 1", kind=RoomKind.CHAIR, created_by=staff[Role.ADMIN]
    )


@pytest.fixture
def at(clinic):
    """at(day, "09:30") -> aware datetime at the clinic."""

    def make(day: dt.date, hhmm: str) -> dt.datetime:
        hour, minute = map(int, hhmm.split(":"))
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clinic.tzinfo)

    return make


@pytest.fixture
def in_days(clinic, at):
    """in_days(3, "09:00") -> that clinic wall-clock time, N days from today."""

    def make(days: int, hhmm: str = "09:00") -> dt.datetime:
        today = timezone.now().astimezone(clinic.tzinfo).date()
        return at(today + dt.timedelta(days=days), hhmm)

    return make


@pytest.fixture
def book_infusion(staff, chair):
    def book(
        patient,
        starts_at: dt.datetime,
        *,
        kind=AppointmentKind.MOOD_INFUSION,
        minutes=120,
        room=None,
    ):
        return appointment_book(
            patient=patient,
            kind=kind,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=minutes),
            booked_by=staff[Role.FRONT_DESK],
            room=room
            if room is not None
            else (chair if patient.clinic_id == chair.clinic_id else None),
        )

    return book


@pytest.fixture
def infusion(patient, book_infusion, in_days):
    """A mood infusion three days from now at 09:00 clinic time, in Chair 1."""
    return book_infusion(patient, in_days(3))

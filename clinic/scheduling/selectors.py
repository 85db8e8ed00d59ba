"""Reads for scheduling: a clinic's day of appointments, its consultation rooms and physicians."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from clinic.accounts.models import User
from clinic.accounts.roles import Role
from clinic.core.models import Clinic
from clinic.scheduling.models import Appointment, Room, RoomKind


def clinic_today(clinic: Clinic) -> dt.date:
    """Today's date where the clinic is, whatever the server's zone."""
    return timezone.now().astimezone(clinic.tzinfo).date()


def clinic_day_bounds(clinic: Clinic, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The clinic's local midnight of `day` and of the next day, as aware datetimes.

    A day is 23 or 25 hours long when the clocks change; both ends are computed in the zone.
    """
    tz = clinic.tzinfo
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def appointments_for_day(*, clinic: Clinic, day: dt.date) -> QuerySet[Appointment]:
    """Every appointment starting on the clinic's local `day`, in time order (uses clinic+starts_at)."""
    start, end = clinic_day_bounds(clinic, day)
    return (
        Appointment.objects.filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
        .select_related("patient", "room", "clinician")
        .order_by("starts_at", "pk")
    )


def consultation_rooms(*, clinic: Clinic) -> QuerySet[Room]:
    return Room.objects.filter(clinic=clinic, kind=RoomKind.CONSULT, is_active=True).order_by("name")


def physicians(*, clinic: Clinic) -> QuerySet[User]:
    """Users who are active physicians at the clinic, by name."""
    return User.objects.filter(
        memberships__clinic=clinic, memberships__role=Role.PHYSICIAN, memberships__is_active=True,
        is_active=True,
    ).order_by("last_name", "first_name", "username")

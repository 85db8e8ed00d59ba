import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.roles import Role
from clinic.scheduling.forms import (
    DATE_OUT_OF_RANGE,
    DATE_WINDOW_YEARS,
    TIME_DOES_NOT_EXIST,
    clinic_local_datetime,
)
from clinic.scheduling.models import AppointmentKind
from clinic.scheduling.selectors import appointments_for_day, clinic_day_bounds, physicians
from clinic.scheduling.services import appointment_book


def test_day_bounds_follow_the_clinic_zone_across_a_clock_change(clinic):
    # New York falls back on 2026-11-01: that local day has 25 hours.
    start, end = clinic_day_bounds(clinic, dt.date(2026, 11, 1))
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=25)
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 11, 1, 4, 0, tzinfo=dt.UTC)


def test_appointments_for_day_uses_the_clinic_local_day(clinic, staff, patient):
    # 23:30 New York time on the 9th is 04:30 UTC on the 10th; it belongs to the 9th.
    late = dt.datetime(2030, 4, 9, 23, 30, tzinfo=clinic.tzinfo)
    appointment_book(patient=patient, kind=AppointmentKind.CONSULTATION, starts_at=late,
                     ends_at=late + dt.timedelta(minutes=20), booked_by=staff[Role.FRONT_DESK])
    assert appointments_for_day(clinic=clinic, day=dt.date(2030, 4, 9)).count() == 1
    assert appointments_for_day(clinic=clinic, day=dt.date(2030, 4, 10)).count() == 0


def test_physicians_are_only_active_physicians_of_the_clinic(clinic, other_clinic, staff, make_user):
    make_user(Role.PHYSICIAN, other_clinic)
    assert list(physicians(clinic=clinic)) == [staff[Role.PHYSICIAN]]


def test_local_datetime_refuses_a_time_skipped_by_the_clocks(clinic):
    with pytest.raises(ValidationError, match=TIME_DOES_NOT_EXIST[:20]):
        clinic_local_datetime(clinic, dt.date(2027, 3, 14), dt.time(2, 30))
    local = clinic_local_datetime(clinic, dt.date(2027, 3, 14), dt.time(3, 30))
    assert local.utcoffset() == dt.timedelta(hours=-4)


@pytest.mark.parametrize("day", [dt.date(9999, 12, 31), dt.date(1, 1, 1)])
def test_local_datetime_refuses_a_date_far_from_today_without_overflowing(clinic, day):
    with pytest.raises(ValidationError) as caught:
        clinic_local_datetime(clinic, day, dt.time(23, 30))
    assert caught.value.code == "date_out_of_range"
    assert caught.value.messages == [DATE_OUT_OF_RANGE.format(years=DATE_WINDOW_YEARS)]


def test_a_night_shift_on_the_last_possible_date_is_a_field_error_not_a_crash(clinic, staff):
    from clinic.scheduling.forms import ShiftForm

    # given a night shift typed on 9999-12-31, whose end day does not exist
    form = ShiftForm(
        data={
            "user": staff[Role.NURSE].pk, "date": "9999-12-31", "start_time": "19:00",
            "end_time": "07:00", "ends_next_day": "on",
        },
        clinic=clinic,
    )
    # then the date field names the problem
    assert not form.is_valid()
    assert form.errors["date"] == [DATE_OUT_OF_RANGE.format(years=DATE_WINDOW_YEARS)]

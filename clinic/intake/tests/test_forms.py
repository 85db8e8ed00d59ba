import datetime as dt

import pytest
from django.utils import timezone

from clinic.intake.forms import ConvertForm
from clinic.scheduling.forms import DATE_OUT_OF_RANGE, DATE_WINDOW_YEARS

pytestmark = pytest.mark.django_db


def _convert(clinic, day: str, time: str = "23:30") -> ConvertForm:
    return ConvertForm({
        "given_name": "Jordan", "family_name": "Reyes", "date_of_birth": "1980-01-01",
        "sex_at_birth": "unknown", "date": day, "start_time": time,
    }, clinic=clinic)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_convert_form_refuses_an_out_of_range_date_on_the_date_field(clinic, day):
    form = _convert(clinic, day)
    assert not form.is_valid()  # and no OverflowError
    assert form.errors["date"] == [DATE_OUT_OF_RANGE.format(years=DATE_WINDOW_YEARS)]
    assert "start_time" not in form.errors


def test_convert_form_accepts_a_date_within_the_window(clinic):
    tomorrow = timezone.now().astimezone(clinic.tzinfo).date() + dt.timedelta(days=1)
    form = _convert(clinic, tomorrow.isoformat(), "10:00")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["starts_at"].astimezone(clinic.tzinfo).date() == tomorrow

"""Shared validation of the inputs every form and API takes: dates of birth, body sizes (phones are
in clinic/core/phones.py; the two phone names below delegate to it).

Ranges are refusals of the impossible, not clinical judgements; the messages name what is wrong.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.core.phones import DEFAULT_REGION, phone_display, phone_parse

DOB_IN_FUTURE = "Date of birth cannot be in the future."
DOB_TOO_OLD = "Date of birth is more than 120 years ago; check the year."
WEIGHT_RANGE = "Weight must be between 20 and 350 kg."
HEIGHT_RANGE = "Height must be between 100 and 250 cm."

WEIGHT_MIN_KG, WEIGHT_MAX_KG = Decimal("20"), Decimal("350")
HEIGHT_MIN_CM, HEIGHT_MAX_CM = Decimal("100"), Decimal("250")

def normalize_phone(raw: str) -> str:
    """E.164 for a number typed in the default region (US). Prefer `clinic.core.phones`
    (`clinic_phone_parse`), which reads national numbers in the clinic's own region."""
    return phone_parse(raw, region=DEFAULT_REGION)


def format_phone(e164: str) -> str:
    """A stored number shown for the default region (US). Prefer `clinic.core.phones`
    (`clinic_phone_display`, the `phone` template filter)."""
    return phone_display(e164, region=DEFAULT_REGION)


def validate_date_of_birth(value: dt.date, *, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    if value > today:
        raise ValidationError(DOB_IN_FUTURE, code="dob_future")
    if value < today.replace(year=today.year - 120):
        raise ValidationError(DOB_TOO_OLD, code="dob_too_old")


def validate_weight_kg(value: Decimal) -> None:
    if not WEIGHT_MIN_KG <= value <= WEIGHT_MAX_KG:
        raise ValidationError(WEIGHT_RANGE, code="weight_range")


def validate_height_cm(value: Decimal) -> None:
    if not HEIGHT_MIN_CM <= value <= HEIGHT_MAX_CM:
        raise ValidationError(HEIGHT_RANGE, code="height_range")


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    return (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )

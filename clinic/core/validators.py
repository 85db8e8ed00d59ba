"""Shared validation of the inputs every form and API takes: phones, dates of birth, body sizes.

Ranges are refusals of the impossible, not clinical judgements; the messages name what is wrong.
"""

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

PHONE_INVALID = (
    "Enter a phone number with 10 digits (US) or in international form, e.g. +44 20 7946 0958."
)
DOB_IN_FUTURE = "Date of birth cannot be in the future."
DOB_TOO_OLD = "Date of birth is more than 120 years ago; check the year."
WEIGHT_RANGE = "Weight must be between 20 and 350 kg."
HEIGHT_RANGE = "Height must be between 100 and 250 cm."

WEIGHT_MIN_KG, WEIGHT_MAX_KG = Decimal("20"), Decimal("350")
HEIGHT_MIN_CM, HEIGHT_MAX_CM = Decimal("100"), Decimal("250")

_NON_DIGITS = re.compile(r"[^\d+]")


def normalize_phone(raw: str) -> str:
    """Return the phone number in E.164 form (+15551234567), or raise ValidationError.

    Ten digits (or eleven starting with 1) are taken as US/NANP numbers; anything else must start
    with + and a country code and have 8 to 15 digits.
    """
    text = (raw or "").strip()
    if not text:
        return ""
    compact = _NON_DIGITS.sub("", text)
    if compact.count("+") > 1 or ("+" in compact and not compact.startswith("+")):
        raise ValidationError(PHONE_INVALID, code="phone")
    digits = compact.lstrip("+")
    if compact.startswith("+"):
        if not 8 <= len(digits) <= 15 or digits.startswith("0"):
            raise ValidationError(PHONE_INVALID, code="phone")
        if digits.startswith("1") and not _valid_nanp(digits[1:]):
            raise ValidationError(PHONE_INVALID, code="phone")
        return f"+{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10 and _valid_nanp(digits):
        return f"+1{digits}"
    raise ValidationError(PHONE_INVALID, code="phone")


def _valid_nanp(ten_digits: str) -> bool:
    # Area code and exchange cannot start with 0 or 1 in the North American Numbering Plan.
    return len(ten_digits) == 10 and ten_digits[0] not in "01" and ten_digits[3] not in "01"


def format_phone(e164: str) -> str:
    if e164.startswith("+1") and len(e164) == 12:
        return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
    return e164


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

"""Phone numbers: parsed and validated with Google's libphonenumber (`phonenumbers`), stored in E.164
(+442079460958), shown in the clinic's national format ((617) 555-0100) or, for another country's
number, in international format (+44 20 7946 0958). docs/decisions/0006-phone-numbers.md.

The clinic's region (the country its national numbers belong to) is the operational clinic setting
`phone_region` (default "US"). `phone_parse` is the one way a typed number is read; `phone_display`
(and the `phone` template filter in `clinic.core.templatetags.phones`) the one way a stored number
is shown, on pages, PDFs, e-mails, text messages and calendar feeds.
"""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import NumberParseException, PhoneNumberFormat, geocoder

PHONE_REGION = "phone_region"
DEFAULT_REGION = "US"
# Every region libphonenumber knows, for the setting's choices (ISO 3166 codes: US, GB, CA…).
REGIONS = tuple(sorted(phonenumbers.SUPPORTED_REGIONS))

# Shown after the field's label ("Phone: not a valid number for the United States. Enter …"): the
# form field template names the field, so the messages start in lower case.
PHONE_NOT_A_NUMBER = "this is not a phone number. Enter {hint}."
PHONE_NOT_VALID = "not a valid number for {country}. Enter {hint}."
PHONE_UNKNOWN_COUNTRY = "the digits after + are not a country calling code. Enter {hint}."
PHONE_EXTENSION = "enter the number without an extension (note the extension elsewhere)."
HINT = "a {country_short} number as {example}, or another country's number with + and its country code"

# Country names that read with "the" ("not a valid number for the United States").
_WITH_ARTICLE = ("United ", "Netherlands", "Philippines", "Bahamas", "Gambia", "Maldives", "Comoros")
_ARTICLE_ENDINGS = (" Republic", " Islands", " Emirates")


def region_name(region: str) -> str:
    """The country's English name for a region code ("United Kingdom"), or the code itself."""
    example = phonenumbers.example_number(region)
    name = geocoder.country_name_for_number(example, "en") if example else ""
    return name or region


def _country_phrase(region: str) -> str:
    name = region_name(region)
    if name.startswith(_WITH_ARTICLE) or name.endswith(_ARTICLE_ENDINGS):
        return f"the {name}"
    return name


def _short_name(region: str) -> str:
    return {"US": "US", "GB": "UK"}.get(region) or region_name(region)


def phone_help(region: str) -> str:
    """A phone field's help text (the error message adds an example)."""
    return f"A {_short_name(region)} number, or another country's number starting with + and its code."


def phone_hint(region: str) -> str:
    """How to type a number, e.g. "a US number as (201) 555-0123, or another country's number …"."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        example = phonenumbers.example_number(region)
    shown = phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL) if example else "+1 201 555 0123"
    return HINT.format(country_short=_short_name(region), example=shown)


def phone_parse(raw: str | None, *, region: str) -> str:
    """A typed number as E.164 ("" for blank), or ValidationError saying what is wrong.

    A number without + is read as a national number of `region` ("(617) 555-0100" in the US,
    "020 7946 0958" in the UK); with + and a country code it may be any country's, and a national
    trunk prefix written in brackets is understood ("+44 (0)20 7946 0958" → +442079460958).
    """
    text = (raw or "").strip()
    if not text:
        return ""
    hint = phone_hint(region)
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE and text.startswith("+"):
            raise ValidationError(PHONE_UNKNOWN_COUNTRY.format(hint=hint), code="phone") from exc
        raise ValidationError(PHONE_NOT_A_NUMBER.format(hint=hint), code="phone") from exc
    if number.extension:
        raise ValidationError(PHONE_EXTENSION, code="phone")
    if not phonenumbers.is_valid_number(number):
        country = phonenumbers.region_code_for_country_code(number.country_code)
        if country in ("ZZ", "001"):
            country = region
        raise ValidationError(
            PHONE_NOT_VALID.format(country=_country_phrase(country), hint=hint), code="phone"
        )
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def phone_display(stored: str | None, *, region: str) -> str:
    """A stored number as people read it: national format when it belongs to `region`,
    international format otherwise. A value that does not parse (an old record) is shown as it is."""
    text = (stored or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def clinic_phone_region(clinic) -> str:
    """The clinic's `phone_region` setting, read once per Clinic instance (one request, one job)."""
    if clinic is None:
        return DEFAULT_REGION
    cached = getattr(clinic, "_phone_region", None)
    if cached is None:
        # Imported here: the settings registry imports this module for the region list.
        from clinic.core.selectors import clinic_setting_value

        cached = clinic_setting_value(clinic, PHONE_REGION)
        clinic._phone_region = cached
    return cached


def clinic_phone_display(stored: str | None, *, clinic) -> str:
    """`phone_display` in the clinic's region."""
    if not stored:
        return ""
    return phone_display(stored, region=clinic_phone_region(clinic))


def clinic_phone_parse(raw: str | None, *, clinic) -> str:
    """`phone_parse` in the clinic's region."""
    if not (raw or "").strip():
        return ""
    return phone_parse(raw, region=clinic_phone_region(clinic))

"""Phone numbers: parsed to E.164, validated, shown in the clinic's national format (issue 8, point 14)."""

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from clinic.core.clinical_settings import get_definition
from clinic.core.phones import (
    DEFAULT_REGION,
    PHONE_EXTENSION,
    PHONE_NOT_A_NUMBER,
    PHONE_NOT_VALID,
    PHONE_REGION,
    PHONE_UNKNOWN_COUNTRY,
    clinic_phone_display,
    clinic_phone_parse,
    clinic_phone_region,
    phone_display,
    phone_hint,
    phone_parse,
    region_name,
)
from clinic.core.services import clinic_setting_update

US_HINT = phone_hint("US")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        # the UK number written with its trunk 0 in brackets: the 0 is not part of the number
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("+44 20 7946 0958", "+442079460958"),
        ("011 44 20 7946 0958", "+442079460958"),
        # US numbers in the spellings people use
        ("(617) 555-0100", "+16175550100"),
        ("617-555-0100", "+16175550100"),
        ("617.555.0100", "+16175550100"),
        ("617 555 0100", "+16175550100"),
        ("6175550100", "+16175550100"),
        ("1 617 555 0100", "+16175550100"),
        ("1-617-555-0100", "+16175550100"),
        ("+1 (617) 555-0100", "+16175550100"),
        ("  +16175550100  ", "+16175550100"),
        # other countries, with + and their code
        ("+33 1 23 45 67 89", "+33123456789"),
        ("+49 30 901820", "+4930901820"),
        ("", ""),
        (None, ""),
    ],
)
def test_parse_stores_e164(typed, stored):
    assert phone_parse(typed, region="US") == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("555-0100", PHONE_NOT_VALID.format(country="the United States", hint=US_HINT)),  # 7 digits
        ("(617) 555-010", PHONE_NOT_VALID.format(country="the United States", hint=US_HINT)),
        ("(111) 555-0100", PHONE_NOT_VALID.format(country="the United States", hint=US_HINT)),
        ("020 7946 0958", PHONE_NOT_VALID.format(country="the United States", hint=US_HINT)),  # UK, no +
        ("+44 20 7946 095", PHONE_NOT_VALID.format(country="the United Kingdom", hint=US_HINT)),
        ("+33 12", PHONE_NOT_VALID.format(country="France", hint=US_HINT)),
        ("call me", PHONE_NOT_A_NUMBER.format(hint=US_HINT)),
        ("+999 1234 5678", PHONE_UNKNOWN_COUNTRY.format(hint=US_HINT)),
        ("617-555-0100 ext. 12", PHONE_EXTENSION),
    ],
)
def test_parse_refuses_with_a_message_saying_what_is_wrong(typed, message):
    with pytest.raises(ValidationError) as caught:
        phone_parse(typed, region="US")
    assert caught.value.messages == [message]


def test_the_message_for_a_bad_us_number_reads_after_the_field_name():
    with pytest.raises(ValidationError) as caught:
        phone_parse("555-01", region="US")
    assert f"Phone: {caught.value.messages[0]}".startswith(
        "Phone: not a valid number for the United States. Enter a US number as (201) 555-0123, "
        "or another country's number with + and its country code."
    )


def test_a_uk_clinic_reads_national_numbers_as_uk_numbers():
    assert phone_parse("020 7946 0958", region="GB") == "+442079460958"
    with pytest.raises(ValidationError, match="not a valid number for the United Kingdom"):
        phone_parse("(617) 555-0100", region="GB")  # a US number needs its +1 in a UK clinic
    assert phone_parse("+1 617 555 0100", region="GB") == "+16175550100"


@pytest.mark.parametrize(
    ("stored", "region", "shown"),
    [
        ("+16175550100", "US", "(617) 555-0100"),
        ("+18575550129", "US", "(857) 555-0129"),
        ("+442079460958", "US", "+44 20 7946 0958"),  # another country's: international
        ("+33123456789", "US", "+33 1 23 45 67 89"),
        ("+442079460958", "GB", "020 7946 0958"),  # the clinic's own country: national
        ("+16175550100", "GB", "+1 617-555-0100"),
        ("+4402079460958", "US", "+44 20 7946 0958"),  # stored by the old normaliser, still readable
        ("junk", "US", "junk"),  # an old unreadable value is shown as it is, never an error
        ("", "US", ""),
        (None, "US", ""),
    ],
)
def test_display(stored, region, shown):
    assert phone_display(stored, region=region) == shown


def test_region_names_read_in_a_sentence():
    assert region_name("US") == "United States"
    assert region_name("GB") == "United Kingdom"


def test_the_region_is_an_operational_clinic_setting_defaulting_to_the_us(clinic, staff):
    definition = get_definition(PHONE_REGION)
    assert definition.default == DEFAULT_REGION == "US"
    assert "GB" in definition.choices and "US" in definition.choices
    assert clinic_phone_region(clinic) == "US"
    assert clinic_phone_display("+16175550100", clinic=clinic) == "(617) 555-0100"


def test_a_clinic_set_to_the_uk_reads_and_shows_uk_numbers_nationally(clinic, staff, make_user):
    from clinic.accounts.roles import Role

    clinic_setting_update(
        clinic=clinic, key=PHONE_REGION, raw_value="GB", changed_by=staff[Role.ADMIN], reason="London clinic"
    )
    clinic.refresh_from_db()
    assert clinic_phone_parse("020 7946 0958", clinic=clinic) == "+442079460958"
    assert clinic_phone_display("+442079460958", clinic=clinic) == "020 7946 0958"
    assert clinic_phone_display("+16175550100", clinic=clinic) == "+1 617-555-0100"


def test_the_template_filter_uses_the_clinics_region(clinic):
    template = Template(
        "{% load phones %}{{ number|phone:clinic }}|{{ number|phone:'GB' }}|{{ blank|phone }}"
    )
    html = template.render(Context({"number": "+442079460958", "clinic": clinic, "blank": ""}))
    assert html == "+44 20 7946 0958|020 7946 0958|"


def test_the_region_is_read_once_per_clinic_instance(clinic, django_assert_num_queries):
    with django_assert_num_queries(1):
        for _ in range(5):
            clinic_phone_display("+16175550100", clinic=clinic)

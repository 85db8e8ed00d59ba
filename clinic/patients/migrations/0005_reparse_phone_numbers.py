"""Phone numbers stored before libphonenumber validated them, re-read into E.164 where they parse
(e.g. +4402079460958, typed as +44 (0)20 7946 0958, becomes +442079460958). Values that do not
parse as a valid number are left untouched; history rows keep what was stored at the time."""

import phonenumbers
from django.db import migrations


def _reparsed(value):
    """`value` as E.164 if it reads as a valid number with its own +country code, else None.

    A frozen copy of the rule in clinic.core.phones (migrations must not follow app code). The
    numbers stored before were all written with +; anything else is left as it is.
    """
    text = (value or "").strip()
    if not text.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _reparse_model(model, fields):
    for field in fields:
        # A national trunk 0 kept after the country code (+4402079460958) is the usual repair.
        rows = model.objects.exclude(**{field: ""}).values_list("pk", field)
        fixes = []
        for pk, value in rows.iterator(chunk_size=1000):
            fixed = _reparsed(value)
            if fixed and fixed != value:
                fixes.append((pk, fixed))
        # Written after the read, so no row is updated under an open cursor.
        for pk, fixed in fixes:
            model.objects.filter(pk=pk).update(**{field: fixed})


def reparse_phones(apps, schema_editor):
    _reparse_model(apps.get_model("patients", "Patient"), ('phone', 'emergency_contact_phone', 'escort_phone', 'referring_clinician_phone'))


class Migration(migrations.Migration):

    dependencies = [
        ("patients", "0004_fill_patient_name_search_keys"),
    ]

    operations = [
        migrations.RunPython(reparse_phones, migrations.RunPython.noop),
    ]

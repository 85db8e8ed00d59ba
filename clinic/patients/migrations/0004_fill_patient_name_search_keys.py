"""Fill the name search keys of patients stored before 0003 added them."""

import unicodedata

from django.db import migrations


def _key(text):
    # A frozen copy of clinic.patients.models.name_search_key (migrations must not follow app code).
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))[:255]


def fill_search_keys(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    batch = []
    for patient in Patient.objects.only("pk", "given_name", "family_name").iterator(chunk_size=1000):
        patient.given_name_search = _key(patient.given_name)
        patient.family_name_search = _key(patient.family_name)
        batch.append(patient)
        if len(batch) >= 1000:
            Patient.objects.bulk_update(batch, ["given_name_search", "family_name_search"])
            batch = []
    if batch:
        Patient.objects.bulk_update(batch, ["given_name_search", "family_name_search"])


class Migration(migrations.Migration):

    dependencies = [
        ("patients", "0003_patient_name_search_keys"),
    ]

    operations = [
        migrations.RunPython(fill_search_keys, migrations.RunPython.noop),
    ]

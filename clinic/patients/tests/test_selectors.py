import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.patients.body import body_mass_index
from clinic.patients.selectors import (
    body_summary,
    latest_measurement,
    patient_chart,
    patient_history,
    patient_search,
)
from clinic.patients.services import (
    allergy_add,
    allergy_deactivate,
    measurement_record,
    medication_add,
    medication_stop,
    patient_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(clinic, other_clinic, make_patient, staff, make_user):
    desk = staff[Role.FRONT_DESK]
    other_desk = make_user(Role.FRONT_DESK, other_clinic)
    return {
        "smith": make_patient(
            clinic, desk, given_name="Joanna", family_name="Smith", date_of_birth=dt.date(1980, 4, 2)
        ),
        "smithers": make_patient(
            clinic, desk, given_name="Waylon", family_name="Smithers", date_of_birth=dt.date(1975, 1, 9)
        ),
        "jones": make_patient(
            clinic, desk, given_name="Smita", family_name="Jones", date_of_birth=dt.date(1990, 7, 30)
        ),
        "o'neil": make_patient(
            clinic, desk, given_name="Jo", family_name="O'Neil", date_of_birth=dt.date(1980, 4, 2)
        ),
        "elsewhere": make_patient(
            other_clinic,
            other_desk,
            given_name="Joanna",
            family_name="Smith",
            date_of_birth=dt.date(1980, 4, 2),
        ),
    }


def _found(clinic, query):
    return [p.family_name + ", " + p.given_name for p in patient_search(clinic=clinic, query=query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("smi", ["Jones, Smita", "Smith, Joanna", "Smithers, Waylon"]),
        ("SMITH", ["Smith, Joanna", "Smithers, Waylon"]),
        ("Smith, Jo", ["Smith, Joanna"]),
        ("smith,", ["Smith, Joanna", "Smithers, Waylon"]),
        ("Joanna Smith", ["Smith, Joanna"]),
        ("Smith Joanna", ["Smith, Joanna"]),
        ("o'n", ["O'Neil, Jo"]),
        ("1980-04-02", ["Smith, Joanna", "O'Neil, Jo"]),
        ("04/02/1980", ["Smith, Joanna", "O'Neil, Jo"]),
        ("4/2/1980", ["Smith, Joanna", "O'Neil, Jo"]),
        ("02/30/1980", []),
        ("zzz", []),
    ],
)
def test_search_by_each_form(clinic, people, query, expected):
    assert _found(clinic, query) == expected


def test_search_by_record_number_in_each_form(clinic, people):
    number = people["smithers"].record_number  # e.g. MRN-001002
    digits = number.removeprefix("MRN-")
    for query in (number, number.lower(), digits, digits.lstrip("0"), f"MRN {digits}"):
        assert _found(clinic, query) == ["Smithers, Waylon"], query


def test_search_never_crosses_clinics(clinic, other_clinic, people):
    assert _found(other_clinic, "smith") == ["Smith, Joanna"]
    assert list(patient_search(clinic=other_clinic, query="smith")) == [people["elsewhere"]]
    # Record numbers are per clinic: the same number finds this clinic's patient only.
    found = list(patient_search(clinic=clinic, query=people["elsewhere"].record_number))
    assert people["elsewhere"] not in found
    assert all(p.clinic_id == clinic.pk for p in found)


@pytest.mark.parametrize(
    "query", ["Ávila", "avila", "AVILA", "ÉLODIE", "elodie", "Élodie Ávila", "avila, elo", "ávila élodie"]
)
def test_search_ignores_case_and_accents(clinic, people, make_patient, staff, query):
    make_patient(clinic, staff[Role.FRONT_DESK], given_name="Élodie", family_name="Ávila")
    assert _found(clinic, query) == ["Ávila, Élodie"]


def test_search_keys_follow_a_name_change(clinic, people, staff):
    patient_update(patient=people["jones"], updated_by=staff[Role.FRONT_DESK], family_name="Núñez")
    assert _found(clinic, "nunez") == ["Núñez, Smita"]
    assert _found(clinic, "jones") == []


def test_search_of_only_combining_marks_finds_nobody(clinic, people):
    assert _found(clinic, "\u0301") == []


def test_empty_search_lists_everyone_by_name(clinic, people):
    assert _found(clinic, "  ") == ["Jones, Smita", "O'Neil, Jo", "Smith, Joanna", "Smithers, Waylon"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="query plan text is SQLite's")
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("smi", "patient_clinic_sfamily_idx"),
        ("smi", "patient_clinic_sgiven_idx"),
        ("1980-04-02", "patients_pa_clinic__75bae6_idx"),
        ("MRN-001001", "sqlite_autoindex"),
    ],
)
def test_search_uses_an_index(clinic, people, query, index):
    sql, params = patient_search(clinic=clinic, query=query).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row[3]) for row in cursor.fetchall())
    assert index in plan
    assert "SCAN patients_patient" not in plan


def test_body_summary_combines_latest_weight_and_height(patient, staff):
    nurse = staff[Role.NURSE]
    now = timezone.now()
    measurement_record(
        patient=patient,
        recorded_by=nurse,
        measured_at=now - dt.timedelta(days=30),
        height_cm=Decimal("180.0"),
        weight_kg=Decimal("90.0"),
    )
    measurement_record(
        patient=patient, recorded_by=nurse, measured_at=now - dt.timedelta(days=1), weight_kg=Decimal("81.0")
    )

    summary = body_summary(patient=patient)

    assert (summary.weight_kg, summary.height_cm) == (Decimal("81.0"), Decimal("180.0"))
    assert summary.bmi == Decimal("25.0")
    assert latest_measurement(patient=patient).weight_kg == Decimal("81.0")
    assert latest_measurement(patient=patient, with_height=True).height_cm == Decimal("180.0")


def test_bmi_arithmetic():
    assert body_mass_index(weight_kg=Decimal("70"), height_cm=Decimal("175")) == Decimal("22.9")
    assert body_mass_index(weight_kg=Decimal("72.5"), height_cm=Decimal("168")) == Decimal("25.7")
    with pytest.raises(ValueError):
        body_mass_index(weight_kg=Decimal("0"), height_cm=Decimal("170"))


def test_chart_lists(full_chart, staff):
    nurse = staff[Role.NURSE]
    old = medication_add(
        patient=full_chart,
        recorded_by=nurse,
        name="Zolpidem",
        drug_class="z_drug",
        started_on=dt.date(2020, 1, 1),
    )
    medication_stop(medication=old, stopped_by=nurse, stopped_on=dt.date(2021, 1, 1))
    allergy_deactivate(
        allergy=allergy_add(patient=full_chart, recorded_by=nurse, substance="Adhesive tape"),
        changed_by=nurse,
    )

    chart = patient_chart(patient=full_chart)

    assert [m.name for m in chart.medications_current] == ["Sertraline"]
    assert [m.name for m in chart.medications_past] == ["Zolpidem"]
    assert [a.substance for a in chart.allergies] == ["Penicillin"]
    assert [a.substance for a in chart.allergies_inactive] == ["Adhesive tape"]
    assert [d.icd10_code for d in chart.diagnoses] == ["F33.2"]
    assert chart.body.bmi == Decimal("22.9")
    assert chart.age >= 44


def test_history_shows_who_changed_which_field_from_what_to_what(patient, staff):
    desk = staff[Role.FRONT_DESK]
    patient_update(patient=patient, updated_by=desk, city="Boston", escort_name="Sam Rivera")
    allergy = allergy_add(patient=patient, recorded_by=staff[Role.NURSE], substance="Latex")
    allergy_deactivate(allergy=allergy, changed_by=staff[Role.NURSE])

    history = patient_history(patient=patient)

    newest = history[0]
    assert (newest.record, newest.action, newest.user) == ("Allergy: Latex", "changed", staff[Role.NURSE])
    assert [(c.label, c.old, c.new) for c in newest.changes] == [("Is active", "Yes", "No")]
    update = next(h for h in history if h.record == "Patient details" and h.action == "changed")
    assert update.user == desk
    assert {(c.label, c.old, c.new) for c in update.changes} == {
        ("City", "—", "Boston"),
        ("Escort name", "—", "Sam Rivera"),
    }
    created = history[-1]
    assert created.action == "created"
    assert ("Given name", "", patient.given_name) in {(c.label, c.old, c.new) for c in created.changes}


def test_history_shows_phones_and_weights_as_every_other_page_does(patient, staff):
    # given a changed phone number and a recorded weight
    patient_update(patient=patient, updated_by=staff[Role.FRONT_DESK], phone="(617) 555-0142")
    measurement_record(
        patient=patient, recorded_by=staff[Role.NURSE], measured_at=timezone.now(), weight_kg=Decimal("70.0")
    )

    # when the history is read
    history = patient_history(patient=patient)

    # then the phone reads in the clinic's national format and the weight by its display rule
    changes = {(c.label, c.old, c.new) for h in history for c in h.changes}
    assert ("Phone", "(617) 555-0100", "(617) 555-0142") in changes
    assert ("Weight (kg)", "", "70 kg") in changes

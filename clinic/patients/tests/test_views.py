import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.validators import DOB_IN_FUTURE, WEIGHT_RANGE
from clinic.patients.forms import ICD10_CHOOSE, POSTAL_CODE_INVALID
from clinic.patients.models import Allergy, BodyMeasurement, Diagnosis, Patient
from clinic.patients.services import (
    CHART_HISTORY_OPENED,
    DATE_BEFORE_BIRTH,
    MEASUREMENT_EMPTY,
    WEIGHT_CHANGE_UNCONFIRMED,
    allergy_add,
    diagnosis_add,
    measurement_record,
    medication_add,
)
from clinic.patients.views import SEARCH_SESSION_KEY

pytestmark = pytest.mark.django_db

VIEW, EDIT, CLINICAL = "view", "edit", "clinical"
# Which roles may do what on the patients pages (accounts.roles.ROLE_PERMISSIONS, spelled out).
ALLOWED = {
    VIEW: {Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK},
    EDIT: {Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK},
    CLINICAL: {Role.PHYSICIAN, Role.NURSE},
}
ALL_ROLES = [Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK, Role.PATIENT]


@pytest.fixture
def users(staff, patient_user):
    return {**staff, Role.PATIENT: patient_user}


@pytest.fixture
def records(full_chart):
    return {
        "diagnosis": Diagnosis.objects.get(patient=full_chart),
        "medication": full_chart.medications.get(),
        "allergy": Allergy.objects.get(patient=full_chart),
    }


def _pages(patient, records):
    """(url name, kwargs, method, need) for every patients URL."""
    p = {"patient_id": patient.pk}
    return [
        ("list", {}, "get", VIEW),
        ("register", {}, "get", EDIT),
        ("chart", p, "get", VIEW),
        ("edit", p, "get", EDIT),
        ("history", p, "get", VIEW),
        ("measurement_add", p, "get", CLINICAL),
        ("diagnosis_add", p, "get", CLINICAL),
        ("medication_add", p, "get", CLINICAL),
        ("allergy_add", p, "get", CLINICAL),
        ("medication_stop", {**p, "medication_id": records["medication"].pk}, "get", CLINICAL),
        ("diagnosis_status", {**p, "diagnosis_id": records["diagnosis"].pk}, "post", CLINICAL),
        ("allergy_deactivate", {**p, "allergy_id": records["allergy"].pk}, "post", CLINICAL),
    ]


def test_every_patients_url_is_in_the_matrix(full_chart, records):
    from clinic.patients import urls

    assert {name for name, *_ in _pages(full_chart, records)} == {
        p.name for p in urls.urlpatterns
    }


@pytest.mark.parametrize("role", ALL_ROLES)
def test_permissions_matrix(role, users, full_chart, records, client_for):
    client = client_for(users[role])
    for name, kwargs, method, need in _pages(full_chart, records):
        url = reverse(f"patients:{name}", kwargs=kwargs)
        data = {"status": "resolved"} if name == "diagnosis_status" else {}
        response = getattr(client, method)(url, data)
        allowed = 302 if method == "post" else 200
        expected = allowed if role in ALLOWED[need] else 403
        assert response.status_code == expected, (role, name, response.status_code)


def test_front_desk_cannot_add_clinical_records(staff, patient, client_for):
    client = client_for(staff[Role.FRONT_DESK])
    url = reverse("patients:allergy_add", kwargs={"patient_id": patient.pk})
    response = client.post(url, {"substance": "Latex", "severity": "mild"})
    assert response.status_code == 403
    assert not Allergy.objects.exists()


def test_signed_out_visitor_is_sent_to_sign_in(full_chart, records, client):
    for name, kwargs, method, _ in _pages(full_chart, records):
        response = getattr(client, method)(reverse(f"patients:{name}", kwargs=kwargs))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login"))


def test_other_clinics_patient_is_not_found(other_clinic, make_user, make_patient, staff,
                                            client_for):
    # given a patient with records at another clinic
    other_nurse = make_user(Role.NURSE, other_clinic)
    stranger = make_patient(other_clinic, other_nurse)
    records = {
        "diagnosis": diagnosis_add(patient=stranger, noted_by=other_nurse, icd10_code="F41.1"),
        "medication": medication_add(patient=stranger, recorded_by=other_nurse, name="Lithium"),
        "allergy": allergy_add(patient=stranger, recorded_by=other_nurse, substance="Latex"),
    }
    client = client_for(staff[Role.NURSE])
    # when a nurse of this clinic opens any of its pages, then each is 404
    for name, kwargs, method, _ in _pages(stranger, records):
        if not kwargs:
            continue
        response = getattr(client, method)(reverse(f"patients:{name}", kwargs=kwargs))
        assert response.status_code == 404, name
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_opening_the_chart_is_audited_once_per_page_load(staff, patient, client_for):
    client = client_for(staff[Role.NURSE])
    url = reverse("patients:chart", kwargs={"patient_id": patient.pk})

    client.get(url)
    for section in ("timeline", "allergies", "measurements"):
        response = client.get(url, {"section": section}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert b"<html" not in response.content

    views = AuditEvent.objects.filter(action=AuditAction.VIEW)
    assert views.count() == 1
    event = views.get()
    assert (event.patient_id, event.actor_id, event.summary) == (
        patient.pk, staff[Role.NURSE].pk, "Chart opened"
    )


def test_unknown_htmx_section_is_404(staff, patient, client_for):
    url = reverse("patients:chart", kwargs={"patient_id": patient.pk})
    response = client_for(staff[Role.NURSE]).get(url, {"section": "x"},
                                                  headers={"HX-Request": "true"})
    assert response.status_code == 404


def test_chart_shows_header_bmi_allergies_and_contacts(staff, full_chart, client_for):
    from clinic.patients.services import patient_update

    patient_update(patient=full_chart, updated_by=staff[Role.FRONT_DESK],
                   escort_name="Sam Rivera", escort_phone="6175550199",
                   referring_clinician_name="Dr. Lee", emergency_contact_name="Kim Byron")
    response = client_for(staff[Role.NURSE]).get(
        reverse("patients:chart", kwargs={"patient_id": full_chart.pk})
    )
    html = response.content.decode()
    assert full_chart.record_number in html
    assert "22.9 kg/m²" in html
    assert "70 kg" in html and "175 cm" in html
    assert "Penicillin" in html and "No known allergies recorded" not in html
    assert "Sam Rivera" in html and "(617) 555-0199" in html
    assert "Dr. Lee" in html and "Kim Byron" in html
    assert "SSRI" in html and "F33.2" in html


def test_chart_without_allergies_says_so(staff, patient, client_for):
    response = client_for(staff[Role.NURSE]).get(
        reverse("patients:chart", kwargs={"patient_id": patient.pk})
    )
    assert "No known allergies recorded" in response.content.decode()


def test_front_desk_sees_no_clinical_add_buttons(staff, patient, client_for):
    html = client_for(staff[Role.FRONT_DESK]).get(
        reverse("patients:chart", kwargs={"patient_id": patient.pk})
    ).content.decode()
    assert reverse("patients:allergy_add", kwargs={"patient_id": patient.pk}) not in html
    assert reverse("patients:edit", kwargs={"patient_id": patient.pk}) in html


def _registration(**overrides):
    data = {
        "submission_key": str(uuid.uuid4()), "given_name": "Rosa", "family_name": "Parks",
        "date_of_birth": "1979-02-04", "sex_at_birth": "female", "phone": "617-555-0142",
        "email": "rosa@example.com", "state": "ma", "postal_code": "02139",
        "escort_name": "Ray Parks", "escort_phone": "+1 (617) 555 0143",
        "referring_clinician_name": "Dr. Okafor", "referring_clinician_email": "ok@example.org",
    }
    data.update(overrides)
    return data


def test_register_creates_patient_and_opens_the_chart(staff, client_for):
    client = client_for(staff[Role.FRONT_DESK])
    response = client.post(reverse("patients:register"), _registration())

    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:chart", kwargs={"patient_id": patient.pk})
    assert (patient.phone, patient.escort_phone, patient.state) == (
        "+16175550142", "+16175550143", "MA"
    )


def test_register_stores_a_uk_number_in_e164_and_the_edit_form_shows_it_readably(staff, client_for):
    # given a UK number written with its trunk 0 in brackets
    client = client_for(staff[Role.FRONT_DESK])
    client.post(reverse("patients:register"), _registration(emergency_contact_phone="+44 (0)20 7946 0958"))
    # then it is stored in E.164, and the edit form offers both numbers as people write them
    patient = Patient.objects.get()
    assert patient.emergency_contact_phone == "+442079460958"
    form = client.get(reverse("patients:edit", kwargs={"patient_id": patient.pk})).context["form"]
    assert form["emergency_contact_phone"].value() == "+44 20 7946 0958"
    assert form["phone"].value() == "(617) 555-0142"


def test_register_double_submit_creates_one_patient(staff, client_for):
    client = client_for(staff[Role.FRONT_DESK])
    data = _registration()
    first = client.post(reverse("patients:register"), data)
    second = client.post(reverse("patients:register"), data)
    assert Patient.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"date_of_birth": (dt.date.today() + dt.timedelta(days=1)).isoformat()},
         "Date of birth", DOB_IN_FUTURE),
        ({"phone": "555-01"}, "Mobile phone", "not a valid number for the United States"),
        ({"escort_phone": "0044 12"}, "Phone", "not a valid number for the United States"),
        ({"email": "rosa@"}, "E-mail", "Enter a valid email address."),
        ({"postal_code": "2139"}, "ZIP code", POSTAL_CODE_INVALID),
    ],
)
def test_register_refuses_bad_input_with_a_field_message(staff, client_for, overrides, field,
                                                          message):
    response = client_for(staff[Role.FRONT_DESK]).post(reverse("patients:register"),
                                                       _registration(**overrides))
    assert response.status_code == 200
    assert f"{field}: {message}" in response.content.decode()
    assert not Patient.objects.exists()


def test_edit_saves_and_is_audited(staff, patient, client_for):
    client = client_for(staff[Role.FRONT_DESK])
    url = reverse("patients:edit", kwargs={"patient_id": patient.pk})
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(city="Cambridge", date_of_birth="1980-01-01")

    response = client.post(url, data)

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.city == "Cambridge"
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("seq")
    assert event.changes["diff"] == {"city": ["", "Cambridge"]}


def test_measurement_form(staff, patient, client_for):
    client = client_for(staff[Role.NURSE])
    url = reverse("patients:measurement_add", kwargs={"patient_id": patient.pk})
    now = timezone.localtime(timezone.now(), patient.clinic.tzinfo)
    when = (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")

    too_heavy = client.post(url, {"measured_at": when, "weight_kg": "351"})
    empty = client.post(url, {"measured_at": when})
    assert f"Weight (kg): {WEIGHT_RANGE}" in too_heavy.content.decode()
    assert MEASUREMENT_EMPTY in empty.content.decode()
    assert not BodyMeasurement.objects.exists()

    key = str(uuid.uuid4())
    for _ in range(2):
        response = client.post(url, {"measured_at": when, "weight_kg": "64.2",
                                     "height_cm": "160", "submission_key": key})
        assert response.status_code == 302
    measurement = BodyMeasurement.objects.get()
    assert measurement.weight_kg == Decimal("64.2")
    assert measurement.recorded_by == staff[Role.NURSE]


def test_measurement_form_asks_to_confirm_a_weight_far_from_the_last(staff, patient, client_for):
    nurse = staff[Role.NURSE]
    last = measurement_record(
        patient=patient, recorded_by=nurse, measured_at=timezone.now() - dt.timedelta(days=1),
        weight_kg=Decimal("70"),
    )
    client = client_for(nurse)
    url = reverse("patients:measurement_add", kwargs={"patient_id": patient.pk})
    now = timezone.localtime(timezone.now(), patient.clinic.tzinfo)
    when = (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(url, {"measured_at": when, "weight_kg": "154"})

    assert response.status_code == 200
    date = last.measured_at.astimezone(patient.clinic.tzinfo).date().isoformat()
    assert response.context["form"].errors["weight_kg"] == [WEIGHT_CHANGE_UNCONFIRMED.format(
        new="154 kg", previous="70 kg", date=date, percent=10,
    )]
    assert "Confirm this weight" in response.content.decode()
    assert BodyMeasurement.objects.count() == 1

    response = client.post(
        url, {"measured_at": when, "weight_kg": "154", "confirm_weight_change": "on"}
    )
    assert response.status_code == 302
    measurement = BodyMeasurement.objects.exclude(pk=last.pk).get()
    assert measurement.weight_kg == Decimal("154.0")
    event = AuditEvent.objects.get(object_type="patients.BodyMeasurement", object_id=str(measurement.pk))
    assert event.changes["extra"]["confirm_weight_change"] is True


def test_diagnosis_form_refuses_unknown_code(staff, patient, client_for):
    client = client_for(staff[Role.PHYSICIAN])
    url = reverse("patients:diagnosis_add", kwargs={"patient_id": patient.pk})
    response = client.post(url, {"icd10_code": "F99", "status": "active"})
    assert ICD10_CHOOSE in response.content.decode()
    response = client.post(url, {"icd10_code": "F43.12", "status": "active"})
    assert response.status_code == 302
    assert Diagnosis.objects.get().description == "Post-traumatic stress disorder, chronic"


def test_clinical_forms_show_dates_before_birth_on_the_field(staff, patient, client_for):
    client = client_for(staff[Role.PHYSICIAN])
    born = patient.date_of_birth.isoformat()
    for name, data, field, label in (
        ("diagnosis_add", {"icd10_code": "F43.12", "status": "active", "onset_date": "0001-01-01"},
         "onset_date", "The onset date"),
        ("measurement_add", {"measured_at": "1900-01-01T10:00", "weight_kg": "70"},
         "measured_at", "The time of measurement"),
        ("medication_add", {"name": "Ativan", "started_on": "0001-01-01"},
         "started_on", "The start date"),
    ):
        url = reverse(f"patients:{name}", kwargs={"patient_id": patient.pk})
        response = client.post(url, data)
        assert response.status_code == 200, name
        assert response.context["form"].errors[field] == [
            DATE_BEFORE_BIRTH.format(label=label, date_of_birth=born)
        ]
    assert not Diagnosis.objects.exists() and not BodyMeasurement.objects.exists()


def test_medication_add_and_stop(staff, patient, client_for):
    client = client_for(staff[Role.PHYSICIAN])
    response = client.post(
        reverse("patients:medication_add", kwargs={"patient_id": patient.pk}),
        {"name": "Clonazepam", "dose": "0.5 mg", "frequency": "twice daily",
         "drug_class": "benzodiazepine", "started_on": "2024-01-02"},
    )
    assert response.status_code == 302
    medication = patient.medications.get()
    stop_url = reverse("patients:medication_stop",
                       kwargs={"patient_id": patient.pk, "medication_id": medication.pk})
    assert client.post(stop_url, {"stopped_on": "2023-12-01"}).status_code == 200  # before start
    assert client.post(stop_url, {"stopped_on": "2024-06-01"}).status_code == 302
    medication.refresh_from_db()
    assert medication.stopped_on == dt.date(2024, 6, 1)


def test_allergy_add_and_deactivate(staff, patient, client_for):
    client = client_for(staff[Role.NURSE])
    client.post(reverse("patients:allergy_add", kwargs={"patient_id": patient.pk}),
                {"substance": "Morphine", "reaction": "itching", "severity": "mild"})
    allergy = Allergy.objects.get()
    client.post(reverse("patients:allergy_deactivate",
                        kwargs={"patient_id": patient.pk, "allergy_id": allergy.pk}))
    allergy.refresh_from_db()
    assert not allergy.is_active


def test_search_keeps_the_query_out_of_the_url(staff, make_patient, client_for):
    desk = staff[Role.FRONT_DESK]
    make_patient(desk.memberships.get().clinic, desk, given_name="Nadia", family_name="Quill")
    client = client_for(desk)

    response = client.post(reverse("patients:list"), {"q": "quill"})

    assert response.status_code == 302
    assert "quill" not in response["Location"].lower()
    page = client.get(response["Location"])
    assert "Quill, Nadia" in page.content.decode()
    assert client.session[SEARCH_SESSION_KEY] == "quill"
    # htmx live search answers with the results fragment only
    fragment = client.post(reverse("patients:list"), {"q": "zzz"}, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content and b"No patient matches" in fragment.content
    # coming back to the list clears the search
    client.get(reverse("patients:list"))
    assert SEARCH_SESSION_KEY not in client.session


def test_history_page(staff, full_chart, client_for):
    response = client_for(staff[Role.ADMIN]).get(
        reverse("patients:history", kwargs={"patient_id": full_chart.pk})
    )
    html = response.content.decode()
    assert "Allergy: Penicillin" in html and "Diagnosis F33.2" in html
    assert staff[Role.NURSE].signature_name in html


def test_opening_the_history_is_audited_as_a_chart_view(staff, full_chart, client_for):
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()
    client_for(staff[Role.ADMIN]).get(
        reverse("patients:history", kwargs={"patient_id": full_chart.pk})
    )
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert (event.patient_id, event.actor_id, event.summary) == (
        full_chart.pk, staff[Role.ADMIN].pk, CHART_HISTORY_OPENED
    )


def test_list_query_count_does_not_grow(staff, make_patient, client_for,
                                        django_assert_max_num_queries):
    desk = staff[Role.FRONT_DESK]
    clinic = desk.memberships.get().clinic
    for _ in range(30):
        make_patient(clinic, desk)
    client = client_for(desk)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("patients:list"))
    assert response.status_code == 200
    assert len(response.context["page_obj"]) == 25


def test_chart_query_count_does_not_grow(staff, full_chart, client_for,
                                         django_assert_max_num_queries):
    # given many records of every kind
    nurse, physician = staff[Role.NURSE], staff[Role.PHYSICIAN]
    for hours in range(1, 31):
        measurement_record(patient=full_chart, recorded_by=nurse,
                           measured_at=timezone.now() - dt.timedelta(hours=hours + 1),
                           weight_kg=Decimal("70") + Decimal(hours) / 10)
    for code in ("F41.1", "F43.12", "R45.851", "G89.4", "M79.7"):
        diagnosis_add(patient=full_chart, noted_by=physician, icd10_code=code)
    for n in range(8):
        medication_add(patient=full_chart, recorded_by=physician, name=f"Drug {n}",
                       drug_class="other")
        allergy_add(patient=full_chart, recorded_by=nurse, substance=f"Substance {n}")
    client = client_for(nurse)
    url = reverse("patients:chart", kwargs={"patient_id": full_chart.pk})
    client.get(url)  # the first request of a session also saves the active clinic in it
    # when the chart opens, then the queries stay within budget
    with django_assert_max_num_queries(25):
        response = client.get(url)
    assert response.status_code == 200

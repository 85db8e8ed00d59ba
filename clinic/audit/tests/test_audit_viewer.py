import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.clinical_settings import get_definition
from clinic.core.services import clinic_setting_update
from clinic.patients.services import patient_chart_opened, patient_update

pytestmark = pytest.mark.django_db


def test_admin_filters_events_by_patient_record_number(clinic, staff, make_patient, client_for):
    # given two patients with activity
    first = make_patient(clinic, staff[Role.FRONT_DESK])
    second = make_patient(clinic, staff[Role.FRONT_DESK])
    patient_chart_opened(patient=first, opened_by=staff[Role.NURSE])
    patient_update(patient=second, updated_by=staff[Role.FRONT_DESK], city="Salem")
    # when the admin filters by the first patient's record number
    response = client_for(staff[Role.ADMIN]).get("/audit/", {"record_number": first.record_number})
    # then only that patient's events are listed
    assert response.status_code == 200
    listed = list(response.context["page_obj"])
    assert listed and all(event.patient_id == first.pk for event in listed)
    assert {event.action for event in listed} == {AuditAction.CREATE, AuditAction.VIEW}


def test_filters_by_user_action_and_dates(clinic, staff, patient, client_for):
    nurse = staff[Role.NURSE]
    patient_chart_opened(patient=patient, opened_by=nurse)
    client = client_for(staff[Role.ADMIN])
    response = client.get("/audit/", {"user": nurse.pk, "action": "view"})
    listed = list(response.context["page_obj"])
    assert [(e.actor_id, e.action) for e in listed] == [(nurse.pk, "view")]
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    response = client.get("/audit/", {"date_from": tomorrow.isoformat()})
    assert list(response.context["page_obj"]) == []


def test_unknown_record_number_and_reversed_dates_are_field_errors(clinic, staff, client_for):
    client = client_for(staff[Role.ADMIN])
    response = client.get("/audit/", {"record_number": "MRN-999999"})
    assert "No patient with that record number" in response.content.decode()
    response = client.get("/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert "end date must be on or after" in response.content.decode()


def test_viewer_is_scoped_to_the_active_clinic(
    clinic, other_clinic, staff, make_user, make_patient, client_for
):
    other_admin = make_user(Role.ADMIN, other_clinic)
    foreign = make_patient(other_clinic, other_admin)
    response = client_for(staff[Role.ADMIN]).get("/audit/")
    assert all(event.clinic_id == clinic.pk for event in response.context["page_obj"])
    foreign_event = AuditEvent.objects.filter(patient_id=foreign.pk).first()
    assert client_for(staff[Role.ADMIN]).get(f"/audit/{foreign_event.pk}/").status_code == 404


def test_detail_shows_changed_fields(clinic, staff, patient, client_for):
    patient_update(patient=patient, updated_by=staff[Role.FRONT_DESK], city="Salem")
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("seq")
    body = client_for(staff[Role.ADMIN]).get(f"/audit/{event.pk}/").content.decode()
    assert "Salem" in body and "City" in body


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK])
def test_only_administrators_see_the_audit_trail(clinic, staff, client_for, role):
    assert client_for(staff[role]).get("/audit/").status_code == 403


def test_list_query_count_does_not_grow_with_events(
    clinic, staff, patient, client_for, django_assert_max_num_queries
):
    for _ in range(30):
        patient_chart_opened(patient=patient, opened_by=staff[Role.NURSE])
    client = client_for(staff[Role.ADMIN])
    with django_assert_max_num_queries(15):
        client.get("/audit/")


# --- what a record is, in words ---------------------------------------------------------------------

INTERNAL = re.compile(r"\b[a-z_]+\.[A-Z][A-Za-z]+\b|manage\.py|\w+\.py\b")


def test_the_list_names_records_in_words_not_model_labels(clinic, staff, patient, client_for):
    # given a patient's chart opened and an operational setting changed
    patient_chart_opened(patient=patient, opened_by=staff[Role.NURSE])
    setting = clinic_setting_update(
        clinic=clinic,
        key="consultation_length_minutes",
        raw_value="45",
        changed_by=staff[Role.ADMIN],
        reason="Shorter slots",
    )
    # when the administrator opens the audit trail
    html = client_for(staff[Role.ADMIN]).get("/audit/").content.decode()
    text = re.sub(r"<[^>]+>", " ", html)
    # then each record reads as what it is, and the integrity check is described, not a command
    assert f"Patient #{patient.pk}" in text
    assert "Clinic setting: " + get_definition("consultation_length_minutes").label in text
    assert not INTERNAL.search(text), INTERNAL.findall(text)
    assert "integrity check reports the first altered or missing record" in text
    assert f"core.ClinicSetting {setting.pk}" not in text


def test_the_detail_shows_field_names_in_words(clinic, staff, patient, client_for):
    patient_update(patient=patient, updated_by=staff[Role.FRONT_DESK], city="Salem", family_name="Okafor-Lee")
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("seq")
    html = client_for(staff[Role.ADMIN]).get(f"/audit/{event.pk}/").content.decode()
    assert "<td>Family name</td>" in html and "<td>City</td>" in html
    assert "family_name" not in html
    assert f"Patient #{patient.pk}" in html and "patients.Patient" not in html


def test_setting_names_cost_one_query_per_page_whatever_the_number_of_changes(
    clinic, staff, client_for, django_assert_num_queries
):
    client = client_for(staff[Role.ADMIN])
    clinic_setting_update(
        clinic=clinic,
        key="consultation_length_minutes",
        raw_value="45",
        changed_by=staff[Role.ADMIN],
        reason="a",
    )
    client.get("/audit/")  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        client.get("/audit/")
    for minutes in (50, 55, 40):
        clinic_setting_update(
            clinic=clinic,
            key="consultation_length_minutes",
            raw_value=str(minutes),
            changed_by=staff[Role.ADMIN],
            reason="b",
        )
    with django_assert_num_queries(len(one.captured_queries)):
        client.get("/audit/")

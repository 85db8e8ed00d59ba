import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.accounts.services import user_create
from clinic.patients.services import patient_link_portal_user
from clinic.scheduling.models import AppointmentKind, AppointmentStatus
from clinic.scheduling.services import appointment_book

pytestmark = pytest.mark.django_db

PORTAL = "/portal/"


@pytest.fixture
def patient_user(clinic, patient, staff):
    user = user_create(username="portal-user", password="correct-horse-battery-staple",
                       clinic=clinic, role=Role.PATIENT)
    patient_link_portal_user(patient=patient, user=user, linked_by=staff[Role.FRONT_DESK])
    return user


def _book(patient, booked_by, *, days: float, **kwargs):
    start = timezone.now() + dt.timedelta(days=days)
    return appointment_book(patient=patient, kind=kwargs.pop("kind", AppointmentKind.MOOD_INFUSION),
                            starts_at=start, ends_at=start + dt.timedelta(hours=2),
                            booked_by=booked_by, **kwargs)


def test_url_name():
    assert reverse("portal:home") == PORTAL


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK])
def test_staff_get_403(role, staff, client_for):
    assert client_for(staff[role]).get(PORTAL).status_code == 403


def test_signed_out_visitor_is_sent_to_sign_in(client, db):
    response = client.get(PORTAL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_patient_sees_own_upcoming_appointments_clinic_phone_and_crisis_lines(
    clinic, patient, patient_user, staff, make_patient, client_for
):
    # given the patient's own past, cancelled and future appointments, and someone else's
    clinic.phone = "+16175550000"
    clinic.save()
    desk = staff[Role.FRONT_DESK]
    _book(patient, desk, days=-3, kind=AppointmentKind.CONSULTATION)
    cancelled = _book(patient, desk, days=2, kind=AppointmentKind.BOOSTER)
    cancelled.status = AppointmentStatus.CANCELLED
    cancelled.save()
    _book(patient, desk, days=5, kind=AppointmentKind.MOOD_INFUSION)
    someone_else = make_patient(clinic, desk, given_name="Other", family_name="Person")
    _book(someone_else, desk, days=4, kind=AppointmentKind.PAIN_INFUSION)

    # when the patient opens the portal
    response = client_for(patient_user).get(PORTAL)

    # then they see only their own future, non-cancelled visit, the clinic phone and 988/911
    html = response.content.decode()
    assert response.status_code == 200
    assert patient.family_name in html
    assert [a.kind for a in response.context["appointments"]] == [AppointmentKind.MOOD_INFUSION]
    assert "Pain infusion" not in html and "Booster" not in html and "Consultation" not in html
    assert "Other" not in html and "Person" not in html
    assert "(617) 555-0000" in html
    assert 'href="tel:988"' in html and 'href="tel:911"' in html


def test_unlinked_patient_account_is_told_to_call(clinic, client_for):
    user = user_create(username="unlinked", password=None, clinic=clinic, role=Role.PATIENT)
    response = client_for(user).get(PORTAL)
    assert response.status_code == 200
    assert "not linked to a patient record" in response.content.decode()
    assert response.context["appointments"] == []


def test_patient_gets_403_on_staff_pages(patient, patient_user, client_for):
    client = client_for(patient_user)
    for url in (reverse("patients:list"), reverse("patients:register"),
                reverse("patients:chart", kwargs={"patient_id": patient.pk}),
                reverse("patients:history", kwargs={"patient_id": patient.pk})):
        assert client.get(url).status_code == 403, url


def test_portal_query_count(patient, patient_user, staff, client_for,
                            django_assert_max_num_queries):
    for day in range(1, 10):
        _book(patient, staff[Role.FRONT_DESK], days=day)
    client = client_for(patient_user)
    client.get(PORTAL)
    with django_assert_max_num_queries(8):
        assert client.get(PORTAL).status_code == 200

"""One phone number, one format, everywhere it is shown: the chart, the discharge record, the
patient's calendar feed, the after-visit summary PDF and the reminder e-mail (issue 8, point 14)."""

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from clinic.accounts.roles import Role
from clinic.board.tests.builders import make_chair, make_session
from clinic.patients.services import patient_update
from clinic.reminders.content import reminder_email
from clinic.reminders.selectors import preparation_rules, visit_for_appointment
from clinic.scheduling.services import calendar_feed_token_create

# The driver's number the infusion-day builder discharges with ("617-555-0142").
NUMBER = "+16175550142"
NATIONAL = "(617) 555-0142"


def visible(html: str) -> str:
    """The page without its tel: links (which rightly carry E.164) and with its tags removed."""
    return re.sub(r"<[^>]+>", " ", re.sub(r'href="tel:[^"]*"', "", html))


def unfolded(ics: str) -> str:
    return ics.replace("\r\n ", "").replace("\\,", ",")


@pytest.fixture
def discharged(clinic, staff, make_patient):
    # given a clinic, a patient and her driver who all have the same number, typed three ways
    clinic.phone = NUMBER
    clinic.save()
    patient = make_patient(clinic, staff[Role.FRONT_DESK], phone="617.555.0142", escort_phone=NUMBER)
    return make_session(patient, staff, make_chair(clinic, staff, "Chair 1"), "discharged")


def test_one_number_reads_the_same_on_every_page_document_feed_and_message(
    clinic, staff, discharged, client_for
):
    patient = discharged.patient
    nurse = client_for(staff[Role.NURSE])
    assert patient.phone == patient.escort_phone == discharged.driver_phone == NUMBER  # stored E.164

    # when each place that shows it is opened
    chart = visible(nurse.get(reverse("patients:chart", kwargs={"patient_id": patient.pk})).content.decode())
    session_page = visible(nurse.get(reverse("infusions:session", args=[discharged.pk])).content.decode())
    pdf = PdfReader(io.BytesIO(nurse.get(reverse("documents:summary_pdf", args=[discharged.pk])).content))
    summary = "\n".join(page.extract_text() for page in pdf.pages)
    _, raw = calendar_feed_token_create(clinic=clinic, created_by=staff[Role.FRONT_DESK], patient=patient)
    feed = unfolded(Client().get(reverse("scheduling:feed", args=[raw])).content.decode())
    visit = visit_for_appointment(appointment=discharged.appointment)
    _, email = reminder_email(visit=visit, rules=preparation_rules(clinic=clinic))

    # then each shows it in the clinic's national format, never as the stored +1…
    for name, text in [
        ("chart", chart),
        ("discharge record", session_page),
        ("after-visit summary", summary),
        ("calendar feed", feed),
        ("reminder e-mail", email),
    ]:
        assert NATIONAL in text, name
        assert NUMBER not in text, name


def test_another_countrys_number_is_shown_internationally_everywhere(clinic, staff, make_patient, client_for):
    # given a UK escort, typed with the trunk 0 in brackets as people in the UK write it
    patient = make_patient(clinic, staff[Role.FRONT_DESK])
    patient_update(patient=patient, updated_by=staff[Role.FRONT_DESK], escort_phone="+44 (0)20 7946 0958")
    patient.refresh_from_db()
    assert patient.escort_phone == "+442079460958"
    # when the chart is opened, then the number is international (it is not a US number)
    chart = visible(
        client_for(staff[Role.NURSE])
        .get(reverse("patients:chart", kwargs={"patient_id": patient.pk}))
        .content.decode()
    )
    assert "+44 20 7946 0958" in chart

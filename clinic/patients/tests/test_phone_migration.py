"""The data migrations that re-read stored phone numbers into E.164 (issue 8, point 14): a number
the old normaliser kept with its trunk 0 is repaired; a value that does not parse is left alone."""

import importlib

from django.apps import apps
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.board.tests.builders import make_chair, make_session
from clinic.intake.models import ConsultationRequest
from clinic.patients.models import Patient
from clinic.reminders.models import PreparationConfirmation

MIGRATIONS = {
    "patients": "clinic.patients.migrations.0005_reparse_phone_numbers",
    "intake": "clinic.intake.migrations.0002_reparse_phone_numbers",
    "reminders": "clinic.reminders.migrations.0002_reparse_phone_numbers",
}


def run(app: str) -> None:
    importlib.import_module(MIGRATIONS[app]).reparse_phones(apps, None)


def test_patient_numbers_are_reparsed_and_unreadable_ones_kept(clinic, staff, make_patient):
    # given numbers as the old normaliser stored them (bypassing today's validation)
    patient = make_patient(clinic, staff[Role.FRONT_DESK])
    Patient.objects.filter(pk=patient.pk).update(
        phone="+4402079460958",  # typed as +44 (0)20 7946 0958
        emergency_contact_phone="+16175550100",  # already right
        escort_phone="+1234",  # never a number: left for a person to fix
        referring_clinician_phone="",
    )
    # when the migration runs
    run("patients")
    # then
    patient.refresh_from_db()
    assert patient.phone == "+442079460958"
    assert patient.emergency_contact_phone == "+16175550100"
    assert patient.escort_phone == "+1234"
    assert patient.referring_clinician_phone == ""


def test_request_numbers_are_reparsed(clinic):
    request_obj = ConsultationRequest.objects.create(
        clinic=clinic, given_name="Ada", family_name="Byron", phone="+4402079460958"
    )
    run("intake")
    request_obj.refresh_from_db()
    assert request_obj.phone == "+442079460958"


def test_driver_numbers_are_reparsed(clinic, staff, make_patient):
    session = make_session(
        make_patient(clinic, staff[Role.FRONT_DESK]),
        staff,
        make_chair(clinic, staff, "Chair 1"),
        "checked_in",
    )
    now = timezone.now()
    confirmation = PreparationConfirmation.objects.create(
        clinic=clinic,
        appointment=session.appointment,
        patient=session.patient,
        last_solid_food_at=now,
        last_clear_liquid_at=now,
        driver_name="Sam",
        driver_phone="+4402079460958",
        medication_changes="none",
        source="patient_link",
        confirmed_at=now,
    )
    run("reminders")
    confirmation.refresh_from_db()
    assert confirmation.driver_phone == "+442079460958"

"""The demo loader (`load_demo`) and the synthetic benchmark generator (`generate_synthetic`)."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from clinic.accounts.models import Membership, User
from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.core.demo import data
from clinic.core.demo.synthetic import ALREADY_GENERATED
from clinic.core.models import Clinic
from clinic.intake.models import ConsultationRequest, ContactAttempt, RequestStatus
from clinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Diagnosis,
    JourneyStage,
    Medication,
    Patient,
    RecordNumberSequence,
)
from clinic.patients.services import patient_register
from clinic.scheduling.models import Appointment, AppointmentKind, Room, RoomKind

pytestmark = pytest.mark.django_db

DEMO_DOC = Path(__file__).resolve().parents[3] / "docs" / "demo.md"


def _load(*args) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    models = (
        Clinic,
        User,
        Membership,
        Room,
        Patient,
        Appointment,
        BodyMeasurement,
        Diagnosis,
        Medication,
        Allergy,
        ConsultationRequest,
        ContactAttempt,
        AuditEvent,
    )
    return {model.__name__: model.objects.count() for model in models}


def _overlapping_bookings() -> int:
    active = Appointment.objects.exclude(status__in=["cancelled", "no_show"])
    clashes = 0
    for appointment in active:
        clashes += (
            active.filter(
                room_id=appointment.room_id,
                starts_at__lt=appointment.ends_at,
                ends_at__gt=appointment.starts_at,
            )
            .exclude(pk=appointment.pk)
            .count()
        )
    return clashes


def test_load_demo_builds_the_demo_network():
    # when
    output = _load()

    # then: two clinics, each with four chairs and two consultation rooms
    harbor = Clinic.objects.get(slug=data.HARBOR_SLUG)
    summit = Clinic.objects.get(slug=data.SUMMIT_SLUG)
    assert harbor.name == "Harbor Ketamine & Wellness"
    assert (harbor.timezone, summit.timezone) == ("America/New_York", "America/Denver")
    for clinic in (harbor, summit):
        rooms = Room.objects.filter(clinic=clinic)
        assert rooms.filter(kind=RoomKind.CHAIR).count() == 4
        assert rooms.filter(kind=RoomKind.CONSULT).count() == 2

    # every role at Harbor, and one physician who works at both clinics
    harbor_roles = set(Membership.objects.filter(clinic=harbor).values_list("role", flat=True))
    assert harbor_roles == set(Role.values)
    both = User.objects.get(username="physician")
    assert set(both.memberships.values_list("clinic__slug", "role")) == {
        (data.HARBOR_SLUG, Role.PHYSICIAN),
        (data.SUMMIT_SLUG, Role.PHYSICIAN),
    }

    # the printed logins all work with the documented password, which passes the validators
    for member in data.STAFF:
        assert member.username in output
        user = User.objects.get(username=member.username)
        assert user.check_password(data.DEMO_PASSWORD)
        validate_password(data.DEMO_PASSWORD, user)
    assert data.DEMO_PASSWORD in output

    # about 60 Harbor patients across every journey stage, each with a unique record number
    patients = Patient.objects.filter(clinic=harbor)
    assert 55 <= patients.count() <= 65
    assert set(patients.values_list("journey_stage", flat=True)) == set(JourneyStage.values)
    assert patients.values("record_number").distinct().count() == patients.count()
    assert Patient.objects.filter(clinic=summit).exists()
    ages = [p.date_of_birth.year for p in patients]
    assert max(ages) - min(ages) >= 55
    assert all(p.phone.startswith("+1617555") and p.phone[-4:-2] == "01" for p in patients)
    assert all(p.email.endswith("@example.com") for p in patients if p.email)

    # clinical lists the evaluation rules can read
    assert Diagnosis.objects.filter(clinic=harbor, icd10_code__startswith="F3").exists()
    assert Diagnosis.objects.filter(clinic=harbor, icd10_code__startswith="G").exists()
    classes = set(Medication.objects.filter(clinic=harbor).values_list("drug_class", flat=True))
    assert {"benzodiazepine", "lamotrigine", "ssri", "maoi", "opioid"} <= classes
    assert Allergy.objects.filter(clinic=harbor).exists()
    assert BodyMeasurement.objects.filter(clinic=harbor, weight_kg__isnull=False).count() > 60

    # consultations coming up in consultation rooms, none double-booked
    consults = Appointment.objects.filter(clinic=harbor, kind=AppointmentKind.CONSULTATION)
    assert consults.filter(status="booked").exists() and consults.filter(status="completed").exists()
    assert not consults.exclude(room__kind=RoomKind.CONSULT).exists()
    assert _overlapping_bookings() == 0

    # the inbox: about ten open requests, one urgent, some contacted, a few closed
    requests = ConsultationRequest.objects.filter(clinic=harbor)
    open_requests = requests.filter(status__in=[RequestStatus.NEW, RequestStatus.CONTACTED])
    assert 8 <= open_requests.count() <= 12
    assert open_requests.filter(is_urgent=True).count() == 1
    assert open_requests.exclude(self_check_answers={}).count() >= 3
    assert requests.filter(status=RequestStatus.CONTACTED).exists()
    assert ContactAttempt.objects.filter(clinic=harbor).count() >= 5
    assert requests.filter(status=RequestStatus.CLOSED).count() >= 2
    assert requests.filter(status=RequestStatus.CONVERTED, patient__isnull=False).count() == 2

    # portal logins linked to their own patient record
    portal = Patient.objects.filter(clinic=harbor, user__isnull=False)
    assert portal.count() == len(data.PORTAL_USERS)
    assert all(
        Membership.objects.filter(user=p.user, clinic=harbor, role=Role.PATIENT).exists() for p in portal
    )

    # docs/demo.md names real demo logins and patients
    doc = DEMO_DOC.read_text()
    for username in [m.username for m in data.STAFF] + [u for u, _, _ in data.PORTAL_USERS]:
        assert f"`{username}`" in doc
    named = re.findall(r"\| ([A-Z][a-z]+) ([A-Z][a-z]+),? [|(]?\s*(MRN-\d{6})", doc)
    assert len(named) >= 8
    for given, family, record_number in named:
        assert patients.filter(given_name=given, family_name=family, record_number=record_number).exists(), (
            given,
            family,
            record_number,
        )

    # built through the services: audit events exist and every hash chain verifies
    assert AuditEvent.objects.filter(clinic=harbor, object_type="patients.Patient").exists()
    verify = io.StringIO()
    call_command("audit_verify", stdout=verify)
    assert "verified" in verify.getvalue()


def test_load_demo_twice_does_not_duplicate(monkeypatch):
    # given
    _load()
    before = _counts()

    # when
    output = _load()

    # then
    assert "already loaded" in output
    assert _counts() == before
    assert "admin" in output  # the logins are printed again

    # and --reset asks first; anything but "yes" changes nothing
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        _load("--reset")
    assert _counts() == before


def test_load_demo_reset_flushes_and_reloads():
    # given a demo clinic and one extra patient added by hand
    _load()
    harbor = Clinic.objects.get(slug=data.HARBOR_SLUG)
    patient_register(
        clinic=harbor,
        registered_by=User.objects.get(username="frontdesk"),
        given_name="Extra",
        family_name="Patient",
        date_of_birth=dt.date(1990, 1, 1),
    )
    count_with_extra = Patient.objects.count()

    # when
    _load("--reset", "--no-input")

    # then
    assert Clinic.objects.filter(slug=data.HARBOR_SLUG).count() == 1
    assert Patient.objects.count() == count_with_extra - 1
    assert not Patient.objects.filter(given_name="Extra").exists()


def test_generate_synthetic_creates_the_requested_network():
    # when
    out = io.StringIO()
    call_command(
        "generate_synthetic",
        "--clinics",
        "3",
        "--patients",
        "300",
        "--seed",
        "7",
        "--batch-size",
        "50",
        stdout=out,
    )

    # then: the right counts, with timings printed
    clinics = Clinic.objects.filter(slug__startswith="synthetic-7-")
    assert clinics.count() == 3
    assert Patient.objects.filter(clinic__in=clinics).count() == 300
    assert "patients" in out.getvalue() and " s" in out.getvalue()
    for clinic in clinics:
        roles = set(Membership.objects.filter(clinic=clinic).values_list("role", flat=True))
        assert roles == {Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK}
        assert Room.objects.filter(clinic=clinic, kind=RoomKind.CHAIR).count() >= 4
        assert Room.objects.filter(clinic=clinic, kind=RoomKind.CONSULT).count() >= 2
    assert Appointment.objects.filter(clinic__in=clinics).count() > 300
    assert BodyMeasurement.objects.filter(clinic__in=clinics).exists()
    assert set(Patient.objects.values_list("journey_stage", flat=True)) == set(JourneyStage.values)

    # record numbers are unique per clinic and the sequence continues after them
    duplicates = Patient.objects.values("clinic", "record_number").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
    clinic = clinics.first()
    highest = max(
        int(n.removeprefix("MRN-"))
        for n in Patient.objects.filter(clinic=clinic).values_list("record_number", flat=True)
    )
    assert RecordNumberSequence.objects.get(clinic=clinic).next_value == highest + 1
    staff = User.objects.filter(memberships__clinic=clinic, memberships__role=Role.FRONT_DESK)[0]
    new = patient_register(
        clinic=clinic,
        registered_by=staff,
        given_name="New",
        family_name="Person",
        date_of_birth=dt.date(1985, 5, 5),
    )
    assert new.record_number == f"MRN-{highest + 1:06d}"

    # no room is double-booked
    assert _overlapping_bookings() == 0

    # one summary audit event per clinic (per-row events are skipped on purpose); chains verify
    for clinic in clinics:
        events = AuditEvent.objects.filter(clinic=clinic)
        assert events.filter(summary__startswith="Synthetic benchmark data").count() == 1
    verify = io.StringIO()
    call_command("audit_verify", stdout=verify)
    assert "verified" in verify.getvalue()


def test_generate_synthetic_refuses_to_repeat_a_seed():
    call_command("generate_synthetic", "--clinics", "1", "--patients", "10", stdout=io.StringIO())

    with pytest.raises(CommandError, match="already exist"):
        call_command("generate_synthetic", "--clinics", "1", "--patients", "10", stdout=io.StringIO())
    assert ALREADY_GENERATED.format(seed=1).startswith("Synthetic clinics for seed 1")
    assert Clinic.objects.count() == 1

"""`load_demo --reset` and the synthetic benchmark generator (`generate_synthetic`). The shared,
read-only checks of the demo itself are in test_demo_data.py."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from clinic.accounts.models import Membership, User
from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.core.demo import data
from clinic.core.demo.synthetic import ALREADY_GENERATED
from clinic.core.models import Clinic
from clinic.core.tests.helpers import load_demo_command, overlapping_bookings
from clinic.patients.models import BodyMeasurement, JourneyStage, Patient, RecordNumberSequence
from clinic.patients.services import patient_register
from clinic.scheduling.models import Appointment, Room, RoomKind

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_load_demo_reset_flushes_and_reloads(make_user, make_patient):
    # given a database where the demo clinic exists and a patient was added by hand (the demo's
    # contents are checked in test_demo_data.py; here only the reset matters)
    harbor = Clinic.objects.create(name="Harbor (before reset)", slug=data.HARBOR_SLUG, timezone="UTC")
    make_patient(harbor, make_user(Role.FRONT_DESK, harbor), given_name="Extra", family_name="Patient")

    # when it is reset without asking
    output = load_demo_command("--reset", "--no-input")

    # then the database was flushed and the demo loaded afresh, telling each step, then the logins
    assert "Database flushed." in output
    assert "] Clinics and staff…" in output and "Demo loaded in" in output
    assert output.index("Demo loaded in") < output.index("Demo logins")
    assert Clinic.objects.get(slug=data.HARBOR_SLUG).name == "Harbor Ketamine & Wellness"
    assert not Patient.objects.filter(given_name="Extra").exists()
    assert Patient.objects.filter(clinic__slug=data.HARBOR_SLUG).count() > 50


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
    assert overlapping_bookings() == 0

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

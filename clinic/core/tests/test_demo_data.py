"""The demo clinic as `load_demo` builds it. The demo is loaded once for the module (about 10 s on
SQLite, 30 s on PostgreSQL) inside a transaction rolled back at the end; each test runs in a savepoint
within it, so tests read and may change it without seeing each other's changes. The reset and the
synthetic generator are in test_demo_commands.py."""

import datetime as dt
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Membership, User
from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.core.demo import data
from clinic.core.demo.loader import demo_load
from clinic.core.models import Clinic
from clinic.core.tests.helpers import load_demo_command, overlapping_bookings
from clinic.evaluation.models import DecisionOutcome, IntakeStatus
from clinic.evaluation.selectors import (
    candidacy_decision_current,
    candidacy_decision_signature_valid,
    candidacy_evaluate,
)
from clinic.infusions.models import (
    InfusionSession,
    RescueMedication,
    SessionStatus,
    SideEffect,
    VitalAlert,
    VitalAlertStatus,
)
from clinic.infusions.selectors import latest_readiness_check, sessions_active
from clinic.intake.models import ConsultationRequest, ContactAttempt, RequestStatus
from clinic.outcomes.models import AlertLevel, AlertStatus, QuestionnaireResponse, ResponseSource, SafetyAlert
from clinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Diagnosis,
    JourneyStage,
    Medication,
    Patient,
)
from clinic.reminders.models import PreparationConfirmation
from clinic.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentSeries,
    AppointmentStatus,
    AppointmentType,
    ClinicHours,
    Room,
    RoomKind,
    StaffShift,
)
from clinic.treatment.models import CourseStatus, InfusionOrder, OrderStatus, ProtocolKind, TreatmentCourse

pytestmark = pytest.mark.django_db

DEMO_DOC = Path(__file__).resolve().parents[3] / "docs" / "demo.md"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once through the services (like the `demo_clinic` fixture, and telling its
    steps); `output` is what `load_demo` prints then."""
    with django_db_blocker.unblock(), transaction.atomic():
        steps: list[str] = []
        result = demo_load(progress=steps.append)
        yield SimpleNamespace(result=result, steps=steps, output=load_demo_command())
        transaction.set_rollback(True)


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


def test_load_demo_builds_the_demo_network(demo):
    # when the demo is loaded, telling each step as it starts
    output = demo.output
    assert demo.result.loaded
    assert demo.steps[0] == "Clinics and staff" and len(demo.steps) >= 6

    # then: two clinics, each with four chairs and two consultation rooms
    harbor = Clinic.objects.get(slug=data.HARBOR_SLUG)
    summit = Clinic.objects.get(slug=data.SUMMIT_SLUG)
    assert harbor.name == "Harbor Ketamine & Wellness"
    assert (harbor.timezone, summit.timezone) == ("America/New_York", "America/Denver")
    for clinic, chairs in ((harbor, 6), (summit, 4)):
        rooms = Room.objects.filter(clinic=clinic)
        assert rooms.filter(kind=RoomKind.CHAIR).count() == chairs
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
    assert overlapping_bookings() == 0

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


def _harbor_patient(stage_and_nth: tuple[str, int]) -> Patient:
    """The n-th Harbor patient of a journey stage, in record order (data.py's addressing)."""
    stage, nth = stage_and_nth
    return Patient.objects.filter(clinic__slug=data.HARBOR_SLUG, journey_stage=stage).order_by(
        "record_number"
    )[nth]


def _roles(user, clinic) -> set[str]:
    return set(Membership.objects.filter(user=user, clinic=clinic).values_list("role", flat=True))


def test_load_demo_carries_every_stage_through_the_clinical_journey(demo, client_for):
    # when the demo is loaded (its load time is measured in bench/, never asserted here)
    result = demo.result
    harbor = Clinic.objects.get(slug=data.HARBOR_SLUG)
    patients = Patient.objects.filter(clinic=harbor)
    by_stage = {stage: list(patients.filter(journey_stage=stage)) for stage in JourneyStage.values}
    assert {stage: len(p) for stage, p in by_stage.items() if stage != JourneyStage.CONSULTATION} == {
        stage: n for stage, n in data.HARBOR_STAGES if stage != JourneyStage.CONSULTATION
    }
    physician_role = {Role.PHYSICIAN}

    # every patient past the consultation: a submitted intake and baseline scores (ASQ, and PHQ-9
    # or the pain score)
    for patient in patients.exclude(journey_stage=JourneyStage.CONSULTATION):
        assert patient.intake_histories.filter(status=IntakeStatus.SUBMITTED).exists(), patient
        baseline = set(
            patient.questionnaire_responses.filter(context="baseline").values_list(
                "instrument_code", flat=True
            )
        )
        assert "asq" in baseline and baseline & {"phq9", "pain_nrs"}, patient
    for patient in by_stage[JourneyStage.CONSULTATION]:
        assert not patient.questionnaire_responses.exists()
        assert not patient.candidacy_decisions.exists()

    # evaluation: undecided, findings to look at (a benzodiazepine, an MAOI)
    for patient in by_stage[JourneyStage.EVALUATION]:
        assert not patient.candidacy_decisions.exists()
        assert not patient.treatment_courses.exists()
    evaluation_classes = set(
        Medication.objects.filter(patient__in=by_stage[JourneyStage.EVALUATION], is_active=True).values_list(
            "drug_class", flat=True
        )
    )
    assert {"benzodiazepine", "maoi"} <= evaluation_classes

    # the patient ready for a decision: intake, baseline, no absolute contraindication
    ready = patients.get(record_number=result.highlights["ready_for_decision"])
    assert ready == _harbor_patient(data.READY_FOR_DECISION)
    evaluation = candidacy_evaluate(patient=ready)
    assert evaluation.intake is not None and evaluation.baseline.complete
    assert not evaluation.absolute_findings
    assert "IND-TRD" in {f.rule_id for f in evaluation.indications}
    assert not ready.safety_alerts.exists()

    # signed decisions, valid signatures, by a physician: "candidate" from candidate onwards
    for stage in (
        JourneyStage.CANDIDATE,
        JourneyStage.INDUCTION,
        JourneyStage.MAINTENANCE,
        JourneyStage.INACTIVE,
    ):
        for patient in by_stage[stage]:
            decision = candidacy_decision_current(patient=patient)
            assert decision is not None and decision.decision == DecisionOutcome.CANDIDATE, patient
            assert candidacy_decision_signature_valid(decision)
            assert _roles(decision.decided_by, harbor) == physician_role
            assert not decision.acknowledged_rule_ids  # nobody needed an override
    # not a candidate: the reason, and a contraindication on the signed record
    for patient in by_stage[JourneyStage.NOT_CANDIDATE]:
        decision = candidacy_decision_current(patient=patient)
        assert decision.decision == DecisionOutcome.NOT_CANDIDATE and len(decision.reason) > 40
        kinds = {f["kind"] for f in decision.findings}
        assert kinds & {"absolute_contraindication", "relative_contraindication"}, patient
    nc_rules = {
        f["rule_id"]
        for p in by_stage[JourneyStage.NOT_CANDIDATE]
        for f in p.candidacy_decisions.get().findings
    }
    assert {"CI-HTN-UNCONTROLLED", "CI-ANEURYSM", "CI-PSYCHOSIS-ACTIVE", "CI-SUBSTANCE-ACTIVE"} <= nc_rules

    # candidates: at most a signed course, none active yet; some have one
    candidate_courses = TreatmentCourse.objects.filter(patient__in=by_stage[JourneyStage.CANDIDATE])
    assert set(candidate_courses.values_list("status", flat=True)) == {CourseStatus.SIGNED}

    # induction: one active signed induction course; every order signed by a physician and, but
    # one, double-checked by a nurse; the next infusion's order is written
    induction_kinds = {ProtocolKind.MOOD_INDUCTION, ProtocolKind.PAIN, ProtocolKind.HEADACHE}
    for patient in by_stage[JourneyStage.INDUCTION]:
        course = patient.treatment_courses.get()
        assert course.status == CourseStatus.ACTIVE and course.signature is not None
        assert course.protocol.kind in induction_kinds
        orders = list(course.orders.order_by("sequence"))
        infusions = patient.appointments.filter(
            kind__in=[AppointmentKind.MOOD_INFUSION, AppointmentKind.PAIN_INFUSION]
        ).exclude(status__in=["cancelled", "no_show"])
        started = infusions.filter(starts_at__lte=timezone.now()).count()
        upcoming = infusions.filter(starts_at__gt=timezone.now()).exists()
        assert len(orders) == started + upcoming, patient  # the done ones and the next one
        for order in orders:
            assert _roles(order.signature.signer, harbor) == physician_role
            if order.status == OrderStatus.VERIFIED:
                assert _roles(order.verification_signature.signer, harbor) == {Role.NURSE}
                assert order.signature.signed_at < order.verification_signature.signed_at <= timezone.now()
    awaiting = InfusionOrder.objects.filter(clinic=harbor, status=OrderStatus.SIGNED)
    assert [o.patient.record_number for o in awaiting] == [result.highlights["awaiting_double_check"]]
    assert InfusionOrder.objects.filter(clinic=harbor, status=OrderStatus.VERIFIED).count() >= 30
    assert not InfusionOrder.objects.exclude(status__in=[OrderStatus.SIGNED, OrderStatus.VERIFIED]).exists()
    titrated = InfusionOrder.objects.filter(
        patient__record_number=result.highlights["non_responder"], clinic=harbor
    ).exclude(titration_reason="")
    assert titrated.count() == 1

    # maintenance: the induction course completed, a booster course that follows it is active
    for patient in by_stage[JourneyStage.MAINTENANCE]:
        induction = patient.treatment_courses.get(protocol__kind__in=induction_kinds)
        booster = patient.treatment_courses.get(protocol__kind=ProtocolKind.BOOSTER)
        assert induction.status == CourseStatus.COMPLETED
        assert booster.status == CourseStatus.ACTIVE and booster.follows == induction
        assert induction.activated_at < induction.ended_at < booster.activated_at
    # inactive: the course ended (completed or stopped with a reason); nothing active
    for patient in by_stage[JourneyStage.INACTIVE]:
        course = patient.treatment_courses.get()
        assert course.status in (CourseStatus.COMPLETED, CourseStatus.STOPPED)
        assert course.status == CourseStatus.COMPLETED or course.stop_reason

    # scores before each infusion: most mood patients improve, the non-responder does not
    def phq9(patient) -> list[int]:
        return list(
            patient.questionnaire_responses.filter(instrument_code="phq9", source=ResponseSource.STAFF)
            .order_by("completed_at")
            .values_list("total", flat=True)
        )

    improving = flat = 0
    for patient in by_stage[JourneyStage.INDUCTION] + by_stage[JourneyStage.MAINTENANCE]:
        series = phq9(patient)
        if (
            patient.treatment_courses.filter(protocol__kind=ProtocolKind.MOOD_INDUCTION).exists()
            and len(series) >= 4
        ):
            if series[-1] <= 0.75 * series[0]:
                improving += 1
            else:
                flat += 1
    assert improving >= 8 and improving > 3 * flat
    non_responder = patients.get(record_number=result.highlights["non_responder"])
    assert non_responder == _harbor_patient(data.NON_RESPONDER)
    series = phq9(non_responder)
    assert len(series) >= 5 and series[-1] >= series[0] - 3
    pain = QuestionnaireResponse.objects.filter(clinic=harbor, instrument_code="pain_nrs")
    assert pain.filter(context="pre_infusion").exists() and pain.filter(context="post_infusion").exists()
    assert QuestionnaireResponse.objects.filter(clinic=harbor, source=ResponseSource.PATIENT).count() == len(
        data.PORTAL_USERS
    )

    # safety: one open alert, moderate, for the evaluation patient; none high or acute left open
    open_alerts = SafetyAlert.objects.filter(status=AlertStatus.OPEN)
    assert [(a.patient.record_number, a.level) for a in open_alerts] == [
        (result.highlights["safety_alert"], AlertLevel.MODERATE)
    ]
    alert_patient = patients.get(record_number=result.highlights["safety_alert"])
    assert alert_patient == _harbor_patient(data.SAFETY_ALERT_PATIENT)
    assert alert_patient.journey_stage == JourneyStage.EVALUATION
    for alert in SafetyAlert.objects.filter(status=AlertStatus.ACKNOWLEDGED):
        assert alert.action_taken and alert.acknowledged_by is not None

    # the screens open on the demo data
    physician = client_for(User.objects.get(username="physician"))
    nurse = client_for(User.objects.get(username="nurse"))
    course = non_responder.treatment_courses.get()
    pages = [
        (physician, f"/evaluation/patients/{ready.pk}/"),
        (physician, f"/evaluation/patients/{by_stage[JourneyStage.NOT_CANDIDATE][0].pk}/"),
        (physician, f"/treatment/courses/{course.pk}/"),
        (physician, f"/outcomes/patients/{non_responder.pk}/scores/"),
        (nurse, "/outcomes/alerts/"),
        (nurse, "/treatment/orders/"),
        (nurse, f"/treatment/orders/{awaiting.get().pk}/"),
        (nurse, f"/treatment/orders/{course.orders.last().pk}/"),
    ]
    for client, url in pages:
        assert client.get(url).status_code == 200, url
    assert alert_patient.full_name in nurse.get("/outcomes/alerts/").content.decode()

    # built through the services: every hash chain verifies
    verify = io.StringIO()
    call_command("audit_verify", stdout=verify)
    assert "verified" in verify.getvalue()


INFUSION_KINDS = [AppointmentKind.MOOD_INFUSION, AppointmentKind.PAIN_INFUSION, AppointmentKind.BOOSTER]


def _minutes_ago(moment) -> float:
    return (timezone.now() - moment).total_seconds() / 60


def test_load_demo_shows_the_infusion_day(demo, client_for):
    # when the demo is loaded, then the infusion day is in it
    harbor = Clinic.objects.get(slug=data.HARBOR_SLUG)
    summit = Clinic.objects.get(slug=data.SUMMIT_SLUG)
    now = timezone.now()
    today = now.astimezone(harbor.tzinfo).date()

    # opening hours on weekdays, the standard visit types, nurses on duty two weeks back and ahead
    for clinic in (harbor, summit):
        hours = {h.weekday: h for h in ClinicHours.objects.filter(clinic=clinic)}
        assert all(
            not hours[d].is_closed and (hours[d].opens, hours[d].closes) == (dt.time(8), dt.time(18))
            for d in range(5)
        )
        types = {t.kind: t for t in AppointmentType.objects.filter(clinic=clinic)}
        assert set(types) == set(AppointmentKind.values)
        assert types[AppointmentKind.MOOD_INFUSION].chair_minutes == 120
        nurse_days = {
            s.starts_at.astimezone(clinic.tzinfo).date()
            for s in StaffShift.objects.filter(clinic=clinic, role=Role.NURSE)
        }
        weekdays = {
            today + dt.timedelta(days=d)
            for d in range(-14, 15)
            if (today + dt.timedelta(days=d)).weekday() < 5
        }
        assert weekdays <= nurse_days

    # every infusion visit carries its type and nurse time; a mood visit lasts the protocol's 120 min
    infusions = Appointment.objects.filter(kind__in=INFUSION_KINDS)
    assert not infusions.filter(appointment_type__isnull=True).exists()
    assert not infusions.filter(active_minutes__isnull=True).exists()
    assert {a.ends_at - a.starts_at for a in infusions.filter(kind=AppointmentKind.MOOD_INFUSION)} == {
        dt.timedelta(minutes=120)
    }
    assert overlapping_bookings() == 0

    # induction: the visits still to come are one series of the active course, booked by the desk
    with_series = 0
    for patient in Patient.objects.filter(journey_stage=JourneyStage.INDUCTION):
        course = patient.treatment_courses.get(status=CourseStatus.ACTIVE)
        upcoming = patient.appointments.filter(
            kind__in=INFUSION_KINDS, starts_at__gt=now + dt.timedelta(minutes=10)
        )
        if upcoming.exists():
            series = AppointmentSeries.objects.get(patient=patient)
            assert series.course == course and series.created_by.username.endswith("frontdesk")
            assert set(upcoming.values_list("series_id", flat=True)) == {series.pk}
            assert list(series.appointments.order_by("sequence").values_list("sequence", flat=True)) == list(
                range(1, upcoming.count() + 1)
            )
            with_series += 1
    assert with_series >= 8

    # today at Harbor: one session in each state, on today's appointments, in distinct chairs
    sessions = {s.status: s for s in InfusionSession.objects.filter(clinic=harbor)}
    assert set(sessions) == {
        SessionStatus.CHECKED_IN,
        SessionStatus.READY,
        SessionStatus.RUNNING,
        SessionStatus.PAUSED,
        SessionStatus.RECOVERING,
        SessionStatus.DISCHARGED,
    }
    assert len({s.chair_id for s in sessions.values()}) == 6
    for session in sessions.values():
        assert session.appointment.starts_at.astimezone(harbor.tzinfo).date() == today
        assert session.order.patient == session.patient and session.order.status == OrderStatus.VERIFIED
        assert PreparationConfirmation.objects.filter(appointment=session.appointment).exists()
    assert not InfusionSession.objects.filter(clinic=summit).exists()

    # the live board reads them all but the discharged one
    board = sessions_active(clinic=harbor)
    assert sorted(state.session.status for state in board) == sorted(
        set(sessions) - {SessionStatus.DISCHARGED}
    )

    # the gate: passed for every session past check-in; the checked-in one waits for it
    assert latest_readiness_check(session=sessions[SessionStatus.CHECKED_IN]) is None
    for status in (SessionStatus.READY, SessionStatus.RUNNING, SessionStatus.PAUSED):
        assert latest_readiness_check(session=sessions[status]).passed

    # running: started about 20 min ago, vitals at the cadence, BP 186/112 not yet acknowledged
    running = sessions[SessionStatus.RUNNING]
    assert 15 <= _minutes_ago(running.started_at) <= 25
    during = list(running.vitals.filter(phase="during").order_by("taken_at"))
    assert len(during) >= 2 and (during[-1].sbp, during[-1].dbp) == (186, 112)
    open_alerts = VitalAlert.objects.filter(status=VitalAlertStatus.OPEN)
    assert {a.session_id for a in open_alerts} == {running.pk}
    assert open_alerts.filter(vital=during[-1], level="pause").exists()
    running_state = next(state for state in board if state.session.pk == running.pk)
    assert running_state.open_alert_count >= 1 and not running_state.vitals_overdue

    # paused; in recovery: stopped about 30 min ago after nausea, ondansetron 4 mg IV
    assert sessions[SessionStatus.PAUSED].events.filter(kind="pause").exists()
    recovering = sessions[SessionStatus.RECOVERING]
    assert 25 <= _minutes_ago(recovering.stopped_at) <= 35
    assert SideEffect.objects.filter(session=recovering, kind="nausea").exists()
    rescue = RescueMedication.objects.get(session=recovering)
    assert (rescue.drug, rescue.dose, rescue.route) == ("ondansetron", 4, "iv")

    # discharged earlier today: score, driver, the signed acknowledgement, the visit completed
    discharged = sessions[SessionStatus.DISCHARGED]
    assert discharged.discharge_score_total == 10 and discharged.driver_name and discharged.driver_phone
    assert discharged.acknowledgement_signature.signer == discharged.discharged_by
    assert _minutes_ago(discharged.discharged_at) > 60
    assert (discharged.discharged_at - discharged.recovery_started_at).total_seconds() >= 60 * 60
    assert discharged.appointment.status == AppointmentStatus.COMPLETED

    # preparation: most infusions of the next three days confirmed, a few left to call
    upcoming = Appointment.objects.filter(
        kind__in=INFUSION_KINDS,
        status__in=[AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED],
        starts_at__gt=now,
        starts_at__lt=now + dt.timedelta(days=3),
    )
    confirmed = upcoming.filter(preparation__isnull=False).count()
    assert 1 <= upcoming.count() - confirmed < confirmed

    # the screens open on it
    nurse = client_for(User.objects.get(username="nurse"))
    frontdesk = client_for(User.objects.get(username="frontdesk"))
    day = nurse.get("/infusions/")
    assert day.status_code == 200
    assert running.patient.full_name in day.content.decode()
    for session in sessions.values():
        assert nurse.get(f"/infusions/sessions/{session.pk}/").status_code == 200
    assert frontdesk.get(f"/appointments/day/?date={today.isoformat()}").status_code == 200
    assert frontdesk.get("/appointments/week/").status_code == 200

    # built through the services: every hash chain verifies
    verify = io.StringIO()
    call_command("audit_verify", stdout=verify)
    assert "verified" in verify.getvalue()


def test_load_demo_twice_does_not_duplicate(demo, monkeypatch):
    # given the demo
    before = _counts()

    # when
    output = load_demo_command()

    # then
    assert "already loaded" in output
    assert _counts() == before
    assert "admin" in output  # the logins are printed again

    # and --reset asks first; anything but "yes" changes nothing
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        load_demo_command("--reset")
    assert _counts() == before

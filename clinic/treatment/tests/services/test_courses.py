import uuid

import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.roles import Role
from clinic.core.models import ElectronicSignature, SignatureMeaning
from clinic.core.services import clinic_setting_set_without_cosign
from clinic.core.signatures import WRONG_PASSWORD, SignatureError
from clinic.patients.models import JourneyStage
from clinic.treatment.models import CourseStatus, TreatmentCourse
from clinic.treatment.services import (
    course_activate,
    course_complete,
    course_create,
    course_sign,
    course_stop,
)
from clinic.treatment.services.courses import (
    ANOTHER_COURSE_ACTIVE,
    CANDIDACY_REQUIRED,
    COURSE_TRANSITION_REFUSED,
    GOALS_REQUIRED,
    ONLY_PHYSICIANS_CHANGE,
    ONLY_PHYSICIANS_SIGN,
    PROTOCOL_INACTIVE,
    STOP_REASON_REQUIRED,
)
from clinic.treatment.services.protocols import protocol_revise
from clinic.treatment.tests.conftest import withdraw_candidacy
from conftest import DEMO_PASSWORD

GOALS = "PHQ-9 down by half or more"


def refused(status: str, action: str) -> str:
    return COURSE_TRANSITION_REFUSED.format(status=status, action=action)


def test_create_drafts_a_course_with_the_protocol_series(weighed_patient, mood_protocol, physician):
    course = course_create(
        patient=weighed_patient,
        protocol=mood_protocol,
        created_by=physician,
        indication="Treatment-resistant depression",
        icd10_code="f33.2",
        goals="  PHQ-9 down by half or more  ",
    )

    assert course.status == CourseStatus.DRAFT
    assert course.planned_infusions == 6
    assert course.icd10_code == "F33.2"
    assert course.candidacy_decision_id is not None
    assert course.goals == "PHQ-9 down by half or more"


@pytest.mark.parametrize("goals", ["", "   "])
def test_create_refuses_a_course_without_goals(weighed_patient, mood_protocol, physician, goals):
    with pytest.raises(ValidationError) as exc:
        course_create(
            patient=weighed_patient,
            protocol=mood_protocol,
            created_by=physician,
            indication="Treatment-resistant depression",
            goals=goals,
        )

    assert exc.value.message_dict["goals"] == [GOALS_REQUIRED]
    assert GOALS_REQUIRED.startswith("Goals")
    assert not TreatmentCourse.objects.exists()


def test_create_needs_a_signed_candidate_decision(patient, mood_protocol, physician, clinic, staff):
    with pytest.raises(ValidationError) as exc:
        course_create(
            patient=patient, protocol=mood_protocol, created_by=physician, indication="TRD", goals=GOALS
        )
    assert exc.value.message_dict["__all__"] == [CANDIDACY_REQUIRED]

    # when the clinic turns the requirement off, the same course can be drafted
    clinic_setting_set_without_cosign(
        clinic=clinic,
        key="course_requires_candidacy_decision",
        raw_value="false",
        set_by=staff[Role.ADMIN],
        reason="Decisions kept on paper for now",
    )
    course = course_create(
        patient=patient, protocol=mood_protocol, created_by=physician, indication="TRD", goals=GOALS
    )
    assert course.candidacy_decision_id is None


def test_sign_is_refused_once_the_decision_is_amended_to_not_a_candidate(
    make_course, weighed_patient, mood_protocol, physician
):
    course = make_course(weighed_patient, mood_protocol, sign=False)
    withdraw_candidacy(weighed_patient, physician)

    with pytest.raises(ValidationError) as exc:
        course_sign(course=course, signer=physician, password=DEMO_PASSWORD)

    assert exc.value.messages == [CANDIDACY_REQUIRED]
    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT and course.signature_id is None
    assert not ElectronicSignature.objects.filter(object_type="treatment.TreatmentCourse").exists()


def test_activate_is_refused_once_the_decision_is_amended_to_not_a_candidate(
    mood_course, weighed_patient, physician
):
    withdraw_candidacy(weighed_patient, physician)

    with pytest.raises(ValidationError) as exc:
        course_activate(course=mood_course, activated_by=physician)

    assert exc.value.messages == [CANDIDACY_REQUIRED]
    mood_course.refresh_from_db()
    weighed_patient.refresh_from_db()
    assert mood_course.status == CourseStatus.SIGNED and mood_course.activated_at is None
    assert weighed_patient.journey_stage != JourneyStage.INDUCTION


@pytest.mark.parametrize("role", [Role.NURSE, Role.FRONT_DESK, Role.ADMIN])
def test_only_physicians_create_courses(staff, weighed_patient, mood_protocol, role):
    with pytest.raises(ValidationError) as exc:
        course_create(
            patient=weighed_patient,
            protocol=mood_protocol,
            created_by=staff[role],
            indication="TRD",
            goals=GOALS,
        )
    assert exc.value.messages == [ONLY_PHYSICIANS_CHANGE]


def test_create_refuses_a_retired_protocol_version(weighed_patient, mood_protocol, physician, staff):
    protocol_revise(protocol=mood_protocol, revised_by=staff[Role.ADMIN], change_reason="v2")
    mood_protocol.refresh_from_db()

    with pytest.raises(ValidationError) as exc:
        course_create(
            patient=weighed_patient,
            protocol=mood_protocol,
            created_by=physician,
            indication="TRD",
            goals=GOALS,
        )
    assert exc.value.message_dict["protocol"] == [PROTOCOL_INACTIVE]


def test_double_submit_creates_one_course(weighed_patient, mood_protocol, physician):
    key = uuid.uuid4()
    first = course_create(
        patient=weighed_patient,
        protocol=mood_protocol,
        created_by=physician,
        indication="TRD",
        goals=GOALS,
        submission_key=key,
    )
    second = course_create(
        patient=weighed_patient,
        protocol=mood_protocol,
        created_by=physician,
        indication="TRD",
        goals=GOALS,
        submission_key=key,
    )
    assert first.pk == second.pk
    assert TreatmentCourse.objects.count() == 1


def test_sign_applies_the_physicians_approval(make_course, weighed_patient, mood_protocol, physician):
    course = make_course(weighed_patient, mood_protocol, sign=False)

    signed = course_sign(course=course, signer=physician, password=DEMO_PASSWORD)

    assert signed.status == CourseStatus.SIGNED
    assert signed.signature.signer == physician
    assert signed.signature.meaning == SignatureMeaning.APPROVAL


def test_wrong_password_saves_nothing(make_course, weighed_patient, mood_protocol, physician):
    course = make_course(weighed_patient, mood_protocol, sign=False)

    with pytest.raises(SignatureError, match=WRONG_PASSWORD):
        course_sign(course=course, signer=physician, password="not-my-password")

    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT and course.signature is None
    assert not ElectronicSignature.objects.filter(object_type="treatment.TreatmentCourse").exists()


@pytest.mark.parametrize("role", [Role.NURSE, Role.FRONT_DESK])
def test_only_physicians_sign_courses(make_course, weighed_patient, mood_protocol, staff, role):
    course = make_course(weighed_patient, mood_protocol, sign=False)
    with pytest.raises(ValidationError) as exc:
        course_sign(course=course, signer=staff[role], password=DEMO_PASSWORD)
    assert exc.value.messages == [ONLY_PHYSICIANS_SIGN]


def test_activation_moves_the_patient_to_induction(mood_course, physician):
    course = course_activate(course=mood_course, activated_by=physician)

    assert course.status == CourseStatus.ACTIVE and course.activated_at is not None
    course.patient.refresh_from_db()
    assert course.patient.journey_stage == JourneyStage.INDUCTION


def test_a_completed_induction_then_a_booster_course_is_maintenance(
    mood_course, make_course, library, physician
):
    course_activate(course=mood_course, activated_by=physician)
    course_complete(course=mood_course, completed_by=physician)
    booster = make_course(mood_course.patient, library["booster"], follows=mood_course)

    course_activate(course=booster, activated_by=physician)

    booster.patient.refresh_from_db()
    assert booster.patient.journey_stage == JourneyStage.MAINTENANCE
    assert booster.follows == mood_course


def test_only_one_active_course_per_patient(mood_course, make_course, library, physician):
    course_activate(course=mood_course, activated_by=physician)
    second = make_course(mood_course.patient, library["booster"])

    with pytest.raises(ValidationError) as exc:
        course_activate(course=second, activated_by=physician)
    assert exc.value.messages == [ANOTHER_COURSE_ACTIVE]


def test_transitions_out_of_order_are_refused(make_course, weighed_patient, mood_protocol, physician):
    draft = make_course(weighed_patient, mood_protocol, sign=False)
    with pytest.raises(ValidationError) as exc:
        course_activate(course=draft, activated_by=physician)
    assert exc.value.messages == [refused("draft", "activated")]
    with pytest.raises(ValidationError) as exc:
        course_complete(course=draft, completed_by=physician)
    assert exc.value.messages == [refused("draft", "completed")]

    signed = course_sign(course=draft, signer=physician, password=DEMO_PASSWORD)
    with pytest.raises(ValidationError) as exc:
        course_sign(course=signed, signer=physician, password=DEMO_PASSWORD)
    assert exc.value.messages == [refused("signed", "signed")]

    active = course_activate(course=signed, activated_by=physician)
    completed = course_complete(course=active, completed_by=physician)
    assert completed.status == CourseStatus.COMPLETED and completed.ended_at is not None
    with pytest.raises(ValidationError) as exc:
        course_stop(course=completed, stopped_by=physician, reason="late")
    assert exc.value.messages == [refused("completed", "stopped")]


def test_stop_needs_a_reason_and_keeps_it(mood_course, physician):
    with pytest.raises(ValidationError) as exc:
        course_stop(course=mood_course, stopped_by=physician, reason="  ")
    assert exc.value.message_dict == {"reason": [STOP_REASON_REQUIRED]}

    stopped = course_stop(course=mood_course, stopped_by=physician, reason="Dissociation was bothersome")

    assert stopped.status == CourseStatus.STOPPED
    assert stopped.stop_reason == "Dissociation was bothersome"
    with pytest.raises(ValidationError):
        course_activate(course=stopped, activated_by=physician)

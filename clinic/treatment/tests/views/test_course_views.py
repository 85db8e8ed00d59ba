import uuid

from django.utils.html import escape

from clinic.patients.models import JourneyStage
from clinic.treatment.models import CourseStatus, TreatmentCourse
from clinic.treatment.services.courses import CANDIDACY_REQUIRED
from conftest import DEMO_PASSWORD


def course_form(protocol, **overrides):
    return {
        "protocol": str(protocol.pk),
        "indication": "Treatment-resistant depression",
        "icd10_code": "F33.2",
        "goals": "PHQ-9 down by half or more",
        "submission_key": str(uuid.uuid4()),
        **overrides,
    }


def test_physician_drafts_signs_and_activates_a_course(client_for, physician, weighed_patient, mood_protocol):
    client = client_for(physician)

    created = client.post(
        f"/treatment/patients/{weighed_patient.pk}/courses/new/", course_form(mood_protocol)
    )
    course = TreatmentCourse.objects.get()
    assert created["Location"] == f"/treatment/courses/{course.pk}/"

    signed = client.post(f"/treatment/courses/{course.pk}/sign/", {"password": DEMO_PASSWORD})
    assert signed.status_code == 302
    activated = client.post(f"/treatment/courses/{course.pk}/activate/", follow=True)
    assert "induction" in activated.content.decode()

    course.refresh_from_db()
    weighed_patient.refresh_from_db()
    assert course.status == CourseStatus.ACTIVE
    assert weighed_patient.journey_stage == JourneyStage.INDUCTION


def test_double_submit_creates_one_course(client_for, physician, weighed_patient, mood_protocol):
    client = client_for(physician)
    data = course_form(mood_protocol)
    client.post(f"/treatment/patients/{weighed_patient.pk}/courses/new/", data)
    client.post(f"/treatment/patients/{weighed_patient.pk}/courses/new/", data)
    assert TreatmentCourse.objects.count() == 1


def test_missing_indication_is_a_field_error(client_for, physician, weighed_patient, mood_protocol):
    response = client_for(physician).post(
        f"/treatment/patients/{weighed_patient.pk}/courses/new/",
        course_form(mood_protocol, indication=""),
    )
    assert response.context["form"].errors["indication"]
    assert not TreatmentCourse.objects.exists()


def test_missing_goals_is_a_field_error(client_for, physician, weighed_patient, mood_protocol):
    response = client_for(physician).post(
        f"/treatment/patients/{weighed_patient.pk}/courses/new/",
        course_form(mood_protocol, goals=""),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["goals"]
    assert not TreatmentCourse.objects.exists()


def test_whitespace_only_goals_are_a_field_error(client_for, physician, weighed_patient, mood_protocol):
    response = client_for(physician).post(
        f"/treatment/patients/{weighed_patient.pk}/courses/new/",
        course_form(mood_protocol, goals="   "),
    )
    assert response.context["form"].errors["goals"]
    assert not TreatmentCourse.objects.exists()


def test_no_candidacy_decision_is_shown_on_the_form(client_for, physician, patient, mood_protocol):
    response = client_for(physician).post(
        f"/treatment/patients/{patient.pk}/courses/new/", course_form(mood_protocol)
    )
    assert escape(CANDIDACY_REQUIRED) in response.content.decode()
    assert not TreatmentCourse.objects.exists()


def test_wrong_password_leaves_the_course_a_draft(
    client_for, physician, make_course, weighed_patient, mood_protocol
):
    course = make_course(weighed_patient, mood_protocol, sign=False)
    response = client_for(physician).post(
        f"/treatment/courses/{course.pk}/sign/", {"password": "wrong-password"}
    )
    assert "The password is not correct" in response.content.decode()
    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT


def test_activating_twice_shows_the_refusal(client_for, physician, mood_course):
    client = client_for(physician)
    client.post(f"/treatment/courses/{mood_course.pk}/activate/")
    response = client.post(f"/treatment/courses/{mood_course.pk}/activate/", follow=True)
    assert "A course that is active cannot be activated." in response.content.decode()


def test_stop_needs_a_reason(client_for, physician, mood_course):
    client = client_for(physician)
    response = client.post(f"/treatment/courses/{mood_course.pk}/stop/", {"reason": ""})
    assert response.context["form"].errors["reason"]
    client.post(f"/treatment/courses/{mood_course.pk}/stop/", {"reason": "Patient moved away"})
    mood_course.refresh_from_db()
    assert mood_course.status == CourseStatus.STOPPED and mood_course.stop_reason == "Patient moved away"


def test_course_detail_query_count(client_for, physician, signed_order, django_assert_max_num_queries):
    client = client_for(physician)
    url = f"/treatment/courses/{signed_order.course_id}/"
    client.get(url)
    with django_assert_max_num_queries(9):
        response = client.get(url)
    assert list(response.context["orders"]) == [(signed_order, False)]  # the signer sees the numbers


def _verify(order, nurse):
    from clinic.treatment.services import order_verify

    order_verify(
        order=order,
        verifier=nurse,
        password=DEMO_PASSWORD,
        dose_mg="35",
        bag_concentration_mg_per_ml="1",
        rate_ml_h="52.5",
        patient_date_of_birth=order.patient.date_of_birth,
        identity_confirmed=True,
    )


def test_course_page_hides_draft_and_signed_order_numbers_from_a_checker(
    client_for, nurse, physician, signed_order, make_order
):
    draft = make_order(signed_order.course)
    url = f"/treatment/courses/{signed_order.course_id}/"

    nurse_page = client_for(nurse).get(url).content.decode()
    assert "35 mg" not in nurse_page and "52.5 mL/h" not in nurse_page
    assert nurse_page.count("Hidden until double-checked") == 2
    prescriber_page = client_for(physician).get(url).content.decode()
    assert prescriber_page.count("35 mg") == 2 and prescriber_page.count("52.5 mL/h") == 2

    _verify(signed_order, nurse)
    nurse_page = client_for(nurse).get(url).content.decode()
    assert nurse_page.count("35 mg") == 1 and nurse_page.count("52.5 mL/h") == 1  # the draft stays hidden
    assert draft.status == "draft"


def test_patient_courses_query_count(client_for, nurse, mood_course, django_assert_max_num_queries):
    client = client_for(nurse)
    url = f"/treatment/patients/{mood_course.patient_id}/courses/"
    client.get(url)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert [c.pk for c in response.context["page_obj"]] == [mood_course.pk]


# --- Issue 8, point 9: ICD-10-CM codes and planned starts are checked on the form ----------------


def test_course_form_offers_the_indications_with_the_patients_own_first(
    client_for, physician, weighed_patient, mood_protocol, nurse
):
    from clinic.patients.services import diagnosis_add

    diagnosis_add(patient=weighed_patient, noted_by=nurse, icd10_code="F41.1")
    response = client_for(physician).get(f"/treatment/patients/{weighed_patient.pk}/courses/new/")

    form = response.context["form"]
    assert form.initial["icd10_code"] == "F41.1"
    html = response.content.decode()
    assert '<optgroup label="This patient&#x27;s diagnoses">' in html
    assert 'value="F33.2"' in html
    assert 'value="F20.9"' not in html  # a contraindication-screen code is not an indication
    today = response.context["form"].fields["planned_start_date"].widget.attrs["min"]
    assert f'min="{today}"' in html


def test_unknown_icd10_code_is_a_field_error_naming_why(
    client_for, physician, weighed_patient, mood_protocol
):
    from clinic.treatment.services.courses import ICD10_FORMAT

    response = client_for(physician).post(
        f"/treatment/patients/{weighed_patient.pk}/courses/new/",
        course_form(mood_protocol, icd10_code="XYZ.99"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["icd10_code"] == [ICD10_FORMAT.format(code="XYZ.99")]
    assert escape(f"ICD-10-CM code: {ICD10_FORMAT.format(code='XYZ.99')}") in response.content.decode()
    assert not TreatmentCourse.objects.exists()


def test_planned_start_in_2024_is_a_field_error(client_for, physician, weighed_patient, mood_protocol):
    response = client_for(physician).post(
        f"/treatment/patients/{weighed_patient.pk}/courses/new/",
        course_form(mood_protocol, planned_start_date="2024-03-01"),
    )

    assert response.status_code == 200
    [message] = response.context["form"].errors["planned_start_date"]
    assert "2024-03-01 is in the past" in message
    assert "Planned start date: The planned start date 2024-03-01 is in the past" in response.content.decode()
    assert not TreatmentCourse.objects.exists()

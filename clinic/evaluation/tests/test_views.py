"""Pages: permissions (role × page), clinic isolation, field-named form errors, query counts."""

import pytest

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.core.signatures import WRONG_PASSWORD
from clinic.evaluation.forms import DURATION_RANGE
from clinic.evaluation.intake_schema import DOSE_UNIT_REQUIRED
from clinic.evaluation.models import CandidacyDecision, CandidacyRule, IntakeHistory, IntakeStatus
from conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

PREFIXES = ("trials", "therapy", "ect", "tms", "stays")


def intake_post(action="save", trials=(), **answers) -> dict:
    """POST data for the intake page: the main answers plus formset rows."""
    data = {"action": action}
    for prefix in PREFIXES:
        rows = trials if prefix == "trials" else ()
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for index, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = value
    for key, value in answers.items():
        if value is True:
            data[key] = "on"
        elif value not in (None, False):
            data[key] = value
    return data


COMPLETE = {
    "substance_alcohol": "never",
    "substance_cannabis": "never",
    "substance_stimulants": "never",
    "substance_opioids": "never",
    "substance_other": "never",
    "psychosis": "never",
    "mania_history": "no",
    "hypertension": "no",
    "liver_disease": "no",
    "thyroid": "no",
    "pregnant": "no",
    "breastfeeding": "no",
    "medications_confirmed": True,
    "allergies_confirmed": True,
}
TRIALS = (
    {
        "drug": "Sertraline",
        "dose_amount": "200",
        "dose_unit": "mg",
        "duration_weeks": "10",
        "adequate": "yes",
        "outcome": "no_response",
    },
    {
        "drug": "Venlafaxine",
        "dose_amount": "225",
        "dose_unit": "mg",
        "duration_weeks": "8",
        "adequate": "yes",
        "outcome": "partial_response",
    },
)


def url(name, patient=None, **kwargs):
    from django.urls import reverse

    if patient is not None:
        kwargs["patient_id"] = patient.pk
    return reverse(f"evaluation:{name}", kwargs=kwargs)


# --- permissions -------------------------------------------------------------------------------

STAFF_PAGE_ACCESS = [
    # (url name, role, expected GET status)
    ("patient", Role.PHYSICIAN, 200),
    ("patient", Role.NURSE, 200),
    ("patient", Role.FRONT_DESK, 200),
    ("patient", Role.ADMIN, 200),
    ("intake", Role.PHYSICIAN, 200),
    ("intake", Role.NURSE, 200),
    ("intake", Role.FRONT_DESK, 403),
    ("intake", Role.ADMIN, 403),
]


@pytest.mark.parametrize("name, role, status", STAFF_PAGE_ACCESS)
def test_staff_page_access(patient, staff, client_for, name, role, status):
    assert client_for(staff[role]).get(url(name, patient)).status_code == status


@pytest.mark.parametrize(
    "role, status",
    [
        (Role.ADMIN, 200),
        (Role.PHYSICIAN, 403),
        (Role.NURSE, 403),
        (Role.FRONT_DESK, 403),
    ],
)
def test_rules_pages_are_for_administrators(staff, client_for, role, status):
    client = client_for(staff[role])
    assert client.get(url("rules")).status_code == status
    assert client.get(url("rule_add")).status_code == status
    assert client.get(url("rule_edit", rule_id="CI-ANEURYSM")).status_code == status


@pytest.mark.parametrize("role", [Role.NURSE, Role.FRONT_DESK, Role.ADMIN])
def test_only_a_physician_may_post_a_decision(ready_patient, staff, client_for, role):
    response = client_for(staff[role]).post(
        url("patient", ready_patient),
        {"decision": "candidate", "reason": "r", "password": DEMO_PASSWORD},
    )
    assert response.status_code == 403
    assert not CandidacyDecision.objects.exists()


def test_patient_role_reaches_only_the_portal_intake(portal_patient, client_for):
    client = client_for(portal_patient.user)
    for name in ("patient", "intake"):
        assert client.get(url(name, portal_patient)).status_code == 403
    assert client.get(url("intake_version", portal_patient, version=1)).status_code == 403
    assert client.get(url("rules")).status_code == 403
    assert client.get(url("portal_intake")).status_code == 200


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK, Role.ADMIN])
def test_staff_cannot_use_the_portal_intake(staff, client_for, role):
    assert client_for(staff[role]).get(url("portal_intake")).status_code == 403


def test_unlinked_patient_account_gets_404(clinic, make_user, client_for):
    user = make_user(Role.PATIENT, clinic)
    assert client_for(user).get(url("portal_intake")).status_code == 404


def test_signed_out_users_are_sent_to_sign_in(client, patient):
    for target in (
        url("patient", patient),
        url("intake", patient),
        url("portal_intake"),
        url("rules"),
    ):
        response = client.get(target)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- clinic isolation --------------------------------------------------------------------------


def test_another_clinics_patient_is_404(other_clinic, make_user, make_patient, staff, client_for):
    other_desk = make_user(Role.FRONT_DESK, other_clinic)
    foreign = make_patient(other_clinic, other_desk)
    client = client_for(staff[Role.PHYSICIAN])
    assert client.get(url("patient", foreign)).status_code == 404
    assert client.post(url("patient", foreign), {"decision": "candidate"}).status_code == 404
    assert client.get(url("intake", foreign)).status_code == 404
    assert client.get(url("intake_version", foreign, version=1)).status_code == 404


def test_another_clinics_rule_is_404(other_clinic, make_user, staff, client_for):
    from clinic.evaluation.services import candidacy_rule_create

    other_admin = make_user(Role.ADMIN, other_clinic)
    candidacy_rule_create(
        clinic=other_clinic,
        created_by=other_admin,
        rule_id="SUMMIT-ONLY",
        kind="precaution",
        severity="low",
        condition={"age_gte": 80},
        message="m",
        source="Clinic policy",
        reason="r",
    )
    client = client_for(staff[Role.ADMIN])
    assert client.get(url("rule_edit", rule_id="SUMMIT-ONLY")).status_code == 404
    assert "SUMMIT-ONLY" not in client.get(url("rules")).content.decode()


def test_portal_intake_of_a_patient_at_another_clinic_is_404(
    portal_patient, other_clinic, client_for
):
    from clinic.accounts.services import membership_add

    membership_add(user=portal_patient.user, clinic=other_clinic, role=Role.PATIENT)
    client = client_for(portal_patient.user)
    session = client.session
    session["active_clinic_id"] = other_clinic.pk
    session.save()
    assert client.get(url("portal_intake")).status_code == 404


# --- the evaluation page -----------------------------------------------------------------------


def test_evaluation_page_shows_grouped_findings_with_sources(
    trd_patient, submit_intake, physician, client_for
):
    submit_intake(trd_patient, aneurysm=True)
    response = client_for(physician).get(url("patient", trd_patient))
    body = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Indications met",
        "IND-TRD",
        "CANMAT 2021",
        "Absolute contraindications",
        "CI-ANEURYSM",
        "Spravato label",
        "INT-BENZODIAZEPINE",
        "Lorazepam 1 mg (Benzodiazepine)",
    ):
        assert text in body
    # the sources as a physician names them: no file, section or citation key
    for internal in ("domain.md", "§", "[CANMAT2021]", "[SpravatoPI]"):
        assert internal not in body
    assert 'class="urgent" data-rule="CI-ANEURYSM"' in body
    assert "Missing" in body  # no baseline measures yet, with links to enter them
    assert f'href="/outcomes/patients/{trd_patient.pk}/asq/new/?context=baseline"' in body
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, patient_id=trd_patient.pk).exists()


def test_nurse_sees_the_page_without_the_signing_form(ready_patient, nurse, client_for):
    body = client_for(nurse).get(url("patient", ready_patient)).content.decode()
    assert "Only a physician (prescriber) signs" in body
    assert 'name="password"' not in body


def test_physician_signs_through_the_page(ready_patient, physician, client_for):
    client = client_for(physician)
    page = client.get(url("patient", ready_patient))
    key = page.context["form"].initial["submission_key"]
    data = {
        "decision": "candidate",
        "reason": "TRD; benefits outweigh risks.",
        "password": DEMO_PASSWORD,
        "submission_key": key,
    }
    response = client.post(url("patient", ready_patient), data)
    assert response.status_code == 302
    client.post(url("patient", ready_patient), data)  # a double submit signs once
    decision = CandidacyDecision.objects.get()
    body = client.get(url("patient", ready_patient)).content.decode()
    assert decision.signature.printed_name in body
    assert "Approved" in body and "Current decision: Candidate" in body


def test_wrong_password_is_a_field_error_and_nothing_is_saved(ready_patient, physician, client_for):
    response = client_for(physician).post(
        url("patient", ready_patient),
        {"decision": "candidate", "reason": "r", "password": "nope"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password"] == [WRONG_PASSWORD]
    assert not CandidacyDecision.objects.exists()


def test_missing_baseline_is_refused_on_the_page(trd_patient, submit_intake, physician, client_for):
    submit_intake(trd_patient)
    response = client_for(physician).post(
        url("patient", trd_patient),
        {"decision": "candidate", "reason": "r", "password": DEMO_PASSWORD},
    )
    assert "Baseline measures are missing" in response.content.decode()
    assert not CandidacyDecision.objects.exists()


def test_override_is_ticked_on_the_page(
    trd_patient, submit_intake, record_baseline, physician, client_for
):
    submit_intake(trd_patient, brain_bleed=True)
    record_baseline(trd_patient)
    client = client_for(physician)
    data = {
        "decision": "candidate",
        "reason": "Old bleed, neurology cleared",
        "password": DEMO_PASSWORD,
    }
    response = client.post(url("patient", trd_patient), data)
    assert "CI-BRAIN-BLEED" in str(response.context["form"].errors)
    response = client.post(
        url("patient", trd_patient), {**data, "acknowledged": ["CI-BRAIN-BLEED"]}
    )
    assert response.status_code == 302
    assert CandidacyDecision.objects.get().acknowledged_rule_ids == ["CI-BRAIN-BLEED"]


def test_second_decision_on_the_page_amends_the_first(ready_patient, physician, client_for):
    client = client_for(physician)
    data = {"decision": "needs_info", "reason": "Need records", "password": DEMO_PASSWORD}
    client.post(url("patient", ready_patient), data)
    first = CandidacyDecision.objects.get()
    page = client.get(url("patient", ready_patient))
    assert page.context["form"].initial["amends"] == first.pk
    client.post(
        url("patient", ready_patient), {**data, "decision": "candidate", "amends": first.pk}
    )
    second = CandidacyDecision.objects.exclude(pk=first.pk).get()
    assert second.amends == first


def test_evaluation_page_query_count(
    ready_patient, physician, client_for, django_assert_max_num_queries
):
    from clinic.patients.services import medication_add

    # given many medications, a decision and its amendment
    for n in range(15):
        medication_add(
            patient=ready_patient,
            recorded_by=physician,
            name=f"Drug {n}",
            drug_class="benzodiazepine",
        )
    client = client_for(physician)
    data = {"decision": "needs_info", "reason": "r", "password": DEMO_PASSWORD}
    client.post(url("patient", ready_patient), data)
    client.post(
        url("patient", ready_patient), {**data, "amends": CandidacyDecision.objects.get().pk}
    )
    # then the page runs a fixed number of queries
    with django_assert_max_num_queries(26):
        response = client.get(url("patient", ready_patient))
    assert response.status_code == 200


# --- intake pages ------------------------------------------------------------------------------


def test_staff_save_draft_then_submit(patient, nurse, client_for):
    client = client_for(nurse)
    response = client.post(
        url("intake", patient), intake_post("save", trials=TRIALS[:1], psychosis="never")
    )
    assert response.status_code == 302
    draft = IntakeHistory.objects.get()
    assert draft.status == IntakeStatus.DRAFT and draft.data["psychosis"] == "never"
    # the draft comes back filled in
    page = client.get(url("intake", patient))
    assert page.context["forms"].formsets[0].forms[0].initial["drug"] == "Sertraline"
    response = client.post(url("intake", patient), intake_post("submit", trials=TRIALS, **COMPLETE))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == IntakeStatus.SUBMITTED and len(draft.data["antidepressant_trials"]) == 2
    # a submitted version shows read-only, with the button to start a new version
    body = client.get(url("intake", patient)).content.decode()
    assert "Change answers (new version)" in body and "2</strong> failed adequate trials" in body


def test_field_errors_name_the_field_and_save_nothing(patient, nurse, client_for):
    bad = {**TRIALS[0], "duration_weeks": "600", "dose_unit": ""}
    response = client_for(nurse).post(url("intake", patient), intake_post("save", trials=(bad,)))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Duration (weeks): {DURATION_RANGE}" in body
    assert f"Dose unit: {DOSE_UNIT_REQUIRED}" in body
    assert not IntakeHistory.objects.exists()


def test_incomplete_submit_marks_the_missing_answers(patient, nurse, client_for):
    response = client_for(nurse).post(
        url("intake", patient), intake_post("submit", psychosis="never")
    )
    assert response.status_code == 200
    errors = response.context["forms"].main.errors
    assert "pregnant" in errors and "medications_confirmed" in errors and "psychosis" not in errors
    assert not IntakeHistory.objects.exists()


def test_new_version_button(patient, nurse, submit_intake, client_for):
    submit_intake(patient)
    client = client_for(nurse)
    response = client.post(url("intake", patient), {"action": "new_version"})
    assert response.status_code == 302
    assert list(IntakeHistory.objects.values_list("version", "status")) == [
        (2, "draft"),
        (1, "submitted"),
    ]
    assert client.get(url("intake_version", patient, version=1)).status_code == 200


def test_patient_fills_in_and_submits_in_the_portal(portal_patient, client_for):
    client = client_for(portal_patient.user)
    response = client.post(url("portal_intake"), intake_post("submit", trials=TRIALS, **COMPLETE))
    assert response.status_code == 302
    intake = IntakeHistory.objects.get(patient=portal_patient)
    assert intake.status == IntakeStatus.SUBMITTED and intake.source == "patient"
    assert intake.submitted_by == portal_patient.user
    body = client.get(url("portal_intake")).content.decode()
    assert "Update my answers" in body


# --- rules pages -------------------------------------------------------------------------------


def test_rules_list_filters_and_paginates(admin, client_for):
    client = client_for(admin)
    response = client.get(url("rules"), {"kind": "interaction"})
    rules = list(response.context["page_obj"])
    assert rules and all(r.kind == "interaction" for r in rules)
    assert len(client.get(url("rules")).context["page_obj"]) == 25


def test_admin_edits_a_rule_through_the_page(admin, client_for):
    client = client_for(admin)
    response = client.post(
        url("rule_edit", rule_id="INT-MAOI"),
        {
            "kind": "interaction",
            "severity": "high",
            "pathway": "",
            "condition": '{"medication_class": "maoi"}',
            "message": "MAOI: monitor BP closely.",
            "source": "§2.3 [SpravatoPI]",
            "active": "on",
            "reason": "Two BP surges last year",
        },
    )
    assert response.status_code == 302
    revised = CandidacyRule.objects.get(rule_id="INT-MAOI", is_current=True, clinic__isnull=False)
    assert (revised.version, revised.severity) == (2, "high")


def test_rule_form_reports_bad_json_on_the_field(admin, client_for):
    response = client_for(admin).post(
        url("rule_add"),
        {
            "rule_id": "CLINIC-X",
            "kind": "precaution",
            "severity": "low",
            "condition": "{history:",
            "message": "m",
            "source": "s",
            "reason": "r",
        },
    )
    assert "Write the condition as JSON" in str(response.context["form"].errors["condition"])
    response = client_for(admin).post(
        url("rule_add"),
        {
            "rule_id": "CLINIC-X",
            "kind": "precaution",
            "severity": "low",
            "condition": '{"history": "broken_leg"}',
            "message": "m",
            "source": "s",
            "reason": "r",
        },
    )
    assert "unknown history item" in str(response.context["form"].errors["condition"])
    assert not CandidacyRule.objects.filter(rule_id="CLINIC-X").exists()


def test_rules_list_query_count(admin, client_for, django_assert_max_num_queries):
    client = client_for(admin)
    with django_assert_max_num_queries(8):
        response = client.get(url("rules"))
    assert response.status_code == 200


def test_intake_page_query_count(
    trd_patient, nurse, submit_intake, client_for, django_assert_max_num_queries
):
    submit_intake(trd_patient)
    client = client_for(nurse)
    client.post(url("intake", trd_patient), {"action": "new_version"})
    with django_assert_max_num_queries(14):
        response = client.get(url("intake", trd_patient))
    assert response.status_code == 200 and response.context["editing"]


def test_rules_pages_name_each_source_as_a_clinician_knows_it(admin, client_for):
    client = client_for(admin)
    # the list: the built-in rules' citations read as the label or guideline
    body = client.get(url("rules"), {"kind": "absolute_contraindication"}).content.decode()
    assert "Spravato label" in body and "ACEP 2011 ketamine sedation guideline" in body
    for internal in ("domain.md", "§", "[SpravatoPI]", "[ACEP2011]"):
        assert internal not in body
    # the edit form starts from the source as it reads, and asks for one in the same words
    form = client.get(url("rule_edit", rule_id="CI-HTN-UNCONTROLLED")).context["form"]
    assert form.initial["source"] == "Ketalar label, ASRA/AAPM/ASA 2018 pain consensus"
    assert "domain.md" not in form.fields["source"].help_text

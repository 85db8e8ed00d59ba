"""Reads: the facts builder, the rules in force, baseline measures and pathways."""

import datetime as dt

import pytest
from django.utils import timezone

from clinic.evaluation.models import IntakeSource
from clinic.evaluation.selectors import (
    baseline_status,
    candidacy_evaluate,
    candidacy_facts,
    intake_history_latest_submitted,
)
from clinic.evaluation.services import intake_history_save
from clinic.evaluation.tests.conftest import intake_answers
from clinic.patients.services import (
    allergy_add,
    allergy_deactivate,
    diagnosis_add,
    diagnosis_set_status,
    medication_add,
    medication_stop,
)

pytestmark = pytest.mark.django_db


def test_facts_come_from_active_chart_entries_and_the_submitted_intake(
    trd_patient, nurse, submit_intake
):
    # given stopped, resolved and inactive entries besides the active ones
    stopped = medication_add(
        patient=trd_patient, recorded_by=nurse, name="Oxycodone", drug_class="opioid"
    )
    medication_stop(medication=stopped, stopped_by=nurse, stopped_on=timezone.localdate())
    resolved = diagnosis_add(patient=trd_patient, noted_by=nurse, icd10_code="F41.1")
    diagnosis_set_status(diagnosis=resolved, status="ruled_out", changed_by=nurse)
    old = allergy_add(patient=trd_patient, recorded_by=nurse, substance="Ketamine")
    allergy_deactivate(allergy=old, changed_by=nurse)
    submit_intake(trd_patient, hypertension="controlled", substance_cannabis="past")
    # when the facts are built
    intake = intake_history_latest_submitted(patient=trd_patient)
    facts = candidacy_facts(patient=trd_patient, intake=intake, today=dt.date(2026, 1, 1))
    # then only active entries count
    assert [d.code for d in facts.diagnoses] == ["F33.2"]
    assert {(m.name, m.drug_class) for m in facts.medications} == {
        ("Sertraline", "ssri"),
        ("Lorazepam", "benzodiazepine"),
    }
    assert facts.allergies == ("Penicillin",)
    assert facts.age_years == 46  # born 1980-01-01
    assert facts.intake_submitted and facts.history == {"hypertension"}
    assert facts.failed_adequate_trials == ("Sertraline", "Venlafaxine")
    assert facts.substances_past == ("Cannabis",) and facts.substances_current == ()


def test_a_draft_intake_is_not_used(trd_patient, nurse):
    intake_history_save(
        patient=trd_patient,
        saved_by=nurse,
        source=IntakeSource.STAFF,
        data=intake_answers(aneurysm=True),
    )
    evaluation = candidacy_evaluate(patient=trd_patient)
    assert evaluation.intake is None and not evaluation.facts.intake_submitted
    ids = {f.rule_id for f in evaluation.findings}
    assert "PRE-NO-INTAKE" in ids and "CI-ANEURYSM" not in ids


def test_evaluation_groups_findings(trd_patient, submit_intake):
    submit_intake(trd_patient, aneurysm=True, pregnant="yes")
    evaluation = candidacy_evaluate(patient=trd_patient)
    assert [f.rule_id for f in evaluation.indications] == ["IND-TRD"]
    assert [f.rule_id for f in evaluation.absolute_findings] == ["CI-ANEURYSM"]
    assert [f.rule_id for f in evaluation.groups["relative_contraindication"]] == ["CI-PREGNANCY"]
    assert [f.rule_id for f in evaluation.groups["interaction"]] == ["INT-BENZODIAZEPINE"]
    assert evaluation.pathways == {"mood"}


def test_pathways_fall_back_to_the_diagnosis_catalogue_then_mood(patient, nurse):
    assert candidacy_evaluate(patient=patient).pathways == {"mood"}
    diagnosis_add(patient=patient, noted_by=nurse, icd10_code="M79.7")
    diagnosis_add(patient=patient, noted_by=nurse, icd10_code="F41.1")
    assert candidacy_evaluate(patient=patient).pathways == {"mood", "pain"}


def test_baseline_measures_within_the_window(patient, record_baseline):
    record_baseline(patient, "phq9", days_ago=40)
    record_baseline(patient, "asq", days_ago=2)
    status = baseline_status(patient=patient, pathways={"mood"})
    assert status.max_age_days == 30
    assert [m.code for m in status.missing] == ["phq9"]
    enter = f"/outcomes/patients/{patient.pk}/phq9/new/?context=baseline"
    assert status.missing[0].enter_url == enter
    record_baseline(patient, "phq9", days_ago=1)
    status = baseline_status(patient=patient, pathways={"mood"})
    assert status.complete
    assert [b["instrument"] for b in status.snapshot()] == ["phq9", "asq"]

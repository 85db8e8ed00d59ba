"""Clinic rules: add, revise (a new version, audited), override a built-in for one clinic only."""

import re
import uuid

import pytest

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.evaluation.models import CandidacyRule
from clinic.evaluation.selectors import candidacy_evaluate, candidacy_rules_in_force
from clinic.evaluation.services import (
    RULE_ID_INVALID,
    RULE_NOT_ALLOWED,
    RULE_REASON_REQUIRED,
    EvaluationError,
    candidacy_rule_create,
    candidacy_rule_revise,
)

pytestmark = pytest.mark.django_db

NEW_RULE = {
    "rule_id": "CLINIC-LITHIUM",
    "kind": "precaution",
    "severity": "moderate",
    "condition": {"medication_class": "lithium"},
    "message": "Lithium: check the latest level before the first infusion.",
    "source": "Clinic policy 2026-04 (medical director)",
    "reason": "Medical director's request",
}


def in_force(clinic) -> dict[str, CandidacyRule]:
    return {r.rule_id: r for r in candidacy_rules_in_force(clinic=clinic)}


def test_builtin_rules_are_seeded_by_the_data_migration(clinic):
    rules = in_force(clinic)
    assert len(rules) >= 30
    assert rules["CI-ANEURYSM"].is_builtin and rules["CI-ANEURYSM"].version == 1
    assert rules["CI-ANEURYSM"].source == "§2.2 [SpravatoPI]"


def test_admin_adds_a_clinic_rule(clinic, other_clinic, admin, trd_patient, nurse):
    from clinic.patients.services import medication_add

    rule = candidacy_rule_create(clinic=clinic, created_by=admin, **NEW_RULE)
    assert (rule.clinic, rule.version, rule.is_current) == (clinic, 1, True)
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="evaluation.CandidacyRule"
    ).exists()
    # it is evaluated for this clinic's patients only
    medication_add(
        patient=trd_patient, recorded_by=nurse, name="Lithium", dose="600 mg", drug_class="lithium"
    )
    assert "CLINIC-LITHIUM" in {f.rule_id for f in candidacy_evaluate(patient=trd_patient).findings}
    assert "CLINIC-LITHIUM" not in in_force(other_clinic)


def test_rule_ids_must_be_new_and_well_formed(clinic, admin):
    with pytest.raises(EvaluationError, match=re.escape(RULE_ID_INVALID)):
        candidacy_rule_create(clinic=clinic, created_by=admin, **{**NEW_RULE, "rule_id": "x"})
    with pytest.raises(EvaluationError, match="already exists"):
        candidacy_rule_create(
            clinic=clinic, created_by=admin, **{**NEW_RULE, "rule_id": "CI-ANEURYSM"}
        )


def test_invalid_condition_is_a_field_error(clinic, admin):
    with pytest.raises(EvaluationError) as caught:
        candidacy_rule_create(
            clinic=clinic, created_by=admin, **{**NEW_RULE, "condition": {"history": "nope"}}
        )
    assert caught.value.field == "condition"


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK])
def test_only_administrators_change_rules(clinic, staff, role):
    with pytest.raises(EvaluationError, match=re.escape(RULE_NOT_ALLOWED)):
        candidacy_rule_create(clinic=clinic, created_by=staff[role], **NEW_RULE)


def test_revising_a_builtin_overrides_it_for_this_clinic_only(clinic, other_clinic, admin):
    # given the built-in interaction rule for benzodiazepines
    builtin = in_force(clinic)["INT-BENZODIAZEPINE"]
    # when this clinic raises its severity
    revised = candidacy_rule_revise(
        rule=builtin,
        clinic=clinic,
        revised_by=admin,
        kind=builtin.kind,
        severity="high",
        condition=builtin.condition,
        message=builtin.message,
        source=builtin.source,
        reason="Hold benzodiazepines the evening before",
    )
    # then a version 2 is in force here, the built-in is untouched and still in force elsewhere
    assert (revised.version, revised.clinic, revised.supersedes) == (2, clinic, builtin)
    assert in_force(clinic)["INT-BENZODIAZEPINE"].pk == revised.pk
    assert in_force(other_clinic)["INT-BENZODIAZEPINE"].pk == builtin.pk
    builtin.refresh_from_db()
    assert builtin.severity == "moderate" and builtin.is_current
    event = AuditEvent.objects.get(
        action=AuditAction.UPDATE, object_type="evaluation.CandidacyRule"
    )
    assert event.changes["diff"]["severity"] == ["moderate", "high"]
    assert event.changes["extra"]["reason"] == "Hold benzodiazepines the evening before"
    # and a second revision supersedes the clinic's version 2
    third = candidacy_rule_revise(
        rule=revised,
        clinic=clinic,
        revised_by=admin,
        kind=builtin.kind,
        severity="high",
        condition=builtin.condition,
        message=builtin.message,
        source=builtin.source,
        active=False,
        reason="Retired",
    )
    revised.refresh_from_db()
    assert third.version == 3 and not revised.is_current
    assert in_force(clinic)["INT-BENZODIAZEPINE"].active is False


def test_deactivated_rule_no_longer_fires(clinic, admin, trd_patient):
    builtin = in_force(clinic)["INT-BENZODIAZEPINE"]
    assert "INT-BENZODIAZEPINE" in {
        f.rule_id for f in candidacy_evaluate(patient=trd_patient).findings
    }
    candidacy_rule_revise(
        rule=builtin,
        clinic=clinic,
        revised_by=admin,
        kind=builtin.kind,
        severity=builtin.severity,
        condition=builtin.condition,
        message=builtin.message,
        source=builtin.source,
        active=False,
        reason="Handled by protocol",
    )
    assert "INT-BENZODIAZEPINE" not in {
        f.rule_id for f in candidacy_evaluate(patient=trd_patient).findings
    }


def test_revision_needs_a_reason_and_is_idempotent(clinic, admin):
    builtin = in_force(clinic)["INT-OPIOID"]
    fields = {
        "kind": builtin.kind,
        "severity": "high",
        "condition": builtin.condition,
        "message": builtin.message,
        "source": builtin.source,
    }
    with pytest.raises(EvaluationError, match=re.escape(RULE_REASON_REQUIRED)):
        candidacy_rule_revise(rule=builtin, clinic=clinic, revised_by=admin, reason=" ", **fields)
    key = uuid.uuid4()
    first = candidacy_rule_revise(
        rule=builtin, clinic=clinic, revised_by=admin, reason="r", submission_key=key, **fields
    )
    again = candidacy_rule_revise(
        rule=builtin, clinic=clinic, revised_by=admin, reason="r", submission_key=key, **fields
    )
    assert first.pk == again.pk
    assert CandidacyRule.objects.filter(rule_id="INT-OPIOID", clinic=clinic).count() == 1


def test_another_clinics_rule_cannot_be_revised(clinic, other_clinic, admin, make_user):
    other_admin = make_user(Role.ADMIN, other_clinic)
    theirs = candidacy_rule_create(clinic=other_clinic, created_by=other_admin, **NEW_RULE)
    with pytest.raises(EvaluationError, match=re.escape(RULE_NOT_ALLOWED)):
        candidacy_rule_revise(
            rule=theirs,
            clinic=clinic,
            revised_by=admin,
            kind="precaution",
            severity="low",
            condition={"age_lt": 18},
            message="m",
            source="s",
            reason="r",
        )

"""Pages of the candidacy evaluation: the physician's evaluation page, the intake history (staff
and portal), and the rules review for administrators."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from clinic.accounts.roles import Perm
from clinic.core.pagination import paginate
from clinic.core.permissions import NOT_PERMITTED, permission_required, user_can
from clinic.core.signatures import SignatureError
from clinic.core.sources import clinician_source
from clinic.evaluation.forms import DecisionForm, IntakeForms, RuleForm
from clinic.evaluation.intake_schema import intake_data_parse, intake_summary
from clinic.evaluation.models import CandidacyDecision, CandidacyRule, IntakeHistory, IntakeSource
from clinic.evaluation.rules import HISTORY_ITEMS, RuleKind
from clinic.evaluation.selectors import (
    candidacy_decision_signature_valid,
    candidacy_decisions,
    candidacy_evaluate,
    candidacy_rule_for_clinic,
    candidacy_rule_versions,
    candidacy_rules_in_force,
    chart_allergies,
    chart_medications,
    intake_history_draft,
    intake_history_latest_submitted,
    intake_history_versions,
)
from clinic.evaluation.services import (
    EvaluationError,
    candidacy_decision_amend,
    candidacy_decision_sign,
    candidacy_rule_create,
    candidacy_rule_revise,
    evaluation_opened,
    intake_history_save,
    intake_history_start,
    intake_history_submit,
)
from clinic.patients.drug_classes import DRUG_CLASSES
from clinic.patients.models import Patient

DECISION_SIGNED = "Decision signed: {decision}."
INTAKE_SAVED = "Draft saved. You can come back and finish it later."
INTAKE_SUBMITTED = "Intake history submitted (version {version})."
INTAKE_NEW_VERSION = "Version {version} started from your last answers; change what is different."
RULE_SAVED = "Rule {rule_id} saved as version {version}."

KIND_SECTIONS = (
    (RuleKind.INDICATION, "Indications met", "ok"),
    (RuleKind.ABSOLUTE, "Absolute contraindications", "danger"),
    (RuleKind.RELATIVE, "Relative contraindications", "warn"),
    (RuleKind.INTERACTION, "Drug interactions", "warn"),
    (RuleKind.PRECAUTION, "Precautions", ""),
)


def _chart_url(patient: Patient) -> str | None:
    try:
        return reverse("patients:chart", kwargs={"patient_id": patient.pk})
    except NoReverseMatch:
        return None


def _summary(intake: IntakeHistory | None) -> dict | None:
    return intake_summary(intake_data_parse(intake.data)) if intake is not None else None


# ---------------------------------------------------------------------------------------------
# The physician's evaluation page


@permission_required(Perm.PATIENT_VIEW)
@require_http_methods(["GET", "POST"])
def patient_evaluation(request, patient_id: int):
    """Findings, baseline measures, intake summary and decisions; physicians sign here."""
    patient = get_object_or_404(
        Patient.objects.select_related("clinic"), pk=patient_id, clinic=request.clinic
    )
    can_sign = user_can(request, Perm.ORDER_SIGN)
    if request.method == "POST" and not can_sign:
        raise PermissionDenied(NOT_PERMITTED)
    evaluation = candidacy_evaluate(patient=patient)
    decisions = candidacy_decisions(patient=patient)
    amended_ids = {d.amends_id for d in decisions if d.amends_id}
    current = next((d for d in decisions if d.signature_id and d.pk not in amended_ids), None)
    form = DecisionForm(
        request.POST if request.method == "POST" else None,
        absolute_findings=evaluation.absolute_findings,
        initial={"amends": current.pk if current else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data.get("amends"):
                previous = get_object_or_404(
                    CandidacyDecision, pk=data["amends"], patient=patient, clinic=request.clinic
                )
                decision = candidacy_decision_amend(
                    decision=previous,
                    decided_by=request.user,
                    new_decision=data["decision"],
                    reason=data["reason"],
                    password=data["password"],
                    acknowledged_finding_ids=data["acknowledged"],
                    submission_key=data.get("submission_key"),
                )
            else:
                decision = candidacy_decision_sign(
                    patient=patient,
                    decided_by=request.user,
                    decision=data["decision"],
                    reason=data["reason"],
                    password=data["password"],
                    acknowledged_finding_ids=data["acknowledged"],
                    submission_key=data.get("submission_key"),
                )
        except SignatureError as exc:
            form.add_error("password", str(exc))
        except EvaluationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(
                request, DECISION_SIGNED.format(decision=decision.get_decision_display())
            )
            return redirect("evaluation:patient", patient_id=patient.pk)
    if request.method == "GET":
        evaluation_opened(patient=patient, opened_by=request.user)
    sections = [
        {"kind": kind, "title": title, "tone": tone, "findings": evaluation.groups.get(kind, [])}
        for kind, title, tone in KIND_SECTIONS
    ]
    return render(
        request,
        "evaluation/patient.html",
        {
            "nav": "patients",
            "patient": patient,
            "chart_url": _chart_url(patient),
            "evaluation": evaluation,
            "sections": sections,
            "intake_draft": intake_history_draft(patient=patient),
            "summary": _summary(evaluation.intake),
            "decisions": [
                {"record": d, "verified": candidacy_decision_signature_valid(d)} for d in decisions
            ],
            "current": current,
            "can_sign": can_sign,
            "can_edit_intake": user_can(request, Perm.PATIENT_CLINICAL_EDIT),
            "form": form,
        },
    )


# ---------------------------------------------------------------------------------------------
# Intake history (staff with the patient, and the patient in the portal)


def _intake_page(request, *, patient: Patient, source: str, template: str, context: dict):
    """Shared GET/POST handling of the intake history for staff and the portal."""
    draft = intake_history_draft(patient=patient)
    submitted = intake_history_latest_submitted(patient=patient)
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    if action == "new_version":
        try:
            intake = intake_history_start(patient=patient, started_by=request.user, source=source)
        except EvaluationError as exc:
            raise PermissionDenied(str(exc)) from exc
        messages.info(request, INTAKE_NEW_VERSION.format(version=intake.version))
        return redirect(request.path)
    forms = None
    if request.method == "POST":
        forms = IntakeForms(request.POST)
        if forms.is_valid():
            write = intake_history_submit if action == "submit" else intake_history_save
            user_arg = "submitted_by" if action == "submit" else "saved_by"
            try:
                intake = write(
                    patient=patient,
                    source=source,
                    data=forms.cleaned_data(),
                    intake=draft,
                    **{user_arg: request.user},
                )
            except EvaluationError as exc:
                if not exc.errors and exc.field == "__all__":
                    forms.main.add_error(None, str(exc))
                forms.add_service_errors(exc.errors)
            else:
                if action == "submit":
                    messages.success(request, INTAKE_SUBMITTED.format(version=intake.version))
                else:
                    messages.success(request, INTAKE_SAVED)
                return redirect(request.path)
    editing = forms is not None or draft is not None or submitted is None
    if editing and forms is None:
        forms = IntakeForms(initial=draft.data if draft else {})
    return render(
        request,
        template,
        {
            **context,
            "patient": patient,
            "draft": draft,
            "submitted": submitted,
            "editing": editing,
            "forms": forms,
            "summary": _summary(submitted),
            "medications": chart_medications(patient=patient),
            "allergies": chart_allergies(patient=patient),
        },
    )


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_http_methods(["GET", "POST"])
def intake(request, patient_id: int):
    """Staff fill in or revise the intake history with the patient."""
    patient = get_object_or_404(Patient, pk=patient_id, clinic=request.clinic)
    return _intake_page(
        request,
        patient=patient,
        source=IntakeSource.STAFF,
        template="evaluation/intake.html",
        context={
            "nav": "patients",
            "chart_url": _chart_url(patient),
            "versions": intake_history_versions(patient=patient),
        },
    )


@permission_required(Perm.PATIENT_VIEW)
def intake_version(request, patient_id: int, version: int):
    """One version of the intake history, read-only."""
    patient = get_object_or_404(Patient, pk=patient_id, clinic=request.clinic)
    record = get_object_or_404(
        IntakeHistory.objects.select_related("submitted_by", "created_by"),
        patient=patient,
        clinic=request.clinic,
        version=version,
    )
    return render(
        request,
        "evaluation/intake_version.html",
        {"nav": "patients", "patient": patient, "record": record, "summary": _summary(record)},
    )


@permission_required(Perm.PORTAL)
@require_http_methods(["GET", "POST"])
def portal_intake(request):
    """The patient fills in their own intake history."""
    # A patient account reaches only its own record, at the clinic it is signed in to.
    patient = Patient.objects.filter(user=request.user, clinic=request.clinic).first()
    if patient is None:
        raise Http404("Your account is not linked to a patient record.")
    return _intake_page(
        request,
        patient=patient,
        source=IntakeSource.PATIENT,
        template="evaluation/portal_intake.html",
        context={"portal": True},
    )


# ---------------------------------------------------------------------------------------------
# Rules (administrators)


@permission_required(Perm.SETTINGS_EDIT)
def rules(request):
    """The rules in force at this clinic, built-in and the clinic's own, filterable by kind."""
    kind = request.GET.get("kind", "")
    rows = candidacy_rules_in_force(clinic=request.clinic)
    if kind in dict(RuleKind.CHOICES):
        rows = [r for r in rows if r.kind == kind]
    return render(
        request,
        "evaluation/rules.html",
        {
            "nav": "settings",
            "kinds": RuleKind.CHOICES,
            "kind": kind,
            **paginate(request, rows),
        },
    )


def _rule_form_initial(rule: CandidacyRule) -> dict:
    return {
        "kind": rule.kind,
        "severity": rule.severity,
        "pathway": rule.pathway,
        "condition": json.dumps(rule.condition, indent=2, ensure_ascii=False),
        "message": rule.message,
        # The physician edits the source as it reads on screen; the new version stores that text.
        "source": clinician_source(rule.source),
        "active": rule.active,
    }


RULE_FIELDS = ("kind", "severity", "pathway", "condition", "message", "source", "active", "reason")


def _rule_fields(data: dict) -> dict:
    """The rule form's values that both adding and revising a rule pass to the service."""
    return {name: data[name] for name in RULE_FIELDS}


def _rule_help() -> dict:
    return {"history_items": HISTORY_ITEMS, "drug_classes": DRUG_CLASSES}


@permission_required(Perm.SETTINGS_EDIT)
@require_http_methods(["GET", "POST"])
def rule_add(request):
    form = RuleForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rule = candidacy_rule_create(
                clinic=request.clinic,
                created_by=request.user,
                rule_id=data["rule_id"],
                submission_key=data.get("submission_key"),
                **_rule_fields(data),
            )
        except EvaluationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, RULE_SAVED.format(rule_id=rule.rule_id, version=rule.version))
            return redirect("evaluation:rules")
    return render(
        request, "evaluation/rule_edit.html", {"nav": "settings", "form": form, **_rule_help()}
    )


@permission_required(Perm.SETTINGS_EDIT)
@require_http_methods(["GET", "POST"])
def rule_edit(request, rule_id: str):
    """A new version of a rule for this clinic (a built-in is overridden here only)."""
    rule = candidacy_rule_for_clinic(clinic=request.clinic, rule_id=rule_id)
    if rule is None:
        raise Http404("No such rule.")
    form = RuleForm(request.POST or None, editing=True, initial=_rule_form_initial(rule))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            revised = candidacy_rule_revise(
                rule=rule,
                clinic=request.clinic,
                revised_by=request.user,
                submission_key=data.get("submission_key"),
                **_rule_fields(data),
            )
        except EvaluationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(
                request, RULE_SAVED.format(rule_id=revised.rule_id, version=revised.version)
            )
            return redirect("evaluation:rules")
    return render(
        request,
        "evaluation/rule_edit.html",
        {
            "nav": "settings",
            "form": form,
            "rule": rule,
            "versions": candidacy_rule_versions(clinic=request.clinic, rule_id=rule.rule_id),
            **_rule_help(),
        },
    )

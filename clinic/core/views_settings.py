"""The clinic settings screens: the list, an administrator's change to an operational setting, a
medical director's proposal for a clinical limit, and the co-signature (or rejection, withdrawal)
by a second clinician. Thin: forms parse, `clinic.core.services` decides.

Who: administrators change operational settings (settings.edit); a physician designated medical
director proposes clinical changes (settings.clinical_propose); physicians and nurses co-sign or
reject them (settings.clinical_cosign). Everyone of those sees the list and the pending changes.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic.accounts.roles import Perm
from clinic.core.clinical_settings import REGISTRY, relation_descriptions
from clinic.core.forms import CosignForm, DecisionReasonForm, SettingForm, SettingProposeForm
from clinic.core.models import SettingChangeProposal, SettingChangeStatus
from clinic.core.permissions import any_permission_required, permission_required, user_can
from clinic.core.selectors import (
    clinic_settings_all,
    clinic_settings_effective,
    setting_proposal_detail,
    setting_proposals_pending,
    setting_proposals_recent,
)
from clinic.core.services import (
    SETTING_IS_CLINICAL,
    SettingValueError,
    clinic_setting_cosign,
    clinic_setting_propose,
    clinic_setting_reject,
    clinic_setting_update,
    clinic_setting_withdraw,
)

PROPOSED = "Change to {label} proposed. It applies once another physician or nurse co-signs it."
APPLIED = "{label} is now {value}: co-signed and applied."
REJECTED = "The proposed change to {label} was rejected."
WITHDRAWN = "The proposed change to {label} was withdrawn."
UPDATED = "{label} updated."


def _definition_or_404(key: str):
    definition = REGISTRY.get(key)
    if definition is None:
        raise Http404("No such setting.")
    return definition


def _initial_value(definition, value):
    return str(value).lower() if definition.kind == "bool" else value


@any_permission_required(Perm.SETTINGS_EDIT, Perm.CLINICAL_SETTINGS_COSIGN)
def settings_list(request):
    clinic = request.clinic
    return render(
        request,
        "core/settings_list.html",
        {
            "nav": "settings",
            "rows": clinic_settings_all(clinic),
            "pending": [_proposal_row(p) for p in setting_proposals_pending(clinic=clinic)],
            "recent": [_proposal_row(p) for p in setting_proposals_recent(clinic=clinic, limit=10)],
            "can_edit_operational": user_can(request, Perm.SETTINGS_EDIT),
            "can_propose": user_can(request, Perm.CLINICAL_SETTINGS_PROPOSE),
            "can_cosign": user_can(request, Perm.CLINICAL_SETTINGS_COSIGN),
        },
    )


def _change_page(request, definition, form, *, proposing: bool):
    values = clinic_settings_effective(request.clinic)
    current = values[definition.key]
    return render(
        request,
        "core/setting_edit.html",
        {
            "nav": "settings",
            "form": form,
            "definition": definition,
            "current": definition.format_value(current),
            "default": definition.format_value(definition.to_python(definition.default)),
            "out_of_range": definition.bounds_problem(current),
            "related": relation_descriptions(key=definition.key, values=values),
            "proposing": proposing,
        },
    )


@permission_required(Perm.SETTINGS_EDIT)
def setting_edit(request, key: str):
    """An administrator changes an operational setting at once (with a reason, audited)."""
    definition = _definition_or_404(key)
    if definition.is_clinical:
        # No edit control is offered for a clinical limit; a typed address is refused too.
        raise PermissionDenied(SETTING_IS_CLINICAL.format(label=definition.label))
    current = clinic_settings_effective(request.clinic)[key]
    form = SettingForm(
        request.POST or None, definition=definition, initial={"value": _initial_value(definition, current)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            clinic_setting_update(
                clinic=request.clinic,
                key=key,
                raw_value=form.cleaned_data["value"],
                changed_by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except SettingValueError as exc:
            form.add_error("value", str(exc))
        else:
            messages.success(request, UPDATED.format(label=definition.label))
            return redirect("core:settings")
    return _change_page(request, definition, form, proposing=False)


@permission_required(Perm.CLINICAL_SETTINGS_PROPOSE)
def setting_propose(request, key: str):
    """A medical director proposes a new value for a clinical limit; it waits for a co-signature."""
    definition = _definition_or_404(key)
    if not definition.is_clinical:
        raise Http404("Operational settings are changed by an administrator.")
    current = clinic_settings_effective(request.clinic)[key]
    form = SettingProposeForm(
        request.POST or None, definition=definition, initial={"value": _initial_value(definition, current)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            proposal = clinic_setting_propose(
                clinic=request.clinic,
                key=key,
                raw_value=form.cleaned_data["value"],
                proposed_by=request.user,
                reason=form.cleaned_data["reason"],
                submission_key=form.cleaned_data["submission_key"],
            )
        except SettingValueError as exc:
            form.add_error("value", str(exc))
        else:
            messages.success(request, PROPOSED.format(label=definition.label))
            return redirect("core:setting_proposal", proposal_id=proposal.pk)
    return _change_page(request, definition, form, proposing=True)


@permission_required(Perm.CLINICAL_SETTINGS_COSIGN)
def setting_proposals(request):
    """Clinicians' list of changes to clinical limits waiting for their co-signature."""
    pending = setting_proposals_pending(clinic=request.clinic)
    rows = [_proposal_row(p) for p in pending]
    return render(
        request,
        "core/setting_proposals.html",
        {"nav": "settings", "rows": rows, "user_id": request.user.pk},
    )


def _proposal_row(proposal: SettingChangeProposal) -> dict:
    definition = REGISTRY.get(proposal.key)
    if definition is None:  # a setting whose app was removed: shown by its key
        return {
            "proposal": proposal,
            "label": proposal.key,
            "old": proposal.old_value,
            "new": proposal.new_value,
        }
    return {
        "proposal": proposal,
        "definition": definition,
        "label": definition.label,
        "old": definition.format_value(definition.to_python(proposal.old_value)),
        "new": definition.format_value(definition.to_python(proposal.new_value)),
    }


def _proposal_or_404(request, proposal_id: int) -> SettingChangeProposal:
    try:
        return setting_proposal_detail(clinic=request.clinic, proposal_id=proposal_id)
    except SettingChangeProposal.DoesNotExist as exc:
        raise Http404("No such proposal.") from exc


def _proposal_page(request, proposal, *, cosign_form=None, reject_form=None, withdraw_form=None, status=200):
    is_pending = proposal.status == SettingChangeStatus.PENDING
    is_proposer = proposal.proposed_by_id == request.user.pk
    can_decide = is_pending and not is_proposer and user_can(request, Perm.CLINICAL_SETTINGS_COSIGN)
    can_withdraw = is_pending and (is_proposer or user_can(request, Perm.CLINICAL_SETTINGS_PROPOSE))
    # A refusal for a form this person is not shown (e.g. the proposer posting a co-signature) is
    # said at the top of the page instead of being lost.
    hidden_errors = [
        message
        for form, shown in (
            (cosign_form, can_decide),
            (reject_form, can_decide),
            (withdraw_form, can_withdraw),
        )
        if form is not None and not shown
        for messages_ in form.errors.values()
        for message in messages_
    ]
    values = clinic_settings_effective(request.clinic)
    row = _proposal_row(proposal)
    return render(
        request,
        "core/setting_proposal.html",
        {
            "nav": "settings",
            **row,
            "is_pending": is_pending,
            "is_proposer": is_proposer,
            "can_decide": can_decide,
            "can_withdraw": can_withdraw,
            "current": row["definition"].format_value(values[proposal.key]) if "definition" in row else "",
            "related": relation_descriptions(key=proposal.key, values=values),
            "cosign_form": cosign_form or CosignForm(),
            "reject_form": reject_form or DecisionReasonForm(prefix="reject"),
            "withdraw_form": withdraw_form or DecisionReasonForm(prefix="withdraw"),
            "hidden_errors": hidden_errors,
        },
        status=status,
    )


@any_permission_required(Perm.SETTINGS_EDIT, Perm.CLINICAL_SETTINGS_COSIGN)
def setting_proposal(request, proposal_id: int):
    return _proposal_page(request, _proposal_or_404(request, proposal_id))


@require_POST
@permission_required(Perm.CLINICAL_SETTINGS_COSIGN)
def setting_proposal_cosign(request, proposal_id: int):
    proposal = _proposal_or_404(request, proposal_id)
    form = CosignForm(request.POST)
    if form.is_valid():
        try:
            applied = clinic_setting_cosign(
                proposal=proposal, cosigned_by=request.user, password=form.cleaned_data["password"]
            )
        except SettingValueError as exc:
            form.add_error("password", str(exc))
        else:
            row = _proposal_row(applied)
            messages.success(request, APPLIED.format(label=row["label"], value=row["new"]))
            return redirect("core:settings")
    return _proposal_page(request, proposal, cosign_form=form)


@require_POST
@permission_required(Perm.CLINICAL_SETTINGS_COSIGN)
def setting_proposal_reject(request, proposal_id: int):
    proposal = _proposal_or_404(request, proposal_id)
    form = DecisionReasonForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            clinic_setting_reject(
                proposal=proposal, rejected_by=request.user, reason=form.cleaned_data["reason"]
            )
        except SettingValueError as exc:
            form.add_error("reason", str(exc))
        else:
            messages.success(request, REJECTED.format(label=_proposal_row(proposal)["label"]))
            return redirect("core:settings")
    return _proposal_page(request, proposal, reject_form=form)


@require_POST
@any_permission_required(Perm.CLINICAL_SETTINGS_PROPOSE, Perm.CLINICAL_SETTINGS_COSIGN)
def setting_proposal_withdraw(request, proposal_id: int):
    """The proposer (any clinician who proposed it) or a medical director withdraws a pending change;
    the service decides which of them may."""
    proposal = _proposal_or_404(request, proposal_id)
    form = DecisionReasonForm(request.POST, prefix="withdraw")
    if form.is_valid():
        try:
            clinic_setting_withdraw(
                proposal=proposal, withdrawn_by=request.user, reason=form.cleaned_data["reason"]
            )
        except SettingValueError as exc:
            form.add_error("reason", str(exc))
        else:
            messages.success(request, WITHDRAWN.format(label=_proposal_row(proposal)["label"]))
            return redirect("core:settings")
    return _proposal_page(request, proposal, withdraw_form=form)

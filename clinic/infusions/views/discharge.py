"""Recovery criteria, the score, the driver and the patient's acknowledgement on the tablet."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinic.accounts.roles import Perm
from clinic.core.permissions import permission_required
from clinic.core.phones import clinic_phone_display
from clinic.infusions import forms as f
from clinic.infusions.calculations import (
    SCORE_SYSTEMS,
    suggested_score_items,
)
from clinic.infusions.selectors import (
    gate_state,
    infusion_settings,
    reading_of,
    session_state,
)
from clinic.infusions.services import (
    DischargeRefused,
    discharge_instructions,
    session_discharge,
)
from clinic.infusions.views._common import (
    DISCHARGED,
    _add_errors,
    _session_or_404,
)

# --- Discharge --------------------------------------------------------------------------------


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_http_methods(["GET", "POST"])
def discharge(request, session_id: int):
    """Recovery criteria, the score, the driver, and the patient's acknowledgement on the tablet."""
    session = _session_or_404(request, session_id)
    config = infusion_settings(clinic=session.clinic)
    state = session_state(session=session, config=config)
    system = SCORE_SYSTEMS[config.discharge_score_system]
    instructions = discharge_instructions(session=session, no_driving_hours=config.no_driving_hours)
    initial = {}
    check = gate_state(session=session).check
    if check is not None:
        escort = (check.items.get("escort") or {}).get("value") or {}
        initial = {
            "driver_name": escort.get("name", ""),
            "driver_phone": clinic_phone_display(escort.get("phone", ""), clinic=session.clinic),
        }
    suggested = suggested_score_items(
        system, baseline=reading_of(state.baseline_vital), latest=reading_of(state.latest_recovery_vital)
    )
    initial.update({f.SCORE_PREFIX + key: str(value) for key, value in suggested.items()})
    form = f.DischargeForm(request.POST or None, system=system, instructions=instructions, initial=initial)
    refused = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session_discharge(
                session=session,
                discharged_by=request.user,
                score_items_given=form.score_items(),
                driver_name=data["driver_name"],
                driver_phone=data["driver_phone"],
                patient_typed_name=data["patient_typed_name"],
                instructions_acknowledged=data["instructions"],
                password=data["password"],
            )
        except DischargeRefused as exc:
            refused = exc.criteria
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, DISCHARGED.format(driver=data["driver_name"]))
            return redirect("infusions:session", session_id=session.pk)
    return render(
        request,
        "infusions/discharge.html",
        {
            "nav": "infusions",
            "session": session,
            "patient": session.patient,
            "state": state,
            "form": form,
            "system": system,
            "config": config,
            "refused": refused,
            "fixed_items": [item for item in system.items if item.fixed is not None],
        },
    )

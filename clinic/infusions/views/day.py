"""Today's infusions and the check-in."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from clinic.accounts.roles import Perm
from clinic.core.pagination import paginate
from clinic.core.permissions import permission_required, user_can
from clinic.infusions import forms as f
from clinic.infusions.selectors import (
    check_in_choice,
    free_chairs,
    infusion_appointments_for_day,
)
from clinic.infusions.services import (
    session_check_in,
)
from clinic.infusions.views._common import (
    CHECKED_IN,
    _add_errors,
)
from clinic.scheduling.models import Appointment
from clinic.scheduling.selectors import clinic_today

# --- Today's infusions and check-in -----------------------------------------------------------


@permission_required(Perm.APPOINTMENT_VIEW)
@require_GET
def day(request):
    """Today's infusion appointments with their session (or a check-in button)."""
    today = clinic_today(request.clinic)
    appointments = infusion_appointments_for_day(clinic=request.clinic, day=today)
    context = {
        "nav": "infusions",
        "today": today,
        "can_chart": user_can(request, Perm.PATIENT_CLINICAL_EDIT),
        **paginate(request, appointments),
    }
    return render(request, "infusions/day.html", context)


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_http_methods(["GET", "POST"])
def check_in(request, appointment_id: int):
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "room"), pk=appointment_id, clinic=request.clinic
    )
    choice = check_in_choice(patient=appointment.patient)
    chairs = free_chairs(clinic=request.clinic)
    initial = {"nurse": request.user.pk}
    if appointment.room_id and chairs.filter(pk=appointment.room_id).exists():
        initial["chair"] = appointment.room_id
    form = f.CheckInForm(
        request.POST or None,
        orders=choice.orders,
        next_order=choice.next_order,
        chairs=chairs,
        clinic=request.clinic,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = session_check_in(
                appointment=appointment,
                order=form.cleaned_data["order"],
                chair=form.cleaned_data["chair"],
                nurse=form.cleaned_data["nurse"],
                checked_in_by=request.user,
                order_choice_reason=form.cleaned_data["order_choice_reason"],
                submission_key=form.cleaned_data["submission_key"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, CHECKED_IN.format(chair=session.chair.name))
            return redirect("infusions:session", session_id=session.pk)
    return render(
        request,
        "infusions/check_in.html",
        {
            "nav": "infusions",
            "appointment": appointment,
            "patient": appointment.patient,
            "form": form,
            "choice": choice,
            "no_orders": not choice.orders.exists(),
        },
    )

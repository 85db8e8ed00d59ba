"""The appointments day list and booking a consultation for a registered patient."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from clinic.accounts.roles import Perm
from clinic.core.pagination import paginate
from clinic.core.permissions import permission_required
from clinic.patients.models import Patient
from clinic.scheduling.forms import ConsultationBookForm, DayForm, apply_service_errors
from clinic.scheduling.selectors import appointments_for_day, clinic_today
from clinic.scheduling.services import consultation_book

BAD_DATE = "That date could not be read; showing today instead."


def day_list_url(day: dt.date) -> str:
    return f"{reverse('scheduling:list')}?date={day.isoformat()}"


@permission_required(Perm.APPOINTMENT_VIEW)
def appointment_list(request):
    """One day of the clinic's appointments (the clinic's local day), with day-to-day navigation."""
    today = clinic_today(request.clinic)
    form = DayForm(request.GET or None)
    day = today
    if request.GET.get("date"):
        if form.is_valid() and form.cleaned_data["date"]:
            day = form.cleaned_data["date"]
        else:
            messages.warning(request, BAD_DATE)
    appointments = appointments_for_day(clinic=request.clinic, day=day)
    context = {
        "nav": "appointments",
        "day": day,
        "today": today,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "form": DayForm(initial={"date": day}),
        **paginate(request, appointments),
    }
    return render(request, "scheduling/list.html", context)


@permission_required(Perm.APPOINTMENT_BOOK)
def consultation_book_view(request, patient_id: int | None = None):
    """Book a consultation for a patient already registered at this clinic."""
    patient = None
    if patient_id is not None:
        patient = get_object_or_404(Patient, pk=patient_id, clinic=request.clinic)
    form = ConsultationBookForm(request.POST or None, clinic=request.clinic, patient=patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = consultation_book(
                patient=form.patient, starts_at=data["starts_at"], booked_by=request.user,
                room=data["room"], clinician=data["clinician"], notes=data["notes"],
                submission_key=data["submission_key"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, {"starts_at": "start_time"})
        else:
            local = appointment.starts_at.astimezone(request.clinic.tzinfo)
            messages.success(
                request,
                f"Consultation booked for {form.patient.record_number} on {local:%a %d %b %Y at %H:%M}.",
            )
            return redirect(day_list_url(local.date()))
    return render(
        request, "scheduling/book.html",
        {"nav": "appointments", "form": form, "patient": patient},
    )

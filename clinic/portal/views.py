"""The patient portal: a patient sees their own upcoming visits and how to reach help."""

from django.shortcuts import render

from clinic.accounts.roles import Perm
from clinic.core.permissions import permission_required
from clinic.core.phones import clinic_phone_display
from clinic.portal.selectors import portal_patient, portal_upcoming_appointments


@permission_required(Perm.PORTAL)
def home(request):
    patient = portal_patient(user=request.user, clinic=request.clinic)
    context = {
        "patient": patient,
        "appointments": portal_upcoming_appointments(patient=patient) if patient else [],
        "clinic_phone": clinic_phone_display(request.clinic.phone, clinic=request.clinic),
    }
    return render(request, "portal/home.html", context)

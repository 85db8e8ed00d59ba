"""Registry and chart pages. Thin: forms validate, services write, selectors read."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinic.accounts.roles import Perm
from clinic.core.form_views import form_submit
from clinic.core.pagination import paginate
from clinic.core.permissions import permission_required
from clinic.core.phones import clinic_phone_region
from clinic.patients.forms import (
    AllergyForm,
    DiagnosisForm,
    DiagnosisStatusForm,
    MeasurementForm,
    MedicationForm,
    MedicationStopForm,
    PatientForm,
    PatientRegisterForm,
    PatientSearchForm,
)
from clinic.patients.models import Allergy, Diagnosis, DiagnosisStatus, Medication, Patient
from clinic.patients.selectors import patient_chart, patient_history, patient_search
from clinic.patients.services import (
    CHART_HISTORY_OPENED,
    allergy_add,
    allergy_deactivate,
    diagnosis_add,
    diagnosis_set_status,
    measurement_record,
    medication_add,
    medication_stop,
    patient_chart_opened,
    patient_register,
    patient_update,
)
from clinic.patients.timeline import patient_timeline

# The search text lives in the session, not the URL: names and dates of birth must not reach
# query strings (browser history, proxy and server logs). Pagination links carry only ?page=.
SEARCH_SESSION_KEY = "patients_search_q"
CHART_SECTIONS = {
    "timeline": "patients/_timeline.html",
    "allergies": "patients/_allergies.html",
    "measurements": "patients/_measurements.html",
}


def _chart_url(patient) -> str:
    return reverse("patients:chart", kwargs={"patient_id": patient.pk})


def _patient_or_404(request, patient_id: int) -> Patient:
    patient = get_object_or_404(Patient, pk=patient_id, clinic=request.clinic)
    patient.clinic = request.clinic  # same row, already loaded by the middleware
    return patient


@permission_required(Perm.PATIENT_VIEW)
def patient_list(request):
    """The registry with one search box. POST stores the search; GET shows a page of results."""
    if request.method == "POST":
        form = PatientSearchForm(request.POST)
        query = form.cleaned_data["q"].strip() if form.is_valid() else ""
        request.session[SEARCH_SESSION_KEY] = query
        if not request.htmx:
            return redirect(f"{request.path}?page=1")
    elif "page" not in request.GET:
        # Coming back to the list starts a fresh search.
        request.session.pop(SEARCH_SESSION_KEY, None)
    query = request.session.get(SEARCH_SESSION_KEY, "")
    context = {
        "nav": "patients",
        "form": PatientSearchForm(initial={"q": query}),
        "query": query,
        **paginate(request, patient_search(clinic=request.clinic, query=query)),
    }
    if request.htmx:
        return render(request, "patients/_results.html", context)
    return render(request, "patients/list.html", context)


@permission_required(Perm.PATIENT_EDIT)
def patient_register_view(request):
    form = PatientRegisterForm(request.POST or None, phone_region=clinic_phone_region(request.clinic))
    done = form_submit(
        request, form,
        lambda data: patient_register(
            clinic=request.clinic, registered_by=request.user,
            submission_key=data.get("submission_key"), **form.service_fields(),
        ),
        success=lambda patient: f"Registered with record number {patient.record_number}.",
        redirect_to=lambda patient: _chart_url(patient),
    )
    if done:
        return done
    return render(request, "patients/register.html", {"nav": "patients", "form": form})


@permission_required(Perm.PATIENT_EDIT)
def patient_edit(request, patient_id: int):
    patient = _patient_or_404(request, patient_id)
    form = PatientForm(
        request.POST or None, instance=patient, phone_region=clinic_phone_region(request.clinic)
    )
    done = form_submit(
        request, form,
        lambda data: patient_update(patient=patient, updated_by=request.user, **form.service_fields()),
        success="Patient details saved.", redirect_to=_chart_url(patient),
    )
    if done:
        return done
    # The bound form's instance carries unsaved edits; the header shows the stored record.
    stored = _patient_or_404(request, patient_id) if form.is_bound else patient
    return render(request, "patients/edit.html",
                  {"nav": "patients", "form": form, "patient": stored})


@permission_required(Perm.PATIENT_VIEW)
def patient_chart_view(request, patient_id: int):
    """The chart. A full page load is audited as "chart opened"; htmx section refreshes are not."""
    patient = _patient_or_404(request, patient_id)
    if request.htmx:
        template = CHART_SECTIONS.get(request.GET.get("section", ""))
        if template is None:
            raise Http404("No such section.")
        chart = patient_chart(patient=patient)
        context = {"patient": patient, "chart": chart}
        if template == CHART_SECTIONS["timeline"]:
            context["timeline"] = patient_timeline(patient=patient)
        return render(request, template, context)
    patient_chart_opened(patient=patient, opened_by=request.user)
    context = {
        "nav": "patients",
        "patient": patient,
        "chart": patient_chart(patient=patient),
        "timeline": patient_timeline(patient=patient),
        "diagnosis_statuses": DiagnosisStatus.choices,
    }
    return render(request, "patients/chart.html", context)


@permission_required(Perm.PATIENT_VIEW)
def patient_history_view(request, patient_id: int):
    """Every past version of the chart; each page load is audited like opening the chart."""
    patient = _patient_or_404(request, patient_id)
    patient_chart_opened(patient=patient, opened_by=request.user, summary=CHART_HISTORY_OPENED)
    context = {
        "nav": "patients", "patient": patient,
        **paginate(request, patient_history(patient=patient), per_page=50),
    }
    return render(request, "patients/history.html", context)


def _clinical_form_page(request, patient, form, *, title: str, submit: str, intro: str = ""):
    return render(request, "patients/clinical_form.html", {
        "nav": "patients", "patient": patient, "form": form, "title": title,
        "submit": submit, "intro": intro,
    })


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
def measurement_add(request, patient_id: int):
    patient = _patient_or_404(request, patient_id)
    form = MeasurementForm(request.POST or None)
    done = form_submit(
        request, form,
        lambda data: measurement_record(
            patient=patient, recorded_by=request.user, measured_at=data["measured_at"],
            weight_kg=data["weight_kg"], height_cm=data["height_cm"],
            confirm_weight_change=data["confirm_weight_change"],
            confirm_height_change=data["confirm_height_change"],
            submission_key=data.get("submission_key"),
        ),
        success="Measurement recorded.", redirect_to=_chart_url(patient),
    )
    if done:
        return done
    return _clinical_form_page(
        request, patient, form, title="Record weight and height", submit="Save measurement",
        intro="Weight in kilograms and height in centimetres; either or both.",
    )


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
def diagnosis_add_view(request, patient_id: int):
    patient = _patient_or_404(request, patient_id)
    form = DiagnosisForm(request.POST or None)
    done = form_submit(
        request, form,
        lambda data: diagnosis_add(
            patient=patient, noted_by=request.user, icd10_code=data["icd10_code"],
            description=data["description"], onset_date=data["onset_date"],
            status=data["status"], submission_key=data.get("submission_key"),
        ),
        success="Diagnosis added.", redirect_to=_chart_url(patient),
    )
    if done:
        return done
    return _clinical_form_page(request, patient, form, title="Add a diagnosis",
                               submit="Add diagnosis")


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def diagnosis_status(request, patient_id: int, diagnosis_id: int):
    patient = _patient_or_404(request, patient_id)
    diagnosis = get_object_or_404(Diagnosis, pk=diagnosis_id, patient=patient,
                                  clinic=request.clinic)
    form = DiagnosisStatusForm(request.POST)
    if form.is_valid():
        try:
            diagnosis_set_status(diagnosis=diagnosis, status=form.cleaned_data["status"],
                                 changed_by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Diagnosis {diagnosis.icd10_code} updated.")
    else:
        messages.error(request, "Choose a status from the list.")
    return redirect("patients:chart", patient_id=patient.pk)


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
def medication_add_view(request, patient_id: int):
    patient = _patient_or_404(request, patient_id)
    form = MedicationForm(request.POST or None)
    done = form_submit(
        request, form,
        lambda data: medication_add(
            patient=patient, recorded_by=request.user, name=data["name"], dose=data["dose"],
            frequency=data["frequency"], drug_class=data["drug_class"],
            started_on=data["started_on"], submission_key=data.get("submission_key"),
        ),
        success="Medication added.", redirect_to=_chart_url(patient),
    )
    if done:
        return done
    return _clinical_form_page(
        request, patient, form, title="Add a medication", submit="Add medication",
        intro="Current medications, with the class the interaction checks read.",
    )


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
def medication_stop_view(request, patient_id: int, medication_id: int):
    patient = _patient_or_404(request, patient_id)
    medication = get_object_or_404(Medication, pk=medication_id, patient=patient,
                                   clinic=request.clinic)
    form = MedicationStopForm(request.POST or None)
    done = form_submit(
        request, form,
        lambda data: medication_stop(medication=medication, stopped_by=request.user,
                                     stopped_on=data["stopped_on"]),
        success=f"{medication.name} recorded as stopped.", redirect_to=_chart_url(patient),
    )
    if done:
        return done
    return _clinical_form_page(
        request, patient, form, title=f"Stop {medication}", submit="Record as stopped",
    )


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
def allergy_add_view(request, patient_id: int):
    patient = _patient_or_404(request, patient_id)
    form = AllergyForm(request.POST or None)
    done = form_submit(
        request, form,
        lambda data: allergy_add(
            patient=patient, recorded_by=request.user, substance=data["substance"],
            reaction=data["reaction"], severity=data["severity"],
            submission_key=data.get("submission_key"),
        ),
        success="Allergy recorded.", redirect_to=_chart_url(patient),
    )
    if done:
        return done
    return _clinical_form_page(request, patient, form, title="Record an allergy",
                               submit="Record allergy")


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_POST
def allergy_deactivate_view(request, patient_id: int, allergy_id: int):
    patient = _patient_or_404(request, patient_id)
    allergy = get_object_or_404(Allergy, pk=allergy_id, patient=patient, clinic=request.clinic)
    try:
        allergy_deactivate(allergy=allergy, changed_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Allergy to {allergy.substance} marked no longer active.")
    return redirect("patients:chart", patient_id=patient.pk)

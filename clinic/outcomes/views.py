"""Questionnaire entry (staff and portal), responses, score trends and the safety-alert list."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from clinic.accounts.roles import Perm
from clinic.core.pagination import paginate
from clinic.core.permissions import permission_required
from clinic.outcomes.charts import trend_chart
from clinic.outcomes.forms import AcknowledgeForm, QuestionnaireForm
from clinic.outcomes.instruments import (
    ASQ,
    INSTRUMENTS,
    PORTAL_INSTRUMENTS,
    Flag,
    Instrument,
    InvalidAnswers,
    RiskLevel,
)
from clinic.outcomes.models import (
    AlertStatus,
    QuestionnaireResponse,
    ResponseContext,
    ResponseSource,
    SafetyAlert,
)
from clinic.outcomes.selectors import (
    acknowledged_safety_alerts,
    instruments_answered,
    open_safety_alerts,
    responses_for_patient,
    score_series,
)
from clinic.outcomes.services import (
    ALERT_ALREADY_ACKNOWLEDGED,
    QuestionnaireError,
    SafetyAlertError,
    questionnaire_response_record,
    safety_alert_acknowledge,
)
from clinic.patients.models import Patient

RESPONSE_SAVED = "{name} saved: {total} ({band})."
ALERT_ACKNOWLEDGED = "Alert acknowledged."


def _instrument_or_404(code: str, allowed=None) -> Instrument:
    instrument = INSTRUMENTS.get(code)
    if instrument is None or (allowed is not None and code not in allowed):
        raise Http404("No such questionnaire.")
    return instrument


def _record_from_form(request, form, *, patient, instrument, staff: bool):
    """Run the service with the form's data; on failure put the errors on the form, return None."""
    try:
        return questionnaire_response_record(
            patient=patient,
            instrument_code=instrument.code,
            answers=form.answers(),
            context=form.cleaned_data["context"] if staff else ResponseContext.BETWEEN_VISITS,
            entered_by=request.user,
            completed_at=form.cleaned_data.get("completed_at") if staff else None,
            source=ResponseSource.STAFF if staff else ResponseSource.PATIENT,
            submission_key=form.cleaned_data.get("submission_key"),
        )
    except InvalidAnswers as exc:
        form.add_answer_errors(exc)
    except QuestionnaireError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
    return None


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_http_methods(["GET", "POST"])
def enter(request, patient_id: int, instrument_code: str):
    patient = get_object_or_404(Patient, pk=patient_id, clinic=request.clinic)
    instrument = _instrument_or_404(instrument_code)
    initial = {}
    if request.GET.get("context") in ResponseContext.values:
        initial["context"] = request.GET["context"]
    form = QuestionnaireForm(
        request.POST if request.method == "POST" else None, instrument=instrument, staff=True, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        response = _record_from_form(request, form, patient=patient, instrument=instrument, staff=True)
        if response is not None:
            messages.success(
                request,
                RESPONSE_SAVED.format(
                    name=instrument.short_name,
                    total=response.total,
                    band=instrument.band_label(response.band),
                ),
            )
            return redirect("outcomes:response", response_id=response.pk)
    return render(
        request,
        "outcomes/enter.html",
        {"nav": "patients", "patient": patient, "instrument": instrument, "form": form},
    )


def _answer_rows(instrument: Instrument, answers: dict) -> list[dict]:
    rows = []
    for item in instrument.items:
        value = answers.get(item.key)
        if item.kind == "text":
            if value:
                rows.append({"item": item, "answer": value, "value": ""})
            continue
        rows.append(
            {
                "item": item,
                "answer": item.option_label(value) if value is not None else "Not asked",
                # ASQ answers are not points (2 means "declined"), so only scales show a value.
                "value": "" if value is None or instrument.code == ASQ else value,
                "crisis": value in item.crisis_values,
            }
        )
    return rows


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
def response_detail(request, response_id: int):
    response = get_object_or_404(
        QuestionnaireResponse.objects.select_related(
            "patient", "entered_by", "safety_alert", "safety_alert__acknowledged_by"
        ),
        pk=response_id,
        clinic=request.clinic,
    )
    instrument = _instrument_or_404(response.instrument_code)
    alert = getattr(response, "safety_alert", None)
    return render(
        request,
        "outcomes/response.html",
        {
            "nav": "patients",
            "response": response,
            "patient": response.patient,
            "instrument": instrument,
            "band_label": instrument.band_label(response.band),
            "flags": [Flag.LABELS.get(flag, flag) for flag in response.flags],
            "rows": _answer_rows(instrument, response.answers),
            "alert": alert,
            "ack_form": AcknowledgeForm(auto_id=f"ack-{alert.pk}-%s") if alert else None,
        },
    )


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
def patient_scores(request, patient_id: int):
    patient = get_object_or_404(Patient, pk=patient_id, clinic=request.clinic)
    selected = request.GET.get("instrument") or ""
    if selected not in INSTRUMENTS:
        selected = ""
    answered = instruments_answered(patient=patient)
    charts = []
    for code in INSTRUMENTS:
        if code not in answered or (selected and code != selected):
            continue
        instrument = INSTRUMENTS[code]
        chart = trend_chart(
            score_series(patient=patient, instrument_code=code),
            instrument=instrument,
            tzinfo=request.clinic.tzinfo,
        )
        charts.append({"instrument": instrument, "chart": chart})
    page = paginate(request, responses_for_patient(patient=patient, instrument_code=selected))
    for response in page["page_obj"]:
        instrument = INSTRUMENTS.get(response.instrument_code)
        response.instrument = instrument
        response.band_label = instrument.band_label(response.band) if instrument else response.band
    return render(
        request,
        "outcomes/patient_scores.html",
        {
            "nav": "patients",
            "patient": patient,
            "charts": charts,
            "instruments": INSTRUMENTS.values(),
            "selected": selected,
            "open_alerts": list(open_safety_alerts(patient=patient)),
            **page,
        },
    )


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
def alerts(request):
    status = request.GET.get("status")
    if status == AlertStatus.ACKNOWLEDGED:
        queryset = acknowledged_safety_alerts(clinic=request.clinic)
    else:
        status = AlertStatus.OPEN
        queryset = open_safety_alerts(clinic=request.clinic)
    page = paginate(request, queryset)
    return render(
        request,
        "outcomes/alerts.html",
        {"nav": "alerts", "status": status, "ack_form": AcknowledgeForm(), **page},
    )


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_http_methods(["GET", "POST"])
def alert_acknowledge(request, alert_id: int):
    alert = get_object_or_404(
        SafetyAlert.objects.select_related("patient", "response", "acknowledged_by"),
        pk=alert_id,
        clinic=request.clinic,
    )
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if not alert.is_open:
        messages.info(request, ALERT_ALREADY_ACKNOWLEDGED)
        return redirect(next_url or "outcomes:alerts")
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            safety_alert_acknowledge(
                alert=alert,
                acknowledged_by=request.user,
                action_taken=form.cleaned_data["action_taken"],
            )
        except SafetyAlertError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, ALERT_ACKNOWLEDGED)
            return redirect(next_url or "outcomes:alerts")
    instrument = INSTRUMENTS.get(alert.response.instrument_code)
    return render(
        request,
        "outcomes/alert_acknowledge.html",
        {
            "nav": "alerts",
            "alert": alert,
            "instrument": instrument,
            "form": form,
            "next": next_url,
        },
    )


def _portal_patient(request) -> Patient:
    # A patient account reaches only its own record, at the clinic it is signed in to.
    patient = Patient.objects.filter(user=request.user, clinic=request.clinic).first()
    if patient is None:
        raise Http404("Your account is not linked to a patient record.")
    return patient


@permission_required(Perm.PORTAL)
@require_http_methods(["GET", "POST"])
def portal_fill(request, instrument_code: str):
    patient = _portal_patient(request)
    instrument = _instrument_or_404(instrument_code, allowed=PORTAL_INSTRUMENTS)
    form = QuestionnaireForm(
        request.POST if request.method == "POST" else None, instrument=instrument, staff=False
    )
    if request.method == "POST" and form.is_valid():
        response = _record_from_form(request, form, patient=patient, instrument=instrument, staff=False)
        if response is not None:
            return redirect("outcomes:portal_done", response_id=response.pk)
    return render(
        request,
        "outcomes/portal_fill.html",
        {"patient": patient, "instrument": instrument, "form": form},
    )


@permission_required(Perm.PORTAL)
def portal_done(request, response_id: int):
    patient = _portal_patient(request)
    response = get_object_or_404(
        QuestionnaireResponse, pk=response_id, patient=patient, clinic=request.clinic
    )
    instrument = _instrument_or_404(response.instrument_code)
    return render(
        request,
        "outcomes/portal_done.html",
        {
            "patient": patient,
            "response": response,
            "instrument": instrument,
            "band_label": instrument.band_label(response.band),
            "crisis": response.risk_level != RiskLevel.NONE,
        },
    )

"""Documents of an infusion session: the after-visit summary (staff and the patient's portal), the
summary for the referring clinician (download or e-mail) and the printable flowsheet (HTML with a
server-side SVG chart, and PDF). URLs carry only ids; downloads are named by session id."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from clinic.accounts.roles import Perm
from clinic.core.pagination import paginate
from clinic.core.permissions import permission_required, user_can
from clinic.documents.charts import vitals_chart_svg
from clinic.documents.models import DocumentKind
from clinic.documents.pdf import after_visit_summary_pdf, flowsheet_pdf, referral_letter_pdf
from clinic.documents.selectors import (
    after_visit_summary,
    deliveries_for_session,
    flowsheet_for_session,
    portal_session_for_documents,
    portal_sessions,
    session_for_documents,
)
from clinic.documents.services import (
    NOT_DISCHARGED,
    document_export_record,
    document_filename,
    document_view_record,
    referral_letter_send,
)
from clinic.infusions.models import InfusionSession, SessionStatus
from clinic.portal.selectors import portal_patient

SENT = "The summary was e-mailed to {email}."


def _session_or_404(request, session_id: int) -> InfusionSession:
    try:
        return session_for_documents(clinic=request.clinic, session_id=session_id)
    except InfusionSession.DoesNotExist:
        raise Http404("No such infusion session.") from None


def _pdf_response(request, *, session, kind: str, pdf: bytes) -> HttpResponse:
    document_export_record(session=session, exported_by=request.user, kind=kind, size_bytes=len(pdf))
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = document_filename(kind=kind, session_id=session.pk)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@permission_required(Perm.PATIENT_VIEW)
@require_GET
def session_documents(request, session_id: int):
    """The session's documents: what can be downloaded, sent or printed, and what was sent."""
    session = _session_or_404(request, session_id)
    document_view_record(session=session, opened_by=request.user, what="Session documents")
    context = {
        "nav": "patients",
        "session": session,
        "patient": session.patient,
        "discharged": session.status == SessionStatus.DISCHARGED,
        "can_send": user_can(request, Perm.PATIENT_EDIT),
        "can_chart": user_can(request, Perm.PATIENT_CLINICAL_EDIT),
        "deliveries": deliveries_for_session(session=session),
        "submission_key": uuid.uuid4(),
        "not_discharged": NOT_DISCHARGED,
    }
    return render(request, "documents/session.html", context)


@permission_required(Perm.PATIENT_VIEW)
@require_GET
def summary_pdf(request, session_id: int):
    """The patient's after-visit summary (after discharge)."""
    session = _session_or_404(request, session_id)
    if session.status != SessionStatus.DISCHARGED:
        raise Http404(NOT_DISCHARGED)
    pdf = after_visit_summary_pdf(after_visit_summary(session=session))
    return _pdf_response(request, session=session, kind=DocumentKind.AFTER_VISIT_SUMMARY, pdf=pdf)


@permission_required(Perm.PATIENT_VIEW)
@require_GET
def referral_pdf(request, session_id: int):
    """The summary addressed to the referring clinician, to download (after discharge)."""
    session = _session_or_404(request, session_id)
    if session.status != SessionStatus.DISCHARGED:
        raise Http404(NOT_DISCHARGED)
    pdf = referral_letter_pdf(
        after_visit_summary(session=session),
        prepared_by=request.user.signature_name,
        prepared_at=timezone.now(),
    )
    return _pdf_response(request, session=session, kind=DocumentKind.REFERRAL_LETTER, pdf=pdf)


@permission_required(Perm.PATIENT_EDIT)
@require_POST
def referral_send(request, session_id: int):
    """E-mail the referring clinician's summary to the address in the chart."""
    session = _session_or_404(request, session_id)
    try:
        delivery = referral_letter_send(
            session=session, sent_by=request.user, submission_key=request.POST.get("submission_key")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, SENT.format(email=delivery.recipient_email))
    return redirect("documents:session", session_id=session.pk)


@permission_required(Perm.PATIENT_VIEW)
@require_GET
def flowsheet(request, session_id: int):
    """The session record as a printable page: the vitals chart and the flowsheet table."""
    session = _session_or_404(request, session_id)
    sheet = flowsheet_for_session(session=session)
    document_view_record(session=session, opened_by=request.user, what="Infusion flowsheet")
    chart = vitals_chart_svg(sheet.points, limits=sheet.limits, tz=sheet.tz, markers=sheet.markers)
    context = {
        "nav": "patients",
        "session": session,
        "patient": session.patient,
        "order": session.order,
        "sheet": sheet,
        # vitals_chart_svg escapes every text it draws and emits only presentation attributes.
        "chart_svg": mark_safe(chart),  # noqa: S308
        "can_chart": user_can(request, Perm.PATIENT_CLINICAL_EDIT),
    }
    return render(request, "documents/flowsheet.html", context)


@permission_required(Perm.PATIENT_VIEW)
@require_GET
def flowsheet_download(request, session_id: int):
    session = _session_or_404(request, session_id)
    pdf = flowsheet_pdf(flowsheet_for_session(session=session))
    return _pdf_response(request, session=session, kind=DocumentKind.FLOWSHEET, pdf=pdf)


# --- The patient's portal -------------------------------------------------------------------------


def _portal_patient_or_404(request):
    patient = portal_patient(user=request.user, clinic=request.clinic)
    if patient is None:
        raise Http404("No patient record is linked to this account.")
    return patient


@permission_required(Perm.PORTAL)
@require_GET
def portal_list(request):
    """The patient's own after-visit summaries, newest first."""
    patient = portal_patient(user=request.user, clinic=request.clinic)
    context = {"patient": patient}
    if patient is not None:
        context.update(paginate(request, portal_sessions(patient=patient)))
    return render(request, "documents/portal_list.html", context)


@permission_required(Perm.PORTAL)
@require_GET
def portal_summary_pdf(request, session_id: int):
    """One of the patient's own after-visit summaries (another patient's session: 404)."""
    patient = _portal_patient_or_404(request)
    try:
        session = portal_session_for_documents(patient=patient, session_id=session_id)
    except InfusionSession.DoesNotExist:
        raise Http404("No such visit.") from None
    pdf = after_visit_summary_pdf(after_visit_summary(session=session))
    return _pdf_response(request, session=session, kind=DocumentKind.AFTER_VISIT_SUMMARY, pdf=pdf)

"""The administrator's audit viewer."""

from django.shortcuts import get_object_or_404, render

from clinic.accounts.models import User
from clinic.accounts.roles import Perm
from clinic.audit.forms import AuditFilterForm
from clinic.audit.models import AuditEvent
from clinic.audit.redaction import audit_events_for_display
from clinic.audit.selectors import audit_event_list
from clinic.core.pagination import paginate
from clinic.core.permissions import permission_required
from clinic.patients.models import Patient


@permission_required(Perm.AUDIT_VIEW)
def audit_list(request):
    users = User.objects.filter(memberships__clinic=request.clinic).order_by("username")
    form = AuditFilterForm(request.GET or None, users=users)
    events = AuditEvent.objects.none()
    patient = None
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        if data.get("record_number"):
            patient = Patient.objects.filter(
                clinic=request.clinic, record_number__iexact=data["record_number"].strip()
            ).first()
        if data.get("record_number") and patient is None:
            form.add_error("record_number", "No patient with that record number at this clinic.")
        else:
            events = audit_event_list(
                clinic=request.clinic,
                patient_id=patient.pk if patient else None,
                actor_id=int(data["user"]) if data.get("user") else None,
                action=data.get("action", ""),
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
    page = paginate(request, events, per_page=50)
    context = {
        "nav": "audit",
        "form": form,
        "patient": patient,
        # Values an app hides from this reader (e.g. an order's numbers before its blind double
        # check) are replaced at display time; the stored events are untouched.
        "rows": audit_events_for_display(events=page["page_obj"], clinic=request.clinic, user=request.user),
        **page,
    }
    return render(request, "audit/list.html", context)


@permission_required(Perm.AUDIT_VIEW)
def audit_detail(request, event_id: int):
    event = get_object_or_404(AuditEvent.objects.select_related("actor"), pk=event_id, clinic=request.clinic)
    [view] = audit_events_for_display(events=[event], clinic=request.clinic, user=request.user)
    return render(request, "audit/detail.html", {"nav": "audit", "event": event, "view": view})

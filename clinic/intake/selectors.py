"""Reads for the front-desk inbox and the public pages."""

from django.db.models import Count, Q, QuerySet

from clinic.core.models import Clinic
from clinic.core.selectors import clinic_setting_value
from clinic.intake.models import ConsultationRequest, RequestStatus
from clinic.intake.selfcheck import DEFAULT_MINIMUM_AGE
from clinic.scheduling.models import Appointment, AppointmentKind

OPEN_STATUSES = (RequestStatus.NEW, RequestStatus.CONTACTED)


def public_clinics() -> list[Clinic]:
    """Clinic locations that accept requests from the public site, by name."""
    return list(Clinic.objects.filter(accepts_public_requests=True).order_by("name"))


def public_minimum_age(clinics: list[Clinic]) -> int:
    """The age the self-check asks about: the lowest minimum among the public locations.

    The self-check is answered before a location is chosen; each clinic's own minimum is applied
    again when a request reaches it.
    """
    if not clinics:
        return DEFAULT_MINIMUM_AGE
    return min(clinic_setting_value(c, "minimum_patient_age_years") for c in clinics)


def consultation_request_list(
    *, clinic: Clinic, status: str = "open", urgent_only: bool = False
) -> QuerySet[ConsultationRequest]:
    """Requests for the inbox: urgent first, newest first (index clinic, status, urgent, created)."""
    qs = ConsultationRequest.objects.filter(clinic=clinic)
    if status == "open" or not status:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status != "all":
        qs = qs.filter(status=status)
    if urgent_only:
        qs = qs.filter(is_urgent=True)
    return qs.annotate(attempt_count=Count("contact_attempts")).order_by(
        "-is_urgent", "-created_at", "-pk"
    )


def inbox_counts(*, clinic: Clinic) -> dict[str, int]:
    """Open and urgent-open request counts for the banner and the dashboard."""
    return ConsultationRequest.objects.filter(clinic=clinic, status__in=OPEN_STATUSES).aggregate(
        open=Count("id"), urgent=Count("id", filter=Q(is_urgent=True))
    )


def consultation_request_detail(*, clinic: Clinic, public_id) -> ConsultationRequest | None:
    return (
        ConsultationRequest.objects.filter(clinic=clinic, public_id=public_id)
        .select_related("clinic", "patient", "handled_by")
        .first()
    )


def contact_attempts_for(request_obj: ConsultationRequest):
    return request_obj.contact_attempts.select_related("made_by").order_by("-created_at", "-pk")


def consultation_for(request_obj: ConsultationRequest):
    """The consultation booked when the request was converted, if any."""
    if request_obj.patient_id is None:
        return None
    return (
        Appointment.objects.filter(patient_id=request_obj.patient_id, kind=AppointmentKind.CONSULTATION)
        .select_related("room", "clinician")
        .order_by("created_at")
        .first()
    )

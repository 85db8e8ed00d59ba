"""What the staff start page shows: today's appointments and the requests waiting."""

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from clinic.intake.models import ConsultationRequest, RequestStatus
from clinic.scheduling.models import Appointment, AppointmentStatus


def dashboard_summary(*, clinic, user) -> dict:
    tz = clinic.tzinfo
    today = timezone.now().astimezone(tz).date()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    appointments = (
        Appointment.objects.filter(
            clinic=clinic, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("patient", "room", "clinician")
        .order_by("starts_at")[:50]
    )
    open_requests = ConsultationRequest.objects.filter(
        clinic=clinic, status__in=[RequestStatus.NEW, RequestStatus.CONTACTED]
    ).aggregate(total=Count("id"), urgent=Count("id", filter=Q(is_urgent=True)))
    return {
        "today": today,
        "appointments": appointments,
        "open_requests": open_requests["total"],
        "urgent_requests": open_requests["urgent"],
    }

"""What a signed-in patient may read: their own record, nothing else."""

from django.utils import timezone

from clinic.patients.models import Patient
from clinic.scheduling.models import Appointment, AppointmentStatus

UPCOMING_SHOWN = 20


def portal_patient(*, user, clinic) -> Patient | None:
    """The patient record linked to this account at this clinic, or None."""
    return Patient.objects.filter(user=user, clinic=clinic).first()


def portal_upcoming_appointments(*, patient: Patient) -> list[Appointment]:
    """The patient's future appointments that are not cancelled, soonest first."""
    return list(
        Appointment.objects.filter(
            patient=patient, clinic_id=patient.clinic_id, starts_at__gte=timezone.now()
        )
        .exclude(status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
        .select_related("room")
        .order_by("starts_at")[:UPCOMING_SHOWN]
    )

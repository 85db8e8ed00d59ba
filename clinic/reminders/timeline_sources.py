"""Chart timeline entries for reminders sent and preparation confirmations.

Registered in RemindersConfig.ready() when the patients' timeline exists. One query each.
"""

from django.urls import reverse

from clinic.patients.timeline import TIMELINE_LIMIT, TimelineEntry
from clinic.reminders.models import MessageStatus, OutboundMessage, PreparationConfirmation


def message_entries(patient) -> list[TimelineEntry]:
    rows = (
        OutboundMessage.objects.filter(patient=patient, clinic_id=patient.clinic_id)
        .exclude(status=MessageStatus.QUEUED)
        .order_by("-created_at")[:TIMELINE_LIMIT]
    )
    return [
        TimelineEntry(
            occurred_at=row.sent_at or row.updated_at,
            kind="message",
            title=f"{row.get_purpose_display()} {'sent' if row.sent_at else 'failed'} "
            f"by {row.get_channel_display().lower()}",
            url=reverse("reminders:preparation", kwargs={"appointment_id": row.appointment_id})
            if row.appointment_id
            else None,
        )
        for row in rows
    ]


def preparation_entries(patient) -> list[TimelineEntry]:
    rows = PreparationConfirmation.objects.filter(
        patient=patient, clinic_id=patient.clinic_id
    ).order_by("-confirmed_at")[:TIMELINE_LIMIT]
    return [
        TimelineEntry(
            occurred_at=row.confirmed_at,
            kind="preparation",
            title="Preparation confirmed"
            + (f" (revision {row.revision})" if row.revision > 1 else ""),
            detail=row.get_source_display(),
            url=reverse("reminders:preparation", kwargs={"appointment_id": row.appointment_id}),
        )
        for row in rows
    ]


REMINDER_SOURCES = (message_entries, preparation_entries)

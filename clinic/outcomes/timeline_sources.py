"""Chart timeline entries for questionnaire responses and safety alerts (one query each)."""

from django.urls import reverse

from clinic.outcomes.instruments import INSTRUMENTS
from clinic.outcomes.models import QuestionnaireResponse, SafetyAlert

# Same bound as clinic.patients.timeline.TIMELINE_LIMIT, without importing it at module level.
LIMIT = 100


def response_entries(patient) -> list:
    from clinic.patients.timeline import TimelineEntry

    rows = QuestionnaireResponse.objects.filter(clinic_id=patient.clinic_id, patient=patient).order_by(
        "-completed_at", "-pk"
    )[:LIMIT]
    entries = []
    for response in rows:
        instrument = INSTRUMENTS.get(response.instrument_code)
        name = instrument.short_name if instrument else response.instrument_code
        band = instrument.band_label(response.band) if instrument else response.band
        entries.append(
            TimelineEntry(
                occurred_at=response.completed_at,
                kind="questionnaire",
                title=f"{name}: {response.total} ({band})",
                detail=f"{response.get_context_display()}, {response.get_source_display().lower()}",
                url=reverse("outcomes:response", args=[response.pk]),
            )
        )
    return entries


def alert_entries(patient) -> list:
    from clinic.patients.timeline import TimelineEntry

    rows = (
        SafetyAlert.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .select_related("acknowledged_by")
        .order_by("-created_at", "-pk")[:LIMIT]
    )
    entries = []
    for alert in rows:
        url = reverse("outcomes:response", args=[alert.response_id])
        entries.append(
            TimelineEntry(
                occurred_at=alert.created_at,
                kind="safety_alert",
                title=f"Suicide-risk alert raised ({alert.get_level_display()})",
                detail="" if not alert.is_open else "Open: must be acknowledged",
                url=url,
            )
        )
        if alert.acknowledged_at:
            entries.append(
                TimelineEntry(
                    occurred_at=alert.acknowledged_at,
                    kind="safety_alert_acknowledged",
                    title="Suicide-risk alert acknowledged",
                    detail=f"by {alert.acknowledged_by.signature_name}: {alert.action_taken}",
                    url=url,
                )
            )
    return entries


OUTCOME_SOURCES = (response_entries, alert_entries)

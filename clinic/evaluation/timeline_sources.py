"""Chart timeline entries for submitted intake histories and signed candidacy decisions.

Registered in EvaluationConfig.ready() when the patients' timeline exists. One query each.
"""

from django.urls import reverse

from clinic.evaluation.models import CandidacyDecision, IntakeHistory, IntakeStatus
from clinic.patients.timeline import TIMELINE_LIMIT, TimelineEntry


def intake_entries(patient) -> list[TimelineEntry]:
    rows = (
        IntakeHistory.objects.filter(patient=patient, status=IntakeStatus.SUBMITTED)
        .select_related("submitted_by")
        .order_by("-submitted_at")[:TIMELINE_LIMIT]
    )
    return [
        TimelineEntry(
            occurred_at=row.submitted_at,
            kind="intake_history",
            title=f"Intake history v{row.version} submitted",
            detail=f"{row.get_source_display()}, by {row.submitted_by.signature_name}",
            url=reverse(
                "evaluation:intake_version",
                kwargs={"patient_id": patient.pk, "version": row.version},
            ),
        )
        for row in rows
    ]


def decision_entries(patient) -> list[TimelineEntry]:
    rows = (
        CandidacyDecision.objects.filter(patient=patient, signature__isnull=False)
        .select_related("signature")
        .order_by("-created_at")[:TIMELINE_LIMIT]
    )
    url = reverse("evaluation:patient", kwargs={"patient_id": patient.pk})
    return [
        TimelineEntry(
            occurred_at=row.signature.signed_at,
            kind="candidacy_decision",
            title=f"Candidacy decision: {row.get_decision_display()}"
            + (" (amendment)" if row.amends_id else ""),
            detail=_signed_by(row.signature),
            url=url,
        )
        for row in rows
    ]


def _signed_by(signature) -> str:
    return f"Signed by {signature.printed_name} ({signature.get_meaning_display()})"


EVALUATION_SOURCES = (intake_entries, decision_entries)

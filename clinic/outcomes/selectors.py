"""Reads of questionnaire responses and safety alerts. Other apps (evaluation, infusion day) call
`latest_response` and `open_safety_alerts`; keep their names and signatures."""

import datetime as dt

from django.db.models import Case, IntegerField, QuerySet, Value, When

from clinic.core.models import Clinic
from clinic.core.selectors import clinic_setting_value
from clinic.outcomes import settings as outcome_settings
from clinic.outcomes.instruments import RiskThresholds
from clinic.outcomes.models import AlertLevel, AlertStatus, QuestionnaireResponse, SafetyAlert

SCOPE_REQUIRED = "open_safety_alerts needs a clinic or a patient."

# What to do about an open suicide-risk alert, by level, where it shows away from its own page (the
# board, Today). The wording follows the alert panel (outcomes/_alert_panel.html); domain.md §5.2.
SAFETY_ALERT_ACTIONS = {
    AlertLevel.ACUTE: (
        "Imminent risk: STAT safety evaluation. Keep the patient in sight; they may not leave until "
        "evaluated. Tell the physician responsible now."
    ),
    AlertLevel.HIGH: (
        "A brief suicide safety assessment is needed before the patient leaves; tell the physician "
        "responsible for the patient's care."
    ),
    AlertLevel.MODERATE: "Review the answers with the patient and follow up; tell the physician responsible.",
}


def latest_response(
    *, patient, instrument_code: str, since: dt.datetime | None = None
) -> QuestionnaireResponse | None:
    """The patient's most recent response to one instrument (completed at or after `since`)."""
    queryset = QuestionnaireResponse.objects.filter(
        clinic_id=patient.clinic_id, patient=patient, instrument_code=instrument_code
    )
    if since is not None:
        queryset = queryset.filter(completed_at__gte=since)
    return queryset.select_related("safety_alert").order_by("-completed_at", "-pk").first()


def open_safety_alerts(*, clinic: Clinic | None = None, patient=None) -> QuerySet[SafetyAlert]:
    """Unacknowledged alerts, most severe first, then oldest first. Give a clinic, a patient or both."""
    if clinic is None and patient is None:
        raise ValueError(SCOPE_REQUIRED)
    queryset = SafetyAlert.objects.filter(status=AlertStatus.OPEN)
    if clinic is not None:
        queryset = queryset.filter(clinic=clinic)
    if patient is not None:
        queryset = queryset.filter(clinic_id=patient.clinic_id, patient=patient)
    return (
        queryset.select_related("patient", "response")
        .annotate(severity=_severity())
        .order_by("-severity", "created_at", "pk")
    )


def acknowledged_safety_alerts(*, clinic: Clinic) -> QuerySet[SafetyAlert]:
    """Alerts already handled, most recently acknowledged first."""
    return (
        SafetyAlert.objects.filter(clinic=clinic, status=AlertStatus.ACKNOWLEDGED)
        .select_related("patient", "response", "acknowledged_by")
        .order_by("-acknowledged_at", "-pk")
    )


def responses_for_patient(*, patient, instrument_code: str | None = None) -> QuerySet[QuestionnaireResponse]:
    """The patient's responses, newest first (paginate in views)."""
    queryset = QuestionnaireResponse.objects.filter(clinic_id=patient.clinic_id, patient=patient)
    if instrument_code:
        queryset = queryset.filter(instrument_code=instrument_code)
    return queryset.select_related("entered_by", "safety_alert").order_by("-completed_at", "-pk")


def score_series(*, patient, instrument_code: str, limit: int = 30) -> list[tuple[dt.datetime, int]]:
    """The last `limit` totals of one instrument, oldest first, for a trend chart."""
    rows = (
        QuestionnaireResponse.objects.filter(
            clinic_id=patient.clinic_id, patient=patient, instrument_code=instrument_code
        )
        .order_by("-completed_at", "-pk")
        .values_list("completed_at", "total")[:limit]
    )
    return list(reversed(rows))


def instruments_answered(*, patient) -> list[str]:
    """Codes of the instruments this patient has at least one response to."""
    return list(
        QuestionnaireResponse.objects.filter(clinic_id=patient.clinic_id, patient=patient)
        .order_by()
        .values_list("instrument_code", flat=True)
        .distinct()
    )


def safety_thresholds(*, clinic: Clinic) -> RiskThresholds:
    """The clinic's suicide-risk thresholds (clinic settings with cited defaults)."""
    return RiskThresholds(
        phq9_item9_alert_minimum=clinic_setting_value(clinic, outcome_settings.PHQ9_ITEM9_ALERT_MINIMUM),
        phq9_item9_high_minimum=clinic_setting_value(clinic, outcome_settings.PHQ9_ITEM9_HIGH_MINIMUM),
        asq_positive_level=clinic_setting_value(clinic, outcome_settings.ASQ_POSITIVE_ALERT_LEVEL),
    )


def _severity() -> Case:
    return Case(
        When(level=AlertLevel.ACUTE, then=Value(3)),
        When(level=AlertLevel.HIGH, then=Value(2)),
        When(level=AlertLevel.MODERATE, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )

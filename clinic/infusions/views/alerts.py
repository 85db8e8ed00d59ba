"""The open vital-sign alerts at the top of the chair-side page: the most severe first, each with
what to do and its acknowledge form, when it escalates (or to whom it was escalated).

`#alert-top` is refreshed out of band: the live panel's 5-s poll carries it (`live` renders
`_live_poll.html`), and `alerts_top` answers the `alerts-refresh` event that static/js/alerts.js
fires after each entry the nurse saves. static/js/alerts.js keeps what the nurse is typing when
nothing changed (same `data-signature`), sounds the cue for a new alert and brings it into view.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clinic.accounts.roles import Perm
from clinic.core.escalation import EscalationPolicy, next_escalation_at
from clinic.core.permissions import permission_required
from clinic.infusions import forms as f
from clinic.infusions.models import ACTIVE_STATUSES, InfusionSession, VitalAlert, VitalAlertStatus
from clinic.infusions.selectors import (
    InfusionSettings,
    infusion_settings,
    session_alerts,
    session_for_chart,
)


def open_alerts_with_forms(session, bound=None) -> list[VitalAlert]:
    """The session's open alerts, most severe first, each with its acknowledge form."""
    alerts = list(session_alerts(session=session, with_escalations=True).filter(status=VitalAlertStatus.OPEN))
    for alert in alerts:
        if bound is not None and bound.prefix == f"ack{alert.pk}":
            alert.ack_form = bound
        else:
            alert.ack_form = f.AcknowledgeForm(prefix=f"ack{alert.pk}")
    return alerts


def alert_top_context(*, session, alerts, config: InfusionSettings) -> dict:
    """What `_alerts_top.html` shows, from the session's alerts (open ones, most severe first, as
    `session_alerts` orders them; acknowledged ones are left out)."""
    open_alerts = [alert for alert in alerts if alert.is_open]
    policy = EscalationPolicy(physician_after_min=config.vital_alert_escalation_minutes)
    escalates = session.status in ACTIVE_STATUSES
    for alert in open_alerts:
        alert.escalated_names = [user.signature_name for user in alert.escalated_to.all()]
        alert.escalates_at = (
            next_escalation_at(
                is_open=True,
                raised_at=alert.created_at,
                stage=alert.escalation_stage,
                escalated_at=alert.escalated_at,
                policy=policy,
            )
            if escalates
            else None
        )
    return {
        "open_alerts": open_alerts,
        "lead_alert": open_alerts[0] if open_alerts else None,
        "more_alerts": open_alerts[1:],
        # Changes when an alert opens, closes or escalates: the page swaps the block only then.
        "alert_signature": " ".join(f"{a.pk}:{a.escalation_stage}" for a in open_alerts),
        "escalation_minutes": config.vital_alert_escalation_minutes,
    }


@permission_required(Perm.PATIENT_CLINICAL_EDIT)
@require_GET
def alerts_top(request, session_id: int):
    """The open alerts block alone (out of band), after an entry was saved on this tablet."""
    try:
        session = session_for_chart(clinic=request.clinic, session_id=session_id)
    except InfusionSession.DoesNotExist:
        raise Http404("No such infusion session.") from None
    context = alert_top_context(
        session=session,
        alerts=open_alerts_with_forms(session),
        config=infusion_settings(clinic=session.clinic),
    )
    return render(request, "infusions/_alerts_top.html", {"session": session, "oob": True, **context})

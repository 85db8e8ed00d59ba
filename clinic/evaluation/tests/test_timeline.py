"""The chart timeline shows submitted intake histories and signed decisions."""

import pytest

from clinic.evaluation.models import DecisionOutcome
from clinic.evaluation.services import candidacy_decision_sign
from clinic.patients.timeline import patient_timeline
from conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_timeline_entries(ready_patient, physician):
    candidacy_decision_sign(
        patient=ready_patient,
        decided_by=physician,
        decision=DecisionOutcome.CANDIDATE,
        reason="TRD",
        password=DEMO_PASSWORD,
    )
    entries = {e.kind: e for e in patient_timeline(patient=ready_patient)}
    assert entries["intake_history"].title == "Intake history v1 submitted"
    assert entries["candidacy_decision"].title == "Candidacy decision: Candidate"
    assert physician.signature_name in entries["candidacy_decision"].detail

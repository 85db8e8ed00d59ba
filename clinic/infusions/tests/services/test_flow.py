"""The whole day through the services: check-in, gate, start, charting, stop, recovery, discharge."""

from clinic.audit.models import AuditEvent
from clinic.infusions.models import SessionStatus, VitalAlert
from clinic.infusions.selectors import session_state, session_timeline
from clinic.infusions.services import (
    infusion_pause,
    infusion_rate_change,
    infusion_resume,
    infusion_start,
    infusion_stop,
    rating_record,
    rescue_medication_record,
    session_check_in,
    session_discharge,
    side_effect_record,
    vital_alert_acknowledge,
)
from clinic.infusions.services.discharge import INSTRUCTION_CODES
from clinic.infusions.tests.conftest import age_recovery, answer_today, complete_gate, key, vitals
from conftest import DEMO_PASSWORD


def test_a_patient_goes_from_check_in_to_discharge(appointment, verified_order, chair, nurse):
    # given a checked-in patient who passes the gate
    session = session_check_in(appointment=appointment, order=verified_order, chair=chair, nurse=nurse)
    answer_today(session.patient, nurse)
    assert complete_gate(session, nurse).passed

    # when the infusion runs with a BP alert, a pause, a slower rate and rescue medication
    infusion_start(session=session, started_by=nurse, client_key=key())
    vitals(session, nurse, sbp=185, dbp=112)
    vital_alert_acknowledge(
        alert=VitalAlert.objects.get(session=session),
        acknowledged_by=nurse,
        action_taken="Paused; MD informed",
    )
    infusion_pause(session=session, paused_by=nurse, client_key=key())
    infusion_resume(session=session, resumed_by=nurse, client_key=key())
    infusion_rate_change(session=session, changed_by=nurse, rate_ml_h="40", client_key=key())
    side_effect_record(
        session=session, recorded_by=nurse, kind="nausea", severity="moderate", client_key=key()
    )
    rescue_medication_record(
        session=session, given_by=nurse, drug="ondansetron", dose="4", route="iv", client_key=key()
    )
    rating_record(session=session, recorded_by=nurse, scale="cadss6", value=9, client_key=key())
    infusion_stop(session=session, stopped_by=nurse, reason="dissociation", client_key=key())
    vitals(session, nurse)
    age_recovery(session)
    assert session_state(session=session).ready_to_discharge

    # and the patient is discharged to their driver
    patient = session.patient
    session = session_discharge(
        session=session,
        discharged_by=nurse,
        score_items_given={"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2},
        driver_name="Jordan Example",
        driver_phone="617-555-0142",
        patient_typed_name=f"  {patient.given_name.upper()}   {patient.family_name} ",
        instructions_acknowledged=list(INSTRUCTION_CODES),
        password=DEMO_PASSWORD,
    )

    # then
    assert session.status == SessionStatus.DISCHARGED
    assert session.get_stop_reason_display() == "Dissociation bothersome to the patient"
    assert session.acknowledgement_signature.signer == nurse
    session.appointment.refresh_from_db()
    assert session.appointment.status == "completed"
    kinds = [entry.kind for entry in session_timeline(session=session)]
    assert kinds.count("event") == 5 and kinds.count("vital") == 3
    assert {"side_effect", "rescue", "rating", "check"} <= set(kinds)
    assert (
        AuditEvent.objects.filter(patient_id=patient.pk, object_type__startswith="infusions.").count() >= 15
    )

"""Writes of the infusion day (HackSoft services), one module per stage; re-exported here."""

from clinic.infusions.services.charting import (
    rating_record,
    rescue_medication_record,
    side_effect_record,
    vital_alert_acknowledge,
    vital_record,
)
from clinic.infusions.services.check_in import session_abandon, session_check_in
from clinic.infusions.services.discharge import (
    DischargeRefused,
    discharge_instructions,
    session_discharge,
)
from clinic.infusions.services.gate import gate_override, readiness_check_complete
from clinic.infusions.services.pump import (
    infusion_pause,
    infusion_rate_change,
    infusion_resume,
    infusion_start,
    infusion_stop,
    recovery_start,
)

__all__ = [
    "DischargeRefused",
    "discharge_instructions",
    "gate_override",
    "infusion_pause",
    "infusion_rate_change",
    "infusion_resume",
    "infusion_start",
    "infusion_stop",
    "rating_record",
    "readiness_check_complete",
    "recovery_start",
    "rescue_medication_record",
    "session_abandon",
    "session_check_in",
    "session_discharge",
    "side_effect_record",
    "vital_alert_acknowledge",
    "vital_record",
]

"""The patients app's clinic settings: the plausibility check on a new weight or height.

Registered in `PatientsConfig.ready()`.
"""

from clinic.core.clinical_settings import REGISTRY, SettingDefinition, register

MEASUREMENT_CHANGE_CONFIRM_PERCENT = "measurement_change_confirm_percent"

DEFINITIONS = (
    SettingDefinition(
        key=MEASUREMENT_CHANGE_CONFIRM_PERCENT,
        label="Weight or height change from the last value that needs confirming",
        kind="int",
        default=10,
        unit="%",
        minimum=1,
        maximum=50,
        source=(
            "No domain.md number; conservative product default — set by the medical director. "
            "A weight typed in pounds into the kg field is 2.2x the real value (a height in inches "
            "into the cm field is 0.39x), far beyond any real change between two visits."
        ),
        group="Patients",
        help_text=(
            "A new weight (or adult height) differing from the last recorded one by more than this "
            "is refused until the person recording it ticks 'Confirm this weight'."
        ),
    ),
)


def register_patient_settings() -> None:
    # ready() can run more than once in one process (e.g. some test runners); register once.
    register(*(d for d in DEFINITIONS if d.key not in REGISTRY))

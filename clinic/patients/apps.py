from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "clinic.patients"
    label = "patients"
    verbose_name = "Patients"

    def ready(self) -> None:
        from clinic.patients.clinical_settings import register_patient_settings
        from clinic.patients.timeline import register_timeline_source
        from clinic.patients.timeline_sources import PATIENT_SOURCES

        for source in PATIENT_SOURCES:
            register_timeline_source(source)
        register_patient_settings()

from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "clinic.treatment"
    label = "treatment"
    verbose_name = "Treatment"

    def ready(self) -> None:
        from clinic.treatment.clinical_settings import register_treatment_settings

        register_treatment_settings()

        from clinic.treatment.blind import register_order_audit_redactor

        register_order_audit_redactor()

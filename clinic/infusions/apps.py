from django.apps import AppConfig


class InfusionsConfig(AppConfig):
    name = "clinic.infusions"
    label = "infusions"
    verbose_name = "Infusion day"

    def ready(self) -> None:
        # The gate, vital-sign limits, cadence and discharge settings (cited defaults).
        from clinic.infusions.settings import register_infusion_settings

        register_infusion_settings()

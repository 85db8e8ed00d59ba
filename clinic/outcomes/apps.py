from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "clinic.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"

    def ready(self) -> None:
        # Registers the suicide-risk thresholds in the clinic settings registry.
        from clinic.outcomes import settings  # noqa: F401

        # The chart timeline is optional: this app works without the patients' registry of sources.
        try:
            from clinic.patients.timeline import register_timeline_source
        except ImportError:
            return
        from clinic.outcomes.timeline_sources import OUTCOME_SOURCES

        for source in OUTCOME_SOURCES:
            register_timeline_source(source)

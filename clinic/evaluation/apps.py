from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "clinic.evaluation"
    label = "evaluation"
    verbose_name = "Candidacy evaluation"

    def ready(self) -> None:
        # Registers the evaluation's clinic settings in the clinic settings registry.
        from clinic.evaluation import settings  # noqa: F401

        # The chart timeline is optional: the evaluation works without the registry of sources.
        try:
            from clinic.patients.timeline import register_timeline_source
        except ImportError:
            return
        from clinic.evaluation.timeline_sources import EVALUATION_SOURCES

        for source in EVALUATION_SOURCES:
            register_timeline_source(source)

import importlib

from django.apps import AppConfig
from django.db.models.signals import post_migrate

# The data migrations that hold the built-in rules (from domain.md §2), in order.
BUILTIN_RULES_MIGRATIONS = (
    "clinic.evaluation.migrations.0002_seed_builtin_candidacy_rules",
    "clinic.evaluation.migrations.0003_seed_pregnancy_and_medication_class_rules",
)


def builtin_rules_ensure(sender, apps=None, using="default", **kwargs) -> None:
    """Re-seed the built-in rules when a flush emptied the table (tests that truncate tables).

    `flush` emits post_migrate like `migrate` does; the seed is idempotent (update_or_create).
    """
    if apps is None:  # flush sends no migration state: use the installed models
        from django.apps import apps
    try:
        rule_model = apps.get_model("evaluation", "CandidacyRule")
    except LookupError:  # the migration that creates the table has not run yet
        return
    if rule_model.objects.using(using).filter(clinic__isnull=True).exists():
        return
    for module in BUILTIN_RULES_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


class EvaluationConfig(AppConfig):
    name = "clinic.evaluation"
    label = "evaluation"
    verbose_name = "Candidacy evaluation"

    def ready(self) -> None:
        # Registers the evaluation's clinic settings in the clinic settings registry.
        from clinic.evaluation import settings  # noqa: F401

        post_migrate.connect(builtin_rules_ensure, sender=self, dispatch_uid="evaluation_builtin_rules")

        # The chart timeline is optional: the evaluation works without the registry of sources.
        try:
            from clinic.patients.timeline import register_timeline_source
        except ImportError:
            return
        from clinic.evaluation.timeline_sources import EVALUATION_SOURCES

        for source in EVALUATION_SOURCES:
            register_timeline_source(source)

from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "clinic.reminders"
    label = "reminders"
    verbose_name = "Reminders and preparation"

    def ready(self) -> None:
        # Clinic settings (fasting hours, reminder lead time…) join the registry; tasks join the
        # job runner's registry.
        from clinic.reminders import settings, tasks  # noqa: F401

        # The chart timeline is optional: reminders work without the registry of sources.
        try:
            from clinic.patients.timeline import register_timeline_source
        except ImportError:
            return
        from clinic.reminders.timeline_sources import REMINDER_SOURCES

        for source in REMINDER_SOURCES:
            register_timeline_source(source)

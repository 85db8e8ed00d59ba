"""`manage.py schedule_reminders`: queue the reminders of every infusion coming up.

Idempotent (each reminder has a dedupe key), so it can run from cron every few minutes; `run_jobs`
also runs it every --sweep-minutes. It covers appointments booked by any path.
"""

from django.core.management.base import BaseCommand

from clinic.reminders.services import reminders_schedule_due


class Command(BaseCommand):
    help = "Queue reminder jobs for upcoming infusions (safe to run repeatedly)."

    def handle(self, *args, **options):
        queued = reminders_schedule_due()
        self.stdout.write(f"Queued {queued} new reminder job{'s' if queued != 1 else ''}.")

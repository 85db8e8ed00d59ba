"""The job worker: `manage.py run_jobs [--once] [--max-jobs N] [--sleep S] [--queue Q]`.

Run one or more workers next to the web server (systemd, a container, or a terminal). Without
--once the worker polls every --sleep seconds when idle, recovers stale locks, and every
--sweep-minutes queues the reminders of newly booked infusions (the `schedule_reminders` sweep),
and every --escalation-seconds escalates the alerts nobody acknowledged (vital-sign alerts at the
chair, suicide-risk alerts: clinic/core/escalation.py), so no cron entry is needed. SIGTERM or
Ctrl-C stops it after the job in hand.
"""

import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from clinic.infusions.services.escalation import vital_alerts_escalate_due
from clinic.outcomes.services import safety_alerts_escalate_due
from clinic.reminders.jobs import default_worker_id, jobs_run
from clinic.reminders.services import reminders_schedule_due

logger = logging.getLogger("clinic.reminders.worker")


class Command(BaseCommand):
    help = "Run queued background jobs (reminders). Safe to run several workers at once."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run the jobs due now, then exit.")
        parser.add_argument("--max-jobs", type=int, default=None, help="Exit after running N jobs.")
        parser.add_argument("--sleep", type=float, default=5.0, help="Seconds to wait when idle (5).")
        parser.add_argument(
            "--queue",
            action="append",
            dest="queues",
            default=None,
            help="Only run jobs of this queue (repeatable; default: every queue).",
        )
        parser.add_argument(
            "--sweep-minutes",
            type=float,
            default=10.0,
            help="Queue due reminders every N minutes (0: never; then run schedule_reminders).",
        )
        parser.add_argument(
            "--escalation-seconds",
            type=float,
            default=60.0,
            help="Escalate unacknowledged alerts every N seconds (60; 0: never).",
        )

    def handle(
        self,
        *args,
        once=False,
        max_jobs=None,
        sleep=5.0,
        queues=None,
        sweep_minutes=10.0,
        escalation_seconds=60.0,
        **kw,
    ):
        if max_jobs is not None and max_jobs < 1:
            raise CommandError("--max-jobs must be at least 1")
        if sleep < 0 or sweep_minutes < 0 or escalation_seconds < 0:
            raise CommandError("--sleep, --sweep-minutes and --escalation-seconds cannot be negative")
        worker_id = default_worker_id()
        stopping = {"now": False}

        def stop(signum, frame):
            stopping["now"] = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        total, last_sweep, last_escalation = 0, None, None
        try:
            while not stopping["now"]:
                # A long-running worker drops stale connections between jobs; never inside an outer
                # transaction (a test's), where closing would lose it.
                if not connection.in_atomic_block:
                    close_old_connections()
                if sweep_minutes and (
                    last_sweep is None or time.monotonic() - last_sweep >= sweep_minutes * 60
                ):
                    self._sweep()
                    last_sweep = time.monotonic()
                if escalation_seconds and (
                    last_escalation is None or time.monotonic() - last_escalation >= escalation_seconds
                ):
                    self._escalate()
                    last_escalation = time.monotonic()
                remaining = None if max_jobs is None else max_jobs - total
                ran = jobs_run(
                    worker_id=worker_id,
                    max_jobs=remaining,
                    queues=queues,
                    should_stop=lambda: stopping["now"],
                )
                total += ran
                if once or (max_jobs is not None and total >= max_jobs):
                    break
                if ran == 0:
                    # Idle: wait in short steps so SIGTERM or Ctrl-C stops the worker at once.
                    deadline = time.monotonic() + sleep
                    while not stopping["now"] and time.monotonic() < deadline:
                        time.sleep(min(0.2, sleep))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(f"Ran {total} job{'s' if total != 1 else ''}.")

    def _sweep(self) -> None:
        try:
            queued = reminders_schedule_due()
        except Exception:  # noqa: BLE001 - a failed sweep must not stop the worker; it runs again
            logger.exception("reminder sweep failed")
            return
        if queued:
            logger.info("reminder sweep queued %s job(s)", queued)

    def _escalate(self) -> None:
        # Each kind on its own: a failure in one must not keep the other's alerts from escalating.
        for name, sweep in (
            ("vital-sign", vital_alerts_escalate_due),
            ("suicide-risk", safety_alerts_escalate_due),
        ):
            try:
                escalated = sweep()
            except Exception:  # noqa: BLE001 - a failed sweep must not stop the worker; it runs again
                logger.exception("%s alert escalation sweep failed", name)
                continue
            if escalated:
                logger.info("escalated %s unacknowledged %s alert(s)", escalated, name)

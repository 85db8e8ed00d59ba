"""Tasks the job runner runs for reminders (registered at start-up by RemindersConfig.ready)."""

import logging

from clinic.reminders.jobs import task
from clinic.reminders.services import REMINDER_TASK, reminder_deliver

logger = logging.getLogger(__name__)


@task(REMINDER_TASK)
def send_appointment_reminder(*, appointment_id: int, reminder: str, slot: str) -> None:
    """Send one appointment's reminder (first or second) for the start time `slot` stands for."""
    outcome = reminder_deliver(appointment_id=appointment_id, reminder=reminder, slot=slot)
    logger.info("reminder for appointment %s (%s): %s", appointment_id, reminder, outcome)

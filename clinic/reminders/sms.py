"""Pluggable SMS sending, like Django's e-mail backends.

settings.KETACLINIC_SMS_BACKEND is the dotted path of a class with `send(to, body) -> provider_id`
that raises on failure (the job runner then retries). A provider integration (Twilio, Vonage, AWS
SNS…) is one small class; the ones here are for development and tests.
"""

import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_SMS_BACKEND = "clinic.reminders.sms.ConsoleSmsBackend"


class SmsSendError(Exception):
    """The provider refused or could not take the message."""


def mask_phone(number: str) -> str:
    """+16175550100 -> +1******0100: enough to tell numbers apart, not enough to call one."""
    number = number or ""
    if len(number) <= 6:
        return "*" * len(number)
    prefix = 2 if number.startswith("+") else 0
    return number[:prefix] + "*" * (len(number) - prefix - 4) + number[-4:]


class BaseSmsBackend:
    def send(self, to: str, body: str) -> str:
        """Send `body` to the E.164 number `to`; return the provider's message id or raise."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development: prints that a text was sent, with the number masked and without the body."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdout

    def send(self, to: str, body: str) -> str:
        provider_id = f"console-{uuid.uuid4().hex[:12]}"
        self.stream.write(f"SMS to {mask_phone(to)} ({len(body)} chars) id {provider_id}\n")
        self.stream.flush()
        return provider_id


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    provider_id: str


# The locmem backend's outbox, like django.core.mail.outbox; tests clear it.
outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Tests: keeps sent texts in `clinic.reminders.sms.outbox`."""

    def send(self, to: str, body: str) -> str:
        provider_id = f"locmem-{uuid.uuid4().hex[:12]}"
        outbox.append(SmsMessage(to=to, body=body, provider_id=provider_id))
        return provider_id


class FileSmsBackend(BaseSmsBackend):
    """Development (the demo): writes each text to a file in settings.KETACLINIC_SMS_FILE_PATH, like
    Django's file-based e-mail backend, so the terminal stays readable."""

    def send(self, to: str, body: str) -> str:
        provider_id = f"file-{uuid.uuid4().hex[:12]}"
        folder = Path(settings.KETACLINIC_SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{provider_id}.txt").write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")
        return provider_id


class FailingSmsBackend(BaseSmsBackend):
    """Tests and drills: every send fails the way a provider outage does."""

    def send(self, to: str, body: str) -> str:
        raise SmsSendError("The SMS provider did not accept the message (test backend).")


def get_sms_backend() -> BaseSmsBackend:
    path = getattr(settings, "KETACLINIC_SMS_BACKEND", DEFAULT_SMS_BACKEND)
    return import_string(path)()

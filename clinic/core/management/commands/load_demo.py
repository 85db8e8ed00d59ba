"""Load the demo clinic network through the real services and print the demo logins."""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from clinic.core.demo.data import DEMO_PASSWORD
from clinic.core.demo.loader import DemoLogin, demo_exists, demo_load

RESET_CONFIRM = "yes"


class Command(BaseCommand):
    help = (
        "Load the demo clinics (Harbor Ketamine & Wellness, Summit Infusion Center) with staff, "
        "rooms, patients, appointments and inbox requests. Skips when already loaded; --reset "
        "erases the WHOLE database first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Flush the whole database (every table, the audit trail included) and reload.",
        )
        parser.add_argument(
            "--no-logins",
            action="store_false",
            dest="logins",
            help="Do not print the logins (dev.py prints them once the server is up: `demo_logins`).",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation before --reset.",
        )

    def handle(self, *args, reset: bool, interactive: bool, logins: bool = True, **options):
        if reset and demo_exists():
            if interactive:
                answer = input(
                    "This erases EVERY record in the database, the audit trail included.\n"
                    f"Type '{RESET_CONFIRM}' to continue: "
                )
                if answer.strip().lower() != RESET_CONFIRM:
                    raise CommandError("Reset cancelled; nothing was changed.")
            # Audit events are append-only through the ORM; only a whole-database flush removes
            # them, which is what a demo reset means.
            call_command("flush", interactive=False, verbosity=0)
            self.stdout.write("Database flushed.")

        started = time.monotonic()

        def progress(step: str) -> None:
            self.stdout.write(f"  [{time.monotonic() - started:5.1f} s] {step}…")
            self.stdout.flush()

        if not demo_exists():
            self.stdout.write("Loading the demo clinic network through the real services (about a minute):")
        result = demo_load(progress=progress)
        if not result.loaded:
            self.stdout.write(
                self.style.WARNING(
                    "The demo clinic is already loaded; nothing was added "
                    "(use --reset to erase the database and load it again)."
                )
            )
        else:
            summary = ", ".join(f"{n} {what}" for what, n in result.counts.items())
            self.stdout.write(self.style.SUCCESS(f"Demo loaded in {result.seconds:.1f} s: {summary}."))
        if logins:
            write_logins(self, result.logins)


def write_logins(command: BaseCommand, logins: list[DemoLogin]) -> None:
    """The demo logins as a table, with a note on two-factor sign-in."""
    rows = [("Username", "Role", "Clinic", "Note")] + [
        (login.username, login.role, login.clinic, login.note) for login in logins
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    out = command.stdout
    out.write("")
    out.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
    for index, row in enumerate(rows):
        line = "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True))
        out.write(f"  {line}".rstrip())
        if index == 0:
            out.write("  " + "  ".join("-" * w for w in widths))
    out.write("")
    if getattr(settings, "STAFF_TWO_FACTOR_REQUIRED", True):
        out.write(
            command.style.WARNING(
                "Note: staff two-factor sign-in is ON, so staff logins will ask to enroll an "
                "authenticator. The demo server (python3 dev.py demo) sets "
                "KETACLINIC_STAFF_2FA_REQUIRED=false so these logins work at once."
            )
        )
    else:
        out.write(
            "Note: staff two-factor sign-in is off for this demo "
            "(KETACLINIC_STAFF_2FA_REQUIRED=false); production keeps it on."
        )

"""Load the demo clinic network through the real services and print the demo logins."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from clinic.core.demo.data import DEMO_PASSWORD
from clinic.core.demo.loader import demo_exists, demo_load

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
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation before --reset.",
        )

    def handle(self, *args, reset: bool, interactive: bool, **options):
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

        result = demo_load()
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
        self.print_logins(result.logins)

    def print_logins(self, logins) -> None:
        rows = [("Username", "Role", "Clinic", "Note")] + [
            (login.username, login.role, login.clinic, login.note) for login in logins
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for index, row in enumerate(rows):
            line = "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True))
            self.stdout.write(f"  {line}".rstrip())
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        self.stdout.write("")
        if getattr(settings, "STAFF_TWO_FACTOR_REQUIRED", True):
            self.stdout.write(
                self.style.WARNING(
                    "Note: staff two-factor sign-in is ON, so staff logins will ask to enroll an "
                    "authenticator. The demo server (python3 dev.py demo) sets "
                    "KETACLINIC_STAFF_2FA_REQUIRED=false so these logins work at once."
                )
            )
        else:
            self.stdout.write(
                "Note: staff two-factor sign-in is off for this demo "
                "(KETACLINIC_STAFF_2FA_REQUIRED=false); production keeps it on."
            )

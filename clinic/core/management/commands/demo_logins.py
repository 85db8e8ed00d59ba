"""Print the demo logins (dev.py prints them last, once the server and the job worker are up)."""

from django.core.management.base import BaseCommand

from clinic.core.demo.loader import demo_logins
from clinic.core.management.commands.load_demo import write_logins


class Command(BaseCommand):
    help = "Print the demo clinic's logins and their shared password."

    def handle(self, *args, **options):
        write_logins(self, demo_logins())

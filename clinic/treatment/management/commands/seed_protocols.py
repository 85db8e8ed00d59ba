"""Add the standard protocol library (domain.md) and stocked vials to a clinic that lacks them."""

from django.core.management.base import BaseCommand, CommandError

from clinic.core.models import Clinic
from clinic.treatment.services import protocol_library_seed


class Command(BaseCommand):
    help = "Seed the standard protocols (mood induction, pain CRPS, headache, booster) for a clinic."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", required=True, help="The clinic's slug.")

    def handle(self, *args, **options):
        try:
            clinic = Clinic.objects.get(slug=options["clinic"])
        except Clinic.DoesNotExist:
            raise CommandError(f"No clinic with slug {options['clinic']!r}.") from None
        created = protocol_library_seed(clinic=clinic, seeded_by=None)
        if created:
            names = ", ".join(f"{p.name} v{p.version}" for p in created)
            self.stdout.write(self.style.SUCCESS(f"Added {len(created)} protocol(s): {names}."))
        else:
            self.stdout.write("The clinic already has every standard protocol; nothing added.")

"""Verify every audit hash chain and report the first broken link (exit status 1 if any)."""

from django.core.management.base import BaseCommand, CommandError

from clinic.audit.selectors import audit_chain_first_break, audit_chain_keys


class Command(BaseCommand):
    help = "Verify the audit trail's hash chains; report the first broken link of each chain."

    def add_arguments(self, parser):
        parser.add_argument("--chain", help="Verify one chain only, e.g. clinic:1 or system.")

    def handle(self, *args, **options):
        keys = [options["chain"]] if options["chain"] else audit_chain_keys()
        broken = 0
        for key in keys:
            first_break = audit_chain_first_break(chain_key=key)
            if first_break is None:
                self.stdout.write(f"{key}: intact")
                continue
            broken += 1
            self.stdout.write(
                f"{key}: BROKEN at event #{first_break.seq}"
                f"{f' (id {first_break.event_id})' if first_break.event_id else ''}: "
                f"{first_break.problem}"
            )
        if broken:
            raise CommandError(f"{broken} of {len(keys)} audit chain(s) failed verification.")
        self.stdout.write(self.style.SUCCESS(f"All {len(keys)} audit chain(s) verified."))

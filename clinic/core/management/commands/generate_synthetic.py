"""Bulk-generate a large synthetic clinic network for benchmarks (see bench/README.md).

Bypasses the per-record services and their audit events on purpose (one summary audit event per
clinic instead); never run it against a database with real patients.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from clinic.core.demo.synthetic import SyntheticConfig, synthetic_generate


class Command(BaseCommand):
    help = (
        "Generate a synthetic network of clinics, staff, rooms, patients, appointments and "
        "measurements with bulk inserts (benchmark data; bypasses the per-record audit trail)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clinics", type=int, default=50, help="Number of clinics (50).")
        parser.add_argument(
            "--patients", type=int, default=100_000, help="Patients across all clinics (100000)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (1).")
        parser.add_argument("--years", type=float, default=1.0, help="Years of appointment history (1).")
        parser.add_argument("--batch-size", type=int, default=5_000, help="Rows per INSERT batch (5000).")
        parser.add_argument(
            "--sessions-per-clinic-per-day",
            type=int,
            default=0,
            help="Infusion sessions per clinic per working day of history, with events and vitals (0).",
        )
        parser.add_argument(
            "--live-chair-share",
            type=float,
            default=0.0,
            help="Share of chairs with a session running now, for the live board (0.0-1.0).",
        )

    def handle(
        self,
        *args,
        clinics,
        patients,
        seed,
        years,
        batch_size,
        sessions_per_clinic_per_day,
        live_chair_share,
        **options,
    ):
        if clinics < 1 or patients < 0 or years <= 0 or batch_size < 1:
            raise CommandError("--clinics and --batch-size must be >= 1, --years > 0.")
        config = SyntheticConfig(
            clinics=clinics,
            patients=patients,
            seed=seed,
            years=years,
            batch_size=batch_size,
            sessions_per_clinic_per_day=sessions_per_clinic_per_day,
            live_chair_share=live_chair_share,
        )
        self.stdout.write(
            f"Generating {clinics} clinics / {patients} patients / {years:g} year(s) of history "
            f"on {connection.vendor} (seed {seed}, batches of {batch_size})..."
        )
        try:
            ctx = synthetic_generate(config, log=self.stdout.write)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        summary = ", ".join(f"{n} {what}" for what, n in ctx.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Done in {ctx.timings['total']:.1f} s: {summary}."))
        self.stdout.write(
            "Per-record audit events and field history were skipped on purpose (benchmark data); "
            "each clinic has one audit event summarizing the load. Staff usernames look like "
            f"syn{seed}-001-nurse1 and share the demo password."
        )

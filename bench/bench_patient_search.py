#!/usr/bin/env python
"""Server time of patient search and chart open against a synthetic network (bench/README.md).

Runs the real views in-process with django.test.Client (middleware, permission checks, selectors,
templates, the chart-opened audit event) and, separately, the bare selectors. Reports p50/p95/max
in milliseconds over N timed iterations per scenario, after a few untimed warm-up runs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketaclinic_bench \\
        .venv/bin/python bench/bench_patient_search.py --iterations 200

Opening a chart writes one audit event per iteration, as it does for a user; run it against a
benchmark database only.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
# The in-process client signs in with force_login: no authenticator enrolment, plain http.
os.environ.setdefault("KETACLINIC_STAFF_2FA_REQUIRED", "false")
os.environ.setdefault("KETACLINIC_SECURE_COOKIES", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Requests are sent as https (secure=True), as behind the production proxy.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from clinic.accounts.models import User  # noqa: E402
from clinic.accounts.roles import Role  # noqa: E402
from clinic.core.middleware import ACTIVE_CLINIC_SESSION_KEY  # noqa: E402
from clinic.core.models import Clinic  # noqa: E402
from clinic.patients.models import JourneyStage, Patient  # noqa: E402
from clinic.patients.selectors import patient_chart, patient_search  # noqa: E402
from clinic.patients.timeline import patient_timeline  # noqa: E402
from clinic.scheduling.models import Appointment  # noqa: E402

WARMUP = 10


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def measure(name: str, inputs: list, run: Callable, iterations: int) -> dict:
    """Time `run(input)` over `iterations` inputs (cycled) after WARMUP untimed runs."""
    for item in inputs[:WARMUP]:
        run(item)
    # Counted with an execute wrapper: the test client resets connection.queries per request.
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        run(inputs[0])
    timings = []
    for i in range(iterations):
        item = inputs[i % len(inputs)]
        started = time.perf_counter()
        run(item)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "name": name,
        "n": iterations,
        "p50": statistics.median(timings),
        "p95": percentile(timings, 95),
        "max": max(timings),
        "queries": len(executed),
    }


def signed_in(user: User, clinic: Clinic) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[ACTIVE_CLINIC_SESSION_KEY] = clinic.pk
    session.save()
    return client


def pick_clinic(slug: str | None) -> Clinic:
    if slug:
        return Clinic.objects.get(slug=slug)
    biggest = Patient.objects.values("clinic").annotate(n=Count("id")).order_by("-n").first()
    if biggest is None:
        sys.exit("No patients in this database: run manage.py generate_synthetic first.")
    return Clinic.objects.get(pk=biggest["clinic"])


def staff_at(clinic: Clinic, role: str) -> User:
    return User.objects.filter(
        memberships__clinic=clinic, memberships__role=role, memberships__is_active=True
    ).order_by("pk")[0]


def database_label() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--clinic", help="Clinic slug (default: the clinic with most patients).")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    clinic = pick_clinic(args.clinic)
    clinic_patients = Patient.objects.filter(clinic=clinic)
    sample = list(
        clinic_patients.order_by("id").values_list(
            "id", "family_name", "given_name", "record_number", "date_of_birth", "journey_stage"
        )
    )
    rng.shuffle(sample)
    sample = sample[: max(args.iterations, WARMUP)]
    if not sample:
        sys.exit(f"Clinic {clinic.slug} has no patients.")

    frontdesk = signed_in(staff_at(clinic, Role.FRONT_DESK), clinic)
    physician = signed_in(staff_at(clinic, Role.PHYSICIAN), clinic)
    list_url = reverse("patients:list")

    def search_view(query: str) -> None:
        response = frontdesk.post(list_url, {"q": query}, HTTP_HX_REQUEST="true", secure=True)
        assert response.status_code == 200, response.status_code

    def search_selector(query: str) -> None:
        results = patient_search(clinic=clinic, query=query)
        results.count()
        list(results[:25])

    def chart_view(patient_id: int) -> None:
        response = physician.get(reverse("patients:chart", args=[patient_id]), secure=True)
        assert response.status_code == 200, response.status_code

    def chart_selectors(patient_id: int) -> None:
        patient = Patient.objects.select_related("clinic").get(pk=patient_id, clinic=clinic)
        patient_chart(patient=patient)
        patient_timeline(patient=patient)

    prefixes = [family[:3] for _, family, *_ in sample]
    full_names = [f"{family}, {given}" for _, family, given, *_ in sample]
    record_numbers = [mrn for _, _, _, mrn, _, _ in sample]
    births = [dob.isoformat() for _, _, _, _, dob, _ in sample]
    chart_ids = [pid for pid, *_ in sample]
    busy_ids = [pid for pid, *_, stage in sample if stage == JourneyStage.MAINTENANCE] or chart_ids

    n = args.iterations
    results = [
        measure("search view: family-name prefix (3 letters)", prefixes, search_view, n),
        measure("search view: 'Family, Given'", full_names, search_view, n),
        measure("search view: record number", record_numbers, search_view, n),
        measure("search view: date of birth", births, search_view, n),
        measure("search selector only: family-name prefix", prefixes, search_selector, n),
        measure("chart open (full page, audited): any patient", chart_ids, chart_view, n),
        measure("chart open: maintenance patient", busy_ids, chart_view, n),
        measure("chart selectors only (chart + timeline)", chart_ids, chart_selectors, n),
    ]

    average_matches = statistics.mean(patient_search(clinic=clinic, query=p).count() for p in prefixes[:50])
    print(f"Machine : {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}")
    print(f"Database: {database_label()} ({connection.vendor})")
    print(
        f"Data    : {Clinic.objects.count()} clinics, {Patient.objects.count()} patients, "
        f"{Appointment.objects.count()} appointments; clinic {clinic.slug} has "
        f"{clinic_patients.count()} patients; a 3-letter prefix matches "
        f"{average_matches:.0f} patients on average"
    )
    print()
    print("| scenario | n | p50 ms | p95 ms | max ms | queries |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['name']} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | {r['queries']} |"
        )


if __name__ == "__main__":
    main()

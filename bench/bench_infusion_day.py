#!/usr/bin/env python
"""The infusion day under load: charting vital signs and the live board (bench/README.md §3).

Two commands:

    generate   a synthetic network WITH a year of charted infusion sessions and today's live chairs
               (clinic/core/demo/synthetic.py; the infusion steps need --sessions-per-clinic-per-day
               and --live-chair-share, which `manage.py generate_synthetic` does not expose yet)
    run        N concurrent nurses (threads, each with its own database connection) chart vitals for
               their own running session while board screens poll; reports p50/p95/p99/max in ms

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketaclinic_bench_infusion \\
        .venv/bin/python bench/bench_infusion_day.py generate --clinics 10 --patients 20000 \\
        --sessions-per-clinic-per-day 30 --live-chair-share 1.0
    DATABASE_URL=... .venv/bin/python bench/bench_infusion_day.py run --nurses 50 --seconds 60

Everything runs in-process (no network): `--via service` calls clinic.infusions.services.vital_record,
`--via http` posts the chair-side form through django.test.Client (middleware, permission checks,
form validation, the service and the JSON answer). The board is timed as the htmx fragment
(`board:fragment` with X-Background-Poll: 1) and as the bare selector. Bounded by --seconds and
--max-per-nurse; localhost only. Writes vitals and audit events into the benchmark database.
"""

import argparse
import gc
import multiprocessing
import os
import platform
import random
import statistics
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("KETACLINIC_STAFF_2FA_REQUIRED", "false")
os.environ.setdefault("KETACLINIC_SECURE_COOKIES", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from clinic.accounts.models import User  # noqa: E402
from clinic.accounts.roles import Role  # noqa: E402
from clinic.board.selectors import board_for_clinic  # noqa: E402
from clinic.core.demo.synthetic import SyntheticConfig, synthetic_generate  # noqa: E402
from clinic.core.middleware import ACTIVE_CLINIC_SESSION_KEY  # noqa: E402
from clinic.core.models import Clinic  # noqa: E402
from clinic.infusions.models import (  # noqa: E402
    ACTIVE_STATUSES,
    InfusionEvent,
    InfusionSession,
    SessionStatus,
    VitalSign,
)
from clinic.infusions.services import vital_record  # noqa: E402

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(name: str, timings: list[float], queries: int | None = None) -> dict:
    if not timings:
        return {"name": name, "n": 0}
    return {
        "name": name,
        "n": len(timings),
        "p50": statistics.median(timings),
        "p95": percentile(timings, 95),
        "p99": percentile(timings, 99),
        "max": max(timings),
        "queries": queries,
    }


def print_table(rows: list[dict]) -> None:
    print("| scenario | n | p50 ms | p95 ms | p99 ms | max ms | queries |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if not r["n"]:
            print(f"| {r['name']} | 0 | | | | | |")
            continue
        q = "" if r.get("queries") is None else r["queries"]
        print(
            f"| {r['name']} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
            f"{r['max']:.1f} | {q} |"
        )


def require_local_database() -> None:
    settings = connection.settings_dict
    host = settings.get("HOST") or ""
    if host not in LOCAL_HOSTS:
        sys.exit(f"Refusing to run against {host!r}: this benchmark only runs against localhost.")


def database_label() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("select sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


# --- generate -------------------------------------------------------------------------------------


def cmd_generate(args) -> None:
    require_local_database()
    config = SyntheticConfig(
        clinics=args.clinics,
        patients=args.patients,
        seed=args.seed,
        years=args.years,
        batch_size=args.batch_size,
        sessions_per_clinic_per_day=args.sessions_per_clinic_per_day,
        live_chair_share=args.live_chair_share,
    )
    print(
        f"Generating {config.clinics} clinics / {config.patients} patients / {config.years:g} year(s), "
        f"<= {config.sessions_per_clinic_per_day} sessions per clinic per day, live chairs "
        f"{config.live_chair_share:.0%} on {database_label()} (seed {config.seed})..."
    )
    ctx = synthetic_generate(config, log=print)
    print(f"Done in {ctx.timings['total']:.1f} s.")
    for what, n in ctx.counts.items():
        print(f"  {what:<22} {n:>10,}")


# --- run ------------------------------------------------------------------------------------------


def signed_in(user: User, clinic: Clinic) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[ACTIVE_CLINIC_SESSION_KEY] = clinic.pk
    session.save()
    return client


def running_sessions(limit: int, clinic_slug: str | None) -> list[InfusionSession]:
    """Running sessions, spread over the clinics (round robin), each charted by its own nurse."""
    queryset = InfusionSession.objects.filter(status=SessionStatus.RUNNING).select_related("clinic", "nurse")
    if clinic_slug:
        queryset = queryset.filter(clinic__slug=clinic_slug)
    by_clinic: dict[int, list[InfusionSession]] = {}
    for session in queryset.order_by("clinic_id", "pk"):
        by_clinic.setdefault(session.clinic_id, []).append(session)
    chosen: list[InfusionSession] = []
    while len(chosen) < limit and any(by_clinic.values()):
        for sessions in by_clinic.values():
            if sessions and len(chosen) < limit:
                chosen.append(sessions.pop(0))
    return chosen


def busiest_clinic(clinic_slug: str | None) -> Clinic:
    if clinic_slug:
        return Clinic.objects.get(slug=clinic_slug)
    row = (
        InfusionSession.objects.filter(status__in=ACTIVE_STATUSES)
        .values("clinic")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if row is None:
        sys.exit("No live sessions: run `bench_infusion_day.py generate ... --live-chair-share 1.0` first.")
    return Clinic.objects.get(pk=row["clinic"])


class Nurse(threading.Thread):
    """One nurse charting vitals for one running session until the deadline or the count."""

    def __init__(self, session: InfusionSession, *, via: str, deadline: float, max_count: int, pause: float):
        super().__init__(daemon=True)
        self.session = session
        self.via = via
        self.deadline = deadline
        self.max_count = max_count
        self.pause = pause
        self.timings: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        try:
            nurse = self.session.nurse
            client = signed_in(nurse, self.session.clinic) if self.via == "http" else None
            url = reverse("infusions:vitals", args=[self.session.pk])
            # Nurses do not click in step: a random start and think times of 0.5-1.5x the mean.
            rng = random.Random(self.session.pk)
            if self.pause:
                time.sleep(rng.uniform(0, self.pause))
            n = 0
            while time.perf_counter() < self.deadline and n < self.max_count:
                values = {"sbp": 118 + n % 20, "dbp": 76, "hr": 72, "spo2": 98, "rr": 14}
                key = str(uuid.uuid4())
                started = time.perf_counter()
                if client is None:
                    vital_record(session=self.session, recorded_by=nurse, client_key=key, **values)
                else:
                    data = {f"vitals-{k}": v for k, v in values.items()} | {"vitals-client_key": key}
                    response = client.post(url, data, HTTP_ACCEPT="application/json", secure=True)
                    if response.status_code != 200:
                        self.errors.append(f"{response.status_code}: {response.content[:200]!r}")
                self.timings.append((time.perf_counter() - started) * 1000)
                n += 1
                if self.pause:
                    time.sleep(self.pause * rng.uniform(0.5, 1.5))
        except Exception as exc:  # reported, not raised: one failing thread must not hide the others
            self.errors.append(repr(exc))
        finally:
            connections.close_all()


class BoardScreen(threading.Thread):
    """A board screen polling the fragment (as fast as it can, or every `pause` seconds)."""

    def __init__(self, clinic: Clinic, user: User, *, deadline: float, max_count: int, pause: float):
        super().__init__(daemon=True)
        self.clinic, self.user = clinic, user
        self.deadline, self.max_count, self.pause = deadline, max_count, pause
        self.timings: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        try:
            client = signed_in(self.user, self.clinic)
            url = reverse("board:fragment")
            rng = random.Random(id(self))
            if self.pause:
                time.sleep(rng.uniform(0, self.pause))
            n = 0
            while time.perf_counter() < self.deadline and n < self.max_count:
                started = time.perf_counter()
                response = client.get(url, HTTP_X_BACKGROUND_POLL="1", HTTP_HX_REQUEST="true", secure=True)
                self.timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    self.errors.append(str(response.status_code))
                n += 1
                if self.pause:
                    time.sleep(self.pause * rng.uniform(0.5, 1.5))
        except Exception as exc:
            self.errors.append(repr(exc))
        finally:
            connections.close_all()


def count_queries(run) -> int:
    executed = []

    def wrapper(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        run()
    return len(executed)


def board_alone(clinic: Clinic, user: User, iterations: int) -> list[dict]:
    client = signed_in(user, clinic)
    url = reverse("board:fragment")

    def fragment():
        client.get(url, HTTP_X_BACKGROUND_POLL="1", HTTP_HX_REQUEST="true", secure=True)

    def selector():
        board_for_clinic(clinic=clinic)

    rows = []
    for name, run in (("board fragment (view), idle", fragment), ("board selector only, idle", selector)):
        for _ in range(5):
            run()
        queries = count_queries(run)
        timings = []
        for _ in range(iterations):
            started = time.perf_counter()
            run()
            timings.append((time.perf_counter() - started) * 1000)
        rows.append(summary(name, timings, queries))
    return rows


def _worker(
    pipe, session_ids: list[int], clinic_id: int, viewer_id: int, screens: int, deadline: float, args
):
    """One worker process: its nurses and board screens as threads; sends the timings back."""
    connections.close_all()
    apply_gc(args)
    sessions = list(InfusionSession.objects.filter(pk__in=session_ids).select_related("clinic", "nurse"))
    clinic = Clinic.objects.get(pk=clinic_id)
    viewer = User.objects.get(pk=viewer_id)
    pause = args.think_ms / 1000
    nurses = [
        Nurse(s, via=args.via, deadline=deadline, max_count=args.max_per_nurse, pause=pause) for s in sessions
    ]
    boards = [
        BoardScreen(clinic, viewer, deadline=deadline, max_count=100_000, pause=args.poll_ms / 1000)
        for _ in range(screens)
    ]
    connections.close_all()
    for thread in nurses + boards:
        thread.start()
    for thread in nurses + boards:
        thread.join(timeout=args.seconds + 120)
    pipe.send(
        {
            "vitals": [t for n in nurses for t in n.timings],
            "board": [t for b in boards for t in b.timings],
            "errors": [e for t in nurses + boards for e in t.errors],
        }
    )
    pipe.close()


def cmd_run(args) -> None:
    require_local_database()
    apply_gc(args)
    sessions = running_sessions(args.nurses, args.clinic)
    if len(sessions) < args.nurses:
        print(f"Only {len(sessions)} running sessions available; using {len(sessions)} nurses.")
    clinic = busiest_clinic(args.clinic)
    viewer = User.objects.filter(
        memberships__clinic=clinic, memberships__role=Role.FRONT_DESK, memberships__is_active=True
    ).order_by("pk")[0]
    live = InfusionSession.objects.filter(clinic=clinic, status__in=ACTIVE_STATUSES).count()
    print(
        f"{database_label()} · Python {platform.python_version()} · {os.cpu_count()} CPUs · "
        f"{InfusionSession.objects.count():,} sessions, {VitalSign.objects.count():,} vitals, "
        f"{InfusionEvent.objects.count():,} pump events in the database"
    )
    print(
        f"{len(sessions)} nurses over {len({s.clinic_id for s in sessions})} clinics (via {args.via}); "
        f"board of {clinic.slug} with {live} live sessions; {args.seconds} s, at most "
        f"{args.max_per_nurse} vitals per nurse, {args.screens} board screen(s)."
    )
    rows = board_alone(clinic, viewer, args.board_iterations)
    if not sessions:  # --nurses 0: the board alone
        print()
        print_table(rows)
        return

    # The timed, concurrent run: nurses (and board screens) as threads in --processes worker
    # processes, like a threaded application server with that many workers.
    deadline = time.perf_counter() + args.seconds  # CLOCK_MONOTONIC: shared by forked workers
    processes = max(1, min(args.processes, len(sessions)))
    groups = [[s.pk for s in sessions[i::processes]] for i in range(processes)]
    if args.screens:
        groups.append([])  # the board screens get a worker process of their own
    connections.close_all()  # never share a connection with a forked child
    context = multiprocessing.get_context("fork")
    pipes, workers = [], []
    started = time.perf_counter()
    for ids in groups:
        parent, child = context.Pipe(duplex=False)
        screens = args.screens if not ids else 0
        worker = context.Process(
            target=_worker, args=(child, ids, clinic.pk, viewer.pk, screens, deadline, args)
        )
        worker.start()
        pipes.append(parent)
        workers.append(worker)
    vitals, board, errors = [], [], []
    for pipe, worker in zip(pipes, workers, strict=True):
        result = pipe.recv()
        worker.join()
        vitals += result["vitals"]
        board += result["board"]
        errors += result["errors"]
    wall = time.perf_counter() - started
    label = f"{len(sessions)} nurses at once, {processes} process(es)"
    rows.append(summary(f"record a vital sign ({args.via}), {label}", vitals))
    rows.append(summary(f"board fragment under that load ({args.screens} screen(s))", board))
    print()
    print_table(rows)
    print()
    print(f"Throughput: {len(vitals) / wall:.1f} vitals/s over {wall:.1f} s; errors: {len(errors)}")
    for error in errors[:5]:
        print("  ", error)


def cmd_reset(args) -> None:
    """Remove the vital signs (and their alerts) that earlier runs charted through the service, so
    the next run starts from the generated state. Generated rows have no audit event; charted ones
    do, and those audit events stay (the chain must not change)."""
    require_local_database()
    from clinic.audit.models import AuditEvent
    from clinic.infusions.models import VitalAlert

    charted = AuditEvent.objects.filter(object_type="infusions.VitalSign").values_list("object_id", flat=True)
    ids = [int(pk) for pk in charted.iterator(chunk_size=10_000)]
    alerts, _ = VitalAlert.objects.filter(vital_id__in=ids).delete()
    vitals, _ = VitalSign.objects.filter(pk__in=ids).delete()
    print(f"Removed {vitals} charted vital signs and {alerts} alerts.")


def apply_gc(args) -> None:
    if args.gc_gen2_threshold:
        first, second, _ = gc.get_threshold()
        gc.set_threshold(first, second, args.gc_gen2_threshold)
    if args.gc_freeze:
        gc.freeze()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="Synthetic network with infusion history and live chairs.")
    gen.add_argument("--clinics", type=int, default=10)
    gen.add_argument("--patients", type=int, default=20_000)
    gen.add_argument("--years", type=float, default=1.0)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--batch-size", type=int, default=5_000)
    gen.add_argument("--sessions-per-clinic-per-day", type=int, default=30)
    gen.add_argument("--live-chair-share", type=float, default=1.0)
    gen.set_defaults(func=cmd_generate)
    run = sub.add_parser("run", help="Concurrent nurses charting vitals, and the board.")
    run.add_argument("--nurses", type=int, default=50)
    run.add_argument("--via", choices=("service", "http"), default="service")
    run.add_argument(
        "--processes",
        type=int,
        default=1,
        help="Worker processes sharing the nurses (1: all threads in one).",
    )
    run.add_argument("--seconds", type=float, default=60.0, help="Stop after this long (60).")
    run.add_argument("--max-per-nurse", type=int, default=200, help="At most this many vitals each (200).")
    run.add_argument("--think-ms", type=float, default=0.0, help="Pause between a nurse's entries (0).")
    run.add_argument("--screens", type=int, default=2, help="Board screens polling during the run (2).")
    run.add_argument("--poll-ms", type=float, default=0.0, help="Pause between polls (0 = back to back).")
    run.add_argument("--board-iterations", type=int, default=100)
    run.add_argument("--clinic", help="Only this clinic's sessions and board (slug).")
    run.add_argument(
        "--gc-gen2-threshold",
        type=int,
        default=0,
        help="Set Python's third GC threshold (default: Python's 10) in every process.",
    )
    run.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after start-up in every process.")
    run.set_defaults(func=cmd_run)
    reset = sub.add_parser("reset", help="Remove the vitals earlier runs charted.")
    reset.set_defaults(func=cmd_reset)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()

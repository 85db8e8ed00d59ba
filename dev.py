#!/usr/bin/env python3
"""The two commands of the README, using nothing but Python 3.11's standard library to start.

    python3 dev.py demo    install everything, create the SQLite database, load the demo clinic,
                           serve on http://127.0.0.1:8000
    python3 dev.py test    install everything (and Debian's chromium if missing), then lint,
                           check migrations and run the whole test suite on SQLite
                           (add --postgres to run it a second time on PostgreSQL)

Dependencies are pinned in uv.lock; uv itself comes from PyPI into .tools/.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
VENV = ROOT / ".venv"
VAR = ROOT / "var"
PY = VENV / "bin" / "python"
UV_VERSION = "0.13.9"
CHROMIUM = "/usr/bin/chromium"
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"


def run(cmd: list[str], env: dict | None = None, check: bool = True) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    result = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def ensure_python() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"ketaclinic needs Python 3.11 (this is {sys.version.split()[0]}).")


def make_venv(path: Path) -> None:
    """python3 -m venv, installing Debian's venv package first when it is missing (as root)."""
    if run([sys.executable, "-m", "venv", str(path)], check=False) == 0:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        shutil.rmtree(path, ignore_errors=True)
        run(["apt-get", "update", "-q"])
        run(["apt-get", "install", "-y", "-q", f"python3.{sys.version_info[1]}-venv"])
        run([sys.executable, "-m", "venv", str(path)])
        return
    sys.exit("python3 -m venv failed: install the python3-venv package and try again.")


def install(dev: bool) -> None:
    """Create .venv from uv.lock (idempotent; fast when nothing changed)."""
    uv = TOOLS / "bin" / "uv"
    if not uv.exists():
        make_venv(TOOLS)
        run([str(TOOLS / "bin" / "pip"), "install", "-q", f"uv=={UV_VERSION}"])
    args = [str(uv), "sync", "--frozen", "--quiet"]
    if not dev:
        # --inexact keeps the test tools if they are there: the demo may run beside the test suite.
        args += ["--no-dev", "--inexact"]
    # Use this Python, never download one.
    run(args, env={"UV_PYTHON_DOWNLOADS": "never", "UV_PYTHON": sys.executable})


def ensure_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(f"End-to-end tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    run(["apt-get", "update", "-q"])
    run(["apt-get", "install", "-y", "-q", "chromium"])


def ensure_postgres() -> None:
    if shutil.which("pg_isready") and run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False) == 0:
        return
    clusters = sorted(os.listdir("/etc/postgresql")) if Path("/etc/postgresql").exists() else []
    if not clusters:
        sys.exit("PostgreSQL is not running on 127.0.0.1:5432 and no local cluster was found.")
    run(["pg_ctlcluster", "--skip-systemctl-redirect", clusters[-1], "main", "start"])


def demo_env() -> dict[str, str]:
    VAR.mkdir(exist_ok=True)
    key_file = VAR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return {
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", key_file.read_text().strip()),
        # The demo runs on plain http on this machine: cookies cannot be https-only, and the printed
        # demo logins work without enrolling an authenticator. Production leaves both defaults on.
        "KETACLINIC_SECURE_COOKIES": "false",
        "KETACLINIC_STAFF_2FA_REQUIRED": os.environ.get("KETACLINIC_STAFF_2FA_REQUIRED", "false"),
        "KETACLINIC_HSTS_SECONDS": "0",
        "KETACLINIC_SSL_REDIRECT": "false",
        # Reminders the worker sends go to files in var/outbox/, not over the terminal and the logins.
        "EMAIL_BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"),
        "KETACLINIC_SMS_BACKEND": os.environ.get(
            "KETACLINIC_SMS_BACKEND", "clinic.reminders.sms.FileSmsBackend"
        ),
    }


def wait_until_serving(url: str, server: subprocess.Popen, seconds: float = 60) -> bool:
    """True once `url` answers; False if the server process ended or time ran out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return True
        except urllib.error.HTTPError:
            return True  # it answered (a redirect to sign-in or an error page is still an answer)
        except OSError:
            time.sleep(0.3)
    return False


def stop_children(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def cmd_demo(args: argparse.Namespace) -> None:
    install(dev=False)
    env = demo_env()
    run([str(PY), "manage.py", "migrate", "--noinput", "-v", "0"], env=env)
    run([str(PY), "manage.py", "load_demo", "--no-logins"], env=env)
    if args.no_serve:
        run([str(PY), "manage.py", "demo_logins"], env=env)
        return
    serve(env, port=args.port)


def serve(env: dict[str, str], port: int = 8000) -> None:
    """Run the job worker and the web server until Ctrl-C or SIGTERM; print the logins once both run."""
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    children: list[subprocess.Popen] = []

    # Stop cleanly on Ctrl-C and on SIGTERM, also when started in the background (a shell without job
    # control starts background jobs with SIGINT ignored, and Python keeps it ignored unless told).
    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        print("\nStarting the job worker (reminders, alert escalation) and the web server…", flush=True)
        children.append(subprocess.Popen([str(PY), "manage.py", "run_jobs"], cwd=ROOT, env=full_env))
        server = subprocess.Popen(
            [str(PY), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT, env=full_env
        )
        children.append(server)
        if not wait_until_serving(f"http://127.0.0.1:{port}/", server):
            sys.exit(f"The web server did not start (is port {port} in use?).")
        # The logins come last, once everything is up, so they are what the terminal shows.
        run([str(PY), "manage.py", "demo_logins"], env=env)
        print(
            f"Serving on http://127.0.0.1:{port} — sign in with a login above. Reminder e-mails and\n"
            "texts are written to var/outbox/. Ctrl-C (or SIGTERM) stops the server and the worker.",
            flush=True,
        )
        server.wait()
    except KeyboardInterrupt:
        print("\nStopping the web server and the job worker…", flush=True)
    finally:
        stop_children(children)
        print("Stopped.", flush=True)


def cmd_test(args: argparse.Namespace) -> None:
    install(dev=True)
    ensure_chromium()
    env = {"CI": os.environ.get("CI", "")}
    failures: list[str] = []

    def step(name: str, cmd: list[str], step_env: dict | None = None) -> None:
        print(f"\n=== {name} ===", flush=True)
        if run(cmd, env={**env, **(step_env or {})}, check=False) != 0:
            failures.append(name)

    step("Lint (ruff)", [str(VENV / "bin" / "ruff"), "check", "."])
    step(
        "Migrations are up to date",
        [str(PY), "manage.py", "makemigrations", "--check", "--dry-run"],
        {"DJANGO_SETTINGS_MODULE": "config.settings_test"},
    )
    # Deployment checks with production settings (a throwaway key; DEBUG off; secure cookies on).
    step(
        "Deployment checks",
        [str(PY), "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_DEBUG": "false"},
    )
    pytest = [str(PY), "-m", "pytest", *args.pytest_args]
    step("Test suite on SQLite", pytest)
    if args.postgres:
        ensure_postgres()
        step("Test suite on PostgreSQL", pytest, {"DATABASE_URL": POSTGRES_URL})
    if failures:
        print(f"\nFAILED: {', '.join(failures)}", flush=True)
        sys.exit(1)
    print("\nAll checks passed.", flush=True)


def main() -> None:
    ensure_python()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="install, migrate, load the demo clinic and serve it")
    demo.add_argument("--no-serve", action="store_true", help="set up but do not start the server")
    demo.add_argument("--port", type=int, default=8000, help="port of the web server (8000)")
    demo.set_defaults(func=cmd_demo)
    test = sub.add_parser("test", help="install and run lint, migration check and all tests")
    test.add_argument("--postgres", action="store_true", help="run the suite again on PostgreSQL")
    test.add_argument("pytest_args", nargs="*", help="extra arguments for pytest (after --)")
    test.set_defaults(func=cmd_test)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()

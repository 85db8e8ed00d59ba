"""`python3 dev.py demo` as a newcomer meets it: the logins are the last thing printed, after the
web server and the job worker have started, and the demo stops cleanly on Ctrl-C (SIGINT) and SIGTERM,
also when it was started in the background, where a shell starts it with SIGINT ignored."""

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"

# The servers run on their own SQLite file, whatever the suite's database: once is enough.
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="database-independent; runs on SQLite"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    env = {
        **os.environ,
        "KETACLINIC_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var}/demo.sqlite3",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run(
        [str(PYTHON), "manage.py", "migrate", "-v", "0"], cwd=ROOT, env={**env, **_secrets()}, check=True
    )
    return env


def _secrets() -> dict[str, str]:
    return {"DJANGO_SECRET_KEY": "test-only-demo-key", "KETACLINIC_SECURE_COOKIES": "false"}


def _start_in_background(env: dict, port: int) -> subprocess.Popen:
    """Start dev.py's server the way `python3 dev.py demo &` does in a script: SIGINT ignored."""
    code = f"import dev; env = dev.demo_env(); env.update({_secrets()!r}); dev.serve(env, port={port})"
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, so the test can tell whether anything survives
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509
    )


def _read_until(process: subprocess.Popen, marker: str, seconds: float) -> str:
    """What the process printed until `marker` (or until `seconds` passed)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    seen = ""
    deadline = time.monotonic() + seconds
    while marker not in seen and time.monotonic() < deadline:
        try:
            seen += lines.get(timeout=0.5)
        except queue.Empty:
            continue
    return seen


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_demo_prints_the_logins_last_and_stops_on_the_signal(demo_env, stop_signal):
    # given the demo server started in the background
    port = _free_port()
    process = _start_in_background(demo_env, port)
    pgid = os.getpgid(process.pid)
    try:
        # when it has started
        output = _read_until(process, "Ctrl-C (or SIGTERM) stops", seconds=90)

        # then the logins come after the web server's and the worker's start, and last
        assert "Demo logins (password for all:" in output, output
        assert output.index("Starting development server") < output.index("Demo logins")
        assert f"http://127.0.0.1:{port}" in output.split("Demo logins")[1]

        # when it gets the signal, the server, the worker and dev.py itself all stop
        process.send_signal(stop_signal)
        process.wait(timeout=30)
        deadline = time.monotonic() + 15
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _group_alive(pgid), "a child process outlived the demo"
    finally:
        if _group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)

"""`make run` starts the web server and one worker (scripts/run-desk); Ctrl-C stops both."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.inbox.test_worker_processes import database_url, wait_for
from tracker.inbox.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/fact-checks/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ctrl_c_stops_the_web_server_and_the_worker():
    port = free_port()
    env = {
        **{name: value for name, value in os.environ.items() if name != "FACTDESK_SITE_URL"},
        "DATABASE_URL": database_url(),
        "PYTHON": sys.executable,
        "DEBUG": "1",
        "SECRET_KEY": "test-only",
        "FACTDESK_WORKER_STALE_SECONDS": "4",
    }
    # Its own process group, as a terminal's foreground job is: Ctrl-C signals the whole group.
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [str(ROOT / "scripts" / "run-desk"), f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for(lambda: answers(port), 60, "the web server")
        wait_for(WorkerHeartbeat.objects.exists, 60, "the worker's heartbeat")
        # Public addresses name the port served, not the default 8000.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/fact-checks/feed/", timeout=5) as response:
            feed = response.read().decode()
        assert f"<uri>http://127.0.0.1:{port}</uri>" in feed
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 0, output
    assert "Factdesk stopped (web server and worker)." in output
    assert not answers(port)
    time.sleep(0.5)
    assert not WorkerHeartbeat.objects.exists()  # the worker stopped cleanly, not killed
    pgrep = ["pgrep", "-s", str(process.pid)]
    leftovers = subprocess.run(pgrep, capture_output=True, text=True).stdout  # noqa: S603 - fixed arguments
    assert leftovers.strip() == ""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_when_the_worker_dies_the_web_server_is_stopped_too(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": "sqlite:////nonexistent/dir/db.sqlite3", "PYTHON": sys.executable}
    env.update(DEBUG="1", SECRET_KEY="test-only")
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [str(ROOT / "scripts" / "run-desk"), f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert "stopping the other" in output and "Factdesk stopped" in output
    assert not answers(port)

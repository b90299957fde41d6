"""Workers as separate processes on the test database: killed mid-job, and two sharing one queue."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tests.inbox import tasks
from tests.inbox.conftest import Route, article_html
from tracker.inbox import jobs
from tracker.inbox.models import Feed, FeedEntry
from tracker.models import Article

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """Return a DATABASE_URL for the test database (the one this test's rows are committed to)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings.get("PASSWORD") else "")
    return f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"


def start_worker(worker_id: str, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "FACTDESK_FETCH_ALLOWED_HOSTS": "127.0.0.1",
        "FACTDESK_WORKER_STALE_SECONDS": "2",
        "FACTDESK_JOB_RETRY_SECONDS": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "test-only-key-never-deployed-0123456789-abcdefghijklmnop"),
        "DEBUG": "0",
    }
    command = [sys.executable, "manage.py", "run_worker", "--worker-id", worker_id, "--interval", "0.1", *args]
    output = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True}
    return subprocess.Popen(command, cwd=ROOT, env=env, **output)  # noqa: S603 - our own command


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"Timed out waiting for {what}.")


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output or ""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_job_loses_nothing_and_the_job_finishes_once(server):
    paragraphs = [
        "The ministry said on Tuesday that deliveries of the missiles would continue throughout the year.",
        "A spokesman added that the schedule had not changed despite reports of shortages at the plant.",
    ]
    page = article_html("Deliveries continue", paragraphs)
    hits = []

    def slow_the_first_time(seen):
        hits.append(time.monotonic())
        delay = 60 if len(hits) == 1 else 0
        return Route(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"}, delay=delay)

    server.routes["/story"] = slow_the_first_time
    feed = Feed.objects.create(url=server.url("/feed.xml"), next_poll_at=None)
    entry = FeedEntry.objects.create(feed=feed, guid="story", link=server.url("/story"))
    job = jobs.import_feed_entry.enqueue(entry.pk)

    first = start_worker("first", "--no-schedule")
    try:
        wait_for(lambda: len(hits) == 1, 60, "the first worker to start the job")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        output = stop(first)
    row = DBTaskResult.objects.get(pk=job.id)
    assert row.status == "RUNNING" and row.worker_ids == ["first"], output
    assert Article.objects.count() == 0

    second = start_worker("second", "--no-schedule")
    try:
        wait_for(lambda: DBTaskResult.objects.get(pk=job.id).status == "SUCCESSFUL", 90, "the second worker to finish")
    finally:
        output = stop(second)
    row = DBTaskResult.objects.get(pk=job.id)
    assert row.worker_ids == ["first", "second"], output
    assert list(Article.objects.values_list("title", flat=True)) == ["Deliveries continue"]
    entry.refresh_from_db()
    assert entry.state == FeedEntry.State.IMPORTED and entry.article is not None
    feed.refresh_from_db()
    assert feed.entries_brought == 1
    assert len(hits) == 2


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks with SKIP LOCKED are PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_run_a_thousand_jobs_none_twice_none_lost():
    feed = Feed.objects.create(url="https://news.example/feed.xml", next_poll_at=None)
    ids = [tasks.record_run.enqueue(feed.pk, n).id for n in range(1000)]
    workers = [start_worker(name, "--no-schedule", "--batch") for name in ("one", "two")]
    outputs = [stop_when_done(process) for process in workers]
    rows = DBTaskResult.objects.filter(pk__in=ids)
    assert rows.filter(status="SUCCESSFUL").count() == 1000, outputs
    assert all(len(row.worker_ids) == 1 for row in rows.only("worker_ids"))  # each claimed once
    entries = FeedEntry.objects.filter(feed=feed)
    assert entries.count() == 1000  # each ran once: a second run would break the unique (feed, guid)
    assert sorted(entries.values_list("guid", flat=True)) == sorted(f"job-{n}" for n in range(1000))
    by_worker = {name: rows.filter(worker_ids=[name]).count() for name in ("one", "two")}
    assert by_worker["one"] > 0 and by_worker["two"] > 0 and sum(by_worker.values()) == 1000
    assert len(set(entries.values_list("title", flat=True))) == 2  # two processes did the work


def stop_when_done(process: subprocess.Popen) -> str:
    try:
        output, _ = process.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    assert process.returncode == 0, output
    return output

"""The worker: retries with backoff, failures kept for admins, dead workers' jobs run again."""

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.inbox import tasks
from tracker.inbox import jobs, worker
from tracker.inbox.models import Feed, FeedEntry, WorkerHeartbeat


@pytest.fixture
def feed(db):
    return Feed.objects.create(url="https://news.example/feed.xml", next_poll_at=None)


def run_now():
    # Make every queued job due now, as if its backoff had passed.
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
    return worker.run_pending()


class RetryTests:
    def test_a_failing_job_is_tried_again_later_and_succeeds(self, feed, settings):
        settings.FACTDESK_JOB_RETRY_SECONDS = 30
        result = tasks.fail_until.enqueue(feed.pk, 2)
        before = timezone.now()
        assert worker.run_pending() == 1
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == TaskResultStatus.READY
        assert row.run_after >= before + datetime.timedelta(seconds=29)  # backoff, not at once
        assert "attempt 1 fails on purpose" in row.traceback  # the admin sees why
        assert worker.run_pending() == 0  # not due yet
        assert run_now() == 1
        row.refresh_from_db()
        assert row.status == TaskResultStatus.SUCCESSFUL and row.return_value == "done"
        assert len(row.worker_ids) == 2

    def test_a_job_that_keeps_failing_is_kept_with_its_error(self, feed, settings):
        settings.FACTDESK_JOB_RETRY_SECONDS = 0
        result = tasks.fail_until.enqueue(feed.pk, 99)
        for _ in range(5):
            run_now()
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == TaskResultStatus.FAILED
        assert len(row.worker_ids) == 3  # its three attempts, no more
        assert row.exception_class_path == "builtins.ValueError"
        assert "attempt 3 fails on purpose" in row.traceback

    def test_backoff_doubles_and_is_capped(self, settings):
        settings.FACTDESK_JOB_RETRY_SECONDS = 30
        assert [jobs.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
        assert jobs.backoff(30).total_seconds() == jobs.MAX_BACKOFF_SECONDS


class RecoveryTests:
    def claimed_by(self, worker_id: str, started_ago: int):
        result = tasks.record_run.enqueue(Feed.objects.get().pk, 1)
        DBTaskResult.objects.filter(pk=result.id).update(
            status=TaskResultStatus.RUNNING,
            worker_ids=[worker_id],
            started_at=timezone.now() - datetime.timedelta(seconds=started_ago),
        )
        return result.id

    def test_a_job_left_running_by_a_dead_worker_runs_again_once(self, feed, settings):
        settings.FACTDESK_WORKER_STALE_SECONDS = 60
        WorkerHeartbeat.objects.create(worker_id="dead", seen_at=timezone.now() - datetime.timedelta(minutes=5))
        pk = self.claimed_by("dead", started_ago=300)
        assert worker.recover_stale_jobs() == 1
        assert DBTaskResult.objects.get(pk=pk).status == TaskResultStatus.READY
        assert worker.run_pending() == 1
        row = DBTaskResult.objects.get(pk=pk)
        assert row.status == TaskResultStatus.SUCCESSFUL and len(row.worker_ids) == 2
        assert FeedEntry.objects.filter(guid="job-1").count() == 1

    def test_a_job_of_a_live_worker_is_left_alone(self, feed, settings):
        settings.FACTDESK_WORKER_STALE_SECONDS = 60
        WorkerHeartbeat.objects.create(worker_id="alive", seen_at=timezone.now())
        pk = self.claimed_by("alive", started_ago=3600)
        assert worker.recover_stale_jobs() == 0
        assert DBTaskResult.objects.get(pk=pk).status == TaskResultStatus.RUNNING

    def test_a_job_that_keeps_killing_its_worker_is_failed(self, feed, settings):
        pk = self.claimed_by("gone", started_ago=600)
        DBTaskResult.objects.filter(pk=pk).update(worker_ids=["a", "b", "gone"])
        assert worker.recover_stale_jobs() == 1
        row = DBTaskResult.objects.get(pk=pk)
        assert row.status == TaskResultStatus.FAILED and "stopped before it finished, 3 time(s)" in row.traceback

    def test_a_worker_forgets_its_heartbeat_when_it_stops(self, feed):
        worker.run_pending()
        assert not WorkerHeartbeat.objects.exists()


class StopSignalTests:
    def test_one_stop_request_lets_the_job_finish_and_a_later_second_one_stops_at_once(self, monkeypatch):
        running = worker.Worker(worker_id="w", heartbeat=False)
        running.running_task = True
        running.shutdown(2, None)  # Ctrl-C
        assert running.running is False
        running.shutdown(15, None)  # the supervisor's SIGTERM right after: the same request
        monkeypatch.setattr(worker.time, "monotonic", lambda: running._stop_asked_at + 5)
        monkeypatch.setattr(running, "reset_signals", lambda: None)
        with pytest.raises(SystemExit) as stopped:
            running.shutdown(2, None)  # Ctrl-C again, later: stop now
        assert stopped.value.code == 1

    def test_a_stop_request_between_jobs_exits_at_once(self):
        idle = worker.Worker(worker_id="w", heartbeat=False)
        with pytest.raises(SystemExit) as stopped:
            idle.shutdown(15, None)
        assert stopped.value.code == 0
        idle.shutdown(2, None)  # cleaning up: ignored

"""The worker: runs queued jobs, retries them with backoff, recovers jobs of dead workers, queues due feed polls.

The queue is django-tasks-db's table. Claiming a job happens in one
transaction that locks its row (SELECT ... FOR UPDATE SKIP LOCKED on
PostgreSQL; on SQLite the transaction is exclusive, so claims serialize), so
several workers on several machines never take the same job. A worker
writes a heartbeat while it lives; a job still marked running by a worker
not heard from for FACTDESK_WORKER_STALE_SECONDS is put back in the queue,
so killing a worker mid-job loses nothing: the job runs again (jobs are
idempotent, tracker.inbox.jobs).
"""

from __future__ import annotations

import datetime
import logging
import os
import signal
import socket
import sys
import threading
import time
from traceback import format_exception

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from tracker.inbox import jobs
from tracker.inbox.models import WorkerHeartbeat

logger = logging.getLogger("tracker.inbox.worker")

SCHEDULE_EVERY_SECONDS = 15


def _alive_since():
    return timezone.now() - datetime.timedelta(seconds=settings.FACTDESK_WORKER_STALE_SECONDS)


def recover_stale_jobs() -> int:
    """Put back in the queue the jobs left running by workers not heard from lately; return how many."""
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=_alive_since()).values_list("worker_id", flat=True))
    recovered = 0
    for result in DBTaskResult.objects.running().only("id", "worker_ids", "started_at", "task_path"):
        owner = result.worker_ids[-1] if result.worker_ids else None
        if owner in alive or (result.started_at and result.started_at >= _alive_since()):
            continue
        tries = len(result.worker_ids)
        fields = {"status": TaskResultStatus.READY, "run_after": timezone.now()}
        if tries >= jobs.attempts_for(result.task_path):
            fields = {
                "status": TaskResultStatus.FAILED,
                "finished_at": timezone.now(),
                "exception_class_path": "tracker.inbox.worker.WorkerLost",
                "traceback": f"The worker running this job stopped before it finished, {tries} time(s).",
            }
        # Only if nobody claimed it again meanwhile (a claim sets a new started_at).
        recovered += DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
        ).update(**fields)
        logger.warning("Job %s (%s) was left running by worker %s; queued again.", result.pk, result.task_path, owner)
    return recovered


class Heartbeat(threading.Thread):
    """Tell the other workers this one is alive, every few seconds, even while a long job runs."""

    def __init__(self, worker_id: str):
        super().__init__(daemon=True, name=f"heartbeat-{worker_id}")
        self.worker_id = worker_id
        self.stopped = threading.Event()
        self.every = max(settings.FACTDESK_WORKER_STALE_SECONDS / 4, 0.2)

    def beat(self) -> None:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"seen_at": timezone.now(), "hostname": socket.gethostname()[:255], "pid": os.getpid()},
            create_defaults={
                "seen_at": timezone.now(),
                "started_at": timezone.now(),
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
            },
        )

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                try:
                    self.beat()
                except OperationalError as exc:  # a busy database: the next beat will do
                    logger.info("Heartbeat skipped: %s", exc)
        finally:
            connection.close()


class Worker(DatabaseWorker):
    """django-tasks-db's worker with retries, recovery of dead workers' jobs and the feed schedule."""

    def __init__(self, *, schedule: bool = True, heartbeat: bool = True, **kwargs):
        kwargs.setdefault("queue_names", ["default"])
        kwargs.setdefault("interval", 1.0)
        kwargs.setdefault("batch", False)
        kwargs.setdefault("backend_name", "default")
        kwargs.setdefault("startup_delay", False)
        kwargs.setdefault("max_tasks", None)
        kwargs.setdefault("excluded_queue_names", [])
        super().__init__(**kwargs)
        self.schedule = schedule
        self.heartbeat = heartbeat
        # A worker of its own recycles its connections; one run inline shares its caller's.
        self.own_connections = heartbeat
        self._next_housekeeping = 0.0
        self._exiting = False
        self._stop_asked_at = 0.0

    # Ctrl-C in a terminal reaches the whole process group, and `make run`'s
    # supervisor then sends SIGTERM too: signals this close together are one request to stop.
    REPEAT_WINDOW_SECONDS = 2.0

    def shutdown(self, signum, frame) -> None:
        now = time.monotonic()
        if self._exiting:
            return  # already cleaning up; let it finish
        if not self.running:
            if now - self._stop_asked_at < self.REPEAT_WINDOW_SECONDS:
                return
            logger.warning("Stopping now; the job that was running will run again.")
            self._exiting = True
            self.reset_signals()
            sys.exit(1)
        logger.warning("Stopping after the current job (%s again to stop now).", signal.strsignal(signum))
        self.running = False
        self._stop_asked_at = now
        if not self.running_task:
            self._exiting = True
            sys.exit(0)

    def housekeeping(self, force: bool = False) -> None:
        """Recover stale jobs and queue due feed polls, every few seconds."""
        now = time.monotonic()
        if not force and now < self._next_housekeeping:
            return
        self._next_housekeeping = now + min(SCHEDULE_EVERY_SECONDS, settings.FACTDESK_WORKER_STALE_SECONDS / 2)
        try:
            recover_stale_jobs()
            if self.schedule:
                from tracker.inbox import feeds

                feeds.queue_due_polls()
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise
            logger.info("Housekeeping skipped, the database is busy.")

    def recycle_connections(self) -> None:
        if self.own_connections:
            close_old_connections()

    def claim_next(self) -> tuple[DBTaskResult | None, bool]:
        """Return (the next ready job, now claimed by this worker, or None; whether the queue could be read)."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None, False
            raise
        return task_result, True

    def run(self) -> None:
        logger.info("Worker %s started (queues %s).", self.worker_id, ",".join(self.queue_names))
        heartbeat = Heartbeat(self.worker_id)
        heartbeat.beat()
        if self.heartbeat:
            heartbeat.start()
        try:
            self.housekeeping(force=True)
            while self.running:
                self.recycle_connections()
                self.housekeeping()
                task_result, read = self.claim_next()
                if task_result is not None:
                    self.run_task(task_result)
                if self.batch and read and task_result is None:
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    return
                self.recycle_connections()
                if self.running and task_result is None:
                    time.sleep(self.interval)
        finally:
            self._exiting = True
            if self.own_connections and threading.current_thread() is threading.main_thread():
                # Stopping: a second signal (Ctrl-C reaches the whole process group, then the
                # supervisor's SIGTERM) must not cut the cleanup short.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            heartbeat.stopped.set()
            if heartbeat.is_alive():
                heartbeat.join(timeout=5)
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            logger.info("Worker %s stopped.", self.worker_id)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run one claimed job; a failure is retried later with backoff until its attempts are used up."""
        self.running_task = True
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = type(task.get_backend())
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs)
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except (KeyboardInterrupt, SystemExit):
            # Stopped from outside mid-job: leave it to be run again rather than count it as failed.
            self.requeue(db_task_result, delay=datetime.timedelta(0), error=None)
            raise
        except Exception as exc:  # every failure of a job is recorded, none stops the worker
            attempt = len(db_task_result.worker_ids)
            if attempt < jobs.attempts_for(db_task_result.task_path):
                delay = jobs.backoff(attempt)
                logger.warning(
                    "Job %s (%s) failed on attempt %d: %s; trying again in %s.",
                    db_task_result.pk,
                    db_task_result.task_path,
                    attempt,
                    exc,
                    delay,
                )
                self.requeue(db_task_result, delay=delay, error=exc)
            else:
                logger.error("Job %s (%s) failed for good: %s", db_task_result.pk, db_task_result.task_path, exc)
                db_task_result.set_failed(exc)
        finally:
            self.running_task = False
            self._run_tasks += 1

    @staticmethod
    def requeue(db_task_result: DBTaskResult, *, delay, error: BaseException | None) -> None:
        fields = {"status": TaskResultStatus.READY, "run_after": timezone.now() + delay}
        if error is not None:
            # Kept on the row, so an admin sees why it is being retried.
            fields["exception_class_path"] = f"{type(error).__module__}.{type(error).__qualname__}"
            fields["traceback"] = "".join(format_exception(error))
        with transaction.atomic():
            DBTaskResult.objects.filter(pk=db_task_result.pk).update(**fields)


def run_pending(*, max_tasks: int | None = None, schedule: bool = False) -> int:
    """Run the jobs that are ready now in this process, then return how many ran (tests and commands)."""
    # No heartbeat thread: a job run inline finishes before this returns, and a
    # second connection would wait on the caller's open transaction (tests).
    worker = Worker(
        batch=True, max_tasks=max_tasks, worker_id=f"inline-{os.getpid()}", schedule=schedule, heartbeat=False
    )
    worker.run()
    return worker._run_tasks

"""Run a background worker: jobs from the queue, retries, feed polls on schedule (DESIGN §8)."""

import logging
import os
import socket

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from tracker.inbox.worker import Worker


class Command(BaseCommand):
    help = (
        "Run a worker: it runs queued jobs (feed polls, feed entries, webhook deliveries, e-mails), retries "
        "failures with backoff and queues due feed polls. Run as many as you like, on as many machines as "
        "share the database; Ctrl-C (or SIGTERM) lets the current job finish, a second Ctrl-C stops at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="default", help="Queues to run, comma-separated; * for all.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds to wait when the queue is empty.")
        parser.add_argument("--batch", action="store_true", help="Run what is queued now, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after running this many jobs.")
        parser.add_argument("--worker-id", default=None, help="A name unique among the workers (default: random).")
        parser.add_argument(
            "--no-schedule", action="store_false", dest="schedule", help="Do not queue due feed polls."
        )

    def handle(self, *, queue_name, interval, batch, max_tasks, worker_id, schedule, verbosity, **options):
        logger = logging.getLogger("tracker.inbox")
        logger.setLevel(logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG)
        if not logger.handlers:
            logger.addHandler(logging.StreamHandler(self.stdout))
            logger.propagate = False
        worker_id = worker_id or f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"
        worker = Worker(
            queue_names=queue_name.split(","),
            interval=max(interval, 0.0),
            batch=batch,
            max_tasks=max_tasks if max_tasks and max_tasks > 0 else None,
            worker_id=worker_id[:64],
            schedule=schedule,
        )
        worker.configure_signals()
        worker.run()
        if verbosity:
            self.stdout.write(f"Worker {worker_id} ran {worker._run_tasks} job(s).")

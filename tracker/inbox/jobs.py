"""The jobs the worker runs, on Django's task API (the django-tasks backport on Django 5.2).

Every job is idempotent: a job may run again after a worker was killed in
the middle of it, or after a failed attempt, and must then finish the work
once. Each job names how many attempts it gets; between attempts the worker
waits longer each time (tracker.inbox.worker).
"""

from __future__ import annotations

import datetime

from django.conf import settings

try:  # Django 6 has the task API built in; 5.2 has the backport.
    from django.tasks import task
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task

# Attempts per job, by task path; a job not listed gets DEFAULT_ATTEMPTS.
ATTEMPTS: dict[str, int] = {}
DEFAULT_ATTEMPTS = 5
MAX_BACKOFF_SECONDS = 3600


def job(*, attempts: int = DEFAULT_ATTEMPTS, priority: int = 0):
    """Declare a task the worker runs, tried up to ``attempts`` times before it is kept as failed."""

    def wrap(func):
        declared = task(priority=priority)(func)
        ATTEMPTS[declared.module_path] = attempts
        return declared

    return wrap


def attempts_for(task_path: str) -> int:
    return ATTEMPTS.get(task_path, DEFAULT_ATTEMPTS)


def backoff(attempt: int) -> datetime.timedelta:
    """Return how long to wait before attempt number ``attempt + 1``: doubling from the setting, capped."""
    base = settings.FACTDESK_JOB_RETRY_SECONDS
    return datetime.timedelta(seconds=min(base * 2 ** max(attempt - 1, 0), MAX_BACKOFF_SECONDS))


@job(attempts=3)
def poll_feed(feed_id: int) -> dict:
    """Read one feed and queue its new entries."""
    from tracker.inbox import feeds

    return feeds.poll(feed_id)


@job(attempts=3)
def import_feed_entry(entry_id: int) -> dict:
    """Fetch one feed entry's page and store it as an article."""
    from tracker.inbox import feeds

    return feeds.import_entry(entry_id)


@job(attempts=8)
def deliver_webhook(delivery_id: int) -> dict:
    """POST one webhook delivery, signed; raises (and so is retried) until the receiver accepts it."""
    from tracker.inbox import webhooks

    return webhooks.deliver(delivery_id)


@job(attempts=5)
def email_notification(notification_id: int) -> dict:
    """Send one notification by e-mail, once."""
    from tracker.inbox import notifications

    return notifications.send_email(notification_id)

"""Jobs that only tests queue: they leave a trace of every run in the database."""

import os

from tracker.inbox.jobs import job
from tracker.inbox.models import Feed, FeedEntry


@job(attempts=3)
def record_run(feed_id: int, n: int) -> int:
    """Record that job n ran, and in which process; a second run of the same n breaks a unique constraint."""
    FeedEntry.objects.create(feed_id=feed_id, guid=f"job-{n}", title=str(os.getpid()))
    return n


@job(attempts=3)
def fail_until(feed_id: int, succeed_on: int) -> str:
    """Fail (ValueError) until attempt number succeed_on, counting attempts in the feed's error_count."""
    feed = Feed.objects.get(pk=feed_id)
    Feed.objects.filter(pk=feed_id).update(error_count=feed.error_count + 1)
    if feed.error_count + 1 < succeed_on:
        raise ValueError(f"attempt {feed.error_count + 1} fails on purpose")
    return "done"

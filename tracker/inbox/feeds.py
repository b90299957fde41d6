"""Feeds the worker polls (DESIGN §8): RSS and Atom entries become articles; ClaimReview feeds become FactChecks.

A poll is a conditional GET (ETag, Last-Modified). Each new entry is recorded
once (FeedEntry, unique per feed and guid) and queued as its own job in the
same transaction, so a page that fails does not hold up the others and a
worker killed mid-poll leaves either both or neither. A feed that fails
waits longer each time (doubling up to a day) and never stops the others.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import re
from calendar import timegm

import feedparser
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tracker import articles
from tracker.errors import DeskError
from tracker.inbox import extraction, fetching, jobs, pages
from tracker.inbox.models import Feed, FeedEntry
from tracker.models import http_url_validator

logger = logging.getLogger(__name__)

MAX_ENTRIES_PER_POLL = 50
MAX_BACKOFF = datetime.timedelta(days=1)
# A poll queued this long ago and never finished was lost (its job failed for good): queue another.
LOST_POLL = datetime.timedelta(hours=1)
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
CLAIMREVIEW_ACCEPT = "application/ld+json, application/json;q=0.9, text/html;q=0.8, */*;q=0.1"
_LD_JSON = re.compile(
    r"<script[^>]+type\s*=\s*[\"']application/ld\+json[\"'][^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL
)


class FeedError(DeskError):
    """A feed that cannot be read; the message says why (kept as the feed's last error)."""

    status = 422
    field = "url"


class FeedInvalid(DeskError):
    status = 400
    field = "url"


# ---------------------------------------------------------------- adding and scheduling


def check_feed_url(url: str) -> str:
    """Return url if the desk may poll it (http(s), and checked again on every poll), else raise FeedInvalid."""
    url = (url or "").strip()
    try:
        http_url_validator(url)
    except ValidationError:
        raise FeedInvalid("Enter the feed's full address, starting with http:// or https://.") from None
    try:
        fetching.check_url(url)
    except fetching.FetchRefused as exc:
        raise FeedInvalid(str(exc)) from None
    except fetching.FetchError:
        pass  # a name that does not resolve today may tomorrow; polls will say so
    return url


def queue_poll(feed: Feed) -> bool:
    """Queue a poll of feed now unless one is already queued; return whether one was queued."""
    with transaction.atomic():
        updated = (
            Feed.objects.filter(pk=feed.pk)
            .filter(Q(poll_queued_at__isnull=True) | Q(poll_queued_at__lt=timezone.now() - LOST_POLL))
            .update(poll_queued_at=timezone.now())
        )
        if updated:
            jobs.poll_feed.enqueue(feed.pk)
    return bool(updated)


def queue_due_polls(limit: int = 100) -> int:
    """Queue a poll of every active feed that is due; return how many were queued.

    Several workers may call this at once: each due feed is taken under a row
    lock (skipped when another worker holds it) and marked as queued in the
    same transaction as its job.
    """
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Feed.objects.select_for_update(skip_locked=True)
            .filter(active=True, next_poll_at__lte=now)
            .filter(Q(poll_queued_at__isnull=True) | Q(poll_queued_at__lt=now - LOST_POLL))
            .order_by("next_poll_at")
            .values_list("pk", flat=True)[:limit]
        )
        if due:
            Feed.objects.filter(pk__in=due).update(poll_queued_at=now)
            for pk in due:
                jobs.poll_feed.enqueue(pk)
    return len(due)


# ---------------------------------------------------------------- polling


def _backoff(feed: Feed, failures: int) -> datetime.timedelta:
    interval = datetime.timedelta(minutes=feed.interval_minutes or settings.FACTDESK_FEED_INTERVAL_MINUTES)
    return min(interval * 2 ** min(failures, 10), max(MAX_BACKOFF, interval))


def poll(feed_id: int) -> dict:
    """Read one feed now; record what came of it on the feed. A broken feed is recorded, not raised."""
    feed = Feed.objects.filter(pk=feed_id).select_related("outlet").first()
    if feed is None:
        return {"skipped": "the feed was deleted"}
    started = timezone.now()
    try:
        outcome = _read(feed)
    except (fetching.FetchError, FeedError) as exc:
        failures = feed.error_count + 1
        Feed.objects.filter(pk=feed.pk).update(
            last_polled_at=started,
            last_error=str(exc)[:2000],
            error_count=failures,
            next_poll_at=started + _backoff(feed, failures),
            poll_queued_at=None,
        )
        logger.info("Feed %s failed (%d in a row): %s", feed.url, failures, exc)
        return {"error": str(exc)}
    except Exception as exc:
        # A fault of ours, not the feed's: record it, and let the worker retry the job.
        Feed.objects.filter(pk=feed.pk).update(
            last_polled_at=started,
            last_error=f"Unexpected error: {exc}"[:2000],
            error_count=F("error_count") + 1,
            next_poll_at=started + _backoff(feed, feed.error_count + 1),
            poll_queued_at=None,
        )
        raise
    changes = {
        "last_polled_at": started,
        "last_success_at": started,
        "last_error": "",
        "error_count": 0,
        "next_poll_at": started + _backoff(feed, 0),
        "poll_queued_at": None,
    }
    changes.update(outcome.pop("feed_changes", {}))
    Feed.objects.filter(pk=feed.pk).update(**changes)
    return outcome


def _read(feed: Feed) -> dict:
    headers = {"Accept": CLAIMREVIEW_ACCEPT if feed.kind == Feed.Kind.CLAIMREVIEW else FEED_ACCEPT}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    response = fetching.fetch(feed.url, headers=headers)
    if response.status == 304:
        return {"not_modified": True}
    if response.status != 200:
        raise FeedError(f"The feed answered with HTTP status {response.status}.")
    validators = {
        "etag": response.headers.get("etag", "")[:500],
        "last_modified": response.headers.get("last-modified", "")[:100],
    }
    if feed.kind == Feed.Kind.CLAIMREVIEW:
        outcome = _read_claimreviews(feed, response)
    else:
        outcome = _read_entries(feed, response)
    outcome.setdefault("feed_changes", {}).update(validators)
    return outcome


def _entry_time(entry) -> datetime.datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return datetime.datetime.fromtimestamp(timegm(parsed), tz=datetime.UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _read_entries(feed: Feed, response: fetching.Response) -> dict:
    # A stream, never bytes or str: feedparser would take those for a file name or a URL to open.
    parsed = feedparser.parse(
        io.BytesIO(response.body),
        response_headers={"content-type": response.headers.get("content-type", ""), "content-location": response.url},
    )
    if not parsed.entries and (parsed.bozo or not parsed.version):
        reason = getattr(parsed, "bozo_exception", None)
        raise FeedError("This is not an RSS or Atom feed" + (f": {reason}." if reason else "."))
    queued = 0
    with transaction.atomic():
        for entry in parsed.entries[:MAX_ENTRIES_PER_POLL]:
            link = (entry.get("link") or "").strip()
            guid = (entry.get("id") or link).strip()[:500]
            if not guid:
                continue
            record, created = FeedEntry.objects.get_or_create(
                feed=feed,
                guid=guid,
                defaults={
                    "link": link[:2000],
                    "title": " ".join((entry.get("title") or "").split())[:500],
                    "published_at": _entry_time(entry),
                },
            )
            if created:
                jobs.import_feed_entry.enqueue(record.pk)
                queued += 1
    changes = {}
    title = " ".join((parsed.feed.get("title") or "").split())[:300]
    if title and not feed.title:
        changes["title"] = title
    if parsed.version:
        changes["kind"] = Feed.Kind.ATOM if parsed.version.startswith("atom") else Feed.Kind.RSS
    return {"entries": len(parsed.entries), "queued": queued, "feed_changes": changes}


def import_entry(entry_id: int) -> dict:
    """Fetch one entry's page and store it; record the outcome on the entry (raises to be retried)."""
    entry = FeedEntry.objects.select_related("feed__outlet").filter(pk=entry_id).first()
    if entry is None or entry.state in {FeedEntry.State.IMPORTED, FeedEntry.State.DUPLICATE}:
        return {"skipped": True}
    if not entry.link:
        FeedEntry.objects.filter(pk=entry.pk).update(state=FeedEntry.State.FAILED, error="The entry has no link.")
        return {"error": "no link"}
    try:
        # Fetched outside any transaction: a slow site must not hold the database.
        page = pages.fetch_page(entry.link)
        with transaction.atomic():
            result = pages.store_page(page, requested=entry.link, outlet=entry.feed.outlet)
            FeedEntry.objects.filter(pk=entry.pk).update(
                state=FeedEntry.State.IMPORTED, article=result.article, error=""
            )
            if result.created:
                Feed.objects.filter(pk=entry.feed_id).update(entries_brought=F("entries_brought") + 1)
    except articles.DuplicateArticle as exc:
        FeedEntry.objects.filter(pk=entry.pk).update(
            state=FeedEntry.State.DUPLICATE, article=exc.existing, error=str(exc)[:2000]
        )
        return {"duplicate": exc.existing.pk}
    except fetching.FetchError as exc:
        FeedEntry.objects.filter(pk=entry.pk).update(state=FeedEntry.State.FAILED, error=str(exc)[:2000])
        if isinstance(exc, fetching.FetchRefused | extraction.NotAnArticle):
            return {"error": str(exc)}  # trying again would change nothing
        raise
    return {"article": result.article.pk, "created": result.created}


# ---------------------------------------------------------------- ClaimReview feeds


def claimreview_payloads(response: fetching.Response) -> list:
    """Return the JSON-LD documents in a ClaimReview feed: a JSON(-LD) answer, or the ld+json blocks of a page."""
    if response.content_type in extraction.HTML_TYPES:
        html = extraction.decode(response.body, response.charset)
        blocks = _LD_JSON.findall(html)
        if not blocks:
            raise FeedError('The page holds no JSON-LD (no <script type="application/ld+json">).')
    else:
        blocks = [extraction.decode(response.body, response.charset or "utf-8")]
    payloads = []
    for block in blocks:
        try:
            payloads.append(json.loads(block))
        except (ValueError, RecursionError) as exc:
            raise FeedError(f"The feed's JSON-LD is not valid JSON: {exc}.") from None
    return payloads


def factcheck_importer():
    """Return the domain function that stores ClaimReviews as FactChecks (tracker.finding), or None."""
    try:
        from tracker.finding.factchecks import import_claimreviews
    except ImportError:
        return None
    return import_claimreviews


def _read_claimreviews(feed: Feed, response: fetching.Response) -> dict:
    importer = factcheck_importer()
    if importer is None:
        raise FeedError("This desk cannot store partner fact-checks yet (FactCheck import is not installed).")
    payloads = claimreview_payloads(response)
    payload = payloads[0] if len(payloads) == 1 else payloads
    result = importer(payload, feed=feed)
    created = int(result.get("created", 0))
    summary = {key: result.get(key) for key in ("created", "updated", "skipped")}
    summary["errors"] = len(result.get("errors") or [])
    changes = {"entries_brought": F("entries_brought") + created} if created else {}
    return {**summary, "feed_changes": changes}

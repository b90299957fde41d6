"""Models of the inbox and outbox (DESIGN §8); imported at the end of tracker/models.py (app label tracker)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.models import Article, Claim, Outlet

__all__ = [
    "Comment",
    "Feed",
    "FeedEntry",
    "InboxPreference",
    "Notification",
    "Webhook",
    "WebhookDelivery",
    "WorkerHeartbeat",
]


class Feed(models.Model):
    """A feed the worker polls: RSS or Atom entries become articles, a ClaimReview feed becomes FactChecks."""

    class Kind(models.TextChoices):
        RSS = "rss", "RSS"
        ATOM = "atom", "Atom"
        CLAIMREVIEW = "claimreview", "ClaimReview (JSON-LD or pages)"

    url = models.URLField(max_length=2000, unique=True)
    title = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RSS)
    outlet = models.ForeignKey(
        Outlet,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="feeds",
        help_text="The outlet of the articles this feed brings; blank to take each page's own site name.",
    )
    active = models.BooleanField(default=True)
    interval_minutes = models.PositiveIntegerField(default=30, help_text="How often the worker reads the feed.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    # What polling keeps up to date, written with .update() (no history record per poll).
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    error_count = models.PositiveIntegerField(default=0)
    entries_brought = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    poll_queued_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(
        excluded_fields=[
            "etag",
            "last_modified",
            "last_polled_at",
            "last_success_at",
            "last_error",
            "error_count",
            "entries_brought",
            "next_poll_at",
            "poll_queued_at",
        ]
    )

    class Meta:
        ordering = ["title", "url", "id"]
        indexes = [models.Index(fields=["active", "next_poll_at"], name="feed_due")]

    def __str__(self) -> str:
        return self.title or self.url


class FeedEntry(models.Model):
    """One entry a feed listed, and what became of it (an article, a duplicate, an error)."""

    class State(models.TextChoices):
        PENDING = "pending", "waiting to be imported"
        IMPORTED = "imported", "imported"
        DUPLICATE = "duplicate", "already stored"
        FAILED = "failed", "failed"

    feed = models.ForeignKey(Feed, models.CASCADE, related_name="entries")
    guid = models.CharField(max_length=500)
    link = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    article = models.ForeignKey(Article, models.SET_NULL, null=True, blank=True, related_name="feed_entries")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-seen_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["feed", "guid"], name="feed_entry_once")]
        verbose_name_plural = "feed entries"

    def __str__(self) -> str:
        return self.title or self.link or self.guid


class Comment(models.Model):
    """A message in a claim's discussion; @username mentions notify the people named."""

    EDIT_WINDOW_MINUTES = 15

    claim = models.ForeignKey(Claim, models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="claim_comments")
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["claim", "created_at"], name="comment_by_claim")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on claim {self.claim_id}"

    def editable_until(self):
        return self.created_at + datetime.timedelta(minutes=self.EDIT_WINDOW_MINUTES)

    def can_edit(self, user, now=None) -> bool:
        """Whether user may still change this comment: its author, within the edit window."""
        now = now or timezone.now()
        return bool(user and user.is_authenticated and user.pk == self.author_id and now < self.editable_until())


class Notification(models.Model):
    """Something a desk member should know: an assignment, a claim sent back, waiting for review, ..."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "assigned to you"
        SENT_BACK = "sent_back", "sent back to you"
        REVIEW = "review", "waiting for your review"
        PUBLISHED = "published", "published"
        MENTIONED = "mentioned", "mentioned you"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    claim = models.ForeignKey(Claim, models.CASCADE, null=True, blank=True, related_name="+")
    comment = models.ForeignKey(Comment, models.CASCADE, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list"),
            # The header's unread count reads only this.
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id}"


class InboxPreference(models.Model):
    """A desk member's choices about notifications."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="inbox_preference")
    email = models.BooleanField(default=False, help_text="Also send notifications by e-mail.")

    def __str__(self) -> str:
        return f"Notification settings of {self.user_id}"


def _default_events() -> list[str]:
    return ["claim.published", "claim.corrected"]


class Webhook(models.Model):
    """A receiver that gets a signed JSON POST when claims are published, corrected or moved."""

    EVENTS = ("claim.published", "claim.corrected", "claim.transitioned")

    url = models.URLField(max_length=2000)
    secret = models.CharField(max_length=200, help_text="Shared secret for the X-Factdesk-Signature HMAC.")
    events = models.JSONField(default=_default_events, help_text="Any of: " + ", ".join(EVENTS))
    active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookDelivery(models.Model):
    """One event for one webhook, and every attempt to deliver it."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "failed"

    webhook = models.ForeignKey(Webhook, models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    claim = models.ForeignKey(Claim, models.SET_NULL, null=True, blank=True, related_name="+")
    body = models.TextField(help_text="The exact JSON that is signed and sent.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    log = models.JSONField(default=list, help_text="Every attempt: when, status, error.")
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["webhook", "-created_at"], name="delivery_by_webhook")]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook}"


class WorkerHeartbeat(models.Model):
    """A running worker, seen lately; a job left running by a worker not seen for long is run again."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-seen_at"]
        verbose_name = "worker"

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname} (pid {self.pid})"

"""Admin for the inbox and outbox: feeds and their entries, webhooks and every delivery, jobs and workers."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tracker.admin.base import HistoryAdmin, ReadOnlyAdmin, refusals_on, shorten
from tracker.inbox import feeds, webhooks
from tracker.inbox.models import Comment, Feed, FeedEntry, Notification, Webhook, WebhookDelivery, WorkerHeartbeat

POLL_STATE = [
    "last_polled_at",
    "last_success_at",
    "last_error",
    "error_count",
    "entries_brought",
    "next_poll_at",
    "poll_queued_at",
    "etag",
    "last_modified",
]


class FeedAdminForm(forms.ModelForm):
    class Meta:
        model = Feed
        fields = ["url", "title", "kind", "outlet", "active", "interval_minutes"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        with refusals_on(self):
            url = feeds.check_feed_url(url)
        return url


@admin.register(Feed)
class FeedAdmin(HistoryAdmin):
    form = FeedAdminForm
    list_display = ["__str__", "kind", "active", "last_polled_at", "entries_brought", "error_count", "short_error"]
    list_filter = ["kind", "active"]
    search_fields = ["url", "title"]
    readonly_fields = POLL_STATE
    autocomplete_fields = ["outlet"]
    actions = ["read_now"]

    @admin.display(description="last error")
    def short_error(self, feed: Feed) -> str:
        return shorten(feed.last_error, 100) or "—"

    @admin.action(description="Read the selected feeds now")
    def read_now(self, request, queryset):
        queued = sum(feeds.queue_poll(feed) for feed in queryset)
        messages.success(request, f"{queued} feed read(s) queued for the worker.")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(FeedEntry)
class FeedEntryAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "feed", "state", "seen_at", "article"]
    list_filter = ["state"]
    list_select_related = ["feed", "article"]
    search_fields = ["title", "link", "guid"]


class WebhookAdminForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=[(e, e) for e in Webhook.EVENTS], widget=forms.CheckboxSelectMultiple, required=True
    )
    secret = forms.CharField(
        min_length=16, max_length=200, help_text="At least 16 characters; the receiver keeps the same."
    )

    class Meta:
        model = Webhook
        fields = ["url", "secret", "events", "active", "description"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        with refusals_on(self):
            url = feeds.check_feed_url(url)
        return url


@admin.register(Webhook)
class WebhookAdmin(HistoryAdmin):
    form = WebhookAdminForm
    list_display = ["__str__", "url", "active", "event_list", "created_at"]
    list_filter = ["active"]

    @admin.display(description="events")
    def event_list(self, hook: Webhook) -> str:
        return ", ".join(hook.events or [])


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event", "claim_id", "state", "attempts", "response_status", "error"]
    list_filter = ["state", "event", "webhook"]
    list_select_related = ["webhook"]
    actions = ["deliver_again"]
    date_hierarchy = "created_at"

    @admin.display(description="last error")
    def error(self, delivery: WebhookDelivery) -> str:
        return shorten(delivery.last_error, 100) or "—"

    def has_change_permission(self, request, obj=None) -> bool:
        # Read-only, but the action needs a user who may act on deliveries.
        return obj is None and request.user.is_superuser

    @admin.action(description="Deliver the selected again")
    def deliver_again(self, request, queryset):
        for delivery in queryset:
            webhooks.redeliver(delivery)
        messages.success(request, f"{queryset.count()} deliver(ies) queued again.")


@admin.register(Comment)
class CommentAdmin(HistoryAdmin):
    list_display = ["__str__", "author", "created_at", "edited_at"]
    list_select_related = ["author"]
    search_fields = ["body"]
    readonly_fields = ["claim", "author", "created_at", "edited_at", "mentions"]
    fields = ["claim", "author", "body", "created_at", "edited_at", "mentions"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "claim_id", "actor", "read_at", "emailed_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient", "actor"]


@admin.register(WorkerHeartbeat)
class WorkerAdmin(ReadOnlyAdmin):
    list_display = ["worker_id", "hostname", "pid", "started_at", "seen_at"]


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class JobAdmin(DBTaskResultAdmin):
    """The queue: every job, its attempts and, for a failing one, its last error."""

    list_display = ["task_name", "status", "attempts", "enqueued_at", "finished_at", "short_error"]
    actions = ["run_again"]

    @admin.display(description="attempts")
    def attempts(self, job: DBTaskResult) -> int:
        return len(job.worker_ids or [])

    @admin.display(description="last error")
    def short_error(self, job: DBTaskResult) -> str:
        last = (job.traceback or "").strip().splitlines()
        return shorten(last[-1], 120) if last else "—"

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and request.user.is_superuser

    @admin.action(description="Run the selected failed jobs again")
    def run_again(self, request, queryset):
        with transaction.atomic():
            count = queryset.filter(status=TaskResultStatus.FAILED).update(
                status=TaskResultStatus.READY, run_after=timezone.now(), worker_ids=[], finished_at=None
            )
        messages.success(request, f"{count} job(s) queued again.")

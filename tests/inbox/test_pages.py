"""Desk pages and admin of the inbox: import from URL, feeds, jobs and deliveries in the admin."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.factories import make_user
from tests.inbox.conftest import article_html
from tests.inbox.tasks import fail_until
from tracker.inbox import worker
from tracker.inbox.models import Feed, FeedEntry, Webhook, WebhookDelivery, WorkerHeartbeat
from tracker.models import Article

PARAGRAPHS = [
    "The ministry said on Tuesday that deliveries of the missiles would continue throughout the year.",
    "A spokesman added that the schedule had not changed despite reports of shortages at the plant.",
]


class ImportFromUrlTests:
    def test_the_import_page_offers_import_from_url(self, client, reporter):
        client.force_login(reporter)
        page = client.get(reverse("article-import")).content.decode()
        assert "Import from URL" in page and reverse("article-import-url") in page

    def test_a_url_becomes_an_article(self, client, reporter, server):
        server.html("/story", article_html("Deliveries continue", PARAGRAPHS))
        client.force_login(reporter)
        response = client.post(reverse("article-import-url"), {"url": server.url("/story")})
        article = Article.objects.get()
        assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
        again = client.post(reverse("article-import-url"), {"url": server.url("/story")})
        assert again.status_code == 409 and "Open the stored copy" in again.content.decode()

    def test_a_refused_url_says_why_on_the_page(self, client, reporter):
        client.force_login(reporter)
        response = client.post(reverse("article-import-url"), {"url": "file:///etc/passwd"})
        assert response.status_code == 400
        assert "Only http:// and https:// addresses can be fetched" in response.content.decode()

    def test_outsiders_cannot(self, client, db):
        client.force_login(make_user(None))
        assert client.post(reverse("article-import-url"), {"url": "http://127.0.0.1/"}).status_code == 403


class FeedPageTests:
    def test_an_editor_adds_a_feed_and_sees_its_state(self, client, editor, server):
        client.force_login(editor)
        response = client.post(
            reverse("feed-list"),
            {"url": server.url("/feed.xml"), "kind": "rss", "interval_minutes": 30, "active": "on"},
        )
        feed = Feed.objects.get()
        assert response.status_code == 302 and feed.created_by == editor and feed.poll_queued_at is not None
        worker.run_pending()  # the server answers 404 for the feed
        page = client.get(reverse("feed-list")).content.decode()
        assert "HTTP status 404" in page and server.url("/feed.xml") in page
        detail = client.get(reverse("feed-detail", args=[feed.pk])).content.decode()
        assert "Read now" in detail and "HTTP status 404" in detail

    def test_a_refused_feed_address_is_a_form_error(self, client, editor):
        client.force_login(editor)
        response = client.post(
            reverse("feed-list"), {"url": "http://169.254.169.254/", "kind": "rss", "interval_minutes": 30}
        )
        assert response.status_code == 400 and "link-local" in response.content.decode()
        assert not Feed.objects.exists()

    def test_reporters_see_feeds_but_cannot_add_them(self, client, reporter, server):
        client.force_login(reporter)
        page = client.get(reverse("feed-list")).content.decode()
        assert "Add a feed" not in page
        response = client.post(reverse("feed-list"), {"url": server.url("/f"), "kind": "rss", "interval_minutes": 30})
        assert response.status_code == 403

    def test_feed_text_is_escaped(self, client, reporter):
        feed = Feed.objects.create(url="https://news.example/feed", title="<script>x</script>")
        FeedEntry.objects.create(feed=feed, guid="1", title="<img src=x onerror=alert(1)>", error="<b>bad</b>")
        client.force_login(reporter)
        for url in (reverse("feed-list"), reverse("feed-detail", args=[feed.pk])):
            page = client.get(url).content.decode()
            assert "<script>x" not in page and "<img src=x" not in page


@pytest.mark.django_db
class AdminTests:
    def test_admin_pages_of_the_inbox_open(self, client, admin_user, settings):
        settings.FACTDESK_JOB_RETRY_SECONDS = 0
        feed = Feed.objects.create(url="https://news.example/feed")
        hook = Webhook.objects.create(url="https://cms.example/hook", secret="x" * 20, events=["claim.published"])
        WebhookDelivery.objects.create(webhook=hook, event="claim.published", body="{}", last_error="HTTP 500")
        WorkerHeartbeat.objects.create(worker_id="w1")
        job = fail_until.enqueue(feed.pk, 99)
        for _ in range(3):
            DBTaskResult.objects.filter(status="READY").update(run_after="2000-01-01T00:00:00Z")
            worker.run_pending()
        client.force_login(admin_user)
        for name in ("feed", "feedentry", "webhook", "webhookdelivery", "comment", "notification", "workerheartbeat"):
            assert client.get(reverse(f"admin:tracker_{name}_changelist")).status_code == 200, name
        assert client.get(reverse("admin:tracker_feed_change", args=[feed.pk])).status_code == 200
        assert client.get(reverse("admin:tracker_webhook_add")).status_code == 200
        jobs_page = client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist")).content.decode()
        assert "attempt 3 fails on purpose" in jobs_page and "FAILED" in jobs_page.upper()
        response = client.post(
            reverse("admin:django_tasks_database_dbtaskresult_changelist"),
            {"action": "run_again", "_selected_action": [str(job.id)]},
        )
        assert response.status_code == 302
        assert DBTaskResult.objects.get(pk=job.id).status == "READY"

    def test_the_admin_refuses_a_webhook_at_a_private_address(self, client, admin_user):
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:tracker_webhook_add"),
            {"url": "http://10.1.2.3/hook", "secret": "s" * 20, "events": ["claim.published"], "active": "on"},
        )
        assert response.status_code == 200 and "private address" in response.content.decode()
        assert not Webhook.objects.exists()

    def test_editors_do_not_see_webhooks(self, client, editor):
        client.force_login(editor)
        assert client.get(reverse("admin:tracker_webhook_changelist")).status_code == 403

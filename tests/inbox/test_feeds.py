"""Feeds (DESIGN §8): RSS, Atom and ClaimReview feeds from a local server, brought in by the worker."""

import datetime
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import make_user
from tests.inbox.conftest import Route, article_html
from tracker.finding.models import FactCheck
from tracker.inbox import feeds, worker
from tracker.inbox.models import Feed, FeedEntry
from tracker.models import Article

PARAGRAPHS = {
    "one": [
        "The defence ministry said on Tuesday that deliveries of air-defence missiles would continue this year.",
        "A spokesman said the schedule had not changed despite reports of shortages at the factory.",
    ],
    "two": [
        "Parliament voted on Wednesday to extend the programme that pays for new interceptor missiles.",
        "The vote passed with a large majority after a short debate in the chamber late in the evening.",
    ],
}


def rss(server, items) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{server.url(path)}</link><guid>{server.url(path)}</guid>"
        f"<pubDate>Tue, 03 Jun 2025 08:00:00 GMT</pubDate></item>"
        for path, title in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Example Wire</title>'
        f"<link>{server.url('/')}</link>{entries}</channel></rss>"
    ).encode()


def serve_feed(server, items, **headers):
    server.routes["/feed.xml"] = Route(200, rss(server, items), {"Content-Type": "application/rss+xml", **headers})
    for path, title in items:
        server.html(path, article_html(title, PARAGRAPHS[path.strip("/")], **{"og:site_name": "Example Wire"}))


@pytest.fixture
def editor_api(db):
    client = APIClient()
    client.force_authenticate(make_user("editor"))
    return client


def poll_all():
    feeds.queue_due_polls()
    return worker.run_pending()


class RssFeedTests:
    def test_a_feed_added_through_the_api_brings_its_articles(self, server, editor_api):
        serve_feed(server, [("/one", "Deliveries will continue"), ("/two", "Programme extended")])
        response = editor_api.post("/api/v1/feeds/", {"url": server.url("/feed.xml")}, format="json")
        assert response.status_code == 201, response.json()
        assert poll_all() == 3  # the poll, then one job per entry
        assert sorted(Article.objects.values_list("title", flat=True)) == [
            "Deliveries will continue",
            "Programme extended",
        ]
        feed = editor_api.get(f"/api/v1/feeds/{response.json()['id']}/").json()
        assert feed["title"] == "Example Wire" and feed["kind"] == "rss"
        assert feed["entries_brought"] == 2 and feed["last_error"] == "" and feed["last_polled_at"]
        entries = editor_api.get(f"/api/v1/feeds/{feed['id']}/entries/").json()["results"]
        assert {e["state"] for e in entries} == {"imported"}

    def test_the_next_poll_is_a_conditional_get(self, server, db):
        serve_feed(
            server, [("/one", "Deliveries will continue")], ETag='"v1"', **{"Last-Modified": "Tue, 03 Jun 2025"}
        )
        feed = Feed.objects.create(url=server.url("/feed.xml"))
        poll_all()
        server.routes["/feed.xml"] = lambda seen: (
            Route(304, b"") if seen.headers.get("if-none-match") == '"v1"' else Route(500, b"unconditional")
        )
        Feed.objects.filter(pk=feed.pk).update(next_poll_at=timezone.now())
        poll_all()
        last = [r for r in server.requests if r.path == "/feed.xml"][-1]
        assert last.headers["if-none-match"] == '"v1"'
        assert last.headers["if-modified-since"] == "Tue, 03 Jun 2025"
        feed.refresh_from_db()
        assert feed.last_error == "" and feed.entries_brought == 1 and feed.next_poll_at > timezone.now()

    def test_entries_are_brought_once(self, server, db):
        serve_feed(server, [("/one", "Deliveries will continue")])
        feed = Feed.objects.create(url=server.url("/feed.xml"))
        poll_all()
        serve_feed(server, [("/one", "Deliveries will continue"), ("/two", "Programme extended")])
        Feed.objects.filter(pk=feed.pk).update(next_poll_at=timezone.now())
        poll_all()
        assert Article.objects.count() == 2 and FeedEntry.objects.count() == 2
        assert [r.path for r in server.requests].count("/one") == 1

    def test_an_atom_feed_is_read_too(self, server, db):
        atom = (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title>'
            f"<id>urn:x</id><updated>2025-06-03T08:00:00Z</updated><entry><title>Programme extended</title>"
            f'<id>urn:two</id><link href="{server.url("/two")}"/>'
            "<updated>2025-06-03T08:00:00Z</updated></entry></feed>"
        )
        server.routes["/atom"] = Route(200, atom.encode(), {"Content-Type": "application/atom+xml"})
        server.html("/two", article_html("Programme extended", PARAGRAPHS["two"]))
        feed = Feed.objects.create(url=server.url("/atom"))
        poll_all()
        feed.refresh_from_db()
        assert feed.kind == Feed.Kind.ATOM and feed.title == "Atom Wire"
        assert Article.objects.get().title == "Programme extended"
        assert FeedEntry.objects.get().published_at == datetime.datetime(2025, 6, 3, 8, tzinfo=datetime.UTC)

    def test_a_broken_feed_backs_off_and_never_stops_the_others(self, server, db):
        serve_feed(server, [("/one", "Deliveries will continue")])
        server.routes["/broken"] = Route(200, b"<html>not a feed</html>", {"Content-Type": "text/html"})
        broken = Feed.objects.create(url=server.url("/broken"), interval_minutes=30)
        good = Feed.objects.create(url=server.url("/feed.xml"))
        poll_all()
        broken.refresh_from_db()
        assert "not an RSS or Atom feed" in broken.last_error and broken.error_count == 1
        first_wait = broken.next_poll_at - broken.last_polled_at
        assert first_wait == datetime.timedelta(minutes=60)
        assert Article.objects.filter(feed_entries__feed=good).count() == 1
        Feed.objects.filter(pk=broken.pk).update(next_poll_at=timezone.now())
        poll_all()
        broken.refresh_from_db()
        assert broken.error_count == 2 and broken.next_poll_at - broken.last_polled_at == 2 * first_wait

    def test_an_entry_whose_page_fails_is_recorded_and_the_rest_come_in(self, server, db, settings):
        settings.FACTDESK_JOB_RETRY_SECONDS = 0
        serve_feed(server, [("/one", "Deliveries will continue"), ("/two", "Programme extended")])
        server.routes["/two"] = Route(500, b"down", {"Content-Type": "text/html"})
        Feed.objects.create(url=server.url("/feed.xml"))
        poll_all()
        assert Article.objects.get().title == "Deliveries will continue"
        failed = FeedEntry.objects.get(state=FeedEntry.State.FAILED)
        assert "HTTP status 500" in failed.error

    def test_a_feed_redirecting_to_a_refused_address_records_the_refusal(self, server, db):
        server.routes["/feed.xml"] = Route(302, b"", {"Location": "http://169.254.169.254/latest/"})
        feed = Feed.objects.create(url=server.url("/feed.xml"))
        poll_all()
        feed.refresh_from_db()
        assert "link-local" in feed.last_error

    def test_two_schedulers_queue_one_poll(self, server, db):
        Feed.objects.create(url=server.url("/feed.xml"))
        assert feeds.queue_due_polls() == 1
        assert feeds.queue_due_polls() == 0


class FeedApiTests:
    def test_reporters_read_feeds_but_only_editors_add_them(self, db, server):
        reporter = APIClient()
        reporter.force_authenticate(make_user("reporter"))
        assert reporter.get("/api/v1/feeds/").status_code == 200
        assert reporter.post("/api/v1/feeds/", {"url": server.url("/f")}, format="json").status_code == 403
        assert APIClient().get("/api/v1/feeds/").status_code == 401

    @pytest.mark.parametrize("url", ["file:///etc/passwd", "http://10.0.0.1/feed", "http://127.0.0.2/feed", "feed"])
    def test_a_feed_at_a_refused_address_is_400(self, editor_api, url):
        response = editor_api.post("/api/v1/feeds/", {"url": url}, format="json")
        assert response.status_code == 400 and response.json()["url"]

    def test_the_same_feed_twice_is_400(self, editor_api, server):
        assert editor_api.post("/api/v1/feeds/", {"url": server.url("/f")}, format="json").status_code == 201
        again = editor_api.post("/api/v1/feeds/", {"url": server.url("/f")}, format="json")
        assert again.status_code == 400 and "already" in again.json()["url"][0]

    def test_poll_now_queues_one_read(self, editor_api, server):
        feed = editor_api.post("/api/v1/feeds/", {"url": server.url("/f")}, format="json").json()
        assert editor_api.post(f"/api/v1/feeds/{feed['id']}/poll/").status_code == 202
        again = editor_api.post(f"/api/v1/feeds/{feed['id']}/poll/")
        assert again.status_code == 202 and "already queued" in again.json()["detail"]

    def test_changes_are_kept_in_history(self, editor_api, server):
        feed = editor_api.post("/api/v1/feeds/", {"url": server.url("/f")}, format="json").json()
        response = editor_api.patch(f"/api/v1/feeds/{feed['id']}/", {"active": False, "title": "Wire"}, format="json")
        assert response.status_code == 200 and response.json()["active"] is False
        assert Feed.history.filter(id=feed["id"]).count() == 2


class ClaimReviewFeedTests:
    REVIEW = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://partner.example/checks/1",
        "claimReviewed": "The contract is worth $50 billion.",
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
        "author": {"@type": "Organization", "name": "Partner Checks"},
    }

    def test_a_json_ld_feed_becomes_fact_checks(self, server, db):
        feed_body = {"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": [self.REVIEW]}
        server.routes["/claims.json"] = Route(
            200, json.dumps(feed_body).encode(), {"Content-Type": "application/ld+json"}
        )
        feed = Feed.objects.create(url=server.url("/claims.json"), kind=Feed.Kind.CLAIMREVIEW)
        poll_all()
        factcheck = FactCheck.objects.get()
        assert (factcheck.url, factcheck.rating_label, factcheck.publisher, factcheck.feed_id) == (
            "https://partner.example/checks/1",
            "False",
            "Partner Checks",
            feed.pk,
        )
        feed.refresh_from_db()
        assert feed.entries_brought == 1 and feed.last_error == ""
        poll_all()  # read again: nothing new
        feed.refresh_from_db()
        assert FactCheck.objects.count() == 1 and feed.entries_brought == 1

    def test_a_page_with_embedded_claimreviews_is_read(self, server, db):
        html = f'<html><head><script type="application/ld+json">{json.dumps(self.REVIEW)}</script></head></html>'
        server.html("/check", html)
        feed = Feed.objects.create(url=server.url("/check"), kind=Feed.Kind.CLAIMREVIEW)
        poll_all()
        assert list(FactCheck.objects.values_list("claim_reviewed", "feed_id")) == [
            ("The contract is worth $50 billion.", feed.pk)
        ]

    def test_without_the_factcheck_import_the_feed_says_so(self, server, db, monkeypatch):
        monkeypatch.setattr(feeds, "factcheck_importer", lambda: None)
        server.routes["/claims.json"] = Route(200, b"[]", {"Content-Type": "application/json"})
        feed = Feed.objects.create(url=server.url("/claims.json"), kind=Feed.Kind.CLAIMREVIEW)
        poll_all()
        feed.refresh_from_db()
        assert "cannot store partner fact-checks" in feed.last_error

    def test_malformed_json_ld_is_the_feeds_error(self, server, db):
        server.routes["/claims.json"] = Route(200, b"{nope", {"Content-Type": "application/json"})
        feed = Feed.objects.create(url=server.url("/claims.json"), kind=Feed.Kind.CLAIMREVIEW)
        poll_all()
        feed.refresh_from_db()
        assert "not valid JSON" in feed.last_error and not FactCheck.objects.exists()

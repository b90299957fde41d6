"""The inbox in a browser: a feed's articles arrive, a mention notifies a colleague, a publish reaches a webhook."""

import hashlib
import hmac
import json

import pytest
from django.test import override_settings

from tests.factories import make_claim, make_user, ready_for_review
from tests.inbox.conftest import LocalServer, Route, article_html
from tracker import workflow
from tracker.inbox import worker
from tracker.inbox.models import Webhook, WebhookDelivery
from tracker.models import Article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STORY = [
    "Latvia's armed forces said on Tuesday that drone incursions into its airspace had doubled since March.",
    "A spokesperson said most of the drones were small reconnaissance models and none had caused damage.",
]


@pytest.fixture
def newsroom():
    local = LocalServer()
    with override_settings(FACTDESK_FETCH_ALLOWED_HOSTS=["127.0.0.1"]):
        yield local
    local.close()


def test_feed_mention_and_webhook_as_a_newcomer_would(open_page, screenshot, newsroom):
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Baltic Wire</title>'
        f"<item><title>Drone incursions doubled</title><link>{newsroom.url('/drones')}</link></item>"
        "</channel></rss>"
    )
    newsroom.routes["/feed.xml"] = Route(200, rss.encode(), {"Content-Type": "application/rss+xml"})
    newsroom.html("/drones", article_html("Drone incursions doubled", STORY, **{"og:site_name": "Baltic Wire"}))
    newsroom.routes["/hook"] = Route(200, b"ok")
    editor = make_user("editor", username="eddie")
    reviewer = make_user("reviewer", username="rob")

    page = open_page(editor)
    page.goto("/articles/")
    page.click("text=Feeds")
    page.fill("#id_url", newsroom.url("/feed.xml"))
    page.click("text=Add feed")
    page.wait_for_url("**/feeds/*/")
    worker.run_pending()  # what `make run`'s worker does in the background
    page.reload()
    assert page.locator("text=imported: Drone incursions doubled").count() == 1
    screenshot(page, "feed", full_page=True)
    assert Article.objects.get().outlet.name == "Baltic Wire"

    claim = ready_for_review(make_claim(by=editor), by=editor)
    claim = workflow.transition(claim, to="researching", by=editor)
    claim = workflow.transition(claim, to="in_review", by=editor)
    page.goto(claim.get_absolute_url())
    page.fill("#id_comment_body", "@rob <b>check</b> the total first, see https://example.org/report")
    page.click("#comments button[type=submit]")
    assert page.locator("#comments a.mention").inner_text() == "@rob"
    assert page.locator("#comments b").count() == 0
    assert page.errors == []

    Webhook.objects.create(url=newsroom.url("/hook"), secret="s" * 24, events=["claim.published"])
    other = open_page(reviewer)
    other.goto("/claims/")
    assert other.locator(".notif-count").inner_text() == "2"  # waiting for review, mentioned
    other.click("a.notif-link")
    assert other.locator("text=eddie mentioned you on claim").count() == 1
    screenshot(other, "notifications", full_page=True)
    other.goto(claim.get_absolute_url())
    other.locator("form[action$='/transition/'] button", has_text="Publish").first.click()
    other.wait_for_load_state()
    worker.run_pending()
    [post] = [r for r in newsroom.requests if r.path == "/hook"]
    signature = "sha256=" + hmac.new(b"s" * 24, post.body, hashlib.sha256).hexdigest()
    assert post.headers["x-factdesk-signature"] == signature
    assert json.loads(post.body)["claimreview"]["claimReviewed"] == claim.text
    assert WebhookDelivery.objects.get().state == "delivered"

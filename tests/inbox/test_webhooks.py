"""Webhooks (DESIGN §8): a receiver on a local port gets the signed POST after a publish."""

import hashlib
import hmac
import json

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from tests.factories import make_claim, ready_for_review
from tests.inbox.conftest import Route
from tracker import workflow
from tracker.inbox import worker
from tracker.inbox.models import Webhook, WebhookDelivery

SECRET = "a-long-shared-secret-for-tests"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def publish(committed, editor, reviewer, note=""):
    claim = ready_for_review(make_claim(by=editor), by=editor)
    claim = committed(workflow.transition, claim, to="researching", by=editor)
    claim = committed(workflow.transition, claim, to="in_review", by=editor)
    return committed(workflow.transition, claim, to="published", by=reviewer, note=note)


def received(server, path="/hook"):
    return [r for r in server.requests if r.path == path and r.method == "POST"]


class DeliveryTests:
    def test_the_receiver_gets_a_signed_claimreview_after_a_publish(self, server, committed, editor, reviewer):
        server.routes["/hook"] = Route(204, b"")
        Webhook.objects.create(url=server.url("/hook"), secret=SECRET, events=["claim.published"])
        claim = publish(committed, editor, reviewer)
        assert received(server) == []  # nothing leaves before the worker runs
        worker.run_pending()
        [request] = received(server)
        expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["x-factdesk-signature"] == expected
        assert request.headers["x-factdesk-event"] == "claim.published"
        assert request.headers["content-type"].startswith("application/json")
        body = json.loads(request.body)
        assert body["event"] == "claim.published" and body["claim"]["id"] == claim.pk
        assert body["claimreview"]["@type"] == "ClaimReview"
        assert body["claimreview"]["claimReviewed"] == claim.text
        assert body["transition"] == {"from": "in_review", "to": "published", "note": "", "actor": reviewer.username}
        delivery = WebhookDelivery.objects.get()
        assert delivery.state == "delivered" and delivery.response_status == 204 and delivery.attempts == 1
        assert delivery.log[0]["status"] == 204

    def test_transitions_and_corrections_go_to_who_asked(self, server, committed, editor, reviewer):
        server.routes["/all"] = Route(200, b"ok")
        server.routes["/corrections"] = Route(200, b"ok")
        Webhook.objects.create(url=server.url("/all"), secret=SECRET, events=list(Webhook.EVENTS))
        Webhook.objects.create(url=server.url("/corrections"), secret=SECRET, events=["claim.corrected"])
        claim = publish(committed, editor, reviewer)
        claim = committed(workflow.transition, claim, to="researching", by=editor, note="New figures.")
        claim = committed(workflow.transition, claim, to="in_review", by=editor)
        committed(workflow.transition, claim, to="published", by=reviewer, note="Updated the total.")
        worker.run_pending()
        events = [json.loads(r.body)["event"] for r in received(server, "/all")]
        assert events.count("claim.transitioned") == 6 and events.count("claim.published") == 2
        assert events.count("claim.corrected") == 1
        [correction] = received(server, "/corrections")
        assert json.loads(correction.body)["claimreview"]["correction"][0]["text"] == "Updated the total."

    def test_a_failing_receiver_is_retried_with_backoff_and_logged(self, server, committed, editor, reviewer):
        answers = iter([Route(500, b"down"), Route(503, b"busy"), Route(200, b"ok")])
        server.routes["/hook"] = lambda seen: next(answers)
        Webhook.objects.create(url=server.url("/hook"), secret=SECRET, events=["claim.published"])
        publish(committed, editor, reviewer)
        worker.run_pending()
        delivery = WebhookDelivery.objects.get()
        assert delivery.state == "pending" and delivery.response_status == 500 and delivery.attempts == 1
        job = DBTaskResult.objects.get(task_path__endswith="deliver_webhook")
        assert job.status == "READY" and job.run_after > timezone.now()  # waits before trying again
        for _ in range(2):
            DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
            worker.run_pending()
        delivery.refresh_from_db()
        assert delivery.state == "delivered" and delivery.attempts == 3
        assert [entry["status"] for entry in delivery.log] == [500, 503, 200]
        assert len(received(server)) == 3
        bodies = {r.body for r in received(server)}
        assert len(bodies) == 1  # the same signed body every time

    def test_a_receiver_at_a_private_address_is_refused_without_a_packet(self, committed, editor, reviewer):
        # Created behind the API's back (the API and admin refuse this address).
        Webhook.objects.create(url="http://10.0.0.9/hook", secret=SECRET, events=["claim.published"])
        publish(committed, editor, reviewer)
        worker.run_pending()
        delivery = WebhookDelivery.objects.get()
        assert delivery.state == "failed" and "private address" in delivery.last_error


class WebhookApiTests:
    @pytest.fixture
    def admin_api(self, admin_user):
        client = APIClient()
        client.force_authenticate(admin_user)
        return client

    def test_admins_manage_webhooks_and_the_secret_is_never_shown(self, admin_api, server):
        response = admin_api.post(
            "/api/v1/webhooks/",
            {"url": server.url("/hook"), "secret": SECRET, "events": ["claim.published"]},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert "secret" not in response.json() and response.json()["events"] == ["claim.published"]
        listing = admin_api.get("/api/v1/webhooks/").json()["results"]
        assert "secret" not in listing[0]
        assert admin_api.get(f"/api/v1/webhooks/{listing[0]['id']}/deliveries/").json()["results"] == []

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"url": "http://192.168.0.2/hook", "secret": SECRET, "events": ["claim.published"]}, "url"),
            ({"url": "ftp://127.0.0.1/hook", "secret": SECRET, "events": ["claim.published"]}, "url"),
            ({"url": "http://127.0.0.1/hook", "secret": "short", "events": ["claim.published"]}, "secret"),
            ({"url": "http://127.0.0.1/hook", "secret": SECRET, "events": ["claim.deleted"]}, "events"),
            ({"url": "http://127.0.0.1/hook", "secret": SECRET, "events": []}, "events"),
        ],
    )
    def test_bad_webhooks_are_400(self, admin_api, server, body, field):
        response = admin_api.post("/api/v1/webhooks/", body, format="json")
        assert response.status_code == 400 and field in response.json()

    def test_only_admins(self, editor, reviewer):
        for user in (editor, reviewer):
            client = APIClient()
            client.force_authenticate(user)
            assert client.get("/api/v1/webhooks/").status_code == 403
        assert APIClient().get("/api/v1/webhooks/").status_code == 401


class AfterCommitTests:
    def test_a_failure_after_the_commit_is_logged_not_raised(self, committed, editor, reviewer, monkeypatch, caplog):
        from tracker.inbox import webhooks

        def broken(*args, **kwargs):
            raise RuntimeError("queue unavailable")

        monkeypatch.setattr(webhooks, "queue", broken)
        claim = publish(committed, editor, reviewer)
        claim.refresh_from_db()
        assert claim.status == "published"
        assert "failed after a committed change" in caplog.text

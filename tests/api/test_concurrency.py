"""Two writers with the same ETag at the same moment: exactly one wins, the other gets 412."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import make_claim, make_user
from tracker.models import Claim, VerificationEvent


def race(requests) -> list[int]:
    """Run each request (a function of a fresh client) in its own thread, released together."""
    barrier = threading.Barrier(len(requests))
    results: list[int | Exception] = [None] * len(requests)

    def run(index, request):
        try:
            barrier.wait(timeout=10)
            results[index] = request().status_code
        except Exception as exc:  # surfaced by the assertion below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def client_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class ConcurrentEditTests:
    def test_two_patches_with_one_etag_one_wins(self):
        editor = make_user("editor")
        other = make_user("editor")
        claim = make_claim(by=editor)
        etag = claim.etag
        url = f"/api/v1/claims/{claim.pk}/"
        results = race(
            [
                lambda: client_as(editor).patch(url, {"verdict_summary": "First"}, format="json", HTTP_IF_MATCH=etag),
                lambda: client_as(other).patch(url, {"verdict_summary": "Second"}, format="json", HTTP_IF_MATCH=etag),
            ]
        )
        assert sorted(results) == [200, 412], results
        claim.refresh_from_db()
        assert claim.version == 2
        winner = ["First", "Second"][results.index(200)]
        assert claim.verdict_summary == winner

    def test_two_transitions_with_one_etag_one_wins(self):
        editor = make_user("editor")
        other = make_user("editor")
        claim = make_claim(by=editor)
        etag = claim.etag
        url = f"/api/v1/claims/{claim.pk}/transition/"
        results = race(
            [
                lambda: client_as(editor).post(url, {"to": "researching"}, format="json", HTTP_IF_MATCH=etag),
                lambda: client_as(other).post(
                    url, {"to": "dismissed", "note": "Opinion"}, format="json", HTTP_IF_MATCH=etag
                ),
            ]
        )
        assert sorted(results) == [200, 412], results
        claim.refresh_from_db()
        assert claim.version == 2
        assert VerificationEvent.objects.filter(claim=claim).count() == 1
        assert claim.status == ["researching", "dismissed"][results.index(200)]

    def test_a_patch_and_a_trash_with_one_etag_one_wins(self):
        editor = make_user("editor")
        claim = make_claim(by=editor)
        etag = claim.etag
        url = f"/api/v1/claims/{claim.pk}/"
        results = race(
            [
                lambda: client_as(editor).patch(url, {"priority": "high"}, format="json", HTTP_IF_MATCH=etag),
                lambda: client_as(editor).delete(url, HTTP_IF_MATCH=etag),
            ]
        )
        assert sorted(results) in ([204, 412], [200, 412], [204, 404]), results
        stored = Claim.all_objects.get(pk=claim.pk)
        assert stored.version == 2

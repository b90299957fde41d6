"""A claim's next version in one statement (tracker.versions) writes what the ORM's save writes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from tests.factories import make_claim
from tests.test_scale import api_client, statements
from tracker import versions
from tracker.models import Claim, StatusCount, VerificationEvent

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement save is PostgreSQL's")

# What differs between two claims made alike: who they are and when things happened.
UNCOMPARED = {"id", "history_id", "history_date", "created_at", "updated_at", "at", "claim_id", "claimant_id"}


def record_values(claim: Claim) -> list[dict]:
    """Each history record of claim, oldest first: its columns (but ids and times) and the tags it holds."""
    found = []
    for record in claim.history.order_by("history_id"):
        values = {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields}
        values = {name: value for name, value in values.items() if name not in UNCOMPARED}
        values["deleted_at"] = values["deleted_at"] is not None  # in the trash or not (the time differs)
        values["tags"] = sorted(t.tag.name for t in record.tags.all())
        found.append(values)
    return found


def event_values(claim: Claim) -> list[dict]:
    return [
        {name: value for name, value in row.items() if name not in UNCOMPARED}
        for row in VerificationEvent.objects.filter(claim=claim).order_by("id").values()
    ]


def answer_without_ids(body: dict) -> dict:
    """The answer but what differs between two claims made alike (make_claim gives each its own article)."""
    answer = {name: value for name, value in body.items() if name not in UNCOMPARED | {"claimant"}}
    answer["appearances"] = [
        {name: value for name, value in a.items() if name not in UNCOMPARED | {"article", "article_url"}}
        for a in answer["appearances"]
    ]
    return answer


def walk(client, claim: Claim) -> list[dict]:
    """Move, edit (fields and tags), trash and restore claim through the API; return the answers."""
    etag, answers = claim.etag, []
    steps = [
        ("post", f"/api/v1/claims/{claim.pk}/transition/", {"to": "researching"}),
        ("patch", f"/api/v1/claims/{claim.pk}/", {"verdict_summary": "Half true.", "priority": "high"}),
        ("patch", f"/api/v1/claims/{claim.pk}/", {"tags": ["nato", "air defence"]}),
        ("post", f"/api/v1/claims/{claim.pk}/transition/", {"to": "dismissed", "note": "An opinion, not a fact."}),
    ]
    for method, url, body in steps:
        response = getattr(client, method)(url, body, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200, response.content
        etag = response["ETag"]
        answers.append(answer_without_ids(response.json()))
    assert client.delete(f"/api/v1/claims/{claim.pk}/", HTTP_IF_MATCH=etag).status_code == 204
    response = client.post(f"/api/v1/claims/{claim.pk}/restore/", {}, format="json")
    assert response.status_code == 200, response.content
    answers.append(answer_without_ids(response.json()))
    return answers


@on_postgresql
def test_the_one_statement_save_writes_and_answers_what_the_orm_save_does(editor, monkeypatch):
    client = api_client(editor)
    one, other = (make_claim(by=editor, tags=["defence", "nato"]) for _ in range(2))
    before = StatusCount.objects.totals()
    assert versions.available(one)
    fast = walk(client, one)
    after_fast = StatusCount.objects.totals()
    monkeypatch.setattr(versions, "available", lambda claim: False)
    slow = walk(client, other)
    assert fast == slow
    assert record_values(one) == record_values(other)
    assert [r["history_change_reason"] for r in record_values(one)][-6:] == [
        "new → researching",
        None,
        None,
        "researching → dismissed: An opinion, not a fact.",
        "moved to the trash",
        "restored from the trash",
    ]
    assert record_values(one)[-1]["tags"] == ["air defence", "nato"]
    assert event_values(one) == event_values(other)
    assert len(event_values(one)) == 2
    # Both walks moved one claim from new to dismissed, and the counters say so.
    for totals, moved in ((after_fast, 1), (StatusCount.objects.totals(), 2)):
        assert (totals["new"], totals["dismissed"]) == (before["new"] - moved, before["dismissed"] + moved)
    assert StatusCount.objects.recount() == {}  # nothing to correct: the counters were right


@on_postgresql
def test_a_transition_and_a_patch_are_three_statements(editor):
    """The token, the claim under its lock, and the write that answers with the claim's tags and appearances."""
    claim = make_claim(by=editor, tags=["defence"])
    client = api_client(editor)
    client.get("/api/v1/claims/")  # permissions cached, as for any caller after their first request
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            f"/api/v1/claims/{claim.pk}/transition/", {"to": "researching"}, format="json", HTTP_IF_MATCH=claim.etag
        )
    assert response.status_code == 200
    assert (response.json()["tags"], response.json()["appearances"][0]["quote"]) == (
        ["defence"],
        "NATO announced Wednesday",
    )
    assert len(statements(captured)) == 3, statements(captured)
    with CaptureQueriesContext(connection) as captured:
        response = client.patch(
            f"/api/v1/claims/{claim.pk}/", {"priority": "low"}, format="json", HTTP_IF_MATCH=response["ETag"]
        )
    assert (response.status_code, response.json()["priority"]) == (200, "low")
    assert len(statements(captured)) == 3, statements(captured)


def test_a_receiver_the_statement_does_not_stand_in_for_hears_every_save(editor):
    claim = make_claim(by=editor)
    heard = []

    def receiver(sender, instance, **kwargs):
        heard.append((instance.pk, instance.status, instance.version))

    post_save.connect(receiver, sender=Claim, dispatch_uid="test-versions-receiver")
    try:
        assert not versions.available(claim)
        response = api_client(editor).post(
            f"/api/v1/claims/{claim.pk}/transition/", {"to": "researching"}, format="json", HTTP_IF_MATCH=claim.etag
        )
    finally:
        post_save.disconnect(dispatch_uid="test-versions-receiver", sender=Claim)
    assert response.status_code == 200
    assert heard == [(claim.pk, "researching", 2)]
    assert versions.available(claim) == (connection.vendor == "postgresql")


def test_a_write_to_a_claim_that_is_not_there_is_404(editor):
    claim = make_claim(by=editor)
    client = api_client(editor)
    for missing in (claim.pk + 1000, 10**30, "1e3", "-1"):
        response = client.post(
            f"/api/v1/claims/{missing}/transition/", {"to": "researching"}, format="json", HTTP_IF_MATCH=claim.etag
        )
        assert response.status_code == 404, (missing, response.content)
    assert client.delete(f"/api/v1/claims/{claim.pk}/", HTTP_IF_MATCH=claim.etag).status_code == 204
    # In the trash: a write finds no claim there (restore brings it back).
    response = client.patch(f"/api/v1/claims/{claim.pk}/", {"priority": "low"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 404


@on_postgresql
def test_the_locked_read_is_compiled_once_per_connection(editor, monkeypatch):
    one, other = make_claim(by=editor), make_claim(by=editor)
    client = api_client(editor)
    move = {"to": "researching"}
    response = client.post(f"/api/v1/claims/{one.pk}/transition/", move, format="json", HTTP_IF_MATCH=one.etag)
    assert response.status_code == 200

    def compiled_again():
        raise AssertionError("the locked read was compiled again")

    monkeypatch.setattr(versions, "locked_claims", compiled_again)
    response = client.post(f"/api/v1/claims/{other.pk}/transition/", move, format="json", HTTP_IF_MATCH=other.etag)
    assert (response.status_code, response.json()["status"]) == (200, "researching")
    assert response.json()["appearances"][0]["quote"] == "NATO announced Wednesday"

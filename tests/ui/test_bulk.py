"""Bulk actions in the queue: each ticked claim through the domain on its own, with a summary of what was refused."""

import pytest

from tests.factories import make_claim, ready_for_review
from tracker import workflow
from tracker.models import Claim

BULK = "/claims/bulk/"


def ticked(*claims) -> list[str]:
    return [f"{c.pk}:{c.version}" for c in claims]


@pytest.mark.django_db
class BulkActionTests:
    def test_the_queue_offers_a_checkbox_per_claim_and_the_actions(self, client_for, reporter):
        claim = make_claim(by=reporter)
        page = client_for("editor").get("/claims/").content.decode()
        assert f'name="claim" value="{claim.pk}:{claim.version}"' in page
        assert 'aria-label="Select claim #' in page and 'action="/claims/bulk/"' in page

    def test_assign_several_claims_at_once(self, client_for, editor, other_editor, reporter):
        first, second = make_claim(by=reporter, text="One."), make_claim(by=reporter, text="Two.")
        client = client_for(editor)
        data = {"action": "assign", "assignee": other_editor.pk, "claim": ticked(first, second), "next": "/claims/"}
        response = client.post(BULK, data, follow=True)
        assert response.redirect_chain[-1][0] == "/claims/"
        assert set(Claim.objects.values_list("assignee__username", flat=True)) == {other_editor.username}
        assert "Assign to — done for 2 claim(s)" in response.content.decode()

    def test_each_claim_is_checked_on_its_own_and_refusals_are_listed(self, client_for, editor, reviewer, reporter):
        fresh = make_claim(by=reporter, text="Fresh.")
        stale = make_claim(by=reporter, text="Stale.")
        selection = ticked(fresh, stale)
        workflow.transition(stale, to="researching", by=reviewer)  # moved on after the queue was shown
        response = client_for(editor).post(
            BULK, {"action": "transition", "to": "researching", "claim": selection}, follow=True
        )
        body = response.content.decode()
        assert Claim.objects.get(pk=fresh.pk).status == "researching"
        assert Claim.objects.get(pk=stale.pk).version == stale.version + 1  # not moved a second time
        assert "done for 1 claim(s)" in body
        assert f"#{stale.pk}</a>: it changed since the queue was shown" in body

    def test_a_move_the_workflow_refuses_is_named_with_its_reason(self, client_for, editor, reporter):
        claim = make_claim(by=reporter)
        workflow.transition(claim, to="researching", by=editor)
        claim.refresh_from_db()
        response = client_for(editor).post(
            BULK, {"action": "transition", "to": "in_review", "claim": ticked(claim)}, follow=True
        )
        body = response.content.decode()
        assert "Not done (move to) for 1 claim(s)" in body and "rating" in body
        assert Claim.objects.get(pk=claim.pk).status == "researching"

    def test_priority_tag_and_trash(self, client_for, editor, reporter):
        claims = [make_claim(by=reporter, text=f"Claim {i}.", tags=["energy"]) for i in range(3)]
        client = client_for(editor)
        client.post(BULK, {"action": "priority", "priority": "high", "claim": ticked(*claims)})
        assert set(Claim.objects.values_list("priority", flat=True)) == {"high"}
        claims = list(Claim.objects.order_by("pk"))
        client.post(BULK, {"action": "tag", "tag": "Drones", "claim": ticked(*claims)})
        for claim in Claim.objects.all():
            assert sorted(t.name for t in claim.tags.all()) == ["Drones", "energy"]
        claims = list(Claim.objects.order_by("pk"))
        client.post(BULK, {"action": "trash", "claim": ticked(*claims[:2])})
        assert Claim.objects.count() == 1 and Claim.all_objects.trashed().count() == 2

    def test_a_reporter_is_refused_claim_by_claim(self, client_for, reporter, editor):
        own = make_claim(by=reporter, text="Mine.")
        other = make_claim(by=editor, text="Theirs.")
        client = client_for(reporter)
        body = client.post(BULK, {"action": "trash", "claim": ticked(own, other)}, follow=True).content.decode()
        assert "Not done (move to the trash) for 2 claim(s)" in body and "cannot move claims to the trash" in body
        body = client.post(
            BULK, {"action": "priority", "priority": "low", "claim": ticked(own, other)}, follow=True
        ).content.decode()
        assert Claim.objects.get(pk=own.pk).priority == "low"
        assert Claim.objects.get(pk=other.pk).priority == "normal"
        assert "You may not edit this claim." in body

    def test_bad_input_takes_no_action(self, client_for, reporter):
        claim = make_claim(by=reporter)
        client = client_for("editor")
        for data in [
            {"action": "trash"},
            {"action": "trash", "claim": ["x:1"]},
            {"action": "trash", "claim": [f"{claim.pk}:{'9' * 40}"]},
            {"action": "explode", "claim": ticked(claim)},
            {"action": "tag", "tag": "", "claim": ticked(claim)},
        ]:
            response = client.post(BULK, {**data, "next": "https://evil.example/"}, follow=True)
            assert response.redirect_chain[-1][0] == "/claims/"
            assert "No bulk action was taken" in response.content.decode()
        assert Claim.objects.filter(pk=claim.pk, deleted_at__isnull=True).exists()

    def test_a_publish_by_the_sender_is_refused_but_others_go_through(
        self, client_for, editor, reviewer, other_reviewer, reporter
    ):
        mine, theirs = make_claim(by=reporter, text="Mine."), make_claim(by=reporter, text="Theirs.")
        for claim, sender in ((mine, reviewer), (theirs, other_reviewer)):
            workflow.transition(claim, to="researching", by=editor)
            ready_for_review(claim, by=editor)
            workflow.transition(Claim.objects.get(pk=claim.pk), to="in_review", by=sender)
        selection = ticked(*Claim.objects.order_by("pk"))
        body = (
            client_for(reviewer)
            .post(BULK, {"action": "transition", "to": "published", "claim": selection}, follow=True)
            .content.decode()
        )
        assert Claim.objects.get(pk=theirs.pk).status == "published"
        assert Claim.objects.get(pk=mine.pk).status == "in_review"
        assert f"#{mine.pk}</a>:" in body

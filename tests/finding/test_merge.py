"""Merging a duplicate claim: one domain function, every door, permissions, versions and history on both."""

import pytest

from tests.factories import ArticleFactory, SourceFactory, add_evidence, make_claim, ready_for_review
from tracker import history, workflow
from tracker.finding import merge
from tracker.models import Claim, StatusCount


@pytest.fixture
def pair(db, reporter):
    keep = make_claim(by=reporter, text="NATO will help buy up to 1,000 Patriot missiles.")
    duplicate = make_claim(
        by=reporter,
        text="NATO helps to buy 1,000 Patriots.",
        article=ArticleFactory(),
        quote="NATO announced Wednesday",
    )
    add_evidence(duplicate)
    return keep, Claim.objects.get(pk=duplicate.pk)


def post_merge(client, claim, into, **headers):
    body = {"into": into.pk}
    if "version" in headers:
        body["version"] = headers.pop("version")
    return client.post(f"/api/v1/claims/{claim.pk}/merge/", body, format="json", **headers)


@pytest.mark.django_db
class MergeApiTests:
    def test_appearances_and_evidence_move_and_the_duplicate_goes_to_the_trash(self, api_for, pair):
        keep, duplicate = pair
        counts = StatusCount.objects.totals()
        response = post_merge(api_for("editor"), duplicate, keep, version=duplicate.version)
        assert response.status_code == 200, response.content
        assert response.json() == {"into": keep.pk, "moved_appearances": 1, "moved_evidence": 1}
        keep.refresh_from_db()
        assert response["ETag"] == keep.etag
        assert keep.appearances.count() == 2 and keep.evidence.count() == 1
        gone = Claim.all_objects.get(pk=duplicate.pk)
        assert gone.in_trash and gone.merged_into_id == keep.pk and gone.appearances.count() == 0
        assert StatusCount.objects.totals()["new"] == counts["new"] - 1
        assert api_for("editor").get(f"/api/v1/claims/{duplicate.pk}/").status_code == 404

    def test_history_on_both_claims(self, api_for, pair, editor):
        keep, duplicate = pair
        merge.merge_claims(duplicate, into=keep, by=editor, expected_version=duplicate.version)
        merged_side = history.claim_timeline(Claim.all_objects.get(pk=duplicate.pk))
        assert merged_side[-1].kind == "trashed" and merged_side[-1].note == f"merged into #{keep.pk}"
        kept_side = history.claim_timeline(Claim.objects.get(pk=keep.pk))
        kinds = [(e.kind, e.note) for e in kept_side]
        assert ("merged", f"merged #{duplicate.pk} into this claim") in kinds
        assert ("appearance_added", f"merged into #{keep.pk}") in kinds
        api_history = api_for("editor").get(f"/api/v1/claims/{keep.pk}/history/").json()["results"]
        assert any(e["kind"] == "merged" for e in api_history)

    def test_the_version_is_required_and_checked(self, api_for, pair):
        keep, duplicate = pair
        client = api_for("editor")
        assert post_merge(client, duplicate, keep).status_code == 428
        stale = post_merge(client, duplicate, keep, version=duplicate.version - 1 or 99)
        assert stale.status_code == 412 and stale.json()["current"]["version"] == duplicate.version
        ok = post_merge(client, duplicate, keep, HTTP_IF_MATCH=duplicate.etag)
        assert ok.status_code == 200

    @pytest.mark.parametrize(("role", "code"), [(None, 401), ("reporter", 403), ("editor", 200), ("reviewer", 200)])
    def test_who_may_merge(self, api_for, pair, role, code):
        keep, duplicate = pair
        assert post_merge(api_for(role), duplicate, keep, version=duplicate.version).status_code == code
        assert Claim.all_objects.get(pk=duplicate.pk).in_trash is (code == 200)

    def test_refusals(self, api_for, pair, editor):
        keep, duplicate = pair
        client = api_for("editor")
        itself = post_merge(client, duplicate, duplicate, version=duplicate.version)
        assert itself.status_code == 400 and "itself" in itself.json()["into"][0]
        assert (
            client.post(
                f"/api/v1/claims/{duplicate.pk}/merge/", {"into": 999999, "version": 1}, format="json"
            ).status_code
            == 400
        )
        workflow.transition(duplicate, to="researching", by=editor)
        ready_for_review(Claim.objects.get(pk=duplicate.pk), by=editor)
        duplicate = workflow.transition(Claim.objects.get(pk=duplicate.pk), to="in_review", by=editor)
        frozen = post_merge(client, duplicate, keep, version=duplicate.version)
        assert frozen.status_code == 409 and "new or researching" in frozen.json()["detail"]
        assert not Claim.all_objects.get(pk=duplicate.pk).in_trash

    def test_a_quote_and_source_the_other_claim_has_are_not_doubled(self, api_for, editor, reporter):
        article = ArticleFactory()
        source = SourceFactory()
        keep = make_claim(by=reporter, article=article)
        duplicate = make_claim(by=reporter, article=article, text="Same quote, other words.")
        add_evidence(keep, source=source)
        add_evidence(duplicate, source=source)
        result = merge.merge_claims(duplicate, into=keep, by=editor, expected_version=None)
        assert (result.appearances, result.evidence) == (0, 0)
        assert keep.appearances.count() == 1 and keep.evidence.count() == 1

    def test_into_a_published_claim_only_without_evidence_to_move(self, api_for, editor, reviewer, reporter):
        keep = make_claim(by=reporter)
        workflow.transition(keep, to="researching", by=editor)
        ready_for_review(Claim.objects.get(pk=keep.pk), by=editor)
        workflow.transition(Claim.objects.get(pk=keep.pk), to="in_review", by=editor)
        keep = workflow.transition(Claim.objects.get(pk=keep.pk), to="published", by=reviewer)
        bare = make_claim(by=reporter, text="A bare duplicate.", article=ArticleFactory())
        assert merge.merge_claims(bare, into=keep, by=editor, expected_version=None).appearances == 1
        with_evidence = make_claim(by=reporter, text="With a source.", article=ArticleFactory())
        add_evidence(with_evidence)
        with pytest.raises(workflow.ClaimFrozen):
            merge.merge_claims(with_evidence, into=keep, by=editor, expected_version=None)

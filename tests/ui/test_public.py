"""Public pages read only the published snapshot and never reveal a draft."""

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import make_claim, ready_for_review
from tracker import claims, workflow
from tracker.models import Rating


def ld_json(body: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


@pytest.mark.django_db
class FactCheckPageTests:
    def test_it_shows_the_verdict_sources_and_claimreview(self, client, published_claim):
        response = client.get(published_claim.get_public_url())
        assert response.status_code == 200
        body = response.content.decode()
        snap = published_claim.public_snapshot
        assert snap["text"] in body and "Mostly true" in body
        assert "Confirmed by the agency" in body
        assert snap["evidence"][0]["source"]["title"] in body
        assert "First appearance" in body
        review = ld_json(body)
        assert review["@type"] == "ClaimReview"
        assert review["claimReviewed"] == snap["text"]
        assert review["reviewRating"]["alternateName"] == "Mostly true"

    def test_a_reopened_claim_shows_its_last_published_verdict(self, client, editor, published_claim):
        claim = workflow.transition(published_claim, to="researching", by=editor, note="Checking a new figure.")
        claims.edit_claim(
            claim,
            {"verdict_summary": "Draft: the figure may be wrong.", "rating": Rating.objects.get(slug="false")},
            by=editor,
            expected_version=claim.version,
        )
        body = client.get(published_claim.get_public_url()).content.decode()
        assert "Confirmed by the agency" in body and "Mostly true" in body
        assert "Draft: the figure may be wrong." not in body
        assert ld_json(body)["reviewRating"]["alternateName"] == "Mostly true"

    def test_corrections_are_shown(self, client, editor, reviewer, other_reviewer, published_claim):
        claim = workflow.transition(published_claim, to="researching", by=editor, note="New data.")
        claim = claims.edit_claim(
            claim, {"rating": Rating.objects.get(slug="false")}, by=editor, expected_version=claim.version
        )
        claim = workflow.transition(claim, to="in_review", by=editor)
        workflow.transition(claim, to="published", by=other_reviewer)
        body = client.get(claim.get_public_url()).content.decode()
        assert "Corrections" in body and "The rating changed" in body
        assert "(was “Mostly true”, now “False”)" in body
        assert "False" in body.split('id="verdict"')[1][:80]
        assert ld_json(body)["correction"]

    def test_json_ld_cannot_close_its_script_element(self, client, editor, reviewer):
        text = 'He said </script><script>alert("x")</script> & more'
        claim = make_claim(text=text, quote="NATO announced Wednesday")
        workflow.transition(claim, to="researching", by=editor)
        ready_for_review(claim, by=editor)
        workflow.transition(claim, to="in_review", by=editor)
        workflow.transition(claim, to="published", by=reviewer)
        claim.refresh_from_db()
        body = client.get(claim.get_public_url()).content.decode()
        assert "<script>alert" not in body
        assert body.count("</script>") == body.count("<script")
        assert ld_json(body)["claimReviewed"] == text

    def test_a_draft_is_404(self, client, new_claim):
        response = client.get(reverse("factcheck-detail", args=[new_claim.pk, "anything"]))
        assert response.status_code == 404

    def test_a_trashed_published_claim_is_404(self, client, editor, published_claim):
        workflow.trash(published_claim, by=editor)
        assert client.get(published_claim.get_public_url()).status_code == 404

    def test_a_wrong_slug_redirects_to_the_right_one(self, client, published_claim):
        response = client.get(reverse("factcheck-detail", args=[published_claim.pk, "old-slug"]))
        assert response.status_code == 301
        assert response["Location"] == published_claim.get_public_url()


@pytest.mark.django_db
class FactCheckIndexTests:
    def test_it_lists_published_claims_only(self, client, published_claim, new_claim):
        body = client.get(reverse("factcheck-index")).content.decode()
        assert published_claim.get_public_url() in body
        assert new_claim.text not in body


@pytest.mark.django_db
class FeedTests:
    def test_the_atom_feed_lists_published_verdicts(self, client, published_claim, new_claim):
        response = client.get(reverse("factcheck-feed"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        body = response.content.decode()
        assert "<feed" in body and "Mostly true: The contract is worth around $5.5 billion." in body
        assert published_claim.get_public_url() in body
        assert new_claim.text not in body
        org, site = settings.FACTDESK_ORG_NAME, settings.FACTDESK_SITE_URL
        assert f"<author><name>{org}</name><uri>{site}</uri></author>" in body

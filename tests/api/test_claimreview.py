"""ClaimReview JSON-LD (DESIGN §4 "ClaimReview"), field by field, for a claim with a correction."""

import datetime

import pytest
from django.utils import timezone

from tests.api.conftest import publish
from tests.factories import ArticleFactory, ClaimantFactory, OutletFactory, make_claim
from tracker import claims, workflow
from tracker.models import Claim, Rating

V1 = "/api/v1/"


@pytest.fixture
def corrected(db, editor, reviewer, settings):
    """A claim published as mostly-true, reopened, and republished as false: one correction."""
    settings.FACTDESK_ORG_NAME = "Desk of Facts"
    settings.FACTDESK_SITE_URL = "https://factdesk.example"
    ap = OutletFactory(name="Associated Press")
    later = ArticleFactory(
        title="NATO to fund Patriots",
        outlet=OutletFactory(name="RT"),
        url="https://rt.example/patriots",
        published_at=datetime.datetime(2025, 7, 10, 8, tzinfo=datetime.UTC),
    )
    first = ArticleFactory(
        title="Allies pledge air defence",
        outlet=ap,
        url="https://apnews.example/air-defence",
        published_at=datetime.datetime(2025, 7, 9, 12, tzinfo=datetime.UTC),
    )
    claimant = ClaimantFactory(name="Mark Rutte", kind="person", description="NATO Secretary General")
    claim = make_claim(
        by=editor,
        article=later,
        claimant=claimant,
        claim_date=datetime.date(2025, 7, 8),
        text="NATO will buy up to 1,000 Patriot missiles.",
    )
    claims.add_appearance(claim, claims.AppearanceInput(article=first, quote="NATO announced Wednesday"), by=editor)
    claim = publish(claim, editor=editor, reviewer=reviewer, rating="mostly-true")
    claim = workflow.transition(claim, to="researching", by=editor, note="The number was 500, not 1,000.")
    claim = claims.edit_claim(
        claim,
        {"rating": Rating.objects.get(slug="false"), "verdict_summary": "NATO said 500."},
        by=editor,
        expected_version=claim.version,
    )
    claim = workflow.transition(claim, to="in_review", by=editor)
    return workflow.transition(claim, to="published", by=reviewer, note="Corrected the number of missiles.")


@pytest.mark.django_db
class ClaimReviewTests:
    def test_every_field_of_the_contract(self, anon, corrected):
        response = anon.get(f"{V1}claims/{corrected.pk}/claimreview/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/ld+json"
        review = response.json()
        assert review["@context"] == "https://schema.org"
        assert review["@type"] == "ClaimReview"
        assert review["claimReviewed"] == "NATO will buy up to 1,000 Patriot missiles."
        assert review["url"] == f"https://factdesk.example/fact-checks/{corrected.pk}/{corrected.public_slug}/"
        assert review["author"] == {
            "@type": "Organization",
            "name": "Desk of Facts",
            "url": "https://factdesk.example",
        }
        assert review["datePublished"] == corrected.published_at.date().isoformat()
        assert review["reviewBody"] == "NATO said 500."
        assert review["reviewRating"] == {
            "@type": "Rating",
            "alternateName": "False",
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
        }
        item = review["itemReviewed"]
        assert item["@type"] == "Claim"
        assert item["author"] == {"@type": "Person", "name": "Mark Rutte", "jobTitle": "NATO Secretary General"}
        assert item["datePublished"] == "2025-07-08"
        first = {
            "@type": "CreativeWork",
            "headline": "Allies pledge air defence",
            "url": "https://apnews.example/air-defence",
            "publisher": {"@type": "Organization", "name": "Associated Press"},
            "datePublished": "2025-07-09",
            "inLanguage": "en",
        }
        assert item["firstAppearance"] == first
        assert item["appearance"][0] == first
        assert item["appearance"][1]["headline"] == "NATO to fund Patriots"
        assert item["appearance"][1]["url"] == "https://rt.example/patriots"
        assert item["appearance"][1]["publisher"] == {"@type": "Organization", "name": "RT"}
        assert review["correction"] == [
            {
                "@type": "CorrectionComment",
                "text": "Corrected the number of missiles.",
                "datePublished": timezone.now().date().isoformat(),
            }
        ]

    def test_off_scale_rating_has_no_numbers(self, anon, editor, reviewer):
        claim = publish(make_claim(by=editor), editor=editor, reviewer=reviewer, rating="misleading")
        rating = anon.get(f"{V1}claims/{claim.pk}/claimreview/").json()["reviewRating"]
        assert rating == {"@type": "Rating", "alternateName": "Misleading"}

    def test_reopened_claim_keeps_its_published_review(self, anon, corrected, editor):
        claim = workflow.transition(corrected, to="researching", by=editor, note="Again")
        claims.edit_claim(claim, {"text": "Draft text"}, by=editor, expected_version=claim.version)
        review = anon.get(f"{V1}claims/{claim.pk}/claimreview/").json()
        assert review["claimReviewed"] == "NATO will buy up to 1,000 Patriot missiles."

    def test_unpublished_claims_have_none(self, editor_client, claim):
        assert editor_client.get(f"{V1}claims/{claim.pk}/claimreview/").status_code == 404

    def test_feed_lists_published_reviews_newest_first(self, anon, corrected, editor, reviewer):
        newer = publish(make_claim(by=editor), editor=editor, reviewer=reviewer)
        make_claim(by=editor)  # a draft: never in the feed
        response = anon.get(f"{V1}claimreview/")
        assert response.status_code == 200
        # A page of ClaimReviews is plain JSON (as the schema says); each result is JSON-LD.
        assert response["Content-Type"] == "application/json"
        assert response.json()["results"][0]["@type"] == "ClaimReview"
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        assert [r["url"].split("/")[-3] for r in body["results"]] == [str(newer.pk), str(corrected.pk)]
        assert body["results"][1]["correction"][0]["text"] == "Corrected the number of missiles."

    def test_feed_pages_by_cursor(self, anon, editor, reviewer):
        published = [publish(make_claim(by=editor), editor=editor, reviewer=reviewer) for _ in range(3)]
        first = anon.get(f"{V1}claimreview/", {"page_size": 2}).json()
        second = anon.get(first["next"]).json()
        urls = [r["url"] for r in first["results"] + second["results"]]
        expected = Claim.objects.filter(pk__in=[c.pk for c in published]).order_by("-last_published_at", "-id")
        assert [u.split("/")[-3] for u in urls] == [str(c.pk) for c in expected]

"""schema.org ClaimReview JSON-LD, built from a claim's public snapshot only.

One builder for every door: the API endpoints, the feed, and the public
fact-check page that embeds it. ``required_problems()`` is what Google requires of
a ClaimReview; the workflow checks it when a claim is sent to review, so a claim
never gets stuck there (DESIGN §2). ``warnings()`` is what Google only recommends:
shown on the claim page and in the API, never a refusal.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from tracker.models import Claim


def _organisation() -> dict:
    return {"@type": "Organization", "name": settings.FACTDESK_ORG_NAME, "url": settings.FACTDESK_SITE_URL}


def _date(value: str | None) -> str | None:
    return value[:10] if value else None


def _creative_work(appearance: dict) -> dict:
    article = appearance["article"]
    work = {"@type": "CreativeWork", "headline": article["title"]}
    if article.get("url"):
        work["url"] = article["url"]
    if article.get("outlet"):
        work["publisher"] = {"@type": "Organization", "name": article["outlet"]}
    if article.get("published_at"):
        work["datePublished"] = _date(article["published_at"])
    if article.get("language"):
        work["inLanguage"] = article["language"]
    return work


def public_url(claim: Claim) -> str:
    return settings.FACTDESK_SITE_URL + claim.get_public_url()


def public_url_of(pk: int, slug: str) -> str:
    """public_url of the claim pk whose public_slug is slug, without the claim."""
    return settings.FACTDESK_SITE_URL + reverse("factcheck-detail", args=[pk, slug])


def build(claim: Claim, snapshot: dict | None = None, corrections=None) -> dict:
    """Return the ClaimReview of claim's public snapshot (or of the given snapshot)."""
    snap = snapshot if snapshot is not None else claim.public_snapshot
    if snap is None:
        raise ValueError("The claim has never been published.")
    rating = snap.get("rating") or {}
    review_rating = {"@type": "Rating", "alternateName": rating.get("label")}
    if rating.get("value") is not None:
        review_rating.update(
            ratingValue=rating["value"], bestRating=rating.get("best"), worstRating=rating.get("worst")
        )
    item = {"@type": "Claim"}
    claimant = snap.get("claimant")
    if claimant:
        author = {
            "@type": "Person" if claimant["kind"] == "person" else "Organization",
            "name": claimant["name"],
        }
        if claimant.get("description"):
            author["jobTitle" if claimant["kind"] == "person" else "description"] = claimant["description"]
        item["author"] = author
    if snap.get("claim_date"):
        item["datePublished"] = snap["claim_date"]
    appearances = [_creative_work(a) for a in snap.get("appearances", [])]
    if appearances:
        item["appearance"] = appearances
        item["firstAppearance"] = appearances[0]

    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": public_url(claim),
        "claimReviewed": snap.get("text"),
        "author": _organisation(),
        "datePublished": _date(snap.get("published_at")),
        "dateModified": snap.get("updated_at"),
        "reviewRating": review_rating,
        "itemReviewed": item,
    }
    if snap.get("verdict_summary"):
        review["reviewBody"] = snap["verdict_summary"]
    if corrections is None and claim.pk is not None:
        corrections = claim.corrections.all()
    notes = [
        {"@type": "CorrectionComment", "text": c.note, "datePublished": c.at.date().isoformat()}
        for c in corrections or []
    ]
    if notes:
        review["correction"] = notes
    return review


def required_problems(claim: Claim) -> list[str]:
    """Return what Google requires of a ClaimReview that this claim (and the site settings) would lack."""
    missing = []
    if not (claim.text or "").strip():
        missing.append("the claim text (claimReviewed)")
    if claim.rating_id is None:
        missing.append("a rating (reviewRating)")
    if not (settings.FACTDESK_ORG_NAME or "").strip():
        missing.append("the organisation's name (author: the FACTDESK_ORG_NAME setting)")
    if not (settings.FACTDESK_SITE_URL or "").strip():
        missing.append("the site address (url: the FACTDESK_SITE_URL setting)")
    return missing


def warnings(claim: Claim) -> list[str]:
    """Return what Google recommends of a ClaimReview that this claim lacks (never a refusal)."""
    found = []
    if claim.claimant_id is None:
        found.append("No claimant: the ClaimReview will have no itemReviewed.author.")
    # Writes set has_appearance_url; lists prefetch appearances with their article URL: no query per row.
    has_url = getattr(claim, "has_appearance_url", None)
    prefetched = getattr(claim, "_prefetched_objects_cache", {}).get("appearances")
    if has_url is None and prefetched is not None and all(hasattr(a, "article_url") for a in prefetched):
        # Lists prefetch appearances with their article's URL (api.views.desk_claims): no query, no subplan.
        has_url = any(a.article_url for a in prefetched)
    if has_url is None:
        has_url = claim.appearances.filter(article__url__isnull=False).exclude(article__url="").exists()
    if not has_url:
        found.append("No appearance has an article URL: the ClaimReview will have no appearance URL.")
    if claim.claim_date is None:
        found.append("No claim date: the ClaimReview will have no itemReviewed.datePublished.")
    return found

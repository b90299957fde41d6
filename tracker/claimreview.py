"""schema.org ClaimReview JSON-LD, built from a claim's public snapshot only.

One builder for every door: the API endpoints, the feed, and the public
fact-check page that embeds it. ``problems()`` is the publication check the
workflow runs, so nothing is published whose ClaimReview would be incomplete.
"""

from __future__ import annotations

from django.conf import settings

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


def problems(claim: Claim, snapshot: dict) -> list[str]:
    """Return the required ClaimReview fields a snapshot would leave empty."""
    missing = []
    if not (snapshot.get("text") or "").strip():
        missing.append("claimReviewed (the claim text)")
    if not (snapshot.get("rating") or {}).get("label"):
        missing.append("reviewRating (a rating)")
    if not snapshot.get("claimant"):
        missing.append("itemReviewed.author (a claimant)")
    if not snapshot.get("appearances"):
        missing.append("itemReviewed.appearance (an appearance in an article)")
    if not settings.FACTDESK_ORG_NAME:
        missing.append("author (FACTDESK_ORG_NAME)")
    return missing

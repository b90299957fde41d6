"""Public fact-check pages: index, one page per published claim, and the Atom feed.

Everything here reads only a claim's public snapshot, so a claim reopened for
correction keeps showing its last published verdict.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from tracker import claimreview
from tracker.models import Claim, Correction

from .common import paginate

# The characters that could end a <script> element or open a comment inside it,
# written as JSON escapes (what Django's json_script does, for another type).
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def ld_json_script(data: dict) -> SafeString:
    """Return data as a <script type="application/ld+json"> element that text in it cannot break out of."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308


def public_claims():
    """Return published claims newest first, loading only what the public pages show."""
    return (
        Claim.objects.public()
        .only("id", "text", "public_snapshot", "last_published_at")
        .order_by("-last_published_at", "-id")
    )


def _parse_dates(snapshot: dict) -> dict:
    dates = {}
    for name in ("published_at", "updated_at"):
        try:
            dates[name] = datetime.fromisoformat(snapshot[name]) if snapshot.get(name) else None
        except (TypeError, ValueError):
            dates[name] = None
    return dates


def index(request: HttpRequest) -> HttpResponse:
    """Show the published fact-checks, newest first."""
    page = paginate(request, public_claims(), per_page=20)
    items = [{"claim": c, "snap": c.public_snapshot, **_parse_dates(c.public_snapshot)} for c in page]
    return render(request, "tracker/public/index.html", {"page": page, "items": items})


def detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """Show one published fact-check with its ClaimReview JSON-LD; drafts answer 404."""
    claim = Claim.objects.public().filter(pk=pk).first()
    if claim is None:
        raise Http404("No such fact-check.")
    if slug != claim.public_slug:
        return redirect(claim.get_public_url(), permanent=True)
    snap = claim.public_snapshot
    corrections = list(claim.corrections.select_related("previous_rating", "new_rating"))
    review = claimreview.build(claim, corrections=corrections)
    appearances = snap.get("appearances") or []
    context = {
        "claim": claim,
        "snap": snap,
        "first_appearance": appearances[0] if appearances else None,
        "other_appearances": appearances[1:],
        "corrections": corrections,
        "claimreview": review,
        "claimreview_script": ld_json_script(review),
        **_parse_dates(snap),
    }
    return render(request, "tracker/public/detail.html", context)


def public_corrections():
    """Return the corrections of published fact-checks, newest first (a trashed claim's are not public)."""
    return (
        Correction.objects.filter(claim__public_snapshot__isnull=False, claim__deleted_at__isnull=True)
        .select_related("previous_rating", "new_rating", "claim")
        .defer("claim__verdict_explanation", "claim__text")
        .order_by("-at", "-id")
    )


def describe_correction(correction: Correction) -> str:
    """Say what a correction changed, as the public reads it."""
    text = correction.note
    old, new = correction.previous_rating, correction.new_rating
    if old is not None and new is not None and old != new:
        text += f" (rating was “{old.label}”, now “{new.label}”)"
    return text


def corrections(request: HttpRequest) -> HttpResponse:
    """The public corrections log (IFCN's corrections policy): every correction, newest first."""
    page = paginate(request, public_corrections(), per_page=30)
    items = [{"correction": c, "snap": c.claim.public_snapshot, "what": describe_correction(c)} for c in page]
    return render(request, "tracker/public/corrections.html", {"page": page, "items": items})


class CorrectionsFeed(Feed):
    """Atom feed of the corrections log."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return f"{settings.FACTDESK_ORG_NAME} corrections"

    def subtitle(self) -> str:
        return "Every correction of a published fact-check, newest first."

    def link(self) -> str:
        return reverse("factcheck-corrections")

    def items(self):
        return public_corrections()[:50]

    def item_title(self, item: Correction) -> str:
        return f"Correction: {item.claim.public_snapshot.get('text', '')}"

    def item_description(self, item: Correction) -> str:
        return describe_correction(item)

    def item_link(self, item: Correction) -> str:
        return item.claim.get_public_url()

    def item_guid(self, item: Correction) -> str:
        return f"{claimreview.public_url(item.claim)}#correction-{item.pk}"

    def item_guid_is_permalink(self, item: Correction) -> bool:
        return False

    def author_name(self) -> str:
        return settings.FACTDESK_ORG_NAME

    def author_link(self) -> str:
        return settings.FACTDESK_SITE_URL

    def item_pubdate(self, item: Correction):
        return item.at

    def item_updateddate(self, item: Correction):
        return item.at


class FactCheckFeed(Feed):
    """Atom feed of the latest published fact-checks."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return f"{settings.FACTDESK_ORG_NAME} fact-checks"

    def subtitle(self) -> str:
        return "The latest published verdicts."

    def link(self) -> str:
        return reverse("factcheck-index")

    def items(self):
        return public_claims().prefetch_related(
            Prefetch("corrections", queryset=Correction.objects.select_related("previous_rating", "new_rating"))
        )[:50]

    def item_title(self, item: Claim) -> str:
        snap = item.public_snapshot
        label = (snap.get("rating") or {}).get("label") or "Checked"
        corrected = " (corrected)" if item.corrections.all() else ""
        return f"{label}: {snap.get('text', '')}{corrected}"

    def item_description(self, item: Claim) -> str:
        summary = item.public_snapshot.get("verdict_summary") or ""
        # A corrected fact-check says in its entry what was corrected (IFCN's corrections policy).
        notes = [f"Corrected {c.at:%d %B %Y}: {describe_correction(c)}" for c in item.corrections.all()]
        return " ".join([summary, *notes]).strip()

    def item_link(self, item: Claim) -> str:
        return item.get_public_url()

    def item_guid(self, item: Claim) -> str:
        return claimreview.public_url(item)

    def author_name(self) -> str:
        # Atom requires an author for the feed or every entry; the desk signs its verdicts.
        return settings.FACTDESK_ORG_NAME

    def author_link(self) -> str:
        return settings.FACTDESK_SITE_URL

    def item_pubdate(self, item: Claim):
        return _parse_dates(item.public_snapshot)["published_at"]

    def item_updateddate(self, item: Claim):
        return item.last_published_at

"""The reader's highlighting: an article body with every logged claim marked, built safely.

The body is cut at every start and end of a span, so overlapping and adjacent
claims both stay visible: each segment carries the set of claims covering it.
Each claim also gets one link (a marker without text of its own, labelled by
CSS and aria-label) at its start, so the text a reader sees is exactly the
article body. Every piece of body text and every attribute is escaped on its
own before the pieces are joined: the body is never trusted as HTML.

The body is built in one sweep over the span boundaries, with each span's
escaped pieces made once, so an article with hundreds of claims costs a join
over its segments, not a search of every span per segment.
"""

from __future__ import annotations

import bisect
from html import escape
from typing import NamedTuple

from django.utils.safestring import SafeString, mark_safe


class Span(NamedTuple):
    """One highlight: code-point offsets [start, end) into the body and what to show about it."""

    key: int  # unique per span (the appearance id)
    claim: int
    start: int
    end: int
    url: str
    label: str  # short text for the marker, e.g. "#12"
    title: str  # status and verdict, for the tooltip and screen readers
    css: str = ""  # a class such as "st-published"
    kind: str = "claim"  # or "suggestion": a check-worthy sentence not logged yet


def _marker(span: Span, label: str, title: str) -> str:
    """Return the link at a span's start; label and title come escaped."""
    if span.kind == "suggestion":
        return f'<a class="sg-marker" href="{escape(span.url)}" title="{title}" aria-label="{title}"></a>'
    return (
        f'<a class="hl-marker {escape(span.css)}" href="{escape(span.url)}" data-claim="{span.claim}" '
        f'data-label="{label}" title="{title}" aria-label="{label}: {title}"></a>'
    )


def render(body: str, spans: list[Span]) -> SafeString:
    """Return the body as HTML: segments with data-o offsets, highlights, one marker link per span."""
    length = len(body)
    valid = [s for s in spans if 0 <= s.start < s.end <= length]
    # Boundaries → the spans (by their place in `spans`, which orders markers and titles) opening and closing there.
    opening: dict[int, list[int]] = {}
    closing: dict[int, list[int]] = {}
    for index, span in enumerate(valid):
        opening.setdefault(span.start, []).append(index)
        closing.setdefault(span.end, []).append(index)
    points = sorted({0, length, *opening, *closing})
    parts: list[str] = []
    active: list[int] = []  # indexes into valid of the spans covering the current segment, in order
    placed: set[int] = set()
    # Each span's label and title escaped once, for its marker and every segment it covers.
    labels = [escape(span.label) for span in valid]
    titles = [escape(span.title) for span in valid]
    for start, end in zip(points, points[1:], strict=False):
        for index in closing.get(start, ()):
            active.remove(index)
        for index in opening.get(start, ()):
            bisect.insort(active, index)
        for i in active:
            span = valid[i]
            if span.start == start and span.key not in placed:
                placed.add(span.key)
                parts.append(_marker(span, labels[i], titles[i]))
        text = escape(body[start:end])
        if not active:
            parts.append(f'<span class="seg" data-o="{start}">{text}</span>')
            continue
        claimed = [i for i in active if valid[i].kind == "claim"]
        if not claimed:
            parts.append(f'<mark class="seg sg" data-o="{start}" title="{titles[active[0]]}">{text}</mark>')
            continue
        suggested = any(valid[i].kind == "suggestion" for i in active)
        classes = " ".join(
            ["seg", "hl", "hl-many" if len(claimed) > 1 else "", "sg" if suggested else ""]
            + [valid[i].css for i in claimed]
        )
        claim_ids = " ".join(str(valid[i].claim) for i in claimed)
        described = " · ".join(f"{labels[i]} {titles[i]}" for i in claimed)
        parts.append(
            f'<mark class="{escape(" ".join(classes.split()))}" data-o="{start}" '
            f'data-claims="{claim_ids}" title="{described}">{text}</mark>'
        )
    # Every piece above is markup of ours around text escaped on its own.
    return mark_safe("".join(parts))  # noqa: S308


class Listed(NamedTuple):
    """One line of the list of claims beside the text: a quote of a claim and what to show about both."""

    anchor: str  # the line's id, e.g. "claim-12"
    claim: int
    url: str
    text: str  # the claim's text, shortened
    status: str
    status_label: str
    rating_label: str  # "" without a verdict
    claimant: str | None  # None without a claimant
    anchor_state: str
    anchor_state_label: str
    needs_confirmation: bool
    quote: str  # the quote, shortened


def claim_list(rows: list[Listed]) -> SafeString:
    """Return the list's <li> lines, built as the body is: each piece escaped on its own, one join."""
    parts = []
    for row in rows:
        meta = f'<span class="badge st-{escape(row.status)}">{escape(row.status_label)}</span>'
        if row.rating_label:
            meta += f' <span class="verdict">{escape(row.rating_label)}</span>'
        if row.claimant is not None:
            meta += f" · {escape(row.claimant)}"
        if row.anchor_state != "anchored":
            meta += f' · <span class="warn">quote {escape(row.anchor_state_label)}</span>'
        if row.needs_confirmation:
            meta += ' · <span class="warn">to confirm</span>'
        parts.append(
            f'<li id="{escape(row.anchor)}" data-claim="{row.claim}"><a href="{escape(row.url)}" class="claim-link">'
            f'<span class="cid">#{row.claim}</span> {escape(row.text)}</a>\n'
            f'<div class="meta">{meta}</div>\n<blockquote class="quote">{escape(row.quote)}</blockquote></li>\n'
        )
    return mark_safe("".join(parts))  # noqa: S308 (markup of ours around text escaped on its own)

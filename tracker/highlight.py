"""The reader's highlighting: an article body with every logged claim marked, built safely.

The body is cut at every start and end of a span, so overlapping and adjacent
claims both stay visible: each segment carries the set of claims covering it.
Each claim also gets one link (a marker without text of its own, labelled by
CSS and aria-label) at its start, so the text a reader sees is exactly the
article body. Every piece of body text goes through format_html, which escapes
it: the body is never trusted as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Span:
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


@dataclass
class Segment:
    start: int
    end: int
    spans: list[Span] = field(default_factory=list)


def segments(body: str, spans: list[Span]) -> list[Segment]:
    """Cut body at every span boundary; each segment lists the spans covering it."""
    length = len(body)
    valid = [s for s in spans if 0 <= s.start < s.end <= length]
    cuts = {0, length}
    for span in valid:
        cuts.add(span.start)
        cuts.add(span.end)
    points = sorted(cuts)
    result = []
    for start, end in zip(points, points[1:], strict=False):
        covering = [s for s in valid if s.start <= start and end <= s.end]
        result.append(Segment(start, end, covering))
    return result


def _marker(span: Span) -> SafeString:
    if span.kind == "suggestion":
        return format_html(
            '<a class="sg-marker" href="{}" title="{}" aria-label="{}"></a>', span.url, span.title, span.title
        )
    return format_html(
        '<a class="hl-marker {}" href="{}" data-claim="{}" data-label="{}" title="{}" aria-label="{}"></a>',
        span.css,
        span.url,
        span.claim,
        span.label,
        span.title,
        f"{span.label}: {span.title}",
    )


def render(body: str, spans: list[Span]) -> SafeString:
    """Return the body as HTML: segments with data-o offsets, highlights, one marker link per span."""
    parts: list[SafeString] = []
    placed: set[int] = set()
    for segment in segments(body, spans):
        for span in segment.spans:
            if span.start == segment.start and span.key not in placed:
                placed.add(span.key)
                parts.append(_marker(span))
        text = body[segment.start : segment.end]
        if not segment.spans:
            parts.append(format_html('<span class="seg" data-o="{}">{}</span>', segment.start, text))
            continue
        claimed = [s for s in segment.spans if s.kind == "claim"]
        suggested = any(s.kind == "suggestion" for s in segment.spans)
        if not claimed:
            parts.append(
                format_html(
                    '<mark class="seg sg" data-o="{}" title="{}">{}</mark>',
                    segment.start,
                    segment.spans[0].title,
                    text,
                )
            )
            continue
        classes = " ".join(
            ["seg", "hl", "hl-many" if len(claimed) > 1 else "", "sg" if suggested else ""] + [s.css for s in claimed]
        )
        parts.append(
            format_html(
                '<mark class="{}" data-o="{}" data-claims="{}" title="{}">{}</mark>',
                " ".join(classes.split()),
                segment.start,
                " ".join(str(s.claim) for s in claimed),
                " · ".join(f"{s.label} {s.title}" for s in claimed),
                text,
            )
        )
    return format_html_join("", "{}", ((part,) for part in parts))

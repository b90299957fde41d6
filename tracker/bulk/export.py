"""CSV export of claims (DESIGN §9): the whole filtered list, streamed, in constant memory.

Rows are read as plain values in chunks, each chunk with its tags and article
titles in one query each, written through csv.writer and yielded line by line,
so 100,000 claims cost what 2,000 do in memory (and no model instance is built).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from tracker.models import Appearance, Claim

CHUNK = 2000

DESK_COLUMNS = [
    "id",
    "text",
    "status",
    "rating",
    "claimant",
    "claimant_kind",
    "claim_date",
    "tags",
    "assignee",
    "priority",
    "verdict_summary",
    "articles",
    "created_by",
    "created_at",
    "updated_at",
    "published_at",
    "desk_url",
    "public_url",
]
PUBLIC_COLUMNS = ["id", "text", "rating", "claimant", "claim_date", "verdict_summary", "published_at", "updated_at"]
PUBLIC_COLUMNS += ["url"]

# A cell a spreadsheet would run as a formula (CSV injection, OWASP): shown as text instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Return value as CSV text that a spreadsheet shows and never evaluates."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Line:
    """A file-like object that hands back what csv.writer writes, one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """Yield CSV lines: a byte-order mark (so spreadsheets read UTF-8), the header, then each row made safe."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


DESK_FIELDS = (
    "pk",
    "text",
    "status",
    "rating__slug",
    "claimant__name",
    "claimant__kind",
    "claim_date",
    "assignee__username",
    "priority",
    "verdict_summary",
    "created_by__username",
    "created_at",
    "updated_at",
    "published_at",
    "public_snapshot__text",
)


def _chunks(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Urls:
    """Desk and public addresses by string templates: reverse() per row would cost more than the row."""

    def __init__(self):
        site = settings.FACTDESK_SITE_URL
        self.desk = site + reverse("claim-detail", args=[123456789]).replace("123456789", "{}")
        self.public = site + reverse("factcheck-detail", args=[123456789, "slug"]).replace("123456789", "{}")
        self.public = self.public.replace("/slug/", "/{}/")

    def public_url(self, pk: int, text: str | None) -> str:
        return self.public.format(pk, slugify(text or "")[:80].strip("-") or "claim")


def desk_rows(queryset: QuerySet) -> Iterator[list]:
    """Every column of DESK_COLUMNS, read as plain values in chunks with the chunk's tags and articles."""
    urls = _Urls()
    rows = queryset.prefetch_related(None).values_list(*DESK_FIELDS).iterator(chunk_size=CHUNK)
    for chunk in _chunks(rows):
        ids = [row[0] for row in chunk]
        tags: dict[int, list[str]] = {}
        for claim_id, name in Claim.tags.through.objects.filter(claim_id__in=ids).values_list("claim_id", "tag__name"):
            tags.setdefault(claim_id, []).append(name)
        articles: dict[int, list[str]] = {}
        appearances = Appearance.objects.filter(claim_id__in=ids).order_by("article_id", "id")
        for claim_id, title in appearances.values_list("claim_id", "article__title"):
            titles = articles.setdefault(claim_id, [])
            if title not in titles:
                titles.append(title)
        for row in chunk:
            pk, text, status, rating, claimant, kind, claim_date, assignee, priority, summary = row[:10]
            created_by, created_at, updated_at, published_at, public_text = row[10:]
            yield [
                pk,
                text,
                status,
                rating,
                claimant,
                kind,
                claim_date,
                "; ".join(sorted(tags.get(pk, []))),
                assignee,
                priority,
                summary,
                " | ".join(articles.get(pk, [])),
                created_by,
                created_at,
                updated_at,
                published_at,
                urls.desk.format(pk),
                urls.public_url(pk, public_text) if public_text is not None else None,
            ]


def public_rows(queryset: QuerySet) -> Iterator[list]:
    """What anonymous callers may read: the published snapshot only, never the draft behind it."""
    urls = _Urls()
    for pk, snap in queryset.prefetch_related(None).values_list("pk", "public_snapshot").iterator(chunk_size=CHUNK):
        snap = snap or {}
        yield [
            pk,
            snap.get("text"),
            (snap.get("rating") or {}).get("label"),
            (snap.get("claimant") or {}).get("name"),
            snap.get("claim_date"),
            snap.get("verdict_summary"),
            snap.get("published_at"),
            snap.get("updated_at"),
            urls.public_url(pk, snap.get("text")),
        ]


def csv_response(queryset: QuerySet, *, public: bool, name: str = "claims") -> StreamingHttpResponse:
    """Stream queryset as a CSV download (no pagination: every matching claim)."""
    if public:
        lines = csv_lines(PUBLIC_COLUMNS, public_rows(queryset))
    else:
        lines = csv_lines(DESK_COLUMNS, desk_rows(queryset))
    response = StreamingHttpResponse((line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response

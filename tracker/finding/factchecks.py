"""The fact-check archive's import (DESIGN §6): ClaimReview JSON-LD, CSV, JSON lines and saved pages.

Every door (the API's factchecks/import/, ``manage.py import_factchecks``, a
ClaimReview feed polled by the worker) hands its payload to one of the
functions here. Items are upserted by ``url``; a bad item is reported with its
index and skipped, the others are stored; the answer counts what happened:
``created``, ``updated`` (a stored fact-check whose fields changed),
``skipped`` (unchanged, or bad: those are also listed in ``errors``).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import dateparse, timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tracker.errors import DeskError
from tracker.finding import matching
from tracker.finding.models import FactCheck
from tracker.reading import anchoring

FIELDS = ("claim_reviewed", "headline", "summary", "publisher", "published_at", "rating_label", "language", "claimant")
CSV_COLUMNS = {
    "claim_reviewed": "claim_reviewed",
    "url": "url",
    "headline": "headline",
    "rating": "rating_label",
    "rating_label": "rating_label",
    "publisher": "publisher",
    "published_at": "published_at",
    "claimant": "claimant",
    "language": "language",
    "summary": "summary",
}
MAX_ITEMS = 100_000
MAX_DEPTH = 32
LD_JSON_RE = re.compile(
    r"<script[^>]*type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL
)


class ImportRefused(DeskError):
    """The payload as a whole cannot be read (not JSON-LD, a CSV without the needed columns): HTTP 400."""

    status = 400


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped, "errors": self.errors}

    def error(self, index: int, message: str) -> None:
        self.errors.append({"index": index, "message": message})
        self.skipped += 1


class BadItem(ValueError):
    """One item cannot be stored; the message says why."""


# --------------------------------------------------------------------------- reading ClaimReview


def _types(node) -> set[str]:
    kinds = node.get("@type") if isinstance(node, dict) else None
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return {str(k).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for k in kinds if isinstance(k, str)}


def claimreview_items(payload) -> list:
    """Flatten a JSON-LD payload into its items: one object, a list, @graph, DataFeed or ItemList."""
    items: list = []

    def walk(node, strict: bool, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise ImportRefused(f"The JSON-LD is nested deeper than {MAX_DEPTH} levels.")
        if len(items) > MAX_ITEMS:
            raise ImportRefused(f"At most {MAX_ITEMS} fact-checks can be imported at once.")
        if isinstance(node, list):
            for child in node:
                walk(child, strict, depth + 1)
            return
        if not isinstance(node, dict):
            items.append(node)
            return
        kinds = _types(node)
        if "ClaimReview" in kinds:
            items.append(node)
        elif "@graph" in node:
            # A page's graph holds its WebPage, Organization ...: only its ClaimReviews are items.
            for child in node["@graph"] if isinstance(node["@graph"], list) else [node["@graph"]]:
                if "ClaimReview" in _types(child) or _types(child) & {"DataFeed", "ItemList"}:
                    walk(child, strict, depth + 1)
        elif "DataFeed" in kinds:
            walk(node.get("dataFeedElement") or [], strict, depth + 1)
        elif "DataFeedItem" in kinds or "ListItem" in kinds:
            walk(node.get("item"), strict, depth + 1)
        elif "ItemList" in kinds:
            walk(node.get("itemListElement") or [], strict, depth + 1)
        elif strict:
            items.append(node)

    walk(payload, True)
    return items


def _text(value, name: str, *, required: bool = False) -> str:
    if isinstance(value, dict):
        value = value.get("name") or value.get("alternateName") or value.get("@value") or ""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), "")
        return _text(value, name, required=required)
    if value is None:
        value = ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadItem(f"{name} must be text.")
    try:
        value = anchoring.normalise_text(str(value)).strip()
    except anchoring.InvalidText as exc:
        raise BadItem(f"{name}: {exc}") from exc
    if required and not value:
        raise BadItem(f"{name} is missing.")
    return value


def _name_of(value) -> str:
    """Return the name of an author/publisher given as text, an object or a list of them."""
    if isinstance(value, list):
        return next((name for name in (_name_of(v) for v in value) if name), "")
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("alternateName") or "", "author")
    return _text(value, "author")


def parse_date(value) -> datetime.datetime | None:
    """Return an aware datetime from an ISO date or date-time (a date is taken as midnight UTC)."""
    value = _text(value, "datePublished")
    if not value:
        return None
    try:
        moment = dateparse.parse_datetime(value)
        if moment is None:
            day = dateparse.parse_date(value[:10]) if len(value) >= 10 else None
            if day is None:
                raise ValueError
            moment = datetime.datetime.combine(day, datetime.time.min)
    except ValueError:
        raise BadItem(f"datePublished “{value[:40]}” is not an ISO date such as 2024-05-31.") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def from_claimreview(node) -> dict:
    """Return FactCheck fields from one ClaimReview object, or raise BadItem."""
    if not isinstance(node, dict):
        raise BadItem("An item must be a ClaimReview object.")
    if "ClaimReview" not in _types(node):
        raise BadItem("The item is not a ClaimReview (its @type says otherwise).")
    rating = node.get("reviewRating")
    rating_label = ""
    if isinstance(rating, dict):
        rating_label = _text(rating.get("alternateName") or rating.get("name") or "", "reviewRating")
        if not rating_label and rating.get("ratingValue") not in (None, ""):
            rating_label = _text(rating.get("ratingValue"), "reviewRating")
    elif rating is not None:
        rating_label = _text(rating, "reviewRating")
    item = node.get("itemReviewed") if isinstance(node.get("itemReviewed"), dict) else {}
    language = node.get("inLanguage")
    return {
        "url": _text(node.get("url"), "url", required=True),
        "claim_reviewed": _text(node.get("claimReviewed"), "claimReviewed", required=True),
        "headline": _text(node.get("headline") or node.get("name") or "", "headline"),
        "summary": _text(node.get("reviewBody") or node.get("description") or "", "reviewBody"),
        "publisher": _name_of(node.get("author") or node.get("publisher") or ""),
        "published_at": parse_date(node.get("datePublished")),
        "rating_label": rating_label,
        "language": _text(language.get("alternateName") if isinstance(language, dict) else language, "inLanguage"),
        "claimant": _name_of(item.get("author") or ""),
    }


def from_csv_row(row: dict) -> dict:
    fields = {}
    for column, value in row.items():
        name = CSV_COLUMNS.get((column or "").strip().lower())
        if name is not None and not (name == "rating_label" and fields.get("rating_label")):
            fields[name] = value
    result = {name: _text(fields.get(name, ""), name) for name in FIELDS if name != "published_at"}
    result["url"] = _text(fields.get("url"), "url", required=True)
    if not result["claim_reviewed"]:
        raise BadItem("claim_reviewed is missing.")
    result["published_at"] = parse_date(fields.get("published_at"))
    return result


# --------------------------------------------------------------------------- storing


def _validated(fields: dict, *, feed, by) -> FactCheck:
    factcheck = FactCheck(**fields, feed=feed, imported_by=by)
    if factcheck.language:
        factcheck.language = factcheck.language.strip()
    try:
        factcheck.full_clean(exclude=["feed", "imported_by"], validate_unique=False)
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise BadItem(f"{name}: {messages[0]}") from exc
    return factcheck


def store(parsed: list[tuple[int, dict | BadItem]], *, feed=None, by=None) -> dict:
    """Upsert parsed items ([(index, fields or the BadItem that refused it)]); return the outcome as a dict."""
    outcome = Outcome()
    wanted: dict[str, tuple[int, FactCheck]] = {}
    for index, fields in parsed:
        if isinstance(fields, BadItem):
            outcome.error(index, str(fields))
            continue
        try:
            factcheck = _validated(fields, feed=feed, by=by)
        except BadItem as exc:
            outcome.error(index, str(exc))
            continue
        if factcheck.url in wanted:
            outcome.skipped += 1  # the same URL again in one payload: its last version is stored
        wanted[factcheck.url] = (index, factcheck)
    for attempt in range(2):
        try:
            with transaction.atomic():
                created, updated, unchanged = _upsert([fc for _, fc in wanted.values()], by=by)
            break
        except IntegrityError:
            # Another import stored one of these URLs meanwhile: read them again and update instead.
            if attempt:
                raise
    outcome.created += created
    outcome.updated += updated
    outcome.skipped += unchanged
    outcome.errors.sort(key=lambda e: e["index"])
    return outcome.as_dict()


def _upsert(factchecks: list[FactCheck], *, by) -> tuple[int, int, int]:
    existing: dict[str, FactCheck] = {}
    urls = [fc.url for fc in factchecks]
    for start in range(0, len(urls), 500):
        for stored in FactCheck.objects.filter(url__in=urls[start : start + 500]):
            existing[stored.url] = stored
    new, changed = [], []
    unchanged = 0
    for fc in factchecks:
        stored = existing.get(fc.url)
        if stored is None:
            new.append(fc)
            continue
        differs = [name for name in FIELDS if getattr(stored, name) != getattr(fc, name)]
        if fc.feed_id is not None and stored.feed_id is None:
            differs.append("feed")
            stored.feed_id = fc.feed_id
        if not differs:
            unchanged += 1
            continue
        for name in FIELDS:
            setattr(stored, name, getattr(fc, name))
        changed.append(stored)
    if new:
        new = bulk_create_with_history(new, FactCheck, batch_size=1000, default_user=by)
        if any(fc.pk is None for fc in new):  # a backend that returns no ids: read them back
            ids = dict(FactCheck.objects.filter(url__in=[fc.url for fc in new]).values_list("url", "pk"))
            for fc in new:
                fc.pk = ids[fc.url]
    if changed:
        now = timezone.now()
        for fc in changed:
            fc.updated_at = now
        bulk_update_with_history(changed, FactCheck, [*FIELDS, "feed", "updated_at"], batch_size=1000, default_user=by)
    matching.index_factchecks(new + changed)
    return len(new), len(changed), unchanged


# --------------------------------------------------------------------------- the formats


def import_claimreviews(payload, *, feed=None, by=None) -> dict:
    """Import ClaimReview JSON-LD (one object, a list, @graph, DataFeed or ItemList of them)."""
    parsed = []
    for index, node in enumerate(claimreview_items(payload)):
        try:
            parsed.append((index, from_claimreview(node)))
        except BadItem as exc:
            parsed.append((index, exc))
    return store(parsed, feed=feed, by=by)


def import_csv(content: str, *, by=None) -> dict:
    """Import a CSV whose header row names at least claim_reviewed and url (index 0 is the first data row)."""
    try:
        reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
        header = {(name or "").strip().lower() for name in reader.fieldnames or []}
        missing = {"claim_reviewed", "url"} - header
        if missing:
            raise ImportRefused(
                "The CSV's header row must name claim_reviewed and url (missing: " + ", ".join(sorted(missing)) + ")."
            )
        parsed = []
        for index, row in enumerate(reader):
            if index >= MAX_ITEMS:
                raise ImportRefused(f"At most {MAX_ITEMS} fact-checks can be imported at once.")
            if None in row:
                parsed.append((index, BadItem("The row has more cells than the header has columns.")))
                continue
            try:
                parsed.append((index, from_csv_row(row)))
            except BadItem as exc:
                parsed.append((index, exc))
    except csv.Error as exc:
        raise ImportRefused(f"The CSV cannot be read: {exc}.") from exc
    return store(parsed, by=by)


def _json(text: str):
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ImportRefused(f"Not valid JSON: {exc}."[:300]) from None


def import_jsonl(content: str, *, by=None) -> dict:
    """Import one ClaimReview (or container of them) per line; a line that is not JSON is that item's error."""
    parsed = []
    index = 0
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            nodes = claimreview_items(json.loads(line))
        except (ValueError, RecursionError):
            parsed.append((index, BadItem(f"Line {number} is not valid JSON.")))
            index += 1
            continue
        for node in nodes:
            try:
                parsed.append((index, from_claimreview(node)))
            except BadItem as exc:
                parsed.append((index, exc))
            index += 1
    return store(parsed, by=by)


def import_html(content: str, *, by=None) -> dict:
    """Import the ClaimReviews embedded in a saved page (its <script type="application/ld+json"> blocks)."""
    blocks = LD_JSON_RE.findall(content)
    if not blocks:
        raise ImportRefused('The page holds no JSON-LD (no <script type="application/ld+json">).')
    return import_claimreviews([_json(block) for block in blocks], by=by)


def import_text(content: str, kind: str, *, by=None) -> dict:
    """Import content of a kind: "json", "jsonl", "csv" or "html"."""
    if kind == "csv":
        return import_csv(content, by=by)
    if kind == "jsonl":
        return import_jsonl(content, by=by)
    if kind == "html":
        return import_html(content, by=by)
    return import_claimreviews(_json(content), by=by)


def kind_of(filename: str) -> str:
    name = filename.lower()
    for suffix, kind in (
        (".csv", "csv"),
        (".jsonl", "jsonl"),
        (".ndjson", "jsonl"),
        (".html", "html"),
        (".htm", "html"),
    ):
        if name.endswith(suffix):
            return kind
    return "json"


# --------------------------------------------------------------------------- using a fact-check


def add_as_evidence(claim, factcheck: FactCheck, *, by, stance: str = "context"):
    """Link a fact-check to claim as evidence (a Source of kind fact_check, reused by its URL); return it."""
    from tracker import claims, references
    from tracker.models import Source

    title = factcheck.headline or factcheck.claim_reviewed
    limit = Source._meta.get_field("title").max_length
    fields = {
        "url": factcheck.url,
        "title": title if len(title) <= limit else title[: limit - 1] + "…",
        "publisher": factcheck.publisher,
        "kind": Source.Kind.FACT_CHECK,
        "published_at": factcheck.published_at,
    }
    excerpt = factcheck.claim_reviewed
    if factcheck.rating_label:
        excerpt = f"{factcheck.claim_reviewed} — rated “{factcheck.rating_label}”"
    with transaction.atomic():
        source, _ = references.source_for(fields, by=by)
        return claims.add_evidence(claim, source=source, stance=stance, by=by, excerpt=excerpt)

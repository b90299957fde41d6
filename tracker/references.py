"""Find-or-create for the things other rows point at: outlets, claimants, sources and tags.

Every door (UI forms, API, imports, feeds, the demo loader) names these by a
name or a URL and wants "the one we have, or a new one". Two requests naming a
new one at the same moment must end with one row and two successes, never a
400 from a uniqueness check that lost the race nor a duplicate. So each lookup
runs in a transaction that first takes a lock on the name (an advisory lock on
PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers), looks
again, and creates inside a savepoint that falls back to the row a concurrent
writer committed.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models.functions import Length

from tracker.models import Claimant, Outlet, Source, Tag
from tracker.reading import anchoring


def _lock(kind: str, key: str) -> None:
    """Hold, until the transaction ends, a lock on (kind, key) that other find-or-creates wait for."""
    if connection.vendor == "postgresql":
        # A hash collision only makes two unrelated names wait for each other.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"{kind}\x00{key}".encode())])


def find_or_create(
    kind: str, key: str, find: Callable[[], models.Model | None], build: Callable[[], models.Model], by
) -> tuple[models.Model, bool]:
    existing = find()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        _lock(kind, key)
        existing = find()
        if existing is not None:
            return existing, False
        row = build()
        # Uniqueness is left to the insert: a check before it is the race this module closes.
        row.full_clean(validate_unique=False)
        row._history_user = by
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            # A writer outside these locks (e.g. POST outlets/) committed the same row.
            existing = find()
            if existing is None:
                raise
            return existing, False
    return row, True


def _clean_name(value) -> str:
    try:
        return " ".join(anchoring.normalise_text(str(value or "")).split())
    except anchoring.InvalidText as exc:
        raise ValidationError({"name": f"The name cannot be stored: {exc}"}) from exc


def outlet_named(value, *, by=None) -> Outlet | None:
    """Return the outlet named by value (a name, or a dict with name, domain, country, language).

    An existing outlet is matched case-insensitively by name and left as it is.
    """
    if value is None or isinstance(value, Outlet):
        return value
    fields = {"name": value} if isinstance(value, str) else dict(value)
    name = _clean_name(fields.get("name"))
    if not name:
        return None
    outlet, _ = find_or_create(
        "outlet",
        name.lower(),
        lambda: Outlet.objects.filter(name__iexact=name).order_by("id").first(),
        lambda: Outlet(
            name=name,
            domain=fields.get("domain") or "",
            country=(fields.get("country") or "").upper(),
            language=fields.get("language") or "",
        ),
        by,
    )
    return outlet


def claimant_named(name, description: str = "", *, kind: str | None = None, by=None) -> Claimant | None:
    """Return the claimant called name (case-insensitively; of kind when given), creating it when new."""
    name = _clean_name(name)[:200]
    if not name:
        return None

    def find():
        found = Claimant.objects.filter(name__iexact=name)
        if kind:
            found = found.filter(kind=kind)
        return found.order_by("id").first()

    def build():
        claimant = Claimant(name=name, description=(description or "").strip()[:300])
        if kind:
            claimant.kind = kind
        return claimant

    claimant, _ = find_or_create("claimant", f"{kind or ''}:{name.lower()}", find, build, by)
    return claimant


def _find_tag(name: str) -> Tag | None:
    # Compared in Python: SQLite's LIKE and lower() fold only ASCII, so
    # "НАТО" and "нато" would be two tags there. Same length first, to read few rows.
    key = name.lower()
    candidates = Tag.objects.annotate(length=Length("name")).filter(length=len(name))
    return next((tag for tag in candidates if tag.name.lower() == key), None)


def tag_named(name: str) -> Tag:
    """Return the tag called name (case-insensitively), creating it when new; name is already cleaned."""
    tag, _ = find_or_create("tag", name.lower(), lambda: _find_tag(name), lambda: Tag(name=name), None)
    return tag


def normalise_url(url: str) -> str:
    """Return url with its scheme and host lower-cased and its fragment dropped, for source reuse."""
    url = anchoring.normalise_text(url).strip()
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def source_for(fields: dict, *, by) -> tuple[Source, bool]:
    """Return (the source with fields["url"], False), or (a new one made from fields, True)."""
    try:
        url = normalise_url(fields["url"]) if fields.get("url") else None
    except anchoring.InvalidText as exc:
        raise ValidationError({"url": str(exc)}) from exc
    except ValueError as exc:  # urlsplit refuses malformed hosts such as "http://[::1"
        raise ValidationError({"url": "Enter a valid URL."}) from exc

    def build():
        return Source(**{**fields, "url": url, "created_by": by})

    if not url:
        # Nothing to find it by: every source without a URL is a new one.
        source = build()
        source.full_clean()
        source._history_user = by
        source.save()
        return source, True
    return find_or_create("source", url, lambda: Source.objects.filter(url=url).first(), build, by)

"""Importing articles: one rule for the command, the API and the import page.

A body is stored once: the same normalised text (same ``body_sha256``) or the
same URL is refused as a duplicate that names the article already stored.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tracker.models import Article, body_hash
from tracker.reading import anchoring


class DuplicateArticle(Exception):
    """The article is already stored; ``existing`` is the stored one."""

    def __init__(self, existing: Article, reason: str = "text"):
        what = "the same text" if reason == "text" else "the same URL"
        super().__init__(f"An article with {what} is already stored: “{existing.title}” (id {existing.pk}).")
        self.existing = existing
        self.reason = reason


def find_duplicate(body: str, url: str | None = None, *, exclude: int | None = None) -> tuple[Article, str] | None:
    """Return (stored article, "text" or "url") that an article would duplicate, or None.

    exclude is the id of the article being edited, which never duplicates itself.
    """
    body = anchoring.normalise_body(body)
    others = Article.objects.exclude(pk=exclude) if exclude is not None else Article.objects.all()
    if body:
        existing = others.filter(body_sha256=body_hash(body)).exclude(body="").first()
        if existing is not None:
            return existing, "text"
    if url:
        existing = others.filter(url=url).first()
        if existing is not None:
            return existing, "url"
    return None


def _normalise(fields: dict) -> dict:
    """Return fields with body and title (where given) normalised as stored; refuse an empty body."""
    fields = dict(fields)
    for name, normalise in (("body", anchoring.normalise_body), ("title", anchoring.normalise_text)):
        if name in fields:
            try:
                fields[name] = normalise(fields[name] or "").strip()
            except anchoring.InvalidText as exc:
                raise ValidationError({name: str(exc)}) from exc
    if "body" in fields and not fields["body"]:
        raise ValidationError({"body": "The article has no text."})
    return fields


def _store(article: Article, fields: dict, *, by) -> Article:
    """Validate and save article, turning a clash with a stored text or URL into DuplicateArticle."""
    exclude = article.pk
    duplicate = find_duplicate(fields.get("body", ""), fields.get("url"), exclude=exclude)
    if duplicate is not None:
        raise DuplicateArticle(*duplicate)
    article.body_sha256 = body_hash(article.body)
    article.full_clean(validate_unique=False, validate_constraints=False)
    article._history_user = by
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError:
        # Someone stored the same text or URL between our check and our write.
        duplicate = find_duplicate(fields.get("body", ""), fields.get("url"), exclude=exclude)
        if duplicate is None:
            raise
        raise DuplicateArticle(*duplicate) from None
    return article


def import_article(*, by=None, **fields) -> Article:
    """Validate and store one article from its fields; raise DuplicateArticle or ValidationError.

    Nothing is written when either is raised.
    """
    fields = _normalise({"title": "", "body": "", **fields})
    return _store(Article(created_by=by, **fields), fields, by=by)


def edit_article(article: Article, *, by=None, **changes) -> Article:
    """Apply field changes to a stored article; raise DuplicateArticle or ValidationError.

    A changed body must not duplicate another stored article; its claims'
    quotes are found again in the new text (Article.reanchor_appearances).
    """
    changes = _normalise(changes)
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        return _store(locked, changes, by=by)

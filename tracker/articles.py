"""Importing and editing articles: one rule for the command, the API, the admin and the desk's pages.

A body is stored once: the same normalised text (same ``body_sha256``) is
refused as a duplicate that names the article already stored. The same URL
with other text is a re-import: an edit of the stored article, whose quotes
are found again in the new text (tracker.reading.quotes).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tracker import roles
from tracker.errors import DeskError
from tracker.models import Article, body_hash
from tracker.reading import anchoring


class DuplicateArticle(DeskError):
    """The article is already stored; ``existing`` is the stored one (HTTP 409 with its id)."""

    status = 409

    def __init__(self, existing: Article, reason: str = "text"):
        what = "the same text" if reason == "text" else "the same URL"
        super().__init__(f"An article with {what} is already stored: “{existing.title}” (id {existing.pk}).")
        self.existing = existing
        self.reason = reason

    def payload(self) -> dict:
        return {"id": self.existing.pk, "reason": self.reason}


class ArticleEditForbidden(DeskError):
    """The user may not change this article (HTTP 403)."""

    status = 403


class StaleArticle(DeskError):
    """The article changed since the caller read it (HTTP 412); ``current`` is the article as it is now."""

    status = 412

    def __init__(self, current: Article):
        super().__init__(
            f"This article was changed by someone else (it is now at version {current.version}); "
            "look at their change and apply yours again."
        )
        self.current = current


def edit_refusal(article: Article, user) -> str | None:
    """Return why user may not edit article, or None when they may."""
    if roles.can_edit_article(user, article):
        return None
    if user is not None and getattr(user, "pk", None) is not None and article.created_by_id == user.pk:
        return "A claim logged from this article has been published: only an editor can change its text now."
    return "Only editors can change articles that someone else imported."


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


def import_or_update(*, by=None, as_system: bool = False, **fields) -> tuple[Article, bool]:
    """Import an article, or, when its URL is stored with other text, update that one; return (article, created).

    Re-importing a changed page is an edit (its quotes are re-anchored), never
    a second copy. The same text again is still a DuplicateArticle.
    """
    url = fields.get("url")
    existing = Article.objects.filter(url=url).first() if url else None
    if existing is None:
        article = import_article(by=by, **fields)
        article.quote_outcomes = []
        return article, True
    body = _normalise({"body": fields.get("body") or ""})["body"]
    if body == existing.body:
        raise DuplicateArticle(existing, reason="url")
    changes = {name: value for name, value in fields.items() if name not in ("created_by",)}
    return edit_article(existing, by=by, as_system=as_system, **changes), False


def describe_outcomes(outcomes) -> str:
    """Say in one line what an edit did to an article's quotes, e.g. "2 quotes still in place, 1 changed"."""
    if not outcomes:
        return "no quotes were logged from it"
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.state] = counts.get(outcome.state, 0) + 1
    words = {"anchored": "still in place", "moved": "moved", "changed": "changed (to confirm)", "orphaned": "orphaned"}
    parts = [f"{counts[state]} {words[state]}" for state in words if counts.get(state)]
    total = len(outcomes)
    return f"of its {total} quote{'s' if total != 1 else ''}: " + ", ".join(parts)


def edit_article(
    article: Article, *, by=None, expected_version: int | None = None, as_system: bool = False, **changes
) -> Article:
    """Apply field changes to a stored article for by; raise DuplicateArticle, ValidationError or a DeskError.

    The one door for every edit (desk UI, API PATCH, admin, re-import): checks
    the role (unless as_system, for commands acting for no person) and, when
    given, the version the caller saw (StaleArticle). A changed body must not
    duplicate another stored article; its quotes are found again in the new
    text in the same transaction, and what became of each is left in the
    returned article's ``quote_outcomes`` (empty when the text did not change).
    A change that alters nothing succeeds and keeps the version.
    """
    changes = _normalise(changes)
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        locked.quote_outcomes = []
        if not as_system:
            refusal = edit_refusal(locked, by)
            if refusal:
                raise ArticleEditForbidden(refusal)
        if expected_version is not None and locked.version != expected_version:
            raise StaleArticle(locked)
        different = {name: value for name, value in changes.items() if getattr(locked, name) != value}
        if not different:
            return locked
        for name, value in different.items():
            setattr(locked, name, value)
        locked.version += 1
        return _store(locked, different, by=by)

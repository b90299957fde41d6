"""Importing an article from its URL: fetch through the guard, extract, store through tracker.articles.

One function for the API's articles/fetch/, the desk's "Import from URL" and
feed entries, so each follows the same rules for duplicates: the same text
or an unchanged page at a stored URL is a duplicate (409); a stored URL whose
page changed is an edit of that article (its quotes are found again).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from tracker import articles, importing
from tracker.inbox import extraction, fetching
from tracker.models import Article, Outlet, body_hash
from tracker.reading.anchoring import normalise_body

ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


@dataclass
class PageImport:
    article: Article
    created: bool
    updated: bool = False


def fetch_page(url: str) -> extraction.Page:
    """Fetch url and return its article; raise FetchError (unreachable, not HTML, too large, no text)."""
    response = fetching.fetch(url, headers={"Accept": ACCEPT})
    if response.status != 200:
        raise fetching.FetchError(f"The page answered with HTTP status {response.status}, not the article.")
    if response.content_type not in extraction.HTML_TYPES:
        kind = response.content_type or "no content type"
        raise fetching.FetchError(f"The address answered with {kind}, not a web page (HTML).")
    html = extraction.decode(response.body, response.charset)
    return extraction.extract(html, response.url)


def _stored_at(urls: list[str]) -> Article | None:
    return Article.objects.filter(url__in=[u for u in urls if u]).order_by("id").first()


def import_url(url: str, *, by=None, outlet: Outlet | None = None) -> PageImport:
    """Fetch url and store its article; raise FetchError or DuplicateArticle.

    outlet (a feed's) wins over the site name the page gives.
    """
    page = fetch_page(url)
    return store_page(page, requested=url, by=by, outlet=outlet)


def store_page(page: extraction.Page, *, requested: str = "", by=None, outlet: Outlet | None = None) -> PageImport:
    """Store an extracted page as a new article, or as an edit of the article stored at its URL."""
    with transaction.atomic():
        existing = _stored_at([page.url, requested])
        if existing is not None:
            if existing.body_sha256 == body_hash(normalise_body(page.body)):
                raise articles.DuplicateArticle(existing, reason="url")
            # The same address with new text: the page was edited since it was imported. A feed's
            # worker acts for no person (by is None); a person's fetch is their edit, with their role.
            article = articles.edit_article(existing, by=by, as_system=by is None, body=page.body, title=page.title)
            return PageImport(article=article, created=False, updated=True)
        document = {
            "title": page.title,
            "body": page.body,
            "url": page.url,
            "authors": page.authors,
            "published_at": page.published_at,
            "language": page.language,
            "outlet": outlet or ({"name": page.outlet, "domain": page.domain} if page.outlet else None),
        }
        try:
            result = importing.import_document(document, by=by)
        except importing.ImportFileError as exc:
            raise extraction.NotAnArticle(f"The page's article cannot be stored: {exc}") from None
        if not result.created:
            raise articles.DuplicateArticle(result.article, reason=result.reason)
        return PageImport(article=result.article, created=True)

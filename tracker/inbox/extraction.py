"""Article text and metadata from a fetched web page, with trafilatura (DESIGN §8).

Decoding follows what browsers trust, in order: the charset the server
declared, the one the page declares in a <meta> tag, and only then a guess
by charset-normalizer, so a Windows-1251 page without a declaration still
reads as Russian rather than mojibake.
"""

from __future__ import annotations

import codecs
import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import charset_normalizer
import lxml.html
import trafilatura
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from tracker.inbox.fetching import FetchError
from tracker.models import Article, validate_language

# Fewer words than this is a menu or an error page, not an article.
MIN_WORDS = 10
HTML_TYPES = {"text/html", "application/xhtml+xml"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_TITLE_MAX = Article._meta.get_field("title").max_length
_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datePublished",
    "date",
    "dc.date",
    "dc.date.issued",
    "parsely-pub-date",
)
# Date-only values carry no time of day; noon UTC keeps the calendar date in every time zone (as importing does).
_NOON = datetime.time(12, 0, tzinfo=datetime.UTC)


class NotAnArticle(FetchError):
    """The page was fetched but holds no article the desk can store (HTTP 422)."""


@dataclass
class Page:
    title: str
    body: str
    url: str  # the canonical address when the page names one on its own site, else the address fetched
    authors: list[str] = field(default_factory=list)
    published_at: datetime.datetime | None = None
    outlet: str = ""
    domain: str = ""
    language: str = ""


def _known(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def decode(body: bytes, declared: str | None = None) -> str:
    """Return the page's text, decoded as declared (HTTP header, then <meta>), else as detected."""
    encoding = _known(declared)
    if encoding is None:
        match = _META_CHARSET.search(body[:4096])
        encoding = _known(match.group(1).decode("ascii", "replace")) if match else None
    if encoding is None:
        best = charset_normalizer.from_bytes(body).best()
        encoding = _known(best.encoding) if best is not None else None
    return body.decode(encoding or "utf-8", errors="replace")


def _meta(tree, *names: str) -> str:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            values = tree.xpath(f"//meta[@{attr}=$name]/@content", name=name)
            if values and values[0].strip():
                return values[0].strip()
    return ""


def _language(tree) -> str:
    candidates = tree.xpath("/html/@lang") + tree.xpath(
        "/html/@xml:lang", namespaces={"xml": "http://www.w3.org/XML/1998/namespace"}
    )
    candidates += [_meta(tree, "og:locale", "content-language", "language")]
    for raw in candidates:
        tag = (raw or "").strip().replace("_", "-")
        try:
            validate_language(tag)
        except ValidationError:
            continue
        return tag
    return ""


def _published(tree, fallback: str | None) -> datetime.datetime | None:
    raw = _meta(tree, *_DATE_META)
    for value in (raw, *tree.xpath("//time[@datetime][1]/@datetime")):
        try:
            parsed = parse_datetime(value.strip()) if value else None
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
    if fallback:
        try:
            return datetime.datetime.combine(datetime.date.fromisoformat(fallback[:10]), _NOON)
        except ValueError:
            return None
    return None


def _same_site(a: str, b: str) -> bool:
    def site(url: str) -> str:
        host = (urlsplit(url).hostname or "").lower()
        return host.removeprefix("www.")

    return bool(site(a)) and site(a) == site(b)


def extract(html: str, url: str) -> Page:
    """Return the article in html (fetched from url); raise NotAnArticle when there is none."""
    try:
        document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
        tree = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        document, tree = None, None
    text = (getattr(document, "text", None) or "").strip() if document is not None else ""
    if not text or tree is None:
        raise NotAnArticle("The page holds no article text that could be extracted.")
    title = " ".join((document.title or "").split())[:_TITLE_MAX]
    lines = text.split("\n")
    if title and lines and " ".join(lines[0].split()) == title:
        # Extractors keep the headline as the first line of the text; the desk keeps it as the title.
        text = "\n".join(lines[1:]).strip()
    if len(text.split()) < MIN_WORDS:
        raise NotAnArticle(f"The page holds no article text (fewer than {MIN_WORDS} words could be extracted).")
    canonical = document.url or ""
    if not (canonical.startswith(("http://", "https://")) and _same_site(canonical, url)):
        canonical = url
    authors = [" ".join(name.split())[:200] for name in re.split(r";|\|", document.author or "") if name.strip()]
    hostname = (urlsplit(url).hostname or "").lower()
    return Page(
        title=title or hostname,
        body=text,
        url=canonical[:2000],
        authors=authors[:50],
        published_at=_published(tree, document.date),
        outlet=" ".join((document.sitename or "").split())[:200],
        domain=hostname.removeprefix("www."),
        language=_language(tree),
    )

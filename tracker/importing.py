"""Reading article files (.txt and .json) for the import command and the web UI's import page.

Parsing turns the bytes of one file into article fields, refusing anything
malformed with an ImportFileError whose message is meant for the person who
chose the file. Storing goes through tracker.articles.import_article (one rule
for duplicates and validation), one transaction per file: a file either
imports completely or leaves nothing behind. Many files at once (the import
command) go through import_many: the same rules, checked for a whole batch
with one query and written with one bulk insert of articles and history.
"""

from __future__ import annotations

import codecs
import datetime
import json
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tracker import articles, copying, references
from tracker.errors import DeskError
from tracker.models import Article, Outlet, body_hash, http_url_validator, validate_language
from tracker.reading import anchoring

# A news article is a few dozen kilobytes; a file this large is not one.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DOCUMENTS_PER_FILE = 1000
SUPPORTED_SUFFIXES = (".txt", ".json")

# Date-only values carry no time of day; noon UTC keeps the calendar date the
# same in every time zone from UTC-11 to UTC+11, wherever the desk reads it.
DATE_ONLY_TIME = datetime.time(12, 0, tzinfo=datetime.UTC)

ARTICLE_FIELDS = (
    "title",
    "body",
    "url",
    "authors",
    "published_at",
    "language",
    "outlet",
    "translation_of",
    "republished_from",
)
OUTLET_FIELDS = ("name", "domain", "country", "language")
_TITLE_MAX = Article._meta.get_field("title").max_length
_URL_MAX = Article._meta.get_field("url").max_length
_AUTHOR_MAX = 200
_BIGINT_MAX = 2**63 - 1


class ImportFileError(DeskError, ValueError):
    """A file that cannot be imported; the message says what is wrong with it (HTTP 400 on ``file``)."""

    status = 400
    field = "file"

    def __init__(self, message: str, *, name: str = ""):
        super().__init__(message)
        self.name = name


# ---------------------------------------------------------------- parsing


def _check_size(data: bytes | str, name: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"The file is {len(data) / (1024 * 1024):.1f} MB; an article file may be at most "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB.",
            name=name,
        )


def _decode(data: bytes | str, name: str) -> str:
    """Return data as normalised text, refusing non-UTF-8, NUL bytes and empty files."""
    _check_size(data, name)
    if isinstance(data, bytes):
        if b"\x00" in data:
            raise ImportFileError(
                "The file contains NUL bytes: it looks like a binary file (a PDF or a word-processor "
                "document?), not plain text. Save the article as UTF-8 plain text.",
                name=name,
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"The file is not UTF-8 text (byte {exc.start} cannot be decoded). "
                "Save it as UTF-8 plain text and import it again.",
                name=name,
            ) from None
    elif isinstance(data, str):
        text = data
    else:
        raise TypeError("data must be bytes or str")
    if "\x00" in text:
        raise ImportFileError("The text contains NUL characters, which cannot be stored.", name=name)
    try:
        text = anchoring.normalise_text(text)
    except anchoring.InvalidText as exc:
        raise ImportFileError(str(exc), name=name) from None
    if not text.strip():
        raise ImportFileError("The file is empty.", name=name)
    return text


# Encodings a desk is offered to override detection with (Python codec name, label).
TEXT_ENCODINGS = [
    ("utf-8", "UTF-8"),
    ("cp1251", "Windows-1251 (Cyrillic)"),
    ("koi8-r", "KOI8-R (Russian)"),
    ("koi8-u", "KOI8-U (Ukrainian)"),
    ("cp866", "CP866 (DOS Cyrillic)"),
    ("iso8859-5", "ISO-8859-5 (Cyrillic)"),
    ("mac-cyrillic", "Mac Cyrillic"),
    ("cp1252", "Windows-1252 (Western)"),
    ("iso8859-2", "ISO-8859-2 (Central European)"),
    ("utf-16", "UTF-16"),
]
ENCODING_LABELS = dict(TEXT_ENCODINGS)


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # Python's codec name
    detected: bool  # guessed from the bytes, not UTF-8 and not chosen by the user

    @property
    def label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)


def decode_text_file(data: bytes, *, name: str = "", encoding: str = "") -> DecodedText:
    """Decode an uploaded text file: as encoding when given, else as UTF-8, else as the encoding detected.

    Desks receive copy in the legacy encodings of their languages (Windows-1251
    at Russian-language desks); charset-normalizer guesses which one, and the
    person is told, so they can choose another when the guess is wrong.
    """
    _check_size(data, name)
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise ImportFileError(f"“{encoding}” is not an encoding this desk knows.", name=name) from None
        try:
            return DecodedText(data.decode(codec), codec, detected=False)
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"The file cannot be read as {ENCODING_LABELS.get(codec, codec)} (byte {exc.start} does not fit): "
                "choose another encoding, or leave it to detection.",
                name=name,
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return DecodedText(data.decode("utf-16"), "utf-16", detected=True)
        except UnicodeDecodeError:
            raise ImportFileError("The file starts like UTF-16 text but is not.", name=name) from None
    try:
        return DecodedText(data.decode("utf-8"), "utf-8", detected=False)
    except UnicodeDecodeError as exc:
        failure = exc
    if b"\x00" not in data:
        best = _likeliest(charset_normalizer.from_bytes(data))
        if best is not None:
            return DecodedText(str(best), codecs.lookup(best.encoding).name, detected=True)
    raise ImportFileError(
        f"The file is not text in any encoding the desk recognises (byte {failure.start} is not UTF-8). "
        "Choose its encoding, or save it as UTF-8 plain text.",
        name=name,
    )


def _likeliest(matches):
    """Return the detected decoding to use: among those about as good as the best, the encoding desks use most.

    On short texts charset-normalizer can rank a rare code page first by a
    hair (Mac Cyrillic before Windows-1251, reading “К” as a no-break space).
    """
    matches = [m for m in matches if m.encoding]
    if not matches:
        return None
    best = matches[0]
    close = [m for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.1]
    preferred = [codec for codec, _ in TEXT_ENCODINGS]

    def rank(match) -> int:
        codec = codecs.lookup(match.encoding).name
        return preferred.index(codec) if codec in preferred else len(preferred)

    return min(close, key=rank)


def parse_text_document(data: bytes | str, *, name: str = "") -> dict:
    """Return {"title", "body"} from a plain-text article: the first non-empty line is the title.

    Bytes are decoded by decode_text_file (UTF-8, else the encoding detected).
    Raise ImportFileError for a file that is not text, holds NUL bytes,
    is empty, or has a title and no text.
    """
    if isinstance(data, bytes) and b"\x00" not in data:
        data = decode_text_file(data, name=name).text
    text = _decode(data, name)
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line.strip())
    title = " ".join(lines[index].split())
    if len(title) > _TITLE_MAX:
        raise ImportFileError(
            f"The first line, taken as the title, is {len(title)} characters long (at most {_TITLE_MAX}). "
            "Put the headline alone on the first line.",
            name=name,
        )
    # The text is normalised already (_decode), and what follows a newline in it too: only a byte-order mark
    # starting the body and the blank space around it are left to drop (what normalise_body would do to it).
    body = "\n".join(lines[index + 1 :]).removeprefix("\ufeff").strip()
    if not body:
        raise ImportFileError(
            "The file has only a title line and no article text below it.",
            name=name,
        )
    return {"title": title, "body": body}


class _TooBig(ValueError):
    pass


def _parse_int(digits: str) -> int:
    # Python refuses integers past 4,300 digits with a ValueError of its own;
    # no id or field here needs more than 19, so refuse early and clearly.
    if len(digits.lstrip("-")) > 19:
        raise _TooBig(digits)
    return int(digits)


def _refuse_constant(value: str):
    raise ValueError(f"{value} is not valid JSON")


def parse_json_document(data: bytes | str, *, name: str = "") -> list[dict]:
    """Return the articles of a JSON file (one object, or a list of objects) as validated fields.

    Each object has the Article fields of DESIGN §1: ``title`` and ``body``
    (required), ``url``, ``authors`` (a list of names), ``published_at`` (ISO
    8601), ``language`` (BCP 47), ``outlet`` (a name or {"name", "domain",
    "country", "language"}), and ``translation_of`` / ``republished_from``
    (the id or URL of a stored article, or of one earlier in the same file).
    Raise ImportFileError naming the article and field that is wrong.
    """
    text = _decode(data, name)
    try:
        payload = json.loads(text, parse_int=_parse_int, parse_constant=_refuse_constant)
    except _TooBig:
        raise ImportFileError(
            "The file holds a number too large to be an id or the value of any field.", name=name
        ) from None
    except RecursionError:
        raise ImportFileError("The JSON is nested too deeply to be an article file.", name=name) from None
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"The file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).", name=name
        ) from None
    except ValueError as exc:
        raise ImportFileError(f"The file is not valid JSON: {exc}.", name=name) from None
    if isinstance(payload, dict):
        items = [payload]
    elif isinstance(payload, list):
        items = payload
    else:
        raise ImportFileError(
            f"The file must hold one article (a JSON object) or a list of articles; it holds a {_json_type(payload)}.",
            name=name,
        )
    if not items:
        raise ImportFileError("The file holds an empty list: there is no article to import.", name=name)
    if len(items) > MAX_DOCUMENTS_PER_FILE:
        raise ImportFileError(
            f"The file holds {len(items)} articles; import at most {MAX_DOCUMENTS_PER_FILE} per file.", name=name
        )
    documents = []
    for position, item in enumerate(items, start=1):
        where = f"Article {position}" if len(items) > 1 else "The article"
        try:
            documents.append(_validate_document(item))
        except _FieldError as exc:
            field = f" ({exc.field})" if exc.field else ""
            raise ImportFileError(f"{where}{field}: {exc.message}", name=name) from None
    return documents


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


class _FieldError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _text(value, field: str, *, required: bool = False, max_length: int | None = None) -> str:
    if value is None:
        if required:
            raise _FieldError(field, "is required and may not be empty.")
        return ""
    if not isinstance(value, str):
        raise _FieldError(field, f"must be a string, not a {_json_type(value)}.")
    if "\x00" in value:
        raise _FieldError(field, "contains a NUL character, which cannot be stored.")
    try:
        value = anchoring.normalise_text(value)
    except anchoring.InvalidText as exc:
        raise _FieldError(field, str(exc)) from None
    if required and not value.strip():
        raise _FieldError(field, "is required and may not be empty.")
    if max_length is not None and len(value.strip()) > max_length:
        raise _FieldError(field, f"may be at most {max_length} characters (it has {len(value.strip())}).")
    return value


def _url(value, field: str) -> str | None:
    url = _text(value, field, max_length=_URL_MAX).strip()
    if not url:
        return None
    try:
        http_url_validator(url)
    except ValidationError:
        raise _FieldError(field, f"“{url[:80]}” is not an http:// or https:// address.") from None
    return url


def _datetime(value, field: str) -> datetime.datetime | None:
    raw = _text(value, field).strip()
    if not raw:
        return None
    problem = (
        f"“{raw[:40]}” is not an ISO 8601 date or date and time, such as 2024-01-03 or 2024-10-03T16:34:00+03:00."
    )
    try:
        if len(raw) == 10:
            return datetime.datetime.combine(datetime.date.fromisoformat(raw), DATE_ONLY_TIME)
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        raise _FieldError(field, problem) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _authors(value, field: str = "authors") -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        raise _FieldError(field, 'must be a list of names, such as ["Isobel Koshiw", "Ellen Francis"].')
    if not isinstance(value, list):
        raise _FieldError(field, f"must be a list of names, not a {_json_type(value)}.")
    names = []
    for position, raw in enumerate(value, start=1):
        name = " ".join(_text(raw, f"{field}[{position}]", required=True).split())
        if len(name) > _AUTHOR_MAX:
            raise _FieldError(f"{field}[{position}]", f"may be at most {_AUTHOR_MAX} characters.")
        names.append(name)
    return names


def _language(value, field: str) -> str:
    tag = _text(value, field, max_length=35).strip()
    if not tag:
        return ""
    try:
        validate_language(tag)
    except ValidationError:
        raise _FieldError(field, f"“{tag}” is not a BCP 47 language tag such as en, ru or pt-BR.") from None
    return tag


def _outlet(value, field: str = "outlet") -> dict | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise _FieldError(field, f"must be an outlet's name or an object with {', '.join(OUTLET_FIELDS)}.")
    unknown = sorted(set(value) - set(OUTLET_FIELDS))
    if unknown:
        raise _FieldError(
            field, f"has unknown field(s) {', '.join(map(repr, unknown))}; use {', '.join(OUTLET_FIELDS)}."
        )
    name = " ".join(_text(value.get("name"), f"{field}.name", required=True, max_length=200).split())
    country = _text(value.get("country"), f"{field}.country", max_length=35).strip().upper()
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise _FieldError(f"{field}.country", f"“{country}” is not a two-letter ISO 3166 country code such as US.")
    return {
        "name": name,
        "domain": _text(value.get("domain"), f"{field}.domain", max_length=253).strip().lower(),
        "country": country,
        "language": _language(value.get("language"), f"{field}.language"),
    }


def _reference(value, field: str) -> int | str | None:
    """Return an article reference: an id (int) or a URL (str)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _FieldError(field, "must be the id or the URL of a stored article.")
    if isinstance(value, int):
        if not 1 <= value <= _BIGINT_MAX:
            raise _FieldError(field, f"{value} is not an article id.")
        return value
    if value.strip().isdigit() and len(value.strip()) <= 19:
        return int(value.strip())
    return _url(value, field)


def _validate_document(item) -> dict:
    if not isinstance(item, dict):
        raise _FieldError("", f"must be a JSON object with the article's fields, not a {_json_type(item)}.")
    unknown = sorted(set(item) - set(ARTICLE_FIELDS))
    if unknown:
        raise _FieldError(
            "",
            f"unknown field(s) {', '.join(map(repr, unknown))}. Article files may hold {', '.join(ARTICLE_FIELDS)}.",
        )
    document = {
        "title": " ".join(_text(item.get("title"), "title", required=True, max_length=_TITLE_MAX).split()),
        "body": anchoring.normalise_body(_text(item.get("body"), "body", required=True)),
    }
    if not document["body"]:
        raise _FieldError("body", "is required and may not be empty.")
    if "url" in item:
        document["url"] = _url(item["url"], "url")
    if "authors" in item:
        document["authors"] = _authors(item["authors"])
    if "published_at" in item:
        document["published_at"] = _datetime(item["published_at"], "published_at")
    if "language" in item:
        language = _language(item["language"], "language")
        if language:
            document["language"] = language
    if "outlet" in item:
        document["outlet"] = _outlet(item["outlet"])
    for field in ("translation_of", "republished_from"):
        if field in item:
            document[field] = _reference(item[field], field)
    return {key: value for key, value in document.items() if value is not None}


def parse_file(data: bytes, *, name: str) -> list[dict]:
    """Return the documents in a file, chosen by its suffix (.txt or .json)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".txt":
        return [parse_text_document(data, name=name)]
    if suffix == ".json":
        return parse_json_document(data, name=name)
    raise ImportFileError(f"“{suffix or name}” files cannot be imported; use .txt or .json.", name=name)


def read_file(path: Path) -> bytes:
    """Return the bytes of path, refusing files too large to be an article before reading them."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFileError(
                f"The file is {size / (1024 * 1024):.1f} MB; an article file may be at most "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MB.",
                name=name,
            )
        return path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"The file cannot be read: {exc.strerror or exc}.", name=name) from None


# ---------------------------------------------------------------- storing


@dataclass
class Imported:
    """What became of one document: a new article, or the stored one it duplicates."""

    article: Article
    created: bool
    reason: str = ""  # "text" or "url" for a duplicate
    updated: bool = False  # the URL was stored with other text: the stored article was edited

    def describe(self) -> str:
        if self.created:
            return f"imported as article {self.article.pk}: “{self.article.title}”"
        if self.updated:
            return (
                f"updated article {self.article.pk} (“{self.article.title}”), stored under the same URL with "
                f"other text; {articles.describe_outcomes(getattr(self.article, 'quote_outcomes', []))}"
            )
        if self.reason == "url":
            return (
                f"skipped: an article with the same URL is already stored as article {self.article.pk} "
                f"(“{self.article.title}”)"
            )
        return f"skipped: already stored as article {self.article.pk} (“{self.article.title}”)"


def _resolve_article(reference, field: str) -> Article:
    if isinstance(reference, Article):
        return reference
    if isinstance(reference, int):
        article = Article.objects.filter(pk=reference).first()
        what = f"id {reference}"
    else:
        article = Article.objects.filter(url=reference).first()
        what = f"URL {reference}"
    if article is None:
        raise ImportFileError(f"{field}: there is no stored article with {what}; import that article first.")
    return article


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


def import_document(document: dict, *, by=None, defaults: dict | None = None) -> Imported:
    """Store one parsed document through import_or_update, resolving its outlet and linked articles.

    ``defaults`` (outlet, language, url, ...) fill fields the document leaves
    unset. A duplicate is not an error: the stored article is returned with
    created=False; a URL stored with other text updates that article
    (updated=True, its quotes re-anchored). Raise ImportFileError for anything
    else that is refused.
    """
    fields = {**(defaults or {}), **{k: v for k, v in document.items() if v not in (None, "", [])}}
    if "outlet" in fields:
        try:
            fields["outlet"] = references.outlet_named(fields["outlet"], by=by)
        except ValidationError as exc:
            raise ImportFileError(f"outlet: {_validation_message(exc)}") from None
    for field in ("translation_of", "republished_from"):
        if fields.get(field) is not None:
            fields[field] = _resolve_article(fields[field], field)
    try:
        # A command acts for no person (by=None): it may update what it imported before.
        article, created = articles.import_or_update(by=by, as_system=by is None, **fields)
    except articles.DuplicateArticle as exc:
        return Imported(article=exc.existing, created=False, reason=exc.reason)
    except ValidationError as exc:
        raise ImportFileError(_validation_message(exc)) from None
    except DeskError as exc:
        raise ImportFileError(str(exc)) from None
    return Imported(article=article, created=created, updated=not created)


def import_documents(
    documents: list[dict], *, by=None, defaults: dict | None = None, name: str = ""
) -> list[Imported]:
    """Store the documents of one file, all or nothing; raise ImportFileError naming the one refused."""
    results = []
    with transaction.atomic():
        for position, document in enumerate(documents, start=1):
            try:
                results.append(import_document(document, by=by, defaults=defaults))
            except ImportFileError as exc:
                where = f"Article {position}: " if len(documents) > 1 else ""
                raise ImportFileError(f"{where}{exc}", name=name) from None
    return results


def import_path(path: Path, *, by=None, defaults: dict | None = None) -> list[Imported]:
    """Read, parse and store one .txt or .json file, all or nothing."""
    name = str(path)
    documents = parse_file(read_file(path), name=name)
    if defaults and defaults.get("url") and len(documents) > 1:
        raise ImportFileError("--url names one article, but the file holds several.", name=name)
    return import_documents(documents, by=by, defaults=defaults, name=name)


def expand_paths(paths: list[str]) -> list[tuple[Path, str | None]]:
    """Return (file, problem or None) for each argument, a directory standing for its .txt/.json files."""
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            try:
                files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            except OSError as exc:
                found.append((path, f"the directory cannot be read: {exc.strerror or exc}."))
                continue
            if not files:
                found.append((path, "the directory holds no .txt or .json files."))
            found.extend((file, None) for file in files)
        elif not path.exists():
            found.append((path, "no such file or directory."))
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            found.append((path, f"“{path.suffix or path.name}” files cannot be imported; use .txt or .json."))
        else:
            found.append((path, None))
    return found


# ---------------------------------------------------------------- many files at once

IMPORT_BATCH_SIZE = 1000
UNCHECKED_ON_IMPORT = ["outlet", "created_by", "created_at", "updated_at", "version"]


def _simple(documents: list[dict]) -> bool:
    # Links to other articles need lookups in file order; those files take the one-by-one path.
    return not any(
        document.get(field) is not None for document in documents for field in ("translation_of", "republished_from")
    )


class _Batch:
    """Parsed files waiting to be stored together: new articles in one bulk insert, with their history."""

    def __init__(self, *, by, defaults: dict | None, outlets: dict):
        self.by = by
        self.defaults = defaults or {}
        self.outlets = outlets  # lowercased name -> Outlet, kept for the whole run
        self.files: list[tuple[Path, list[dict]]] = []

    def __len__(self) -> int:
        return len(self.files)

    def add(self, path: Path, documents: list[dict]) -> None:
        self.files.append((path, documents))

    @staticmethod
    def _key(value) -> str:
        return references._clean_name(value if isinstance(value, str) else dict(value).get("name")).lower()

    def _cached(self, value) -> bool:
        return value is None or isinstance(value, Outlet) or self._key(value) in self.outlets

    def _outlet(self, value):
        if value is None or isinstance(value, Outlet):
            return value
        key = self._key(value)
        if key not in self.outlets:
            self.outlets[key] = references.outlet_named(value, by=self.by)
        return self.outlets[key]

    def _prepare(self, path: Path, documents: list[dict]) -> list[Article]:
        """Return the unsaved articles of one file, validated; raise ImportFileError as import_documents would."""
        prepared, outlets = [], []
        for position, document in enumerate(documents, start=1):
            where = f"Article {position}: " if len(documents) > 1 else ""
            fields = {**self.defaults, **{k: v for k, v in document.items() if v not in (None, "", [])}}
            outlets.append((where, fields.pop("outlet", None)))
            try:
                fields = articles._normalise({"title": "", "body": "", **fields})
                article = Article(created_by=self.by, **fields)
                if article.url == "":
                    article.url = None
                article.body_sha256 = body_hash(article.body)
                # The outlet is found or created below, once per name per run; validating it would query per file.
                # What no file gives (the importing user, in hand, and the model's own defaults) is not validated.
                article.full_clean(exclude=UNCHECKED_ON_IMPORT, validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                raise ImportFileError(f"{where}{_validation_message(exc)}", name=str(path)) from None
            prepared.append(article)
        if all(self._cached(value) for _, value in outlets):
            for article, (_, value) in zip(prepared, outlets, strict=True):
                article.outlet = self._outlet(value)
            return prepared
        # Outlets a refused file created are rolled back with it, and forgotten by the cache.
        known = dict(self.outlets)
        try:
            with transaction.atomic():
                for article, (where, value) in zip(prepared, outlets, strict=True):
                    try:
                        article.outlet = self._outlet(value)
                    except ValidationError as exc:
                        raise ImportFileError(f"{where}outlet: {_validation_message(exc)}", name=str(path)) from None
        except ImportFileError:
            self.outlets.clear()
            self.outlets.update(known)
            raise
        return prepared

    def flush(self) -> list[tuple[Path, list[Imported] | ImportFileError]]:
        """Store the batch; return each file's results (or the error refusing it) in file order."""
        files, self.files = self.files, []
        if not files:
            return []
        outcome: dict[int, list[Imported] | ImportFileError] = {}
        prepared: dict[int, list[Article]] = {}
        for index, (path, documents) in enumerate(files):
            try:
                prepared[index] = self._prepare(path, documents)
            except ImportFileError as exc:
                outcome[index] = exc
        hashes = {a.body_sha256 for group in prepared.values() for a in group}
        urls = {a.url for group in prepared.values() for a in group if a.url}
        stored = Article.objects.filter((Q(body_sha256__in=hashes) & ~Q(body="")) | Q(url__in=urls))
        by_hash, by_url = {}, {}
        for article in stored:
            by_hash.setdefault(article.body_sha256, article)
            if article.url:
                by_url[article.url] = article
        new: list[Article] = []
        plans: dict[int, list[tuple[str, Article]]] = {}
        slow: list[int] = []
        for index, group in prepared.items():
            plan, claimed_hashes, claimed_urls = [], {}, {}
            for article in group:
                if article.body_sha256 in by_hash or article.body_sha256 in claimed_hashes:
                    plan.append(("text", by_hash.get(article.body_sha256) or claimed_hashes[article.body_sha256]))
                elif article.url and (article.url in by_url or article.url in claimed_urls):
                    existing = by_url.get(article.url) or claimed_urls[article.url]
                    if existing.body == article.body:
                        plan.append(("url", existing))
                    else:
                        # The same URL with other text is an edit that re-anchors quotes: the one-by-one path.
                        plan = None
                        break
                else:
                    plan.append(("new", article))
                    claimed_hashes[article.body_sha256] = article
                    if article.url:
                        claimed_urls[article.url] = article
            if plan is None:
                slow.append(index)
                continue
            plans[index] = plan
            for kind, article in plan:
                if kind == "new":
                    by_hash[article.body_sha256] = article
                    if article.url:
                        by_url[article.url] = article
                    new.append(article)
        try:
            with transaction.atomic():
                copying.create_with_history(new, Article, default_user=self.by)
        except IntegrityError:
            # Another writer stored one of these texts or URLs meanwhile: store this batch file by file.
            return [(path, self._one_by_one(path, documents)) for path, documents in files]
        for index, plan in plans.items():
            outcome[index] = [
                Imported(article=article, created=kind == "new", reason="" if kind == "new" else kind)
                for kind, article in plan
            ]
        for index in slow:
            outcome[index] = self._one_by_one(*files[index])
        return [(path, outcome[index]) for index, (path, _) in enumerate(files)]

    def _one_by_one(self, path: Path, documents: list[dict]) -> list[Imported] | ImportFileError:
        try:
            return import_documents(documents, by=self.by, defaults=self.defaults, name=str(path))
        except ImportFileError as exc:
            return exc


def import_many(found, *, by=None, defaults: dict | None = None, batch_size: int | None = None):
    """Yield (path, list of Imported, or the ImportFileError refusing the file) for each (path, problem) of found.

    Files are read and parsed first, then stored batch_size at a time: one
    query finds what is already stored, one transaction inserts the new
    articles and their history rows together. Files that link to other
    articles, and URLs stored with other text, go through import_documents
    one by one, in their place in the order. Results come in file order.
    """
    batch_size = batch_size or IMPORT_BATCH_SIZE  # read here, so a test may change it
    batch = _Batch(by=by, defaults=defaults, outlets={})
    for path, problem in found:
        try:
            if problem:
                raise ImportFileError(problem, name=str(path))
            name = str(path)
            documents = parse_file(read_file(path), name=name)
            if defaults and defaults.get("url") and len(documents) > 1:
                raise ImportFileError("--url names one article, but the file holds several.", name=name)
        except ImportFileError as exc:
            yield from batch.flush()
            yield path, exc
            continue
        if _simple(documents):
            batch.add(path, documents)
            if len(batch) >= batch_size:
                yield from batch.flush()
        else:
            yield from batch.flush()
            yield path, batch._one_by_one(path, documents)
    yield from batch.flush()

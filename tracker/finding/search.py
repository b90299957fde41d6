"""Searching claims (DESIGN §6): every word, any order, stems, "phrases" and -exclusions, on both databases.

Each claim keeps a search document (``Claim.search_document``): the stems of
its text, verdict, claimant, tags and every quote, each stemmed in its own
language (tracker.finding.text). PostgreSQL indexes it as a generated
``tsvector`` column with a GIN index (migration 0010), which sits on the claim
row itself so the planner can walk the queue's date index and stop at one
page for a common word, or take the few matches of a rare one from the GIN
index; SQLite keeps an FTS5 table beside the claims, written here whenever a
document changes. Queries are parsed once, here, and written out for each
engine, so both find the same claims.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Prefetch
from django.db.models.expressions import RawSQL

from tracker.finding import text as words_of
from tracker.models import Appearance, Claim

FTS_TABLE = "tracker_claim_fts"
# Longest query that is parsed; longer ones are cut (the API's filter already refuses past 200 characters).
MAX_QUERY = 500
MAX_TERMS = 32
TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


# --------------------------------------------------------------------------- documents


def claim_language(claim: Claim, appearances: list[Appearance]) -> str:
    """Return the language the desk worded the claim in: its first appearance's article's."""
    if not appearances:
        return "en"
    first = min(appearances, key=Appearance.chronological_key)
    return first.article.language or "en"


def document_for(claim: Claim, appearances: list[Appearance], tags: Iterable[str]) -> str:
    """Return the search document of claim: the stems of everything a search should find it by."""
    language = claim_language(claim, appearances)
    parts = [
        words_of.stems(claim.text, language),
        words_of.stems(claim.verdict_summary, language),
        words_of.stems(claim.verdict_explanation, language),
    ]
    if claim.claimant_id is not None:
        parts.append(words_of.stems(claim.claimant.name, language))
    for tag in tags:
        parts.append(words_of.stems(tag, language))
    for appearance in appearances:
        article_language = appearance.article.language or language
        parts.append(words_of.stems(appearance.quote, article_language))
        parts.append(words_of.stems(appearance.attribution, article_language))
    return " ".join(" ".join(part) for part in parts if part)


# What a claim's search document is made of besides its appearances (document_for).
SEARCHED_CLAIM_FIELDS = frozenset({"text", "verdict_summary", "verdict_explanation", "claimant", "tags"})


def _claims_with_parts(ids):
    appearances = Appearance.objects.select_related("article").only(
        "claim_id", "quote", "attribution", "start", "article__language", "article__published_at"
    )
    return (
        Claim.all_objects.filter(pk__in=ids)
        .select_related("claimant")
        .prefetch_related("tags", Prefetch("appearances", queryset=appearances))
    )


def _document_of_prefetched(claim: Claim) -> str:
    return document_for(claim, list(claim.appearances.all()), [tag.name for tag in claim.tags.all()])


def refresh(claim_ids: Iterable[int]) -> int:
    """Rewrite the search documents of these claims where they changed; return how many changed."""
    ids = sorted({int(pk) for pk in claim_ids if pk is not None})
    changed = {}
    for start in range(0, len(ids), 500):
        for claim in _claims_with_parts(ids[start : start + 500]):
            document = _document_of_prefetched(claim)
            if document != claim.search_document:
                changed[claim.pk] = document
    store(changed)
    return len(changed)


def refresh_from(claim: Claim, appearances: list[Appearance], tags: Iterable[str]) -> bool:
    """Rewrite claim's search document from its parts in hand (no reads) when it changed; return whether it did.

    For a write that has the claim, its tags and its appearances (with their articles) in hand already.
    """
    document = document_for(claim, appearances, tags)
    if document == claim.search_document:
        return False
    claim.search_document = document
    store({claim.pk: document})
    return True


def store(documents: dict[int, str]) -> None:
    """Write documents ({claim id: document}) to the claims and, on SQLite, to the FTS5 table."""
    if not documents:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Claim._meta.db_table} SET search_document = %s WHERE id = %s",  # noqa: S608 (a model's table)
            [(document, pk) for pk, document in documents.items()],
        )
    if connection.vendor == "sqlite":
        _fts_write(documents)


def stored_with_row(documents: dict[int, str]) -> None:
    """Index documents already written with their claims' rows (PostgreSQL indexes the column itself)."""
    if connection.vendor == "sqlite" and documents:
        _fts_write(documents)


def _fts_write(documents: dict[int, str]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk in documents])  # noqa: S608
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, document) VALUES (%s, %s)",  # noqa: S608
            [(pk, document) for pk, document in documents.items() if document],
        )


def forget(claim_ids: Iterable[int]) -> None:
    """Drop deleted claims from the SQLite FTS5 table (PostgreSQL's column goes with the row)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk in claim_ids])  # noqa: S608


def rebuild(*, batch: int = 1000, progress=None) -> int:
    """Recompute every claim's search document (after changes made behind the domain's back); return the count."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
    done = 0
    last = 0
    while True:
        ids = list(Claim.all_objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return done
        documents = {}
        for claim in _claims_with_parts(ids):
            documents[claim.pk] = document_for(
                claim, list(claim.appearances.all()), [t.name for t in claim.tags.all()]
            )
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {Claim._meta.db_table} SET search_document = %s WHERE id = %s",  # noqa: S608
                [(document, pk) for pk, document in documents.items()],
            )
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {FTS_TABLE} (rowid, document) VALUES (%s, %s)",  # noqa: S608
                    [(pk, document) for pk, document in documents.items() if document],
                )
        done += len(ids)
        last = ids[-1]
        if progress is not None:
            progress(done)


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Term:
    """One word or phrase of a query: each alternative is a sequence of stems (several for a phrase)."""

    alternatives: tuple[tuple[str, ...], ...]
    negated: bool = False


def _phrase_alternatives(raw_words: list[str]) -> tuple[tuple[str, ...], ...]:
    if len(raw_words) == 1:
        return tuple((variant,) for variant in words_of.query_variants(raw_words[0]))
    # A phrase is stemmed in one language at a time: its words come from one text.
    found = [tuple(raw_words)]
    for language in words_of.query_languages():
        variant = tuple(words_of.stem(word, language) for word in raw_words)
        if variant not in found:
            found.append(variant)
    return tuple(found)


def parse(value: str) -> list[Term]:
    """Return the terms of a search box's value: words, "phrases", and either negated with a leading -."""
    terms = []
    for match in TOKEN_RE.finditer((value or "")[:MAX_QUERY]):
        if match.group(2) is not None:
            negated, raw = match.group(1) == "-", match.group(2)
        else:
            negated, raw = match.group(3) == "-", match.group(4)
        found = words_of.words(raw)
        if not found:
            continue
        # A quoted phrase, or a word that splits into several ("mid-range", "U.S."): its words in order.
        terms.append(Term(_phrase_alternatives(found), negated))
        if len(terms) >= MAX_TERMS:
            break
    return terms


def _tsquery_term(term: Term) -> str:
    options = [" <-> ".join(f"'{stem}'" for stem in alternative) for alternative in term.alternatives]
    inner = " | ".join(f"({option})" for option in options)
    return f"!({inner})" if term.negated else f"({inner})"


def to_tsquery(terms: list[Term]) -> str:
    """Write terms as a PostgreSQL tsquery for the "simple" configuration (the stems are already made)."""
    return " & ".join(_tsquery_term(term) for term in terms)


def _fts5_term(term: Term) -> str:
    options = ['"' + " ".join(alternative) + '"' for alternative in term.alternatives]
    return options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")"


def to_fts5(terms: list[Term]) -> str:
    """Write the positive terms as an FTS5 query, the negated ones after NOT (FTS5's NOT needs a left side)."""
    positive = [_fts5_term(term) for term in terms if not term.negated]
    negative = [_fts5_term(term) for term in terms if term.negated]
    query = " AND ".join(positive)
    if negative:
        query = f"({query}) NOT ({' OR '.join(negative)})"
    return query


def search_claims(queryset, value: str):
    """Return the claims of queryset that match every term of value (see the module's docstring)."""
    terms = parse(value)
    if not terms:
        return queryset if not (value or "").strip() else queryset.none()
    if connection.vendor == "postgresql":
        tsquery = to_tsquery(terms)
        candidates = _rare_matches(terms, tsquery)
        if candidates is not None:
            # One array parameter, however many ids; the planner reads them by primary key.
            by_id = RawSQL(f"{Claim._meta.db_table}.id = ANY(%s)", [candidates], output_field=BooleanField())  # noqa: S611
            return queryset.filter(by_id)
        # The query is a bound parameter; only the model's own table name is written into the SQL.
        condition = RawSQL(  # noqa: S611
            f"{Claim._meta.db_table}.search_vector @@ to_tsquery('simple', %s)",
            [tsquery],
            output_field=BooleanField(),
        )
        return queryset.filter(condition)
    positive = [term for term in terms if not term.negated]
    if not positive:
        # Only exclusions: FTS5 cannot answer "not X" alone, so leave out the claims that have X.
        matching = RawSQL(  # noqa: S611
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
            [_any_of(terms)],
        )
        return queryset.exclude(pk__in=matching)
    matching = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [to_fts5(terms)])  # noqa: S608, S611
    return queryset.filter(pk__in=matching)


# --------------------------------------------------------------------------- rare words on PostgreSQL
#
# A list of matches is ordered by date. For a common word the planner walks the date index and stops at
# one page; for a rare one it must take the few matches from the GIN index and sort them. It tells them
# apart by the column's statistics, which list only the commonest words: every other word is guessed to
# be in 0.5% of the claims, so for a word in 18 of a million claims it walks the whole date index
# (seconds). So whenever the statistics do not show the query to be common, the matches are read from
# the GIN index first, RARE_CAP of them at most, and the list is those claims by id. More matches than
# that, and the date walk finds a page among them at once.

RARE_CAP = 2_000  # matches read by id at most (with more, the date walk reads at most ~25 rows a match found)
STATS_SECONDS = 300  # how long a process keeps the column's statistics
_stats: dict = {}


def _word_shares():
    """Return ({stem: share of claims}, claims) from the statistics of the search column, or None without them."""
    import time

    now = time.monotonic()
    if _stats.get("until", 0) > now:
        return _stats["value"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
            "FROM pg_class c JOIN pg_stats s ON s.tablename = c.relname AND s.schemaname = current_schema() "
            "AND s.attname = 'search_vector' WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace",
            [Claim._meta.db_table],
        )
        row = cursor.fetchone()
    value = None
    if row and row[0] and row[2] and row[2] > 0:
        value = (dict(zip(row[0], row[1], strict=False)), row[2])
    _stats.update(value=value, until=now + STATS_SECONDS)
    return value


def forget_statistics() -> None:
    """Read the statistics again at the next search (after ANALYZE, in tests)."""
    _stats.clear()


def may_be_rare(terms: list[Term]) -> bool:
    """Whether the statistics leave it open that terms match fewer than about RARE_CAP claims."""
    positive = [term for term in terms if not term.negated]
    stats = _word_shares() if positive else None
    if stats is None:
        return False  # no statistics: the planner has no better guess to correct
    shares, rows = stats
    # The fewest claims the statistics allow: a word they do not list may be in none. An alternative
    # adds its share, a phrase is no commoner than its rarest word, terms are independent (as the
    # planner takes them).
    share = 1.0
    for term in positive:
        term_share = sum(min(shares.get(stem, 0.0) for stem in alternative) for alternative in term.alternatives)
        share *= min(term_share, 1.0)
    return share * rows <= RARE_CAP


def _rare_matches(terms: list[Term], tsquery: str) -> list[int] | None:
    """Return the ids of every claim matching terms when they are few (RARE_CAP at most), else None."""
    if not may_be_rare(terms):
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Claim._meta.db_table} "  # noqa: S608 (the model's table)
            "WHERE search_vector @@ to_tsquery('simple', %s) LIMIT %s",
            [tsquery, RARE_CAP + 1],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) <= RARE_CAP else None


def _any_of(terms: list[Term]) -> str:
    return " OR ".join(_fts5_term(Term(term.alternatives)) for term in terms)

"""Has this been checked before? A BM25 ranker over the desk's claims and the fact-check archive (DESIGN §6).

Every matchable text (a FactCheck: its claim, headline and summary; a claim:
its text and quotes) is kept as stems in MatchTerm, an inverted index that
both databases answer alike, so the ranking is the same on SQLite and
PostgreSQL and needs nothing installed. A query reads the postings of its
stems only (the ones common to a large share of the texts are left out: they
rank nothing and cost the most), scores them with BM25 and returns the best:
in one statement (_ranking_sql), or in Python (rank) where
tracker.finding.semantic, when installed, re-ranks with embeddings.
"""

from __future__ import annotations

import heapq
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Prefetch

from tracker.finding import semantic
from tracker.finding import text as words_of
from tracker.finding.models import FactCheck, MatchStat, MatchTerm, MatchVector
from tracker.models import Appearance, Claim, Rating

log = logging.getLogger(__name__)

# Tuned on the CheckThat! 2022 2A training and development queries (make bench-matching).
K1 = 1.0
B = 0.6
# Field weights: a headline names the claim in few words, so its words count more.
FACTCHECK_FIELDS = (("claim_reviewed", 1.0), ("headline", 1.5), ("summary", 0.7))
CLAIM_TEXT_WEIGHT = 1.0
CLAIM_QUOTE_WEIGHT = 0.7
# A stem in more than this share of the texts is left out of a query (unless the query has nothing else).
MAX_DF_SHARE = 0.2
MIN_DF_CAP = 50  # ... but never below this many texts (a small index would otherwise keep almost nothing)
MAX_QUERY_TERMS = 64
# The semantic layer (when installed): how many of each ranker's best are fused, and the cosine's weight.
# Tuned on the CheckThat! 2022 2A train and dev queries (MAP@5 0.898 / 0.965; lexical alone 0.846 / 0.931); a
# weighted sum on these scores beat reciprocal rank fusion (k 1–60) and scores normalised by the best one.
CANDIDATES = 50
SEMANTIC_WEIGHT = 0.55
LINK_RE = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
TERM_LENGTH = MatchTerm._meta.get_field("term").max_length
# What an answer shows of a match (tracker.api.serializers.match_row): read with the ranking of a claim being
# logged, so its answer costs no query to load them.
SHOWN_CLAIM_COLUMNS = ("text", "status", "public_snapshot", "rating_id")
SHOWN_RATING_COLUMNS = ("id", "slug")
SHOWN_FACTCHECK_COLUMNS = ("claim_reviewed", "headline", "url", "publisher", "rating_label")

# What POST match/ can answer with, as the API names it (one choice set for the OpenAPI schema).
MATCH_KINDS = [("claim", "claim"), ("factcheck", "factcheck")]
KIND_NAMES = {MatchTerm.Kind.CLAIM: "claim", MatchTerm.Kind.FACTCHECK: "factcheck"}
KIND_CODES = {name: code for code, name in KIND_NAMES.items()}

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "via",
        "s",
        "t",
        "don",
        "и",
        "в",
        "во",
        "не",
        "что",
        "он",
        "на",
        "я",
        "с",
        "со",
        "как",
        "а",
        "то",
        "все",
        "она",
        "так",
        "его",
        "но",
        "да",
        "ты",
        "к",
        "у",
        "же",
        "вы",
        "за",
        "бы",
        "по",
        "только",
        "ее",
        "мне",
        "было",
        "вот",
        "от",
        "меня",
        "еще",
        "нет",
        "о",
        "из",
        "ему",
        "теперь",
        "когда",
        "даже",
        "ну",
        "вдруг",
        "ли",
        "если",
        "уже",
        "или",
        "ни",
        "быть",
        "был",
        "него",
        "до",
        "вас",
        "нибудь",
        "опять",
        "уж",
        "вам",
        "ведь",
        "там",
        "потом",
        "себя",
        "ничего",
        "ей",
        "может",
        "они",
        "тут",
        "где",
        "есть",
        "надо",
        "ней",
        "для",
        "мы",
        "тебя",
        "их",
        "чем",
        "была",
        "сам",
        "чтоб",
        "без",
        "будто",
        "чего",
        "раз",
        "тоже",
        "себе",
        "под",
        "будет",
        "ж",
        "тогда",
        "кто",
        "этот",
        "того",
        "потому",
        "этого",
        "какой",
        "совсем",
        "ним",
        "здесь",
        "этом",
        "один",
        "почти",
        "мой",
        "тем",
        "чтобы",
        "нее",
        "сейчас",
        "были",
        "куда",
        "зачем",
        "всех",
        "никогда",
        "можно",
        "при",
        "наконец",
        "два",
        "об",
        "другой",
        "хоть",
        "после",
        "над",
        "больше",
        "тот",
        "через",
        "эти",
        "нас",
        "про",
        "всего",
        "них",
        "какая",
        "много",
        "разве",
        "три",
        "эту",
        "моя",
        "впрочем",
        "хорошо",
        "свою",
        "этой",
        "перед",
        "иногда",
        "лучше",
        "чуть",
        "том",
        "нельзя",
        "такой",
        "им",
        "более",
        "всегда",
        "конечно",
        "всю",
        "между",
    ]
)


# --------------------------------------------------------------------------- terms


def terms_of(fields: Iterable[tuple[str, float]], language: str = "en") -> tuple[dict[str, float], float]:
    """Return ({stem: weighted frequency}, weighted length) of the texts given with their weights."""
    weights: dict[str, float] = defaultdict(float)
    length = 0.0
    for value, weight in fields:
        for word in words_of.words(value or ""):
            if word in STOPWORDS or len(word) > TERM_LENGTH:
                continue
            weights[words_of.stem(word, language)] += weight
            length += weight
    return dict(weights), length


def query_terms(value: str, language: str | None = None) -> Counter:
    """Return the stems of a query, each counted once (a post repeating a word is no more about it).

    Links are left out: a post's t.co or pic.twitter.com address names nothing a fact-check says.
    """
    found: Counter = Counter()
    language = language or words_of.query_languages()[0]
    for word in words_of.words(LINK_RE.sub(" ", value or ""))[:2000]:
        if word in STOPWORDS or len(word) > TERM_LENGTH:
            continue
        found[words_of.stem(word, language)] = 1
    return found


def factcheck_terms(factcheck: FactCheck) -> tuple[dict[str, float], float]:
    fields = [(getattr(factcheck, name), weight) for name, weight in FACTCHECK_FIELDS]
    return terms_of(fields, factcheck.language or "en")


def claim_terms(claim: Claim, appearances: list[Appearance]) -> tuple[dict[str, float], float]:
    from tracker.finding.search import claim_language

    language = claim_language(claim, appearances)
    fields = [(claim.text, CLAIM_TEXT_WEIGHT)] + [(a.quote, CLAIM_QUOTE_WEIGHT) for a in appearances]
    return terms_of(fields, language)


def factcheck_text(factcheck: FactCheck) -> str:
    """What the semantic layer embeds of a fact-check: the claim as it words it, then its headline."""
    return " ".join(part for part in (factcheck.claim_reviewed, factcheck.headline) if part)


def claim_text(claim: Claim, appearances: list[Appearance]) -> str:
    """What the semantic layer embeds of a claim: its wording, then its quotes."""
    return " ".join([claim.text, *(a.quote for a in appearances if a.quote)])


def claim_texts(ids: Iterable[int]) -> dict[int, str]:
    """{id: text to embed} of these claims (trashed ones left out)."""
    return {
        claim.pk: claim_text(claim, list(claim.appearances.all()))
        for claim in _claims_with_appearances(list(ids))
        if not claim.in_trash
    }


# --------------------------------------------------------------------------- the index


def _write_postings(kind: str, documents: dict[int, tuple[dict[str, float], float]]) -> None:
    """Replace the postings of these documents (ids of one kind), keeping MatchStat in step."""
    if not documents:
        return
    ids = list(documents)
    # No savepoint of its own: inside a write's transaction a failure here rolls the whole write back.
    with transaction.atomic(savepoint=False):
        old_lengths = _delete_postings(kind, ids)
        rows = [
            (term, kind, ref, weight, length)
            for ref, (terms, length) in documents.items()
            for term, weight in terms.items()
        ]
        _insert(rows)
        kept = {ref for ref, (terms, _) in documents.items() if terms}
        delta_docs = len(kept) - len(old_lengths)
        delta_length = sum(documents[ref][1] for ref in kept) - sum(old_lengths.values())
        if delta_docs or delta_length:
            _add_to_stats(kind, delta_docs, delta_length)


def _delete_postings(kind: str, ids: list[int]) -> dict[int, float]:
    """Delete the postings of these texts in one statement; return {ref: its old length} of those that had any."""
    old_lengths = {}
    table = MatchTerm._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"DELETE FROM {table} WHERE kind = %s AND ref IN ({marks}) RETURNING ref, length",  # noqa: S608
                [kind, *chunk],
            )
            old_lengths.update(cursor.fetchall())
    return old_lengths


# Postings of one text written with the statistics' update in one statement (PostgreSQL) up to this many.
ONE_STATEMENT_ROWS = 2000


def _insert_counted(
    kind: str, rows: list[tuple], documents: int, length: float, carrying: tuple[str, list] | None = None
) -> int | None:
    """Insert the postings of new texts and add them to MatchStat: one statement on PostgreSQL.

    carrying is another data-modifying statement of the same write that PostgreSQL runs within it (the status
    counters of a claim being logged); return how many rows it changed, or None when it did not run here.
    """
    if connection.vendor != "postgresql" or len(rows) > ONE_STATEMENT_ROWS:
        _insert(rows)
        _add_to_stats(kind, documents, length)
        return None
    table, stat = MatchTerm._meta.db_table, MatchStat._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    ctes = [f"added AS (INSERT INTO {table} (term, kind, ref, weight, length) VALUES {values} RETURNING 1)"]  # noqa: S608
    params = [value for row in rows for value in row]
    if carrying is not None:
        ctes.append(f"carried AS ({carrying[0]} RETURNING 1)")
        params += carrying[1]
    counted = "(SELECT COUNT(*) FROM carried)" if carrying is not None else "0"
    with connection.cursor() as cursor:
        # Only the models' table names and the caller's own statement go into the text; the values are
        # parameters. An upsert: the very first text of its kind creates the statistics row, and the statement
        # always answers its one row.
        cursor.execute(
            f"WITH {', '.join(ctes)} "  # noqa: S608
            f"INSERT INTO {stat} (kind, documents, total_length) VALUES (%s, %s, %s) ON CONFLICT (kind) DO UPDATE "
            f"SET documents = {stat}.documents + EXCLUDED.documents, "
            f"total_length = {stat}.total_length + EXCLUDED.total_length RETURNING {counted}",
            [*params, kind, documents, length],
        )
        (changed,) = cursor.fetchone()
    return changed if carrying else None


def _insert(rows: list[tuple]) -> None:
    if not rows:
        return
    table = MatchTerm._meta.db_table
    columns = "term, kind, ref, weight, length"
    if connection.vendor == "postgresql":
        # COPY: an archive of 14k fact-checks is ~300k postings, several times faster than INSERTs.
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)", rows)  # noqa: S608


def index_new_claim(
    claim: Claim,
    appearances: list[Appearance],
    terms: tuple[dict[str, float], float] | None = None,
    *,
    carrying: tuple[str, list] | None = None,
) -> int | None:
    """Index a claim just logged, from the parts in hand (it has no postings yet: nothing to read or delete).

    terms: its claim_terms when the caller has them. carrying: see _insert_counted (an UPDATE, without
    RETURNING); return how many rows it changed, or None when it did not run (the caller runs it itself).
    """
    terms, length = terms or claim_terms(claim, appearances)
    if not terms:
        return None
    rows = [(term, MatchTerm.Kind.CLAIM, claim.pk, weight, length) for term, weight in terms.items()]
    changed = _insert_counted(MatchTerm.Kind.CLAIM, rows, 1, length, carrying)
    semantic.store(MatchTerm.Kind.CLAIM, {claim.pk: claim_text(claim, appearances)})
    return changed


def _add_to_stats(kind: str, documents: int, length: float) -> None:
    # The update first: the row exists but for the very first text of a kind, so this is one statement.
    changes = {"documents": F("documents") + documents, "total_length": F("total_length") + length}
    if not MatchStat.objects.filter(kind=kind).update(**changes):
        MatchStat.objects.get_or_create(kind=kind)
        MatchStat.objects.filter(kind=kind).update(**changes)


def forget(kind: str, ids: Iterable[int]) -> None:
    """Drop these texts from the index (a claim trashed or deleted, a fact-check deleted)."""
    ids = [int(pk) for pk in ids]
    _write_postings(kind, {pk: ({}, 0.0) for pk in ids})
    semantic.forget(kind, ids)


def index_factchecks(factchecks: Iterable[FactCheck]) -> None:
    factchecks = list(factchecks)
    _write_postings(MatchTerm.Kind.FACTCHECK, {fc.pk: factcheck_terms(fc) for fc in factchecks})
    _store_vectors(
        MatchTerm.Kind.FACTCHECK, [fc.pk for fc in factchecks], {fc.pk: factcheck_text(fc) for fc in factchecks}
    )


def _claims_with_appearances(ids):
    appearances = Appearance.objects.select_related("article").only(
        "claim_id", "quote", "start", "article__language", "article__published_at"
    )
    return Claim.all_objects.filter(pk__in=ids).prefetch_related(Prefetch("appearances", queryset=appearances))


def index_claims(ids: Iterable[int]) -> None:
    """Bring the postings of these claims up to date (a trashed claim has none: it is no match)."""
    ids = sorted({int(pk) for pk in ids if pk is not None})
    documents = {pk: ({}, 0.0) for pk in ids}
    texts = {}
    for claim in _claims_with_appearances(ids):
        if not claim.in_trash:
            appearances = list(claim.appearances.all())
            documents[claim.pk] = claim_terms(claim, appearances)
            texts[claim.pk] = claim_text(claim, appearances)
    _write_postings(MatchTerm.Kind.CLAIM, documents)
    _store_vectors(MatchTerm.Kind.CLAIM, ids, texts)


def _store_vectors(kind: str, ids: list[int], texts: dict[int, str]) -> None:
    """Embed these texts; without the layer, drop their vectors instead (embed_missing redoes them later)."""
    if semantic.enabled():
        semantic.store(kind, texts)
        semantic.forget(kind, [pk for pk in ids if pk not in texts])
    else:
        semantic.forget(kind, ids)


def rebuild(*, batch: int = 2000) -> dict[str, int]:
    """Rebuild the whole matching index from the claims and fact-checks; return how many of each."""
    with transaction.atomic():
        MatchTerm.objects.all().delete()
        MatchStat.objects.all().delete()
        MatchVector.objects.all().delete()
        counts = {"claim": 0, "factcheck": 0}
        last = 0
        while ids := list(Claim.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]):
            index_claims(ids)
            counts["claim"] += len(ids)
            last = ids[-1]
        last = 0
        while chunk := list(FactCheck.objects.filter(pk__gt=last).order_by("pk")[:batch]):
            index_factchecks(chunk)
            counts["factcheck"] += len(chunk)
            last = chunk[-1].pk
    return counts


# --------------------------------------------------------------------------- ranking


@dataclass
class Match:
    kind: str  # "claim" or "factcheck"
    id: int
    score: float  # 0–1: the share of the query's own score (as if it were its own text) that this text reaches
    object: object = None


def _idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


@dataclass
class _Counts:
    documents: int = 0
    avg_length: float = 1.0
    df: dict[str, int] | None = None
    vectors: dict[str, tuple[int, int, int]] | None = None  # per kind: (rows, max id, sum of ids)


def _counts(terms: list[str], codes: list[str], with_vectors: bool) -> _Counts:
    """BM25's N and average length, each term's document frequency and (for the semantic layer) the vector
    table's fingerprint per kind, in one statement: every match pays for it, a logged claim too."""
    stat, term, vector = MatchStat._meta.db_table, MatchTerm._meta.db_table, MatchVector._meta.db_table
    # Only table names and placeholders go into the text; the values are parameters.
    marks, term_marks = ", ".join(["%s"] * len(codes)), ", ".join(["%s"] * len(terms))
    sql = [
        f"SELECT 0, '', kind, documents, total_length, 0 FROM {stat} WHERE kind IN ({marks})",  # noqa: S608
        f"SELECT 1, term, kind, COUNT(*), 0.0, 0 FROM {term} "  # noqa: S608
        f"WHERE term IN ({term_marks}) AND kind IN ({marks}) GROUP BY term, kind",
    ]
    params = [*codes, *terms, *codes]
    if with_vectors:
        sql.append(
            f"SELECT 2, '', kind, COUNT(*), COALESCE(MAX(id), 0), COALESCE(SUM(id), 0) FROM {vector} "  # noqa: S608
            f"WHERE kind IN ({marks}) GROUP BY kind"
        )
        params += codes
    counts = _Counts(df=defaultdict(int), vectors={})
    total_length = 0.0
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql), params)
        for tag, key, kind, n, x, y in cursor.fetchall():
            if tag == 0:
                counts.documents += int(n)
                total_length += float(x)
            elif tag == 1:
                counts.df[key] += int(n)
            else:
                counts.vectors[kind] = (int(n), int(x), int(y))
    counts.avg_length = total_length / counts.documents if counts.documents else 1.0
    return counts


def _lexical(query: Counter, codes: list[str], counts: _Counts) -> tuple[dict[tuple[str, int], float], float]:
    """Return the BM25 score of every text sharing a kept stem with the query, and the query's own score."""
    n, avg_length, df = counts.documents, counts.avg_length, counts.df
    terms = [term for term, _ in query.most_common(MAX_QUERY_TERMS)]
    present = [t for t in terms if df.get(t)]
    if not n or not present:
        return {}, 0.0
    cap = max(MIN_DF_CAP, int(n * MAX_DF_SHARE))
    kept = [t for t in present if df[t] <= cap] or sorted(present, key=lambda t: df[t])[:3]
    idf = {t: _idf(df[t], n) for t in kept}
    scores: dict[tuple[str, int], float] = defaultdict(float)
    postings = MatchTerm.objects.filter(term__in=kept, kind__in=codes).values_list(
        "term", "kind", "ref", "weight", "length"
    )
    for term, kind, ref, weight, length in postings.iterator(chunk_size=5000):
        norm = K1 * (1 - B + B * length / avg_length)
        scores[(kind, ref)] += idf[term] * query[term] * weight * (K1 + 1) / (weight + norm)
    # The query scored as a text of its own: an identical text reaches 1.
    query_length = sum(query.values())
    self_norm = K1 * (1 - B + B * query_length / avg_length)
    self_score = sum(idf[t] * query[t] * query[t] * (K1 + 1) / (query[t] + self_norm) for t in kept)
    return scores, self_score


@dataclass
class _Pending:
    """A text about to be indexed, counted in a ranking as if it were: 1 document, its length and stems."""

    documents: int = 0
    length: float = 0.0
    terms: frozenset[str] = frozenset()


# MaxScore pruning of the one-statement ranking (_ranking_sql): the postings of the essential terms are read,
# the non-essential ones (the most common kept terms) looked up for the texts that may still be among the best.
# Which terms are non-essential is a guess made before any posting is read: the most common ones whose bounds
# add up to at most MINOR_SHARE of the typical score of a text with the MINOR_PEERS rarest stems of the query
# (a posting of weight 1 in a text of average length adds idf × tf: (K1 + 1) / (1 + K1)). The k-th best text
# of a large index has about that many of them (at 1M claims, 3 to 5 of a bench query's 6 to 10 kept stems),
# so a text with none of the essential terms cannot reach it, and one must already have most of its score from
# them to be looked up. With the bound about twice what a posting adds, that is one term or two, the most
# common, the costliest to read. A larger share reads fewer postings when the best texts share many stems
# (claims logged from the same quote: 0.6 took 150 ms at 1M claims where 0.45 took 180), but where they share
# about 3 the limit-th partial score then falls short of the bounds (every posting read after all) or nearly
# every text is looked up (0.6: 430 ms, no faster than no pruning; 0.45: 275). A wrong guess costs little:
# the statement then reads the non-essential postings and adds them to the scores it has (the full ranking).
MINOR_PEERS = 3
MINOR_SHARE = 0.45
# Looked up, a posting costs about this many postings read in a row (and summed again): more survivors than
# that, and the non-essential postings are read instead. On PostgreSQL, at 100k claims, looking thousands of
# survivors up was slower than reading. SQLite looks them up in its own process, and summing again is what
# costs it most: on bench-matching's archive (14k fact-checks) reading was slower at every cost tried (1–8).
LOOKUP_COST = {"postgresql": 8, "sqlite": 0}
# Scores within this share of the k-th best are not pruned: Python orders matches by their shares rounded to
# 9 decimals, and the pruned scores are summed in another order than the full ones.
PRUNE_MARGIN = 1e-6


def _ranking_sql(
    query: Counter,
    codes: list[str],
    limit: int,
    exclude: tuple[str, int] | None,
    pending: _Pending,
    with_objects: bool,
) -> tuple[str, list]:
    """The statement that ranks as _lexical and rank do (lexical only), best first: (kind, ref, share) rows.

    BM25's statistics, the document frequencies, the share cap and its fallback, the score of every text that
    may be among the best and the best limit, all in one statement that both databases run alike, with the
    same arithmetic as _lexical (scores agree to the last bits but for the order of the sums). ``pending`` is a
    text about to be indexed (a claim being logged) counted as if its postings were already written. With
    with_objects, each row also carries what an answer shows of its claim or fact-check (_shown_object).

    Exact MaxScore: one posting of a kept term adds less than its bound, idf × tf × (K1 + 1) / (1 + K1 × B /
    avg) (BM25's tf part grows with the posting's weight, which is at most its text's length). The kept terms
    are split (see MINOR_SHARE); the essential ones' postings give every text that has any its partial score.
    When the limit-th best partial score exceeds the non-essential bounds' sum, no other text can enter the
    best, nor any whose partial score plus that sum falls short of it: the others (the survivors) get their
    non-essential terms by index lookups. Otherwise, or when there are too many survivors (LOOKUP_COST), the
    non-essential postings are read and added to the partial scores, as the unpruned ranking did.
    """
    stat, table = MatchStat._meta.db_table, MatchTerm._meta.db_table
    terms = [term for term, _ in query.most_common(MAX_QUERY_TERMS)]
    kinds = ", ".join(["%s"] * len(codes))
    values = ", ".join(["(%s, %s, %s, %s)"] * len(terms))
    excluded = "m.kind = %s AND m.ref = %s" if exclude is not None else "1 = 0"
    score = "w.idf * w.tf * m.weight * %s / (m.weight + %s * (%s + %s * m.length / w.avg))"

    def up_to_own(value: str) -> str:
        # A share is capped at 1: scores past the query's own are equal (LEAST is PostgreSQL's, MIN SQLite's).
        return f"(CASE WHEN {value} < d.own THEN {value} ELSE d.own END)"

    # Only the models' table names and placeholders go into the text; the values are parameters. Each document
    # frequency is counted by a subquery of its own on matchterm_term (no join of every posting to be grouped),
    # once: df is read twice, so both databases materialize it. CROSS JOIN: SQLite then reads the postings term
    # by term (matchterm_term), not every posting of a kind (matchterm_ref). The branches not taken are gated by
    # uncorrelated scalar subqueries, which both databases evaluate once, before reading anything under them.
    sql = f"""
WITH q (term, pos, tf, pending) AS (VALUES {values}),
stats AS (
    SELECT CAST(COALESCE(SUM(documents), 0) + %s AS DOUBLE PRECISION) AS n,
           CAST(COALESCE(SUM(total_length), 0) AS DOUBLE PRECISION) + %s AS total
    FROM {stat} WHERE kind IN ({kinds})
),
df AS (
    SELECT q.term, q.pos, q.tf, q.pending,
           q.pending + (SELECT COUNT(*) FROM {table} m WHERE m.term = q.term AND m.kind IN ({kinds})) AS df
    FROM q
),
capped AS (
    SELECT p.term, p.tf, p.df, p.pending FROM df p, stats s WHERE p.df > 0 AND (p.df <= %s OR p.df <= s.n * %s)
),
kept AS (
    SELECT term, tf, df, pending FROM capped
    UNION ALL
    SELECT term, tf, df, pending FROM (SELECT term, tf, df, pending FROM df WHERE df > 0 ORDER BY df, pos LIMIT 3) r
    WHERE NOT EXISTS (SELECT 1 FROM capped)
),
weighted AS (
    SELECT k.term, k.tf, k.df - k.pending AS postings, LN(1 + (s.n - k.df + 0.5) / (k.df + 0.5)) AS idf, s.avg
    FROM kept k, (SELECT CASE WHEN n > 0 THEN total / n ELSE 1.0 END AS avg, n FROM stats) s
),
own AS (
    SELECT SUM(w.idf * w.tf * w.tf * %s / (w.tf + %s * (%s + %s * %s / w.avg))) AS score FROM weighted w
),
bounded AS (SELECT term, tf, postings, idf, avg, idf * tf * %s / (1 + %s * %s / avg) AS bound FROM weighted),
guess AS (
    SELECT COALESCE(SUM(typical), 0) * %s AS allowance FROM (
        SELECT idf * tf AS typical FROM weighted WHERE postings > 0 ORDER BY idf DESC, term LIMIT %s
    ) rarest
),
split AS (
    -- minor = 1: a non-essential term. bounds: their bounds' sum, how many and their postings; kth: the
    -- limit-th best partial score (none when fewer texts have an essential term).
    SELECT b.term, b.tf, b.postings, b.idf, b.avg, b.bound,
           CASE WHEN SUM(b.bound) OVER (ORDER BY b.bound, b.term ROWS UNBOUNDED PRECEDING) <= g.allowance
                THEN 1 ELSE 0 END AS minor
    FROM bounded b, guess g
),
partial AS (
    SELECT m.kind, m.ref, SUM({score}) AS score
    FROM split w CROSS JOIN {table} m
    WHERE w.minor = 0 AND m.term = w.term AND m.kind IN ({kinds}) AND NOT ({excluded})
    GROUP BY m.kind, m.ref
),
kth AS (SELECT score FROM partial ORDER BY score DESC LIMIT 1 OFFSET %s),
bounds AS (
    -- Joined, not scalar subqueries: each is then computed once however often decided reads it.
    SELECT o.score AS own, n.bound, n.terms, n.postings, k.score AS kth
    FROM own o
    CROSS JOIN (
        SELECT COALESCE(SUM(bound), 0) AS bound, COUNT(*) AS terms, COALESCE(SUM(postings), 0) AS postings
        FROM split WHERE minor = 1
    ) n
    LEFT JOIN kth k ON 1 = 1
),
decided AS (
    SELECT d.own, d.bound, d.terms, d.postings, d.kth,
           CASE WHEN d.kth IS NOT NULL AND d.own > 0 AND d.terms > 0
                 AND {up_to_own("d.bound")} + d.own * %s < {up_to_own("d.kth")} THEN 1 ELSE 0 END AS pruned
    FROM bounds d
),
survivors AS (
    -- The test as an equality: PostgreSQL guesses that a comparison of computed values keeps a third of the
    -- rows, an equality 1 in 200. There are a handful of survivors; at a third of the candidates, the lookups'
    -- estimated cost lifts the plan's past jit_above_cost, and compiling it takes longer than running it.
    SELECT p.kind, p.ref, p.score FROM partial p, decided d
    WHERE d.pruned = 1
      AND CASE WHEN {up_to_own("p.score + d.bound")} + d.own * %s >= {up_to_own("d.kth")} THEN 1 ELSE 0 END = 1
),
path AS (
    SELECT CASE WHEN d.pruned = 1 AND (SELECT COUNT(*) FROM survivors) * d.terms * %s <= d.postings
                THEN 1 ELSE 0 END AS lookups
    FROM decided d
),
scored AS (
    -- Summed, even the survivors' one row each: a grouped score is computed once however often shares reads
    -- it, and PostgreSQL would otherwise look the survivors' terms up for each. A correlated subquery: both
    -- databases then look each survivor's terms up in matchterm_term, rather than hash all their postings.
    SELECT kind, ref, SUM(score) AS score FROM (
        SELECT s.kind, s.ref, s.score + COALESCE((
            SELECT SUM({score}) FROM split w CROSS JOIN {table} m
            WHERE w.minor = 1 AND m.term = w.term AND m.kind = s.kind AND m.ref = s.ref
        ), 0) AS score
        FROM survivors s WHERE (SELECT lookups FROM path) = 1
        UNION ALL
        SELECT kind, ref, score FROM partial WHERE (SELECT lookups FROM path) = 0
        UNION ALL
        SELECT m.kind, m.ref, {score} AS score
        FROM split w CROSS JOIN {table} m
        WHERE w.minor = 1 AND m.term = w.term AND m.kind IN ({kinds}) AND NOT ({excluded})
          AND (SELECT lookups FROM path) = 0
    ) added
    GROUP BY kind, ref
),
shares AS (
    SELECT sc.kind, sc.ref, CASE WHEN sc.score >= o.score THEN 1.0 ELSE sc.score / o.score END AS share
    FROM scored sc, own o
    WHERE o.score > 0 AND sc.score > 0
),
best AS (SELECT kind, ref, share FROM shares ORDER BY share DESC, ref, kind LIMIT %s)
"""  # noqa: S608
    norm = [K1 + 1, K1, 1 - B, B]
    excluding = list(exclude) if exclude is not None else []
    params = [v for pos, term in enumerate(terms) for v in (term, pos, query[term], int(term in pending.terms))]
    params += [pending.documents, pending.length, *codes, *codes, MIN_DF_CAP, MAX_DF_SHARE]
    params += [*norm, sum(query.values()), K1 + 1, K1, B, MINOR_SHARE, MINOR_PEERS]
    params += [
        *norm,
        *codes,
        *excluding,
        max(limit - 1, 0),
        PRUNE_MARGIN,
        PRUNE_MARGIN,
        LOOKUP_COST[connection.vendor],
    ]
    params += [*norm, *norm, *codes, *excluding, limit]
    if not with_objects:
        return f"{sql}SELECT kind, ref, share FROM best", params  # noqa: S608
    claim, rating, factcheck = Claim._meta.db_table, Rating._meta.db_table, FactCheck._meta.db_table
    columns = ", ".join(
        [f"c.{name}" for name in SHOWN_CLAIM_COLUMNS]
        + [f"r.{name}" for name in SHOWN_RATING_COLUMNS]
        + [f"f.{name}" for name in SHOWN_FACTCHECK_COLUMNS]
    )
    sql += (
        f"SELECT b.kind, b.ref, b.share, {columns} FROM best b "  # noqa: S608
        f"LEFT JOIN {claim} c ON b.kind = %s AND c.id = b.ref AND c.deleted_at IS NULL "
        f"LEFT JOIN {rating} r ON r.id = c.rating_id "
        f"LEFT JOIN {factcheck} f ON b.kind = %s AND f.id = b.ref"
    )
    return sql, [*params, MatchTerm.Kind.CLAIM, MatchTerm.Kind.FACTCHECK]


def _fused(
    value: str,
    lexical: dict[tuple[str, int], float],
    self_score: float,
    fingerprints: dict[str, tuple[int, int, int]],
) -> dict[tuple[str, int], float]:
    """Fuse the lexical scores with the cosines of the query's embedding (tracker.finding.semantic).

    The candidates are the best CANDIDATES of each ranker; each scores SEMANTIC_WEIGHT × its cosine plus the
    rest × its lexical score as a share of the query's own (both 0–1), so a text either ranker alone is sure
    of still comes first, and one both rank well beats either.
    """
    best_lexical = heapq.nlargest(CANDIDATES, lexical.items(), key=lambda item: item[1])
    cosines = semantic.similarities(
        LINK_RE.sub(" ", value), fingerprints, top=CANDIDATES, also=[key for key, _ in best_lexical]
    )
    fused = {}
    for key in {key for key, _ in best_lexical} | set(cosines):
        share = min(1.0, lexical.get(key, 0.0) / self_score) if self_score else 0.0
        fused[key] = SEMANTIC_WEIGHT * max(0.0, cosines.get(key, 0.0)) + (1 - SEMANTIC_WEIGHT) * share
    return fused


def rank(
    value: str,
    *,
    limit: int = 5,
    kinds: Iterable[str] = ("claim", "factcheck"),
    language: str | None = None,
    exclude: tuple[str, int] | None = None,
) -> list[Match]:
    """Return up to limit texts that match value best, best first (see the module's docstring)."""
    codes = [KIND_CODES[k] for k in kinds]
    query = query_terms(value, language)
    with_vectors = bool(codes) and bool(value.strip()) and semantic.enabled()
    if not codes or not (query or with_vectors):
        return []
    terms = [term for term, _ in query.most_common(MAX_QUERY_TERMS)] or [""]
    counts = _counts(terms, codes, with_vectors)
    lexical, self_score = _lexical(query, codes, counts) if query else ({}, 0.0)
    if with_vectors and any(counts.vectors.get(code, (0,))[0] for code in codes):
        scores = _fused(value, lexical, self_score, counts.vectors)
    else:
        scores = {key: (min(1.0, score / self_score) if self_score else 0.0) for key, score in lexical.items()}
    if exclude is not None:
        scores.pop((KIND_CODES[exclude[0]], exclude[1]), None)
    best = heapq.nsmallest(limit, scores.items(), key=_best_first)
    return [Match(KIND_NAMES[kind], ref, round(score, 4)) for (kind, ref), score in best if score > 0]


def _best_first(item: tuple[tuple[str, int], float]) -> tuple:
    (kind, ref), score = item
    # Ties to the ninth decimal go by id: the one-statement ranking sums the same terms in another order, which
    # may change the last bits of a score, and the two must not order equal texts differently.
    return (-round(score, 9), ref, kind)


def _ranked(
    query: Counter,
    codes: list[str],
    limit: int,
    exclude: tuple[str, int] | None = None,
    pending: _Pending | None = None,
    with_objects: bool = False,
) -> list[Match]:
    """rank, lexical only, in one statement (_ranking_sql); with_objects, each match with what an answer shows."""
    if not query or not codes:
        return []
    sql, params = _ranking_sql(query, codes, limit, exclude, pending or _Pending(), with_objects)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    rows.sort(key=lambda row: _best_first(((row[0], row[1]), row[2])))
    found = []
    for row in rows:
        match = Match(KIND_NAMES[row[0]], row[1], round(row[2], 4))
        if with_objects:
            match.object = _shown_object(row[0], row[1], row[3:])
            if match.object is None:  # trashed (or deleted) since it was indexed
                continue
        found.append(match)
    return found


def _shown_object(kind: str, ref: int, values: tuple):
    """The claim (with its rating) or fact-check of a ranking row, holding only what match_row reads."""
    n_claim, n_rating = len(SHOWN_CLAIM_COLUMNS), len(SHOWN_RATING_COLUMNS)
    if kind == MatchTerm.Kind.FACTCHECK:
        shown = values[n_claim + n_rating :]
        if shown[0] is None:  # claim_reviewed is required: no row
            return None
        return _partial(FactCheck, {"id": ref, **dict(zip(SHOWN_FACTCHECK_COLUMNS, shown, strict=True))})
    shown = dict(zip(SHOWN_CLAIM_COLUMNS, values[:n_claim], strict=True))
    if shown["text"] is None:  # text is required: no claim outside the trash
        return None
    field = Claim._meta.get_field("public_snapshot")
    shown["public_snapshot"] = field.from_db_value(shown["public_snapshot"], None, connection)
    claim = _partial(Claim, {"id": ref, **shown})
    if claim.rating_id is not None:
        rating = values[n_claim : n_claim + n_rating]
        claim.rating = _partial(Rating, dict(zip(SHOWN_RATING_COLUMNS, rating, strict=True)))
    return claim


def _partial(model, values: dict):
    """An instance of model holding these columns only (the others deferred), as a query with .only() makes."""
    # from_db takes the values in the order of the model's fields, whatever the order of the names.
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def find(
    value: str,
    *,
    limit: int = 5,
    kinds: Iterable[str] = ("claim", "factcheck"),
    language: str | None = None,
    exclude_claim: int | None = None,
) -> list[Match]:
    """Return the best matches of value with their claims and fact-checks loaded (what POST match/ answers)."""
    # A few more than asked for: a claim trashed a moment ago may still be in the index.
    exclude = ("claim", exclude_claim) if exclude_claim is not None else None
    if semantic.enabled():
        found = rank(value, limit=limit + 5, kinds=kinds, language=language, exclude=exclude)
    else:
        codes = [KIND_CODES[k] for k in kinds]
        excluded = (MatchTerm.Kind.CLAIM, exclude_claim) if exclude_claim is not None else None
        found = _ranked(query_terms(value, language), codes, limit + 5, excluded)
    claim_ids = [m.id for m in found if m.kind == "claim"]
    factcheck_ids = [m.id for m in found if m.kind == "factcheck"]
    claims = Claim.objects.select_related("rating").in_bulk(claim_ids) if claim_ids else {}
    factchecks = FactCheck.objects.in_bulk(factcheck_ids) if factcheck_ids else {}
    results = []
    for item in found:
        item.object = (claims if item.kind == "claim" else factchecks).get(item.id)
        if item.object is not None:
            results.append(item)
    return results[:limit]


def find_similar(claim: Claim, *, limit: int = 5, kinds: Iterable[str] = ("claim", "factcheck")) -> list[Match]:
    """Return the claims and fact-checks most like claim (its text and quotes), itself left out."""
    return find_for_claim(claim, list(claim.appearances.select_related("article")), limit=limit, kinds=kinds)


def find_for_claim(
    claim: Claim, appearances: list[Appearance], *, limit: int = 5, kinds: Iterable[str] = ("claim", "factcheck")
) -> list[Match]:
    """find_similar from the claim's appearances in hand (with their articles): a claim just logged."""
    from tracker.finding.search import claim_language

    value = claim_text(claim, appearances)  # the words it is indexed and embedded by (its embedding is reused)
    return find(value, limit=limit, kinds=kinds, language=claim_language(claim, appearances), exclude_claim=claim.pk)


def find_for_new_claim(
    claim: Claim, appearances: list[Appearance], terms: tuple[dict[str, float], float] | None = None, *, limit: int = 5
) -> list[Match] | None:
    """The matches of a claim being logged, before index_new_claim writes its postings, with what an answer
    shows of each: one statement, as find_for_claim would rank them once it is indexed.

    Ranked before the write so that the write's statement, which takes the index's statistics row, holds it no
    longer than it did. None when the semantic layer is on: it needs the claim's embedding stored first
    (find_for_claim, after the write).
    """
    from tracker.finding.search import claim_language

    if semantic.enabled():
        return None
    terms, length = terms or claim_terms(claim, appearances)
    # Its postings counted as if written already: the statistics and document frequencies find_for_claim sees.
    pending = _Pending(1, length, frozenset(terms)) if terms else _Pending()
    query = query_terms(claim_text(claim, appearances), claim_language(claim, appearances))
    codes = [MatchTerm.Kind.CLAIM, MatchTerm.Kind.FACTCHECK]
    found = _ranked(query, codes, limit + 5, (MatchTerm.Kind.CLAIM, claim.pk), pending, with_objects=True)
    return found[:limit]

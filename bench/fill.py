"""``make bench-fill``: a fresh PostgreSQL database of Factdesk at scale, for ``make bench``.

SCALE=1 is the desk of issue 8: 1,000,000 claims, 100k articles of 2–4 KB,
about 1.2M appearances, 200k sources, 500k evidence, 750k verification
events, 1.33M tag links and 100k published claims. SCALE=0.1 is a tenth.

The database is created anew and migrated, so its schema is the models'; the
big tables lose their indexes and constraints, are loaded with COPY by a pool
of processes (each generates its rows and copies them on its own
connection), then get every index and constraint back exactly as migrations
made them (so the foreign keys and unique constraints are checked on the
loaded rows). Rows are what the desk itself would have written:

- offsets, prefixes and suffixes of quotes are computed with
  tracker.reading.anchoring from the generated article bodies;
- every status a claim is in is reached by the verification events the
  workflow would have written (new → researching → in review → published,
  versions counted), published claims carry the snapshot
  tracker.workflow.snapshot_of builds, and claims sent to review have the
  rating, verdict and evidence the workflow demands;
- the status counters are recounted by StatusCount.objects.recount();
- every claim outside the trash has the matching postings
  tracker.finding.matching.claim_terms gives it, and MatchStat is counted from
  them, so a claim logged on the bench desk is ranked against a full index.

Column lists come from each model's _meta: a column the fill does not set
takes the field's default (or NULL where allowed), and a NOT NULL column
without a default stops the fill before anything is loaded, as does a
database whose columns differ from the models'. Edit history
(django-simple-history) is not generated: no measured path reads it.

Run ``python -m bench.fill --scale 0.1`` (``--database-url``, ``--workers``); the database's
name gets the scale appended (factdesk_bench_0p1), and its COMMENT records the scale and
migrations it was filled with, so ``make bench`` refills only what is missing or outdated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import itertools
import json
import os
import random
import re
import secrets
import sys
import time
import unicodedata
from collections import Counter
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from pathlib import Path
from types import SimpleNamespace

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factdesk_bench"
# Bump when the rows the fill makes change, so `make bench` refills databases made by an older fill.
# 2: claims carry their search documents (tracker.finding.search); 3: words weighted as in the seeds;
# 4: search documents list tags and quotes in the order the domain reads them; 5: claims' matching postings
FILL_FORMAT = 5
BIG_TABLE_MODELS = (
    "Article",
    "Source",
    "Claim",
    "Appearance",
    "Evidence",
    "VerificationEvent",
    "ClaimTags",
    "MatchTerm",
)
# Columns the database computes itself (migration 0010's generated tsvector), unknown to the models.
DATABASE_ONLY_COLUMNS = {"tracker_claim": {"search_vector"}}
CHUNK = 5_000  # claims (and their parts) per task
OTHER_ARTICLES = 1_000  # a task's claims quote a second time from about this many articles around their own
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
SPAN = dt.timedelta(days=3 * 365)

# Claims of the two articles the reader is measured on (bench.measure): many claims, and few.
READER_BIG_CLAIMS = 310
READER_SMALL_CLAIMS = 10
READER_BODY_WORDS = 2_400
ARTICLE_LANGUAGE = "en"


class FillError(Exception):
    """The fill cannot go on; the message says why."""


def bench_secret_key() -> None:
    """Give the bench processes (and the gunicorn they start) a key of their own unless a strong one is set."""
    if len(os.environ.get("SECRET_KEY", "")) < 50:
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    bench_secret_key()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()


@functools.cache
def sizes(scale: float) -> dict:
    claims = max(400, int(1_000_000 * scale))
    return {
        "claims": claims,
        "articles": max(40, int(100_000 * scale)),
        "sources": max(80, int(200_000 * scale)),
        "claimants": max(20, int(50_000 * scale)),
        "tags": max(20, min(5_000, int(50_000 * scale))),
        "outlets": max(5, min(1_000, int(10_000 * scale))),
    }


# ----------------------------------------------------------------------------- words and texts


@functools.cache
def word_counts() -> dict[str, int]:
    """The seed articles' words and how often each occurs there (so "the" is common and most words rare)."""
    seeds = Path(__file__).resolve().parent.parent / "tracker" / "demo" / "seeds"
    found = Counter()
    for path in sorted(seeds.glob("*.txt")):
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
        found.update(w for w in re.findall(r"[^\W\d_]+", text) if len(w) > 1)
    # A few words that are not ASCII, so offsets are code points, not bytes.
    found.update(["café", "naïve", "Zürich", "São", "façade", "Łódź", "año", "€uro"])
    return dict(sorted(found.items()))


@functools.cache
def vocabulary() -> tuple[str, ...]:
    return tuple(word_counts())


@functools.cache
def _word_draws() -> tuple[str, ...]:
    # Each word as many times as it occurs: a uniform draw from this is a draw weighted by the counts,
    # without the bisection a weighted rng.choices makes per word.
    return tuple(itertools.chain.from_iterable(itertools.repeat(w, c) for w, c in word_counts().items()))


def words(rng: random.Random, n: int) -> list[str]:
    """n words drawn as often as they occur in the seeds: search sees common and rare words as in real text."""
    return rng.choices(_word_draws(), k=n)


def sentence(rng: random.Random, n: int) -> str:
    w = words(rng, n)
    return " ".join(w).capitalize() + "."


@functools.cache
def article_body(article_id: int) -> tuple[str, tuple[int, ...]]:
    """Return the article's body and the offsets at which its sentences start (deterministic by id)."""
    rng = random.Random(article_id * 7919)
    target = READER_BODY_WORDS if article_id <= 2 else rng.randint(330, 660)  # about 2–4 KB
    paragraphs, starts, length, count = [], [], 0, 0
    while count < target:
        sentences = []
        for _ in range(rng.randint(2, 5)):
            n = rng.randint(8, 24)
            starts.append(length + sum(len(s) + 1 for s in sentences))
            sentences.append(sentence(rng, n))
            count += n
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs), tuple(starts)


@functools.lru_cache(maxsize=200_000)
def article_published(article_id: int) -> dt.datetime:
    """The article's published_at, as article_row draws it (its generator's first number)."""
    return NOW - SPAN * random.Random(article_id).random()


def article_row(article_id: int, n: dict) -> dict:
    rng = random.Random(article_id)
    body, _ = article_body(article_id)
    from tracker.models import body_hash

    published = NOW - SPAN * rng.random()
    return {
        "id": article_id,
        "title": sentence(rng, rng.randint(5, 12))[:-1],
        "outlet_id": 1 + article_id % n["outlets"],
        "url": f"https://news{article_id % n['outlets']}.example.org/{published:%Y/%m/%d}/story-{article_id}",
        "authors": json.dumps([" ".join(words(rng, 2)).title()]),
        "published_at": published,
        "language": ARTICLE_LANGUAGE,
        "body": body,
        "body_sha256": body_hash(body),
        "created_at": published + dt.timedelta(hours=rng.randint(1, 48)),
        "updated_at": published + dt.timedelta(hours=rng.randint(1, 48)),
        "version": 1,
    }


KINDS = ("official_statement", "primary_document", "dataset", "news_report", "expert", "other")


def source_row(source_id: int) -> dict:
    rng = random.Random(source_id * 31)
    published = NOW - SPAN * rng.random()
    return {
        "id": source_id,
        "url": f"https://source{source_id % 997}.example.org/doc/{source_id}",
        "title": sentence(rng, rng.randint(4, 10))[:-1],
        "publisher": " ".join(words(rng, 2)).title(),
        "kind": KINDS[source_id % len(KINDS)],
        "published_at": published,
        "accessed_at": published + dt.timedelta(days=rng.randint(1, 30)),
        "archive_url": "",
        "notes": "",
        "created_at": published + dt.timedelta(days=1),
    }


# ----------------------------------------------------------------------------- rows from models


class Table:
    """A model's table as COPY sees it: its columns from _meta, each with how to fill what the fill leaves out."""

    def __init__(self, model, given: set[str]):
        self.model = model
        self.name = model._meta.db_table
        self.fields = []
        for field in model._meta.concrete_fields:
            if field.attname in given:
                self.fields.append((field, None))
            elif field.primary_key:
                continue  # the database numbers the row
            elif field.has_default():
                self.fields.append((field, field.get_default))
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.fields.append((field, lambda: NOW))
            elif field.null:
                self.fields.append((field, lambda: None))
            else:
                raise FillError(
                    f"{model.__name__}.{field.name} is NOT NULL without a default and bench.fill does not "
                    f"set it: teach bench/fill.py what to put there."
                )
        self.columns = [field.column for field, _ in self.fields]
        self.json = {field.attname for field, _ in self.fields if field.get_internal_type() == "JSONField"}
        for field, _ in self.fields:
            if field.get_internal_type() == "JSONField" and field.attname in given:
                self.json.discard(field.attname)  # the caller dumps these itself

    def row(self, values: dict) -> tuple:
        out = []
        for field, default in self.fields:
            if default is None:
                out.append(values[field.attname])
            else:
                value = default()
                if field.attname in self.json:
                    value = json.dumps(value)
                out.append(value)
        return tuple(out)

    def copy_sql(self) -> str:
        columns = ", ".join(f'"{c}"' for c in self.columns)
        return f'COPY "{self.name}" ({columns}) FROM STDIN'


def tables() -> dict[str, Table]:
    from tracker import models as m

    through = m.Claim.tags.through
    return {
        "Article": Table(m.Article, set(article_row(1, sizes(0.001)))),
        "Source": Table(m.Source, set(source_row(1))),
        "Claim": Table(
            m.Claim,
            {
                "id",
                "text",
                "claimant_id",
                "claim_date",
                "status",
                "rating_id",
                "verdict_summary",
                "verdict_explanation",
                "search_document",
                "assignee_id",
                "priority",
                "version",
                "created_by_id",
                "created_at",
                "updated_at",
                "published_at",
                "public_snapshot",
                "last_published_at",
                "deleted_at",
                "deleted_by_id",
            },
        ),
        "Appearance": Table(
            m.Appearance,
            {
                "claim_id",
                "article_id",
                "quote",
                "start",
                "end",
                "prefix",
                "suffix",
                "attribution",
                "created_by_id",
                "created_at",
            },
        ),
        "Evidence": Table(
            m.Evidence, {"claim_id", "source_id", "stance", "excerpt", "note", "added_by_id", "added_at"}
        ),
        "VerificationEvent": Table(
            m.VerificationEvent,
            {"claim_id", "from_status", "to_status", "actor_id", "at", "note", "rating_id", "version"},
        ),
        "ClaimTags": Table(through, {"claim_id", "tag_id"}),
        "MatchTerm": Table(m.MatchTerm, {"term", "kind", "ref", "weight", "length"}),
    }


def check_schema() -> None:
    """Refuse a database whose columns are not the models' (a migration missing or not applied)."""
    from django.apps import apps
    from django.db import connection

    problems = []
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
        for model in apps.get_models(include_auto_created=True):
            if model._meta.proxy or not model._meta.managed:
                continue
            table = model._meta.db_table
            if table not in present:
                problems.append(f"table {table} ({model.__name__}) is missing")
                continue
            db_columns = {col.name for col in connection.introspection.get_table_description(cursor, table)}
            db_columns -= DATABASE_ONLY_COLUMNS.get(table, set())
            model_columns = {f.column for f in model._meta.concrete_fields}
            for column in sorted(model_columns - db_columns):
                problems.append(f"{table}.{column} is in the model but not in the database")
            for column in sorted(db_columns - model_columns):
                problems.append(f"{table}.{column} is in the database but not in the model")
    if problems:
        raise FillError("The database schema does not match the models:\n  " + "\n  ".join(problems))


# ----------------------------------------------------------------------------- claims and their parts

STATUSES = (("new", 0.50), ("researching", 0.25), ("in_review", 0.05), ("published", 0.10), ("dismissed", 0.10))
PATHS = {
    "new": [],
    "researching": [("new", "researching")],
    "in_review": [("new", "researching"), ("researching", "in_review")],
    "published": [("new", "researching"), ("researching", "in_review"), ("in_review", "published")],
    "dismissed": [("new", "dismissed")],
}
TAGS_PER_CLAIM = ((0, 0.20), (1, 0.40), (2, 0.27), (3, 0.13))  # 1.33 on average


def first_article(claim_id: int, n: dict) -> int:
    """The article a claim was logged from: the reader's two articles first, then the rest evenly."""
    if claim_id <= READER_BIG_CLAIMS:
        return 1
    if claim_id <= READER_BIG_CLAIMS + READER_SMALL_CLAIMS:
        return 2
    rest = n["articles"] - 2
    return 3 + (claim_id - READER_BIG_CLAIMS - READER_SMALL_CLAIMS - 1) * rest // (
        n["claims"] - READER_BIG_CLAIMS - READER_SMALL_CLAIMS
    )


def quote_in(article_id: int, rng: random.Random) -> tuple[str, int, int, str, str]:
    from tracker.reading import anchoring

    body, starts = article_body(article_id)
    i = rng.randrange(len(starts))
    start = starts[i]
    end = body.find(".", start)
    stop = rng.randint(4, 14)
    # The sentence's first words up to its full stop or stop words, whichever is shorter.
    pos = start
    for _ in range(stop):
        nxt = body.find(" ", pos + 1)
        if nxt == -1 or nxt > end:
            pos = end
            break
        pos = nxt
    quote = body[start:pos]
    anchor = anchoring.anchor_quote(body, quote, start)
    return anchor.quote, anchor.start, anchor.end, anchor.prefix, anchor.suffix


def pick(rng: random.Random, weighted):
    x = rng.random()
    for value, weight in weighted:
        x -= weight
        if x < 0:
            return value
    return weighted[-1][0]


def fill_claims(first: int, last: int, scale: float, context: dict) -> dict[str, list[tuple]]:
    """Return the rows of claims first..last and of their appearances, evidence, events and tag links."""
    from tracker import models as m
    from tracker import workflow

    n = sizes(scale)
    rng = random.Random(first * 104729)
    tabs = tables()
    users = context["users"]
    reporters, editors, reviewers = users["reporter"], users["editor"], users["reviewer"]
    ratings = context["ratings"]  # (id, slug, label, value, description)
    rating_objs = {r[0]: m.Rating(id=r[0], slug=r[1], label=r[2], value=r[3], description=r[4]) for r in ratings}
    bounds = context["bounds"]
    tag_names = context["tags"]  # index = id - 1
    out = {name: [] for name in ("Claim", "Appearance", "Evidence", "VerificationEvent", "ClaimTags", "MatchTerm")}
    low, high = first_article(first, n), first_article(last, n)
    spread = max(0, OTHER_ARTICLES - (high - low)) // 2
    others = (max(3, low - spread), min(n["articles"], high + spread))
    for claim_id in range(first, last + 1):
        status = pick(rng, STATUSES)
        if claim_id <= READER_BIG_CLAIMS + READER_SMALL_CLAIMS:
            status = "published" if claim_id % 3 == 0 else "researching"
        created = NOW - SPAN * rng.random()
        creator = rng.choice(reporters)
        claimant_id = rng.randint(1, n["claimants"]) if status == "published" or rng.random() < 0.8 else None
        rating_id = rng.choice(ratings)[0] if status in ("in_review", "published") or rng.random() < 0.1 else None
        summary = sentence(rng, rng.randint(6, 14)) if rating_id else ""
        explanation = " ".join(sentence(rng, rng.randint(10, 20)) for _ in range(3)) if rating_id else ""
        text = sentence(rng, rng.randint(8, 25))
        claim_date = created.date() if claimant_id else None
        path = PATHS[status]
        at = created
        events = []
        version = 1
        for frm, to in path:
            at = at + dt.timedelta(minutes=rng.randint(5, 60 * 24 * 7))
            if at > NOW:
                at = NOW
            version += 1
            actor = rng.choice(reviewers) if to == "published" else rng.choice(editors + reviewers)
            note = ""
            if to == "dismissed":
                note = "Not checkable: " + sentence(rng, 6)
            events.append(
                {
                    "claim_id": claim_id,
                    "from_status": frm,
                    "to_status": to,
                    "actor_id": actor,
                    "at": at,
                    "note": note,
                    "rating_id": rating_id if to in ("in_review", "published") else None,
                    "version": version,
                }
            )
        # Appearances: one in the claim's article, a second in another for one claim in five. The other is
        # one of the articles around this task's own (their bodies are made once per task, not per claim).
        articles = [first_article(claim_id, n)]
        if claim_id > READER_BIG_CLAIMS + READER_SMALL_CLAIMS and rng.random() < 0.2:
            other = rng.randint(*others)
            if other != articles[0]:
                articles.append(other)
        appearances = []
        for article_id in articles:
            quote, start, end, prefix, suffix = quote_in(article_id, rng)
            appearances.append(
                {
                    "claim_id": claim_id,
                    "article_id": article_id,
                    "quote": quote,
                    "start": start,
                    "end": end,
                    "prefix": prefix,
                    "suffix": suffix,
                    "attribution": "",
                    "created_by_id": creator,
                    "created_at": created,
                }
            )
        evidence = []
        if status in ("in_review", "published") or (status == "researching" and rng.random() < 0.5):
            for source_id in sorted(set(rng.randint(1, n["sources"]) for _ in range(rng.randint(1, 3)))):
                evidence.append(
                    {
                        "claim_id": claim_id,
                        "source_id": source_id,
                        "stance": ("supports", "refutes", "context")[source_id % 3],
                        "excerpt": sentence(rng, rng.randint(8, 20)),
                        "note": "",
                        "added_by_id": creator,
                        "added_at": created + dt.timedelta(minutes=len(evidence) + 1),
                    }
                )
        tag_ids = sorted(set(rng.randint(1, len(tag_names)) for _ in range(pick(rng, TAGS_PER_CLAIM))))
        published_at = snapshot = None
        if status == "published":
            published_at = events[-1]["at"]
            claim = m.Claim(
                id=claim_id,
                text=text,
                claim_date=claim_date,
                rating=rating_objs[rating_id],
                verdict_summary=summary,
                verdict_explanation=explanation,
                version=version - 1,  # as the workflow builds it: before the publishing bump
                published_at=None,
            )
            claim.claimant = m.Claimant(id=claimant_id, **context["claimant"](claimant_id))
            snap_appearances = []
            for a in appearances:
                row = article_row(a["article_id"], n)
                outlet = m.Outlet(id=row["outlet_id"], name=context["outlets"][row["outlet_id"]])
                article = m.Article(
                    id=a["article_id"],
                    title=row["title"],
                    url=row["url"],
                    outlet=outlet,
                    published_at=row["published_at"],
                    language=row["language"],
                )
                snap_appearances.append(m.Appearance(article=article, quote=a["quote"], attribution=a["attribution"]))
            snap_evidence = []
            for e in evidence:
                src = source_row(e["source_id"])
                source = m.Source(**{k: v for k, v in src.items()})
                snap_evidence.append(m.Evidence(source=source, stance=e["stance"], excerpt=e["excerpt"]))
            snapshot = workflow.snapshot_of(
                claim,
                published_at,
                bounds=bounds,
                tags=[tag_names[t - 1] for t in tag_ids],
                evidence=snap_evidence,
                appearances=snap_appearances,
            )
        trashed = status != "published" and rng.random() < 0.005
        parts = domain_parts(appearances)
        document = (
            search_document(text, summary, explanation, claimant_id, parts, tag_ids, context)
            if context.get("search_documents", True)
            else ""
        )
        if not trashed:  # a trashed claim is no match: the index holds no postings of it
            out["MatchTerm"].extend(postings(tabs["MatchTerm"], claim_id, text, parts))
        out["Claim"].append(
            tabs["Claim"].row(
                {
                    "id": claim_id,
                    "text": text,
                    "claimant_id": claimant_id,
                    "claim_date": claim_date,
                    "status": status,
                    "rating_id": rating_id,
                    "verdict_summary": summary,
                    "verdict_explanation": explanation,
                    "search_document": document,
                    "assignee_id": rng.choice(editors + reporters) if status in ("researching", "in_review") else None,
                    "priority": pick(rng, (("normal", 0.7), ("high", 0.15), ("low", 0.15))),
                    "version": version + (1 if trashed else 0),
                    "created_by_id": creator,
                    "created_at": created,
                    "updated_at": NOW if trashed else at,
                    "published_at": published_at,
                    "public_snapshot": json.dumps(snapshot) if snapshot else None,
                    "last_published_at": published_at,
                    "deleted_at": NOW if trashed else None,
                    "deleted_by_id": rng.choice(editors) if trashed else None,
                }
            )
        )
        out["Appearance"].extend(tabs["Appearance"].row(a) for a in appearances)
        out["Evidence"].extend(tabs["Evidence"].row(e) for e in evidence)
        out["VerificationEvent"].extend(tabs["VerificationEvent"].row(e) for e in events)
        out["ClaimTags"].extend(tabs["ClaimTags"].row({"claim_id": claim_id, "tag_id": t}) for t in tag_ids)
    return out


def domain_parts(appearances: list[dict]) -> list[SimpleNamespace]:
    """A claim's appearances as the domain reads them (tracker.finding.search._claims_with_parts): by article
    and offset (a claim quotes an article once here), with the few attributes search and matching read."""
    return [
        SimpleNamespace(
            article=SimpleNamespace(published_at=article_published(a["article_id"]), language=ARTICLE_LANGUAGE),
            article_id=a["article_id"],
            quote=a["quote"],
            attribution=a["attribution"],
            start=a["start"],
        )
        for a in sorted(appearances, key=lambda a: (a["article_id"], a["start"]))
    ]


def search_document(text, summary, explanation, claimant_id, parts, tag_ids, context) -> str:
    """Return the search document the domain would have written for the claim (tracker.finding.search)."""
    from tracker.finding import search

    # document_for reads only these attributes: plain objects carrying them cost a fraction of model instances.
    claimant = SimpleNamespace(name=context["claimant"](claimant_id)["name"]) if claimant_id else None
    claim = SimpleNamespace(
        text=text, verdict_summary=summary, verdict_explanation=explanation, claimant_id=claimant_id, claimant=claimant
    )
    # Tags by their name as the database sorts them.
    rank = context["tag_rank"]
    return search.document_for(claim, parts, [context["tags"][t - 1] for t in sorted(tag_ids, key=rank.__getitem__)])


def postings(table, claim_id: int, text: str, parts: list[SimpleNamespace]) -> list[tuple]:
    """The claim's rows of the matching index, as tracker.finding.matching.index_new_claim writes them."""
    from tracker.finding import matching
    from tracker.finding.models import MatchTerm

    terms, length = matching.claim_terms(SimpleNamespace(text=text), parts)
    kind = MatchTerm.Kind.CLAIM.value
    return [
        table.row({"term": term, "kind": kind, "ref": claim_id, "weight": weight, "length": length})
        for term, weight in terms.items()
    ]


# ----------------------------------------------------------------------------- the pool

_worker_state: dict = {}


def _init_worker(database_url: str, context: dict) -> None:
    setup_django(database_url)
    _worker_state["context"] = context
    _worker_state["url"] = database_url


def _copy(rows_by_table: dict[str, list[tuple]]) -> int:
    import psycopg

    tabs = tables()
    total = 0
    with psycopg.connect(_worker_state["url"], autocommit=False) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            for name, rows in rows_by_table.items():
                if not rows:
                    continue
                with cursor.copy(tabs[name].copy_sql()) as copy:
                    for row in rows:
                        copy.write_row(row)
                total += len(rows)
        conn.commit()
    return total


def task(kind: str, first: int, last: int, scale: float) -> tuple[str, int, int]:
    if kind == "articles":
        n = sizes(scale)
        tab = tables()["Article"]
        rows = [tab.row(article_row(i, n)) for i in range(first, last + 1)]
        article_body.cache_clear()
        return kind, last - first + 1, _copy({"Article": rows})
    if kind == "sources":
        tab = tables()["Source"]
        return kind, last - first + 1, _copy({"Source": [tab.row(source_row(i)) for i in range(first, last + 1)]})
    rows = fill_claims(first, last, scale, _worker_state["context"])
    if article_body.cache_info().currsize > 20_000:
        article_body.cache_clear()
    return kind, last - first + 1, _copy(rows)


def run_pool(database_url: str, scale: float, workers: int, context: dict, log) -> None:
    n = sizes(scale)
    jobs = []
    for kind, count, step in (
        ("articles", n["articles"], 2_000),
        ("sources", n["sources"], 20_000),
        ("claims", n["claims"], CHUNK),
    ):
        jobs += [(kind, first, min(first + step - 1, count)) for first in range(1, count + 1, step)]
    done = {"articles": 0, "sources": 0, "claims": 0}
    started = last_log = time.monotonic()
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(database_url, context))
    try:
        pending = {pool.submit(task, kind, first, last, scale) for kind, first, last in jobs}
        while pending:
            finished, pending = wait(pending, timeout=30, return_when=FIRST_EXCEPTION)
            for future in finished:
                kind, count, _ = future.result()  # a child's exception (or its death) stops the fill here
                done[kind] += count
            if time.monotonic() - last_log < 30 and pending:
                continue
            last_log = time.monotonic()
            log(
                f"  {done['articles']:,}/{n['articles']:,} articles, {done['sources']:,}/{n['sources']:,} sources, "
                f"{done['claims']:,}/{n['claims']:,} claims ({time.monotonic() - started:.0f} s)"
            )
    except BaseException:
        # Fail fast: drop the queued tasks and stop the children instead of waiting for them.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


# ----------------------------------------------------------------------------- indexes and constraints


def strip_indexes(cursor, tables_: list[str]) -> list[str]:
    """Drop the indexes and constraints of tables (not their primary keys); return the SQL that restores them."""
    cursor.execute(
        """
        SELECT con.conname, rel.relname, pg_get_constraintdef(con.oid), con.contype, con.conindid
        FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
        WHERE rel.relname = ANY(%s) AND con.contype IN ('f', 'u', 'c')
        """,
        [tables_],
    )
    constraints = cursor.fetchall()
    constraint_indexes = {row[4] for row in constraints if row[4]}
    cursor.execute(
        """
        SELECT i.indexrelid, c.relname, pg_get_indexdef(i.indexrelid), t.relname
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND NOT i.indisprimary
        """,
        [tables_],
    )
    indexes = [row for row in cursor.fetchall() if row[0] not in constraint_indexes]
    order = {"c": 0, "u": 1, "f": 2}
    restore = [definition for _, _, definition, _ in indexes]
    for name, table, definition, _, _ in sorted(constraints, key=lambda row: order[row[3]]):
        restore.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for name, table, _, _, _ in constraints:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for _, name, _, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return restore


# ----------------------------------------------------------------------------- main


def database_url_for(base_url: str, scale: float) -> str:
    """The database of one scale: BENCH_DATABASE_URL's name with the scale after it (factdesk_bench_0p1)."""
    return f"{base_url}_{f'{scale:g}'.replace('.', 'p')}"


def fill_mark(scale: float, search_documents: bool = True) -> str:
    """What a filled database says of itself: the fill's format, its scale, and the migrations it was made by."""
    from django.db.migrations.loader import MigrationLoader

    # From the migration files alone: the database may not exist yet.
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    leaves = sorted(f"{app}.{name}" for app, name in graph.leaf_nodes())
    search = "" if search_documents else " search-documents=none"
    return f"factdesk-bench format={FILL_FORMAT} scale={scale:g}{search} migrations={','.join(leaves)}"


def is_filled(database_url: str, scale: float, search_documents: bool = True) -> bool:
    """Whether database_url holds a complete fill at scale by the current migrations (its mark is set last)."""
    import psycopg

    name = database_url.rsplit("/", 1)[1].split("?")[0]
    try:
        with psycopg.connect(database_url, connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
    except psycopg.OperationalError:
        return False
    return bool(row) and row[0] == fill_mark(scale, search_documents)


def recreate_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    name = database_url.rsplit("/", 1)[1].split("?")[0]
    server = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def small_tables(scale: float) -> dict:
    """Users, outlets, claimants and tags through the ORM; return what the pool's workers need of them."""
    from django.contrib.auth.models import Group, User

    from tracker import models as m

    n = sizes(scale)
    groups = {g.name: g for g in Group.objects.all()}
    users = {"reporter": [], "editor": [], "reviewer": []}
    counts = {"reporter": 20, "editor": 10, "reviewer": 5}
    for role, count in counts.items():
        for i in range(count):
            user = User.objects.create_user(f"bench-{role}-{i}", password=None)
            user.groups.add(groups[role])
            users[role].append(user.pk)
    m.Outlet.objects.bulk_create(
        [
            m.Outlet(id=i, name=f"Outlet {i}", domain=f"news{i - 1}.example.org", country="US", language="en")
            for i in range(1, n["outlets"] + 1)
        ]
    )

    claimant = _ClaimantMaker(n["claimants"])

    m.Claimant.objects.bulk_create(
        [m.Claimant(id=i, **claimant(i)) for i in range(1, n["claimants"] + 1)], batch_size=5_000
    )
    tag_names = [f"{w.lower()}-{i}" for i, w in enumerate(random.Random(5).choices(vocabulary(), k=n["tags"]))]
    m.Tag.objects.bulk_create([m.Tag(id=i, name=name) for i, name in enumerate(tag_names, start=1)])
    in_order = m.Tag.objects.order_by(*m.Tag._meta.ordering).values_list("id", flat=True)
    tag_rank = {pk: i for i, pk in enumerate(in_order)}
    ratings = list(m.Rating.objects.values_list("id", "slug", "label", "value", "description"))
    if not ratings:
        raise FillError("No ratings: migration 0002_default_ratings should have made the default scale.")
    return {
        "users": users,
        "ratings": ratings,
        "bounds": m.Rating.scale_bounds(),
        "tags": tag_names,
        "tag_rank": tag_rank,
        "outlets": dict(m.Outlet.objects.values_list("id", "name")),
        "claimant": claimant,
    }


class _ClaimantMaker:
    """Picklable: the claimant fields of id i, as small_tables stored them."""

    def __init__(self, count: int):
        self.count = count
        self.made = {}  # each worker's own: a claimant is asked for by its ~20 claims

    def __call__(self, i: int) -> dict:
        if i not in self.made:
            rng = random.Random(i * 13)
            kind = "person" if i % 4 else "organisation"
            self.made[i] = {
                "name": " ".join(words(rng, 2)).title() + f" {i}",
                "kind": kind,
                "description": sentence(rng, 4)[:-1] if i % 3 else "",
            }
        return dict(self.made[i])


def fill(database_url: str, scale: float, workers: int, log=print, *, search_documents: bool = True) -> dict:
    """Fill a new database at database_url; return the sizes and how long each step took."""
    started = time.monotonic()
    timings = {}
    recreate_database(database_url)
    setup_django(database_url)
    from django.core.management import call_command
    from django.db import connection

    from tracker.models import StatusCount

    log(f"Migrating a new database for SCALE={scale} …")
    call_command("migrate", verbosity=0, interactive=False)
    check_schema()
    tabs = tables()  # fails here, before loading, if a model has a column the fill cannot fill
    context = small_tables(scale)
    context["search_documents"] = search_documents
    table_names = [t.name for t in tabs.values()]
    with connection.cursor() as cursor:
        restore = strip_indexes(cursor, table_names)
    connection.close()
    timings["setup"] = time.monotonic() - started

    log(f"Loading with {workers} processes …")
    step = time.monotonic()
    run_pool(database_url, scale, workers, context, log)
    timings["load"] = time.monotonic() - step

    log(f"Rebuilding {len(restore)} indexes and constraints …")
    step = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        for statement in restore:
            cursor.execute(statement)
        for model_table in table_names + ["tracker_outlet", "tracker_claimant", "tracker_tag"]:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{model_table}\"', 'id'), "  # noqa: S608 (our table names)
                f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{model_table}"), false)'
            )
    timings["indexes"] = time.monotonic() - step
    step = time.monotonic()
    StatusCount.objects.recount()
    recount_match_stats()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    timings["recount_vacuum"] = time.monotonic() - step
    timings["total"] = time.monotonic() - started
    counts = {}
    with connection.cursor() as cursor:
        for name, tab in tabs.items():
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [tab.name])
            counts[name] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM tracker_claim WHERE public_snapshot IS NOT NULL")
        counts["published"] = cursor.fetchone()[0]
        mark = fill_mark(scale, search_documents)
        cursor.execute(f'COMMENT ON DATABASE "{connection.settings_dict["NAME"]}" IS %s', [mark])
    log("Rows (estimated): " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    log("Times: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    return {"counts": counts, "timings": timings, "scale": scale}


def recount_match_stats() -> None:
    """BM25's N and total length of the claims the fill indexed (MatchStat), from the postings themselves."""
    from django.db import connection

    from tracker.finding.models import MatchStat, MatchTerm

    with connection.cursor() as cursor:
        table = MatchTerm._meta.db_table
        cursor.execute(
            "SELECT COUNT(*), COALESCE(SUM(length), 0) FROM "  # noqa: S608 (the model's table name)
            f"(SELECT DISTINCT ON (ref) length FROM {table} WHERE kind = %s ORDER BY ref) d",
            [MatchTerm.Kind.CLAIM],
        )
        documents, length = cursor.fetchone()
    MatchStat.objects.update_or_create(
        kind=MatchTerm.Kind.CLAIM, defaults={"documents": documents, "total_length": length}
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", "1")))
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
        help="the server and database name to start from: the scale is added to the name (factdesk_bench_0p1)",
    )
    parser.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    parser.add_argument(
        "--without-search-documents",
        action="store_true",
        help="leave the claims' search documents empty (about 3× faster; no path of issue 8 but search reads them)",
    )
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 10:
        parser.error("--scale must be above 0 and at most 10")
    try:
        fill(
            database_url_for(args.database_url, args.scale),
            args.scale,
            args.workers,
            search_documents=not args.without_search_documents,
        )
    except FillError as exc:
        print(f"bench.fill: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

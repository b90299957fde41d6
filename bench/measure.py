"""``make bench``: every hot path of issue 8 as a ratio against its baseline, measured in one run.

The machine is shared and noisy, so no figure is a bare time: each path (A) is
run interleaved with its baseline (B), A B A B …, ROUNDS times after a
warm-up, and the figure is median(A) ÷ median(B) (for throughputs the other
way round, so that higher is better where the goal says ≥). Query counts are
counted, not timed.

The desk is the PostgreSQL database bench.fill made at SCALE (filled first
when missing or made by other migrations), and one at SCALE ÷ 10 for the
figures that compare a public page at both sizes. Writes measured here
change rows of the bench database (claims move to researching, some are
created, imported articles are removed again) and the status counters are
recounted at the end.

Writes bench-results.json: {"<measure>": {"value", "baseline", "ratio",
"goal", "met", ...}} and prints the table.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import io
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from bench import fill as benchfill

ROOT = Path(__file__).resolve().parent.parent


class Switch:
    """A database router that sends every query to one alias, so one process can ask both desks in turn."""

    alias = "default"

    def db_for_read(self, model, **hints):
        return self.alias

    def db_for_write(self, model, **hints):
        return self.alias

    def allow_relation(self, *args, **hints):
        return True


SWITCH = Switch()


def setup(big_url: str, small_url: str) -> None:
    os.environ["DATABASE_URL"] = big_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    benchfill.bench_secret_key()
    import dj_database_url
    import django
    from django.conf import settings

    settings.DATABASES["small"] = dj_database_url.parse(small_url, conn_max_age=60)
    settings.DATABASE_ROUTERS = [SWITCH]
    django.setup()


def ensure_filled(url: str, scale: float, workers: int, search_documents: bool = True) -> None:
    if benchfill.is_filled(url, scale, search_documents):
        return
    print(f"Filling {url.rsplit('/', 1)[1]} at SCALE={scale:g} (bench.fill) …", flush=True)
    base = url[: url.rindex("_")]
    command = [sys.executable, "-m", "bench.fill", "--scale", f"{scale:g}", "--database-url", base]
    command += ["--workers", str(workers)] + ([] if search_documents else ["--without-search-documents"])
    subprocess.run(command, check=True, cwd=ROOT)  # noqa: S603 (our own command)


# ----------------------------------------------------------------------------- timing


def interleave(a, b, rounds: int) -> tuple[float, float]:
    """Return (median seconds of a, of b) over rounds runs of each, alternating, after one warm-up of each."""
    a(0)
    b(0)
    times_a, times_b = [], []
    for i in range(1, rounds + 1):
        start = time.perf_counter()
        a(i)
        times_a.append(time.perf_counter() - start)
        start = time.perf_counter()
        b(i)
        times_b.append(time.perf_counter() - start)
    return statistics.median(times_a), statistics.median(times_b)


class Results:
    def __init__(self):
        self.rows: dict[str, dict] = {}

    def ratio(self, name, value, baseline, goal: tuple[str, float], *, unit="s", note="", invert=False):
        ratio = (baseline / value) if invert else (value / baseline)
        self.rows[name] = {
            "value": round(value, 6),
            "baseline": round(baseline, 6),
            "ratio": round(ratio, 3),
            "goal": f"{goal[0]} {goal[1]}",
            "met": _meets(ratio, goal),
            "unit": unit,
            "note": note,
        }
        self._print(name)

    def count(self, name, value, goal: tuple[str, float], *, note="", met=None, unit="queries"):
        self.rows[name] = {
            "value": value,
            "baseline": None,
            "ratio": None,
            "goal": f"{goal[0]} {goal[1]}",
            "met": _meets(value, goal) if met is None else met,
            "unit": unit,
            "note": note,
        }
        self._print(name)

    def _print(self, name):
        row = self.rows[name]
        figure = row["ratio"] if row["ratio"] is not None else row["value"]
        print(
            f"  {name:<26} {figure!s:>9}   goal {row['goal']:<8} {'met' if row['met'] else 'NOT met'}  {row['note']}"
        )
        sys.stdout.flush()

    def table(self) -> str:
        lines = ["| measure | ratio / count | value | baseline | goal | met | note |", "|---|---|---|---|---|---|---|"]
        for name, row in self.rows.items():
            figure = row["ratio"] if row["ratio"] is not None else row["value"]
            value = _fmt(row["value"], row["unit"])
            baseline = _fmt(row["baseline"], row["unit"]) if row["baseline"] is not None else ""
            lines.append(
                f"| {name} | {figure} | {value} | {baseline} | {row['goal']} | {'yes' if row['met'] else 'NO'} | "
                f"{row['note']} |"
            )
        return "\n".join(lines)


def _fmt(value, unit):
    if unit == "s":
        return f"{value * 1000:.2f} ms"
    return f"{value:g} {unit}"


def _meets(figure, goal) -> bool:
    op, bound = goal
    return figure <= bound if op == "<=" else figure >= bound


# ----------------------------------------------------------------------------- the desk as a client sees it


class Desk:
    """Users, a token and clients on the bench database, and what the measures need from it."""

    def __init__(self, scale: float):
        from django.contrib.auth.models import User
        from django.test import Client
        from rest_framework.authtoken.models import Token

        self.scale = scale
        self.editor = User.objects.get(username="bench-editor-0")
        self.token = Token.objects.get_or_create(user=self.editor)[0].key
        self.api = Client(HTTP_AUTHORIZATION=f"Token {self.token}")
        self.ui = Client()
        self.ui.force_login(self.editor)
        self.public = Client()

    def get(self, client, url, expect=200, **extra):
        response = client.get(url, **extra)
        if response.status_code != expect:
            raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
        return response

    def send(self, method, url, body, expect=200, **extra):
        response = getattr(self.api, method)(url, data=json.dumps(body), content_type="application/json", **extra)
        if response.status_code != expect:
            raise RuntimeError(f"{method.upper()} {url} answered {response.status_code}: {response.content[:300]!r}")
        return response


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def statements(captured) -> int:
    """The statements a request ran, not counting BEGIN, COMMIT and savepoints (transaction control)."""
    return sum(1 for q in captured if not q["sql"].startswith(TRANSACTION_CONTROL))


def until_commit(captured) -> list:
    """The statements a request ran up to its (last) COMMIT: its write, without what it read for its answer."""
    sql = [q["sql"] for q in captured]
    last = max((i for i, q in enumerate(sql) if q.startswith("COMMIT")), default=len(sql))
    return list(captured)[:last]


@contextlib.contextmanager
def counting():
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connections["default"]) as captured:
        yield captured


def counting_last(i: int, rounds: int):
    """counting() for the last run of a measure only (i == rounds; caches warm, as for every run but the
    first): logging queries costs each statement the text of its values and Django's debug cursor, which no
    request pays in production, so the other runs go unlogged (the median of nine is that of eight of them)."""
    return counting() if i == rounds else contextlib.nullcontext()


def raw_connection():
    import psycopg
    from django.db import connections

    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params)


RAW_LIST_SQL = """
SELECT c.id, c.text, c.claimant_id, c.claim_date, c.status, r.slug, c.verdict_summary, c.verdict_explanation,
       COALESCE((SELECT array_agg(t.name ORDER BY t.name) FROM tracker_claim_tags ct
                 JOIN tracker_tag t ON t.id = ct.tag_id WHERE ct.claim_id = c.id), '{}'),
       a.username, c.priority, c.version, u.username, c.created_at, c.updated_at, c.published_at,
       COALESCE((SELECT json_agg(json_build_object(
                    'id', ap.id, 'article', ap.article_id, 'quote', ap.quote, 'start', ap.start, 'end', ap."end",
                    'prefix', ap.prefix, 'suffix', ap.suffix, 'attribution', ap.attribution,
                    'anchor_state', ap.anchor_state, 'needs_confirmation', ap.needs_confirmation,
                    'created_at', ap.created_at) ORDER BY ap.article_id, ap.start, ap.id)
                 FROM tracker_appearance ap WHERE ap.claim_id = c.id), '[]'),
       c.public_snapshot ->> 'text'
FROM tracker_claim c
LEFT JOIN tracker_rating r ON r.id = c.rating_id
LEFT JOIN auth_user a ON a.id = c.assignee_id
LEFT JOIN auth_user u ON u.id = c.created_by_id
WHERE c.deleted_at IS NULL
ORDER BY c.created_at DESC, c.id DESC
LIMIT %s
"""
RAW_KEYS = [
    "id",
    "text",
    "claimant",
    "claim_date",
    "status",
    "rating",
    "verdict_summary",
    "verdict_explanation",
    "tags",
    "assignee",
    "priority",
    "version",
    "created_by",
    "created_at",
    "updated_at",
    "published_at",
    "appearances",
]


def raw_list(cursor, site: str, size: int = 50) -> bytes:
    """The claims of GET claims/?page_size=50 by one hand-written query, as JSON by orjson: the floor."""
    import orjson
    from django.utils.text import slugify

    cursor.execute(RAW_LIST_SQL, [size + 1])
    rows = cursor.fetchall()[:size]
    results = []
    for row in rows:
        item = dict(zip(RAW_KEYS, row[:17], strict=True))
        public = row[17]
        item["public_url"] = (
            f"{site}/fact-checks/{row[0]}/{slugify(public)[:80].strip('-') or 'claim'}/" if public else None
        )
        results.append(item)
    return orjson.dumps({"next": None, "previous": None, "results": results})


def hand_dict(claim) -> dict:
    """A claim as ClaimSerializer shapes it, written by hand: the serializer's floor."""
    from tracker import claimreview

    return {
        "id": claim.id,
        "text": claim.text,
        "claimant": claim.claimant_id,
        "claim_date": claim.claim_date.isoformat() if claim.claim_date else None,
        "status": claim.status,
        "rating": claim.rating.slug if claim.rating_id else None,
        "verdict_summary": claim.verdict_summary,
        "verdict_explanation": claim.verdict_explanation,
        "tags": [tag.name for tag in claim.tags.all()],
        "assignee": claim.assignee.username if claim.assignee_id else None,
        "priority": claim.priority,
        "version": claim.version,
        "created_by": claim.created_by.username if claim.created_by_id else None,
        "created_at": claim.created_at.isoformat(),
        "updated_at": claim.updated_at.isoformat(),
        "published_at": claim.published_at.isoformat() if claim.published_at else None,
        "appearances": [
            {
                "id": a.id,
                "article": a.article_id,
                "quote": a.quote,
                "start": a.start,
                "end": a.end,
                "prefix": a.prefix,
                "suffix": a.suffix,
                "attribution": a.attribution,
                "anchor_state": a.anchor_state,
                "needs_confirmation": a.needs_confirmation,
                "created_at": a.created_at.isoformat(),
            }
            for a in claim.appearances.all()
        ],
        "public_url": claimreview.public_url(claim) if claim.public_snapshot is not None else None,
    }


# ----------------------------------------------------------------------------- the measures


def measure_reads(desk: Desk, results: Results, rounds: int) -> None:
    from django.conf import settings

    from tracker.api import serializers as s
    from tracker.api.views import desk_claims
    from tracker.models import Claim

    site = settings.FACTDESK_SITE_URL
    with raw_connection() as conn, conn.cursor() as cursor:
        ta, tb = interleave(
            lambda i: desk.get(desk.api, "/api/v1/claims/?page_size=50"),
            lambda i: raw_list(cursor, site),
            rounds,
        )
    results.ratio("api_list_vs_raw", ta, tb, ("<=", 2.5), note="GET claims/?page_size=50 ÷ psycopg + orjson")

    claims = list(desk_claims()[:50])
    ta, tb = interleave(
        lambda i: s.ClaimSerializer(claims, many=True).data,
        lambda i: [hand_dict(c) for c in claims],
        rounds,
    )
    results.ratio("serializer_vs_dict", ta, tb, ("<=", 3), note="ClaimSerializer ÷ a hand-built dict, 50 claims")

    counts = {}
    for size in (10, 100, 200):
        with counting() as captured:
            desk.get(desk.api, f"/api/v1/claims/?page_size={size}")
        counts[size] = statements(captured)
    worst = max(counts.values())
    results.count(
        "api_list_queries",
        worst,
        ("<=", 4),
        note="at 10/100/200 rows: " + "/".join(str(counts[n]) for n in (10, 100, 200)),
        met=worst <= 4 and len(set(counts.values())) == 1,
    )

    depth = int(500_000 * desk.scale)
    deep_url = ui_deep_url(desk, depth)
    ta, tb = interleave(lambda i: desk.get(desk.ui, deep_url), lambda i: desk.get(desk.ui, "/claims/"), rounds)
    results.ratio("ui_queue_depth", ta, tb, ("<=", 1.5), note=f"/claims/?after=… ({depth:,} deep) ÷ /claims/")

    position = Claim.objects.order_by("-created_at", "-id").values_list("created_at", flat=True)[depth]
    cursor_param = base64.b64encode(urllib.parse.urlencode({"p": str(position)}).encode()).decode()
    deep_api = "/api/v1/claims/?page_size=50&" + urllib.parse.urlencode({"cursor": cursor_param})
    ta, tb = interleave(
        lambda i: desk.get(desk.api, deep_api), lambda i: desk.get(desk.api, "/api/v1/claims/?page_size=50"), rounds
    )
    results.ratio("api_cursor_depth", ta, tb, ("<=", 1.5), note=f"cursor {depth:,} deep ÷ first page")

    big, small = f"{desk.scale:g}", f"{desk.scale / 10:g}"
    for name, url in (
        ("factchecks_scale", "/fact-checks/"),
        ("feed_scale", "/fact-checks/feed/"),
        ("claimreview_scale", "/api/v1/claimreview/"),
    ):
        ta, tb = interleave(
            lambda i, url=url: on("default", desk.get, desk.public, url),
            lambda i, url=url: on("small", desk.get, desk.public, url),
            rounds,
        )
        results.ratio(name, ta, tb, ("<=", 1.5), note=f"{url} at SCALE={big} ÷ at SCALE={small}")

    big_article, small_article = 1, 2
    ta, tb = interleave(
        lambda i: desk.get(desk.ui, f"/articles/{big_article}/"),
        lambda i: desk.get(desk.ui, f"/articles/{small_article}/"),
        rounds,
    )
    size = len(desk.get(desk.ui, f"/articles/{big_article}/").content)
    results.ratio(
        "reader_300_vs_10",
        ta,
        tb,
        ("<=", 4),
        note=f"reader of a {benchfill.READER_BIG_CLAIMS}-claim article ({1 / ta:.1f}/s, {size / 1024:.0f} KB) "
        f"÷ of a {benchfill.READER_SMALL_CLAIMS}-claim one",
    )


def search_terms(scale: float) -> dict[str, str]:
    """A common search word (the stem in closest to half the claims, by the planner's own statistics) and a
    rare one (the number in the last claimant's name: that claimant's ~16 claims), the same at both scales."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = 'tracker_claim' AND attname = 'search_vector'"
        )
        row = cursor.fetchone()
    if not row or not row[0]:
        raise RuntimeError("No statistics of tracker_claim.search_vector: was the bench database analysed?")
    elems, freqs = row
    common = min((e for e in zip(elems, freqs, strict=False) if e[0].isalpha()), key=lambda e: abs(e[1] - 0.5))
    return {"common": common[0], "rare": str(benchfill.sizes(scale)["claimants"]), "common_share": common[1]}


def share_token(desk: Desk) -> None:
    """Give the editor of the current desk the token desk.api sends, so one client asks both desks."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    editor = User.objects.get(username=desk.editor.username)
    Token.objects.filter(user=editor).exclude(key=desk.token).delete()
    Token.objects.get_or_create(key=desk.token, defaults={"user": editor})


def listing_sql(desk: Desk, url: str) -> str:
    """The SQL of the claims listing a GET of url runs (the query that reads tracker_claim and orders it)."""
    with counting() as captured:
        desk.get(desk.api, url)
    found = [q["sql"] for q in captured if '"tracker_claim"' in q["sql"] and "ORDER BY" in q["sql"]]
    if not found:
        raise RuntimeError(f"GET {url} read no ordered claims")
    return found[0]


def sequential_scans_of_claims(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return plan.count("Seq Scan on tracker_claim ")


def measure_search(desk: Desk, results: Results, rounds: int) -> None:
    """Issue 7's search at scale, on the API's claims/?search=: the first page of a common word and of a rare one,
    at SCALE and at SCALE ÷ 10, and whether the plans read the claims table from end to end."""
    terms = on("default", search_terms, desk.scale)
    small_terms = on("small", search_terms, desk.scale / 10)
    on("small", share_token, desk)
    big, small = f"{desk.scale:g}", f"{desk.scale / 10:g}"
    first = "/api/v1/claims/?page_size=50"
    scans = {}
    for kind in ("common", "rare"):
        url = f"{first}&search={terms[kind]}"
        small_url = f"{first}&search={small_terms[kind]}"
        if kind == "common":
            ta, tb = interleave(
                lambda i, url=url: desk.get(desk.api, url), lambda i: desk.get(desk.api, first), rounds
            )
            results.count(
                "search_common_first_page",
                round(ta * 1000, 2),
                ("<=", 200),
                unit="ms",
                note=f"claims/?search={terms[kind]} (in {terms['common_share']:.0%} of claims), first page; "
                f"{ta / tb:.2f}× the page without search",
            )
        ta, tb = interleave(
            lambda i, url=url: on("default", desk.get, desk.api, url),
            lambda i, url=small_url: on("small", desk.get, desk.api, url),
            rounds,
        )
        results.ratio(
            f"search_{kind}_scale",
            ta,
            tb,
            ("<=", 2),
            note=f"claims/?search={terms[kind]} at SCALE={big} ÷ ?search={small_terms[kind]} at SCALE={small}",
        )
        scans[kind] = on("default", lambda url=url: sequential_scans_of_claims(listing_sql(desk, url)))
    results.count(
        "search_seq_scans",
        sum(scans.values()),
        ("<=", 0),
        unit="scans",
        note="sequential scans of tracker_claim in the plans of both searches: "
        + ", ".join(f"{k} {v}" for k, v in scans.items()),
    )


def on(alias, function, *args):
    SWITCH.alias = alias
    try:
        return function(*args)
    finally:
        SWITCH.alias = "default"


def ui_deep_url(desk: Desk, depth: int) -> str:
    """The queue's URL for the claims depth rows down its default order: its keyset cursor (Next → there)."""
    from tracker import keyset
    from tracker.forms import ClaimFilterForm
    from tracker.models import Claim

    ordering = ClaimFilterForm.SORTS["-updated"]
    row = Claim.objects.order_by(*ordering)[depth - 1]
    return "/claims/?" + urllib.parse.urlencode({"after": keyset.cursor_for(row, ordering)})


def measure_writes(desk: Desk, results: Results, rounds: int) -> None:
    import random

    from tracker.models import Article, Claim, StatusCount

    n = rounds + 1
    fresh = list(
        Claim.objects.filter(status="new", id__gt=1_000).order_by("-id").values_list("id", "version")[: 2 * n]
    )
    editable = list(
        Claim.objects.filter(status="researching", id__gt=1_000).order_by("id").values_list("id", "version")[: 2 * n]
    )
    if len(fresh) < 2 * n or len(editable) < 2 * n:
        raise RuntimeError("The bench database has run out of new or researching claims: refill it (make bench-fill).")
    actor = desk.editor.pk
    queries, written = {}, {}
    # In every summary written here, so a second run on the same desk changes the claims again (not a no-op).
    run = f"{time.time():.0f}"

    def api_transition(i):
        claim_id, version = fresh[i]
        with counting_last(i, rounds) as captured:
            desk.send(
                "post",
                f"/api/v1/claims/{claim_id}/transition/",
                {"to": "researching"},
                HTTP_IF_MATCH=f'"{claim_id}-{version}"',
            )
        if i == rounds:
            queries["transition"] = statements(captured)
            written["transition"] = statements(until_commit(captured))

    def api_patch(i):
        claim_id, version = editable[i]
        with counting_last(i, rounds) as captured:
            desk.send(
                "patch",
                f"/api/v1/claims/{claim_id}/",
                {"verdict_summary": f"Checked by the bench ({run}-{i})."},
                HTTP_IF_MATCH=f'"{claim_id}-{version}"',
            )
        if i == rounds:
            queries["patch"] = statements(captured)
            written["patch"] = statements(until_commit(captured))

    stamp = f"{time.time():.0f}"
    # Other articles on each run: quoting the same ones again would quote what the claims logged by the runs
    # before quote, which ranking then finds at once (a desk logging the same claims again and again).
    last = Article.objects.order_by("-id").values_list("id", flat=True).first()
    picked = random.Random(stamp).sample(range(3, last + 1), min(2 * n * 4, last - 2))
    articles = list(Article.objects.filter(id__in=picked).order_by("id").values_list("id", "body"))[: 2 * n]

    def claim_text(i):
        # The claim as its quote words it. Not one wording for all: every claim the bench logged before would
        # then be a strong match of the next, and the ranking faster the more often the bench ran on a desk.
        return quote_of(i)[1].capitalize() + "."

    def quote_of(i):
        article_id, body = articles[i]
        start = body.index(" ", 40) + 1
        return article_id, body[start : body.index(" ", start + 60)], start

    def api_create(i):
        article_id, quote, start = quote_of(i)
        body = {
            "text": claim_text(i),
            "appearances": [{"article": article_id, "quote": quote, "start": start}],
        }
        with counting_last(i, rounds) as captured:
            desk.send("post", "/api/v1/claims/", body, expect=201)
        if i == rounds:
            queries["create"] = statements(captured)
            written["create"] = statements(until_commit(captured))

    tabs = benchfill.tables()
    with raw_connection() as conn, conn.cursor() as cursor:

        def raw_transition(i):
            claim_id, version = fresh[n + i]
            cursor.execute(
                "UPDATE tracker_claim SET status = 'researching', version = version + 1, updated_at = now() "
                "WHERE id = %s AND version = %s",
                [claim_id, version],
            )
            cursor.execute(
                "INSERT INTO tracker_verificationevent "
                "(claim_id, from_status, to_status, actor_id, at, note, version) "
                "VALUES (%s, 'new', 'researching', %s, now(), '', %s)",
                [claim_id, actor, version + 1],
            )
            conn.commit()

        def raw_patch(i):
            claim_id, version = editable[n + i]
            cursor.execute(
                "UPDATE tracker_claim SET verdict_summary = %s, version = version + 1, updated_at = now() "
                "WHERE id = %s AND version = %s",
                [f"Checked by the bench ({run}-r{i}).", claim_id, version],
            )
            conn.commit()

        def raw_create(i):
            article_id, quote, start = quote_of(n + i)
            now = dt.datetime.now(dt.UTC)
            claim = tabs["Claim"]
            values = {f.attname: None for f, _ in claim.fields}
            values.update(
                text=claim_text(n + i),
                status="new",
                priority="normal",
                version=1,
                created_by_id=actor,
                created_at=now,
                updated_at=now,
                verdict_summary="",
                verdict_explanation="",
                search_document="",
            )
            row = dict(zip(claim.columns, claim.row({**values, "id": None}), strict=True))
            row.pop("id", None)
            cursor.execute(
                f"INSERT INTO tracker_claim ({', '.join(map(_quote, row))}) "  # noqa: S608 (columns of the model)
                f"VALUES ({', '.join(['%s'] * len(row))}) RETURNING id",
                list(row.values()),
            )
            claim_id = cursor.fetchone()[0]
            body = dict(articles)[article_id]
            cursor.execute(
                'INSERT INTO tracker_appearance (claim_id, article_id, quote, start, "end", prefix, suffix, '
                "attribution, anchor_state, needs_confirmation, created_by_id, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, '', 'anchored', false, %s, %s)",
                [
                    claim_id,
                    article_id,
                    quote,
                    start,
                    start + len(quote),
                    body[max(0, start - 32) : start],
                    body[start + len(quote) : start + len(quote) + 32],
                    actor,
                    now,
                ],
            )
            conn.commit()

        for name, a, b in (
            ("transition", api_transition, raw_transition),
            ("patch", api_patch, raw_patch),
            ("create", api_create, raw_create),
        ):
            ta, tb = interleave(a, b, rounds)
            results.ratio(f"{name}_vs_raw", ta, tb, ("<=", 4), note=f"{queries[name]} queries")
            results.count(
                f"{name}_queries",
                queries[name],
                ("<=", 8),
                note=f"statements, without BEGIN/COMMIT/savepoints: {written[name]} until COMMIT, "
                f"{queries[name] - written[name]} after it (webhooks, the answer)",
            )
    StatusCount.objects.recount()  # the raw writes moved claims behind the counters' back


def _quote(column: str) -> str:
    return f'"{column}"'


def measure_import(desk: Desk, results: Results, rounds: int, files: int = 1_000) -> None:
    import random

    from django.core.management import call_command
    from django.db import connection

    from tracker.models import Article, body_hash

    rng = random.Random(8)
    stamp = f"{time.time():.0f}"
    work = Path(tempfile.mkdtemp(prefix="factdesk-bench-import-"))
    tab = benchfill.tables()["Article"]

    def texts(tag):
        for i in range(files):
            paragraphs = [" ".join(benchfill.sentence(rng, rng.randint(8, 24)) for _ in range(4)) for _ in range(6)]
            yield f"Bench import {stamp} {tag} {i}", "\n\n".join(paragraphs) + f"\n\n({stamp} {tag} {i})"

    try:
        dirs = {}
        rows = {}
        for r in range(rounds + 1):
            folder = work / f"round-{r}"
            folder.mkdir()
            for i, (title, body) in enumerate(texts(f"a{r}")):
                (folder / f"{i:04}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
            dirs[r] = folder
            now = dt.datetime.now(dt.UTC)
            rows[r] = [
                tab.row(
                    {
                        "id": None,
                        "title": title,
                        "outlet_id": None,
                        "url": None,
                        "authors": "[]",
                        "published_at": None,
                        "language": "en",
                        "body": body,
                        "body_sha256": body_hash(body),
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                )
                for title, body in texts(f"b{r}")
            ]

        def run_import(i):
            call_command("import_articles", str(dirs[i]), stdout=io.StringIO(), stderr=io.StringIO())

        with raw_connection() as conn, conn.cursor() as cursor:
            columns = [c for c in tab.columns if c != "id"]
            keep = [i for i, c in enumerate(tab.columns) if c != "id"]

            def run_copy(i):
                with cursor.copy(f"COPY tracker_article ({', '.join(map(_quote, columns))}) FROM STDIN") as copy:
                    for row in rows[i]:
                        copy.write_row([row[k] for k in keep])
                conn.commit()

            ta, tb = interleave(run_import, run_copy, rounds)
        imported = Article.objects.filter(title__startswith=f"Bench import {stamp} a").count()
        results.ratio(
            "import_vs_copy",
            ta,
            tb,
            (">=", 0.25),
            invert=True,
            note=f"COPY ÷ import_articles of {files:,} .txt files ({files / ta:.0f} articles/s; {imported:,} stored)",
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with connection.cursor() as cursor:
            pattern = f"Bench import {stamp} %"
            cursor.execute("DELETE FROM tracker_historicalarticle WHERE title LIKE %s", [pattern])
            cursor.execute("DELETE FROM tracker_article WHERE title LIKE %s", [pattern])


# ----------------------------------------------------------------------------- gunicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(database_url: str):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "tracker.wsgi:application",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 (our own command)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield process, port
    finally:
        process.terminate()
        process.wait(timeout=30)


def workers_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children.append(int(entry.name))
    return children


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load(port: int, path: str, headers: dict, seconds: float, concurrency: int = 4) -> float:
    """Return requests per second answered 200 with concurrency clients for seconds (a new connection each)."""
    import http.client

    done = [0] * concurrency
    failures = []
    stop = time.monotonic() + seconds

    def client(k):
        while time.monotonic() < stop:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(response.status)
                    return
                done[k] += 1
            finally:
                conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"GET {path} under gunicorn answered {failures[0]}")
    return sum(done) / (time.monotonic() - started)


WRK_RPS_RE = re.compile(r"^Requests/sec:\s+([0-9.]+)", re.MULTILINE)
WRK_ERRORS_RE = re.compile(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)")


def wrk(port: int, path: str, headers: dict, seconds: float, concurrency: int = 4, *, warm_up: bool = False) -> float:
    """Return requests per second answered by wrk (Debian's wrk package) with concurrency connections."""
    command = ["wrk", "-t", "2", "-c", str(concurrency), "-d", f"{max(1, round(seconds))}s", "--timeout", "20s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    run = subprocess.run(  # noqa: S603 (our own command, to our own server)
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True, timeout=120
    )
    errors = WRK_ERRORS_RE.search(run.stdout)
    if errors and errors.group(1):
        raise RuntimeError(f"GET {path} under gunicorn: {errors.group(0)}")
    found = WRK_RPS_RE.search(run.stdout)
    if warm_up:
        return float(found.group(1)) if found else 0.0
    if found is None or float(found.group(1)) == 0:
        raise RuntimeError(f"wrk said nothing of requests per second: {run.stdout[-500:]}")
    return float(found.group(1))


def load_generator():
    """wrk where it is installed (apt-get install wrk), else the Python loader above; and its name."""
    if shutil.which("wrk"):
        return wrk, "wrk"
    return load, "Python threads (wrk not installed)"


def measure_servers(desk: Desk, results: Results, rounds: int, database_url: str, seconds: float = 2.0) -> None:
    headers = {"Authorization": f"Token {desk.token}", "Host": "127.0.0.1"}
    generate, generator = load_generator()
    with gunicorn(database_url) as (api_server, api_port), gunicorn(database_url) as (plain_server, plain_port):
        rps_api, rps_plain = [], []
        # Each worker's first requests load what it imports lazily: not counted.
        for port, path in ((api_port, "/api/v1/claims/?page_size=50"), (plain_port, "/bench/plain/")):
            load(port, path, headers, 2.0)
            if generate is wrk:
                wrk(port, path, headers, 2.0, warm_up=True)
        for _ in range(rounds):
            rps_api.append(generate(api_port, "/api/v1/claims/?page_size=50", headers, seconds))
            rps_plain.append(generate(plain_port, "/bench/plain/", headers, seconds))
        api, plain = statistics.median(rps_api), statistics.median(rps_plain)
        results.ratio(
            "wrk_api_vs_plain",
            1 / api,
            1 / plain,
            (">=", 0.5),
            invert=True,
            note=f"rps under gunicorn (2 workers, {generator}): API list {api:.0f}/s ÷ .values()+JsonResponse "
            f"{plain:.0f}/s",
        )
        rss_api = max(peak_rss_mb(pid) for pid in workers_of(api_server.pid))
        rss_plain = max(peak_rss_mb(pid) for pid in workers_of(plain_server.pid))
        results.ratio(
            "worker_rss",
            rss_api,
            rss_plain,
            ("<=", 1.3),
            unit="MB",
            note=f"peak RSS of a worker after the load: {rss_api:.0f} MB ÷ {rss_plain:.0f} MB",
        )


# ----------------------------------------------------------------------------- main

GROUPS = ("reads", "search", "writes", "import", "servers")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", "1")))
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", benchfill.DEFAULT_URL))
    parser.add_argument("--rounds", type=int, default=9, help="runs of each side (at least 9 for the report)")
    parser.add_argument("--only", nargs="*", choices=GROUPS, default=list(GROUPS))
    parser.add_argument("--workers", type=int, default=2, help="processes of bench.fill when it must fill")
    parser.add_argument("--output", default="bench-results.json")
    parser.add_argument("--import-files", type=int, default=1_000, help="files per import run")
    parser.add_argument("--load-seconds", type=float, default=2.0, help="length of each load run under gunicorn")
    parser.add_argument(
        "--without-search-documents", action="store_true", help="fill (or use) desks without search documents"
    )
    args = parser.parse_args(argv)
    big = benchfill.database_url_for(args.database_url, args.scale)
    small = benchfill.database_url_for(args.database_url, args.scale / 10)
    setup(big, small)
    for url, scale in ((big, args.scale), (small, args.scale / 10)):
        ensure_filled(url, scale, args.workers, search_documents=not args.without_search_documents)
    results = Results()
    desk = Desk(args.scale)
    print(f"Measuring at SCALE={args.scale:g} ({args.rounds} rounds each, interleaved) …", flush=True)
    if "reads" in args.only:
        measure_reads(desk, results, args.rounds)
    if "search" in args.only:
        measure_search(desk, results, args.rounds)
    if "writes" in args.only:
        measure_writes(desk, results, args.rounds)
    if "import" in args.only:
        measure_import(desk, results, args.rounds, files=args.import_files)
    if "servers" in args.only:
        measure_servers(desk, results, args.rounds, big, seconds=args.load_seconds)
    Path(args.output).write_text(json.dumps(results.rows, indent=2) + "\n", encoding="utf-8")
    print()
    print(f"SCALE={args.scale:g}, medians of {args.rounds} interleaved runs (written to {args.output}):")
    print(results.table())
    return 0 if all(row["met"] for row in results.rows.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

"""``make bench-matching``: "has this been checked before?" scored on CLEF-2022 CheckThat! Task 2A.

Imports the 14,231 fact-checked claims of ../shared/bench/claim-matching/ as
ClaimReview JSON-LD through ``POST /api/v1/factchecks/import/`` (then again
through ``manage.py import_factchecks``: it must create nothing) into a fresh
database (SQLite file by default, or --database-url postgres://...), then
sends each development query to ``POST /api/v1/match/`` (limit 5, fact-checks)
in-process as a logged-in editor, and prints MAP@5 (the lab's measure) and
the latency per query. With the semantic extra installed (``make semantic``)
the import embeds every fact-check too, and each split is run twice: lexical
(FACTDESK_SEMANTIC off) and fused with the embeddings; --lexical-only leaves
the extra out altogether. Only the development parts are read: the final
test queries are kept apart from this repository.

    python -m bench.matching [--database-url URL] [--split dev|devtest|train|all] [--lexical-only] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "claim-matching"
SPLITS = {
    "dev": ("train-dev_queries.tsv", "dev_qrels.tsv"),
    "devtest": ("devtest_queries.tsv", "devtest_qrels.tsv"),
    "train": ("train-dev_queries.tsv", "train_qrels.tsv"),
}


def vclaim_url(vclaim_id: str) -> str:
    return "https://www.snopes.com/fact-check/" + vclaim_id.removeprefix("vclaim-sno-") + "/"


def claimreview_feed(path: Path) -> dict:
    """Return the collection as a schema.org DataFeed of ClaimReviews, as a fact-checker's archive would be."""
    from datetime import datetime

    elements = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        try:
            published = datetime.strptime(row.get("date", ""), "%d %B %Y").date().isoformat()
        except ValueError:
            published = None
        review = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": vclaim_url(row["vclaim_id"]),
            "claimReviewed": row["vclaim"],
            "headline": row.get("title") or "",
            "description": row.get("subtitle") or "",
            "author": {"@type": "Organization", "name": "Snopes"},
            "inLanguage": "en",
        }
        if published:
            review["datePublished"] = published
        elements.append(review)
    return {"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": elements}


def read_split(split: str) -> tuple[dict[str, str], dict[str, set[str]]]:
    queries_file, qrels_file = SPLITS[split]
    relevant: dict[str, set[str]] = {}
    for line in (DATA / qrels_file).read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            relevant.setdefault(parts[0], set()).add(vclaim_url(parts[2]))
    queries = {}
    for line in (DATA / queries_file).read_text(encoding="utf-8").splitlines():
        qid, _, text = line.partition("\t")
        if qid in relevant:
            queries[qid] = text
    return queries, relevant


def average_precision_at(ranked: list[str], relevant: set[str], k: int = 5) -> float:
    hits = 0
    total = 0.0
    for i, url in enumerate(ranked[:k], start=1):
        if url in relevant:
            hits += 1
            total += hits / i
    return total / min(len(relevant), k) if relevant else 0.0


def setup(database_url: str | None, workdir: Path, *, lexical_only: bool = False) -> None:
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench-matching.sqlite3'}"
    os.environ.setdefault("SECRET_KEY", "bench-only-key-" + "x" * 50)
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    if lexical_only:
        os.environ["FACTDESK_SEMANTIC"] = "0"
    import django

    django.setup()


def fresh_database(database_url: str | None) -> None:
    from django.core.management import call_command
    from django.db import connection

    if database_url and database_url.startswith("postgres"):
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)


def bench_editor():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user("bench-editor")
    user.groups.add(Group.objects.get(name="editor"))
    return user


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="A database to wipe and use (default: a temporary SQLite file).")
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Query the database of an earlier run (--database-url) as it is: no wipe, no import.",
    )
    parser.add_argument(
        "--lexical-only", action="store_true", help="Leave the semantic extra out even when it is installed."
    )
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"The benchmark data is not there: {DATA} (see ../shared/bench/README.md).", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        setup(args.database_url, workdir, lexical_only=args.lexical_only)
        return run(args, workdir)


def run(args, workdir: Path) -> int:
    from django.db import connection
    from django.test.utils import override_settings
    from rest_framework.test import APIClient

    from tracker.finding import semantic

    if args.reuse and not args.database_url:
        print("--reuse needs the --database-url of an earlier run.", file=sys.stderr)
        return 2
    if not args.reuse:
        fresh_database(args.database_url)
    with_semantic = semantic.enabled()  # loads the model now, so its load is not counted in the import
    print(f"Database: {connection.vendor}; semantic layer: {'on' if with_semantic else 'off'}")
    client = APIClient(SERVER_NAME="127.0.0.1")
    if args.reuse:
        from django.contrib.auth import get_user_model

        client.force_authenticate(get_user_model().objects.get(username="bench-editor"))
    elif not import_collection(client, workdir, with_semantic):
        return 1

    splits = ["dev", "devtest"] if args.split == "all" else [args.split]
    modes = ["lexical", "fused"] if with_semantic else ["lexical"]
    for split in splits:
        queries, relevant = read_split(split)
        for mode in modes:
            with override_settings(FACTDESK_SEMANTIC=mode == "fused"):
                if not run_queries(client, split, mode, queries, relevant):
                    return 1
    return 0


def import_collection(client, workdir: Path, with_semantic: bool) -> bool:
    from django.core.management import call_command

    from tracker.finding.models import MatchVector

    feed_file = workdir / "snopes-claimreview.json"
    feed_file.write_text(json.dumps(claimreview_feed(DATA / "vclaims.jsonl")), encoding="utf-8")
    client.force_authenticate(bench_editor())
    # First through the API, as a desk would send its archive; then the same file through the command.
    started = time.perf_counter()
    response = client.post("/api/v1/factchecks/import/", feed_file.read_bytes(), content_type="application/ld+json")
    first = time.perf_counter() - started
    if response.status_code != 200:
        print(f"Import: HTTP {response.status_code} {response.content[:300]!r}", file=sys.stderr)
        return False
    result = response.json()
    print(
        f"POST factchecks/import/ (DataFeed of 14,231 ClaimReviews, {feed_file.stat().st_size / 1e6:.1f} MB): "
        f"{result['created']} created, {result['updated']} updated, {result['skipped']} skipped, "
        f"{len(result['errors'])} bad in {first:.1f} s"
        + (f", with {MatchVector.objects.filter(kind='f').count()} embeddings" if with_semantic else "")
    )
    call_command("import_factchecks", str(feed_file))
    return True


def run_queries(client, split: str, mode: str, queries: dict[str, str], relevant: dict[str, set[str]]) -> bool:
    scores, latencies = [], []
    for qid, text in queries.items():
        body = {"text": text, "limit": 5, "kinds": ["factcheck"]}
        t0 = time.perf_counter()
        response = client.post("/api/v1/match/", body, format="json")
        latencies.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            print(f"{qid}: HTTP {response.status_code} {response.content[:200]!r}", file=sys.stderr)
            return False
        ranked = [r["url"] for r in response.json()["results"]]
        scores.append(average_precision_at(ranked, relevant[qid]))
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"{split} ({mode}): MAP@5 {statistics.fmean(scores):.4f} over {len(scores)} queries; latency per match "
        f"p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms"
    )
    return True


if __name__ == "__main__":
    sys.exit(main())

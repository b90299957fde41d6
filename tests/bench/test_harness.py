"""The benchmark harness (make bench-fill, make bench) at a tiny scale: what it fills is what the desk would hold."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from bench import fill as benchfill
from tracker.models import Claim

ROOT = Path(__file__).resolve().parents[2]
TINY = 0.0004  # 400 claims, 40 articles: the fill's floor
postgres = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench fills PostgreSQL with COPY"),
]


class FillRefusalTests:
    def test_a_not_null_column_the_fill_does_not_set_stops_it_before_loading(self):
        with pytest.raises(benchfill.FillError, match=r"Claim\.text is NOT NULL without a default"):
            benchfill.Table(Claim, given={"id"})

    def test_columns_come_from_the_models(self):
        tables = benchfill.tables()
        assert tables["Appearance"].columns == [
            f.column for f in tables["Appearance"].model._meta.concrete_fields if not f.primary_key
        ]
        assert "needs_confirmation" in tables["Appearance"].columns
        assert "version" in tables["Article"].columns

    def test_a_failing_child_stops_the_pool_at_once(self, monkeypatch):
        # Forked children inherit these: every claim task raises, the others do nothing.
        monkeypatch.setattr(
            benchfill, "_init_worker", lambda url, context: benchfill._worker_state.update(context=context)
        )
        monkeypatch.setattr(benchfill, "_copy", lambda rows: 0)
        monkeypatch.setattr(benchfill, "article_row", lambda i, n: {})
        monkeypatch.setattr(benchfill, "source_row", lambda i: {})
        monkeypatch.setattr(benchfill, "tables", lambda: {"Article": _Rows(), "Source": _Rows()})

        def broken(*args):
            raise ValueError("a child failed")

        monkeypatch.setattr(benchfill, "fill_claims", broken)
        started = time.monotonic()
        with pytest.raises(ValueError, match="a child failed"):
            benchfill.run_pool("postgres://unused", 0.05, 2, {}, log=lambda line: None)
        assert time.monotonic() - started < 30
        deadline = time.monotonic() + 10
        while multiprocessing.active_children() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert multiprocessing.active_children() == []


class _Rows:
    def row(self, values):
        return ()


@pytest.fixture(scope="module")
def tiny_desk(django_db_blocker):
    """Two tiny bench databases next to the test database (bench.measure compares SCALE with SCALE ÷ 10)."""
    with django_db_blocker.unblock():
        settings = connection.settings_dict
    base = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/"
        f"{settings['NAME']}_harness"
    )
    for scale in (TINY * 10, TINY):
        subprocess.run(  # noqa: S603 (our own command)
            [sys.executable, "-m", "bench.fill", "--scale", f"{scale:g}", "--database-url", base, "--workers", "2"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return base


def query(url: str, sql: str, params=()):
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.mark.django_db
class FilledDatabaseTests:
    pytestmark = postgres

    def test_the_rows_are_what_the_desk_would_hold(self, tiny_desk):
        url = benchfill.database_url_for(tiny_desk, TINY * 10)
        [(claims, articles, published)] = query(
            url,
            "SELECT (SELECT count(*) FROM tracker_claim), (SELECT count(*) FROM tracker_article), "
            "(SELECT count(*) FROM tracker_claim WHERE public_snapshot IS NOT NULL)",
        )
        assert (claims, articles) == (4_000, 400)
        assert published > 0
        # Every quote is the article's text at its offsets (code points), with anchoring's context.
        assert query(
            url,
            "SELECT count(*) FROM tracker_appearance a JOIN tracker_article r ON r.id = a.article_id "
            'WHERE substr(r.body, a.start + 1, a."end" - a.start) <> a.quote '
            'OR right(substr(r.body, 1, a.start), 32) <> a.prefix OR substr(r.body, a."end" + 1, 32) <> a.suffix',
        ) == [(0,)]
        # The counters are the claims outside the trash by status.
        counted = dict(query(url, "SELECT status, count FROM tracker_statuscount"))
        real = dict(query(url, "SELECT status, count(*) FROM tracker_claim WHERE deleted_at IS NULL GROUP BY status"))
        assert counted == {**{s: 0 for s in Claim.Status.values}, **real}
        # Each claim's version counts its transitions, and published ones went through review to get there.
        assert query(
            url,
            "SELECT count(*) FROM tracker_claim c WHERE c.version - 1 - (c.deleted_at IS NOT NULL)::int <> "
            "(SELECT count(*) FROM tracker_verificationevent e WHERE e.claim_id = c.id)",
        ) == [(0,)]
        assert query(
            url,
            "SELECT count(*) FROM tracker_claim c WHERE c.status = 'published' AND (c.rating_id IS NULL "
            "OR (c.public_snapshot ->> 'version')::int <> c.version OR NOT EXISTS "
            "(SELECT 1 FROM tracker_evidence e WHERE e.claim_id = c.id))",
        ) == [(0,)]
        # The reader's two articles.
        assert query(
            url, "SELECT article_id, count(*) FROM tracker_appearance WHERE article_id <= 2 GROUP BY 1 ORDER BY 1"
        ) == [(1, benchfill.READER_BIG_CLAIMS), (2, benchfill.READER_SMALL_CLAIMS)]

    def test_the_snapshots_are_the_workflows(self, tiny_desk):
        url = benchfill.database_url_for(tiny_desk, TINY * 10)
        script = (
            "import sys; from bench import fill; fill.setup_django(sys.argv[1]);"
            "from tracker import workflow; from tracker.models import Claim;"
            "claims = Claim.objects.filter(public_snapshot__isnull=False).order_by('id')[:50];"
            "bad = [c.pk for c in claims if {**workflow.build_snapshot(c, c.last_published_at), "
            "'version': c.version, 'published_at': c.published_at.isoformat()} != c.public_snapshot];"
            "print(len(claims), bad)"
        )
        out = subprocess.run(  # noqa: S603 (our own command)
            [sys.executable, "-c", script, url], cwd=ROOT, check=True, capture_output=True, text=True, timeout=120
        )
        assert out.stdout.strip() == "50 []"

    def test_the_search_documents_are_the_domains(self, tiny_desk):
        url = benchfill.database_url_for(tiny_desk, TINY * 10)
        script = (
            "import sys; from bench import fill; fill.setup_django(sys.argv[1]);"
            "from tracker.finding import search; from tracker.models import Claim;"
            "ids = list(Claim.all_objects.order_by('id').values_list('id', flat=True)[:400]);"
            "claims = list(search._claims_with_parts(ids));"
            "bad = [c.pk for c in claims if search._document_of_prefetched(c) != c.search_document];"
            "print(len(claims), bad, sum(1 for c in claims if c.search_document))"
        )
        out = subprocess.run(  # noqa: S603 (our own command)
            [sys.executable, "-c", script, url], cwd=ROOT, check=True, capture_output=True, text=True, timeout=120
        )
        assert out.stdout.strip() == "400 [] 400"
        # Words occur as often as in the seed articles: "the" is in most claims, a seed's rare word in few.
        [(common, rare, total)] = query(
            url,
            "SELECT count(*) FILTER (WHERE search_vector @@ 'the'::tsquery), "
            "count(*) FILTER (WHERE search_vector @@ 'zurich'::tsquery), count(*) FROM tracker_claim",
        )
        assert common > total / 2 and rare < total / 20

    def test_the_matching_index_is_the_domains(self, tiny_desk):
        """What the fill copied into MatchTerm and MatchStat is what tracker.finding.matching.rebuild() writes."""
        url = benchfill.database_url_for(tiny_desk, TINY)
        postings = "SELECT term, kind, ref, weight, length FROM tracker_matchterm ORDER BY ref, term"
        stats = "SELECT kind, documents, total_length FROM tracker_matchstat ORDER BY kind"
        filled, filled_stats = query(url, postings), query(url, stats)
        [(documents,)] = query(url, "SELECT count(*) FROM tracker_claim WHERE deleted_at IS NULL")
        assert filled_stats[0][:2] == ("c", documents) and len(filled) > 10 * documents
        script = (
            "import sys; from bench import fill; fill.setup_django(sys.argv[1]);"
            "from tracker.finding import matching; print(matching.rebuild())"
        )
        subprocess.run(  # noqa: S603 (our own command)
            [sys.executable, "-c", script, url], cwd=ROOT, check=True, capture_output=True, text=True, timeout=120
        )
        rebuilt, rebuilt_stats = query(url, postings), query(url, stats)

        def rounded(rows):
            return [tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows]

        assert rounded(rebuilt) == rounded(filled)  # trashed claims have none either way
        assert rounded(rebuilt_stats) == rounded(filled_stats)

    def test_indexes_and_constraints_are_the_migrations(self, tiny_desk):
        url = benchfill.database_url_for(tiny_desk, TINY * 10)
        sql = (
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('tracker_claim', 'tracker_appearance', 'tracker_article', 'tracker_evidence', 'tracker_claim_tags') "
            "ORDER BY 1"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            migrated = cursor.fetchall()
        assert query(url, sql) == migrated
        constraints = "SELECT conname FROM pg_constraint WHERE conrelid = 'tracker_appearance'::regclass ORDER BY 1"
        with connection.cursor() as cursor:
            cursor.execute(constraints)
            assert query(url, constraints) == cursor.fetchall()

    def test_a_filled_database_knows_its_scale_and_migrations(self, tiny_desk):
        assert benchfill.is_filled(benchfill.database_url_for(tiny_desk, TINY), TINY)
        assert not benchfill.is_filled(benchfill.database_url_for(tiny_desk, TINY), TINY * 2)

    def test_measure_writes_every_figure(self, tiny_desk, tmp_path):
        output = tmp_path / "bench-results.json"
        run = subprocess.run(  # noqa: S603 (our own command)
            [
                sys.executable,
                "-m",
                "bench.measure",
                "--scale",
                f"{TINY * 10:g}",
                "--database-url",
                tiny_desk,
                "--rounds",
                "1",
                "--import-files",
                "20",
                "--load-seconds",
                "0.3",
                "--output",
                str(output),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode in (0, 1), run.stderr  # 1: some goal not met, which is a figure, not a failure
        assert output.exists(), run.stdout[-2000:] + run.stderr[-4000:]
        results = json.loads(output.read_text())
        expected = {
            "api_list_vs_raw",
            "serializer_vs_dict",
            "api_list_queries",
            "ui_queue_depth",
            "api_cursor_depth",
            "factchecks_scale",
            "feed_scale",
            "claimreview_scale",
            "reader_300_vs_10",
            "transition_vs_raw",
            "transition_queries",
            "patch_vs_raw",
            "patch_queries",
            "create_vs_raw",
            "create_queries",
            "import_vs_copy",
            "search_common_first_page",
            "search_common_scale",
            "search_rare_scale",
            "search_seq_scans",
            "wrk_api_vs_plain",
            "worker_rss",
        }
        assert set(results) == expected
        for name, row in results.items():
            assert {"value", "baseline", "ratio", "goal", "met"} <= set(row), name
            assert row["value"] > 0 or row["unit"] == "scans", name
            if row["ratio"] is not None:
                assert row["ratio"] > 0, name
        assert "| api_list_vs_raw |" in run.stdout
        # The writes it measured left the counters right.
        url = benchfill.database_url_for(tiny_desk, TINY * 10)
        counted = dict(query(url, "SELECT status, count FROM tracker_statuscount"))
        real = dict(query(url, "SELECT status, count(*) FROM tracker_claim WHERE deleted_at IS NULL GROUP BY status"))
        assert {k: v for k, v in counted.items() if v} == real
        assert query(url, "SELECT count(*) FROM tracker_article WHERE title LIKE 'Bench import %%'") == [(0,)]

"""Performance standards: lists never count their table, every filter and sort has an index, dates bound the column."""

from __future__ import annotations

import datetime
import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import (
    ArticleFactory,
    ClaimantFactory,
    OutletFactory,
    SourceFactory,
    add_evidence,
    make_claim,
    ready_for_review,
)
from tracker import pagination, workflow
from tracker.api.filters import search_claims
from tracker.models import Claim, Tag
from tracker.views.public import public_claims

V1 = "/api/v1/"
# A pagination count is a statement whose own SELECT is a COUNT (Django wraps
# the listed query in a subquery for it); a COUNT inside a row's annotation is not.
TOP_LEVEL_COUNT = re.compile(r"^\s*SELECT\s+COUNT\(", re.I)


def counting_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if TOP_LEVEL_COUNT.match(q["sql"])]


def get_without_counting(client, url: str, params=None, status: int = 200):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == status, (url, response.content[:300])
    assert counting_queries(captured) == [], url
    return response


def published(editor, reviewer, text: str) -> Claim:
    claim = ready_for_review(make_claim(by=editor, text=text), by=editor)
    claim = workflow.transition(claim, to="researching", by=editor)
    claim = workflow.transition(claim, to="in_review", by=editor)
    return workflow.transition(claim, to="published", by=reviewer)


class PageTests:
    def test_it_reads_one_row_past_the_page(self):
        rows = list(range(51))
        page = pagination.get_page(rows, 1, 25)
        assert list(page) == list(range(25)) and page.has_next() and not page.has_previous()
        last = pagination.get_page(rows, 3, 25)
        assert list(last) == [50] and not last.has_next() and last.has_previous()
        assert (last.start_index(), last.end_index()) == (51, 51)

    def test_a_full_last_page_has_no_next(self):
        page = pagination.get_page(list(range(50)), 2, 25)
        assert len(page) == 25 and not page.has_next()

    def test_past_the_end(self):
        assert pagination.get_page(list(range(3)), 2, 25).past_end
        assert not pagination.get_page([], 1, 25).past_end
        assert pagination.get_page(list(range(3)), 10**19, 25).past_end

    @pytest.mark.parametrize("raw", [None, "", "0", "000", "-1", "abc", "1.5", "\u0661", " 2"])
    def test_what_is_not_a_page_number(self, raw):
        assert pagination.parse_page_number(raw) is None

    def test_page_numbers(self):
        assert pagination.parse_page_number("007") == 7
        assert pagination.parse_page_number("9" * 5000) == 10**19


@pytest.mark.django_db
class UIPagerTests:
    def test_claim_queue_pages_by_previous_and_next_without_counting(self, client, editor):
        client.force_login(editor)
        for i in range(30):
            make_claim(by=editor, text=f"Numbered claim {i}.", tags=["bulk"])
        first = get_without_counting(client, reverse("claim-list"), {"tag": "bulk"})
        body = first.content.decode()
        # Keyset pages (tracker.keyset): the next page starts after this one's last row, not at an offset.
        page = first.context["page"]
        assert len(page) == 25
        assert f'href="?tag=bulk&amp;after={quote(page.next_cursor)}" rel="next"' in body
        assert "← Previous" not in body and " of " not in body
        second = get_without_counting(client, reverse("claim-list"), {"tag": "bulk", "after": page.next_cursor})
        body = second.content.decode()
        assert len(second.context["page"]) == 5
        assert f'href="?tag=bulk&amp;before={quote(second.context["page"].previous_cursor)}" rel="prev"' in body
        assert "Next →" not in body

    def test_each_filter_and_sort_of_the_queue_counts_nothing(self, client, editor):
        client.force_login(editor)
        article = ArticleFactory()
        claim = make_claim(by=editor, article=article, tags=["nato"], assignee=editor)
        for params in [
            {"status": "new"},
            {"rating": "true"},
            {"tag": "nato"},
            {"claimant": claim.claimant_id},
            {"article": article.pk},
            {"outlet": article.outlet_id},
            {"assignee": "me"},
            {"created_after": "2000-01-01", "created_before": "2999-01-01"},
            {"search": "Patriot"},
            *({"sort": sort} for sort in ("-updated", "updated", "-created", "created", "priority", "status")),
        ]:
            response = get_without_counting(client, reverse("claim-list"), params)
            assert response.context["page"].object_list == [claim] or "rating" in params, params

    def test_a_page_past_the_end_says_so_and_links_to_the_first(self, client, editor):
        client.force_login(editor)
        make_claim(by=editor)
        for name in ("claim-list", "article-list"):
            body = get_without_counting(client, reverse(name), {"page": 7}).content.decode()
            assert "This page is past the end of the list." in body
            assert 'href="?page=1">← First page' in body
        body = get_without_counting(client, reverse("claim-list"), {"page": "9" * 5000}).content.decode()
        assert "This page is past the end of the list." in body

    def test_a_single_page_shows_no_pager(self, client, editor):
        client.force_login(editor)
        make_claim(by=editor)
        body = get_without_counting(client, reverse("claim-list")).content.decode()
        assert 'class="pager"' not in body

    def test_article_list_pages_without_counting(self, client, editor):
        client.force_login(editor)
        ArticleFactory.create_batch(26)
        body = get_without_counting(client, reverse("article-list")).content.decode()
        assert 'href="?page=2" rel="next"' in body
        second = get_without_counting(client, reverse("article-list"), {"page": 2})
        assert len(second.context["page"]) == 1
        searched = get_without_counting(client, reverse("article-list"), {"q": "Article", "page": 2})
        assert 'href="?q=Article&amp;page=1" rel="prev"' in searched.content.decode()

    def test_public_index_pages_without_counting(self, client, editor, reviewer):
        claims_ = [published(editor, reviewer, f"Published claim {i}.") for i in range(21)]
        first = get_without_counting(client, reverse("factcheck-index"))
        assert 'href="?page=2" rel="next"' in first.content.decode()
        second = get_without_counting(client, reverse("factcheck-index"), {"page": 2})
        # Newest first: the first one published is alone on page 2.
        assert [item["claim"].pk for item in second.context["items"]] == [claims_[0].pk]
        assert "Published claim 0." in second.content.decode()

    def test_dashboard_counts_nothing(self, client, editor):
        client.force_login(editor)
        make_claim(by=editor)
        get_without_counting(client, reverse("home"))


@pytest.fixture
def api(editor) -> APIClient:
    client = APIClient()
    client.force_authenticate(editor)
    return client


@pytest.mark.django_db
class APIPaginationTests:
    def numbered_lists(self, editor) -> list[str]:
        claim = make_claim(by=editor)
        add_evidence(claim, by=editor)
        OutletFactory()
        ClaimantFactory()
        SourceFactory()
        Tag.objects.create(name="NATO")
        return [
            "outlets/",
            "articles/",
            "claimants/",
            "sources/",
            "tags/",
            "ratings/",
            f"claims/{claim.pk}/appearances/",
            f"claims/{claim.pk}/evidence/",
            f"claims/{claim.pk}/history/",
        ]

    def test_no_list_counts_and_the_shape_is_next_previous_results(self, api, editor, reviewer):
        published(editor, reviewer, "Published for the feed.")
        for path in [*self.numbered_lists(editor), "claims/", "claimreview/"]:
            body = get_without_counting(api, V1 + path).json()
            assert set(body) == {"next", "previous", "results"}, path
            assert body["results"], path

    def test_next_and_previous_walk_every_row_once(self, api):
        Tag.objects.bulk_create([Tag(name=f"tag{i:02}") for i in range(7)])
        seen = []
        url = f"{V1}tags/?page_size=3"
        pages = []
        while url:
            body = get_without_counting(api, url).json()
            pages.append(body)
            seen += [t["name"] for t in body["results"]]
            url = body["next"]
        assert seen == [f"tag{i:02}" for i in range(7)]
        assert [len(p["results"]) for p in pages] == [3, 3, 1]
        assert pages[0]["previous"] is None
        assert pages[2]["previous"].endswith("/api/v1/tags/?page=2&page_size=3")
        assert pages[1]["previous"].endswith("/api/v1/tags/?page_size=3")

    def test_a_full_last_page_has_no_next(self, api):
        Tag.objects.bulk_create([Tag(name=f"tag{i}") for i in range(6)])
        assert get_without_counting(api, f"{V1}tags/?page_size=3&page=2").json()["next"] is None

    def test_past_the_end_is_404_and_a_bad_page_400(self, api):
        Tag.objects.create(name="NATO")
        assert get_without_counting(api, f"{V1}tags/?page=2", status=404).json()
        assert get_without_counting(api, f"{V1}tags/?page={'9' * 19}", status=404)
        for bad in ("0", "abc", "last", "-2"):
            assert "page" in get_without_counting(api, f"{V1}tags/?page={bad}", status=400).json()
        # An empty list still has its first page.
        assert get_without_counting(api, f"{V1}outlets/").json() == {"next": None, "previous": None, "results": []}

    def test_claim_filters_count_nothing(self, api, editor):
        article = ArticleFactory()
        make_claim(by=editor, article=article, tags=["nato"], assignee=editor)
        for query in [
            "status=new",
            "rating=true",
            "tag=nato",
            f"article={article.pk}",
            f"outlet={article.outlet_id}",
            f"assignee={editor.username}",
            "created_after=2000-01-01T00:00:00Z",
            "search=Patriot",
        ]:
            get_without_counting(api, f"{V1}claims/?{query}")

    def test_the_schema_describes_pages_without_a_count(self, api):
        schema = api.get("/api/schema/", {"format": "json"}).json()
        page = schema["components"]["schemas"]["PaginatedTagList"]
        assert "count" not in page["properties"]
        assert set(page["required"]) == {"next", "previous", "results"}


def leading_columns(table: str) -> set[str]:
    """Return the first column of every index on table (expression indexes give None)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {c["columns"][0] for c in constraints.values() if c["index"] or c["primary_key"] if c["columns"]}


def plan_of(sql: str, params=()) -> str:
    """Return PostgreSQL's plan for sql as it would run on big tables (sequential scans and sorts priced out)."""
    with connection.cursor() as cursor:
        # On test-sized tables scanning and sorting everything is always
        # cheapest; pricing both out shows whether an index can serve the query.
        cursor.execute("SET enable_seqscan = off; SET enable_sort = off")
        try:
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET enable_seqscan = on; SET enable_sort = on")


@pytest.mark.django_db
class IndexTests:
    def test_every_filter_of_the_queue_and_the_api_has_an_index(self):
        # claims/ filters (DESIGN §4), the queue's sorts, the article list's order.
        assert {
            "status",
            "rating_id",
            "claimant_id",
            "assignee_id",
            "created_at",
            "updated_at",
            "priority",
            "deleted_at",
        } <= leading_columns("tracker_claim")
        assert {"article_id", "claim_id"} <= leading_columns("tracker_appearance")
        assert {"tag_id", "claim_id"} <= leading_columns("tracker_claim_tags")
        assert {"outlet_id", "created_at", "published_at"} <= leading_columns("tracker_article")

    @pytest.mark.postgres_only
    @pytest.mark.skipif(connection.vendor != "postgresql", reason="expression and GIN indexes are PostgreSQL's")
    @pytest.mark.parametrize(
        ("params", "index"),
        [
            ({"sort": "priority"}, "claim_priority_rank"),
            # The GIN index for a rare word, or a walk of the sort's index that stops at one page for a common one.
            ({"search": "Patriot missiles"}, ("claim_search_vector", "claim_updated_at")),
        ],
    )
    def test_the_queue_uses_the_expression_indexes(self, client, editor, params, index):
        client.force_login(editor)
        make_claim(by=editor)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("claim-list"), params).status_code == 200
        listing = [q["sql"] for q in captured if q["sql"].startswith("SELECT") and "LIMIT 26" in q["sql"]]
        assert len(listing) == 1
        plan = plan_of(listing[0])
        assert any(name in plan for name in ((index,) if isinstance(index, str) else index)), plan
        assert "Seq Scan on tracker_claim " not in plan

    @pytest.mark.postgres_only
    @pytest.mark.skipif(connection.vendor != "postgresql", reason="expression and GIN indexes are PostgreSQL's")
    def test_the_api_search_and_the_public_order_use_their_indexes(self, api, editor):
        make_claim(by=editor)
        sql, params = search_claims(Claim.objects.order_by("-created_at"), "drones")[:50].query.sql_with_params()
        plan = plan_of(sql, params)
        # One tsvector on the claim row (text, quotes, verdict, claimant, tags): its GIN index, or the date
        # index walked until a page is full; never every claim.
        assert ("claim_search_vector" in plan or "claim_created_at" in plan) and "Seq Scan" not in plan
        sql, params = public_claims()[:20].query.sql_with_params()
        assert "claim_public_order" in plan_of(sql, params)


@pytest.mark.django_db
class QueueDateBoundTests:
    def test_created_dates_take_whole_days_by_the_column_not_its_date(self, client, editor):
        client.force_login(editor)
        claim = make_claim(by=editor)
        day = datetime.date(2026, 3, 14)
        late = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))
        Claim.objects.filter(pk=claim.pk).update(created_at=late)

        def found(**params) -> bool:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(reverse("claim-list"), params)
            assert not any("::date" in q["sql"] or "django_datetime_cast_date" in q["sql"] for q in captured)
            return claim in response.context["page"].object_list

        assert found(created_before="2026-03-14") and found(created_after="2026-03-14")
        assert not found(created_before="2026-03-13") and not found(created_after="2026-03-15")
        assert found(created_after="0001-01-01", created_before="9999-12-31")

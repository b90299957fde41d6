"""What keeps the hot paths flat at 1M claims (issue 8), as query counts and plans (speed is in make bench)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.test_performance import leading_columns, plan_of, published

pytestmark = pytest.mark.django_db


class PublicOrderTests:
    def test_only_the_partial_public_index_leads_with_last_published_at(self):
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, "tracker_claim")
        leading = [name for name, c in constraints.items() if c["columns"] and c["columns"][0] == "last_published_at"]
        # A full index on it lists the never-published claims (most of them) first: the planner may walk them all.
        assert leading == ["claim_public_order"]
        assert "last_published_at" in leading_columns("tracker_claim")

    @pytest.mark.postgres_only
    @pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
    @pytest.mark.parametrize("url", ["/fact-checks/", "/fact-checks/feed/", "/api/v1/claimreview/"])
    def test_public_pages_read_the_public_order_index(self, client, editor, reviewer, url):
        published(editor, reviewer, "Published for the public pages.")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        listing = [q["sql"] for q in captured if "tracker_claim" in q["sql"] and "ORDER BY" in q["sql"]]
        assert listing, url
        assert "claim_public_order" in plan_of(listing[0])

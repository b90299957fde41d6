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


def api_client(user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def permission_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "auth_permission" in q["sql"]]


class PermissionCacheTests:
    def test_a_second_request_reads_no_permissions(self, editor):
        client = api_client(editor)
        assert client.get("/api/v1/claims/").status_code == 200
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/claims/").status_code == 200
        assert permission_queries(captured) == []

    def test_a_role_taken_away_counts_at_the_next_request(self, editor):
        from django.contrib.auth.models import Group

        client = api_client(editor)
        assert client.get("/api/v1/sources/").status_code == 200
        editor.groups.remove(Group.objects.get(name="editor"))
        assert client.get("/api/v1/sources/").status_code == 403

    def test_a_permission_taken_from_a_group_counts_at_the_next_request(self, editor):
        from django.contrib.auth.models import Group, Permission

        client = api_client(editor)
        assert client.get("/api/v1/sources/").status_code == 200
        Group.objects.get(name="editor").permissions.remove(Permission.objects.get(codename="view_source"))
        assert client.get("/api/v1/sources/").status_code == 403

    def test_a_deactivated_user_is_refused_at_once(self, editor):
        client = api_client(editor)
        assert client.get("/api/v1/sources/").status_code == 200
        editor.is_active = False
        editor.save()
        assert client.get("/api/v1/sources/").status_code in (401, 403)


class ListQueryTests:
    @pytest.mark.parametrize("rows", [10, 100, 200])
    def test_the_claim_list_costs_four_queries_at_any_size(self, editor, rows):
        from tests.factories import make_claim

        for i in range(rows):
            make_claim(by=editor, text=f"Claim number {i}.", tags=["defence", f"tag {i % 7}"])
        client = api_client(editor)
        client.get("/api/v1/claims/")  # the permissions are cached from here on
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/claims/?page_size={rows}")
        assert len(response.json()["results"]) == rows
        assert len(captured) <= 4, [q["sql"][:120] for q in captured]


class ClaimSerializerTests:
    def test_the_written_out_representation_is_the_fields_own(self, editor, reviewer):
        from rest_framework import serializers

        from tests.factories import make_claim
        from tracker.api import serializers as s
        from tracker.api.views import desk_claims

        published(editor, reviewer, "Published with everything.")
        make_claim(by=editor, text="Bare claim.", claimant=None)
        tagged = make_claim(by=editor, text="Tagged, assigned, dated.", tags=["b tag", "a tag"])
        from tracker import claims as domain

        domain.edit_claim(tagged, {"assignee": editor, "priority": "high"}, by=editor, expected_version=None)
        for claim in desk_claims():
            fast = s.ClaimSerializer(claim).data
            fields = serializers.ModelSerializer.to_representation(s.ClaimSerializer(claim), claim)
            assert fast == dict(fields), claim.text

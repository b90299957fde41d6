"""What keeps the hot paths flat at 1M claims (issue 8), as query counts and plans (speed is in make bench)."""

from __future__ import annotations

import contextlib
import json

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


class PageStatementTests:
    """The desk's list runs a statement compiled once per shape of page (tracker.api.listing.DeskClaimRows)."""

    @pytest.fixture
    def desk(self, editor):
        import datetime

        from django.utils import timezone

        from tests.factories import make_claim
        from tracker.models import Claim

        made = [make_claim(by=editor, text=f"Claim {i}.", tags=[f"tag {i % 3}", "shared"]) for i in range(9)]
        # Claims logged in the same instant: the cursors carry an offset past the position they share.
        same = timezone.now() - datetime.timedelta(days=1)
        Claim.objects.filter(pk__in=[c.pk for c in made[2:6]]).update(created_at=same)
        return api_client(editor)

    @staticmethod
    def walk(client, url: str) -> tuple[list, list]:
        """The claims of every page following next links from url, then back again by previous links."""
        forward, body = [], None
        while url:
            body = client.get(url).json()
            forward.extend(body["results"])
            url = body["next"]
        backward, url = list(body["results"]), body["previous"]
        while url:
            body = client.get(url).json()
            backward[:0] = body["results"]
            url = body["previous"]
        return forward, backward

    def test_pages_answer_what_the_orm_query_answers(self, desk):
        from tracker.api import serializers as s
        from tracker.api.views import desk_claims

        forward, backward = self.walk(desk, "/api/v1/claims/?page_size=2")
        expected = s.ClaimSerializer(list(desk_claims().order_by("-created_at", "-id")), many=True).data
        assert forward == json.loads(json.dumps(expected))
        # ?status= names a filter (so the ORM compiles the query as usual) and filters nothing. Walking back
        # through claims of one instant is DRF's own (it can skip one): the same either way.
        assert (forward, backward) == self.walk(desk, "/api/v1/claims/?page_size=2&status=")

    def test_a_page_of_a_shape_seen_before_is_not_compiled_again(self, desk, monkeypatch):
        from django.db.models.sql.compiler import SQLCompiler

        first = desk.get("/api/v1/claims/?page_size=2").json()
        desk.get(first["next"])
        compiled = []
        original = SQLCompiler.as_sql
        monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or original(self, *a, **k))
        second = desk.get(first["next"]).json()
        assert desk.get(second["next"]).status_code == 200
        assert desk.get("/api/v1/claims/?page_size=3").status_code == 200
        assert compiled == []
        assert desk.get("/api/v1/claims/?page_size=3&status=new").status_code == 200
        assert compiled  # a filtered list is compiled as usual

    def test_a_page_costs_the_same_queries_with_a_cursor(self, desk):
        first = desk.get("/api/v1/claims/?page_size=2").json()
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(first["next"]).status_code == 200
        second = len(captured)
        with CaptureQueriesContext(connection) as captured:
            assert desk.get("/api/v1/claims/?page_size=2").status_code == 200
        assert second == len(captured) <= 4
        assert all(q["sql"] for q in captured)  # each statement is logged with its text

    @pytest.mark.postgres_only
    @pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
    def test_postgresql_plans_the_page_and_the_token_once_per_connection(self, desk):
        for _ in range(3):
            assert desk.get("/api/v1/claims/?page_size=2").status_code == 200
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
            prepared = cursor.fetchall()
        assert any('FROM "tracker_claim"' in sql and runs >= 3 for sql, runs in prepared), prepared
        assert any('FROM "authtoken_token"' in sql and runs >= 3 for sql, runs in prepared), prepared

    def test_a_claim_changed_between_requests_is_read_afresh(self, desk, editor):
        from tracker import claims as domain
        from tracker.models import Claim

        desk.get("/api/v1/claims/?page_size=2")
        newest = Claim.objects.order_by("-created_at", "-id").first()
        domain.edit_claim(newest, {"text": "Changed since.", "tags": ["fresh"]}, by=editor, expected_version=None)
        first = desk.get("/api/v1/claims/?page_size=2").json()["results"][0]
        assert (first["text"], first["tags"]) == ("Changed since.", ["fresh"])

    def test_a_tampered_cursor_position_is_400(self, desk):
        import base64

        cursor = base64.b64encode(b"p=not-a-date").decode()
        assert desk.get(f"/api/v1/claims/?cursor={cursor}").status_code == 400


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

    def test_the_desk_list_from_rows_is_the_serializers_of_each_claim(self, editor, reviewer):
        from tests.factories import ArticleFactory, make_claim
        from tracker import claims as domain
        from tracker import workflow
        from tracker.api import serializers as s
        from tracker.api.views import desk_claims

        shown = published(editor, reviewer, "Published, then edited: the slug keeps the published text.")
        shown = workflow.transition(shown, to="researching", by=editor, note="A correction.")
        domain.edit_claim(shown, {"text": "Edited after publishing."}, by=editor, expected_version=None)
        make_claim(by=editor, text="Bare claim.", claimant=None)
        tagged = make_claim(by=editor, text="Tagged, assigned, in two articles.", tags=["b tag", "a tag", "Ç tag"])
        domain.edit_claim(tagged, {"assignee": editor, "priority": "high"}, by=editor, expected_version=None)
        no_url = ArticleFactory(url=None, body="Officials said NATO announced Wednesday a deal.")
        second = domain.AppearanceInput(article=no_url, quote="NATO announced Wednesday")
        domain.add_appearance(tagged, second, by=editor)
        make_claim(by=editor, text="Only an article without a URL.", article=ArticleFactory(url=None))
        workflow.transition(make_claim(by=editor, text="Dismissed."), to="dismissed", by=editor, note="Not a claim.")
        response = api_client(editor).get("/api/v1/claims/?page_size=200")
        expected = s.ClaimSerializer(list(desk_claims().order_by("-created_at", "-id")), many=True).data
        assert response.json()["results"] == json.loads(json.dumps(expected))
        assert [c["text"] for c in response.json()["results"] if c["public_url"]] == ["Edited after publishing."]
        assert "published-then-edited" in next(c["public_url"] for c in response.json()["results"] if c["public_url"])
        warnings = {c["text"]: c["claimreview_warnings"] for c in response.json()["results"]}
        assert any("article URL" in w for w in warnings["Only an article without a URL."])
        assert not any("article URL" in w for w in warnings["Tagged, assigned, in two articles."])

    def test_filters_named_in_the_query_still_answer_400_for_bad_values(self, editor):
        client = api_client(editor)
        assert client.get("/api/v1/claims/?status=nonsense").status_code == 400
        assert client.get("/api/v1/claims/?created_after=yesterday").status_code == 400
        assert client.get("/api/v1/claims/?status=").status_code == 200


def statements(captured) -> list[str]:
    """The statements a request ran on PostgreSQL: without the savepoints of the test's own enclosing
    transaction, nor SQLite's full-text table (PostgreSQL indexes the search column itself)."""
    return [
        q["sql"]
        for q in captured
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) and "tracker_claim_fts" not in q["sql"]
    ]


def last_recorded_tags(claim) -> list[str]:
    """The tags the claim's newest history record holds."""
    return sorted(t.tag.name for t in claim.history.order_by("-history_id").first().tags.all())


WRITE_QUERIES = 8  # issue 8: a transition, a PATCH and a claim creation, each


class WriteQueryTests:
    """A write reads the claim once (locked), writes once, and answers from what it has (issue 8: ≤ 8 queries).

    Counted with what runs after commit (webhooks, notifications), on a claim with tags (their history rows).
    """

    @pytest.fixture
    def setup(self, editor):
        from tests.factories import make_claim
        from tracker.inbox import webhooks

        claim = make_claim(by=editor, tags=["defence", "nato"])
        client = api_client(editor)
        client.get("/api/v1/claims/")  # permissions cached, as for any caller after their first request
        webhooks.subscriptions()  # which webhooks want what, cached likewise
        return claim, client

    @pytest.fixture
    def counted(self, django_capture_on_commit_callbacks):
        @contextlib.contextmanager
        def counting():
            with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
                yield captured

        return counting

    def assert_at_most(self, captured, limit=WRITE_QUERIES):
        ran = statements(captured)
        assert len(ran) <= limit, f"{len(ran)} statements:\n" + "\n".join(q[:120] for q in ran)

    def test_transition(self, setup, counted):
        claim, client = setup
        with counted() as captured:
            response = client.post(
                f"/api/v1/claims/{claim.pk}/transition/",
                {"to": "researching"},
                format="json",
                HTTP_IF_MATCH=claim.etag,
            )
        assert response.status_code == 200
        assert response.json()["status"] == "researching"
        assert response.json()["appearances"][0]["quote"] == "NATO announced Wednesday"
        assert response.json()["tags"] == ["defence", "nato"]
        self.assert_at_most(captured)
        claim.refresh_from_db()
        assert (claim.status, claim.version, claim.events.count()) == ("researching", 2, 1)
        assert last_recorded_tags(claim) == ["defence", "nato"]

    def test_transition_with_a_webhook_queues_its_delivery(self, setup, counted):
        from tracker.inbox.models import Webhook, WebhookDelivery

        claim, client = setup
        hook = Webhook.objects.create(url="http://127.0.0.1:9/hook", secret="s" * 20, events=["claim.transitioned"])
        with counted():
            response = client.post(
                f"/api/v1/claims/{claim.pk}/transition/",
                {"to": "researching"},
                format="json",
                HTTP_IF_MATCH=claim.etag,
            )
        assert response.status_code == 200
        delivery = WebhookDelivery.objects.get(webhook=hook)
        assert (delivery.event, delivery.claim_id) == ("claim.transitioned", claim.pk)
        assert '"status": "researching"' in delivery.body
        # Switched off: the cached subscriptions are dropped, and the next move queues nothing for it.
        hook.active = False
        hook.save()
        with counted():
            response = client.post(
                f"/api/v1/claims/{claim.pk}/transition/",
                {"to": "dismissed", "note": "An opinion."},
                format="json",
                HTTP_IF_MATCH=response["ETag"],
            )
        assert response.status_code == 200
        assert WebhookDelivery.objects.filter(webhook=hook).count() == 1

    def test_patch(self, setup, counted):
        claim, client = setup
        records = claim.history.count()
        with counted() as captured:
            response = client.patch(
                f"/api/v1/claims/{claim.pk}/", {"priority": "high"}, format="json", HTTP_IF_MATCH=claim.etag
            )
        assert response.status_code == 200
        assert response.json()["priority"] == "high"
        assert response["ETag"] == f'"{claim.pk}-2"'
        self.assert_at_most(captured)
        assert claim.history.count() == records + 1  # one record of the edit, its tags with it
        assert last_recorded_tags(claim) == ["defence", "nato"]

    def test_patch_of_what_search_finds(self, setup, counted):
        from tracker.models import Claim

        claim, client = setup
        with counted() as captured:
            response = client.patch(
                f"/api/v1/claims/{claim.pk}/",
                {"verdict_summary": "Half true."},
                format="json",
                HTTP_IF_MATCH=claim.etag,
            )
        assert response.status_code == 200
        assert response.json()["verdict_summary"] == "Half true."
        assert response.json()["appearances"][0]["quote"] == "NATO announced Wednesday"
        self.assert_at_most(captured)
        assert "half" in Claim.objects.get(pk=claim.pk).search_document.split()

    def test_create(self, setup, counted):
        from tests.factories import ArticleFactory
        from tracker.finding import factchecks
        from tracker.models import StatusCount

        claim, client = setup
        factchecks.import_claimreviews(
            [{"@type": "ClaimReview", "url": "https://checks.example/nato", "claimReviewed": "NATO announced a plan."}]
        )
        new_before = StatusCount.objects.totals()["new"]
        article = ArticleFactory()
        body = {"text": "A new claim.", "appearances": [{"article": article.pk, "quote": "NATO announced Wednesday"}]}
        with counted() as captured:
            response = client.post("/api/v1/claims/", body, format="json")
        assert response.status_code == 201
        assert response.json()["appearances"][0]["article"] == article.pk
        answer = response.json()
        assert answer["appearances"][0]["quote"] == "NATO announced Wednesday"
        # The claim of the setup has the same quote, the fact-check two of its words: possibly checked before
        # (DESIGN §6), each shown with its own fields.
        matches = answer.pop("matches")
        assert [(m["kind"], m["id"]) for m in matches] == [("claim", claim.pk), ("factcheck", matches[1]["id"])]
        assert (matches[0]["text"], matches[0]["status"]) == (claim.text, "new")
        assert (matches[1]["url"], matches[1]["status"]) == ("https://checks.example/nato", None)
        # Everything, the matches with their claims and fact-checks too. SQLite, which has no INSERT or UPDATE
        # inside a WITH, writes the claim's matching postings, their statistics and the status counter in
        # three statements where PostgreSQL writes them in one: two more.
        self.assert_at_most(captured, WRITE_QUERIES if connection.vendor == "postgresql" else WRITE_QUERIES + 2)
        assert StatusCount.objects.totals()["new"] == new_before + 1
        assert client.get(response["Location"]).json() == answer

    def test_tags_in_the_answer_are_the_claims_after_the_write(self, setup):
        claim, client = setup
        response = client.patch(
            f"/api/v1/claims/{claim.pk}/", {"tags": ["b", "a"]}, format="json", HTTP_IF_MATCH=claim.etag
        )
        assert response.json()["tags"] == ["a", "b"]
        response = client.post(
            f"/api/v1/claims/{claim.pk}/transition/",
            {"to": "researching"},
            format="json",
            HTTP_IF_MATCH=response["ETag"],
        )
        assert response.json()["tags"] == ["a", "b"]
        assert [sorted(t.tag.name for t in h.tags.all()) for h in claim.history.order_by("history_id")][-2:] == [
            ["a", "b"],
            ["a", "b"],
        ]

    def test_a_refused_write_leaves_nothing_behind(self, setup):
        claim, client = setup
        response = client.post(
            f"/api/v1/claims/{claim.pk}/transition/", {"to": "dismissed"}, format="json", HTTP_IF_MATCH=claim.etag
        )
        assert response.status_code == 400  # a note is required
        claim.refresh_from_db()
        assert (claim.status, claim.version, claim.events.count()) == ("new", 1, 0)
        stale = client.patch(
            f"/api/v1/claims/{claim.pk}/", {"verdict_summary": "x"}, format="json", HTTP_IF_MATCH=f'"{claim.pk}-7"'
        )
        assert stale.status_code == 412
        assert client.get(f"/api/v1/claims/{claim.pk}/").json()["verdict_summary"] == ""


class QueueKeysetTests:
    @pytest.fixture
    def queue(self, client, editor):
        import datetime

        from django.utils import timezone

        from tests.factories import ArticleFactory, make_claim

        article = ArticleFactory(body=" ".join(f"w{i}x" for i in range(80)))
        claims = [make_claim(by=editor, article=article, quote=f"w{i}x", text=f"Claim {i}.") for i in range(60)]
        base = timezone.now() - datetime.timedelta(days=60)
        for i, claim in enumerate(claims):
            # Ten claims share each moment, so the order's tie-break (id) is walked too.
            type(claim).objects.filter(pk=claim.pk).update(updated_at=base + datetime.timedelta(days=i // 10))
        client.force_login(editor)
        return client

    def walk(self, client, params=None):
        seen, response, pages = [], client.get("/claims/", params or {}), 0
        while True:
            page = response.context["page"]
            seen += [c.pk for c in page]
            pages += 1
            if not page.has_next():
                return seen, pages, response
            response = client.get("/claims/", {**(params or {}), "after": page.next_cursor})

    def test_next_walks_every_claim_once_in_order(self, queue):
        from tracker.models import Claim

        seen, pages, _ = self.walk(queue)
        assert seen == list(Claim.objects.order_by("-updated_at", "-id").values_list("pk", flat=True))
        assert pages == 3
        oldest, _, _ = self.walk(queue, {"sort": "updated"})
        assert oldest == seen[::-1]

    def test_previous_returns_to_the_page_before(self, queue):
        first = queue.get("/claims/").context["page"]
        second = queue.get("/claims/", {"after": first.next_cursor}).context["page"]
        back = queue.get("/claims/", {"before": second.previous_cursor})
        assert [c.pk for c in back.context["page"]] == [c.pk for c in first]
        assert 'rel="prev"' in queue.get("/claims/", {"after": first.next_cursor}).content.decode()

    def test_a_deep_page_costs_what_the_first_does(self, queue):
        queue.get("/claims/")
        with CaptureQueriesContext(connection) as first:
            page = queue.get("/claims/").context["page"]
        with CaptureQueriesContext(connection) as deep:
            queue.get("/claims/", {"after": page.next_cursor})
        assert len(deep) == len(first)
        assert not any("OFFSET" in q["sql"] for q in deep)

    def test_jump_to_a_date(self, queue):
        import datetime

        from django.utils import timezone

        from tracker.models import Claim

        day = (timezone.localtime(timezone.now()) - datetime.timedelta(days=58)).date()
        response = queue.get("/claims/", {"from": day.isoformat()})
        first = response.context["page"][0]
        assert timezone.localtime(first.updated_at).date() <= day
        assert (
            first.pk
            == Claim.objects.filter(updated_at__lt=first.updated_at + datetime.timedelta(days=1))
            .order_by("-updated_at", "-id")
            .values_list("pk", flat=True)[0]
        )
        assert 'name="from"' in response.content.decode()

    def test_a_tampered_or_foreign_cursor_shows_the_first_page(self, queue):
        first = [c.pk for c in queue.get("/claims/").context["page"]]
        for cursor in ("garbage", "W10:1abc:xyz", "x" * 600):
            response = queue.get("/claims/", {"after": cursor})
            assert response.status_code == 200
            assert [c.pk for c in response.context["page"]] == first

    def test_numbered_links_made_before_still_work(self, queue):
        response = queue.get("/claims/", {"page": 2})
        assert len(response.context["page"]) == 25


class PermissionCacheMembershipTests:
    def test_a_group_gaining_or_losing_a_member_counts_at_the_next_request(self, db):
        from django.contrib.auth.models import Group

        from tests.factories import make_user

        outsider = make_user(None, username="olga")
        client = api_client(outsider)
        assert client.get("/api/v1/sources/").status_code == 403
        Group.objects.get(name="editor").user_set.add(outsider)
        assert client.get("/api/v1/sources/").status_code == 200
        Group.objects.get(name="editor").user_set.clear()
        assert client.get("/api/v1/sources/").status_code == 403

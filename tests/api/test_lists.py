"""Lists: pagination, claims/ filters and search, and the same number of queries at 10 rows as at 200."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import publish
from tests.factories import ArticleFactory, ClaimantFactory, OutletFactory, make_claim
from tracker import claims, workflow
from tracker.finding import search
from tracker.history import claim_timeline
from tracker.models import Appearance, Article, Claim, Claimant, Correction, Evidence, Outlet, Rating, Source, Tag

V1 = "/api/v1/"


def token_client(user) -> APIClient:
    """A client that authenticates every request afresh, as a real REST client does."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def queries_for(client, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(context.captured_queries), response.json()


# Builders of many rows at once: what is measured here is reading, not writing.


def many_claims(count: int, *, by, article, published_from=None) -> None:
    ratings = list(Rating.objects.all())
    tags = [Tag.objects.get_or_create(name=name)[0] for name in ("NATO", "Patriot")]
    snapshot = published_from.public_snapshot if published_from else None
    now = timezone.now()
    rows = Claim.objects.bulk_create(
        [
            Claim(
                text=f"Claim {i}",
                claimant=ClaimantFactory() if i % 3 == 0 else None,
                rating=ratings[i % len(ratings)],
                assignee=by,
                created_by=by,
                created_at=now - datetime.timedelta(minutes=i),
                public_snapshot=snapshot,
                last_published_at=now - datetime.timedelta(minutes=i) if snapshot else None,
                status="published" if snapshot else "new",
            )
            for i in range(count)
        ]
    )
    Appearance.objects.bulk_create(
        [Appearance(claim=claim, article=article, quote="NATO", start=i, end=i + 4) for claim in rows for i in (0, 10)]
    )
    through = Claim.tags.through
    through.objects.bulk_create([through(claim=claim, tag=tag) for claim in rows for tag in tags])
    search.refresh([claim.pk for claim in rows])  # bulk_create sends no signals, so it does what rebuild_search does
    if snapshot:
        Correction.objects.bulk_create([Correction(claim=claim, at=now, note="Fixed.") for claim in rows])


def assert_constant(client, url: str, grow, *, key: str = "results") -> None:
    grow(10)
    client.get(url)  # the first request caches the caller's permissions (tracker.auth); count later ones
    small, body = queries_for(client, url)
    assert len(body[key]) == 10
    grow(190)
    large, body = queries_for(client, url)
    assert len(body[key]) == 200
    assert small == large, f"{url}: {small} queries for 10 rows, {large} for 200"


@pytest.mark.django_db
class QueryCountTests:
    @pytest.fixture
    def client(self, editor):
        return token_client(editor)

    def test_claims(self, client, editor):
        article = ArticleFactory()
        assert_constant(client, f"{V1}claims/?page_size=200", lambda n: many_claims(n, by=editor, article=article))

    def test_claims_filtered_and_searched(self, client, editor):
        article = ArticleFactory()
        url = f"{V1}claims/?page_size=200&tag=nato&search=claim&article={article.pk}&assignee={editor.username}"
        assert_constant(client, url, lambda n: many_claims(n, by=editor, article=article))

    def test_published_claims_for_anonymous_callers(self, editor, reviewer):
        seed = publish(make_claim(by=editor), editor=editor, reviewer=reviewer)
        article = ArticleFactory()
        client = token_client(None)
        Claim.objects.filter(pk=seed.pk).update(deleted_at=timezone.now())  # count only the bulk rows
        grow = lambda n: many_claims(n, by=editor, article=article, published_from=seed)  # noqa: E731
        assert_constant(client, f"{V1}claims/?page_size=200", grow)

    def test_claimreview_feed(self, editor, reviewer):
        seed = publish(make_claim(by=editor), editor=editor, reviewer=reviewer)
        article = ArticleFactory()
        Claim.objects.filter(pk=seed.pk).update(deleted_at=timezone.now())
        grow = lambda n: many_claims(n, by=editor, article=article, published_from=seed)  # noqa: E731
        assert_constant(token_client(None), f"{V1}claimreview/?page_size=200", grow)

    def test_articles(self, client):
        outlet = OutletFactory()
        grow = lambda n: Article.objects.bulk_create(  # noqa: E731
            [Article(title=f"A{i}", body="", outlet=outlet, authors=["X"]) for i in range(n)]
        )
        assert_constant(client, f"{V1}articles/?page_size=200", grow)

    def test_outlets(self, client):
        grow = lambda n: Outlet.objects.bulk_create(  # noqa: E731
            [Outlet(name=f"Outlet {Outlet.objects.count()}-{i}") for i in range(n)]
        )
        assert_constant(client, f"{V1}outlets/?page_size=200", grow)

    def test_claimants(self, client):
        grow = lambda n: Claimant.objects.bulk_create([Claimant(name=f"C{i}") for i in range(n)])  # noqa: E731
        assert_constant(client, f"{V1}claimants/?page_size=200", grow)

    def test_sources(self, client):
        grow = lambda n: Source.objects.bulk_create([Source(title=f"S{i}") for i in range(n)])  # noqa: E731
        assert_constant(client, f"{V1}sources/?page_size=200", grow)

    def test_ratings(self, client):
        Rating.objects.all().delete()
        grow = lambda n: Rating.objects.bulk_create(  # noqa: E731
            [Rating(slug=f"r-{Rating.objects.count()}-{i}", label=f"R{i}", order=i) for i in range(n)]
        )
        assert_constant(client, f"{V1}ratings/?page_size=200", grow)

    def test_tags(self, client):
        grow = lambda n: Tag.objects.bulk_create(  # noqa: E731
            [Tag(name=f"tag {Tag.objects.count()}-{i}") for i in range(n)]
        )
        assert_constant(client, f"{V1}tags/?page_size=200", grow)

    def test_appearances(self, client, editor):
        claim = make_claim(by=editor)
        claim.appearances.all().delete()
        article = ArticleFactory()
        grow = lambda n: Appearance.objects.bulk_create(  # noqa: E731
            [
                Appearance(claim=claim, article=article, quote="NATO", start=s, end=s + 4)
                for s in range(claim.appearances.count() * 5, (claim.appearances.count() + n) * 5, 5)
            ]
        )
        assert_constant(client, f"{V1}claims/{claim.pk}/appearances/?page_size=200", grow)

    def test_evidence(self, client, editor):
        claim = make_claim(by=editor)

        def grow(n):
            sources = Source.objects.bulk_create(
                [Source(title=f"S{i}", url=f"https://e.org/{Source.objects.count()}-{i}") for i in range(n)]
            )
            Evidence.objects.bulk_create(
                [Evidence(claim=claim, source=s, stance="context", added_by=editor) for s in sources]
            )

        assert_constant(client, f"{V1}claims/{claim.pk}/evidence/?page_size=200", grow)

    def test_history(self, client, editor):
        claim = make_claim(by=editor)
        wanted = [0]

        def grow(n):
            # Each edit (summary, tags, priority in turn) adds one entry after the creation's.
            wanted[0] += n
            current = Claim.objects.get(pk=claim.pk)
            for i in range(wanted[0] - len(claim_timeline(current))):
                change = [
                    {"verdict_summary": f"Summary {i}"},
                    {"tags": [f"t{i}"]},
                    {"priority": ["low", "high"][i % 2]},
                ]
                current = claims.edit_claim(current, change[i % 3], by=editor, expected_version=None)

        assert_constant(client, f"{V1}claims/{claim.pk}/history/?page_size=200", grow)


@pytest.mark.django_db
class PaginationTests:
    def test_claims_use_cursors_with_stable_order(self, editor_client, editor):
        article = ArticleFactory()
        many_claims(7, by=editor, article=article)
        first = editor_client.get(f"{V1}claims/", {"page_size": 3}).json()
        assert set(first) == {"next", "previous", "results"}
        assert first["previous"] is None
        second = editor_client.get(first["next"]).json()
        third = editor_client.get(second["next"]).json()
        ids = [c["id"] for page in (first, second, third) for c in page["results"]]
        expected = list(Claim.objects.order_by("-created_at", "-id").values_list("id", flat=True))
        assert ids == expected
        assert third["next"] is None

    def test_page_size_is_capped_at_200(self, editor_client):
        Tag.objects.bulk_create([Tag(name=f"t{i}") for i in range(205)])
        for size in ("201", "100000", "9" * 400, "000300"):
            assert len(editor_client.get(f"{V1}tags/", {"page_size": size}).json()["results"]) == 200

    @pytest.mark.parametrize("value", ["0", "000", "-1", "abc", "1e3", "\u0661"])
    def test_bad_page_size_is_400(self, editor_client, value):
        for url in (f"{V1}claims/", f"{V1}tags/"):
            response = editor_client.get(url, {"page_size": value})
            assert response.status_code == 400
            assert "page_size" in response.json()

    def test_bad_cursor_is_400(self, editor_client):
        response = editor_client.get(f"{V1}claims/", {"cursor": "not-a-cursor"})
        assert response.status_code == 400
        assert "cursor" in response.json()

    def test_page_beyond_the_end_is_404(self, editor_client):
        assert editor_client.get(f"{V1}tags/", {"page": 99999999999999999999}).status_code == 404


@pytest.mark.django_db
class ClaimFilterTests:
    @pytest.fixture
    def claims_(self, editor, reviewer):
        outlet = OutletFactory()
        in_outlet = ArticleFactory(outlet=outlet)
        claimant = ClaimantFactory()
        a = make_claim(by=editor, article=in_outlet, claimant=claimant, tags=["Patriot"], assignee=reviewer)
        b = make_claim(by=editor, text="Russia fired 500 drones overnight.", quote="Officials said")
        b = workflow.transition(b, to="researching", by=editor)
        b = claims.edit_claim(
            b,
            {"rating": Rating.objects.get(slug="false"), "verdict_explanation": "The ministry counted 350 drones."},
            by=editor,
            expected_version=b.version,
        )
        return {"a": a, "b": b, "outlet": outlet, "article": in_outlet, "claimant": claimant}

    def ids(self, client, **params):
        response = client.get(f"{V1}claims/", params)
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["results"]}

    def test_each_filter(self, editor_client, claims_, reviewer):
        a, b = claims_["a"].pk, claims_["b"].pk
        assert self.ids(editor_client, status="researching") == {b}
        assert self.ids(editor_client, rating="false") == {b}
        assert self.ids(editor_client, tag="patriot") == {a}
        assert self.ids(editor_client, claimant=claims_["claimant"].pk) == {a}
        assert self.ids(editor_client, article=claims_["article"].pk) == {a}
        assert self.ids(editor_client, outlet=claims_["outlet"].pk) == {a}
        assert self.ids(editor_client, assignee=reviewer.username) == {a}
        assert self.ids(editor_client, created_after="2000-01-01", created_before="2999-01-01") == {a, b}
        assert self.ids(editor_client, created_before="2000-01-01T00:00:00Z") == set()

    def test_any_offset_python_parses_is_compared_in_utc(self, editor_client, claims_):
        # PostgreSQL stores offsets up to ±15:59 only; the filter must not pass +21:37 through.
        assert self.ids(editor_client, created_after="0508-12-09T03:08:12+21:37") == {claims_["a"].pk, claims_["b"].pk}

    def test_search_covers_text_quotes_and_verdicts(self, editor_client, claims_):
        a, b = claims_["a"].pk, claims_["b"].pk
        assert self.ids(editor_client, search="drones") == {b}
        assert self.ids(editor_client, search="ministry") == {b}
        assert self.ids(editor_client, search="Wednesday") == {a}  # only in a's quote
        assert self.ids(editor_client, search="Patriot missiles") == {a}

    @pytest.mark.parametrize(
        "params",
        [
            {"status": "gone"},
            {"rating": "no-such-rating"},
            {"claimant": "abc"},
            {"claimant": str(10**30)},
            {"article": "-1"},
            {"outlet": "1.5"},
            {"assignee": "nobody"},
            {"created_after": "yesterday"},
            {"created_before": "2025-13-45"},
            {"created_after": "0001-01-01T00:00:00+05:00"},
            {"search": "x\x00y"},
            {"tag": "t" * 300},
        ],
    )
    def test_invalid_values_are_400_naming_the_parameter(self, editor_client, params):
        response = editor_client.get(f"{V1}claims/", params)
        assert response.status_code == 400
        assert set(params) <= set(response.json())


@pytest.mark.django_db
class PublishedClaimFilterTests:
    """DESIGN §4: anonymous callers' filters apply to the published claims; bad values are a 400."""

    @pytest.fixture
    def published(self, editor, reviewer):
        outlet = OutletFactory()
        article = ArticleFactory(outlet=outlet)
        claimant = ClaimantFactory()
        a = publish(
            make_claim(by=editor, article=article, claimant=claimant, tags=["Patriot"]),
            editor=editor,
            reviewer=reviewer,
        )
        b = publish(make_claim(by=editor, quote="Officials said"), editor=editor, reviewer=reviewer, rating="false")
        draft = make_claim(by=editor, article=article, claimant=claimant, tags=["Patriot"])
        return {"a": a.pk, "b": b.pk, "draft": draft, "article": article, "outlet": outlet, "claimant": claimant}

    def ids(self, client, **params):
        response = client.get(f"{V1}claims/", params)
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["results"]}

    def test_each_filter_applies_to_published_claims(self, anon, published):
        a, b = published["a"], published["b"]
        assert self.ids(anon) == {a, b}
        assert self.ids(anon, status="published") == {a, b}
        assert self.ids(anon, status="new") == set()
        assert self.ids(anon, rating="false") == {b}
        assert self.ids(anon, rating="true") == {a}
        assert self.ids(anon, tag="patriot") == {a}
        assert self.ids(anon, claimant=published["claimant"].pk) == {a}
        assert self.ids(anon, article=published["article"].pk) == {a}
        assert self.ids(anon, article=999999) == set()
        assert self.ids(anon, outlet=published["outlet"].pk) == {a}
        assert self.ids(anon, created_after="2000-01-01", created_before="2999-01-01") == {a, b}

    def test_an_appearance_added_after_publishing_is_not_revealed(self, anon, published, editor):
        other = ArticleFactory()
        claim = Claim.objects.get(pk=published["b"])
        claim = workflow.transition(claim, to="researching", by=editor, note="Adding a source.")
        claims.add_appearance(
            claim, claims.AppearanceInput(article=other, quote="NATO announced Wednesday"), by=editor
        )
        assert self.ids(anon, article=other.pk) == set()

    @pytest.mark.parametrize(
        "params",
        [{"status": "bogus"}, {"rating": "no-such-rating"}, {"article": "abc"}, {"assignee": "editor"}],
    )
    def test_invalid_values_are_400_naming_the_parameter(self, anon, published, params):
        response = anon.get(f"{V1}claims/", params)
        assert response.status_code == 400
        assert set(params) <= set(response.json())

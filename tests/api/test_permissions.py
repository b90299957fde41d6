"""The permission matrix of DESIGN §3 over every endpoint of §4: endpoint × method × role."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.api.conftest import ROLES, publish
from tests.factories import (
    ArticleFactory,
    ClaimantFactory,
    OutletFactory,
    SourceFactory,
    add_evidence,
    make_claim,
    make_user,
)

V1 = "/api/v1/"


@dataclass
class World:
    draft: object
    published: object
    article: object
    other_article: object
    outlet: object
    claimant: object
    source: object
    evidence: object


@pytest.fixture
def world(db, editor, reviewer) -> World:
    article = ArticleFactory()
    draft = make_claim(by=editor, article=article)
    published = publish(make_claim(by=editor), editor=editor, reviewer=reviewer)
    return World(
        draft=draft,
        published=published,
        article=article,
        other_article=ArticleFactory(),
        outlet=OutletFactory(),
        claimant=ClaimantFactory(),
        source=SourceFactory(),
        evidence=add_evidence(draft, by=editor),
    )


def unique() -> str:
    return uuid.uuid4().hex


@dataclass
class Case:
    name: str
    method: str
    path: Callable[[World], str]
    expected: tuple[int, int, int, int, int]  # anonymous, reporter, editor, reviewer, admin
    body: Callable[[World], dict] | None = None
    if_match: bool = False


def w(template: str) -> Callable[[World], str]:
    return lambda world: V1 + template.format(w=world)


ALL_200 = (200, 200, 200, 200, 200)
DESK_READ = (401, 200, 200, 200, 200)
DESK_CREATE = (401, 201, 201, 201, 201)
DESK_CHANGE = (401, 403, 200, 200, 200)
NOT_ALLOWED = (401, 405, 405, 405, 405)

CASES = [
    Case("outlets list", "get", w("outlets/"), DESK_READ),
    Case("outlets create", "post", w("outlets/"), DESK_CREATE, lambda _: {"name": unique()}),
    Case("outlet detail", "get", w("outlets/{w.outlet.pk}/"), DESK_READ),
    Case("outlet change", "patch", w("outlets/{w.outlet.pk}/"), DESK_CHANGE, lambda _: {"country": "GB"}),
    Case("outlet delete", "delete", w("outlets/{w.outlet.pk}/"), NOT_ALLOWED),
    Case("articles list", "get", w("articles/"), DESK_READ),
    Case(
        "articles create",
        "post",
        w("articles/"),
        DESK_CREATE,
        lambda _: {"title": "New story", "body": f"Text {unique()}.", "language": "en"},
    ),
    Case("article detail", "get", w("articles/{w.article.pk}/"), DESK_READ),
    Case("article change", "patch", w("articles/{w.article.pk}/"), DESK_CHANGE, lambda _: {"title": "Retitled"}),
    Case("claimants list", "get", w("claimants/"), DESK_READ),
    Case("claimants create", "post", w("claimants/"), DESK_CREATE, lambda _: {"name": "Jens Stoltenberg"}),
    Case("claimant detail", "get", w("claimants/{w.claimant.pk}/"), DESK_READ),
    Case("claimant change", "patch", w("claimants/{w.claimant.pk}/"), DESK_CHANGE, lambda _: {"description": "x"}),
    Case("sources list", "get", w("sources/"), DESK_READ),
    Case(
        "sources create",
        "post",
        w("sources/"),
        DESK_CREATE,
        lambda _: {"title": "Release", "url": f"https://example.org/{unique()}"},
    ),
    Case("source detail", "get", w("sources/{w.source.pk}/"), DESK_READ),
    Case("source change", "patch", w("sources/{w.source.pk}/"), DESK_CHANGE, lambda _: {"publisher": "MoD"}),
    Case("ratings list", "get", w("ratings/"), DESK_READ),
    Case("rating detail", "get", w("ratings/mostly-true/"), DESK_READ),
    Case("ratings create", "post", w("ratings/"), NOT_ALLOWED, lambda _: {"slug": "x"}),
    Case("tags list", "get", w("tags/"), DESK_READ),
    Case("tags create", "post", w("tags/"), NOT_ALLOWED, lambda _: {"name": "x"}),
    Case("claims list", "get", w("claims/"), ALL_200),
    Case(
        "claims create",
        "post",
        w("claims/"),
        DESK_CREATE,
        lambda world: {"text": "A claim", "appearances": [{"article": world.article.pk, "quote": "NATO announced"}]},
    ),
    Case("draft claim detail", "get", w("claims/{w.draft.pk}/"), (404, 200, 200, 200, 200)),
    Case("published claim detail", "get", w("claims/{w.published.pk}/"), ALL_200),
    Case("claim change", "patch", w("claims/{w.draft.pk}/"), DESK_CHANGE, lambda _: {"priority": "high"}, True),
    Case("claim trash", "delete", w("claims/{w.draft.pk}/"), (401, 403, 204, 204, 204), None, True),
    Case(
        "claim transition",
        "post",
        w("claims/{w.draft.pk}/transition/"),
        DESK_CHANGE,
        lambda _: {"to": "researching"},
        True,
    ),
    Case("claim history", "get", w("claims/{w.draft.pk}/history/"), DESK_READ),
    Case("published claim history", "get", w("claims/{w.published.pk}/history/"), DESK_READ),
    Case("claim appearances", "get", w("claims/{w.draft.pk}/appearances/"), DESK_READ),
    Case(
        "claim appearance add",
        "post",
        w("claims/{w.draft.pk}/appearances/"),
        DESK_CREATE,
        lambda world: {"article": world.other_article.pk, "quote": "around $5.5 billion"},
    ),
    Case("claim evidence", "get", w("claims/{w.draft.pk}/evidence/"), DESK_READ),
    Case(
        "claim evidence add",
        "post",
        w("claims/{w.draft.pk}/evidence/"),
        DESK_CREATE,
        lambda _: {"source_url": f"https://example.org/{unique()}", "source_title": "Doc", "stance": "context"},
    ),
    Case("claim evidence detail", "get", w("claims/{w.draft.pk}/evidence/{w.evidence.pk}/"), DESK_READ),
    # A reporter may change only the claims they logged: this one is the editor's.
    Case(
        "claim evidence remove",
        "delete",
        w("claims/{w.draft.pk}/evidence/{w.evidence.pk}/"),
        (401, 403, 204, 204, 204),
    ),
    Case("published claimreview", "get", w("claims/{w.published.pk}/claimreview/"), ALL_200),
    Case("draft claimreview", "get", w("claims/{w.draft.pk}/claimreview/"), (404, 404, 404, 404, 404)),
    Case("claimreview feed", "get", w("claimreview/"), ALL_200),
    Case("claimreview feed post", "post", w("claimreview/"), (405, 405, 405, 405, 405), lambda _: {}),
    Case("claim put", "put", w("claims/{w.draft.pk}/"), (401, 405, 405, 405, 405), lambda _: {"text": "x"}),
]


@pytest.mark.django_db
class PermissionMatrixTests:
    @pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
    @pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
    def test_status_code(self, case: Case, role_index: int, role: str, world: World, client_for):
        client = client_for(role)
        kwargs = {"format": "json"}
        body = case.body(world) if case.body else None
        if case.if_match:
            kwargs["HTTP_IF_MATCH"] = world.draft.etag
        response = getattr(client, case.method)(case.path(world), body, **kwargs)
        assert response.status_code == case.expected[role_index], response.content[:300]
        if response.status_code == 401:
            assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
class PermissionDetailTests:
    def test_user_without_a_role_reads_only_published_claims(self, client_for, world):
        client = client_for(user=make_user(None))
        assert client.get(f"{V1}articles/").status_code == 403
        assert client.get(f"{V1}claims/{world.draft.pk}/").status_code == 404
        results = client.get(f"{V1}claims/").json()["results"]
        assert [c["id"] for c in results] == [world.published.pk]
        assert "version" not in results[0]

    def test_reporter_edits_own_claim_and_removes_its_evidence(self, client_for, world):
        reporter = make_user("reporter")
        own = make_claim(by=reporter, article=world.article, quote="Officials said")
        evidence = add_evidence(own, by=reporter)
        client = client_for(user=reporter)
        response = client.patch(f"{V1}claims/{own.pk}/", {"priority": "high"}, format="json", HTTP_IF_MATCH=own.etag)
        assert response.status_code == 200
        assert client.delete(f"{V1}claims/{own.pk}/evidence/{evidence.pk}/").status_code == 204
        assert client.post(f"{V1}claims/{own.pk}/transition/", {"to": "researching", "version": 2}).status_code == 403

    def test_anonymous_writes_never_reach_the_database(self, anon, world):
        response = anon.patch(f"{V1}claims/{world.published.pk}/", {"text": "x", "version": 1}, format="json")
        assert response.status_code == 401
        world.published.refresh_from_db()
        assert world.published.text != "x"

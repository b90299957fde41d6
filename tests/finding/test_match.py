"""POST match/ and claims/{id}/similar/: ranking on a small fixed set, what each result says, who may ask."""

import pytest

from tests.factories import ArticleFactory, make_claim
from tracker import workflow
from tracker.finding import factchecks, matching
from tracker.finding.models import FactCheck, MatchStat

ARCHIVE = [
    ("https://checks.example/patriot-1000", "NATO will buy 1,000 Patriot missiles for Ukraine.", "Patriots for Kyiv?"),
    ("https://checks.example/lady-gaga-oreo", "Oreo released Lady Gaga themed cookies.", "Lady Gaga Oreos?"),
    ("https://checks.example/moon-cheese", "The Moon is made of cheese.", "Is the Moon cheese?"),
    ("https://checks.example/biden-dictator", "Biden said ruling by executive order makes a dictator.", ""),
    ("https://checks.example/drone-wall", "Europe is building a wall of drones on its eastern border.", ""),
]


@pytest.fixture
def archive(db):
    result = factchecks.import_claimreviews(
        [
            {
                "@type": "ClaimReview",
                "url": url,
                "claimReviewed": text,
                "headline": headline,
                "author": {"@type": "Organization", "name": "Example Checks"},
                "reviewRating": {"@type": "Rating", "alternateName": "Mostly false"},
            }
            for url, text, headline in ARCHIVE
        ]
    )
    assert result["created"] == len(ARCHIVE)
    return {fc.url: fc for fc in FactCheck.objects.all()}


def match(client, text, **extra):
    response = client.post("/api/v1/match/", {"text": text, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.django_db
class MatchRankingTests:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("OREO x LADY GAGA packs drop today! pic.twitter.com/OPdkueC45h", "lady-gaga-oreo"),
            ("BREAKING: Nato to purchase a thousand Patriot missiles for Ukraine", "patriot-1000"),
            ("the moon? it's literally cheese, scientists admit", "moon-cheese"),
            ("Drones will guard Europe's eastern border like a wall", "drone-wall"),
        ],
    )
    def test_the_fact_check_that_settles_a_post_comes_first(self, api_for, archive, text, expected):
        results = match(api_for("reporter"), text, kinds=["factcheck"])
        assert results[0]["url"] == f"https://checks.example/{expected}"
        scores = [r["score"] for r in results]
        assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)

    def test_a_result_says_what_a_desk_needs(self, api_for, archive):
        [first, *_] = match(api_for("editor"), "Lady Gaga Oreo cookies", limit=1)
        fc = archive["https://checks.example/lady-gaga-oreo"]
        assert first == {
            "kind": "factcheck",
            "id": fc.pk,
            "text": "Oreo released Lady Gaga themed cookies.",
            "url": "https://checks.example/lady-gaga-oreo",
            "rating": "Mostly false",
            "status": None,
            "publisher": "Example Checks",
            "headline": "Lady Gaga Oreos?",
            "score": first["score"],
        }

    def test_the_same_words_score_near_one_and_unrelated_words_find_nothing(self, api_for, archive):
        [first] = match(api_for("editor"), "The Moon is made of cheese.", limit=1)
        assert first["score"] > 0.9
        assert match(api_for("editor"), "zzzz qqqq") == []
        assert match(api_for("editor"), "the of and") == []

    def test_limit_and_kinds(self, api_for, archive):
        client = api_for("editor")
        claim = make_claim(text="A claim about Patriot missiles for Ukraine.")
        assert len(match(client, "Patriot missiles Ukraine", limit=1)) == 1
        kinds = {r["kind"] for r in match(client, "Patriot missiles Ukraine", limit=10)}
        assert kinds == {"claim", "factcheck"}
        only = match(client, "Patriot missiles Ukraine", kinds=["claim"])
        assert [(r["kind"], r["id"], r["status"]) for r in only] == [("claim", claim.pk, "new")]
        assert only[0]["url"].endswith(f"/claims/{claim.pk}/")

    def test_a_trashed_claim_is_no_match_and_a_restored_one_is_again(self, api_for, archive, editor):
        claim = make_claim(text="Interceptor stocks ran dry in May.")
        client = api_for("editor")
        assert [r["id"] for r in match(client, "interceptor stocks", kinds=["claim"])] == [claim.pk]
        claim = workflow.trash(claim, by=editor)
        assert match(client, "interceptor stocks", kinds=["claim"]) == []
        workflow.restore(claim, by=editor)
        assert [r["id"] for r in match(client, "interceptor stocks", kinds=["claim"])] == [claim.pk]

    def test_the_index_survives_a_rebuild(self, api_for, archive):
        before = match(api_for("editor"), "Patriot missiles")
        stats = list(MatchStat.objects.values_list("kind", "documents"))
        matching.rebuild()
        assert match(api_for("editor"), "Patriot missiles") == before
        assert list(MatchStat.objects.values_list("kind", "documents")) == stats


@pytest.mark.django_db
class MatchInputTests:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "text"),
            ({"text": 5}, "text"),
            ({"text": "x", "limit": 0}, "limit"),
            ({"text": "x", "limit": 51}, "limit"),
            ({"text": "x", "limit": "many"}, "limit"),
            ({"text": "x", "kinds": ["article"]}, "kinds"),
            ({"text": "x", "kinds": []}, "kinds"),
            ({"text": "a\u0000b"}, "detail"),  # the JSON parser refuses NUL anywhere
        ],
    )
    def test_bad_input_is_a_400_on_its_field(self, api_for, body, field):
        response = api_for("editor").post("/api/v1/match/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()

    @pytest.mark.parametrize(("role", "code"), [(None, 401), ("reporter", 200), ("reviewer", 200)])
    def test_desk_roles_only(self, api_for, role, code):
        assert api_for(role).post("/api/v1/match/", {"text": "x"}, format="json").status_code == code


@pytest.mark.django_db
class SimilarTests:
    def test_similar_claims_and_fact_checks_leave_the_claim_out(self, api_for, archive):
        article = ArticleFactory()
        claim = make_claim(article=article, text="NATO will help buy 1,000 Patriot missiles.")
        twin = make_claim(text="NATO helps buy up to 1,000 Patriot missiles.", quote="NATO announced Wednesday")
        response = api_for("reporter").get(f"/api/v1/claims/{claim.pk}/similar/")
        assert response.status_code == 200
        results = response.json()["results"]
        assert claim.pk not in [r["id"] for r in results if r["kind"] == "claim"]
        assert [(r["kind"], r["id"]) for r in results[:2]] == [("claim", twin.pk), ("factcheck", patriot_id(archive))]

    def test_unknown_claim_and_bad_limit(self, api_for, db):
        client = api_for("editor")
        assert client.get("/api/v1/claims/999999/similar/").status_code == 404
        claim = make_claim()
        assert client.get(f"/api/v1/claims/{claim.pk}/similar/?limit=0").status_code == 400
        assert api_for(None).get(f"/api/v1/claims/{claim.pk}/similar/").status_code == 401


def patriot_id(archive):
    return archive["https://checks.example/patriot-1000"].pk


@pytest.mark.django_db
class LoggedClaimMatchesTests:
    """POST claims/ answers what the claim was possibly checked as before, as the log-claim form shows it."""

    def test_a_logged_claim_answers_the_fact_checks_and_claims_it_matches(self, api_for, archive):
        twin = make_claim(text="NATO helps buy up to 1,000 Patriot missiles.")
        article = ArticleFactory(body="NATO will buy 1,000 Patriot missiles for Ukraine, officials said.")
        body = {
            "text": "NATO will buy a thousand Patriot missiles.",
            "appearances": [{"article": article.pk, "quote": "NATO will buy 1,000 Patriot missiles for Ukraine"}],
        }
        response = api_for("reporter").post("/api/v1/claims/", body, format="json")
        assert response.status_code == 201, response.content
        claim = response.json()
        matches = claim["matches"]
        assert claim["id"] not in [m["id"] for m in matches if m["kind"] == "claim"]  # itself left out
        assert matches[0] == {
            "kind": "factcheck",
            "id": patriot_id(archive),
            "text": "NATO will buy 1,000 Patriot missiles for Ukraine.",
            "url": "https://checks.example/patriot-1000",
            "rating": "Mostly false",
            "status": None,
            "publisher": "Example Checks",
            "headline": "Patriots for Kyiv?",
            "score": matches[0]["score"],
        }
        assert ("claim", twin.pk) in [(m["kind"], m["id"]) for m in matches]
        assert len(matches) <= 5
        # The same as the claim page's Similar panel (GET similar/) shows once saved.
        similar = api_for("reporter").get(f"/api/v1/claims/{claim['id']}/similar/").json()["results"]
        assert [(m["kind"], m["id"]) for m in similar] == [(m["kind"], m["id"]) for m in matches]

    def test_a_claim_like_nothing_answers_no_matches(self, api_for, archive):
        article = ArticleFactory(body="Zebras quietly unionised the savannah.")
        body = {"text": "Zebras unionised.", "appearances": [{"article": article.pk, "quote": "Zebras quietly"}]}
        response = api_for("editor").post("/api/v1/claims/", body, format="json")
        assert response.status_code == 201
        assert response.json()["matches"] == []

    def test_only_the_creation_answers_matches_and_the_schema_says_so(self, api_for, client, archive):
        claim = make_claim(text="NATO will buy Patriot missiles.")
        assert "matches" not in api_for("editor").get(f"/api/v1/claims/{claim.pk}/").json()
        schema = client.get("/api/schema/?format=json").json()
        created = schema["paths"]["/api/v1/claims/"]["post"]["responses"]["201"]["content"]["application/json"]
        component = created["schema"]["$ref"].rsplit("/", 1)[-1]
        matches = schema["components"]["schemas"][component]["properties"]["matches"]
        assert matches["items"]["$ref"] == "#/components/schemas/Match"
        assert "matches" in schema["components"]["schemas"][component]["required"]

"""The reading aids' API: suggestions, check-worthiness scores, article edits and re-imports."""

from __future__ import annotations

import pytest

from tests.factories import ArticleFactory, make_claim
from tracker.models import Article

BODY = (
    "Volunteers clear debris in Kyiv, Ukraine. (AP Photo/Efrem Lukatsky)\n"
    "BRUSSELS – NATO announced Wednesday that it would help buy up to 1,000 Patriot missiles.\n"
    "Recommended Videos\n"
    "Editor's note: this article was updated on 3 June 2025 with the Pentagon's reply.\n"
    "According to industry sources, the contract could be worth around $5.5 billion.\n"
    "Thank you all for coming."
)
RUSSIAN = "НАТО поможет купить до 1000 ракет Patriot, заявил генсек. Спасибо всем, кто пришёл."


@pytest.fixture
def article(db):
    return ArticleFactory(body=BODY)


class SuggestionsTests:
    def test_every_sentence_in_order_with_offsets_into_the_body(self, client_for, article):
        response = client_for("reporter").get(f"/api/v1/articles/{article.pk}/suggestions/")
        assert response.status_code == 200
        data = response.json()
        assert data["scorer"] == "english"
        starts = [r["start"] for r in data["results"]]
        assert starts == sorted(starts)
        for row in data["results"]:
            assert article.body[row["start"] : row["end"]] == row["text"]
            assert 0 <= row["score"] <= 1
        by_text = {r["text"]: r for r in data["results"]}
        assert by_text["According to industry sources, the contract could be worth around $5.5 billion."][
            "check_worthy"
        ]
        assert by_text["Recommended Videos"]["boilerplate"]
        assert not by_text["Recommended Videos"]["check_worthy"]
        note = by_text["Editor's note: this article was updated on 3 June 2025 with the Pentagon's reply."]
        assert note["boilerplate"] and not note["check_worthy"]
        caption = next(r for r in data["results"] if "AP Photo" in r["text"] or "Volunteers" in r["text"])
        assert caption["boilerplate"] and caption["score"] == 0
        assert not by_text["Thank you all for coming."]["check_worthy"]

    def test_a_russian_article_says_it_used_the_weaker_scorer(self, client_for, db):
        article = ArticleFactory(body=RUSSIAN, language="ru")
        data = client_for("editor").get(f"/api/v1/articles/{article.pk}/suggestions/").json()
        assert data["scorer"] == "language-neutral"
        assert [r["text"] for r in data["results"]] == [
            "НАТО поможет купить до 1000 ракет Patriot, заявил генсек.",
            "Спасибо всем, кто пришёл.",
        ]
        assert data["results"][0]["score"] > data["results"][1]["score"]

    def test_anonymous_callers_get_401_and_unknown_articles_404(self, client_for, anon, article):
        assert anon.get(f"/api/v1/articles/{article.pk}/suggestions/").status_code == 401
        assert client_for("editor").get("/api/v1/articles/999999/suggestions/").status_code == 404


class CheckworthinessTests:
    def test_scores_come_back_in_order(self, client_for, db):
        sentences = ["Thanks, everybody.", "Unemployment fell to 3.9 percent in April, the lowest since 2000."]
        response = client_for("reporter").post("/api/v1/checkworthiness/", {"sentences": sentences}, format="json")
        assert response.status_code == 200
        results = response.json()["results"]
        assert len(results) == 2
        assert results[1]["score"] > results[0]["score"]
        assert results[1]["check_worthy"] and not results[0]["check_worthy"]

    def test_another_language_is_scored_by_the_neutral_scorer(self, client_for, db):
        response = client_for("editor").post(
            "/api/v1/checkworthiness/", {"sentences": [RUSSIAN], "language": "ru"}, format="json"
        )
        assert response.json()["scorer"] == "language-neutral"

    @pytest.mark.parametrize(
        "body",
        [
            {"sentences": ["x"] * 501},
            {"sentences": "one sentence"},
            {"sentences": [1, 2]},
            {"sentences": ["a\x00b"]},
            {},
            [],
        ],
    )
    def test_bad_input_is_a_400(self, client_for, db, body):
        response = client_for("editor").post("/api/v1/checkworthiness/", body, format="json")
        assert response.status_code == 400

    def test_anonymous_callers_get_401(self, anon, db):
        assert anon.post("/api/v1/checkworthiness/", {"sentences": []}, format="json").status_code == 401


class ArticleEditApiTests:
    def test_patch_reanchors_and_says_what_became_of_each_quote(self, client_for, editor, article):
        make_claim(by=editor, article=article, quote="the contract could be worth around $5.5 billion")
        response = client_for(user=editor).patch(
            f"/api/v1/articles/{article.pk}/",
            {"body": BODY.replace("$5.5 billion", "$5.6 billion"), "version": 1},
            format="json",
        )
        assert response.status_code == 200
        data = response.json()
        assert data["version"] == 2
        assert data["quotes"][0]["state"] == "changed"
        assert data["quotes"][0]["needs_confirmation"] is True
        assert data["quotes"][0]["new_quote"] == "the contract could be worth around $5.6 billion"

    def test_a_stale_version_is_a_412_with_the_current_article(self, client_for, editor, article):
        client = client_for(user=editor)
        client.patch(f"/api/v1/articles/{article.pk}/", {"title": "First", "version": 1}, format="json")
        response = client.patch(f"/api/v1/articles/{article.pk}/", {"title": "Second", "version": 1}, format="json")
        assert response.status_code == 412
        assert response.json()["current"]["title"] == "First"
        assert Article.objects.get(pk=article.pk).title == "First"

    def test_a_reporter_may_patch_their_own_import_only(self, client_for, editor, db):
        reporter_client = client_for("reporter")
        own = ArticleFactory(body=BODY, created_by=reporter_client.user)
        other = ArticleFactory(created_by=editor)
        assert (
            reporter_client.patch(f"/api/v1/articles/{own.pk}/", {"title": "Mine"}, format="json").status_code == 200
        )
        assert reporter_client.patch(f"/api/v1/articles/{other.pk}/", {"title": "X"}, format="json").status_code == 403

    def test_posting_a_stored_url_with_new_text_updates_it(self, client_for, editor, article):
        make_claim(by=editor, article=article, quote="the contract could be worth around $5.5 billion")
        response = client_for(user=editor).post(
            "/api/v1/articles/",
            {"title": article.title, "url": article.url, "body": "Updated 1 month ago\n" + BODY},
            format="json",
        )
        assert response.status_code == 200
        data = response.json()
        assert data["updated"] is True and data["id"] == article.pk
        assert data["quotes"][0]["state"] == "moved"
        assert Article.objects.count() == 1

    def test_posting_the_same_text_again_is_still_a_409(self, client_for, editor, article):
        response = client_for(user=editor).post(
            "/api/v1/articles/", {"title": "Again", "url": article.url, "body": BODY}, format="json"
        )
        assert response.status_code == 409
        assert response.json()["id"] == article.pk

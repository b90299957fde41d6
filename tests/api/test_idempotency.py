"""DESIGN §4: a creating POST with Idempotency-Key is done once; a retry gets the first answer again."""

import datetime

import pytest

from tests.api.test_concurrency import client_as, race
from tests.factories import ArticleFactory, SourceFactory, make_claim, make_user
from tracker.models import Appearance, Article, Claim, Evidence, IdempotentRequest, VerificationEvent

V1 = "/api/v1/"


def claim_body(article) -> dict:
    return {
        "text": "NATO will buy missiles.",
        "appearances": [{"article": article.pk, "quote": "NATO announced Wednesday"}],
    }


@pytest.mark.django_db
class IdempotencyKeyTests:
    def test_a_retried_claim_post_answers_the_first_answer_and_creates_nothing(self, editor_client, article):
        first = editor_client.post(f"{V1}claims/", claim_body(article), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = editor_client.post(f"{V1}claims/", claim_body(article), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again["ETag"] == first["ETag"] and again["Location"] == first["Location"]
        assert again["Idempotent-Replayed"] == "true"
        assert Claim.objects.count() == 1

    def test_without_a_key_each_post_creates(self, editor_client, article):
        for _ in range(2):
            assert editor_client.post(f"{V1}claims/", claim_body(article), format="json").status_code == 201
        assert Claim.objects.count() == 2

    def test_the_same_key_with_another_body_is_422(self, editor_client, article):
        editor_client.post(f"{V1}claims/", claim_body(article), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        other = {**claim_body(article), "text": "Something else."}
        response = editor_client.post(f"{V1}claims/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        assert response.status_code == 422
        assert "Idempotency-Key" in response.json()
        assert Claim.objects.count() == 1

    def test_keys_belong_to_their_user(self, client_for, article):
        one, two = client_for("editor"), client_for("editor")
        for client in (one, two):
            response = client.post(f"{V1}claims/", claim_body(article), format="json", HTTP_IDEMPOTENCY_KEY="shared")
            assert response.status_code == 201
        assert Claim.objects.count() == 2

    def test_a_refused_request_is_not_remembered(self, editor_client, article):
        bad = {**claim_body(article), "appearances": [{"article": article.pk, "quote": "not in the text"}]}
        assert editor_client.post(f"{V1}claims/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3").status_code == 400
        response = editor_client.post(f"{V1}claims/", claim_body(article), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        assert response.status_code == 201
        assert IdempotentRequest.objects.get(key="k-3").status == 201

    def test_a_key_older_than_24_hours_is_forgotten(self, editor_client, article):
        editor_client.post(f"{V1}claims/", claim_body(article), format="json", HTTP_IDEMPOTENCY_KEY="k-4")
        IdempotentRequest.objects.update(created_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
        response = editor_client.post(f"{V1}claims/", claim_body(article), format="json", HTTP_IDEMPOTENCY_KEY="k-4")
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response
        assert Claim.objects.count() == 2

    @pytest.mark.parametrize("key", ["x" * 256, "tab\there", " "])
    def test_a_malformed_key_is_400(self, editor_client, article, key):
        response = editor_client.post(f"{V1}claims/", claim_body(article), format="json", HTTP_IDEMPOTENCY_KEY=key)
        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()
        assert Claim.objects.count() == 0

    def test_every_creating_post_is_done_once(self, editor_client, editor, article):
        claim = make_claim(by=editor, article=article)
        source = SourceFactory()
        posts = [
            (f"{V1}articles/", {"title": "T", "body": "A body of text for the article.", "language": "en"}, Article),
            (
                f"{V1}claims/{claim.pk}/appearances/",
                {"article": ArticleFactory().pk, "quote": "NATO announced Wednesday"},
                Appearance,
            ),
            (f"{V1}claims/{claim.pk}/evidence/", {"source": source.pk, "stance": "supports"}, Evidence),
        ]
        for url, body, model in posts:
            before = model.objects.count()
            answers = [
                editor_client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=f"key {url}") for _ in range(2)
            ]
            assert [a.status_code for a in answers] == [201, 201], (url, answers[0].content)
            assert answers[0].json() == answers[1].json()
            assert model.objects.count() == before + 1, url

    def test_a_retried_transition_is_not_refused_as_stale(self, editor_client, editor):
        claim = make_claim(by=editor)
        url = f"{V1}claims/{claim.pk}/transition/"
        answers = [
            editor_client.post(
                url, {"to": "researching"}, format="json", HTTP_IF_MATCH=claim.etag, HTTP_IDEMPOTENCY_KEY="t"
            )
            for _ in range(2)
        ]
        assert [a.status_code for a in answers] == [200, 200]
        assert VerificationEvent.objects.filter(claim=claim).count() == 1

    def test_the_schema_documents_the_header(self, editor_client):
        schema = editor_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
        operation = schema["paths"]["/api/v1/claims/"]["post"]
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class IdempotencyRaceTests:
    def test_concurrent_retries_with_one_key_create_one_claim(self):
        editor = make_user("editor")
        article = ArticleFactory()
        body = claim_body(article)
        post = lambda: client_as(editor).post(f"{V1}claims/", body, format="json", HTTP_IDEMPOTENCY_KEY="race")  # noqa: E731
        results = race([post] * 4)
        assert results == [201] * 4, results
        assert Claim.objects.count() == 1

"""articles/, outlets/, claimants/, sources/, ratings/, tags/ and the token endpoint."""

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import ArticleFactory, OutletFactory, SourceFactory, make_claim, make_user
from tracker.models import Article, Outlet, Source

V1 = "/api/v1/"
BODY = "Kyiv (AP) - Air defence units shot down 20 drones overnight, the air force said.\r\n\r\nMore later."


@pytest.mark.django_db
class TokenTests:
    def test_a_token_for_a_username_and_password(self, client):
        user = make_user("editor", username="nina")
        response = client.post(
            f"{V1}auth/token/",
            {"username": "nina", "password": "correct horse battery staple"},
            content_type="application/json",
        )
        assert response.status_code == 200
        token = response.json()["token"]
        assert Token.objects.get(user=user).key == token
        listed = client.get(f"{V1}articles/", HTTP_AUTHORIZATION=f"Token {token}")
        assert listed.status_code == 200

    def test_wrong_password_is_400_and_no_token(self, client):
        make_user("editor", username="nina")
        response = client.post(
            f"{V1}auth/token/", {"username": "nina", "password": "nope"}, content_type="application/json"
        )
        assert response.status_code == 400
        assert "non_field_errors" in response.json()
        assert not Token.objects.exists()

    def test_password_guessing_is_slowed_down(self, client):
        make_user("editor", username="nina")
        codes = [
            client.post(
                f"{V1}auth/token/", {"username": "nina", "password": f"guess {i}"}, content_type="application/json"
            ).status_code
            for i in range(21)
        ]
        assert codes == [400] * 20 + [429]
        assert "Retry-After" in client.post(f"{V1}auth/token/", {}, content_type="application/json")

    def test_a_bad_token_is_401(self, client):
        response = client.get(f"{V1}articles/", HTTP_AUTHORIZATION="Token nonsense")
        assert response.status_code == 401


@pytest.mark.django_db
class ArticleTests:
    def test_import_normalises_the_body_and_answers_201(self, editor_client, editor):
        outlet = OutletFactory()
        response = editor_client.post(
            f"{V1}articles/",
            {
                "title": "Drones downed",
                "outlet": outlet.pk,
                "url": "https://apnews.com/article/1",
                "authors": ["Hanna Arhirova"],
                "published_at": "2025-07-09T10:00:00Z",
                "language": "en",
                "body": BODY,
            },
            format="json",
        )
        assert response.status_code == 201, response.data
        body = response.json()
        article = Article.objects.get(pk=body["id"])
        assert article.body == BODY.replace("\r\n", "\n")
        assert body["body"] == article.body
        assert body["body_sha256"] == article.body_sha256
        assert article.created_by == editor

    def test_the_same_body_again_is_409_with_the_existing_id(self, editor_client):
        existing = ArticleFactory(body=BODY.replace("\r\n", "\n"), url=None)
        response = editor_client.post(
            f"{V1}articles/", {"title": "Copy", "body": "\ufeff" + BODY + "\n\n"}, format="json"
        )
        assert response.status_code == 409
        assert response.json()["id"] == existing.pk
        assert Article.objects.count() == 1

    def test_the_same_url_with_other_text_is_a_reimport_that_updates_it(self, editor_client):
        existing = ArticleFactory()
        response = editor_client.post(
            f"{V1}articles/", {"title": "Copy", "body": "Other text.", "url": existing.url}, format="json"
        )
        assert response.status_code == 200
        assert (response.json()["id"], response.json()["updated"]) == (existing.pk, True)
        assert Article.objects.get(pk=existing.pk).body == "Other text."

    def test_list_omits_the_body(self, editor_client):
        ArticleFactory()
        item = editor_client.get(f"{V1}articles/").json()["results"][0]
        assert "body" not in item
        assert "body_sha256" in item

    def test_bad_language_and_url_are_400_per_field(self, editor_client):
        response = editor_client.post(
            f"{V1}articles/",
            {"title": "x", "body": "Some text.", "language": "english!", "url": "ftp://example.org/x"},
            format="json",
        )
        assert response.status_code == 400
        assert {"language", "url"} <= set(response.json())
        assert not Article.objects.exists()

    def test_patch_changes_the_body_and_reanchors_quotes(self, editor_client, editor):
        article = ArticleFactory()
        claim = make_claim(by=editor, article=article, quote="NATO announced Wednesday")
        new_body = "Update: " + article.body
        response = editor_client.patch(f"{V1}articles/{article.pk}/", {"body": new_body}, format="json")
        assert response.status_code == 200, response.data
        appearance = claim.appearances.get()
        assert appearance.anchor_state == "moved"
        assert new_body[appearance.start : appearance.end] == "NATO announced Wednesday"

    def test_patch_to_another_articles_body_is_409(self, editor_client):
        first, second = ArticleFactory(), ArticleFactory()
        response = editor_client.patch(f"{V1}articles/{second.pk}/", {"body": first.body}, format="json")
        assert response.status_code == 409
        assert response.json()["id"] == first.pk


@pytest.mark.django_db
class OutletAndClaimantTests:
    def test_outlet_name_is_unique(self, editor_client):
        OutletFactory(name="AP")
        response = editor_client.post(f"{V1}outlets/", {"name": "AP"}, format="json")
        assert response.status_code == 400
        assert "name" in response.json()

    def test_outlet_patch(self, editor_client):
        outlet = OutletFactory()
        response = editor_client.patch(f"{V1}outlets/{outlet.pk}/", {"language": "ru"}, format="json")
        assert response.status_code == 200
        outlet.refresh_from_db()
        assert outlet.language == "ru"

    def test_claimant_kind_must_be_known(self, editor_client):
        response = editor_client.post(f"{V1}claimants/", {"name": "Kremlin", "kind": "robot"}, format="json")
        assert response.status_code == 400
        assert "kind" in response.json()
        created = editor_client.post(f"{V1}claimants/", {"name": "Kremlin", "kind": "organisation"}, format="json")
        assert created.status_code == 201
        assert created.json()["kind"] == "organisation"

    def test_claimant_kind_is_guessed_when_left_out(self, editor_client):
        org = editor_client.post(f"{V1}claimants/", {"name": "Ukrainian Air Force"}, format="json")
        person = editor_client.post(f"{V1}claimants/", {"name": "Marco Rubio"}, format="json")
        told = editor_client.post(f"{V1}claimants/", {"name": "NATO", "kind": "person"}, format="json")
        assert (org.json()["kind"], person.json()["kind"], told.json()["kind"]) == ("organisation", "person", "person")

    def test_put_is_not_offered(self, editor_client):
        outlet = OutletFactory()
        assert editor_client.put(f"{V1}outlets/{outlet.pk}/", {"name": "x"}, format="json").status_code == 405
        assert Outlet.objects.get(pk=outlet.pk).name == outlet.name


@pytest.mark.django_db
class SourceTests:
    def test_a_new_url_is_201_and_a_known_one_reuses_the_source(self, editor_client):
        response = editor_client.post(
            f"{V1}sources/", {"title": "Release", "url": "HTTPS://Example.ORG/doc#part"}, format="json"
        )
        assert response.status_code == 201, response.data
        assert response.json()["url"] == "https://example.org/doc"
        again = editor_client.post(
            f"{V1}sources/", {"title": "Other", "url": "https://example.org/doc"}, format="json"
        )
        assert again.status_code == 200
        assert again.json()["id"] == response.json()["id"]
        assert Source.objects.count() == 1

    def test_only_http_urls(self, editor_client):
        response = editor_client.post(f"{V1}sources/", {"title": "x", "url": "javascript:alert(1)"}, format="json")
        assert response.status_code == 400
        assert not Source.objects.exists()

    def test_patch_to_a_url_already_stored_is_400(self, editor_client):
        first, second = SourceFactory(), SourceFactory()
        response = editor_client.patch(f"{V1}sources/{second.pk}/", {"url": first.url}, format="json")
        assert response.status_code == 400
        assert "url" in response.json()


@pytest.mark.django_db
class RatingAndTagTests:
    def test_ratings_in_scale_order_by_slug(self, editor_client):
        results = editor_client.get(f"{V1}ratings/").json()["results"]
        assert [r["slug"] for r in results][:5] == ["true", "mostly-true", "half-true", "mostly-false", "false"]
        assert editor_client.get(f"{V1}ratings/false/").json()["value"] == 1
        assert editor_client.get(f"{V1}ratings/nope/").status_code == 404

    def test_tags_by_name(self, editor_client, editor):
        make_claim(by=editor, tags=["Air defence"])
        assert [t["name"] for t in editor_client.get(f"{V1}tags/").json()["results"]] == ["Air defence"]

    def test_unauthenticated_reporter_of_a_role_less_user(self, client_for):
        assert client_for(user=make_user(None)).get(f"{V1}ratings/").status_code == 403

"""Malformed input gets a 4xx with a message, never a 500 and never a half-written row."""

import json

import pytest

from tracker.models import Appearance, Article, Claim, Evidence, Outlet, Source, Tag

V1 = "/api/v1/"


def post_raw(client, url: str, raw: bytes | str, content_type: str = "application/json", method: str = "post"):
    return getattr(client, method)(url, data=raw, content_type=content_type)


def assert_nothing_written() -> None:
    assert not Claim.all_objects.exclude(text="NATO will help buy up to 1,000 Patriot missiles.").exists()
    assert Appearance.objects.count() == Claim.all_objects.count()
    assert not Tag.objects.exists()


@pytest.mark.django_db
class BadJSONTests:
    @pytest.mark.parametrize(
        "raw,message",
        [
            ("{", "JSON parse error"),
            ('{"text": "a"', "JSON parse error"),
            ("", "This field is required"),
            ('{"text": NaN}', "JSON parse error"),
            ('{"text": "x\\u0000y", "appearances": []}', "NUL"),
            ('{"text": "\\ud800", "appearances": []}', "surrogate"),
            ('{"te\\u0000xt": "a"}', "NUL"),
            ("[" * 100_000 + "]" * 100_000, "nested"),
            ('{"a":' * 40 + "1" + "}" * 40, "nested"),
            ('{"text": 1' + "0" * 5000 + "}", "JSON parse error"),
        ],
    )
    def test_malformed_bodies_are_400(self, editor_client, claim, raw, message):
        response = post_raw(editor_client, f"{V1}claims/", raw)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert_nothing_written()

    def test_invalid_utf8_is_400(self, editor_client, claim):
        response = post_raw(editor_client, f"{V1}claims/", b'{"text": "\xff\xfe"}')
        assert response.status_code == 400
        assert_nothing_written()

    @pytest.mark.parametrize("raw", ["[]", '"text"', "42", "null", "[1, 2]"])
    def test_a_body_that_is_not_an_object_is_400(self, editor_client, claim, raw):
        for method, url in [
            ("post", f"{V1}claims/"),
            ("patch", f"{V1}claims/{claim.pk}/"),
            ("post", f"{V1}claims/{claim.pk}/transition/"),
            ("post", f"{V1}claims/{claim.pk}/evidence/"),
            ("post", f"{V1}claims/{claim.pk}/appearances/"),
            ("post", f"{V1}articles/"),
            ("post", f"{V1}sources/"),
            ("post", f"{V1}auth/token/"),
        ]:
            response = post_raw(editor_client, url, raw, method=method)
            assert response.status_code == 400, (method, url, response.content)
        assert_nothing_written()

    @pytest.mark.parametrize(
        "content_type",
        [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/xml",
            "*/*",
            "application/*",
        ],
    )
    def test_wrong_content_type_is_415(self, editor_client, content_type):
        response = post_raw(editor_client, f"{V1}outlets/", '{"name": "AP"}', content_type=content_type)
        assert response.status_code == 415
        assert "Unsupported media type" in response.json()["detail"]
        assert not Outlet.objects.filter(name="AP").exists()

    def test_an_accept_header_the_api_cannot_serve_is_406(self, editor_client):
        response = editor_client.get(f"{V1}outlets/", HTTP_ACCEPT="text/html")
        assert response.status_code == 406


@pytest.mark.django_db
class BadValuesTests:
    @pytest.mark.parametrize(
        "body,field",
        [
            ({"text": 5, "appearances": "x"}, "appearances"),
            ({"text": ["a"], "appearances": [{"article": 1, "quote": "q"}]}, "text"),
            ({"text": "a", "appearances": [{"article": 10**40, "quote": "NATO"}]}, "appearances"),
            ({"text": "a", "appearances": [{"article": "1 OR 1=1", "quote": "NATO"}]}, "appearances"),
            ({"text": "a", "appearances": [{"article": True, "quote": "NATO"}]}, "appearances"),
            (
                {"text": "a", "appearances": [{"article": "{article}", "quote": "NATO", "start": 10**30}]},
                "appearances",
            ),
            ({"text": "a", "appearances": [{"article": "{article}", "quote": "NATO", "start": -1}]}, "appearances"),
            ({"text": "a", "appearances": [{"article": "{article}", "quote": "NATO", "start": 1.5}]}, "appearances"),
            ({"text": "a", "appearances": [{"article": "{article}", "quote": ""}]}, "appearances"),
            (
                {"text": "a", "appearances": [{"article": "{article}", "quote": "NATO"}], "claimant": 10**30},
                "claimant",
            ),
            (
                {"text": "a", "appearances": [{"article": "{article}", "quote": "NATO"}], "priority": "urgent"},
                "priority",
            ),
            (
                {"text": "a", "appearances": [{"article": "{article}", "quote": "NATO"}], "claim_date": "2025-02-30"},
                "claim_date",
            ),
            ({"text": "a", "appearances": [{"article": "{article}", "quote": "NATO"}], "tags": "nato"}, "tags"),
            ({"text": "a", "appearances": [{"article": "{article}", "quote": "NATO"}], "tags": [{"a": 1}]}, "tags"),
            ({"text": "a", "appearances": [{"article": "{article}", "quote": "NATO"}], "tags": ["x" * 65]}, "tags"),
            ({"text": "a", "appearances": [{"article": "{article}", "quote": "NATO"}], "assignee": 5}, "assignee"),
            ({"text": "", "appearances": [{"article": "{article}", "quote": "NATO"}]}, "text"),
            ({"text": "x" * 10_001, "appearances": [{"article": "{article}", "quote": "NATO"}]}, "text"),
        ],
    )
    def test_bad_claim_fields_are_400_on_the_field(self, editor_client, article, body, field):
        raw = json.dumps(body).replace('"{article}"', str(article.pk))
        response = post_raw(editor_client, f"{V1}claims/", raw)
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert not Claim.all_objects.exists()
        assert not Tag.objects.exists()

    @pytest.mark.parametrize(
        "body,field",
        [
            ({"version": 10**30}, "version"),
            ({"version": "one"}, "version"),
            ({"version": True}, "version"),
            ({"version": 0}, "version"),
            ({"rating": "very-true", "version": 1}, "rating"),
            ({"rating": 3, "version": 1}, "rating"),
            ({"verdict_summary": None, "version": 1}, "verdict_summary"),
            ({"tags": None, "version": 1}, "tags"),
        ],
    )
    def test_bad_patch_values_are_400_and_change_nothing(self, editor_client, claim, body, field):
        response = editor_client.patch(f"{V1}claims/{claim.pk}/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()
        assert Claim.objects.get(pk=claim.pk).version == 1

    @pytest.mark.parametrize(
        "if_match", ['"1-99999999999999999999999999"', '"99999999999999999999999-1"', '"\u00e9"', "W/", '","', "*,*"]
    )
    def test_odd_if_match_headers_are_412_or_428_never_500(self, editor_client, claim, if_match):
        response = editor_client.patch(
            f"{V1}claims/{claim.pk}/", {"priority": "low"}, format="json", HTTP_IF_MATCH=if_match
        )
        assert response.status_code in (412, 428)
        assert Claim.objects.get(pk=claim.pk).priority == "normal"

    @pytest.mark.parametrize("to", [None, 5, ["published"], "PUBLISHED", "", "new\x00"])
    def test_unknown_transition_targets_are_400_on_to(self, editor_client, claim, to):
        response = editor_client.post(f"{V1}claims/{claim.pk}/transition/", {"to": to, "version": 1}, format="json")
        assert response.status_code == 400
        assert Claim.objects.get(pk=claim.pk).status == "new"

    @pytest.mark.parametrize(
        "path", [f"claims/{10**30}/", "claims/abc/", "claims/-1/", f"sources/{2**63}/", "outlets/1e3/"]
    )
    def test_odd_ids_in_the_path_are_404(self, editor_client, path):
        response = editor_client.get(f"{V1}{path}")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"

    def test_odd_ids_under_a_claim_are_404(self, editor_client, claim):
        assert editor_client.get(f"{V1}claims/{claim.pk}/evidence/{10**30}/").status_code == 404
        assert editor_client.get(f"{V1}claims/{10**25}/history/").status_code == 404

    @pytest.mark.parametrize(
        "body,field",
        [
            ({"stance": "agrees", "source_url": "https://e.org/x"}, "stance"),
            ({"stance": "supports", "source": 10**30}, "source"),
            ({"stance": "supports", "source_url": "not a url"}, "source_url"),
            ({"stance": "supports", "source_url": "https://e.org/x", "source_kind": "blog"}, "source_kind"),
            (
                {"stance": "supports", "source_url": "https://e.org/x", "source_published_at": "soon"},
                "source_published_at",
            ),
            ({"stance": "supports", "source_url": "https://e.org/x", "source": 1}, "source"),
            (
                {"stance": "supports", "source_url": "https://e.org/x", "source_archive_url": "ftp://x.org/"},
                "source_archive_url",
            ),
        ],
    )
    def test_bad_evidence_is_400_and_creates_no_source(self, editor_client, claim, body, field):
        response = editor_client.post(f"{V1}claims/{claim.pk}/evidence/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()
        assert not Source.objects.exists()
        assert not Evidence.objects.exists()

    @pytest.mark.parametrize(
        "body,field",
        [
            ({"title": "x", "body": "   \n  "}, "body"),
            ({"title": "x", "body": "text", "authors": "Ann"}, "authors"),
            ({"title": "x", "body": "text", "authors": [""]}, "authors"),
            ({"title": "x", "body": "text", "published_at": "2025-99-01"}, "published_at"),
            ({"title": "x", "body": "text", "outlet": 10**30}, "outlet"),
            ({"title": "x", "body": "text", "translation_of": "abc"}, "translation_of"),
            ({"title": "x" * 501, "body": "text"}, "title"),
            ({"body": "text"}, "title"),
        ],
    )
    def test_bad_articles_are_400(self, editor_client, body, field):
        response = editor_client.post(f"{V1}articles/", body, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert not Article.objects.exists()

    def test_lone_surrogate_in_a_query_string_is_handled(self, editor_client):
        response = editor_client.get(f"{V1}claims/?search=%ED%A0%80&tag=%ED%A0%80")
        assert response.status_code in (200, 400)

    def test_huge_page_numbers_and_sizes(self, editor_client):
        assert editor_client.get(f"{V1}outlets/", {"page": "9" * 5000}).status_code == 404
        # One rule for page_size: any number above 200 means 200, however long.
        assert editor_client.get(f"{V1}outlets/", {"page_size": "9" * 5000}).status_code == 200

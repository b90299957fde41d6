"""The name pickers: the suggestion endpoint, and typed names resolved to ids in the queue and the appearance form."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ArticleFactory, ClaimantFactory, OutletFactory, make_claim, make_user
from tracker.models import Appearance


@pytest.mark.django_db
class PickEndpointTests:
    def test_claimants_by_the_start_of_their_name_at_most_ten(self, client_for):
        for n in range(12):
            ClaimantFactory(name=f"Boris Number {n:02}")
        ClaimantFactory(name="Annalena Baerbock")
        rows = client_for("reporter").get(reverse("pick", args=["claimant"]), {"q": "boris"}).json()["results"]
        assert len(rows) == 10
        assert rows[0]["name"] == "Boris Number 00" and all(r["name"].startswith("Boris") for r in rows)

    def test_articles_by_title_and_outlets_by_name(self, client_for):
        article = ArticleFactory(title="Patriot systems for Ukraine")
        ArticleFactory(title="Other news")
        outlet = OutletFactory(name="Kyiv Independent")
        client = client_for("editor")
        assert client.get(reverse("pick", args=["article"]), {"q": "patr"}).json()["results"] == [
            {"id": article.pk, "name": "Patriot systems for Ukraine", "value": "Patriot systems for Ukraine"}
        ]
        rows = client.get(reverse("pick", args=["outlet"]), {"q": "KYIV"}).json()["results"]
        assert [r["id"] for r in rows] == [outlet.pk]

    def test_htmx_gets_escaped_options_and_shared_names_carry_the_id(self, client_for):
        first = ClaimantFactory(name="<b>John Smith</b>")
        second = ClaimantFactory(name="<b>John Smith</b>")
        response = client_for("reporter").get(
            reverse("pick", args=["claimant"]), {"claimant_name": "<b>john"}, HTTP_HX_REQUEST="true"
        )
        body = response.content.decode()
        assert response.status_code == 200 and "<b>" not in body
        assert f'value="&lt;b&gt;John Smith&lt;/b&gt; (#{first.pk})" data-id="{first.pk}"' in body
        assert f'data-id="{second.pk}"' in body

    def test_empty_nul_and_long_queries_are_not_errors(self, client_for):
        client = client_for("reporter")
        url = reverse("pick", args=["claimant"])
        assert client.get(url).json() == {"results": []}
        assert client.get(url, {"q": "\x00"}).json() == {"results": []}
        assert client.get(url, {"q": "x" * 5000}).status_code == 200

    def test_an_unknown_kind_is_404(self, client_for):
        assert client_for("reporter").get("/pick/user/", {"q": "a"}).status_code == 404

    def test_only_desk_members(self, db):
        url = reverse("pick", args=["claimant"])
        anonymous = Client().get(url, {"q": "a"})
        assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
        outsider = Client()
        outsider.force_login(make_user(None))
        assert outsider.get(url, {"q": "a"}).status_code == 403


@pytest.mark.django_db
class QueueNameFilterTests:
    def test_a_typed_claimant_name_filters_the_queue(self, client_for, reporter):
        boris = ClaimantFactory(name="Boris Pistorius")
        make_claim(by=reporter, text="Germany sends more systems.", claimant=boris)
        make_claim(by=reporter, text="Somebody else said this.", claimant=ClaimantFactory(name="Annalena Baerbock"))
        client = client_for("editor")
        for typed in ("boris pistorius", "Boris P"):
            response = client.get("/claims/", {"claimant_name": typed})
            page = response.content.decode()
            assert response.status_code == 200
            assert "Germany sends more systems." in page and "Somebody else said this." not in page

    def test_an_id_link_still_works_and_shows_the_name(self, client_for, reporter):
        boris = ClaimantFactory(name="Boris Pistorius")
        make_claim(by=reporter, text="Germany sends more systems.", claimant=boris)
        make_claim(by=reporter, text="Somebody else said this.")
        page = client_for("editor").get("/claims/", {"claimant": boris.pk}).content.decode()
        assert "Germany sends more systems." in page and "Somebody else said this." not in page
        assert 'value="Boris Pistorius"' in page

    def test_the_chosen_id_tells_apart_two_of_the_same_name(self, client_for, reporter):
        first, second = ClaimantFactory(name="John Smith"), ClaimantFactory(name="John Smith")
        make_claim(by=reporter, text="The first one said it.", claimant=first)
        make_claim(by=reporter, text="The second one said it.", claimant=second)
        client = client_for("editor")
        page = client.get("/claims/", {"claimant_name": "John Smith", "claimant": second.pk}).content.decode()
        assert "The second one said it." in page and "The first one said it." not in page
        page = client.get("/claims/", {"claimant_name": f"John Smith (#{first.pk})"}).content.decode()
        assert "The first one said it." in page and "The second one said it." not in page

    def test_ambiguous_and_unknown_names_are_form_errors(self, client_for, reporter):
        ClaimantFactory(name="John Smith")
        ClaimantFactory(name="John Smith")
        ClaimantFactory(name="Boris Johnson")
        ClaimantFactory(name="Boris Pistorius")
        client = client_for("editor")
        response = client.get("/claims/", {"claimant_name": "john smith"})
        assert response.status_code == 400 and "Several claimants are called" in response.content.decode()
        response = client.get("/claims/", {"claimant_name": "Boris"})
        assert response.status_code == 400 and "More than one claimant starts with" in response.content.decode()
        response = client.get("/claims/", {"outlet_name": "No Such Paper"})
        assert response.status_code == 400 and "There is no outlet called" in response.content.decode()
        response = client.get("/claims/", {"article_name": "Nothing (#999999999999)"})
        assert response.status_code == 400 and "There is no article" in response.content.decode()

    def test_an_htmx_filter_error_is_shown_in_the_results(self, client_for):
        response = client_for("editor").get("/claims/", {"outlet_name": "Nope"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 400
        assert 'id="filter-errors"' in response.content.decode() and "There is no outlet called" in (
            response.content.decode()
        )

    def test_an_emptied_box_drops_a_stale_id(self, client_for, reporter):
        boris = ClaimantFactory(name="Boris Pistorius")
        make_claim(by=reporter, text="Germany sends more systems.", claimant=boris)
        make_claim(by=reporter, text="Somebody else said this.")
        page = client_for("editor").get("/claims/", {"claimant_name": "", "claimant": boris.pk}).content.decode()
        assert "Somebody else said this." in page

    def test_a_stale_id_does_not_beat_a_new_name(self, client_for, reporter):
        boris = ClaimantFactory(name="Boris Pistorius")
        anna = ClaimantFactory(name="Annalena Baerbock")
        make_claim(by=reporter, text="Germany sends more systems.", claimant=boris)
        make_claim(by=reporter, text="Annalena said this.", claimant=anna)
        page = client_for("editor").get("/claims/", {"claimant_name": "Annalena", "claimant": boris.pk}).content
        assert b"Annalena said this." in page and b"Germany sends more systems." not in page

    def test_outlet_and_article_names_filter(self, client_for, reporter):
        outlet = OutletFactory(name="Kyiv Independent")
        article = ArticleFactory(outlet=outlet, title="Air defence in Kyiv")
        make_claim(by=reporter, article=article, text="Kyiv got a new battery.")
        make_claim(by=reporter, text="Elsewhere entirely.")
        client = client_for("editor")
        for params in ({"outlet_name": "kyiv"}, {"article_name": "Air defence in Kyiv"}):
            page = client.get("/claims/", params).content.decode()
            assert "Kyiv got a new battery." in page and "Elsewhere entirely." not in page

    def test_the_export_follows_a_typed_name(self, client_for, reporter):
        boris = ClaimantFactory(name="Boris Pistorius")
        make_claim(by=reporter, text="Germany sends more systems.", claimant=boris)
        make_claim(by=reporter, text="Somebody else said this.")
        response = client_for("editor").get(reverse("claim-export"), {"claimant_name": "Boris P"})
        body = b"".join(response.streaming_content).decode()
        assert response.status_code == 200
        assert "Germany sends more systems." in body and "Somebody else said this." not in body
        assert client_for("editor").get(reverse("claim-export"), {"claimant_name": "Nobody"}).status_code == 400


@pytest.mark.django_db
class AppearanceByTitleTests:
    def test_a_typed_title_adds_the_appearance(self, client_for, new_claim):
        other = ArticleFactory(title="Second report on Patriots")
        response = client_for("reporter").post(
            reverse("claim-appearance-add", args=[new_claim.pk]),
            {"article_name": "second report", "article": "", "quote": "NATO announced Wednesday"},
        )
        assert response.status_code == 302
        assert new_claim.appearances.filter(article=other).exists()

    def test_an_unknown_or_missing_title_is_a_form_error(self, client_for, new_claim):
        client = client_for("reporter")
        url = reverse("claim-appearance-add", args=[new_claim.pk])
        response = client.post(url, {"article_name": "No such article", "quote": "NATO"})
        assert response.status_code == 400 and "There is no article called" in response.content.decode()
        response = client.post(url, {"article_name": "", "quote": "NATO"})
        assert response.status_code == 400 and "Choose the article" in response.content.decode()
        assert Appearance.objects.count() == 1

    def test_the_claim_page_offers_the_title_picker(self, client_for, new_claim):
        page = client_for("reporter").get(reverse("claim-detail", args=[new_claim.pk])).content.decode()
        assert 'name="article_name"' in page and 'list="article-options"' in page
        assert '<datalist id="article-options">' in page


@pytest.mark.django_db
def test_the_prefix_lookups_have_indexes_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("The expression indexes exist on PostgreSQL only (migration 0045).")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE %s", ["%upper_prefix"])
        found = dict(cursor.fetchall())
    assert set(found) == {
        "tracker_claimant_name_upper_prefix",
        "tracker_article_title_upper_prefix",
        "tracker_outlet_name_upper_prefix",
    }
    assert all("text_pattern_ops" in definition for definition in found.values())

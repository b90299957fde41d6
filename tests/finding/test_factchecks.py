"""The fact-check archive: import of every format through the API and the command, and reading it back."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tracker.finding.models import FactCheck, MatchStat, MatchTerm


def review(n: int, **fields) -> dict:
    node = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"https://partner.example/checks/{n}",
        "claimReviewed": f"Claim number {n} about Patriot missiles.",
        "headline": f"Fact check {n}",
        "datePublished": "2025-03-0" + str(n % 9 + 1),
        "author": {"@type": "Organization", "name": "Partner Checks"},
        "reviewRating": {"@type": "Rating", "alternateName": "False", "ratingValue": 1},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Marco Rubio"}},
    }
    node.update(fields)
    return {k: v for k, v in node.items() if v is not None}


def post_import(client, body, content_type="application/ld+json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/api/v1/factchecks/import/", data, content_type=content_type)


@pytest.mark.django_db
class ClaimReviewImportTests:
    def test_one_object_is_stored_with_every_field(self, api_for):
        response = post_import(api_for("editor"), review(1, description="Rubio said no such thing."))
        assert response.status_code == 200, response.content
        assert response.json() == {"created": 1, "updated": 0, "skipped": 0, "errors": []}
        fc = FactCheck.objects.get()
        assert (fc.url, fc.claim_reviewed, fc.headline) == (
            "https://partner.example/checks/1",
            "Claim number 1 about Patriot missiles.",
            "Fact check 1",
        )
        assert (fc.publisher, fc.rating_label, fc.claimant, fc.summary) == (
            "Partner Checks",
            "False",
            "Marco Rubio",
            "Rubio said no such thing.",
        )
        assert fc.published_at.isoformat() == "2025-03-02T00:00:00+00:00"
        assert MatchTerm.objects.filter(kind="f", ref=fc.pk, term="patriot").exists()

    @pytest.mark.parametrize(
        "wrap",
        [
            lambda items: items,
            lambda items: {"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": items},
            lambda items: {
                "@type": "DataFeed",
                "dataFeedElement": [{"@type": "DataFeedItem", "item": item} for item in items],
            },
            lambda items: {
                "@type": "ItemList",
                "itemListElement": [{"@type": "ListItem", "position": i, "item": x} for i, x in enumerate(items)],
            },
            lambda items: {"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, *items]},
        ],
        ids=["list", "datafeed", "datafeed-items", "itemlist", "graph"],
    )
    def test_containers_are_unwrapped(self, api_for, wrap):
        response = post_import(api_for("editor"), wrap([review(1), review(2)]))
        assert response.status_code == 200, response.content
        assert response.json()["created"] == 2
        assert FactCheck.objects.count() == 2

    def test_bad_items_are_reported_and_the_good_ones_stored(self, api_for):
        items = [
            review(1),
            review(2, url=None),
            review(3, claimReviewed=""),
            review(4, url="ftp://partner.example/4"),
            review(5, datePublished="yesterday"),
            review(6, claimReviewed="Has a \u0000 NUL"),
            "not an object",
            {"@type": "Article", "url": "https://partner.example/a"},
            review(9, reviewRating=None),
        ]
        response = post_import(api_for("editor"), items)
        body = response.json()
        assert response.status_code == 200
        assert (body["created"], body["updated"], body["skipped"]) == (2, 0, 7)
        assert [e["index"] for e in body["errors"]] == [1, 2, 3, 4, 5, 6, 7]
        assert "url is missing" in body["errors"][0]["message"]
        assert "claimReviewed is missing" in body["errors"][1]["message"]
        assert "not an ISO date" in body["errors"][3]["message"]
        assert "NUL" in body["errors"][4]["message"]
        assert "not a ClaimReview" in body["errors"][6]["message"]
        assert sorted(FactCheck.objects.values_list("url", flat=True)) == [
            "https://partner.example/checks/1",
            "https://partner.example/checks/9",
        ]
        assert FactCheck.objects.get(url__endswith="/9").rating_label == ""  # archives often lack one

    def test_a_second_import_creates_nothing_and_a_change_is_an_update(self, api_for):
        client = api_for("editor")
        post_import(client, [review(1), review(2)])
        again = post_import(client, [review(1), review(2)])
        assert again.json() == {"created": 0, "updated": 0, "skipped": 2, "errors": []}
        changed = post_import(client, [review(1, reviewRating={"@type": "Rating", "alternateName": "Misleading"})])
        assert changed.json() == {"created": 0, "updated": 1, "skipped": 0, "errors": []}
        fc = FactCheck.objects.get(url__endswith="/1")
        assert fc.rating_label == "Misleading"
        assert [h.rating_label for h in fc.history.order_by("history_date")] == ["False", "Misleading"]
        assert MatchStat.objects.get(kind="f").documents == 2

    def test_a_payload_that_is_no_json_is_a_400(self, api_for):
        response = post_import(api_for("editor"), b"{nope")
        assert response.status_code == 400
        assert FactCheck.objects.count() == 0

    def test_a_content_type_it_cannot_read_is_refused(self, api_for):
        response = post_import(api_for("editor"), b"x", content_type="application/pdf")
        assert response.status_code in (400, 415)


@pytest.mark.django_db
class CsvImportTests:
    CSV = (
        "claim_reviewed,url,headline,rating,publisher,published_at,claimant,language\n"
        "Patriot batteries were sent.,https://old.example/1,Patriots sent?,True,Old Site,2024-01-05,NATO,en\n"
        "No url here,,x,False,Old Site,,,\n"
        '"Российские ракеты сбиты.",https://old.example/3,,,Old Site,2024-02-01T10:00:00+03:00,,ru\n'
        "Bad date,https://old.example/4,,,,31/12/2024,,\n"
    )

    def test_rows_are_stored_and_bad_ones_reported(self, api_for):
        response = post_import(api_for("reviewer"), self.CSV, content_type="text/csv")
        body = response.json()
        assert response.status_code == 200, body
        assert (body["created"], body["skipped"]) == (2, 2)
        assert [e["index"] for e in body["errors"]] == [1, 3]
        first = FactCheck.objects.get(url="https://old.example/1")
        assert (first.rating_label, first.publisher, first.claimant, first.language) == (
            "True",
            "Old Site",
            "NATO",
            "en",
        )
        russian = FactCheck.objects.get(url="https://old.example/3")
        assert russian.published_at.isoformat() == "2024-02-01T07:00:00+00:00"

    def test_a_header_without_the_needed_columns_is_a_400(self, api_for):
        response = post_import(api_for("editor"), "title,link\nx,https://a.example/\n", content_type="text/csv")
        assert response.status_code == 400
        assert "claim_reviewed" in json.dumps(response.json())


@pytest.mark.django_db
class ImportPermissionTests:
    @pytest.mark.parametrize(("role", "code"), [(None, 401), ("reporter", 403), ("editor", 200), ("admin", 200)])
    def test_who_may_import(self, api_for, role, code):
        assert post_import(api_for(role), review(1)).status_code == code

    @pytest.mark.parametrize(("role", "code"), [(None, 401), ("reporter", 200), ("reviewer", 200)])
    def test_who_may_read_the_archive(self, api_for, role, code):
        post_import(api_for("editor"), review(1))
        response = api_for(role).get("/api/v1/factchecks/")
        assert response.status_code == code
        if code == 200:
            [row] = response.json()["results"]
            assert row["url"] == "https://partner.example/checks/1" and row["rating_label"] == "False"
            assert api_for(role).get(f"/api/v1/factchecks/{row['id']}/").json()["headline"] == "Fact check 1"


@pytest.mark.django_db
class ImportCommandTests:
    def test_every_file_format(self, tmp_path):
        (tmp_path / "a.json").write_text(json.dumps({"@type": "DataFeed", "dataFeedElement": [review(1)]}))
        (tmp_path / "b.jsonl").write_text(json.dumps(review(2)) + "\n{broken\n" + json.dumps(review(3)) + "\n")
        (tmp_path / "c.csv").write_text("claim_reviewed,url\nA CSV claim,https://csv.example/1\n")
        (tmp_path / "d.html").write_text(
            "<html><head><title>x</title>"
            f'<script type="application/ld+json">{json.dumps(review(4))}</script></head><body>Check</body></html>'
        )
        out, err = StringIO(), StringIO()
        call_command(
            "import_factchecks",
            *(str(tmp_path / n) for n in ("a.json", "b.jsonl", "c.csv", "d.html")),
            stdout=out,
            stderr=err,
        )
        assert FactCheck.objects.count() == 5
        assert "b.jsonl: 2 created, 0 updated, 1 skipped (1 bad)" in out.getvalue()
        assert "item 1: Line 2 is not valid JSON." in err.getvalue()
        out = StringIO()
        call_command("import_factchecks", str(tmp_path / "a.json"), stdout=out)
        assert "0 created, 0 updated, 1 skipped (0 bad)" in out.getvalue()

    def test_an_unreadable_file_is_a_clear_error(self, tmp_path):
        (tmp_path / "x.html").write_text("<html>no json-ld</html>")
        with pytest.raises(CommandError, match="holds no JSON-LD"):
            call_command("import_factchecks", str(tmp_path / "x.html"))
        with pytest.raises(CommandError, match="cannot be read"):
            call_command("import_factchecks", str(tmp_path / "missing.json"))


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", ["text/csv", "application/ld+json", "text/html"])
def test_an_empty_body_is_a_400(api_for, content_type):
    response = api_for("editor").post("/api/v1/factchecks/import/", b"", content_type=content_type)
    assert response.status_code == 400

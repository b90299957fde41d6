"""Finding in the desk UI: "Possibly checked before", the Similar panel, merge, fact-check as evidence, the archive."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import ArticleFactory, make_claim, make_user
from tracker.finding import factchecks
from tracker.models import Claim, Evidence, Source


@pytest.fixture
def desk(db):
    factchecks.import_claimreviews(
        {
            "@type": "ClaimReview",
            "url": "https://partner.example/patriots",
            "claimReviewed": "NATO will buy 1,000 Patriot missiles.",
            "headline": "No, NATO is not buying 1,000 Patriots <script>",
            "author": {"@type": "Organization", "name": "Partner Checks"},
            "reviewRating": {"@type": "Rating", "alternateName": "Misleading"},
        }
    )
    reporter = make_user("reporter")
    first = make_claim(by=reporter, text="NATO will help buy up to 1,000 Patriot missiles.")
    second = make_claim(by=reporter, text="NATO helps buy 1,000 Patriot missiles.", article=ArticleFactory())
    return {"first": first, "second": second, "factcheck": factchecks.FactCheck.objects.get()}


def login(client, role):
    user = make_user(role)
    client.force_login(user)
    return user


@pytest.mark.django_db
class PossiblyCheckedBeforeTests:
    def test_the_log_claim_form_asks_for_matches_of_the_quote(self, client, desk):
        login(client, "reporter")
        article = desk["first"].appearances.get().article
        page = client.get(reverse("article-detail", args=[article.pk])).content.decode()
        assert "Possibly checked before" in page and reverse("match-panel") in page
        panel = client.get(reverse("match-panel"), {"quote": "NATO announced", "text": "Patriot missiles 1,000"})
        body = panel.content.decode()
        assert panel.status_code == 200
        assert f"claim #{desk['first'].pk}" in body and "Misleading" in body and "Partner Checks" in body
        assert "&lt;script&gt;" in body and "<script>" not in body
        assert "Merge" not in body  # nothing to merge before the claim exists

    def test_an_empty_form_shows_a_hint_and_strangers_are_kept_out(self, client, desk):
        login(client, "reporter")
        assert "Select a quote" in client.get(reverse("match-panel")).content.decode()
        client.logout()
        assert client.get(reverse("match-panel"), {"quote": "NATO"}).status_code == 302


@pytest.mark.django_db
class SimilarPanelTests:
    def test_the_claim_page_loads_the_panel_with_merge_and_add_as_evidence(self, client, desk):
        login(client, "editor")
        claim = desk["second"]
        page = client.get(reverse("claim-detail", args=[claim.pk])).content.decode()
        assert reverse("claim-similar", args=[claim.pk]) in page
        body = client.get(reverse("claim-similar", args=[claim.pk])).content.decode()
        assert f"Merge this claim into #{desk['first'].pk}" in body
        assert "Add as evidence" in body
        assert f"claim #{claim.pk}<" not in body  # itself is left out

    def test_a_reporter_sees_matches_without_merge(self, client, desk):
        login(client, "reporter")
        body = client.get(reverse("claim-similar", args=[desk["second"].pk])).content.decode()
        assert "Merge this claim" not in body and "Add as evidence" in body

    def test_add_as_evidence_links_the_fact_check_as_a_source(self, client, desk):
        login(client, "reporter")
        claim = desk["second"]
        url = reverse("claim-factcheck-evidence", args=[claim.pk])
        response = client.post(url, {"factcheck": desk["factcheck"].pk})
        assert response.status_code == 302
        evidence = Evidence.objects.get(claim=claim)
        assert evidence.source.kind == Source.Kind.FACT_CHECK
        assert evidence.source.url == "https://partner.example/patriots"
        assert "Misleading" in evidence.excerpt and evidence.stance == "context"
        again = client.post(url, {"factcheck": desk["factcheck"].pk}, follow=True)
        shown = [(m.level_tag, str(m)) for m in again.context["messages"]]
        assert shown[-1] == (
            "error",
            f"“{desk['factcheck']}” was not added: This source is already linked to the claim as evidence.",
        )
        assert Evidence.objects.filter(claim=claim).count() == 1

    def test_merge_from_the_claim_page(self, client, desk):
        login(client, "editor")
        duplicate, keep = desk["second"], desk["first"]
        response = client.post(
            reverse("claim-merge", args=[duplicate.pk]), {"into": keep.pk, "version": duplicate.version}, follow=True
        )
        assert response.redirect_chain[-1][0] == reverse("claim-detail", args=[keep.pk])
        assert f"Claim #{duplicate.pk} was merged into this one" in response.content.decode()
        assert keep.appearances.count() == 2
        trashed = client.get(reverse("claim-detail", args=[duplicate.pk])).content.decode()
        assert f'merged into <a href="{reverse("claim-detail", args=[keep.pk])}">#{keep.pk}</a>' in trashed
        assert f"merged into #{keep.pk}" in client.get(reverse("claim-trash-list")).content.decode().replace(
            f'<a href="{reverse("claim-detail", args=[keep.pk])}">', ""
        ).replace("</a>", "")

    def test_a_stale_merge_and_a_reporters_merge_are_refused(self, client, desk):
        duplicate, keep = desk["second"], desk["first"]
        login(client, "editor")
        stale = client.post(
            reverse("claim-merge", args=[duplicate.pk]),
            {"into": keep.pk, "version": duplicate.version + 5},
            follow=True,
        )
        assert (
            f"Claim #{duplicate.pk} was not merged: This claim was changed by someone else" in stale.content.decode()
        )
        assert not Claim.all_objects.get(pk=duplicate.pk).in_trash
        login(client, "reporter")
        refused = client.post(reverse("claim-merge", args=[duplicate.pk]), {"into": keep.pk, "version": 1})
        assert refused.status_code == 403


@pytest.mark.django_db
class ArchivePageTests:
    def test_an_editor_imports_a_csv_and_finds_it(self, client, desk):
        login(client, "editor")
        csv = (
            b"claim_reviewed,url,rating,publisher\n"
            b"Drones fly over Kyiv.,https://old.example/drones,False,Old Site\n,x,,\n"
        )
        response = client.post(reverse("archive"), {"file": SimpleUploadedFile("old.csv", csv, "text/csv")})
        body = response.content.decode()
        assert response.status_code == 200
        assert "Imported: 1 new, 0 updated, 1 skipped (1 bad)" in body and "Item 1:" in body
        found = client.get(reverse("archive"), {"q": "drones over Kyiv"}).content.decode()
        assert "Drones fly over Kyiv." in found and "Old Site" in found
        assert "Patriot" not in found

    def test_a_reporter_reads_but_cannot_import(self, client, desk):
        login(client, "reporter")
        page = client.get(reverse("archive")).content.decode()
        assert "No, NATO is not buying 1,000 Patriots &lt;script&gt;" in page and "Import fact-checks" not in page
        upload = SimpleUploadedFile("x.csv", b"claim_reviewed,url\nA,https://a.example/\n", "text/csv")
        assert client.post(reverse("archive"), {"file": upload}).status_code == 403

    def test_a_file_that_cannot_be_read_says_why(self, client, desk):
        login(client, "editor")
        upload = SimpleUploadedFile("page.html", b"<html>nothing</html>", "text/html")
        response = client.post(reverse("archive"), {"file": upload})
        assert response.status_code == 400 and "holds no JSON-LD" in response.content.decode()

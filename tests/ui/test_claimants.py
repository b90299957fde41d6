"""Claimants: person or organisation when logging, guessed from the name, and corrected on the claimant's page."""

import pytest
from django.urls import reverse

from tests.api.conftest import publish
from tests.factories import ArticleFactory, ClaimantFactory, make_claim
from tracker import claimants, claimreview
from tracker.models import Claim, Claimant


@pytest.mark.parametrize(
    "name, kind",
    [
        ("Ukrainian Air Force", "organisation"),
        ("NATO", "organisation"),
        ("The Washington Post", "organisation"),
        ("Минобороны России", "organisation"),
        ("Marco Rubio", "person"),
        ("Kremlin spokesman Dmitry Peskov", "person"),
        ("Дмитрий Песков", "person"),
    ],
)
def test_the_kind_is_guessed_from_the_name(name, kind):
    assert claimants.guess_kind(name) == kind


@pytest.mark.django_db
class LogClaimKindTests:
    def log(self, client, article, **fields):
        data = {"quote": "NATO announced Wednesday", "text": "NATO will help.", "priority": "normal", **fields}
        return client.post(reverse("article-log-claim", args=[article.pk]), data)

    def test_a_new_organisation_is_stored_as_one_without_being_told(self, client_for):
        article = ArticleFactory()
        assert self.log(client_for("reporter"), article, claimant="Ukrainian Air Force").status_code == 302
        assert Claimant.objects.get(name="Ukrainian Air Force").kind == "organisation"

    def test_the_form_says_which_kind_and_wins_over_the_guess(self, client_for):
        article = ArticleFactory()
        self.log(client_for("reporter"), article, claimant="Ukrainian Air Force", claimant_kind="person")
        assert Claimant.objects.get(name="Ukrainian Air Force").kind == "person"

    def test_the_reader_offers_the_choice(self, client_for):
        page = client_for("reporter").get(ArticleFactory().get_absolute_url()).content.decode()
        assert 'name="claimant_kind"' in page and "Guess from the name" in page

    def test_an_unknown_kind_is_refused_and_keeps_the_input(self, client_for):
        article = ArticleFactory()
        client = client_for("reporter")
        response = self.log(client, article, claimant="Some Body", claimant_kind="robot")
        assert response.status_code == 303
        page = client.get(response["Location"]).content.decode()
        assert (
            "Some Body" in page
            and "Select a valid choice" in page
            and not Claimant.objects.filter(name="Some Body").exists()
        )


@pytest.mark.django_db
class ClaimantPageTests:
    def test_the_page_lists_the_claims_and_the_claim_page_links_to_it(self, client_for, reporter):
        claimant = ClaimantFactory(name="Ukrainian Air Force", kind="person")
        claim = make_claim(by=reporter, claimant=claimant)
        client = client_for("editor")
        assert f'href="/claimants/{claimant.pk}/"' in client.get(claim.get_absolute_url()).content.decode()
        page = client.get(f"/claimants/{claimant.pk}/").content.decode()
        assert claim.text in page and "Person" in page

    def test_an_editor_corrects_the_kind_and_claimreview_follows(self, client_for, editor, reviewer):
        claimant = ClaimantFactory(name="Ukrainian Air Force", kind="person", description="Air force")
        claim = make_claim(claimant=claimant)
        client = client_for(editor)
        url = f"/claimants/{claimant.pk}/"
        data = {"revision": claimants.revision(claimant), "name": claimant.name, "kind": "organisation"}
        response = client.post(url, {**data, "description": "Armed forces branch"})
        assert response.status_code == 302
        claimant.refresh_from_db()
        assert (claimant.kind, claimant.description) == ("organisation", "Armed forces branch")
        published = publish(Claim.objects.get(pk=claim.pk), editor=editor, reviewer=reviewer)
        author = claimreview.build(published)["itemReviewed"]["author"]
        assert author["@type"] == "Organization" and "jobTitle" not in author

    def test_a_stale_edit_is_refused_and_keeps_the_input(self, client_for, editor, other_editor):
        claimant = ClaimantFactory(name="Air Force", kind="person")
        seen = claimants.revision(claimant)
        claimants.edit(claimant, {"description": "Changed meanwhile"}, by=other_editor, seen_revision=seen)
        response = client_for(editor).post(
            f"/claimants/{claimant.pk}/", {"revision": seen, "name": "Ukrainian Air Force", "kind": "organisation"}
        )
        assert response.status_code == 412
        body = response.content.decode()
        assert "Someone changed this claimant" in body and "Changed meanwhile" in body
        assert 'value="Ukrainian Air Force"' in body
        claimant.refresh_from_db()
        assert claimant.name == "Air Force" and claimant.description == "Changed meanwhile"

    def test_a_reporter_sees_the_page_but_cannot_edit(self, client_for):
        claimant = ClaimantFactory()
        client = client_for("reporter")
        assert 'id="claimant-edit"' not in client.get(f"/claimants/{claimant.pk}/").content.decode()
        data = {"revision": claimants.revision(claimant), "name": "X", "kind": "person"}
        assert client.post(f"/claimants/{claimant.pk}/", data).status_code == 403

    def test_bad_input_is_a_400(self, client_for):
        claimant = ClaimantFactory()
        data = {"revision": claimants.revision(claimant), "name": "bad\x00name", "kind": "person"}
        assert client_for("editor").post(f"/claimants/{claimant.pk}/", data).status_code == 400
        assert client_for("editor").get("/claimants/99999999999/").status_code == 404

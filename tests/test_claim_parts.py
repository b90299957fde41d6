"""Every write of a claim's parts (appearances, evidence) goes through the domain, under the claim's lock, and
bumps the claim's version, from the API, the UI and the admin alike."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import ArticleFactory, SourceFactory, add_evidence, make_claim
from tracker import claims, workflow
from tracker.models import Appearance, Article, Claim, Tag


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def stored_version(claim) -> int:
    return Claim.all_objects.get(pk=claim.pk).version


@pytest.mark.django_db
class VersionBumpTests:
    def test_each_part_change_bumps_the_version(self, editor):
        claim = make_claim(by=editor)
        versions = [stored_version(claim)]
        evidence = add_evidence(claim, by=editor)
        versions.append(stored_version(claim))
        claims.change_evidence(evidence, {"note": "Checked."}, by=editor)
        versions.append(stored_version(claim))
        claims.remove_evidence(evidence, by=editor)
        versions.append(stored_version(claim))
        other = ArticleFactory()
        appearance = claims.add_appearance(
            claim, claims.AppearanceInput(article=other, quote="NATO announced Wednesday"), by=editor
        )
        versions.append(stored_version(claim))
        claims.change_appearance(appearance, {"attribution": "AP said"}, by=editor)
        versions.append(stored_version(claim))
        claims.remove_appearance(appearance, by=editor)
        versions.append(stored_version(claim))
        assert versions == list(range(1, 8))

    def test_an_etag_read_before_evidence_was_added_is_stale(self, editor, other_editor):
        claim = make_claim(by=editor)
        etag = api(editor).get(f"/api/v1/claims/{claim.pk}/")["ETag"]
        response = api(other_editor).post(
            f"/api/v1/claims/{claim.pk}/evidence/", {"source": SourceFactory().pk, "stance": "supports"}, format="json"
        )
        assert response.status_code == 201
        patch = api(editor).patch(
            f"/api/v1/claims/{claim.pk}/", {"priority": "high"}, format="json", HTTP_IF_MATCH=etag
        )
        assert patch.status_code == 412
        assert patch.json()["current"]["version"] == 2

    def test_the_last_appearance_stays(self, editor):
        claim = make_claim(by=editor)
        with pytest.raises(claims.AppearanceError):
            claims.remove_appearance(claim.appearances.get(), by=editor)
        assert claim.appearances.count() == 1

    def test_a_reporter_cannot_change_someone_elses_appearances(self, editor, reporter):
        claim = make_claim(by=editor)
        with pytest.raises(workflow.EditForbidden):
            claims.change_appearance(claim.appearances.get(), {"attribution": "x"}, by=reporter)


@pytest.mark.django_db
class AdminPartsTests:
    def test_an_appearance_cannot_move_to_another_claim(self, client, admin_user, editor):
        claim, other = make_claim(by=editor), make_claim(by=editor)
        appearance = claim.appearances.get()
        client.force_login(admin_user)
        url = reverse("admin:tracker_appearance_change", args=[appearance.pk])
        page = client.get(url)
        assert 'name="claim"' not in page.content.decode()
        data = {"claim": other.pk, "quote": appearance.quote, "start": appearance.start, "attribution": "Said AP"}
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        appearance.refresh_from_db()
        assert (appearance.claim_id, appearance.attribution) == (claim.pk, "Said AP")
        assert stored_version(claim) == 2 and stored_version(other) == 1

    def test_deleting_an_appearance_goes_through_the_domain(self, client, admin_user, editor):
        claim = make_claim(by=editor)
        extra = claims.add_appearance(
            claim, claims.AppearanceInput(article=ArticleFactory(), quote="NATO announced Wednesday"), by=editor
        )
        client.force_login(admin_user)
        only = Appearance.objects.filter(claim=claim).exclude(pk=extra.pk).get()
        changelist = reverse("admin:tracker_appearance_changelist")
        response = client.post(
            changelist,
            {"action": "delete_selected", "_selected_action": [extra.pk, only.pk], "post": "yes"},
            follow=True,
        )
        assert response.status_code == 200
        # Whichever goes first is removed; the other is then the claim's only appearance and stays.
        assert claim.appearances.count() == 1
        assert any("stays" in str(m) for m in response.context["messages"])
        assert stored_version(claim) == 3  # added, then removed

    def test_bulk_add_tag_keeps_a_tag_added_meanwhile_and_respects_the_version(self, client, admin_user, editor):
        claim = make_claim(by=editor, tags=["first"])
        client.force_login(admin_user)
        changelist = reverse("admin:tracker_claim_changelist")
        confirm = client.post(changelist, {"action": "add_tag", "_selected_action": [claim.pk]})
        assert confirm.status_code == 200
        # Someone tags the claim while the confirmation page is open.
        claims.edit_claim(claim, {"tags": ["first", "meanwhile"]}, by=editor, expected_version=1)
        apply = {
            "action": "add_tag",
            "_selected_action": [claim.pk],
            "apply": "1",
            "tag": "bulk",
            f"version_{claim.pk}": "1",
        }
        response = client.post(changelist, apply, follow=True)
        assert any("changed" in str(m) for m in response.context["messages"])
        assert sorted(t.name for t in Claim.objects.get(pk=claim.pk).tags.all()) == ["first", "meanwhile"]
        apply[f"version_{claim.pk}"] = str(stored_version(claim))
        client.post(changelist, apply, follow=True)
        assert sorted(t.name for t in Claim.objects.get(pk=claim.pk).tags.all()) == ["bulk", "first", "meanwhile"]
        assert Tag.objects.filter(name="bulk").count() == 1

    def test_an_article_added_in_the_admin_is_imported_by_the_domain(self, client, admin_user):
        client.force_login(admin_user)
        data = {
            "title": "Admin article",
            "body": "\ufeffFirst line.\r\nSecond line.\r\n",
            "language": "en",
            "authors": "[]",
        }
        response = client.post(reverse("admin:tracker_article_add"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        article = Article.objects.get(title="Admin article")
        assert article.body == "First line.\nSecond line."
        assert article.created_by == admin_user
        assert article.history.get().history_user == admin_user

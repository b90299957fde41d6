"""Finding in the admin: the fact-check archive, and merging claims from the claim list."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from tests.factories import ArticleFactory, make_claim, make_user
from tracker.finding import factchecks
from tracker.finding.models import FactCheck, MatchTerm
from tracker.models import Claim


@pytest.mark.django_db
class FactCheckAdminTests:
    def test_the_archive_is_listed_and_an_edit_is_matched_at_once(self, client):
        factchecks.import_claimreviews(
            {"@type": "ClaimReview", "url": "https://a.example/1", "claimReviewed": "Old words."}
        )
        fc = FactCheck.objects.get()
        client.force_login(make_user("admin"))
        assert "Old words." in client.get(reverse("admin:tracker_factcheck_changelist")).content.decode()
        response = client.post(
            reverse("admin:tracker_factcheck_change", args=[fc.pk]),
            {
                "claim_reviewed": "Interceptors ran out.",
                "url": "https://a.example/1",
                "headline": "",
                "summary": "",
                "publisher": "",
                "rating_label": "False",
                "language": "en",
                "claimant": "",
                "published_at_0": "",
                "published_at_1": "",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert MatchTerm.objects.filter(kind="f", ref=fc.pk, term="interceptor").exists()
        assert not MatchTerm.objects.filter(kind="f", ref=fc.pk, term="old").exists()


@pytest.mark.django_db
class MergeActionTests:
    def test_an_editor_merges_from_the_claim_list(self, client):
        keep = make_claim(text="Kept.")
        duplicate = make_claim(text="Duplicate.", article=ArticleFactory())
        client.force_login(make_user("admin"))
        url = reverse("admin:tracker_claim_changelist")
        confirm = client.post(url, {"action": "merge_into", ACTION_CHECKBOX_NAME: [duplicate.pk]})
        assert "Merge claims into another claim" in confirm.content.decode()
        done = client.post(
            url,
            {
                "action": "merge_into",
                ACTION_CHECKBOX_NAME: [duplicate.pk],
                "apply": "1",
                "into": keep.pk,
                f"version_{duplicate.pk}": duplicate.version,
            },
            follow=True,
        )
        assert f"Merged 1 claim into #{keep.pk}" in done.content.decode()
        assert Claim.all_objects.get(pk=duplicate.pk).merged_into_id == keep.pk
        assert keep.appearances.count() == 2

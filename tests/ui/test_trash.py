"""The desk's trash page: trashed claims listed for editors and up, each restorable (DESIGN §1, §3)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_claim
from tracker import workflow
from tracker.models import Claim

TRASH = "/claims/trash/"


@pytest.mark.django_db
class TrashPageTests:
    def test_trashing_points_to_the_trash_where_the_claim_is_listed(self, client_for, editor, new_claim):
        client = client_for(editor)
        response = client.post(
            reverse("claim-trash", args=[new_claim.pk]), {"version": new_claim.version}, follow=True
        )
        assert f'<a href="{TRASH}">trash</a>' in response.content.decode()
        page = client.get(TRASH).content.decode()
        assert f"#{new_claim.pk}" in page and new_claim.text in page
        assert f"by {editor.username}" in page
        assert f'action="/claims/{new_claim.pk}/restore/"' in page

    def test_restore_from_the_trash_brings_the_claim_back_to_the_queue(self, client_for, editor, new_claim):
        trashed = workflow.trash(new_claim, by=editor)
        client = client_for(editor)
        response = client.post(
            f"/claims/{trashed.pk}/restore/", {"version": trashed.version, "next": "trash"}, follow=True
        )
        assert response.redirect_chain[-1][0] == TRASH
        body = response.content.decode()
        assert f"#{trashed.pk}</a> restored" in body and "The trash is empty." in body
        assert not Claim.objects.get(pk=trashed.pk).in_trash
        assert trashed.text in client.get("/claims/").content.decode()

    def test_a_stale_restore_from_the_list_is_refused_with_a_message(self, client_for, editor, new_claim):
        trashed = workflow.trash(new_claim, by=editor)
        response = client_for(editor).post(
            f"/claims/{trashed.pk}/restore/", {"version": trashed.version - 1, "next": "trash"}, follow=True
        )
        assert response.redirect_chain[-1][0] == "/claims/trash/"
        shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
        assert shown == [
            (
                "error",
                f"Claim #{trashed.pk}: This claim was changed by someone else (it is now at version "
                f"{trashed.version}); reload it and apply your change again.",
            )
        ]
        assert Claim.all_objects.get(pk=trashed.pk).in_trash

    def test_a_reporter_is_refused_and_sees_no_link(self, client_for, reporter):
        client = client_for(reporter)
        assert client.get(TRASH).status_code == 403
        assert 'id="trash-link"' not in client.get("/claims/").content.decode()

    @pytest.mark.parametrize("role", ["editor", "reviewer", "admin"])
    def test_editors_and_up_see_the_link(self, client_for, role):
        assert 'id="trash-link"' in client_for(role).get("/claims/").content.decode()

    def test_the_page_costs_the_same_queries_at_2_and_20_claims(self, client_for, editor, reporter):
        client = client_for(editor)

        def queries_with(n):
            for i in range(n - Claim.all_objects.trashed().count()):
                workflow.trash(make_claim(by=reporter, text=f"Claim {i}."), by=editor)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(TRASH).status_code == 200
            return len(ctx.captured_queries)

        assert queries_with(2) == queries_with(20)

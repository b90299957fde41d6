"""The trash in the API (DESIGN §4): claims/?trash=1 lists it, claims/{id}/restore/ brings a claim back."""

import pytest

from tests.factories import make_claim
from tracker import workflow
from tracker.models import Claim, StatusCount

LIST = "/api/v1/claims/"


def restore_url(claim) -> str:
    return f"/api/v1/claims/{claim.pk}/restore/"


@pytest.fixture
def trashed(claim, editor):
    return workflow.trash(claim, by=editor)


@pytest.mark.django_db
class TrashListTests:
    def test_trash_lists_only_trashed_claims_with_who_and_when(self, editor_client, trashed, editor):
        alive = make_claim(by=editor, text="Still in the queue.")
        response = editor_client.get(LIST, {"trash": "1"})
        assert response.status_code == 200
        ids = [row["id"] for row in response.json()["results"]]
        assert ids == [trashed.pk]
        row = response.json()["results"][0]
        assert row["deleted_by"] == editor.username and row["deleted_at"]
        assert alive.pk in [row["id"] for row in editor_client.get(LIST).json()["results"]]
        assert trashed.pk not in [row["id"] for row in editor_client.get(LIST).json()["results"]]

    def test_trash_takes_the_usual_filters(self, editor_client, trashed, editor):
        other = workflow.trash(make_claim(by=editor, text="Another one.", tags=["drones"]), by=editor)
        response = editor_client.get(LIST, {"trash": "1", "tag": "drones"})
        assert [row["id"] for row in response.json()["results"]] == [other.pk]

    @pytest.mark.parametrize("role, code", [("anonymous", 401), ("reporter", 403), ("reviewer", 200), ("admin", 200)])
    def test_only_those_who_restore_see_the_trash(self, client_for, trashed, role, code):
        assert client_for(role).get(LIST, {"trash": "1"}).status_code == code

    def test_a_trash_value_that_is_not_yes_or_no_is_a_400(self, editor_client, trashed):
        response = editor_client.get(LIST, {"trash": "maybe"})
        assert response.status_code == 400
        assert "trash" in response.json()

    def test_trash_0_is_the_ordinary_list(self, editor_client, trashed):
        assert editor_client.get(LIST, {"trash": "0"}).json()["results"] == []


@pytest.mark.django_db
class RestoreTests:
    def test_restore_brings_the_claim_back_in_its_status(self, editor_client, trashed):
        before = StatusCount.objects.totals()["new"]
        response = editor_client.post(restore_url(trashed), format="json")
        assert response.status_code == 200
        assert response.json()["status"] == "new" and response.json()["id"] == trashed.pk
        assert response["ETag"] == Claim.objects.get(pk=trashed.pk).etag
        assert Claim.objects.filter(pk=trashed.pk).exists()
        assert StatusCount.objects.totals()["new"] == before + 1

    def test_a_stale_version_is_refused(self, editor_client, trashed):
        response = editor_client.post(restore_url(trashed), {"version": trashed.version - 1}, format="json")
        assert response.status_code == 412
        assert Claim.all_objects.get(pk=trashed.pk).in_trash

    def test_the_current_version_is_accepted(self, editor_client, trashed):
        response = editor_client.post(restore_url(trashed), HTTP_IF_MATCH=trashed.etag)
        assert response.status_code == 200

    def test_a_claim_not_in_the_trash_is_not_found_there(self, editor_client, claim):
        assert editor_client.post(restore_url(claim), format="json").status_code == 404

    @pytest.mark.parametrize("role, code", [("anonymous", 401), ("reporter", 403)])
    def test_roles_that_cannot_trash_cannot_restore(self, client_for, trashed, role, code):
        assert client_for(role).post(restore_url(trashed), format="json").status_code == code
        assert Claim.all_objects.get(pk=trashed.pk).in_trash

    def test_restore_is_in_the_history(self, editor_client, trashed):
        editor_client.post(restore_url(trashed), format="json")
        kinds = [
            entry["kind"] for entry in editor_client.get(f"/api/v1/claims/{trashed.pk}/history/").json()["results"]
        ]
        assert kinds[-2:] == ["trashed", "restored"]

"""The queue's priority and unassigned filters (and the API's), each served by an index."""

import pytest
from rest_framework.test import APIClient

from tests.factories import make_claim
from tracker.models import Claim


@pytest.mark.django_db
class QueueFilterTests:
    def test_priority_and_unassigned_filter_the_queue(self, client_for, editor, reporter):
        high = make_claim(by=reporter, text="Urgent and nobody on it.", priority="high")
        make_claim(by=reporter, text="Urgent but taken.", priority="high", assignee=editor)
        make_claim(by=reporter, text="Low and nobody on it.", priority="low")
        client = client_for(editor)
        page = client.get("/claims/", {"priority": "high", "assignee": "none"}).content.decode()
        assert high.text in page and "Urgent but taken." not in page and "Low and nobody" not in page
        page = client.get("/claims/").content.decode()
        assert '<option value="none">Unassigned</option>' in page and 'name="priority"' in page

    def test_an_unknown_priority_is_a_400_not_an_empty_list(self, client_for):
        assert client_for("editor").get("/claims/", {"priority": "urgent"}).status_code == 400

    def test_the_api_filters_by_priority_and_unassigned(self, editor, reporter):
        make_claim(by=reporter, text="A.", priority="high")
        make_claim(by=reporter, text="B.", priority="high", assignee=editor)
        client = APIClient()
        client.force_authenticate(editor)
        rows = client.get("/api/v1/claims/", {"priority": "high", "unassigned": "true"}).json()["results"]
        assert [row["text"] for row in rows] == ["A."]
        assert client.get("/api/v1/claims/", {"priority": "urgent"}).status_code == 400


def test_the_filters_have_indexes():
    indexed = {tuple(index.fields) for index in Claim._meta.indexes if index.fields}
    assert ("priority", "-updated_at") in indexed and ("assignee", "-updated_at") in indexed

"""CSV export (DESIGN §9): claims/ with Accept: text/csv or ?format=csv, and the queue's Export, streamed."""

import csv
import io
import tracemalloc

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import publish
from tests.factories import ArticleFactory, make_claim
from tracker import workflow
from tracker.bulk.export import safe_cell
from tracker.models import Claim


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.django_db
class ApiCsvTests:
    def test_accept_text_csv_streams_every_filtered_claim_without_pagination(self, editor):
        for i in range(30):
            make_claim(by=editor, text=f"Drone claim {i}.", tags=["drones"])
        make_claim(by=editor, text="Not about drones.")
        response = api(editor).get("/api/v1/claims/", {"tag": "drones", "page_size": 5}, HTTP_ACCEPT="text/csv")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        rows = read_csv(response)
        assert len(rows) == 30 and all(row["tags"] == "drones" for row in rows)
        assert rows[0]["status"] == "new" and rows[0]["desk_url"].endswith(f"/claims/{rows[0]['id']}/")

    def test_format_csv_works_too_and_json_is_still_the_default(self, editor):
        make_claim(by=editor)
        assert api(editor).get("/api/v1/claims/?format=csv")["Content-Type"].startswith("text/csv")
        assert api(editor).get("/api/v1/claims/")["Content-Type"].startswith("application/json")

    def test_anonymous_callers_get_only_the_published_snapshot(self, editor, reviewer):
        draft = make_claim(by=editor, text="Secret draft wording.")
        published = publish(make_claim(by=editor, text="Published wording."), editor=editor, reviewer=reviewer)
        claims_edit = Claim.objects.get(pk=published.pk)
        workflow.transition(claims_edit, to="researching", by=editor, note="Reopened.")
        rows = read_csv(api().get("/api/v1/claims/", HTTP_ACCEPT="text/csv"))
        assert [int(row["id"]) for row in rows] == [published.pk]
        assert rows[0]["text"] == "Published wording." and rows[0]["rating"] == "True"
        assert "status" not in rows[0] and "assignee" not in rows[0]
        assert draft.text not in str(rows)

    def test_a_bad_filter_is_a_400_in_csv(self, editor):
        response = api(editor).get("/api/v1/claims/", {"status": "nope"}, HTTP_ACCEPT="text/csv")
        assert response.status_code == 400
        assert b"status" in response.content

    def test_spreadsheet_formulas_are_defused(self, editor):
        article = ArticleFactory(body="=HYPERLINK(evil) said the minister. More text follows here.")
        make_claim(by=editor, article=article, quote="=HYPERLINK(evil)", text="=cmd|' /C calc'!A0")
        rows = read_csv(api(editor).get("/api/v1/claims/", HTTP_ACCEPT="text/csv"))
        assert rows[0]["text"] == "'=cmd|' /C calc'!A0"
        assert safe_cell("-1") == "'-1" and safe_cell("Kyiv, «Київ»") == "Kyiv, «Київ»"

    def test_other_claim_routes_do_not_offer_csv(self, editor):
        claim = make_claim(by=editor)
        assert api(editor).get(f"/api/v1/claims/{claim.pk}/", HTTP_ACCEPT="text/csv").status_code == 406


@pytest.mark.django_db
class QueueExportTests:
    def test_the_queue_exports_its_current_filters(self, client, editor, reporter):
        make_claim(by=reporter, text="High one.", priority="high")
        make_claim(by=reporter, text="Normal one.")
        client.force_login(editor)
        page = client.get("/claims/", {"search": "one", "status": "new"}).content.decode()
        assert 'href="/claims/export.csv?search=one&amp;status=new"' in page
        rows = read_csv(client.get("/claims/export.csv", {"priority": "", "search": "High"}))
        assert [row["text"] for row in rows] == ["High one."]

    def test_anonymous_visitors_are_sent_to_log_in(self, client):
        assert client.get("/claims/export.csv").status_code == 302


@pytest.mark.django_db
def test_100k_rows_stream_in_flat_memory(editor):
    """100,000 claims export without holding them: peak memory stays far below the size of the CSV."""
    Claim.objects.bulk_create(
        (
            Claim(text=f"Claim number {i} about air defence and Patriot missiles over Kyiv.", created_by=editor)
            for i in range(100_000)
        ),
        batch_size=5000,
    )
    response = api(editor).get("/api/v1/claims/", HTTP_ACCEPT="text/csv")
    tracemalloc.start()
    total = rows = 0
    try:
        for chunk in response.streaming_content:
            total += len(chunk)
            rows += chunk.count(b"\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == 100_001  # the header and every claim
    assert total > 20_000_000
    # Measured: about 3 MB at 10,000 rows and the same at 100,000 (rows are read in chunks of 2,000).
    assert peak < 12_000_000 and peak < total / 4, f"peak {peak:,} bytes for {total:,} bytes of CSV"

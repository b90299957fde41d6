"""The public corrections log (/fact-checks/corrections/) with its Atom feed, and corrections in the main feed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import publish
from tests.factories import make_claim
from tracker import claims, workflow
from tracker.models import Claim, Rating


def correct(claim, *, editor, reviewer, rating="false", note=""):
    claim = workflow.transition(claim, to="researching", by=editor, note="New data from the ministry.")
    claim = claims.edit_claim(
        claim, {"rating": Rating.objects.get(slug=rating)}, by=editor, expected_version=claim.version
    )
    claim = workflow.transition(claim, to="in_review", by=editor)
    return workflow.transition(claim, to="published", by=reviewer, note=note)


@pytest.mark.django_db
class CorrectionsLogTests:
    def test_every_correction_is_listed_newest_first_for_anyone(self, client, editor, reviewer, other_reviewer):
        first = publish(make_claim(by=editor, text="First checked claim."), editor=editor, reviewer=reviewer)
        second = publish(make_claim(by=editor, text="Second checked claim."), editor=editor, reviewer=reviewer)
        correct(first, editor=editor, reviewer=other_reviewer)
        correct(second, editor=editor, reviewer=other_reviewer, rating="half-true", note="A second source.")
        page = client.get("/fact-checks/corrections/").content.decode()
        assert page.index("Second checked claim.") < page.index("First checked claim.")
        assert "(rating was “True”, now “False”)" in page
        assert "A second source." in page
        assert f'href="{first.get_public_url()}"' in page
        assert "/fact-checks/corrections/feed/" in page
        assert 'href="/fact-checks/corrections/"' in client.get("/fact-checks/").content.decode()

    def test_a_trashed_fact_check_leaves_the_log(self, client, editor, reviewer, other_reviewer):
        claim = publish(make_claim(by=editor, text="Soon gone."), editor=editor, reviewer=reviewer)
        claim = correct(claim, editor=editor, reviewer=other_reviewer)
        workflow.trash(claim, by=editor)
        assert "Soon gone." not in client.get("/fact-checks/corrections/").content.decode()

    def test_the_corrections_feed_says_what_was_corrected(self, client, editor, reviewer, other_reviewer):
        claim = publish(make_claim(by=editor, text="Feed claim."), editor=editor, reviewer=reviewer)
        correct(claim, editor=editor, reviewer=other_reviewer)
        response = client.get("/fact-checks/corrections/feed/")
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = response.content.decode()
        assert "<title>Correction: Feed claim.</title>" in feed
        assert "rating was “True”, now “False”" in feed

    def test_the_main_feed_entry_of_a_corrected_fact_check_says_so(self, client, editor, reviewer, other_reviewer):
        claim = publish(make_claim(by=editor, text="Main feed claim."), editor=editor, reviewer=reviewer)
        correct(claim, editor=editor, reviewer=other_reviewer)
        feed = client.get("/fact-checks/feed/").content.decode()
        assert "Main feed claim. (corrected)</title>" in feed
        assert "Corrected " in feed and "rating was “True”, now “False”" in feed

    def test_the_log_costs_the_same_queries_at_2_and_12_corrections(self, client, editor, reviewer, other_reviewer):
        def queries() -> int:
            with CaptureQueriesContext(connection) as ctx:
                client.get("/fact-checks/corrections/")
                client.get("/fact-checks/feed/")
            return len(ctx.captured_queries)

        for n in range(2):
            correct(
                publish(make_claim(by=editor, text=f"C{n}."), editor=editor, reviewer=reviewer),
                editor=editor,
                reviewer=other_reviewer,
            )
        few = queries()
        for n in range(10):
            correct(
                publish(make_claim(by=editor, text=f"D{n}."), editor=editor, reviewer=reviewer),
                editor=editor,
                reviewer=other_reviewer,
            )
        assert queries() == few
        assert Claim.objects.count() == 12

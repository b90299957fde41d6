"""Per-status claim counters: always equal to a real count, and what the dashboard reads instead of counting."""

from __future__ import annotations

import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ArticleFactory, make_claim, make_user, ready_for_review
from tests.test_concurrency import concurrent, run_together
from tracker import workflow
from tracker.models import Claim, StatusCount

migration_0004 = __import__("tracker.migrations.0004_status_counts", fromlist=["fill_counts"])


def real_counts() -> dict[str, int]:
    counted = dict(Claim.objects.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counted.get(status, 0) for status in Claim.Status.values}


def assert_counters_true():
    assert StatusCount.objects.totals() == real_counts()


@pytest.mark.django_db
class StatusCountTests:
    def test_a_logged_claim_counts_as_new(self, reporter):
        assert StatusCount.objects.totals()["new"] == 0
        make_claim(by=reporter)
        make_claim(by=reporter, text="Another claim.")
        assert StatusCount.objects.totals()["new"] == 2
        assert_counters_true()

    def test_every_transition_of_the_table_moves_one_claim_between_counters(self, editor, reviewer):
        claim = make_claim(by=editor)
        moves = [
            ("researching", ""),
            ("dismissed", "An opinion."),
            ("new", ""),
            ("dismissed", "A prediction."),
            ("new", ""),
            ("researching", ""),
        ]
        for to, note in moves:
            before = StatusCount.objects.totals()
            frm = claim.status
            claim = workflow.transition(claim, to=to, by=editor, note=note)
            after = StatusCount.objects.totals()
            assert after[frm] == before[frm] - 1 and after[to] == before[to] + 1, (frm, to)
            assert_counters_true()
        claim = ready_for_review(claim, by=editor)
        for to, note, by in [
            ("in_review", "", editor),
            ("researching", "Needs a second source.", reviewer),
            ("in_review", "", editor),
            ("published", "", reviewer),
            ("researching", "A correction.", editor),
        ]:
            claim = workflow.transition(claim, to=to, by=by, note=note)
            assert_counters_true()
        assert StatusCount.objects.totals()["researching"] == 1
        assert sum(StatusCount.objects.totals().values()) == 1

    def test_a_refused_transition_changes_no_counter(self, editor, reporter):
        claim = make_claim(by=editor)
        before = StatusCount.objects.totals()
        with pytest.raises(workflow.WorkflowError):
            workflow.transition(claim, to="published", by=editor)
        with pytest.raises(workflow.NoteRequired):
            workflow.transition(claim, to="dismissed", by=editor)
        with pytest.raises(workflow.TransitionForbidden):
            workflow.transition(claim, to="researching", by=reporter)
        assert StatusCount.objects.totals() == before

    def test_trash_and_restore_take_the_claim_out_and_back_in_its_status(self, editor):
        claim = workflow.transition(make_claim(by=editor), to="researching", by=editor)
        make_claim(by=editor, text="Stays new.")
        workflow.trash(claim, by=editor)
        assert StatusCount.objects.totals() == {**real_counts(), "researching": 0, "new": 1}
        assert_counters_true()
        with pytest.raises(workflow.TransitionNotAllowed):
            workflow.trash(claim, by=editor)
        assert_counters_true()
        workflow.restore(claim, by=editor)
        assert StatusCount.objects.totals()["researching"] == 1
        assert_counters_true()

    def test_a_claim_logged_with_a_bad_quote_is_not_counted(self, reporter):
        from tracker import claims

        article = ArticleFactory()
        with pytest.raises(claims.AppearanceError):
            claims.log_claim(
                claims.ClaimInput(text="X.", appearances=[claims.AppearanceInput(article=article, quote="absent")]),
                by=reporter,
            )
        assert StatusCount.objects.totals()["new"] == 0

    def test_the_migration_fills_the_counters_from_existing_claims(self, editor):
        make_claim(by=editor)
        workflow.transition(make_claim(by=editor), to="researching", by=editor)
        workflow.trash(make_claim(by=editor), by=editor)
        StatusCount.objects.all().delete()
        migration_0004.fill_counts(apps, None)
        assert StatusCount.objects.totals() == {**real_counts(), "new": 1, "researching": 1}

    def test_counters_missing_from_the_table_are_rebuilt_on_the_next_change(self, editor):
        make_claim(by=editor)
        StatusCount.objects.all().delete()
        make_claim(by=editor, text="Second.")
        assert StatusCount.objects.totals()["new"] == 2
        assert StatusCount.objects.count() == len(Claim.Status.values)


@pytest.mark.django_db
class RecountStatusesCommandTests:
    def run(self) -> str:
        out = io.StringIO()
        call_command("recount_statuses", stdout=out)
        return out.getvalue()

    def test_it_corrects_counters_changed_behind_the_domains_back(self, editor):
        make_claim(by=editor)
        make_claim(by=editor, text="Second.")
        # As a restore from an older backup or a raw UPDATE would leave them.
        StatusCount.objects.filter(status="new").update(count=7)
        StatusCount.objects.filter(status="published").delete()
        output = self.run()
        assert "New: 7 → 2" in output
        assert "Published: missing → 0" in output
        assert "Corrected 2 counter(s); now new 2, researching 0" in output
        assert_counters_true()
        assert StatusCount.objects.count() == len(Claim.Status.values)

    def test_it_says_so_when_every_counter_was_right(self, editor):
        make_claim(by=editor)
        assert "All counters were right: new 1," in self.run()
        assert_counters_true()


def count_queries_over_claims(captured) -> list[str]:
    return [q["sql"] for q in captured if re.search(r"COUNT\(", q["sql"], re.I) and "tracker_claim" in q["sql"]]


@pytest.mark.django_db
class DashboardCountTests:
    def test_dashboard_shows_the_counters_without_counting_claims(self, client, editor):
        client.force_login(editor)
        for i in range(3):
            make_claim(by=editor, text=f"Claim {i}.")
        workflow.transition(Claim.objects.first(), to="researching", by=editor)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        assert count_queries_over_claims(captured) == []
        assert response.context["statuses"][:2] == [("new", "New", 2), ("researching", "Researching", 1)]
        assert response.context["total"] == 3
        body = response.content.decode()
        assert re.search(r'status=new"><span class="n">2</span>', body)
        assert re.search(r'status=researching"><span class="n">1</span>', body)

    def test_dashboard_totals_leave_out_the_trash(self, client, editor):
        client.force_login(editor)
        workflow.trash(make_claim(by=editor), by=editor)
        make_claim(by=editor, text="Kept.")
        response = client.get(reverse("home"))
        assert response.context["total"] == 1


class ConcurrentCountTests:
    @concurrent
    def test_concurrent_transitions_lose_no_update(self):
        """Claims moving in opposite directions at once, on their own connections: every change is counted."""
        editor = make_user("editor")
        forward = [make_claim(by=editor, text=f"Forward {i}.") for i in range(4)]
        back = [
            workflow.transition(make_claim(by=editor, text=f"Back {i}."), to="dismissed", by=editor, note="Opinion.")
            for i in range(4)
        ]
        jobs = [lambda c=c: workflow.transition(c, to="researching", by=editor) for c in forward]
        jobs += [lambda c=c: workflow.transition(c, to="new", by=editor) for c in back]
        jobs += [lambda: make_claim(by=editor, text="Logged meanwhile.")]
        doomed = make_claim(by=editor, text="To the trash.")
        jobs += [lambda: workflow.trash(doomed, by=editor)]
        outcomes = run_together(*jobs)
        assert [o for o, _ in outcomes].count("ok") == len(jobs), outcomes
        assert_counters_true()
        assert StatusCount.objects.totals() == {
            "new": 5,
            "researching": 4,
            "in_review": 0,
            "published": 0,
            "dismissed": 0,
        }

    @concurrent
    def test_recount_while_claims_move_stays_exact(self):
        editor = make_user("editor")
        claims_ = [make_claim(by=editor, text=f"Claim {i}.") for i in range(5)]
        StatusCount.objects.filter(status="new").update(count=99)
        jobs = [lambda c=c: workflow.transition(c, to="researching", by=editor) for c in claims_]
        jobs += [StatusCount.objects.recount]
        outcomes = run_together(*jobs)
        assert [o for o, _ in outcomes].count("ok") == len(jobs), outcomes
        assert StatusCount.objects.totals() == {**real_counts(), "researching": 5, "new": 0}

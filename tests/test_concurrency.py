"""Several editors at once, with real threads and real database connections, on SQLite and PostgreSQL.

PostgreSQL serialises the writers of one claim with the row lock that
workflow.lock_claim takes; SQLite, which has no row locks, with the write lock
that BEGIN IMMEDIATE takes (settings: transaction_mode IMMEDIATE, WAL, busy
timeout). Each test holds the first writer inside its transaction for a
moment, so the second one really arrives while it is there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from tests.factories import ArticleFactory, make_claim, make_user, ready_for_review
from tracker import claims, workflow
from tracker.models import Claim, VerificationEvent
from tracker.workflow import StaleVersion, TransitionNotAllowed

# serialized_rollback: the flush after a transactional test would otherwise
# take the groups and ratings that migrations created with it.
concurrent = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HOLD = 0.4  # seconds the first writer keeps its transaction open


def run_together(*jobs: Callable[[], object]) -> list[tuple[str, object]]:
    """Start every job at the same moment, each in its own thread and connection; return (outcome, value)."""
    barrier = threading.Barrier(len(jobs))
    results: list[tuple[str, object]] = [("not run", None)] * len(jobs)

    def worker(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", job())
        except Exception as exc:  # the test inspects every outcome
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


@pytest.fixture
def slow_checks(monkeypatch):
    """Make whoever holds the claim's lock keep it for HOLD seconds after checking."""

    def hold(original):
        def slowed(*args, **kwargs):
            result = original(*args, **kwargs)
            time.sleep(HOLD)
            return result

        return slowed

    monkeypatch.setattr(workflow, "check_transition", hold(workflow.check_transition))
    monkeypatch.setattr(claims, "check_editable", hold(claims.check_editable))


def claim_in_review():
    editor = make_user("editor", username="sender")
    claim = ready_for_review(make_claim(by=editor), by=editor)
    claim = workflow.transition(claim, to="researching", by=editor)
    return workflow.transition(claim, to="in_review", by=editor)


class ConcurrentTransitionTests:
    @concurrent
    def test_two_reviewers_publishing_at_once_publish_once(self, slow_checks):
        claim = claim_in_review()
        first, second = make_user("reviewer", username="r1"), make_user("reviewer", username="r2")
        results = run_together(
            lambda: workflow.transition(claim, to="published", by=first),
            lambda: workflow.transition(claim, to="published", by=second),
        )
        outcomes = sorted(outcome for outcome, _ in results)
        assert outcomes == ["error", "ok"], results
        error = next(value for outcome, value in results if outcome == "error")
        assert isinstance(error, TransitionNotAllowed)
        assert "from published to published" in str(error)
        assert VerificationEvent.objects.filter(claim=claim, to_status="published").count() == 1
        row = Claim.objects.get(pk=claim.pk)
        assert row.status == "published"
        assert row.version == claim.version + 1
        assert row.public_snapshot["version"] == row.version

    @concurrent
    def test_two_reviewers_sending_back_at_once_send_back_once(self, slow_checks):
        claim = claim_in_review()
        first, second = make_user("reviewer", username="r1"), make_user("reviewer", username="r2")
        results = run_together(
            lambda: workflow.transition(claim, to="researching", by=first, note="Needs another source."),
            lambda: workflow.transition(claim, to="researching", by=second, note="The date is wrong."),
        )
        assert sorted(outcome for outcome, _ in results) == ["error", "ok"], results
        error = next(value for outcome, value in results if outcome == "error")
        assert isinstance(error, TransitionNotAllowed)
        event = VerificationEvent.objects.get(claim=claim, from_status="in_review")
        assert event.to_status == "researching"
        assert Claim.objects.get(pk=claim.pk).version == claim.version + 1

    @concurrent
    def test_stale_transition_after_a_concurrent_one(self, slow_checks):
        claim = claim_in_review()
        reviewer = make_user("reviewer", username="r1")
        results = run_together(
            lambda: workflow.transition(claim, to="published", by=reviewer, expected_version=claim.version),
            lambda: workflow.transition(
                claim, to="researching", by=reviewer, note="Back.", expected_version=claim.version
            ),
        )
        assert sorted(outcome for outcome, _ in results) == ["error", "ok"], results
        error = next(value for outcome, value in results if outcome == "error")
        assert isinstance(error, StaleVersion)
        assert error.current.version == claim.version + 1
        assert VerificationEvent.objects.filter(claim=claim, from_status="in_review").count() == 1


class ConcurrentEditTests:
    @concurrent
    def test_same_expected_version_one_wins_the_other_is_stale(self, slow_checks):
        editor, other = make_user("editor", username="e1"), make_user("editor", username="e2")
        claim = make_claim(by=editor)
        results = run_together(
            lambda: claims.edit_claim(claim, {"text": "First wording."}, by=editor, expected_version=1),
            lambda: claims.edit_claim(claim, {"text": "Second wording."}, by=other, expected_version=1),
        )
        assert sorted(outcome for outcome, _ in results) == ["error", "ok"], results
        winner = next(value for outcome, value in results if outcome == "ok")
        error = next(value for outcome, value in results if outcome == "error")
        assert isinstance(error, StaleVersion)
        assert error.current.text == winner.text
        row = Claim.objects.get(pk=claim.pk)
        assert (row.text, row.version) == (winner.text, 2)
        assert row.history.count() == 2

    @concurrent
    def test_edits_without_version_both_apply_in_turn(self, slow_checks):
        editor, other = make_user("editor", username="e1"), make_user("editor", username="e2")
        claim = make_claim(by=editor)
        results = run_together(
            lambda: claims.edit_claim(claim, {"priority": "high"}, by=editor, expected_version=None),
            lambda: claims.edit_claim(claim, {"verdict_summary": "Checked."}, by=other, expected_version=None),
        )
        assert [outcome for outcome, _ in results] == ["ok", "ok"], results
        row = Claim.objects.get(pk=claim.pk)
        # Neither write lost the other's field: each re-read the row under the lock.
        assert (row.priority, row.verdict_summary, row.version) == ("high", "Checked.", 3)


class ConcurrentWritersTests:
    @concurrent
    def test_many_writers_on_different_claims_never_hit_a_locked_database(self):
        editors = [make_user("editor", username=f"w{n}") for n in range(6)]
        articles = [ArticleFactory() for _ in editors]

        def desk_work(editor, article):
            def job():
                claim = make_claim(by=editor, article=article)
                for n in range(3):
                    claim = claims.edit_claim(
                        claim, {"verdict_summary": f"Draft {n}."}, by=editor, expected_version=claim.version
                    )
                claim = workflow.transition(claim, to="researching", by=editor)
                return workflow.transition(claim, to="dismissed", by=editor, note="An opinion.").pk

            return job

        results = run_together(*(desk_work(e, a) for e, a in zip(editors, articles, strict=True)))
        assert [outcome for outcome, _ in results] == ["ok"] * len(editors), results
        ids = [value for _, value in results]
        assert Claim.objects.filter(pk__in=ids, status="dismissed", version=6).count() == len(editors)
        assert VerificationEvent.objects.count() == 2 * len(editors)

    @concurrent
    def test_readers_are_not_blocked_by_a_writer(self):
        editor = make_user("editor", username="e1")
        claim = make_claim(by=editor)
        writing = threading.Event()

        def writer():
            with transaction.atomic():
                claims.edit_claim(claim, {"priority": "high"}, by=editor, expected_version=1)
                writing.set()
                time.sleep(1.5)
            return "written"

        def reader():
            assert writing.wait(timeout=10)
            started = time.monotonic()
            row = Claim.objects.get(pk=claim.pk)
            return row.priority, time.monotonic() - started

        results = run_together(writer, reader)
        assert results[0] == ("ok", "written"), results
        outcome, (priority, waited) = results[1]
        # The reader sees the last committed state at once, not after the writer's second.
        assert (outcome, priority) == ("ok", "normal")
        assert waited < 1.0
        assert Claim.objects.get(pk=claim.pk).priority == "high"

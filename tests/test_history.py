"""Field-level history of the domain models and a claim's timeline (tracker.history)."""

from __future__ import annotations

import pytest

from tests.factories import ArticleFactory, SourceFactory, make_claim
from tracker import claims, history, workflow
from tracker.models import Article, Claim, Rating, Source


def kinds(claim: Claim) -> list[tuple[str, str | None]]:
    return [(entry.kind, entry.actor) for entry in history.claim_timeline(claim)]


class ModelHistoryTests:
    @pytest.mark.django_db
    def test_domain_edit_records_user_old_and_new(self, reporter, editor):
        claim = make_claim(by=reporter, text="Old wording.")
        claims.edit_claim(claim, {"text": "New wording."}, by=editor, expected_version=1)
        latest, previous = claim.history.order_by("-history_id")[:2]
        assert latest.history_user == editor
        assert (previous.text, latest.text) == ("Old wording.", "New wording.")
        assert previous.history_user == reporter
        assert latest.version == 2

    @pytest.mark.django_db
    def test_plain_model_save_records_the_given_user(self, reporter, editor):
        claim = make_claim(by=reporter)
        claim.verdict_summary = "Set by hand."
        claim._history_user = editor
        claim.save()
        latest, previous = claim.history.order_by("-history_id")[:2]
        assert latest.history_user == editor
        assert (previous.verdict_summary, latest.verdict_summary) == ("", "Set by hand.")
        delta = latest.diff_against(previous)
        assert delta.changed_fields == ["verdict_summary"]

    @pytest.mark.django_db
    def test_article_and_source_edits_are_recorded(self, editor):
        article = ArticleFactory(title="First title")
        article.title = "Second title"
        article._history_user = editor
        article.save()
        record = Article.history.filter(id=article.pk).latest()
        assert (record.history_user, record.title, record.prev_record.title) == (editor, "Second title", "First title")

        source = SourceFactory(publisher="Ministry")
        source.publisher = "Ministry of Defence"
        source._history_user = editor
        source.save()
        record = Source.history.filter(id=source.pk).latest()
        assert (record.history_user, record.prev_record.publisher, record.publisher) == (
            editor,
            "Ministry",
            "Ministry of Defence",
        )

    @pytest.mark.django_db
    def test_one_edit_is_one_history_record(self, editor):
        claim = make_claim(by=editor, tags=["NATO"])
        records = claim.history.count()
        claims.edit_claim(
            claim, {"tags": ["Patriot", "Ukraine"], "priority": "high"}, by=editor, expected_version=claim.version
        )
        assert claim.history.count() == records + 1
        latest = claim.history.latest()
        assert sorted(row.tag.name for row in latest.tags.all()) == ["Patriot", "Ukraine"]
        assert latest.priority == "high"


class TimelineTests:
    @pytest.mark.django_db
    def test_full_timeline_in_order(self, reporter, editor, other_editor):
        true = Rating.objects.get(slug="true")
        claim = make_claim(by=reporter, text="NATO will buy Patriots.", tags=["NATO"])
        claims.edit_claim(
            claim,
            {"rating": true, "assignee": other_editor, "tags": ["NATO", "Patriot"]},
            by=editor,
            expected_version=1,
        )
        evidence = claims.add_evidence(claim, source=SourceFactory(), stance="supports", by=reporter, excerpt="1,000")
        workflow.transition(claim, to="researching", by=editor)
        claims.remove_evidence(evidence, by=other_editor)
        # Adding and removing evidence each moved the claim to its next version.
        claims.edit_claim(
            claim, {"rating": Rating.objects.get(slug="false"), "assignee": None}, by=editor, expected_version=5
        )
        workflow.trash(claim, by=editor)
        workflow.restore(claim, by=other_editor)

        entries = history.claim_timeline(claim)
        assert [(e.kind, e.actor) for e in entries] == [
            ("created", "rita"),
            ("appearance_added", "rita"),
            ("edited", "eddie"),
            ("evidence_added", "rita"),
            ("transition", "eddie"),
            ("evidence_removed", "erin"),
            ("edited", "eddie"),
            ("trashed", "eddie"),
            ("restored", "erin"),
        ]
        assert [e.at for e in entries] == sorted(e.at for e in entries)
        created, appearance, edited, added, moved, removed, edited_again, *_ = entries

        assert created.changes["text"] == {"old": None, "new": "NATO will buy Patriots."}
        assert created.changes["tags"] == {"old": None, "new": ["NATO"]}
        assert created.changes["priority"] == {"old": None, "new": "normal"}
        assert created.changes["claimant"] == {"old": None, "new": claim.claimant_id}
        assert appearance.changes["quote"] == {"old": None, "new": "NATO announced Wednesday"}
        assert edited.changes == {
            "rating": {"old": None, "new": "true"},
            "assignee": {"old": None, "new": "erin"},
            "tags": {"old": ["NATO"], "new": ["NATO", "Patriot"]},
        }
        assert added.changes["stance"] == {"old": None, "new": "supports"}
        assert added.changes["source"] == {"old": None, "new": evidence.source_id}
        assert (moved.from_status, moved.to_status, moved.rating) == ("new", "researching", "true")
        assert removed.changes["excerpt"] == {"old": None, "new": "1,000"}
        assert edited_again.changes == {
            "rating": {"old": "true", "new": "false"},
            "assignee": {"old": "erin", "new": None},
        }

    @pytest.mark.django_db
    def test_transitions_carry_notes_and_as_dict_has_the_api_fields(self, editor):
        claim = make_claim(by=editor)
        workflow.transition(claim, to="dismissed", by=editor, note="An opinion.")
        entry = history.claim_timeline(claim)[-1]
        assert entry.as_dict() == {
            "at": entry.at,
            "actor": "eddie",
            "kind": "transition",
            "from_status": "new",
            "to_status": "dismissed",
            "note": "An opinion.",
            "changes": {},
            "rating": None,
        }

    @pytest.mark.django_db
    def test_transitions_do_not_show_as_edits(self, editor, reviewer):
        claim = make_claim(by=editor)
        workflow.transition(claim, to="researching", by=editor)
        workflow.transition(claim, to="dismissed", by=reviewer, note="Prediction.")
        assert [e.kind for e in history.claim_timeline(claim)] == [
            "created",
            "appearance_added",
            "transition",
            "transition",
        ]

    @pytest.mark.django_db
    def test_tags_set_outside_the_domain_show_as_one_change(self, editor):
        """The admin form saves the row, then sets tags (a removal and an addition): one entry."""
        claim = make_claim(by=editor, tags=["NATO", "Ukraine"])
        claim = Claim.objects.get(pk=claim.pk)
        claim.priority = "high"
        claim._history_user = editor
        claim.save()
        claim.tags.set(claims.resolve_tags(["Patriot"]))
        edits = [e for e in history.claim_timeline(claim) if e.kind == "edited"]
        assert len(edits) == 1
        assert edits[0].changes == {
            "priority": {"old": "normal", "new": "high"},
            "tags": {"old": ["NATO", "Ukraine"], "new": ["Patriot"]},
        }

    @pytest.mark.django_db
    def test_separate_edits_by_different_people_stay_separate(self, editor, other_editor):
        claim = make_claim(by=editor, tags=["NATO"])
        claims.edit_claim(claim, {"tags": ["Patriot"]}, by=editor, expected_version=1)
        claims.edit_claim(claim, {"tags": ["Ukraine"]}, by=other_editor, expected_version=2)
        edits = [(e.actor, e.changes) for e in history.claim_timeline(claim) if e.kind == "edited"]
        assert edits == [
            ("eddie", {"tags": {"old": ["NATO"], "new": ["Patriot"]}}),
            ("erin", {"tags": {"old": ["Patriot"], "new": ["Ukraine"]}}),
        ]

    @pytest.mark.django_db
    def test_reanchored_appearance_shows_its_move(self, editor):
        claim = make_claim(by=editor)
        article = claim.appearances.get().article
        article.body = "Updated 1 month ago. " + article.body
        article._history_user = editor
        article.save()
        changed = history.claim_timeline(claim)[-1]
        assert (changed.kind, changed.actor) == ("appearance_changed", "eddie")
        assert changed.changes == {
            "start": {"old": 91, "new": 112},
            "end": {"old": 115, "new": 136},
            "anchor_state": {"old": "anchored", "new": "moved"},
        }

    @pytest.mark.django_db
    def test_deleted_user_and_rating_are_still_named(self, editor, other_editor):
        claim = make_claim(by=editor)
        claims.edit_claim(claim, {"assignee": other_editor}, by=other_editor, expected_version=1)
        other_id = other_editor.pk
        other_editor.delete()
        edited = [e for e in history.claim_timeline(claim) if e.kind == "edited"]
        assert edited[0].actor is None
        assert edited[0].changes["assignee"] == {"old": None, "new": f"user #{other_id}"}

    @pytest.mark.django_db
    def test_timeline_query_count_does_not_grow_with_edits(self, editor, django_assert_max_num_queries):
        claim = make_claim(by=editor, tags=["A"])
        for n in range(12):
            claims.edit_claim(
                claim, {"tags": [f"T{n}"], "priority": ["low", "high"][n % 2]}, by=editor, expected_version=n + 1
            )
        with django_assert_max_num_queries(10):
            entries = history.claim_timeline(claim)
        assert len([e for e in entries if e.kind == "edited"]) == 12

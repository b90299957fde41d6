"""The verification workflow of DESIGN §2 and the roles of DESIGN §3, through tracker.workflow."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from tests.factories import (
    SourceFactory,
    add_evidence,
    make_claim,
    make_user,
    ready_for_review,
)
from tracker import claimreview, claims, workflow
from tracker.models import Claim, Correction, Evidence, Rating, TrashedClaim, VerificationEvent
from tracker.workflow import (
    ClaimFrozen,
    EditForbidden,
    FourEyesViolation,
    InvalidNote,
    NoteRequired,
    PreconditionFailed,
    StaleVersion,
    TransitionForbidden,
    TransitionNotAllowed,
)

STATUSES = ["new", "researching", "in_review", "published", "dismissed"]
ROLES = ["reporter", "editor", "reviewer", "admin", None]
WORKFLOW_ROLES = {"editor", "reviewer", "admin"}
REVIEW_ROLES = {"reviewer", "admin"}

# DESIGN §2, written out again here so the test does not trust the code's own table.
TABLE = {
    ("new", "researching"): WORKFLOW_ROLES,
    ("new", "dismissed"): WORKFLOW_ROLES,
    ("researching", "in_review"): WORKFLOW_ROLES,
    ("researching", "dismissed"): WORKFLOW_ROLES,
    ("in_review", "published"): REVIEW_ROLES,
    ("in_review", "researching"): REVIEW_ROLES,
    ("published", "researching"): WORKFLOW_ROLES,
    ("dismissed", "new"): WORKFLOW_ROLES,
}
NOTE_REQUIRED = [
    ("new", "dismissed"),
    ("researching", "dismissed"),
    ("in_review", "researching"),
    ("published", "researching"),
]
NOTE = "Checked against the ministry's statement."


def move(claim: Claim, to: str, by, note: str = NOTE) -> Claim:
    return workflow.transition(claim, to=to, by=by, note=note)


def claim_in(status: str, *, editor, reviewer) -> Claim:
    """Return a claim ready for review (rating, summary, evidence), brought to status by editor and reviewer."""
    claim = ready_for_review(make_claim(by=editor), by=editor)
    path = {
        "new": [],
        "researching": [("researching", editor)],
        "in_review": [("researching", editor), ("in_review", editor)],
        "published": [("researching", editor), ("in_review", editor), ("published", reviewer)],
        "dismissed": [("dismissed", editor)],
    }[status]
    for to, by in path:
        claim = move(claim, to, by)
    assert claim.status == status
    return claim


def state(claim: Claim) -> dict:
    """Return everything a refused change must leave as it was."""
    row = Claim.all_objects.get(pk=claim.pk)
    return {
        "status": row.status,
        "version": row.version,
        "rating": row.rating_id,
        "text": row.text,
        "verdict_summary": row.verdict_summary,
        "public_snapshot": row.public_snapshot,
        "published_at": row.published_at,
        "last_published_at": row.last_published_at,
        "deleted_at": row.deleted_at,
        "events": list(VerificationEvent.objects.filter(claim=row).values_list("pk", flat=True)),
        "corrections": Correction.objects.filter(claim=row).count(),
        "history": row.history.count(),
        "evidence": Evidence.objects.filter(claim=row).count(),
    }


def expected_refusal(frm: str, to: str, role: str | None):
    if role not in WORKFLOW_ROLES:
        # A role that can make no move at all is refused before the table is consulted.
        return TransitionForbidden
    allowed_roles = TABLE.get((frm, to))
    if allowed_roles is None:
        return TransitionNotAllowed
    if role not in allowed_roles:
        return TransitionForbidden
    return None


@pytest.fixture
def setup_editor(db):
    return make_user("editor", username="setup-editor")


@pytest.fixture
def setup_reviewer(db):
    return make_user("reviewer", username="setup-reviewer")


class TransitionTableTests:
    def test_code_table_matches_design(self):
        for frm in STATUSES:
            expected = [to for (f, to) in TABLE if f == frm]
            assert sorted(workflow.allowed_targets(frm)) == sorted(expected)

    @pytest.mark.django_db
    @pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "no-group")
    @pytest.mark.parametrize("to", STATUSES)
    @pytest.mark.parametrize("frm", STATUSES)
    def test_every_pair_for_every_role(self, frm, to, role, setup_editor, setup_reviewer):
        claim = claim_in(frm, editor=setup_editor, reviewer=setup_reviewer)
        actor = make_user(role, username=f"actor-{role or 'nogroup'}")
        before = state(claim)
        refusal = expected_refusal(frm, to, role)

        if refusal is not None:
            with pytest.raises(refusal) as caught:
                workflow.transition(claim, to=to, by=actor, note=NOTE)
            assert type(caught.value) is refusal
            if refusal is TransitionNotAllowed:
                assert sorted(caught.value.allowed) == sorted(t for (f, t) in TABLE if f == frm)
                label = dict(Claim.Status.choices)
                assert f"from {label[frm].lower()} to {label[to].lower()}" in str(caught.value)
            assert state(claim) == before
            return

        result = workflow.transition(claim, to=to, by=actor, note=NOTE)
        after = state(claim)
        assert result.status == to == after["status"]
        assert after["version"] == before["version"] + 1 == result.version
        new_events = VerificationEvent.objects.filter(claim=claim).exclude(pk__in=before["events"])
        assert new_events.count() == 1
        event = new_events.get()
        assert (event.from_status, event.to_status) == (frm, to)
        assert event.actor == actor
        assert event.note == NOTE
        assert event.rating_id == before["rating"] == Rating.objects.get(slug="true").pk
        assert event.version == after["version"]
        assert len(after["events"]) == len(before["events"]) + 1

    @pytest.mark.django_db
    @pytest.mark.parametrize("target", ["bogus", "", "PUBLISHED", None, ["published"], {"to": "researching"}, 3])
    def test_unknown_target_is_not_allowed(self, target, editor):
        claim = make_claim(by=editor)
        before = state(claim)
        with pytest.raises(TransitionNotAllowed) as caught:
            workflow.transition(claim, to=target, by=editor)
        assert caught.value.allowed == ["researching", "dismissed"]
        assert state(claim) == before

    @pytest.mark.django_db
    @pytest.mark.parametrize("user", [None, AnonymousUser()], ids=["none", "anonymous"])
    def test_nobody_cannot_transition(self, user, editor):
        claim = make_claim(by=editor)
        before = state(claim)
        with pytest.raises(TransitionForbidden):
            workflow.transition(claim, to="researching", by=user)
        assert state(claim) == before

    @pytest.mark.django_db
    def test_role_is_checked_before_the_version(self, reporter, editor):
        claim = make_claim(by=editor)
        with pytest.raises(TransitionForbidden):
            workflow.transition(claim, to="researching", by=reporter, expected_version=99)

    @pytest.mark.django_db
    def test_inactive_editor_cannot_transition(self, editor):
        claim = make_claim(by=editor)
        editor.is_active = False
        editor.save()
        before = state(claim)
        with pytest.raises(TransitionForbidden):
            workflow.transition(claim, to="researching", by=editor)
        assert state(claim) == before

    @pytest.mark.django_db
    def test_available_transitions_explain_what_is_missing(self, editor, reporter):
        claim = move(make_claim(by=editor), "researching", editor)
        options = dict(workflow.available_transitions(claim, editor))
        assert set(options) == {"in_review", "dismissed"}
        assert options["dismissed"] is None
        assert "a rating" in options["in_review"]
        assert all(reason for reason in dict(workflow.available_transitions(claim, reporter)).values())

    @pytest.mark.django_db
    def test_each_event_keeps_the_rating_of_its_moment(self, editor):
        claim = move(make_claim(by=editor), "researching", editor)
        claim = claims.edit_claim(
            claim, {"rating": Rating.objects.get(slug="misleading")}, by=editor, expected_version=claim.version
        )
        claim = move(claim, "dismissed", editor)
        claims.edit_claim(claim, {"priority": "low"}, by=editor, expected_version=claim.version)
        events = VerificationEvent.objects.filter(claim=claim).order_by("id")
        assert [(e.to_status, e.rating and e.rating.slug, e.version) for e in events] == [
            ("researching", None, 2),
            ("dismissed", "misleading", 4),
        ]

    @pytest.mark.django_db
    def test_transition_stores_stripped_note(self, editor):
        claim = make_claim(by=editor)
        move(claim, "dismissed", editor, note="  An opinion about the future.\n")
        assert VerificationEvent.objects.get(claim=claim).note == "An opinion about the future."


class SignalTests:
    @pytest.mark.django_db
    def test_signal_goes_out_after_commit_with_the_event(self, editor, django_capture_on_commit_callbacks):
        claim = make_claim(by=editor)
        received = []

        def receiver(sender, claim, event, **kwargs):
            received.append((claim.pk, claim.status, event.to_status))

        workflow.claim_transitioned.connect(receiver)
        try:
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                move(claim, "researching", editor)
                assert received == []  # not before the commit
            with (
                django_capture_on_commit_callbacks(execute=True) as refused,
                pytest.raises(TransitionNotAllowed),
            ):
                move(claim, "published", editor)
        finally:
            workflow.claim_transitioned.disconnect(receiver)
        assert len(callbacks) == 1
        assert refused == []
        assert received == [(claim.pk, "researching", "researching")]


class FourEyesTests:
    @pytest.mark.django_db
    def test_sender_cannot_publish_but_another_reviewer_can(self, editor, reviewer, other_reviewer):
        claim = claim_in("researching", editor=editor, reviewer=reviewer)
        claim = move(claim, "in_review", reviewer)
        before = state(claim)
        with pytest.raises(FourEyesViolation) as caught:
            move(claim, "published", reviewer, note="")
        assert "second person" in str(caught.value)
        assert state(claim) == before

        claim = move(claim, "published", other_reviewer, note="")
        assert claim.status == "published"
        assert VerificationEvent.objects.filter(claim=claim, to_status="published").get().actor == other_reviewer

    @pytest.mark.django_db
    def test_applies_to_superusers(self, editor, reviewer):
        boss = make_user("admin", username="boss")
        other_boss = make_user("admin", username="other-boss")
        claim = claim_in("researching", editor=editor, reviewer=reviewer)
        claim = move(claim, "in_review", boss)
        before = state(claim)
        with pytest.raises(FourEyesViolation):
            move(claim, "published", boss)
        assert state(claim) == before
        assert move(claim, "published", other_boss).status == "published"

    @pytest.mark.django_db
    def test_the_last_sender_counts(self, editor, reviewer, other_reviewer):
        claim = claim_in("researching", editor=editor, reviewer=reviewer)
        claim = move(claim, "in_review", reviewer)
        claim = move(claim, "researching", other_reviewer, note="Needs a second source.")
        claim = move(claim, "in_review", other_reviewer)
        with pytest.raises(FourEyesViolation):
            move(claim, "published", other_reviewer)
        assert move(claim, "published", reviewer).status == "published"

    @pytest.mark.django_db
    def test_sender_may_send_it_back(self, editor, reviewer):
        claim = claim_in("researching", editor=editor, reviewer=reviewer)
        claim = move(claim, "in_review", reviewer)
        assert move(claim, "researching", reviewer, note="I found a gap.").status == "researching"

    @pytest.mark.django_db
    def test_available_transitions_show_the_four_eyes_reason(self, editor, reviewer):
        claim = claim_in("researching", editor=editor, reviewer=reviewer)
        claim = move(claim, "in_review", reviewer)
        options = dict(workflow.available_transitions(claim, reviewer))
        assert "second person" in options["published"]
        assert options["researching"] is None


class RequiredNoteTests:
    @pytest.mark.django_db
    @pytest.mark.parametrize("note", ["", "   ", "\n\t ", None], ids=["empty", "spaces", "whitespace", "none"])
    @pytest.mark.parametrize(("frm", "to"), NOTE_REQUIRED)
    def test_missing_note_is_refused(self, frm, to, note, editor, reviewer, other_reviewer):
        claim = claim_in(frm, editor=editor, reviewer=reviewer)
        before = state(claim)
        with pytest.raises(NoteRequired) as caught:
            workflow.transition(claim, to=to, by=other_reviewer, note=note)
        assert "note is required" in str(caught.value)
        assert state(claim) == before

    @pytest.mark.django_db
    @pytest.mark.parametrize(("frm", "to"), NOTE_REQUIRED)
    def test_with_a_note_it_succeeds(self, frm, to, editor, reviewer, other_reviewer):
        claim = claim_in(frm, editor=editor, reviewer=reviewer)
        claim = move(claim, to, other_reviewer, note="Because.")
        assert claim.status == to
        assert VerificationEvent.objects.filter(claim=claim).latest("id").note == "Because."


class NoteValueTests:
    @pytest.mark.django_db
    @pytest.mark.parametrize(
        ("note", "message"),
        [("Opinion\x00.", "NUL"), ("Lone \ud800 surrogate", "not valid Unicode"), (42, "text"), (["a"], "text")],
        ids=["nul", "surrogate", "number", "list"],
    )
    def test_unstorable_note_is_refused_as_a_note_error(self, note, message, editor):
        claim = make_claim(by=editor)
        before = state(claim)
        with pytest.raises(InvalidNote) as caught:
            workflow.transition(claim, to="dismissed", by=editor, note=note)
        assert isinstance(caught.value, NoteRequired)
        assert message in str(caught.value)
        assert state(claim) == before

    @pytest.mark.django_db
    def test_note_is_normalised(self, editor):
        claim = make_claim(by=editor)
        move(claim, "dismissed", editor, note="\ufeffOpinion,\r\nnot fact.\r\n")
        assert VerificationEvent.objects.get(claim=claim).note == "Opinion,\nnot fact."


class PreconditionTests:
    @pytest.mark.django_db
    @pytest.mark.parametrize(
        ("missing", "reason"),
        [("rating", "a rating"), ("summary", "a verdict summary"), ("evidence", "at least one piece of evidence")],
    )
    def test_each_missing_part_is_named(self, missing, reason, editor):
        claim = make_claim(by=editor)
        if missing != "evidence":
            add_evidence(claim, by=editor)
        changes = {
            "rating": None if missing == "rating" else Rating.objects.get(slug="false"),
            "verdict_summary": "  " if missing == "summary" else "The agency denied it.",
        }
        claim = claims.edit_claim(claim, changes, by=editor, expected_version=None)
        claim = move(claim, "researching", editor)
        before = state(claim)
        with pytest.raises(PreconditionFailed) as caught:
            move(claim, "in_review", editor)
        assert caught.value.reasons == [reason]
        assert reason in str(caught.value)
        assert state(claim) == before

    @pytest.mark.django_db
    def test_all_missing_parts_are_named_together(self, editor):
        claim = move(make_claim(by=editor), "researching", editor)
        with pytest.raises(PreconditionFailed) as caught:
            move(claim, "in_review", editor)
        assert caught.value.reasons == ["a rating", "a verdict summary", "at least one piece of evidence"]
        assert caught.value.allowed == ["in_review", "dismissed"]

    @pytest.mark.django_db
    def test_claim_without_claimant_or_date_is_published_with_warnings(self, editor, reviewer):
        claim = make_claim(by=editor, claimant=None)
        ready_for_review(claim, by=editor)
        claim = move(move(claim, "researching", editor), "in_review", editor)
        assert any("claimant" in w for w in claimreview.warnings(claim))
        claim = move(claim, "published", reviewer)
        assert claim.status == "published"
        review = claimreview.build(claim)
        assert "author" not in review["itemReviewed"]
        assert review["author"]["name"]

    @pytest.mark.django_db
    def test_missing_organisation_is_refused_at_send_to_review_not_at_publish(self, editor, reviewer, settings):
        claim = make_claim(by=editor)
        ready_for_review(claim, by=editor)
        claim = move(claim, "researching", editor)
        settings.FACTDESK_ORG_NAME = ""
        before = state(claim)
        with pytest.raises(PreconditionFailed) as caught:
            move(claim, "in_review", editor)
        assert any("FACTDESK_ORG_NAME" in r for r in caught.value.reasons)
        assert state(claim) == before
        settings.FACTDESK_ORG_NAME = "Desk"
        claim = move(claim, "in_review", editor)
        assert move(claim, "published", reviewer).status == "published"


class FrozenFieldTests:
    @pytest.mark.django_db
    @pytest.mark.parametrize("field", ["text", "rating", "verdict_summary", "verdict_explanation"])
    @pytest.mark.parametrize("status", ["in_review", "published", "dismissed"])
    def test_verdict_fields_are_frozen(self, status, field, editor, reviewer):
        claim = claim_in(status, editor=editor, reviewer=reviewer)
        value = {
            "text": "A different wording.",
            "rating": Rating.objects.get(slug="misleading"),
            "verdict_summary": "Another summary.",
            "verdict_explanation": "Another explanation.",
        }[field]
        before = state(claim)
        with pytest.raises(ClaimFrozen) as caught:
            claims.edit_claim(claim, {field: value}, by=editor, expected_version=claim.version)
        assert field in str(caught.value)
        assert state(claim) == before

    @pytest.mark.django_db
    @pytest.mark.parametrize("status", ["in_review", "published", "dismissed"])
    def test_assignee_priority_and_tags_still_change(self, status, editor, reviewer, other_editor):
        claim = claim_in(status, editor=editor, reviewer=reviewer)
        before = state(claim)
        claim = claims.edit_claim(
            claim,
            {"assignee": other_editor, "priority": "high", "tags": ["Air defence"]},
            by=editor,
            expected_version=claim.version,
        )
        claim.refresh_from_db()
        assert claim.assignee == other_editor
        assert claim.priority == "high"
        assert [t.name for t in claim.tags.all()] == ["Air defence"]
        assert claim.version == before["version"] + 1
        assert claim.status == status
        assert claim.public_snapshot == before["public_snapshot"]

    @pytest.mark.django_db
    @pytest.mark.parametrize("status", ["new", "researching"])
    def test_verdict_fields_change_while_open(self, status, editor, reviewer):
        claim = claim_in(status, editor=editor, reviewer=reviewer)
        claim = claims.edit_claim(
            claim,
            {"text": "Reworded.", "rating": Rating.objects.get(slug="false"), "verdict_explanation": "Details."},
            by=editor,
            expected_version=claim.version,
        )
        claim.refresh_from_db()
        assert (claim.text, claim.rating.slug, claim.verdict_explanation) == ("Reworded.", "false", "Details.")

    @pytest.mark.django_db
    def test_moving_back_unfreezes(self, editor, reviewer):
        claim = claim_in("in_review", editor=editor, reviewer=reviewer)
        claim = move(claim, "researching", reviewer, note="Reword it.")
        claim = claims.edit_claim(claim, {"text": "Reworded."}, by=editor, expected_version=claim.version)
        assert Claim.objects.get(pk=claim.pk).text == "Reworded."


def publish(claim: Claim, *, editor, reviewer, note: str = "") -> Claim:
    claim = move(claim, "in_review", editor)
    return move(claim, "published", reviewer, note=note)


class SnapshotTests:
    @pytest.mark.django_db
    def test_publish_copies_the_verdict(self, editor, reviewer):
        claim = claim_in("published", editor=editor, reviewer=reviewer)
        claim.refresh_from_db()
        snap = claim.public_snapshot
        assert snap["text"] == claim.text
        assert snap["rating"]["slug"] == "true"
        assert snap["rating"]["value"] == 5
        assert (snap["rating"]["worst"], snap["rating"]["best"]) == (1, 5)
        assert snap["verdict_summary"] == "Confirmed by the agency's release."
        assert snap["claimant"]["name"] == claim.claimant.name
        evidence = claim.evidence.get()
        assert [e["source"]["url"] for e in snap["evidence"]] == [evidence.source.url]
        assert snap["appearances"][0]["quote"] == "NATO announced Wednesday"
        assert snap["version"] == claim.version
        assert claim.published_at is not None
        assert claim.last_published_at == claim.published_at
        assert list(Claim.objects.public()) == [claim]

    @pytest.mark.django_db
    def test_reopened_claim_keeps_the_old_snapshot_and_edits_do_not_leak(self, editor, reviewer):
        claim = claim_in("published", editor=editor, reviewer=reviewer)
        published = Claim.objects.get(pk=claim.pk).public_snapshot
        claim = move(claim, "researching", editor, note="A reader pointed out a newer figure.")
        claim = claims.edit_claim(
            claim,
            {"text": "Draft rewording.", "rating": Rating.objects.get(slug="false"), "verdict_summary": "Draft."},
            by=editor,
            expected_version=claim.version,
        )
        add_evidence(claim, by=editor, source=SourceFactory())
        claim.refresh_from_db()
        assert claim.public_snapshot == published
        assert claim.public_snapshot["text"] != "Draft rewording."
        assert list(Claim.objects.public()) == [claim]

    @pytest.mark.django_db
    def test_republish_replaces_the_snapshot(self, editor, reviewer):
        claim = claim_in("published", editor=editor, reviewer=reviewer)
        first = Claim.objects.get(pk=claim.pk)
        claim = move(claim, "researching", editor, note="Newer figure.")
        claim = claims.edit_claim(claim, {"text": "Reworded."}, by=editor, expected_version=claim.version)
        claim = publish(claim, editor=editor, reviewer=reviewer)
        claim.refresh_from_db()
        assert claim.public_snapshot["text"] == "Reworded."
        assert claim.public_snapshot["version"] == claim.version
        assert claim.published_at == first.published_at
        assert claim.last_published_at > first.last_published_at
        assert claim.public_snapshot["published_at"] == first.public_snapshot["published_at"]


class CorrectionTests:
    @pytest.mark.django_db
    def test_republish_with_another_rating_records_a_correction(self, editor, reviewer):
        claim = claim_in("published", editor=editor, reviewer=reviewer)
        claim = move(claim, "researching", editor, note="Newer figure.")
        claim = claims.edit_claim(
            claim, {"rating": Rating.objects.get(slug="false")}, by=editor, expected_version=claim.version
        )
        claim = publish(claim, editor=editor, reviewer=reviewer)
        correction = Correction.objects.get(claim=claim)
        assert correction.previous_rating.slug == "true"
        assert correction.new_rating.slug == "false"
        assert correction.note == "The rating changed from “True” to “False”."
        assert correction.event == VerificationEvent.objects.filter(claim=claim).latest("id")
        review = claimreview.build(Claim.objects.get(pk=claim.pk))
        assert review["correction"][0]["text"] == correction.note
        assert review["reviewRating"]["alternateName"] == "False"

    @pytest.mark.django_db
    def test_republish_with_a_note_records_that_note(self, editor, reviewer):
        claim = claim_in("published", editor=editor, reviewer=reviewer)
        claim = move(claim, "researching", editor, note="Typo in the summary.")
        claim = publish(claim, editor=editor, reviewer=reviewer, note="  We corrected the date of the statement. ")
        correction = Correction.objects.get(claim=claim)
        assert correction.note == "We corrected the date of the statement."
        assert correction.previous_rating.slug == correction.new_rating.slug == "true"

    @pytest.mark.django_db
    def test_republish_unchanged_without_note_records_none(self, editor, reviewer):
        claim = claim_in("published", editor=editor, reviewer=reviewer)
        claim = move(claim, "researching", editor, note="Checking again.")
        claim = publish(claim, editor=editor, reviewer=reviewer)
        assert claim.status == "published"
        assert not Correction.objects.filter(claim=claim).exists()

    @pytest.mark.django_db
    def test_renamed_rating_is_no_correction(self, editor, reviewer):
        claim = claim_in("published", editor=editor, reviewer=reviewer)
        Rating.objects.filter(slug="true").update(slug="accurate", label="Accurate")
        claim = move(claim, "researching", editor, note="Checking again.")
        claim = publish(claim, editor=editor, reviewer=reviewer)
        assert not Correction.objects.filter(claim=claim).exists()
        assert Claim.objects.get(pk=claim.pk).public_snapshot["rating"]["label"] == "Accurate"

    @pytest.mark.django_db
    def test_first_publication_with_a_note_is_no_correction(self, editor, reviewer):
        claim = claim_in("researching", editor=editor, reviewer=reviewer)
        publish(claim, editor=editor, reviewer=reviewer, note="Straightforward.")
        assert not Correction.objects.exists()


class TrashTests:
    @pytest.mark.django_db
    @pytest.mark.parametrize("role", ["editor", "reviewer", "admin"])
    def test_trash_hides_and_restore_brings_back_in_the_same_status(self, role, editor, reviewer):
        claim = claim_in("researching", editor=editor, reviewer=reviewer)
        actor = make_user(role)
        events = VerificationEvent.objects.filter(claim=claim).count()
        history = claim.history.count()

        trashed = workflow.trash(claim, by=actor, expected_version=claim.version)
        assert not Claim.objects.filter(pk=claim.pk).exists()
        assert Claim.all_objects.trashed().get(pk=claim.pk) == trashed
        assert TrashedClaim.all_objects.filter(pk=claim.pk).exists()
        assert trashed.deleted_by == actor
        assert trashed.version == claim.version + 1
        assert VerificationEvent.objects.filter(claim=claim).count() == events
        assert claim.history.count() == history + 1
        assert claim.evidence.count() == 1

        restored = workflow.restore(trashed, by=actor, expected_version=trashed.version)
        row = Claim.objects.get(pk=claim.pk)
        assert row.status == "researching"
        assert row.deleted_at is None and row.deleted_by is None
        assert row.version == restored.version == claim.version + 2
        assert claim.history.count() == history + 2

    @pytest.mark.django_db
    @pytest.mark.parametrize("role", ["reporter", None], ids=["reporter", "no-group"])
    def test_roles_without_delete_cannot_trash_or_restore(self, role, editor, reviewer):
        claim = claim_in("new", editor=editor, reviewer=reviewer)
        actor = make_user(role)
        before = state(claim)
        with pytest.raises(EditForbidden):
            workflow.trash(claim, by=actor)
        assert state(claim) == before

        workflow.trash(claim, by=editor)
        before = state(claim)
        with pytest.raises(EditForbidden):
            workflow.restore(claim, by=actor)
        assert state(claim) == before

    @pytest.mark.django_db
    def test_role_is_checked_before_the_version(self, reporter, editor):
        claim = make_claim(by=editor)
        with pytest.raises(EditForbidden):
            workflow.trash(claim, by=reporter, expected_version=99)

    @pytest.mark.django_db
    def test_anonymous_cannot_trash(self, editor):
        claim = make_claim(by=editor)
        with pytest.raises(EditForbidden):
            workflow.trash(claim, by=AnonymousUser())
        assert Claim.objects.filter(pk=claim.pk).exists()

    @pytest.mark.django_db
    def test_trashed_claim_cannot_transition_or_be_edited(self, editor, reviewer):
        claim = claim_in("researching", editor=editor, reviewer=reviewer)
        claim = workflow.trash(claim, by=editor)
        before = state(claim)
        with pytest.raises(TransitionNotAllowed) as caught:
            move(claim, "dismissed", editor)
        assert "trash" in str(caught.value)
        with pytest.raises(EditForbidden):
            claims.edit_claim(claim, {"priority": "high"}, by=editor, expected_version=claim.version)
        with pytest.raises(EditForbidden):
            add_evidence(claim, by=editor)
        with pytest.raises(EditForbidden):
            claims.remove_evidence(claim.evidence.get(), by=editor)
        assert state(claim) == before

    @pytest.mark.django_db
    def test_trash_twice_and_restore_alive_are_refused(self, editor):
        claim = make_claim(by=editor)
        with pytest.raises(TransitionNotAllowed):
            workflow.restore(claim, by=editor)
        claim = workflow.trash(claim, by=editor)
        before = state(claim)
        with pytest.raises(TransitionNotAllowed):
            workflow.trash(claim, by=editor)
        assert state(claim) == before

    @pytest.mark.django_db
    def test_trashed_published_claim_leaves_the_public(self, editor, reviewer):
        claim = claim_in("published", editor=editor, reviewer=reviewer)
        workflow.trash(claim, by=editor)
        assert not Claim.objects.public().exists()
        workflow.restore(claim, by=editor)
        assert Claim.objects.public().get().status == "published"


class StaleVersionTests:
    @pytest.mark.django_db
    def test_stale_transition_writes_nothing(self, editor):
        claim = make_claim(by=editor)
        claims.edit_claim(claim, {"priority": "high"}, by=editor, expected_version=1)
        before = state(claim)
        with pytest.raises(StaleVersion) as caught:
            workflow.transition(claim, to="researching", by=editor, expected_version=1)
        assert caught.value.current.version == 2
        assert caught.value.current.priority == "high"
        assert "version 2" in str(caught.value)
        assert state(claim) == before

    @pytest.mark.django_db
    def test_matching_version_is_accepted(self, editor):
        claim = make_claim(by=editor)
        claim = workflow.transition(claim, to="researching", by=editor, expected_version=1)
        assert claim.version == 2

    @pytest.mark.django_db
    def test_stale_edit_writes_nothing(self, editor, other_editor):
        claim = make_claim(by=editor)
        claims.edit_claim(claim, {"text": "First edit."}, by=other_editor, expected_version=1)
        before = state(claim)
        with pytest.raises(StaleVersion) as caught:
            claims.edit_claim(claim, {"text": "Second edit."}, by=editor, expected_version=1)
        assert caught.value.current.text == "First edit."
        assert state(claim) == before

    @pytest.mark.django_db
    def test_stale_trash_writes_nothing(self, editor):
        claim = make_claim(by=editor)
        move(claim, "researching", editor)
        before = state(claim)
        with pytest.raises(StaleVersion):
            workflow.trash(claim, by=editor, expected_version=1)
        assert state(claim) == before


class AppendOnlyTests:
    @pytest.mark.django_db
    def test_events_cannot_be_changed_or_deleted(self, editor):
        claim = move(make_claim(by=editor), "researching", editor)
        event = VerificationEvent.objects.get(claim=claim)
        event.note = "Rewritten later."
        with pytest.raises(ValidationError):
            event.save()
        with pytest.raises(ValidationError):
            event.delete()
        with pytest.raises(ValidationError):
            VerificationEvent.objects.filter(claim=claim).update(note="Rewritten later.")
        with pytest.raises(ValidationError):
            VerificationEvent.objects.filter(claim=claim).delete()
        assert VerificationEvent.objects.get(claim=claim).note == NOTE

    @pytest.mark.django_db
    def test_corrections_cannot_be_changed_or_deleted(self, editor, reviewer):
        claim = claim_in("published", editor=editor, reviewer=reviewer)
        claim = move(claim, "researching", editor, note="Date fix.")
        publish(claim, editor=editor, reviewer=reviewer, note="We fixed the date.")
        correction = Correction.objects.get(claim=claim)
        correction.note = "Nothing happened."
        with pytest.raises(ValidationError):
            correction.save()
        with pytest.raises(ValidationError):
            correction.delete()
        with pytest.raises(ValidationError):
            Correction.objects.update(note="Nothing happened.")
        with pytest.raises(ValidationError):
            Correction.objects.all().delete()
        assert Correction.objects.get().note == "We fixed the date."

    @pytest.mark.django_db
    def test_deleting_a_user_keeps_their_events(self, editor):
        claim = move(make_claim(by=editor), "researching", editor)
        editor.delete()
        event = VerificationEvent.objects.get(claim=claim)
        assert event.actor is None
        assert event.to_status == "researching"

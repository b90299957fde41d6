"""Two people on one claim: a stale form shows what changed, keeps the input and overwrites nothing."""

import pytest
from django.urls import reverse

from tracker import claims
from tracker.models import Rating

from .test_actions import edit_data


@pytest.mark.django_db
class StaleFormTests:
    def test_a_stale_save_shows_the_other_change_and_keeps_my_input(self, client_for, editor, other_editor, new_claim):
        opened = edit_data(new_claim)
        claims.edit_claim(
            new_claim,
            {"verdict_summary": "Their summary.", "rating": Rating.objects.get(slug="false")},
            by=other_editor,
            expected_version=new_claim.version,
        )
        mine = {**opened, "verdict_summary": "My summary.", "verdict_explanation": "My long explanation."}
        response = client_for(editor).post(reverse("claim-edit", args=[new_claim.pk]), mine)
        assert response.status_code == 412
        body = response.content.decode()
        assert "Someone else changed this claim" in body
        rows = {row["field"]: row for row in response.context["conflict"]}
        assert rows["Verdict summary"]["then"] == "—"
        assert rows["Verdict summary"]["now"] == "Their summary."
        assert rows["Verdict summary"]["yours"] == "My summary."
        assert rows["Verdict summary"]["clash"] is True
        assert rows["Rating"]["now"] == "False"
        assert rows["Rating"]["yours"] is None  # I did not touch it
        assert "Claim" not in rows and "Verdict explanation" not in rows  # only the other editor's changes
        # My edits stay in the form; the field I left alone now shows their value.
        form = response.context["edit_form"]
        assert "My long explanation." in body
        assert form["verdict_summary"].value() == "My summary."
        assert form["rating"].value() == "false"
        assert form["version"].value() == str(new_claim.version + 1)
        new_claim.refresh_from_db()
        assert new_claim.verdict_summary == "Their summary."
        assert new_claim.verdict_explanation == ""

    def test_saving_again_after_seeing_the_conflict_applies_my_input(
        self, client_for, editor, other_editor, new_claim
    ):
        opened = edit_data(new_claim)
        claims.edit_claim(new_claim, {"priority": "high"}, by=other_editor, expected_version=new_claim.version)
        client = client_for(editor)
        mine = {**opened, "verdict_summary": "My summary."}
        first = client.post(reverse("claim-edit", args=[new_claim.pk]), mine)
        assert first.status_code == 412
        again = {**mine, "version": first.context["edit_form"]["version"].value(), "priority": "high"}
        assert client.post(reverse("claim-edit", args=[new_claim.pk]), again).status_code == 302
        new_claim.refresh_from_db()
        assert (new_claim.verdict_summary, new_claim.priority) == ("My summary.", "high")

    def test_a_stale_assignee_change_is_refused(self, client_for, editor, other_editor, new_claim):
        seen = new_claim.version
        claims.edit_claim(new_claim, {"assignee": other_editor}, by=other_editor, expected_version=seen)
        response = client_for(editor).post(
            reverse("claim-assign", args=[new_claim.pk]), {"version": seen, "assignee": editor.pk}
        )
        assert response.status_code == 412
        assert any(row["field"] == "Assignee" for row in response.context["conflict"])
        new_claim.refresh_from_db()
        assert new_claim.assignee == other_editor

    def test_tags_changed_meanwhile_are_kept(self, client_for, editor, other_editor, new_claim):
        opened = edit_data(new_claim)
        claims.edit_claim(
            new_claim, {"tags": ["Patriot", "NATO"]}, by=other_editor, expected_version=new_claim.version
        )
        response = client_for(editor).post(
            reverse("claim-edit", args=[new_claim.pk]), {**opened, "verdict_summary": "Mine."}
        )
        assert response.status_code == 412
        rows = {row["field"]: row for row in response.context["conflict"]}
        assert rows["Tags"]["now"] == "nato, patriot" and rows["Tags"]["yours"] is None
        assert response.context["edit_form"]["tags"].value() in ("Patriot, NATO", "NATO, Patriot")


@pytest.mark.django_db
class ClaimPartsTests:
    def test_an_edit_opened_before_evidence_was_added_saves_without_a_conflict(
        self, client_for, editor, other_editor, new_claim
    ):
        from tests.factories import add_evidence

        opened = edit_data(new_claim)
        add_evidence(new_claim, by=other_editor)
        response = client_for(editor).post(
            reverse("claim-edit", args=[new_claim.pk]), {**opened, "verdict_summary": "Mine."}
        )
        assert response.status_code == 302
        new_claim.refresh_from_db()
        assert new_claim.verdict_summary == "Mine."

"""Every action on a claim, by each role: allowed ones change the database, refused ones answer 403."""

import pytest
from django.urls import reverse

from tests.factories import ArticleFactory, ClaimantFactory, SourceFactory, add_evidence, make_claim, ready_for_review
from tracker import workflow
from tracker.models import Appearance, Claim, Claimant, Evidence, Source, VerificationEvent


def edit_data(claim, **changes):
    data = {
        "version": claim.version,
        "text": claim.text,
        "claimant": claim.claimant_id or "",
        "claim_date": "",
        "rating": claim.rating.slug if claim.rating_id else "",
        "verdict_summary": claim.verdict_summary,
        "verdict_explanation": claim.verdict_explanation,
        "tags": ", ".join(t.name for t in claim.tags.all()),
        "priority": claim.priority,
        "assignee": claim.assignee_id or "",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
class LogClaimTests:
    def url(self, article):
        return reverse("article-log-claim", args=[article.pk])

    def test_a_reporter_logs_a_claim_from_a_selection(self, client_for, article):
        client = client_for("reporter")
        start = article.body.index("NATO announced")
        response = client.post(
            self.url(article),
            {
                "quote": "NATO announced Wednesday",
                "start": start,
                "text": "NATO will help buy Patriot missiles.",
                "claimant": "NATO press office",
                "tags": "nato, patriot, NATO",
                "priority": "high",
                "attribution": "",
            },
        )
        assert response.status_code == 302
        claim = Claim.objects.get(text="NATO will help buy Patriot missiles.")
        appearance = claim.appearances.get()
        assert (appearance.start, appearance.end) == (start, start + len("NATO announced Wednesday"))
        assert claim.claimant.name == "NATO press office"
        assert sorted(t.name for t in claim.tags.all()) == ["nato", "patriot"]
        assert claim.created_by == client.user
        page = client.get(response["Location"]).content.decode()
        assert f'href="/claims/{claim.pk}/"' in page

    def test_an_existing_claimant_is_reused_by_name(self, client_for, article):
        known = ClaimantFactory(name="Marco Rubio")
        client_for("reporter").post(
            self.url(article),
            {"quote": "Marco Rubio said", "text": "Claim.", "claimant": "marco rubio", "priority": "normal"},
        )
        assert Claim.objects.get().claimant == known
        assert Claimant.objects.filter(name__iexact="marco rubio").count() == 1

    def test_a_quote_not_in_the_article_is_refused_with_the_input_kept(self, client_for, article):
        response = client_for("reporter").post(
            self.url(article),
            {"quote": "words nobody wrote", "text": "My claim text.", "priority": "high", "tags": "a, b"},
            follow=True,
        )
        # Back at the article's own address (a reload does not post again), the form as the user left it.
        assert response.redirect_chain == [(f"/articles/{article.pk}/#log-claim", 303)]
        body = response.content.decode()
        assert "My claim text." in body and 'value="a, b"' in body and '<option value="high" selected>' in body
        assert "does not occur" in body or "not found" in body.lower()
        assert Claim.all_objects.count() == 0
        # The refusal is shown once: the next visit is a clean reader.
        assert (
            "My claim text."
            not in client_for(response.wsgi_request.user).get(article.get_absolute_url()).content.decode()
        )

    def test_an_ambiguous_quote_offers_its_places_with_context(self, client_for):
        body = "Kyiv said the strikes hit Kyiv at night. Officials in Kyiv said 12 missiles were shot down."
        article = ArticleFactory(body=body)
        client = client_for("reporter")
        data = {"quote": "Kyiv", "text": "Kyiv was hit.", "priority": "normal"}
        response = client.post(self.url(article), data, follow=True)
        page = response.content.decode()
        assert "“Kyiv” occurs 3 times in the article: choose which one below." in page
        starts = [0, body.index("Kyiv", 1), body.index("Kyiv", 30)]
        for start in starts:
            assert f'<input type="radio" name="start" value="{start}"' in page
        assert "strikes hit <mark" in page  # each place with its words around it
        assert 'aria-current="page">Articles' in page and 'aria-current="page">Claims' not in page
        # Choosing the second one logs the claim there.
        response = client.post(self.url(article), {**data, "start": starts[1]})
        assert response.status_code == 302
        assert Claim.objects.get().appearances.get().start == starts[1]

    def test_a_refused_claim_creates_no_claimant(self, client_for, article):
        response = client_for("reporter").post(
            self.url(article),
            {"quote": "absent words", "text": "Claim.", "claimant": "Nobody Yet", "priority": "normal"},
        )
        assert response.status_code == 303
        assert not Claimant.objects.filter(name="Nobody Yet").exists()

    def test_a_wrong_start_is_refused(self, client_for, article):
        response = client_for("reporter").post(
            self.url(article), {"quote": "NATO announced", "start": 3, "text": "Claim.", "priority": "normal"}
        )
        assert response.status_code == 303
        assert Claim.all_objects.count() == 0

    def test_nul_bytes_and_huge_numbers_are_refused_cleanly(self, client_for, article):
        client = client_for("reporter")
        response = client.post(
            self.url(article), {"quote": "NATO", "text": "a\x00b", "priority": "normal"}, follow=True
        )
        assert response.status_code == 200 and "Null characters are not allowed" in response.content.decode()
        response = client.post(
            self.url(article), {"quote": "NATO", "start": 10**30, "text": "ok", "priority": "normal"}, follow=True
        )
        assert "Ensure this value is less than or equal to" in response.content.decode()
        assert Claim.all_objects.count() == 0

    def test_anonymous_and_outsiders_cannot_log(self, client, article):
        data = {"quote": "NATO announced", "text": "Claim.", "priority": "normal"}
        assert client.post(self.url(article), data).status_code == 403
        assert Claim.all_objects.count() == 0


@pytest.mark.django_db
class EditClaimTests:
    @pytest.mark.parametrize("role", ["editor", "reviewer", "admin"])
    def test_editors_reviewers_and_admins_save_the_verdict(self, client_for, role, new_claim):
        client = client_for(role)
        response = client.post(
            reverse("claim-edit", args=[new_claim.pk]),
            edit_data(new_claim, rating="false", verdict_summary="No such deal.", tags="nato, deals"),
        )
        assert response.status_code == 302
        new_claim.refresh_from_db()
        assert new_claim.rating.slug == "false"
        assert new_claim.verdict_summary == "No such deal."
        assert new_claim.version == 2
        history = client.get(new_claim.get_absolute_url()).content.decode()
        assert "verdict summary" in history and "No such deal." in history

    def test_a_reporter_edits_their_own_new_claim(self, client_for, reporter, article):
        claim = make_claim(by=reporter, article=article)
        response = client_for(reporter).post(
            reverse("claim-edit", args=[claim.pk]), edit_data(claim, text="Reworded by its author.")
        )
        assert response.status_code == 302
        claim.refresh_from_db()
        assert claim.text == "Reworded by its author."

    def test_a_reporter_cannot_edit_someone_elses_claim(self, client_for, new_claim):
        response = client_for("reporter").post(
            reverse("claim-edit", args=[new_claim.pk]), edit_data(new_claim, text="Hijacked.")
        )
        assert response.status_code == 403
        new_claim.refresh_from_db()
        assert new_claim.text != "Hijacked."

    def test_anonymous_post_is_refused(self, client, new_claim):
        response = client.post(reverse("claim-edit", args=[new_claim.pk]), edit_data(new_claim, text="Hijacked."))
        assert response.status_code == 403

    def test_frozen_fields_keep_their_value_in_review(self, client_for, editor, new_claim):
        workflow.transition(new_claim, to="researching", by=editor)
        ready_for_review(new_claim, by=editor)
        claim = workflow.transition(new_claim, to="in_review", by=editor)
        response = client_for(editor).post(
            reverse("claim-edit", args=[claim.pk]), edit_data(claim, text="Changed in review.", priority="high")
        )
        assert response.status_code == 302
        claim.refresh_from_db()
        assert claim.text != "Changed in review."
        assert claim.priority == "high"

    def test_a_bad_rating_is_a_form_error(self, client_for, new_claim):
        response = client_for("editor").post(
            reverse("claim-edit", args=[new_claim.pk]), edit_data(new_claim, rating="no-such-rating")
        )
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()

    def test_assignee_form(self, client_for, editor, new_claim):
        response = client_for(editor).post(
            reverse("claim-assign", args=[new_claim.pk]), {"version": new_claim.version, "assignee": editor.pk}
        )
        assert response.status_code == 302
        new_claim.refresh_from_db()
        assert new_claim.assignee == editor


@pytest.mark.django_db
class TransitionTests:
    def post(self, client, claim, to, note=""):
        return client.post(
            reverse("claim-transition", args=[claim.pk]), {"to": to, "note": note, "version": claim.version}
        )

    @pytest.mark.parametrize("role", ["editor", "reviewer", "admin"])
    def test_editors_reviewers_and_admins_start_research(self, client_for, role, new_claim):
        response = self.post(client_for(role), new_claim, "researching")
        assert response.status_code == 302
        new_claim.refresh_from_db()
        assert new_claim.status == "researching"

    def test_a_reporter_is_refused(self, client_for, new_claim):
        response = self.post(client_for("reporter"), new_claim, "researching")
        assert response.status_code == 403
        new_claim.refresh_from_db()
        assert new_claim.status == "new"

    def test_anonymous_is_refused(self, client, new_claim):
        assert self.post(client, new_claim, "researching").status_code == 403

    def test_a_missing_note_is_shown_on_the_page(self, client_for, new_claim):
        response = self.post(client_for("editor"), new_claim, "dismissed")
        assert response.status_code == 400
        assert "A note is required" in response.content.decode()
        new_claim.refresh_from_db()
        assert new_claim.status == "new"

    def test_unmet_preconditions_are_a_409_with_the_reason(self, client_for, editor, new_claim):
        workflow.transition(new_claim, to="researching", by=editor)
        new_claim.refresh_from_db()
        response = self.post(client_for(editor), new_claim, "in_review")
        assert response.status_code == 409
        assert "Before review the claim needs a rating" in response.content.decode()

    def test_an_illegal_move_is_a_409(self, client_for, new_claim):
        response = self.post(client_for("editor"), new_claim, "published")
        assert response.status_code == 409
        assert "cannot go from new to published" in response.content.decode()

    def test_only_a_second_reviewer_publishes(self, client_for, reviewer, other_reviewer, editor, new_claim):
        workflow.transition(new_claim, to="researching", by=reviewer)
        ready_for_review(new_claim, by=reviewer)
        claim = workflow.transition(new_claim, to="in_review", by=reviewer)
        refused = self.post(client_for(reviewer), claim, "published")
        assert refused.status_code == 403
        assert "a second person must publish it" in refused.content.decode()
        assert self.post(client_for(editor), claim, "published").status_code == 403
        assert self.post(client_for(other_reviewer), claim, "published").status_code == 302
        claim.refresh_from_db()
        assert claim.status == "published" and claim.public_snapshot is not None

    def test_a_stale_transition_keeps_the_note(self, client_for, editor, new_claim):
        stale_version = new_claim.version
        workflow.transition(new_claim, to="researching", by=editor)
        response = client_for(editor).post(
            reverse("claim-transition", args=[new_claim.pk]),
            {"to": "dismissed", "note": "Opinion, not a fact.", "version": stale_version},
        )
        assert response.status_code == 412
        body = response.content.decode()
        assert "changed by someone else" in body and "Opinion, not a fact." in body
        new_claim.refresh_from_db()
        assert new_claim.status == "researching"
        assert VerificationEvent.objects.filter(claim=new_claim).count() == 1

    def test_garbage_input_is_a_400(self, client_for, new_claim):
        response = client_for("editor").post(
            reverse("claim-transition", args=[new_claim.pk]), {"to": "flying", "version": "x"}
        )
        assert response.status_code == 400

    def test_get_is_refused(self, client_for, new_claim):
        assert client_for("editor").get(reverse("claim-transition", args=[new_claim.pk])).status_code == 403


@pytest.mark.django_db
class EvidenceTests:
    def url(self, claim):
        return reverse("claim-evidence-add", args=[claim.pk])

    def data(self, claim, **extra):
        return {
            "version": claim.version,
            "source_url": "https://Ministry.example/statement#top",
            "source_title": "Statement",
            "source_publisher": "Ministry",
            "source_kind": "official_statement",
            "stance": "refutes",
            "excerpt": "We bought no missiles.",
            **extra,
        }

    def test_a_reporter_adds_evidence_with_a_new_source(self, client_for, new_claim):
        response = client_for("reporter").post(self.url(new_claim), self.data(new_claim))
        assert response.status_code == 302
        evidence = Evidence.objects.get(claim=new_claim)
        assert evidence.stance == "refutes"
        assert evidence.source.url == "https://ministry.example/statement"

    def test_a_known_url_reuses_its_source(self, client_for, new_claim):
        source = SourceFactory(url="https://ministry.example/statement")
        client_for("editor").post(self.url(new_claim), self.data(new_claim, source_title=""))
        assert Evidence.objects.get(claim=new_claim).source == source
        assert Source.objects.count() == 1

    def test_the_same_source_twice_is_refused(self, client_for, new_claim):
        client = client_for("editor")
        client.post(self.url(new_claim), self.data(new_claim))
        response = client.post(self.url(new_claim), self.data(new_claim))
        assert response.status_code == 409
        assert "already linked" in response.content.decode()
        assert Evidence.objects.filter(claim=new_claim).count() == 1

    def test_htmx_gets_the_evidence_section_back(self, client_for, new_claim):
        response = client_for("editor").post(self.url(new_claim), self.data(new_claim), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        body = response.content.decode()
        assert body.lstrip().startswith('<section class="card" id="evidence">')
        assert "We bought no missiles." in body
        assert '<section class="card" id="workflow" hx-swap-oob="true">' in body

    def test_a_new_source_needs_a_title_and_a_real_url(self, client_for, new_claim):
        client = client_for("editor")
        assert client.post(self.url(new_claim), self.data(new_claim, source_title="")).status_code == 400
        assert (
            client.post(self.url(new_claim), self.data(new_claim, source_url="javascript:alert(1)")).status_code == 400
        )
        assert Source.objects.count() == 0

    def test_anonymous_is_refused(self, client, new_claim):
        assert client.post(self.url(new_claim), self.data(new_claim)).status_code == 403
        assert Evidence.objects.count() == 0

    def test_removing_needs_edit_rights(self, client_for, editor, new_claim):
        evidence = add_evidence(new_claim, by=editor)
        url = reverse("claim-evidence-remove", args=[new_claim.pk, evidence.pk])
        assert client_for("reporter").post(url).status_code == 403
        assert client_for(editor).post(url).status_code == 302
        assert not Evidence.objects.filter(pk=evidence.pk).exists()

    def test_evidence_of_a_frozen_claim_is_refused(self, client_for, published_claim):
        response = client_for("editor").post(self.url(published_claim), self.data(published_claim))
        assert response.status_code == 409
        assert "can change only while it is new or researching" in response.content.decode()
        assert not Source.objects.filter(url="https://ministry.example/statement").exists()


@pytest.mark.django_db
class AppearanceTests:
    def test_a_reporter_adds_an_appearance_in_another_article(self, client_for, new_claim):
        from tests.factories import ArticleFactory

        other = ArticleFactory()
        response = client_for("reporter").post(
            reverse("claim-appearance-add", args=[new_claim.pk]),
            {"article": other.pk, "quote": "NATO announced Wednesday", "attribution": "the alliance said"},
        )
        assert response.status_code == 302
        assert new_claim.appearances.filter(article=other).exists()

    def test_a_missing_article_or_quote_is_a_form_error(self, client_for, new_claim):
        client = client_for("reporter")
        url = reverse("claim-appearance-add", args=[new_claim.pk])
        assert client.post(url, {"article": 999999, "quote": "NATO"}).status_code == 400
        response = client.post(
            url, {"article": new_claim.appearances.get().article_id, "quote": "NATO announced Wednesday"}
        )
        assert response.status_code == 400
        assert "already recorded" in response.content.decode()
        assert Appearance.objects.count() == 1

    def test_anonymous_is_refused(self, client, new_claim):
        response = client.post(reverse("claim-appearance-add", args=[new_claim.pk]), {"article": 1, "quote": "x"})
        assert response.status_code == 403


@pytest.mark.django_db
class TrashTests:
    def test_an_editor_trashes_and_restores(self, client_for, new_claim):
        client = client_for("editor")
        response = client.post(reverse("claim-trash", args=[new_claim.pk]), {"version": new_claim.version})
        assert response.status_code == 302
        assert not Claim.objects.filter(pk=new_claim.pk).exists()
        assert client.post(reverse("claim-restore", args=[new_claim.pk])).status_code == 302
        assert Claim.objects.filter(pk=new_claim.pk).exists()

    def test_a_reporter_cannot_trash(self, client_for, new_claim):
        response = client_for("reporter").post(
            reverse("claim-trash", args=[new_claim.pk]), {"version": new_claim.version}
        )
        assert response.status_code == 403
        assert Claim.objects.filter(pk=new_claim.pk).exists()

    def test_a_stale_trash_is_refused(self, client_for, editor, new_claim):
        old = new_claim.version
        workflow.transition(new_claim, to="researching", by=editor)
        response = client_for(editor).post(reverse("claim-trash", args=[new_claim.pk]), {"version": old})
        assert response.status_code == 412
        assert Claim.objects.filter(pk=new_claim.pk).exists()

    @pytest.mark.parametrize("role", ["reviewer", "admin"])
    def test_reviewers_and_admins_may_trash(self, client_for, role, new_claim):
        response = client_for(role).post(reverse("claim-trash", args=[new_claim.pk]), {"version": new_claim.version})
        assert response.status_code == 302
        assert Claim.all_objects.get(pk=new_claim.pk).in_trash

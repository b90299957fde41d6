"""claims/: logging anchored claims, editing with ETags, transitions, trash and history."""

import pytest

from tests.api.conftest import publish
from tests.factories import (
    ArticleFactory,
    ClaimantFactory,
    SourceFactory,
    add_evidence,
    make_claim,
    make_user,
    ready_for_review,
)
from tracker import claims, workflow
from tracker.models import Appearance, Claim, Evidence, Rating, Source, Tag

URL = "/api/v1/claims/"


def detail(claim) -> str:
    return f"{URL}{claim.pk}/"


@pytest.mark.django_db
class ClaimCreateTests:
    def test_logs_a_claim_anchored_at_its_only_occurrence(self, editor_client, editor, article):
        claimant = ClaimantFactory()
        response = editor_client.post(
            URL,
            {
                "text": "NATO will help buy 1,000 Patriot missiles.",
                "appearances": [{"article": article.pk, "quote": "NATO announced Wednesday", "attribution": "AP"}],
                "claimant": claimant.pk,
                "claim_date": "2025-07-09",
                "tags": ["Patriot", "NATO"],
                "priority": "high",
                "assignee": editor.username,
            },
            format="json",
        )
        assert response.status_code == 201, response.data
        body = response.json()
        claim = Claim.objects.get(pk=body["id"])
        assert response["ETag"] == f'"{claim.pk}-1"'
        assert response["Location"].endswith(f"/api/v1/claims/{claim.pk}/")
        assert body["status"] == "new"
        assert body["claimant"] == claimant.pk
        assert body["assignee"] == editor.username
        assert body["created_by"] == editor.username
        assert sorted(body["tags"]) == ["NATO", "Patriot"]
        assert body["priority"] == "high"
        assert body["version"] == 1
        start = article.body.index("NATO announced Wednesday")
        appearance = body["appearances"][0]
        assert appearance["article"] == article.pk
        assert (appearance["start"], appearance["end"]) == (start, start + len("NATO announced Wednesday"))
        assert appearance["attribution"] == "AP"
        assert appearance["anchor_state"] == "anchored"

    def test_start_picks_one_of_several_occurrences(self, editor_client, article):
        second = article.body.index("Patriot missiles")
        response = editor_client.post(
            URL,
            {"text": "Patriots", "appearances": [{"article": article.pk, "quote": "Patriot", "start": second}]},
            format="json",
        )
        assert response.status_code == 201, response.data
        assert response.json()["appearances"][0]["start"] == second

    def test_ambiguous_quote_without_start_is_400_asking_for_start(self, editor_client, article):
        response = editor_client.post(
            URL, {"text": "Patriots", "appearances": [{"article": article.pk, "quote": "Patriot"}]}, format="json"
        )
        assert response.status_code == 400
        message = response.json()["appearances"]["0"]["quote"][0]
        assert "give start" in message
        assert not Claim.objects.exists()

    def test_absent_quote_is_400_on_that_appearance(self, editor_client, article):
        other = ArticleFactory()
        response = editor_client.post(
            URL,
            {
                "text": "x",
                "appearances": [
                    {"article": article.pk, "quote": "NATO announced Wednesday"},
                    {"article": other.pk, "quote": "not in the text at all"},
                ],
            },
            format="json",
        )
        assert response.status_code == 400
        errors = response.json()["appearances"]
        assert list(errors) == ["1"]
        assert "does not occur" in errors["1"]["quote"][0]
        assert not Claim.objects.exists()
        assert not Appearance.objects.exists()

    def test_start_that_does_not_match_is_400_on_start(self, editor_client, article):
        response = editor_client.post(
            URL,
            {"text": "x", "appearances": [{"article": article.pk, "quote": "NATO announced", "start": 0}]},
            format="json",
        )
        assert response.status_code == 400
        assert "does not match" in response.json()["appearances"]["0"]["start"][0]

    def test_needs_text_and_at_least_one_appearance(self, editor_client):
        response = editor_client.post(URL, {"appearances": []}, format="json")
        assert response.status_code == 400
        assert set(response.json()) == {"text", "appearances"}

    def test_unknown_article_and_rating_style_references_are_400(self, editor_client):
        response = editor_client.post(
            URL,
            {"text": "x", "appearances": [{"article": 999999, "quote": "q"}], "assignee": "nobody"},
            format="json",
        )
        assert response.status_code == 400
        body = response.json()
        assert "article" in body["appearances"]["0"]
        assert "assignee" in body

    def test_status_in_the_body_is_ignored_on_create(self, editor_client, article):
        response = editor_client.post(
            URL,
            {"text": "x", "status": "published", "appearances": [{"article": article.pk, "quote": "NATO announced"}]},
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["status"] == "new"

    def test_unknown_tags_are_created_and_known_ones_reused(self, editor_client, article):
        Tag.objects.create(name="Patriot")
        response = editor_client.post(
            URL,
            {
                "text": "x",
                "tags": ["patriot", "air defence"],
                "appearances": [{"article": article.pk, "quote": "NATO"}],
            },
            format="json",
        )
        assert response.status_code == 201, response.data
        assert sorted(response.json()["tags"]) == ["Patriot", "air defence"]
        assert Tag.objects.count() == 2


@pytest.mark.django_db
class ClaimEditTests:
    def test_patch_with_if_match_changes_the_claim_and_the_etag(self, editor_client, claim):
        response = editor_client.patch(
            detail(claim), {"rating": "false", "verdict_summary": "No."}, format="json", HTTP_IF_MATCH=claim.etag
        )
        assert response.status_code == 200, response.data
        assert response.json()["rating"] == "false"
        assert response.json()["version"] == 2
        assert response["ETag"] == f'"{claim.pk}-2"'
        claim.refresh_from_db()
        assert claim.rating.slug == "false"
        assert claim.verdict_summary == "No."

    def test_get_with_a_current_if_none_match_is_304(self, editor_client, claim):
        response = editor_client.get(detail(claim), HTTP_IF_NONE_MATCH=claim.etag)
        assert response.status_code == 304
        assert response["ETag"] == claim.etag
        assert response.content == b""
        assert editor_client.get(detail(claim), HTTP_IF_NONE_MATCH=f'"{claim.pk}-0"').status_code == 200

    def test_patch_with_version_in_the_body_works_too(self, editor_client, claim):
        response = editor_client.patch(detail(claim), {"priority": "low", "version": 1}, format="json")
        assert response.status_code == 200
        assert response.json()["priority"] == "low"

    def test_patch_without_if_match_or_version_is_428(self, editor_client, claim):
        response = editor_client.patch(detail(claim), {"priority": "low"}, format="json")
        assert response.status_code == 428
        assert "If-Match" in response.json()["detail"]
        claim.refresh_from_db()
        assert claim.priority == "normal"

    def test_if_match_star_is_not_enough(self, editor_client, claim):
        response = editor_client.patch(detail(claim), {"priority": "low"}, format="json", HTTP_IF_MATCH="*")
        assert response.status_code == 428

    def test_stale_if_match_is_412_with_the_current_claim(self, editor_client, claim, editor):
        old_etag = claim.etag
        editor_client.patch(detail(claim), {"priority": "high"}, format="json", HTTP_IF_MATCH=old_etag)
        response = editor_client.patch(detail(claim), {"priority": "low"}, format="json", HTTP_IF_MATCH=old_etag)
        assert response.status_code == 412
        body = response.json()
        assert body["current"]["priority"] == "high"
        assert body["current"]["version"] == 2
        assert response["ETag"] == f'"{claim.pk}-2"'
        claim.refresh_from_db()
        assert claim.priority == "high"

    def test_stale_version_in_the_body_is_412(self, editor_client, claim):
        response = editor_client.patch(detail(claim), {"priority": "low", "version": 7}, format="json")
        assert response.status_code == 412

    def test_weak_or_foreign_etags_never_match(self, editor_client, claim):
        for header in [f'W/"{claim.pk}-1"', '"999-1"', "garbage", '"1"']:
            response = editor_client.patch(detail(claim), {"priority": "low"}, format="json", HTTP_IF_MATCH=header)
            assert response.status_code == 412, header

    def test_if_match_and_version_that_disagree_are_400(self, editor_client, claim):
        response = editor_client.patch(
            detail(claim), {"priority": "low", "version": 2}, format="json", HTTP_IF_MATCH=claim.etag
        )
        assert response.status_code == 400
        assert "version" in response.json()

    def test_status_cannot_be_patched(self, editor_client, claim):
        response = editor_client.patch(detail(claim), {"status": "published", "version": 1}, format="json")
        assert response.status_code == 400
        assert "transition" in response.json()["status"][0]
        claim.refresh_from_db()
        assert claim.status == "new"

    def test_frozen_claim_is_409(self, editor_client, published_claim):
        response = editor_client.patch(
            detail(published_claim), {"text": "Changed"}, format="json", HTTP_IF_MATCH=published_claim.etag
        )
        assert response.status_code == 409
        assert "researching" in response.json()["detail"]

    def test_assignee_and_priority_change_on_a_frozen_claim(self, editor_client, published_claim, reviewer):
        response = editor_client.patch(
            detail(published_claim),
            {"assignee": reviewer.username},
            format="json",
            HTTP_IF_MATCH=published_claim.etag,
        )
        assert response.status_code == 200
        assert response.json()["assignee"] == reviewer.username

    def test_reporter_edits_own_new_claim_but_not_another(self, client_for):
        reporter = make_user("reporter")
        own = make_claim(by=reporter)
        other = make_claim(by=make_user("reporter"))
        client = client_for(user=reporter)
        assert client.patch(detail(own), {"text": "Better", "version": 1}, format="json").status_code == 200
        assert client.patch(detail(other), {"text": "Better", "version": 1}, format="json").status_code == 403

    def test_reporter_cannot_edit_own_claim_in_review(self, client_for, editor):
        reporter = make_user("reporter")
        own = make_claim(by=reporter)
        own = workflow.transition(own, to="researching", by=editor)
        own = workflow.transition(ready_for_review(own, by=editor), to="in_review", by=editor)
        client = client_for(user=reporter)
        response = client.patch(detail(own), {"text": "Better", "version": own.version}, format="json")
        assert response.status_code == 403


@pytest.mark.django_db
class ClaimTransitionTests:
    def transition(self, client, claim, **body):
        return client.post(f"{detail(claim)}transition/", body, format="json", HTTP_IF_MATCH=claim.etag)

    def test_moves_the_claim_and_answers_with_it(self, editor_client, claim):
        response = self.transition(editor_client, claim, to="researching")
        assert response.status_code == 200
        assert response.json()["status"] == "researching"
        assert response["ETag"] == f'"{claim.pk}-2"'

    def test_needs_if_match_or_version(self, editor_client, claim):
        response = editor_client.post(f"{detail(claim)}transition/", {"to": "researching"}, format="json")
        assert response.status_code == 428

    def test_illegal_move_is_409_naming_the_allowed_ones(self, editor_client, claim):
        response = self.transition(editor_client, claim, to="published")
        assert response.status_code == 409
        assert response.json()["allowed"] == ["researching", "dismissed"]

    def test_unmet_precondition_is_409_with_reasons(self, editor_client, claim, editor):
        claim = workflow.transition(claim, to="researching", by=editor)
        response = self.transition(editor_client, claim, to="in_review")
        assert response.status_code == 409
        body = response.json()
        assert "in_review" in body["allowed"]
        assert "a rating" in body["reasons"]

    def test_missing_note_is_400_on_note(self, editor_client, claim):
        response = self.transition(editor_client, claim, to="dismissed")
        assert response.status_code == 400
        assert "note" in response.json()
        claim.refresh_from_db()
        assert claim.status == "new"

    def test_unknown_status_is_400_on_to(self, editor_client, claim):
        response = self.transition(editor_client, claim, to="gone")
        assert response.status_code == 400
        assert "to" in response.json()

    def test_four_eyes_the_sender_cannot_publish(self, client_for, claim, editor):
        reviewer = make_user("reviewer")
        claim = workflow.transition(claim, to="researching", by=editor)
        claim = ready_for_review(claim, by=editor)
        claim = workflow.transition(claim, to="in_review", by=reviewer)
        response = self.transition(client_for(user=reviewer), claim, to="published")
        assert response.status_code == 403
        assert "second person" in response.json()["detail"]
        second = client_for("reviewer")
        assert self.transition(second, claim, to="published").status_code == 200

    def test_editor_cannot_publish(self, editor_client, claim, editor):
        claim = workflow.transition(claim, to="researching", by=editor)
        claim = ready_for_review(claim, by=editor)
        claim = workflow.transition(claim, to="in_review", by=editor)
        response = self.transition(editor_client, claim, to="published")
        assert response.status_code == 403

    def test_publishing_without_claimant_succeeds(self, editor, reviewer_client, article):
        claim = make_claim(by=editor, article=article, claimant=None)
        claim = workflow.transition(claim, to="researching", by=editor)
        claim = ready_for_review(claim, by=editor)
        claim = workflow.transition(claim, to="in_review", by=editor)
        response = self.transition(reviewer_client, claim, to="published")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "published"
        assert any("claimant" in w for w in response.json()["claimreview_warnings"])


@pytest.mark.django_db
class ClaimTrashTests:
    def test_delete_moves_to_the_trash(self, editor_client, claim):
        response = editor_client.delete(detail(claim), HTTP_IF_MATCH=claim.etag)
        assert response.status_code == 204
        assert Claim.all_objects.get(pk=claim.pk).in_trash
        assert editor_client.get(detail(claim)).status_code == 404

    def test_delete_needs_a_version(self, editor_client, claim):
        assert editor_client.delete(detail(claim)).status_code == 428
        assert editor_client.delete(detail(claim), {"version": 1}, format="json").status_code == 204

    def test_delete_with_a_stale_version_is_412(self, editor_client, claim):
        assert editor_client.delete(detail(claim), HTTP_IF_MATCH=f'"{claim.pk}-5"').status_code == 412
        assert not Claim.all_objects.get(pk=claim.pk).in_trash


@pytest.mark.django_db
class ClaimAppearanceTests:
    def test_adds_an_appearance_in_another_article(self, editor_client, claim):
        other = ArticleFactory()
        response = editor_client.post(
            f"{detail(claim)}appearances/", {"article": other.pk, "quote": "around $5.5 billion"}, format="json"
        )
        assert response.status_code == 201, response.data
        assert response.json()["article"] == other.pk
        listed = editor_client.get(f"{detail(claim)}appearances/").json()["results"]
        assert [a["article"] for a in listed] == sorted([claim.appearances.first().article_id, other.pk])

    def test_unanchorable_quote_is_400(self, editor_client, claim):
        response = editor_client.post(
            f"{detail(claim)}appearances/",
            {"article": claim.appearances.first().article_id, "quote": "zzz"},
            format="json",
        )
        assert response.status_code == 400
        assert "quote" in response.json()

    def test_the_same_quote_twice_is_400(self, editor_client, claim):
        appearance = claim.appearances.first()
        response = editor_client.post(
            f"{detail(claim)}appearances/",
            {"article": appearance.article_id, "quote": appearance.quote},
            format="json",
        )
        assert response.status_code == 400
        assert Appearance.objects.filter(claim=claim).count() == 1

    def test_unknown_claim_is_404(self, editor_client):
        assert editor_client.get(f"{URL}999999/appearances/").status_code == 404


@pytest.mark.django_db
class ClaimEvidenceTests:
    def url(self, claim):
        return f"{detail(claim)}evidence/"

    def test_links_an_existing_source_by_id(self, editor_client, claim):
        source = SourceFactory()
        response = editor_client.post(
            self.url(claim), {"source": source.pk, "stance": "supports", "excerpt": "Yes."}, format="json"
        )
        assert response.status_code == 201, response.data
        body = response.json()
        assert body["source"] == source.pk
        assert body["source_url"] == source.url
        assert body["stance"] == "supports"

    def test_creates_a_source_from_its_url_and_reuses_it_after(self, editor_client, claim, editor):
        body = {
            "source_url": "HTTPS://WWW.NATO.INT/cps/en/natohq/news.htm#top",
            "source_title": "NATO press release",
            "source_publisher": "NATO",
            "source_kind": "official_statement",
            "stance": "supports",
        }
        response = editor_client.post(self.url(claim), body, format="json")
        assert response.status_code == 201, response.data
        source = Source.objects.get()
        assert source.url == "https://www.nato.int/cps/en/natohq/news.htm"
        assert source.kind == "official_statement"
        other = make_claim(by=editor)
        response = editor_client.post(
            self.url(other), {**body, "source_url": "https://www.nato.int/cps/en/natohq/news.htm"}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["source"] == source.pk
        assert Source.objects.count() == 1

    def test_only_http_urls(self, editor_client, claim):
        for url in ["ftp://example.org/file", "javascript:alert(1)", "file:///etc/passwd"]:
            response = editor_client.post(self.url(claim), {"source_url": url, "stance": "supports"}, format="json")
            assert response.status_code == 400, url
            assert "source_url" in response.json()
        assert not Source.objects.exists()

    def test_the_same_source_twice_is_409_with_the_existing_id(self, editor_client, claim, editor):
        evidence = add_evidence(claim, by=editor)
        response = editor_client.post(
            self.url(claim), {"source": evidence.source_id, "stance": "refutes"}, format="json"
        )
        assert response.status_code == 409
        assert response.json()["id"] == evidence.pk

    def test_evidence_of_a_frozen_claim_is_409_and_leaves_no_new_source(self, editor_client, published_claim):
        before = Source.objects.count()
        response = editor_client.post(
            self.url(published_claim),
            {"source_url": "https://example.org/new", "source_title": "New", "stance": "supports"},
            format="json",
        )
        assert response.status_code == 409
        assert Source.objects.count() == before

    def test_needs_source_or_source_url(self, editor_client, claim):
        response = editor_client.post(self.url(claim), {"stance": "supports"}, format="json")
        assert response.status_code == 400
        assert "source" in response.json()

    def test_delete_unlinks(self, editor_client, claim, editor):
        evidence = add_evidence(claim, by=editor)
        assert editor_client.get(f"{self.url(claim)}{evidence.pk}/").json()["id"] == evidence.pk
        assert editor_client.delete(f"{self.url(claim)}{evidence.pk}/").status_code == 204
        assert not Evidence.objects.filter(pk=evidence.pk).exists()

    def test_evidence_of_another_claim_is_404(self, editor_client, claim, editor):
        other = make_claim(by=editor)
        evidence = add_evidence(other, by=editor)
        assert editor_client.delete(f"{self.url(claim)}{evidence.pk}/").status_code == 404
        assert Evidence.objects.filter(pk=evidence.pk).exists()


@pytest.mark.django_db
class ClaimHistoryTests:
    def test_lists_edits_and_transitions_oldest_first(self, editor_client, claim, editor, reviewer):
        editor_client.patch(detail(claim), {"priority": "high"}, format="json", HTTP_IF_MATCH=claim.etag)
        claim.refresh_from_db()
        claim = publish(claim, editor=editor, reviewer=reviewer)
        response = editor_client.get(f"{detail(claim)}history/")
        assert response.status_code == 200
        entries = response.json()["results"]
        assert entries[0]["kind"] == "created"
        assert entries[0]["actor"] == editor.username
        edits = [e for e in entries if e["kind"] == "edited"]
        assert edits[0]["changes"]["priority"] == {"old": "normal", "new": "high"}
        transitions = [(e["from_status"], e["to_status"], e["actor"]) for e in entries if e["kind"] == "transition"]
        assert transitions == [
            ("new", "researching", editor.username),
            ("researching", "in_review", editor.username),
            ("in_review", "published", reviewer.username),
        ]
        published = [e for e in entries if e["kind"] == "transition"][-1]
        assert published["rating"] == "true"
        assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
        assert set(entries[0]) == {"at", "actor", "kind", "from_status", "to_status", "note", "changes", "rating"}


@pytest.mark.django_db
class PublishedClaimTests:
    """Anonymous callers see the public snapshot, never the draft behind it."""

    def test_anonymous_sees_published_claims_only(self, anon, published_claim, editor):
        draft = make_claim(by=editor)
        response = anon.get(URL)
        assert response.status_code == 200
        assert [c["id"] for c in response.json()["results"]] == [published_claim.pk]
        assert anon.get(detail(draft)).status_code == 404

    def test_reopened_claim_still_shows_its_published_verdict(self, anon, published_claim, editor):
        claim = workflow.transition(published_claim, to="researching", by=editor, note="Checking the numbers")
        claims.edit_claim(
            claim,
            {"text": "A draft rewording", "rating": Rating.objects.get(slug="false")},
            by=editor,
            expected_version=claim.version,
        )
        response = anon.get(detail(claim))
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "published"
        assert body["text"] == "NATO will help buy up to 1,000 Patriot missiles."
        assert body["rating"] == "true"
        assert body["rating_label"] == "True"
        assert body["verdict_summary"] == "Confirmed by the agency's release."
        assert body["evidence"][0]["stance"] == "supports"
        assert "version" not in body
        assert response["ETag"].startswith(f'"{claim.pk}-p')
        assert anon.get(URL, {"rating": "false"}).json()["results"] == []
        assert [c["id"] for c in anon.get(URL, {"rating": "true"}).json()["results"]] == [claim.pk]

    def test_anonymous_search_reads_the_published_text_only(self, anon, published_claim, editor):
        claim = workflow.transition(published_claim, to="researching", by=editor, note="Rewording")
        claims.edit_claim(claim, {"text": "Secret draft wording"}, by=editor, expected_version=claim.version)
        assert [c["id"] for c in anon.get(URL, {"search": "patriot"}).json()["results"]] == [claim.pk]
        assert anon.get(URL, {"search": "secret draft"}).json()["results"] == []
        assert anon.get(URL, {"search": "x\x00"}).status_code == 400

    def test_trashed_published_claim_is_gone_for_everyone(self, anon, editor_client, published_claim):
        editor_client.delete(detail(published_claim), HTTP_IF_MATCH=published_claim.etag)
        assert anon.get(detail(published_claim)).status_code == 404
        assert anon.get(f"{detail(published_claim)}claimreview/").status_code == 404
        assert anon.get(URL).json()["results"] == []


@pytest.mark.django_db
class ClaimReviewWarningTests:
    """DESIGN §2: recommended ClaimReview fields are warnings, never a refusal to publish."""

    def test_claim_without_claimant_reaches_published_over_the_api(self, editor_client, reviewer_client, editor):
        claim = make_claim(by=editor, claimant=None, article=ArticleFactory(url=None))
        body = editor_client.get(detail(claim)).json()
        assert len(body["claimreview_warnings"]) == 3
        assert any("claimant" in w for w in body["claimreview_warnings"])
        assert any("URL" in w for w in body["claimreview_warnings"])
        ready_for_review(claim, by=editor)
        steps = [(editor_client, "researching"), (editor_client, "in_review"), (reviewer_client, "published")]
        for client, to in steps:
            version = client.get(detail(claim)).json()["version"]
            response = client.post(f"{detail(claim)}transition/", {"to": to, "version": version}, format="json")
            assert response.status_code == 200, response.json()
        assert response.json()["status"] == "published"
        listed = editor_client.get(URL).json()["results"]
        assert listed[0]["claimreview_warnings"] == body["claimreview_warnings"]

    def test_complete_claim_has_no_warnings(self, editor_client, editor):
        claim = make_claim(by=editor, claim_date="2025-07-09")
        assert editor_client.get(detail(claim)).json()["claimreview_warnings"] == []

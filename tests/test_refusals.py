"""One map from domain refusals to answers: API, desk UI and admin answer a DeskError by its status and field."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import ArticleFactory, SourceFactory, make_claim, make_user
from tracker import articles, claims, workflow
from tracker.errors import DeskError
from tracker.inbox import comments
from tracker.inbox.models import Comment
from tracker.models import Article, Claim, Evidence
from tracker.reading import quotes

BODY = "Officials said the Patriot batteries shot down 30 missiles overnight. The minister wants ten more."


class EmbargoedSource(DeskError):
    """A refusal no door names: it must still be answered by its own status and field."""

    status = 422
    field = "url"


def embargoed(*args, **kwargs):
    raise EmbargoedSource("This outlet's pages may not be stored before the embargo lifts.")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def logged_in(role: str) -> Client:
    return client_for(make_user(role))


def shown(response) -> list[tuple[str, str]]:
    """The messages the page shows, as (level, text)."""
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def api_client(role: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user(role))
    return client


@pytest.mark.django_db
class ApiTests:
    def test_a_refusal_no_branch_names_is_answered_by_its_status_on_its_field(self, monkeypatch):
        monkeypatch.setattr(articles, "import_or_update", embargoed)
        response = api_client("reporter").post(
            reverse("api-article-list"), {"title": "T", "language": "en", "body": BODY}, format="json"
        )
        assert response.status_code == 422
        assert response.json() == {"url": ["This outlet's pages may not be stored before the embargo lifts."]}

    def test_a_duplicate_keeps_its_id_and_reason(self):
        existing = ArticleFactory(body=BODY)
        response = api_client("reporter").post(
            reverse("api-article-list"), {"title": "Copy", "language": "en", "body": BODY}, format="json"
        )
        assert response.status_code == 409
        body = response.json()
        assert body["id"] == existing.pk and body["reason"] == "text" and "already stored" in body["detail"]


@pytest.mark.django_db
class UiTests:
    def test_a_refusal_lands_on_its_field_with_its_status(self, monkeypatch):
        monkeypatch.setattr(articles, "import_or_update", embargoed)
        response = logged_in("reporter").post(
            reverse("article-import"), {"title": "T", "language": "en", "body": BODY, "url": "https://a.example/x"}
        )
        assert response.status_code == 422
        form = response.context["form"]
        assert form.errors["url"] == ["This outlet's pages may not be stored before the embargo lifts."]
        assert "may not be stored before the embargo lifts" in response.content.decode()
        assert not Article.objects.exists()

    def test_a_refusal_of_a_field_the_form_lacks_is_shown_above_the_form(self, monkeypatch):
        class Closed(DeskError):
            status = 423
            field = "desk"

        def closed(*args, **kwargs):
            raise Closed("The desk is closed for the night.")

        monkeypatch.setattr(articles, "import_or_update", closed)
        response = logged_in("reporter").post(
            reverse("article-import"), {"title": "T", "language": "en", "body": BODY}
        )
        assert response.status_code == 423
        assert response.context["form"].non_field_errors() == ["The desk is closed for the night."]
        assert "The desk is closed for the night." in response.content.decode()

    def test_a_comment_past_its_window_is_refused_above_the_form_with_409(self):
        reporter = make_user("reporter")
        claim = make_claim(by=reporter)
        comment = comments.add_comment(claim, "Typo hre", by=reporter)
        Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))
        client = Client()
        client.force_login(reporter)
        response = client.post(reverse("claim-comment-edit", args=[claim.pk, comment.pk]), {"body": "Typo here"})
        assert response.status_code == 409
        assert response.context["form"].non_field_errors() and not response.context["form"].errors.get("body")
        comment.refresh_from_db()
        assert comment.body == "Typo hre"


@pytest.mark.django_db
class AdminTests:
    def test_a_refused_restore_is_an_error_message(self, monkeypatch):
        editor = make_user("editor")
        claim = workflow.trash(make_claim(by=editor), by=editor)

        def refuse_restore(*args, **kwargs):
            raise workflow.ClaimFrozen("The claim is being merged; restore it afterwards.")

        monkeypatch.setattr(workflow, "restore", refuse_restore)
        client = Client()
        client.force_login(editor)
        response = client.post(reverse("admin:tracker_trashedclaim_restore", args=[claim.pk]), follow=True)
        assert shown(response) == [("error", "The claim is being merged; restore it afterwards.")]

    def test_a_duplicate_stored_between_validation_and_save_is_a_form_error(self, monkeypatch):
        rival = ArticleFactory(title="Rival", body=BODY)
        real_find = articles.find_duplicate
        looks = []

        def find_before_the_rival_committed(*args, **kwargs):
            # The form's check runs before the rival's save is visible; the domain's, inside the save, sees it.
            looks.append(1)
            return None if len(looks) == 1 else real_find(*args, **kwargs)

        monkeypatch.setattr(articles, "find_duplicate", find_before_the_rival_committed)
        client = Client()
        client.force_login(make_user("editor"))
        response = client.post(
            reverse("admin:tracker_article_add"), {"title": "Mine", "language": "en", "authors": "", "body": BODY}
        )
        assert response.status_code == 200
        page = response.content.decode()
        message = f"An article with the same text is already stored: “{rival.title}” (id {rival.pk})."
        assert page.count(message) == 1
        assert 'class="errornote"' in page
        assert list(Article.objects.values_list("title", flat=True)) == ["Rival"]

    def test_a_refusal_on_a_form_field_is_shown_on_that_field(self, monkeypatch):
        def refuse_title(*args, **kwargs):
            raise DeskError("Titles may not shout.", field="title")

        monkeypatch.setattr(articles, "import_article", refuse_title)
        client = Client()
        client.force_login(make_user("editor"))
        response = client.post(
            reverse("admin:tracker_article_add"), {"title": "LOUD", "language": "en", "authors": "", "body": BODY}
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["title"] == ["Titles may not shout."]
        assert not Article.objects.exists()


@pytest.mark.django_db
class DeskDoorTests:
    """Every desk view answers a refusal through the desk's one map, whatever the refusal's type."""

    def test_a_refused_assignee_change_keeps_the_refusals_status(self, monkeypatch):
        editor = make_user("editor")
        claim = make_claim(by=editor)

        def frozen(*args, **kwargs):
            raise workflow.ClaimFrozen("The claim is being merged; change its assignee afterwards.")

        monkeypatch.setattr(claims, "edit_claim", frozen)
        response = client_for(editor).post(
            reverse("claim-assign", args=[claim.pk]), {"version": claim.version, "assignee": editor.pk}
        )
        assert response.status_code == 409  # a frozen claim is a conflict, not a forbidden role
        assert "The claim is being merged; change its assignee afterwards." in response.content.decode()
        assert Claim.objects.get(pk=claim.pk).assignee_id is None

    def test_a_transition_refused_by_a_refusal_no_view_names_shows_its_status_and_message(self, monkeypatch):
        editor = make_user("editor")
        claim = make_claim(by=editor)

        def embargo(*args, **kwargs):
            raise EmbargoedSource("This outlet's pages may not be stored before the embargo lifts.")

        monkeypatch.setattr(workflow, "transition", embargo)
        response = client_for(editor).post(
            reverse("claim-transition", args=[claim.pk]),
            {"to": "researching", "note": "Starting now.", "version": claim.version},
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert 'id="action-error">This outlet&#x27;s pages may not be stored before the embargo lifts.<' in page
        assert "Starting now." in page  # the note typed is kept
        assert Claim.objects.get(pk=claim.pk).status == "new"

    def test_a_refused_reattach_is_an_error_message_on_the_reader(self, monkeypatch):
        editor = make_user("editor")
        claim = make_claim(by=editor)
        appearance = claim.appearances.get()

        def frozen(*args, **kwargs):
            raise workflow.ClaimFrozen("The claim is being merged; re-attach its quote afterwards.")

        monkeypatch.setattr(quotes, "reattach", frozen)
        response = client_for(editor).post(
            reverse("appearance-reattach", args=[appearance.pk]),
            {"version": claim.version, "start": 0, "end": 4},
            follow=True,
        )
        assert response.redirect_chain[-1][0].startswith(reverse("article-detail", args=[appearance.article_id]))
        assert shown(response) == [
            ("error", "The quote was not re-attached: The claim is being merged; re-attach its quote afterwards.")
        ]

    def test_a_stale_reattach_says_the_claim_changed_and_changes_nothing(self):
        editor = make_user("editor")
        claim = make_claim(by=editor)
        appearance = claim.appearances.get()
        response = client_for(editor).post(
            reverse("appearance-reattach", args=[appearance.pk]),
            {"version": claim.version + 3, "start": 0, "end": 4},
            follow=True,
        )
        assert shown(response) == [
            (
                "error",
                "The quote was not re-attached: This claim was changed by someone else (it is now at version "
                f"{claim.version}); reload it and apply your change again.",
            )
        ]
        appearance.refresh_from_db()
        assert appearance.quote == "NATO announced Wednesday"


@pytest.mark.django_db
class AdminFormTests:
    """The admin forms' domain checks in clean() go through the admin's one map (add_refusal)."""

    def test_an_evidence_check_refusing_a_field_is_shown_on_that_field(self, monkeypatch):
        editor = make_user("editor")
        claim = make_claim(by=editor)
        source = SourceFactory()

        def embargo(*args, **kwargs):
            raise DeskError("Notes may not name the embargoed outlet.", field="note")

        monkeypatch.setattr(claims, "check_evidence_editable", embargo)
        response = client_for(editor).post(
            reverse("admin:tracker_evidence_add"),
            {"claim": claim.pk, "source": source.pk, "stance": "supports", "excerpt": "", "note": "Embargoed"},
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["note"] == ["Notes may not name the embargoed outlet."]
        assert "Notes may not name the embargoed outlet." in response.content.decode()
        assert not Evidence.objects.exists()

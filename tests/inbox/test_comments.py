"""Comments on a claim (DESIGN §8): @mentions notify, text is escaped, links are safe, edits are brief and kept."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import make_claim, make_user
from tracker.inbox import comments
from tracker.inbox.models import Comment, Notification


@pytest.fixture
def claim(db):
    return make_claim()


def api_as(user):
    client = APIClient()
    client.default_format = "json"
    client.force_authenticate(user)
    return client


class CommentApiTests:
    def test_a_comment_mentioning_a_colleague_notifies_them(self, claim, reporter, editor):
        response = api_as(reporter).post(
            f"/api/v1/claims/{claim.pk}/comments/", {"body": f"@{editor.username} can you check the figure?"}
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["author"] == reporter.username and body["mentions"] == [editor.username]
        note = Notification.objects.get(recipient=editor)
        assert note.kind == "mentioned" and note.claim == claim and note.actor == reporter
        assert not Notification.objects.filter(recipient=reporter).exists()
        listing = api_as(editor).get(f"/api/v1/claims/{claim.pk}/comments/").json()["results"]
        assert [c["body"] for c in listing] == [f"@{editor.username} can you check the figure?"]

    def test_mentions_of_people_outside_the_desk_notify_nobody(self, claim, reporter):
        outsider = make_user(None, username="outsider")
        api_as(reporter).post(f"/api/v1/claims/{claim.pk}/comments/", {"body": "@outsider @nobody hello"})
        assert not Notification.objects.filter(recipient=outsider).exists()

    def test_the_author_may_edit_within_15_minutes_and_history_keeps_both(self, claim, reporter, editor):
        api = api_as(reporter)
        created = api.post(f"/api/v1/claims/{claim.pk}/comments/", {"body": "First wording"}).json()
        url = f"/api/v1/claims/{claim.pk}/comments/{created['id']}/"
        response = api.patch(url, {"body": f"Second wording, @{editor.username}"})
        assert response.status_code == 200 and response.json()["edited_at"]
        comment = Comment.objects.get(pk=created["id"])
        assert [h.body for h in comment.history.order_by("history_date")] == [
            "First wording",
            f"Second wording, @{editor.username}",
        ]
        assert Notification.objects.filter(recipient=editor, kind="mentioned").count() == 1
        api.patch(url, {"body": f"Third wording, @{editor.username}"})
        assert Notification.objects.filter(recipient=editor, kind="mentioned").count() == 1  # told once

    def test_nobody_else_may_edit_it(self, claim, reporter, editor):
        created = api_as(reporter).post(f"/api/v1/claims/{claim.pk}/comments/", {"body": "Mine"}).json()
        response = api_as(editor).patch(f"/api/v1/claims/{claim.pk}/comments/{created['id']}/", {"body": "Yours"})
        assert response.status_code == 403
        assert Comment.objects.get().body == "Mine"

    def test_after_15_minutes_it_is_409(self, claim, reporter):
        created = api_as(reporter).post(f"/api/v1/claims/{claim.pk}/comments/", {"body": "Old"}).json()
        Comment.objects.filter(pk=created["id"]).update(created_at=timezone.now() - datetime.timedelta(minutes=16))
        response = api_as(reporter).patch(f"/api/v1/claims/{claim.pk}/comments/{created['id']}/", {"body": "New"})
        assert response.status_code == 409 and "15 minutes" in response.json()["detail"]

    @pytest.mark.parametrize("body", ["", "   ", "a\x00b", "x" * 5001, 5, None])
    def test_bad_bodies_are_400(self, claim, reporter, body):
        response = api_as(reporter).post(f"/api/v1/claims/{claim.pk}/comments/", {"body": body}, format="json")
        assert response.status_code == 400
        assert not Comment.objects.exists()

    def test_the_public_and_outsiders_cannot_read_or_write(self, claim):
        assert APIClient().get(f"/api/v1/claims/{claim.pk}/comments/").status_code == 401
        outsider = api_as(make_user(None))
        assert outsider.post(f"/api/v1/claims/{claim.pk}/comments/", {"body": "hi"}).status_code == 403
        assert api_as(make_user("reporter")).get("/api/v1/claims/999999/comments/").status_code == 404


class RenderTests:
    def test_text_is_escaped(self):
        html = comments.render('<script>alert(1)</script> & <b onmouseover="x">', set())
        assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html and "<b " not in html

    def test_http_links_become_safe_anchors(self):
        html = comments.render("See https://example.org/a?b=1&c=2. Or (http://example.org/x)", set())
        assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">' in html
        assert "</a>. Or (" in html and 'href="http://example.org/x"' in html

    @pytest.mark.parametrize(
        "text",
        ["javascript:alert(1)", 'https://x.example/"onmouseover="alert(1)', "data:text/html,<b>", "https://a/<img>"],
    )
    def test_nothing_but_the_link_gets_through(self, text):
        html = comments.render(text, set())
        assert 'href="javascript' not in html and 'href="data' not in html
        assert '"onmouseover' not in html and "<img" not in html and "<b>" not in html

    def test_known_mentions_link_to_their_work_and_others_stay_text(self):
        html = comments.render("@rob and @nobody, mail me at ann@example.org", {"rob"})
        assert f'<a class="mention" href="{reverse("claim-list")}?assignee=rob">@rob</a>' in html
        assert "@nobody" in html and "assignee=nobody" not in html
        assert "ann@example.org" in html and "assignee=example" not in html

    def test_line_breaks_are_kept(self):
        assert comments.render("one\ntwo", set()) == "one<br>two"


class CommentPageTests:
    def test_the_claim_page_shows_the_discussion_and_takes_a_comment(self, client, claim, reporter, editor):
        client.force_login(reporter)
        response = client.post(
            reverse("claim-comment-add", args=[claim.pk]),
            {"body": f"<i>hi</i> @{editor.username} see https://example.org"},
        )
        assert response.status_code == 302
        page = client.get(claim.get_absolute_url()).content.decode()
        assert "&lt;i&gt;hi&lt;/i&gt;" in page and "<i>hi</i>" not in page
        assert f'class="mention" href="/claims/?assignee={editor.username}">@{editor.username}</a>' in page
        assert 'href="https://example.org" rel="nofollow noopener noreferrer"' in page
        assert ">Edit</a>" in page

    def test_an_empty_comment_is_refused_on_the_page(self, client, claim, reporter):
        client.force_login(reporter)
        response = client.post(reverse("claim-comment-add", args=[claim.pk]), {"body": "  "})
        assert response.status_code == 400 and not Comment.objects.exists()

    def test_editing_on_the_page(self, client, claim, reporter):
        comment = comments.add_comment(claim, "Typo hre", by=reporter)
        client.force_login(reporter)
        url = reverse("claim-comment-edit", args=[claim.pk, comment.pk])
        assert client.get(url).status_code == 200
        assert client.post(url, {"body": "Typo here"}).status_code == 302
        comment.refresh_from_db()
        assert comment.body == "Typo here"
        Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
        assert client.post(url, {"body": "Too late"}).status_code == 409

    def test_the_page_refuses_someone_elses_comment(self, client, claim, reporter, editor):
        comment = comments.add_comment(claim, "Mine", by=reporter)
        client.force_login(editor)
        response = client.post(reverse("claim-comment-edit", args=[claim.pk, comment.pk]), {"body": "Theirs"})
        assert response.status_code == 403

    def test_a_comment_post_needs_csrf(self, claim, reporter):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(reporter)
        assert client.post(reverse("claim-comment-add", args=[claim.pk]), {"body": "x"}).status_code == 403

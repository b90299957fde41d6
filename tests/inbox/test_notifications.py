"""Notifications (DESIGN §8): assigned, sent back (with the note), waiting for review, published, mentioned."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import make_claim, ready_for_review
from tracker import claims, workflow
from tracker.inbox import notifications, worker
from tracker.inbox.models import Notification


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run after-commit work (the signals notifications hang on) as a real commit would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def kinds(user):
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True))


class WorkflowNotificationTests:
    def test_assigning_a_claim_tells_the_assignee_not_the_assigner(self, committed, editor, reporter):
        claim = make_claim(by=editor)
        committed(claims.edit_claim, claim, {"assignee": reporter}, by=editor, expected_version=None)
        assert kinds(reporter) == ["assigned"] and kinds(editor) == []
        committed(claims.edit_claim, claim, {"priority": "high"}, by=editor, expected_version=None)
        assert kinds(reporter) == ["assigned"]  # other edits say nothing

    def test_a_claim_logged_with_an_assignee_tells_them(self, committed, editor, reporter):
        committed(make_claim, by=editor, assignee=reporter)
        assert kinds(reporter) == ["assigned"]

    def test_review_sent_back_and_published(self, committed, editor, reviewer, other_reviewer, reporter):
        claim = ready_for_review(make_claim(by=reporter, assignee=reporter), by=editor)
        claim = committed(workflow.transition, claim, to="researching", by=editor)
        claim = committed(workflow.transition, claim, to="in_review", by=editor)
        assert kinds(reviewer) == ["review"] and kinds(other_reviewer) == ["review"]
        claim = committed(workflow.transition, claim, to="researching", by=reviewer, note="Source is a blog.")
        sent_back = Notification.objects.get(recipient=editor, kind="sent_back")
        assert sent_back.note == "Source is a blog." and sent_back.actor == reviewer
        assert "Source is a blog." in notifications.describe(sent_back)
        assert Notification.objects.filter(recipient=reporter, kind="sent_back").exists()  # the assignee
        claim = committed(workflow.transition, claim, to="in_review", by=editor)
        committed(workflow.transition, claim, to="published", by=other_reviewer)
        assert "published" in kinds(editor) and "published" in kinds(reporter)
        assert "published" not in kinds(other_reviewer)

    def test_the_header_shows_the_unread_count_in_one_query(self, client, committed, editor, reporter):
        for _ in range(3):
            committed(make_claim, by=editor, assignee=reporter)
        client.force_login(reporter)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("claim-list")).content.decode()
        assert 'aria-label="3 unread">3</span>' in page
        assert len([q for q in captured if "tracker_notification" in q["sql"]]) == 1
        notifications.mark_read(reporter)
        assert "notif-count" not in client.get(reverse("claim-list")).content.decode()

    def test_a_long_unread_list_is_shown_as_99_plus(self, reporter, editor):
        claim = make_claim(by=editor)
        Notification.objects.bulk_create(
            [Notification(recipient=reporter, kind="assigned", claim=claim, actor=editor) for _ in range(120)]
        )
        assert notifications.unread_count(reporter) == 100


class NotificationApiTests:
    def test_list_filter_and_mark_read(self, committed, editor, reporter):
        for _ in range(2):
            committed(make_claim, by=editor, assignee=reporter)
        api = APIClient()
        api.force_authenticate(reporter)
        results = api.get("/api/v1/notifications/").json()["results"]
        assert [r["kind"] for r in results] == ["assigned", "assigned"] and results[0]["actor"] == editor.username
        assert "assigned you claim #" in results[0]["text"]
        assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
        assert api.post("/api/v1/notifications/read/", {"ids": [results[0]["id"]]}, format="json").json() == {
            "marked": 1
        }
        assert len(api.get("/api/v1/notifications/", {"unread": "1"}).json()["results"]) == 1
        assert api.post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 1}
        assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
        assert api.get("/api/v1/notifications/", {"unread": "maybe"}).status_code == 400

    def test_nobody_sees_or_marks_anothers(self, committed, editor, reporter):
        committed(make_claim, by=editor, assignee=reporter)
        api = APIClient()
        api.force_authenticate(editor)
        assert api.get("/api/v1/notifications/").json()["results"] == []
        theirs = Notification.objects.get().pk
        assert api.post("/api/v1/notifications/read/", {"ids": [theirs]}, format="json").json() == {"marked": 0}
        assert APIClient().get("/api/v1/notifications/").status_code == 401


class NotificationPageTests:
    def test_the_list_and_mark_read(self, client, committed, editor, reporter):
        committed(make_claim, by=editor, assignee=reporter)
        client.force_login(reporter)
        page = client.get(reverse("notification-list")).content.decode()
        assert f"{editor.username} assigned you claim #" in page and "<strong>new</strong>" in page
        note = Notification.objects.get()
        response = client.post(reverse("notification-read"), {"id": note.pk, "open": note.claim_id})
        assert response.status_code == 302 and response["Location"] == note.claim.get_absolute_url()
        note.refresh_from_db()
        assert note.read_at is not None


class EmailTests:
    def test_an_opted_in_member_gets_an_email_from_the_worker(self, committed, editor, reporter, settings):
        settings.FACTDESK_EMAIL_ENABLED = True
        notifications.set_email(reporter, True)
        committed(make_claim, by=editor, assignee=reporter, text="The contract is worth $5.5 billion.")
        assert mail.outbox == []  # the worker sends it, not the request
        worker.run_pending()
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [reporter.email] and "assigned you claim" in message.subject
        assert "$5.5 billion" in message.body and "/claims/" in message.body
        worker.run_pending()
        assert len(mail.outbox) == 1
        assert Notification.objects.get().emailed_at is not None

    def test_no_mail_without_the_choice_or_without_mail_settings(self, committed, editor, reporter, settings):
        settings.FACTDESK_EMAIL_ENABLED = True
        committed(make_claim, by=editor, assignee=reporter)
        settings.FACTDESK_EMAIL_ENABLED = False
        notifications.set_email(reporter, True)
        committed(make_claim, by=editor, assignee=reporter)
        worker.run_pending()
        assert mail.outbox == []

    def test_the_choice_is_made_on_the_notifications_page(self, client, reporter, settings):
        settings.FACTDESK_EMAIL_ENABLED = True
        client.force_login(reporter)
        assert "Also send me these by e-mail" in client.get(reverse("notification-list")).content.decode()
        client.post(reverse("notification-list"), {"email": "on"})
        assert notifications.wants_email(reporter)

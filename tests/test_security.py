"""Every door against bad input and forged requests: a clear refusal, never a 500, nothing half-written."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import ArticleFactory, ClaimantFactory, SourceFactory, make_claim, make_user, ready_for_review
from tracker import articles, claims, logins, roles, uploads, workflow
from tracker.models import Article, Claim, Evidence, Outlet, Rating, Source

REPO = Path(__file__).resolve().parent.parent


def logged_in(user) -> Client:
    """Return a client logged in as user that reports a server error as a 500 response, not an exception."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.django_db
class ClaimFormErrorTests:
    """A value the form lets through but the domain refuses is shown on the form, not a 500."""

    def test_a_source_url_only_the_domain_refuses_is_a_form_error(self, editor):
        claim = make_claim(by=editor)
        response = logged_in(editor).post(
            reverse("claim-evidence-add", args=[claim.pk]),
            {
                "version": claim.version,
                "source_url": "ftp://files.example.org/report.pdf",
                "source_title": "The report",
                "source_kind": "other",
                "stance": "supports",
            },
        )
        assert response.status_code == 400
        assert "Enter a valid URL." in response.content.decode()
        assert not Source.objects.exists()
        assert not Evidence.objects.exists()

    def test_a_tag_name_too_long_is_a_form_error(self, editor):
        claim = make_claim(by=editor)
        response = logged_in(editor).post(
            reverse("claim-edit", args=[claim.pk]),
            {"version": claim.version, "text": "Edited text.", "priority": "high", "tags": "x" * 100},
        )
        assert response.status_code == 400
        assert "A tag name may be at most 64 characters" in response.content.decode()
        stored = Claim.objects.get(pk=claim.pk)
        assert (stored.text, stored.priority, stored.version) == (claim.text, claim.priority, claim.version)


@pytest.mark.django_db
class TextLimitTests:
    """The desk's forms refuse text longer than the API accepts, so no door stores what another refuses."""

    def test_a_claim_longer_than_the_api_allows_is_not_logged(self, reporter):
        article = ArticleFactory()
        response = logged_in(reporter).post(
            reverse("article-log-claim", args=[article.pk]),
            {"quote": "NATO announced Wednesday", "text": "x" * 10_001, "priority": "normal"},
            follow=True,
        )
        assert response.redirect_chain[0][1] == 303
        assert "Ensure this value has at most 10000 characters" in response.content.decode()
        assert not Claim.all_objects.exists()

    def test_an_explanation_longer_than_the_api_allows_is_not_saved(self, editor):
        claim = make_claim(by=editor)
        response = logged_in(editor).post(
            reverse("claim-edit", args=[claim.pk]),
            {"version": claim.version, "text": claim.text, "priority": "normal", "verdict_explanation": "y" * 50_001},
        )
        assert response.status_code == 400
        assert Claim.objects.get(pk=claim.pk).verdict_explanation == ""

    def test_an_excerpt_longer_than_the_api_allows_links_nothing(self, editor):
        claim = make_claim(by=editor)
        response = logged_in(editor).post(
            reverse("claim-evidence-add", args=[claim.pk]),
            {
                "version": claim.version,
                "source_url": "https://agency.example/release",
                "source_title": "Release",
                "source_kind": "official_statement",
                "stance": "supports",
                "excerpt": "z" * 50_001,
            },
        )
        assert response.status_code == 400
        assert not Evidence.objects.exists() and not Source.objects.exists()


@pytest.mark.django_db
class UploadLimitTests:
    def test_an_oversized_file_is_dropped_unread_and_named_as_the_problem(self, editor, monkeypatch):
        kept = []
        original = TemporaryFileUploadHandler.receive_data_chunk
        monkeypatch.setattr(
            TemporaryFileUploadHandler,
            "receive_data_chunk",
            lambda handler, data, start: kept.append(len(data)) or original(handler, data, start),
        )
        upload = SimpleUploadedFile("huge.txt", b"Title\n" + b"word " * (6 * 1024 * 1024 // 5))
        response = logged_in(editor).post(reverse("article-import"), {"language": "en", "file": upload})
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert errors == {"file": ["The file is larger than 2 MB."]}
        assert not Article.objects.exists()
        # Django's own handlers would have copied all 6 MB to a temporary file before the form saw it.
        assert 0 < sum(kept) <= uploads.MAX_UPLOAD_BYTES

    def test_a_file_under_the_limit_is_imported(self, editor):
        upload = SimpleUploadedFile("story.txt", b"Headline\n" + b"Ordinary text. " * 50_000)
        response = logged_in(editor).post(reverse("article-import"), {"language": "en", "file": upload})
        assert response.status_code == 302
        assert Article.objects.get().title == "Headline"


@pytest.mark.django_db
class AdminBadAddressTests:
    """Addresses and forms of the admin that Django or simple-history would answer with a 500."""

    @pytest.mark.parametrize(
        "path",
        [
            "/admin/tracker/claim/abc/history/",
            "/admin/tracker/article/abc/history/",
            "/admin/tracker/source/%00/history/",
            "/admin/tracker/claim/{pk}/history/abc/",
            "/admin/tracker/claim/abc/history/1/",
        ],
    )
    def test_a_history_address_naming_no_row_is_404(self, admin_user, editor, path):
        claim = make_claim(by=editor)
        response = logged_in(admin_user).get(path.format(pk=claim.pk))
        assert response.status_code == 404

    def test_the_history_of_a_claim_still_opens(self, admin_user, editor):
        claim = make_claim(by=editor)
        response = logged_in(admin_user).get(f"/admin/tracker/claim/{claim.pk}/history/")
        assert response.status_code == 200
        assert "View history:" in response.content.decode()

    @pytest.mark.parametrize(
        ("model_name", "field_name"),
        [("evidence", "source"), ("claim", "tags"), ("claim", "claimant"), ("article", "outlet")],
    )
    def test_autocomplete_with_a_nul_byte_finds_nothing(self, admin_user, model_name, field_name):
        SourceFactory(title="Ministry report")
        response = logged_in(admin_user).get(
            "/admin/autocomplete/",
            {"app_label": "tracker", "model_name": model_name, "field_name": field_name, "term": "Min\x00"},
        )
        assert response.status_code == 200
        assert response.json()["results"] == []

    def test_autocomplete_still_finds(self, admin_user):
        source = SourceFactory(title="Ministry report")
        response = logged_in(admin_user).get(
            "/admin/autocomplete/",
            {"app_label": "tracker", "model_name": "evidence", "field_name": "source", "term": "Ministry"},
        )
        assert [r["id"] for r in response.json()["results"]] == [str(source.pk)]

    @pytest.mark.parametrize(
        "query",
        ["status__exact=%00", "created_at__year=99999999999999", "created_at__year=2025&created_at__month=99999999"],
    )
    def test_a_list_filter_no_row_can_match_shows_the_unfiltered_list(self, admin_user, editor, query):
        make_claim(by=editor)
        client = logged_in(admin_user)
        response = client.get(f"/admin/tracker/claim/?{query}")
        assert response.status_code == 302
        assert response["Location"] == "/admin/tracker/claim/?e=1"
        assert client.get(response["Location"]).status_code == 200

    @pytest.mark.parametrize("selected", ["abc", str(10**30)])
    def test_an_action_on_ids_that_name_no_row_changes_nothing(self, admin_user, editor, selected):
        claim = make_claim(by=editor)
        client = logged_in(admin_user)
        response = client.post(
            "/admin/tracker/claim/",
            {
                "action": "change_status",
                "_selected_action": [str(claim.pk), selected],
                "apply": "1",
                "to": "researching",
            },
            follow=True,
        )
        assert response.status_code == 200
        assert "nothing was done" in response.content.decode()
        claim.refresh_from_db()
        assert claim.status == "new"

    def test_an_action_on_real_ids_still_runs(self, admin_user, editor):
        claim = make_claim(by=editor)
        logged_in(admin_user).post(
            "/admin/tracker/claim/",
            {"action": "change_status", "_selected_action": [str(claim.pk)], "apply": "1", "to": "researching"},
        )
        claim.refresh_from_db()
        assert claim.status == "researching"


def run_django(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run Python with args in a fresh interpreter, production-like, with only the given environment."""
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        # Checks never connect, so this file is never created.
        "DATABASE_URL": f"sqlite:///{REPO / 'deploy-check.sqlite3'}",
    }
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def check_deploy(**env: str) -> subprocess.CompletedProcess:
    return run_django("manage.py", "check", "--deploy", "--fail-level", "WARNING", **env)


class DeploySettingsTests:
    def test_https_settings_from_the_environment_pass_the_deploy_check(self):
        result = check_deploy(
            SECURE_SSL_REDIRECT="1",
            SECURE_HSTS_SECONDS="31536000",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
            SECURE_HSTS_PRELOAD="1",
            SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        )
        assert result.returncode == 0, result.stderr
        assert "no issues" in result.stdout

    def test_hsts_and_the_https_redirect_are_opt_in(self):
        result = check_deploy()
        assert "security.W004" in result.stderr  # no HSTS unless asked for
        assert "security.W008" in result.stderr  # no redirect to https unless asked for
        assert "security.W012" not in result.stderr  # the session cookie is secure without being asked
        assert "security.W016" not in result.stderr  # so is the CSRF cookie

    @pytest.mark.parametrize(
        ("name", "value", "message"),
        [
            ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS must be a whole number"),
            ("SECURE_HSTS_SECONDS", "-5", "SECURE_HSTS_SECONDS must be at least 0"),
            ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https", "must be a header name"),
        ],
    )
    def test_a_bad_value_stops_start_up(self, name, value, message):
        result = check_deploy(**{name: value})
        assert result.returncode != 0
        assert message in result.stderr

    def test_the_proxy_header_is_read_only_when_configured(self):
        show = "import django; django.setup(); from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)"
        unset = run_django("-c", show)
        header = run_django("-c", show, SECURE_PROXY_SSL_HEADER="x-forwarded-proto")
        assert unset.stdout.strip() == "None", unset.stderr
        assert header.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", header.stderr


PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@pytest.mark.django_db
class LoginThrottleTests:
    """The login pages slow down password guessing like the API's token endpoint does."""

    @pytest.fixture(autouse=True)
    def fresh_counts(self):
        cache.clear()
        yield
        cache.clear()

    def guess(self, client: Client, url: str, username: str, times: int) -> None:
        for _ in range(times):
            response = client.post(url, {"username": username, "password": "wrong guess"})
            assert response.status_code == 200
            assert "_auth_user_id" not in client.session

    @pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
    def test_after_too_many_wrong_passwords_the_right_one_is_refused_for_a_while(self, editor, url):
        client = Client(REMOTE_ADDR="203.0.113.7")
        self.guess(client, url, editor.username, logins.MAX_FAILURES)
        response = client.post(url, {"username": editor.username, "password": PASSWORD})
        assert response.status_code == 200
        assert "Too many failed log-ins" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_a_few_wrong_passwords_do_not_lock_anyone_out(self, editor):
        client = Client(REMOTE_ADDR="203.0.113.7")
        self.guess(client, "/accounts/login/", editor.username, logins.MAX_FAILURES - 1)
        response = client.post("/accounts/login/", {"username": editor.username, "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(editor.pk)

    def test_another_address_or_username_is_not_held_up(self, editor, reviewer):
        self.guess(Client(REMOTE_ADDR="203.0.113.7"), "/accounts/login/", editor.username, logins.MAX_FAILURES)
        elsewhere = Client(REMOTE_ADDR="198.51.100.2")
        assert (
            elsewhere.post("/accounts/login/", {"username": editor.username, "password": PASSWORD}).status_code == 302
        )
        same_place = Client(REMOTE_ADDR="203.0.113.7")
        response = same_place.post("/accounts/login/", {"username": reviewer.username, "password": PASSWORD})
        assert response.status_code == 302

    def test_a_wrong_password_still_says_so(self, editor):
        response = Client().post("/accounts/login/", {"username": editor.username, "password": "wrong"})
        assert "Your username and password didn&#x27;t match." in response.content.decode()


@pytest.mark.django_db
class PublicSnapshotTests:
    """What the desk changes after publishing reaches no public door until the claim is published again."""

    def test_unpublished_edits_stay_off_every_public_door(self, editor, reviewer):
        claim = make_claim(by=editor, text="Published wording of the claim.", tags=["published-tag"])
        workflow.transition(claim, to="researching", by=editor)
        claim = ready_for_review(claim, by=editor, rating="mostly-true")
        workflow.transition(claim, to="in_review", by=editor)
        claim = workflow.transition(claim, to="published", by=reviewer)
        public_url = claim.get_public_url()

        # Reopened and reworked: every part of the verdict, and the rows it points at, change.
        claim = workflow.transition(claim, to="researching", by=editor, note="Rechecking.")
        claimant, evidence = claim.claimant, claim.evidence.select_related("source").get()
        claimant.name, claimant.description = "Secret Draft Claimant", "Draft job title"
        claimant.save()
        source = evidence.source
        source.title, source.url = "Secret draft source", "https://draft.example/secret"
        source.save()
        claims.add_evidence(claim, source=SourceFactory(title="Secret added source"), stance="refutes", by=editor)
        appearance = claim.appearances.select_related("article").get()
        articles.edit_article(appearance.article, by=editor, title="Secret draft headline")
        claims.edit_claim(
            claim,
            {
                "text": "Secret draft wording.",
                "verdict_summary": "Secret draft summary.",
                "tags": ["secret-draft-tag"],
                "rating": Rating.objects.get(slug="false"),
            },
            by=editor,
            expected_version=claim.version,
        )

        anonymous = Client()
        api = APIClient()
        answers = {
            "index": anonymous.get(reverse("factcheck-index")),
            "home": anonymous.get("/"),
            "page": anonymous.get(public_url),
            "feed": anonymous.get(reverse("factcheck-feed")),
            "api list": api.get("/api/v1/claims/"),
            "api search": api.get("/api/v1/claims/", {"search": "Published wording"}),
            "api detail": api.get(f"/api/v1/claims/{claim.pk}/"),
            "claimreview": api.get(f"/api/v1/claims/{claim.pk}/claimreview/"),
            "claimreview feed": api.get("/api/v1/claimreview/"),
        }
        for door, response in answers.items():
            body = response.content.decode()
            assert response.status_code == 200, door
            assert "Published wording of the claim." in body, door
            assert "Secret" not in body and "secret" not in body, door
        assert anonymous.get(claim.get_absolute_url())["Location"] == public_url
        assert api.get("/api/v1/claims/", {"search": "Secret draft"}).json()["results"] == []
        assert api.get("/api/v1/claims/", {"rating": "false"}).json()["results"] == []


HOSTILE = "</script><script>alert(1)</script><img src=x onerror=alert(2)>\"'"


@pytest.mark.django_db
class EscapingTests:
    """Text from articles and users is shown as text on every page that shows it, the admin's included."""

    @pytest.fixture
    def hostile_claim(self, editor, reviewer):
        outlet = Outlet.objects.create(name="Outlet " + HOSTILE)
        article = ArticleFactory(
            title="Headline " + HOSTILE,
            outlet=outlet,
            body=f"Intro {HOSTILE} NATO announced Wednesday more {HOSTILE}",
            authors=["Author " + HOSTILE],
        )
        claimant = ClaimantFactory(name="Name " + HOSTILE, description="Title " + HOSTILE)
        claim = make_claim(
            by=editor, article=article, text="Claim " + HOSTILE, claimant=claimant, tags=["tag" + HOSTILE[:50]]
        )
        workflow.transition(claim, to="researching", by=editor)
        source = SourceFactory(title="Source " + HOSTILE, publisher="Publisher " + HOSTILE, notes=HOSTILE)
        claims.add_evidence(claim, source=source, stance="supports", by=editor, excerpt=HOSTILE, note=HOSTILE)
        claim = claims.edit_claim(
            claim,
            {
                "rating": Rating.objects.get(slug="false"),
                "verdict_summary": "Summary " + HOSTILE,
                "verdict_explanation": HOSTILE,
            },
            by=editor,
            expected_version=None,
        )
        workflow.transition(claim, to="in_review", by=editor, note="Note " + HOSTILE)
        claim = workflow.transition(claim, to="published", by=reviewer)
        claim = workflow.transition(claim, to="researching", by=editor, note="Reopened " + HOSTILE)
        claim = workflow.transition(claim, to="in_review", by=editor)
        return workflow.transition(claim, to="published", by=reviewer, note="Correction " + HOSTILE)

    def test_no_page_lets_the_text_run_as_html(self, hostile_claim, admin_user):
        claim = hostile_claim
        article = claim.appearances.get().article
        source = claim.evidence.get().source
        public = [reverse("factcheck-index"), claim.get_public_url(), reverse("factcheck-feed")]
        desk = [
            "/",
            reverse("claim-list"),
            reverse("claim-list") + "?search=Claim",
            claim.get_absolute_url(),
            reverse("article-list"),
            article.get_absolute_url(),
        ]
        admin = [
            f"/admin/tracker/{name}/" for name in ("claim", "article", "source", "appearance", "evidence", "claimant")
        ]
        admin += [f"/admin/tracker/{name}/" for name in ("tag", "outlet", "verificationevent", "correction")]
        admin += [
            f"/admin/tracker/claim/{claim.pk}/change/",
            f"/admin/tracker/claim/{claim.pk}/history/",
            f"/admin/tracker/claim/{claim.pk}/transition/?to=researching",
            f"/admin/tracker/article/{article.pk}/change/",
            f"/admin/tracker/source/{source.pk}/change/",
        ]
        anonymous, staff = Client(), logged_in(admin_user)
        for client, url in [(anonymous, u) for u in public] + [(staff, u) for u in desk + admin]:
            response = client.get(url)
            body = response.content.decode()
            assert response.status_code == 200, url
            assert "<script>alert(1)" not in body and "<img src=x" not in body, url
        page = anonymous.get(claim.get_public_url()).content.decode()
        assert "&lt;img src=x onerror=alert(2)&gt;" in page


@pytest.mark.django_db
class AccountPagesTests:
    def test_password_reset_by_mail_is_not_offered(self, client):
        # The desk sends no mail: a reset form would fail on SMTP with a 500.
        assert client.get("/accounts/password_reset/").status_code == 404

    def test_a_desk_member_changes_their_password(self, client, editor):
        client.force_login(editor)
        response = client.post(
            "/accounts/password_change/",
            {
                "old_password": "correct horse battery staple",
                "new_password1": "a new passphrase for eddie",
                "new_password2": "a new passphrase for eddie",
            },
        )
        assert response.status_code == 302
        editor.refresh_from_db()
        assert editor.check_password("a new passphrase for eddie")


@pytest.mark.django_db
class AssigneeTests:
    def test_a_claim_cannot_be_assigned_to_someone_outside_the_desk(self, editor):
        outsider = make_user(None, username="outsider")
        claim = make_claim(by=editor)
        with pytest.raises(ValidationError) as caught:
            claims.edit_claim(claim, {"assignee": outsider}, by=editor, expected_version=claim.version)
        assert "outsider is not a member of the desk." in caught.value.message_dict["assignee"]
        claim.refresh_from_db()
        assert claim.assignee is None and claim.version == 1

    def test_the_api_refuses_an_outsider_as_assignee(self, editor):
        make_user(None, username="outsider")
        claim = make_claim(by=editor)
        api = APIClient()
        api.force_authenticate(editor)
        response = api.patch(
            f"/api/v1/claims/{claim.pk}/", {"assignee": "outsider", "version": claim.version}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["assignee"] == ["outsider is not a member of the desk."]

    def test_desk_members_are_who_may_read_claims(self, reporter, editor, reviewer, admin_user):
        make_user(None, username="outsider")
        assert set(roles.desk_members().values_list("username", flat=True)) == {"rita", "eddie", "rob", "ada"}

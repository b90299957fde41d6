"""load_demo: the seed articles with their metadata, real claims in every status, demo users only when asked."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from tracker import claimreview
from tracker.demo import data
from tracker.models import (
    Appearance,
    Article,
    Claim,
    Claimant,
    Correction,
    Evidence,
    Outlet,
    Rating,
    Source,
    Tag,
    VerificationEvent,
)

SEEDS = Path(__file__).resolve().parent.parent / "tracker" / "demo" / "seeds"
SHARED_SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
DEMO_USERNAMES = {"reporter", "editor", "reviewer", "admin"}


def load(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> dict:
    """Return the number of rows of everything the demo writes, history included."""
    querysets = {
        "outlets": Outlet.objects,
        "articles": Article.objects,
        "claimants": Claimant.objects,
        "claims": Claim.all_objects,
        "appearances": Appearance.objects,
        "sources": Source.objects,
        "evidence": Evidence.objects,
        "tags": Tag.objects,
        "corrections": Correction.objects,
        "events": VerificationEvent.objects,
        "claim history": Claim.history,
        "article history": Article.history,
        "users": User.objects,
    }
    return {name: queryset.count() for name, queryset in querysets.items()}


def logins_printed(out: str) -> dict[str, str]:
    return dict(re.findall(r"^  (reporter|editor|reviewer|admin)\s+(\S+)\s", out, flags=re.M))


@pytest.mark.django_db
class LoadDemoWithoutUsersTests:
    def test_it_creates_no_user(self):
        out, _ = load()

        assert User.objects.count() == 0
        assert "No demo users were created" in out
        assert Claim.objects.filter(created_by__isnull=False).count() == 0
        assert VerificationEvent.objects.filter(actor__isnull=False).count() == 0

    def test_it_leaves_claims_in_every_status(self):
        out, _ = load()

        statuses = set(Claim.objects.values_list("status", flat=True))
        assert statuses == {s for s, _ in Claim.Status.choices}
        summary = (
            "3 stories and 1 original known only by its metadata, "
            "8 claims (2 new, 2 researching, 1 in review, 2 published, 1 dismissed)"
        )
        assert f"Demo desk loaded: {summary}" in out

    def test_the_seed_articles_carry_their_real_metadata(self):
        load()

        ap = Article.objects.get(outlet__name="The Associated Press")
        assert ap.title.startswith("NATO to help buy 1,000 Patriot missiles")
        assert ap.published_at.date().isoformat() == "2024-01-03"
        assert (ap.outlet.domain, ap.outlet.country) == ("apnews.com", "US")
        rt = Article.objects.get(outlet__name="RT")
        assert rt.published_at.date().isoformat() == "2024-10-03"
        assert rt.url == "https://rt.com/russia/605189-west-russian-missiles-ukraine-zelensky/"
        assert (rt.outlet.domain, rt.outlet.country) == ("rt.com", "RU")
        wp = Article.objects.get(outlet__name="The Washington Post")
        assert wp.title == "The Washington Post original of InoSMI's translation (its text and headline are not held)"
        assert wp.body == "" and wp.authors == ["Isobel Koshiw", "Siobhán O'Grady", "Ellen Francis"]
        assert wp.published_at.date().isoformat() == "2025-05-26"
        inosmi = Article.objects.get(outlet__name="InoSMI")
        assert inosmi.language == "en" and inosmi.outlet.country == "RU"
        assert inosmi.translation_of == wp and inosmi.republished_from == wp
        assert inosmi.authors == ["Isobel Koshiw", "Siobhan O'Grady", "Ellen Francis"]

    def test_the_seed_bodies_are_the_seed_files(self):
        load()

        for article in Article.objects.exclude(body=""):
            matches = [p for p in SEEDS.iterdir() if p.read_text(encoding="utf-8").split("\n", 1)[0] == article.title]
            assert len(matches) == 1
            assert article.body == matches[0].read_text(encoding="utf-8").split("\n", 1)[1].strip()

    def test_every_appearance_is_anchored_at_its_quote(self):
        load()

        appearances = Appearance.objects.select_related("article")
        assert appearances.count() == 9
        for appearance in appearances:
            assert appearance.article.body[appearance.start : appearance.end] == appearance.quote
            assert appearance.anchor_state == Appearance.AnchorState.ANCHORED

    def test_one_claim_appears_twice(self):
        load()

        claim = Claim.objects.get(text__startswith="None of the NATO allies")
        assert claim.appearances.count() == 2

    def test_published_claims_have_evidence_a_snapshot_and_a_claimreview(self):
        load()

        published = Claim.objects.filter(status=Claim.Status.PUBLISHED)
        assert published.count() == 2
        for claim in published:
            assert claim.evidence.exists()
            assert claim.rating is not None and claim.verdict_summary
            assert claim.public_snapshot["text"] == claim.text
            assert claim.public_snapshot["evidence"]
            review = claimreview.build(claim)
            assert review["claimReviewed"] == claim.text
            assert review["reviewRating"]["alternateName"] == "True"
            assert review["itemReviewed"]["author"]["name"] == claim.claimant.name

    def test_the_patriot_claim_was_reopened_and_republished_with_a_correction(self):
        load()

        claim = Claim.objects.get(text__startswith="NATO announced on 3 January 2024")
        correction = Correction.objects.get(claim=claim)
        assert "1,000 missiles is the maximum" in correction.note
        assert correction.previous_rating.slug == correction.new_rating.slug == "true"
        moves = list(claim.events.values_list("from_status", "to_status"))
        assert ("published", "researching") in moves and moves[-1] == ("in_review", "published")
        assert "every option" in claimreview.build(claim)["correction"][0]["text"]
        assert claim.evidence.count() == 3

    def test_the_prediction_is_dismissed_with_a_note(self):
        load()

        claim = Claim.objects.get(status=Claim.Status.DISMISSED)
        assert claim.claimant.name == "Mark Rutte"
        assert "prediction" in claim.events.get(to_status="dismissed").note

    def test_a_second_run_changes_nothing(self):
        load()
        before = counts()

        out, _ = load()

        assert counts() == before
        assert "The demo desk is already loaded (4 articles, 8 claims): nothing changed." in out

    def test_a_desk_loaded_under_the_originals_former_title_gets_no_second_copy(self):
        load()
        former = data.ARTICLES["wp"]["former_titles"][0]
        Article.objects.filter(outlet__name="The Washington Post").update(title=former)

        load()

        assert list(Article.objects.filter(outlet__name="The Washington Post").values_list("title", flat=True)) == [
            former
        ]

    def test_seed_articles_imported_earlier_are_completed_not_duplicated(self):
        call_command("import_articles", str(SEEDS), stdout=StringIO())

        out, _ = load()

        assert Article.objects.count() == 4
        assert Article.objects.get(outlet__name="RT").published_at is not None
        assert "its metadata was filled in" in out
        assert Claim.objects.count() == 8

    def test_a_desk_without_the_ratings_it_needs_gets_a_clear_error_and_nothing_loaded(self):
        Rating.objects.filter(slug="true").delete()

        with pytest.raises(CommandError, match="the rating scale lacks a rating the demo uses \\(true\\)"):
            load()

        assert Article.objects.count() == 0 and Claim.all_objects.count() == 0 and Outlet.objects.count() == 0

    @pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="shared/seeds is not beside this checkout")
    def test_the_shipped_seeds_are_the_shared_ones(self):
        for path in SHARED_SEEDS.iterdir():
            assert (SEEDS / path.name).read_bytes() == path.read_bytes()


@pytest.mark.django_db
class LoadDemoWithUsersTests:
    def test_it_creates_the_demo_users_in_their_groups(self):
        load("--users")

        users = {u.username: u for u in User.objects.prefetch_related("groups")}
        assert set(users) == DEMO_USERNAMES
        for role in ("reporter", "editor", "reviewer"):
            assert [g.name for g in users[role].groups.all()] == [role]
            assert users[role].is_staff and not users[role].is_superuser
        assert users["admin"].is_superuser and users["admin"].is_staff

    def test_the_printed_passwords_log_in(self):
        out, _ = load("--users")

        printed = logins_printed(out)
        assert set(printed) == DEMO_USERNAMES
        assert "http://127.0.0.1:8000/accounts/login/" in out and "http://127.0.0.1:8000/admin/" in out
        for username, password in printed.items():
            client = Client()
            assert client.login(username=username, password=password), username
        response = Client().post("/accounts/login/", {"username": "editor", "password": printed["editor"]})
        assert response.status_code == 302

    def test_the_demo_users_are_the_actors(self):
        load("--users")

        reporter, editor, reviewer = (User.objects.get(username=n) for n in ("reporter", "editor", "reviewer"))
        assert set(Claim.objects.values_list("created_by", flat=True)) == {reporter.pk}
        publishes = VerificationEvent.objects.filter(to_status="published")
        assert publishes.count() == 3
        assert set(publishes.values_list("actor", flat=True)) == {reviewer.pk}
        others = VerificationEvent.objects.exclude(to_status="published")
        assert set(others.values_list("actor", flat=True)) == {editor.pk}
        assert set(Evidence.objects.values_list("added_by", flat=True)) == {editor.pk}
        assert Claim.objects.filter(assignee=editor).count() == 2

    def test_a_second_run_keeps_the_data_and_still_prints_the_logins(self):
        load("--users")
        before = counts()

        out, _ = load("--users")

        assert counts() == before
        assert "already loaded" in out
        assert set(logins_printed(out)) == DEMO_USERNAMES
        assert "Created demo users" not in out

    def test_users_added_to_a_desk_loaded_without_them(self):
        load()
        before = counts()

        out, _ = load("--users")

        assert User.objects.count() == 4
        assert {**counts(), "users": 0} == {**before, "users": 0}
        assert "Created demo users: reporter, editor, reviewer, admin." in out

    def test_a_changed_demo_password_is_reset_to_the_printed_one(self):
        load("--users")
        editor = User.objects.get(username="editor")
        editor.set_password("something else")
        editor.save()

        out, _ = load("--users")

        assert Client().login(username="editor", password=logins_printed(out)["editor"])

    def test_a_real_account_with_a_demo_name_is_left_alone(self):
        real = User.objects.create_user("admin", email="it@newsroom.example", password="a real secret")

        out, err = load("--users")

        real.refresh_from_db()
        assert real.check_password("a real secret") and not real.is_superuser
        assert "“admin” already exists and was not created by the demo" in err
        assert "admin" not in logins_printed(out)
        assert set(logins_printed(out)) == {"reporter", "editor", "reviewer"}


def test_demo_passwords_are_documented_in_the_data_module():
    assert [u["password"] for u in data.DEMO_USERS] == [
        "demo-reporter-pass",
        "demo-editor-pass",
        "demo-reviewer-pass",
        "demo-admin-pass",
    ]

"""Editing an article re-anchors its quotes through one domain function; re-attaching and confirming them."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from tests.factories import ArticleFactory, make_claim, make_user
from tracker import articles, workflow
from tracker.models import Appearance, Article, Claim
from tracker.reading import quotes
from tracker.workflow import EditForbidden, StaleVersion

BODY = (
    "BRUSSELS – NATO announced Wednesday that it would help buy up to 1,000 Patriot missiles.\n"
    "According to industry sources, the contract could be worth around $5.5 billion.\n"
    "Rubio said the United States was instead encouraging its NATO allies to transfer Patriot systems.\n"
    "The purchase could help allies free up more of their own defense systems for Ukraine.\n"
    "More than 40 civilians have been killed since the weekend, officials in Kiev said."
)
QUOTES = [
    "NATO announced Wednesday that it would help buy up to 1,000 Patriot missiles",
    "the contract could be worth around $5.5 billion",
    "encouraging its NATO allies to transfer Patriot systems",
    "free up more of their own defense systems",
    "More than 40 civilians have been killed since the weekend",
]


@pytest.fixture
def five(db, editor):
    """An article with five claims, one quote each."""
    article = ArticleFactory(body=BODY, created_by=editor)
    claims = [make_claim(by=editor, article=article, quote=q, text=f"Claim {i}") for i, q in enumerate(QUOTES)]
    return article, claims


def states(article: Article) -> dict[str, tuple[str, bool]]:
    return {a.quote: (a.anchor_state, a.needs_confirmation) for a in article.appearances.order_by("id")}


class EditArticleTests:
    def test_five_quotes_after_a_typo_fix_a_deletion_and_an_insertion(self, db, editor):
        typo = BODY.replace("encouraging its NATO", "encuraging its NATO")
        article = ArticleFactory(body=typo, created_by=editor)
        logged = [q.replace("encouraging", "encuraging") for q in QUOTES]
        for i, quote in enumerate(logged):
            make_claim(by=editor, article=article, quote=quote, text=f"Claim {i}")
        new = "Updated 1 month ago\n" + BODY.replace(
            "\nMore than 40 civilians have been killed since the weekend, officials in Kiev said.", ""
        )
        saved = articles.edit_article(article, by=editor, body=new)
        outcomes = {o.old_quote: o for o in saved.quote_outcomes}
        assert outcomes[logged[2]].state == "changed"
        assert outcomes[logged[2]].new_quote == QUOTES[2]
        assert outcomes[logged[4]].reason == "its words are no longer in the text"
        now = states(saved)
        assert now[QUOTES[0]] == ("moved", False)
        assert now[QUOTES[1]] == ("moved", False)
        assert now[QUOTES[2]] == ("changed", True)
        assert now[QUOTES[3]] == ("moved", False)
        assert now[QUOTES[4]] == ("orphaned", False)
        body = saved.body
        for appearance in saved.appearances.exclude(anchor_state="orphaned"):
            assert body[appearance.start : appearance.end] == appearance.quote

    def test_the_old_words_of_a_changed_quote_stay_in_history(self, five, editor):
        article, claims = five
        articles.edit_article(article, by=editor, body=BODY.replace("$5.5 billion", "$5.6 billion"))
        appearance = claims[1].appearances.get()
        assert appearance.quote == "the contract could be worth around $5.6 billion"
        assert appearance.anchor_state == "changed"
        old = appearance.history.order_by("history_date", "history_id").first()
        assert old.quote == QUOTES[1]
        latest = appearance.history.latest()
        assert latest.history_user == editor
        assert "Article text changed" in latest.history_change_reason

    def test_the_edit_bumps_the_article_version_and_a_stale_one_is_refused(self, five, editor, other_editor):
        article, _ = five
        saved = articles.edit_article(article, by=editor, expected_version=1, title="New title")
        assert saved.version == 2
        with pytest.raises(articles.StaleArticle) as caught:
            articles.edit_article(article, by=other_editor, expected_version=1, title="Mine")
        assert caught.value.current.title == "New title"
        assert caught.value.status == 412
        assert Article.objects.get(pk=article.pk).title == "New title"

    def test_an_edit_that_changes_nothing_keeps_the_version(self, five, editor):
        article, _ = five
        assert articles.edit_article(article, by=editor, title=article.title).version == 1

    def test_preview_saves_nothing(self, five, editor):
        article, _ = five
        outcomes = quotes.preview(article, BODY.replace("According to industry sources, ", ""))
        assert [o.state for o in outcomes] == ["anchored", "moved", "moved", "moved", "moved"]
        assert set(states(Article.objects.get(pk=article.pk)).values()) == {("anchored", False)}

    def test_a_reanchoring_that_fails_leaves_the_old_text(self, five, editor, monkeypatch):
        article, _ = five

        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(Appearance, "save", broken)
        with pytest.raises(RuntimeError):
            articles.edit_article(article, by=editor, body="Inserted.\n" + BODY)
        assert Article.objects.get(pk=article.pk).body == BODY

    def test_the_signal_names_the_quotes_that_moved_after_commit(
        self, five, editor, django_capture_on_commit_callbacks
    ):
        article, _ = five
        received = []
        quotes.quotes_reanchored.connect(lambda sender, **kw: received.append(kw), weak=False)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                articles.edit_article(article, by=editor, body="Inserted.\n" + BODY)
        finally:
            quotes.quotes_reanchored.receivers.clear()
        assert received[0]["article"].pk == article.pk
        assert len(received[0]["outcomes"]) == 5


class WhoMayEditTests:
    def test_a_reporter_edits_their_own_import(self, db):
        reporter = make_user("reporter")
        article = ArticleFactory(body=BODY, created_by=reporter)
        assert articles.edit_article(article, by=reporter, title="Fixed").title == "Fixed"

    def test_a_reporter_may_not_edit_someone_elses_import(self, db, editor):
        reporter = make_user("reporter")
        article = ArticleFactory(body=BODY, created_by=editor)
        with pytest.raises(articles.ArticleEditForbidden):
            articles.edit_article(article, by=reporter, title="Fixed")

    def test_a_reporter_may_not_edit_their_import_once_a_claim_from_it_is_published(self, db, editor, reviewer):
        reporter = make_user("reporter")
        article = ArticleFactory(body=BODY, created_by=reporter)
        claim = make_claim(by=reporter, article=article, quote=QUOTES[1])
        workflow.transition(claim, to="researching", by=editor)
        from tests.factories import ready_for_review

        ready_for_review(claim, by=editor)
        workflow.transition(claim, to="in_review", by=editor)
        workflow.transition(claim, to="published", by=reviewer)
        with pytest.raises(articles.ArticleEditForbidden) as caught:
            articles.edit_article(article, by=reporter, title="Fixed")
        assert "published" in str(caught.value)
        assert articles.edit_article(article, by=editor, title="Fixed").title == "Fixed"


class ReimportTests:
    def test_importing_the_same_url_with_new_text_updates_the_article(self, five, editor):
        article, _ = five
        again, created = articles.import_or_update(
            by=editor, title=article.title, url=article.url, body="Updated 1 month ago\n" + BODY
        )
        assert (created, again.pk) == (False, article.pk)
        assert Article.objects.count() == 1
        assert {o.state for o in again.quote_outcomes} == {"moved"}

    def test_the_same_url_with_the_same_text_is_a_duplicate(self, five, editor):
        article, _ = five
        with pytest.raises(articles.DuplicateArticle):
            articles.import_or_update(by=editor, title="x", url=article.url, body=BODY)

    def test_the_import_command_updates_and_says_so(self, five, tmp_path):
        article, _ = five
        path = tmp_path / "story.json"
        path.write_text(
            json.dumps({"title": "T", "url": article.url, "body": "New first line.\n" + BODY}),
            encoding="utf-8",
        )
        from io import StringIO

        out = StringIO()
        call_command("import_articles", str(path), stdout=out)
        assert f"updated article {article.pk}" in out.getvalue()
        assert "1 updated" in out.getvalue()
        assert Article.objects.get(pk=article.pk).body.startswith("New first line.")


class ReattachTests:
    def test_reattach_an_orphaned_quote_to_selected_text(self, five, editor):
        article, claims = five
        articles.edit_article(article, by=editor, body=BODY.replace("the contract could be worth", "it may cost"))
        appearance = claims[1].appearances.get()
        assert appearance.anchor_state == "orphaned"
        body = Article.objects.get(pk=article.pk).body
        start = body.index("it may cost")
        version = Claim.objects.get(pk=claims[1].pk).version
        placed = quotes.reattach(
            appearance, start=start, end=start + len("it may cost around $5.5 billion"), by=editor
        )
        assert (placed.anchor_state, placed.quote) == ("anchored", "it may cost around $5.5 billion")
        assert Claim.objects.get(pk=claims[1].pk).version == version + 1
        assert placed.history.latest().history_change_reason == "Re-attached in the reader"

    def test_reattach_checks_the_claims_version(self, five, editor):
        _, claims = five
        appearance = claims[1].appearances.get()
        with pytest.raises(StaleVersion):
            quotes.reattach(appearance, start=0, end=8, by=editor, expected_version=99)

    @pytest.mark.parametrize(("start", "end"), [(-1, 4), (5, 5), (0, 10**6), (3, 2)])
    def test_reattach_refuses_a_selection_outside_the_text(self, five, editor, start, end):
        _, claims = five
        with pytest.raises(quotes.ReattachError):
            quotes.reattach(claims[1].appearances.get(), start=start, end=end, by=editor)

    def test_reattach_trims_whitespace_and_refuses_an_empty_selection(self, five, editor):
        article, claims = five
        newline = article.body.index("\n")
        with pytest.raises(quotes.ReattachError):
            quotes.reattach(claims[1].appearances.get(), start=newline, end=newline + 1, by=editor)

    def test_a_reporter_may_not_reattach_someone_elses_claim(self, five):
        _, claims = five
        with pytest.raises(EditForbidden):
            quotes.reattach(claims[1].appearances.get(), start=0, end=8, by=make_user("reporter"))

    def test_confirm_a_changed_quote(self, five, editor):
        article, claims = five
        articles.edit_article(article, by=editor, body=BODY.replace("$5.5 billion", "$5.6 billion"))
        appearance = claims[1].appearances.get()
        confirmed = quotes.confirm(appearance, by=editor, expected_version=Claim.objects.get(pk=claims[1].pk).version)
        assert (confirmed.anchor_state, confirmed.needs_confirmation) == ("anchored", False)

    def test_an_orphan_cannot_be_confirmed(self, five, editor):
        article, claims = five
        articles.edit_article(article, by=editor, body=BODY.replace("the contract could be worth", "it may cost"))
        with pytest.raises(quotes.ReattachError):
            quotes.confirm(claims[1].appearances.get(), by=editor)

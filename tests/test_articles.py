"""Storing and editing articles through tracker.articles: normalised once, never duplicated."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_claim
from tracker import articles
from tracker.articles import DuplicateArticle
from tracker.models import Appearance, Article, body_hash

BODY = "Kyiv, Ukraine (AP) — Air defence units shot down 20 drones overnight, officials said.\r\n"


class ImportArticleTests:
    @pytest.mark.django_db
    def test_stores_the_normalised_text_and_its_hash(self, reporter):
        article = articles.import_article(
            by=reporter, title="  Drones\r\n", body="\ufeff" + BODY, url="https://apnews.com/a", language="en"
        )
        row = Article.objects.get(pk=article.pk)
        assert row.body == BODY.strip()
        assert row.title == "Drones"
        assert row.body_sha256 == body_hash(BODY.strip())
        assert row.created_by == reporter
        assert Article.history.get(id=row.pk).history_user == reporter

    @pytest.mark.django_db
    def test_same_text_is_a_duplicate_naming_the_stored_one(self, reporter):
        first = articles.import_article(by=reporter, title="AP", body=BODY)
        with pytest.raises(DuplicateArticle) as caught:
            articles.import_article(by=reporter, title="Copy", body=BODY.replace("\r\n", "\n") + "\n\n")
        assert caught.value.existing == first
        assert caught.value.reason == "text"
        assert f"(id {first.pk})" in str(caught.value)
        assert Article.objects.count() == 1

    @pytest.mark.django_db
    def test_same_url_is_a_duplicate(self, reporter):
        first = articles.import_article(by=reporter, title="AP", body=BODY, url="https://apnews.com/a")
        with pytest.raises(DuplicateArticle) as caught:
            articles.import_article(by=reporter, title="AP", body="Other text.", url="https://apnews.com/a")
        assert (caught.value.existing, caught.value.reason) == (first, "url")
        assert Article.objects.count() == 1

    @pytest.mark.django_db
    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"body": "   \r\n"}, "body"),
            ({"body": "Text \x00 with NUL."}, "body"),
            ({"body": "Fine.", "language": "english!"}, "language"),
            ({"body": "Fine.", "url": "ftp://example.org/a"}, "url"),
            ({"body": "Fine.", "authors": "Ann Author"}, "authors"),
        ],
        ids=["empty", "nul", "language", "url", "authors"],
    )
    def test_bad_fields_write_nothing(self, fields, field, reporter):
        with pytest.raises(ValidationError) as caught:
            articles.import_article(by=reporter, title="Bad", **fields)
        assert field in caught.value.message_dict
        assert not Article.objects.exists()


class EditArticleTests:
    @pytest.mark.django_db
    def test_body_edit_reanchors_and_records_the_editor(self, editor):
        claim = make_claim(by=editor)
        article = claim.appearances.get().article
        edited = articles.edit_article(article, by=editor, body="Updated 1 month ago\r\n" + article.body)
        appearance = Appearance.objects.get(claim=claim)
        assert appearance.anchor_state == "moved"
        assert edited.body[appearance.start : appearance.end] == appearance.quote
        assert edited.body_sha256 == body_hash(edited.body)
        assert Article.history.filter(id=article.pk).latest().history_user == editor

    @pytest.mark.django_db
    def test_text_of_another_article_is_refused(self, editor):
        first = articles.import_article(by=editor, title="One", body="First text.")
        second = articles.import_article(by=editor, title="Two", body="Second text.")
        with pytest.raises(DuplicateArticle) as caught:
            articles.edit_article(second, by=editor, body="First text.\r\n")
        assert caught.value.existing == first
        assert Article.objects.get(pk=second.pk).body == "Second text."

    @pytest.mark.django_db
    def test_url_of_another_article_is_refused_even_with_the_same_body(self, editor):
        first = articles.import_article(by=editor, title="One", body="First text.", url="https://a.example/1")
        second = articles.import_article(by=editor, title="Two", body="Second text.", url="https://a.example/2")
        with pytest.raises(DuplicateArticle) as caught:
            articles.edit_article(second, by=editor, body="Second text.", url="https://a.example/1")
        assert (caught.value.existing, caught.value.reason) == (first, "url")
        assert Article.objects.get(pk=second.pk).url == "https://a.example/2"

    @pytest.mark.django_db
    def test_saving_its_own_text_and_url_again_is_fine(self, editor):
        article = articles.import_article(by=editor, title="One", body="First text.", url="https://a.example/1")
        edited = articles.edit_article(article, by=editor, body="First text.", url="https://a.example/1", title="1")
        assert Article.objects.get(pk=edited.pk).title == "1"

    @pytest.mark.django_db
    def test_empty_or_nul_body_is_refused(self, editor):
        article = articles.import_article(by=editor, title="One", body="First text.")
        for body in ("  ", "NUL \x00"):
            with pytest.raises(ValidationError):
                articles.edit_article(article, by=editor, body=body)
        assert Article.objects.get(pk=article.pk).body == "First text."

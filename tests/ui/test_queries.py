"""List pages cost the same number of queries at 10 rows as at 25 (a full page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ArticleFactory, add_evidence, make_claim, make_user


def queries_for(client, url) -> int:
    client.get(url)  # the first request caches the user's permissions (tracker.auth); count a later one
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_claims(count, editor):
    for i in range(count):
        claim = make_claim(text=f"Claim number {i}.", tags=[f"tag{i}", "common"], assignee=editor)
        add_evidence(claim, by=editor)


@pytest.mark.django_db
class QueryCountTests:
    @pytest.mark.parametrize("name", ["claim-list", "home", "factcheck-index"])
    def test_claim_pages_do_not_grow_with_rows(self, client, name, editor):
        client.force_login(editor)
        add_claims(10, editor)
        small = queries_for(client, reverse(name))
        add_claims(20, editor)
        assert queries_for(client, reverse(name)) == small

    def test_article_list(self, client):
        client.force_login(make_user("reporter"))
        ArticleFactory.create_batch(10)
        small = queries_for(client, reverse("article-list"))
        ArticleFactory.create_batch(20)
        assert queries_for(client, reverse("article-list")) == small

    def test_reader_does_not_grow_with_claims(self, client, editor):
        client.force_login(editor)
        article = ArticleFactory()
        quotes = ["Secretary of State", "Marco Rubio", "NATO announced", "Wednesday", "Patriot missiles"]
        for quote in quotes[:2]:
            make_claim(article=article, quote=quote)
        small = queries_for(client, article.get_absolute_url())
        for quote in quotes[2:]:
            make_claim(article=article, quote=quote)
        assert queries_for(client, article.get_absolute_url()) == small

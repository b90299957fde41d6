"""List pages cost the same number of queries at 10 rows as at 25 (a full page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ArticleFactory, ClaimantFactory, add_evidence, make_claim, make_user
from tracker.models import Appearance, Article, Claim, Rating


def queries_for(client, url) -> int:
    client.get(url)  # the first request caches the user's permissions (tracker.auth); count a later one
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


SENTENCE = "Sentence {} says that {} missiles cost {} billion in 2024."


def article_with_quotes(count: int, by) -> Article:
    """An article of 300 sentences with count claims quoted in it, in every anchor state, some overlapping."""
    sentences = [SENTENCE.format(n, n, n) for n in range(300)]
    article = ArticleFactory(body=f"A story of {count} claims. " + " ".join(sentences))
    claimant, rating = ClaimantFactory(), Rating.objects.get(slug="false")
    statuses = [Claim.Status.NEW, Claim.Status.RESEARCHING, Claim.Status.IN_REVIEW]
    logged = Claim.objects.bulk_create(
        Claim(
            text=f"Claim {n}: {n} missiles cost {n} billion.",
            claimant=claimant if n % 2 else None,
            rating=rating if n % 3 == 0 else None,
            status=statuses[n % 3],
            created_by=by,
        )
        for n in range(count)
    )
    states = [
        (Appearance.AnchorState.ANCHORED, False),
        (Appearance.AnchorState.MOVED, False),
        (Appearance.AnchorState.CHANGED, True),
        (Appearance.AnchorState.ORPHANED, False),
    ]
    quotes = []
    for n, claim in enumerate(logged):
        start = article.body.index(sentences[n])
        # Every other quote runs into the next sentence, so highlights overlap.
        end = start + len(sentences[n]) + (12 if n % 2 else 0)
        state, unsure = states[n % 4]
        quotes.append(
            Appearance(
                claim=claim,
                article=article,
                quote=article.body[start:end],
                start=start,
                end=end,
                anchor_state=state,
                needs_confirmation=unsure,
                created_by=by,
            )
        )
    Appearance.objects.bulk_create(quotes)
    return article


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

    def test_reader_of_300_claims_costs_what_the_reader_of_10_does(self, client, editor):
        client.force_login(editor)
        small, big = article_with_quotes(10, editor), article_with_quotes(300, editor)
        few = queries_for(client, small.get_absolute_url())
        many = queries_for(client, big.get_absolute_url())
        assert many == few
        page = client.get(big.get_absolute_url()).content.decode()
        assert page.count('<li id="claim-') == 300
        assert page.count('class="hl-marker') == 225  # the orphaned quarter is listed, not highlighted
        assert page.count('<li id="quote-') == 150  # orphaned and unconfirmed quotes, to check
        for state in ("moved", "changed", "orphaned"):
            assert page.count(f'<span class="warn">quote {state}</span>') == 75
        assert page.count('<span class="warn">to confirm</span>') == 75

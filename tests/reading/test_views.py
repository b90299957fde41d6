"""The reader's suggestions and quotes to check; editing an article in the desk; re-attaching in the reader."""

from __future__ import annotations

import pytest

from tests.factories import ArticleFactory, ClaimantFactory, make_claim, make_user
from tracker import articles
from tracker.models import Article, Claim

BODY = (
    "BRUSSELS – NATO announced Wednesday that it would help buy up to 1,000 Patriot missiles.\n"
    "Recommended Videos\n"
    "According to industry sources, the contract could be worth around $5.5 billion.\n"
    "Thank you all for coming."
)


@pytest.fixture
def article(db, editor):
    return ArticleFactory(body=BODY, created_by=editor, title="NATO to help buy Patriots")


class ReaderTests:
    def test_suggested_sentences_are_marked_and_listed_with_log_claim(self, page_for, article):
        html = page_for("reporter").get(f"/articles/{article.pk}/").content.decode()
        assert 'id="suggestions"' in html
        start = BODY.index("According")
        end = BODY.index("billion.") + len("billion.")
        assert f'href="?log={start}-{end}#log-claim"' in html
        assert '<mark class="seg sg"' in html
        assert "Recommended Videos</blockquote>" not in html  # boilerplate is never listed

    def test_log_claim_link_fills_the_form(self, page_for, article):
        start = BODY.index("According")
        html = page_for("reporter").get(f"/articles/{article.pk}/?log={start}-{start + 9}").content.decode()
        assert "According</textarea>" in html
        assert f'name="start" value="{start}"' in html

    @pytest.mark.parametrize("value", ["1-0", "a-b", "0-999999", "99999999999-99999999999"])
    def test_a_bad_log_parameter_is_ignored(self, page_for, article, value):
        assert page_for("reporter").get(f"/articles/{article.pk}/?log={value}").status_code == 200

    def test_a_russian_article_says_its_suggestions_are_weaker(self, page_for, db):
        article = ArticleFactory(body="НАТО поможет купить до 1000 ракет Patriot, заявил генсек.", language="ru")
        html = page_for("editor").get(f"/articles/{article.pk}/").content.decode()
        assert 'id="weaker-scorer"' in html
        assert "language-neutral" in html

    def test_article_text_is_escaped_in_suggestions(self, page_for, db):
        article = ArticleFactory(body="The minister said <script>alert(1)</script> cost $5 billion in 2024.")
        html = page_for("editor").get(f"/articles/{article.pk}/").content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;" in html

    def test_hostile_text_and_quotes_are_shown_as_text(self, page_for, editor):
        hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;"
        body = f"He said {hostile} cost $5 billion in 2024. Then: {hostile} again, and 3 more missiles came."
        article = ArticleFactory(body=body, title="Headline " + hostile)
        claimant = ClaimantFactory(name="Name " + hostile)
        quote = f"{hostile} cost $5 billion"
        claim = make_claim(by=editor, article=article, quote=quote, text="Claim " + hostile, claimant=claimant)
        make_claim(by=editor, article=article, quote=f"Then: {hostile} again", text="Second " + hostile)
        html = page_for(editor).get(f"/articles/{article.pk}/").content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#x27;&amp;amp;"
        start = body.index(quote)
        # The highlighted quote, its marker's tooltip and the list beside the text all carry the words as text.
        assert f'data-o="{start}" data-claims="{claim.pk}"' in html
        assert f"{escaped} cost $5 billion</mark>" in html
        assert f'title="New: Claim {escaped}"' in html
        assert f'<blockquote class="quote">{escaped} cost $5 billion</blockquote>' in html
        assert f"· Name {escaped}</div>" in html
        # And the article text around it reads exactly as stored.
        assert '<span class="seg" data-o="0">He said </span>' in html

    def test_quotes_to_check_after_an_edit(self, page_for, editor, article):
        claim = make_claim(by=editor, article=article, quote="the contract could be worth around $5.5 billion")
        articles.edit_article(article, by=editor, body=BODY.replace("$5.5", "$5.6"))
        html = page_for(editor).get(f"/articles/{article.pk}/").content.decode()
        assert 'id="quotes-to-check"' in html
        assert "Changed: found where the words now differ" in html
        assert f'action="/quotes/{claim.appearances.get().pk}/confirm/"' in html

    def test_the_reader_costs_the_same_queries_with_more_suggestions(
        self, page_for, db, django_assert_max_num_queries
    ):
        short = ArticleFactory(body="Unemployment fell to 3.9 percent in 2024.")
        long = ArticleFactory(body="\n".join(f"Unemployment fell to {n}.9 percent in 20{n:02d}." for n in range(60)))
        client = page_for("editor")
        client.get(f"/articles/{short.pk}/")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            client.get(f"/articles/{short.pk}/")
        with CaptureQueriesContext(connection) as many:
            client.get(f"/articles/{long.pk}/")
        assert len(many) == len(few)


class EditPageTests:
    def test_preview_shows_what_becomes_of_each_quote_and_saves_nothing(self, page_for, editor, article):
        make_claim(by=editor, article=article, quote="the contract could be worth around $5.5 billion")
        make_claim(by=editor, article=article, quote="help buy up to 1,000 Patriot missiles")
        new = BODY.replace("$5.5", "$5.6").replace("NATO announced Wednesday that it would help buy up to 1,000 ", "")
        response = page_for(editor).post(
            f"/articles/{article.pk}/edit/",
            {"version": 1, "title": article.title, "url": article.url, "language": "en", "body": new, "preview": "1"},
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "Changes</strong>" in html and "(to confirm)" in html
        assert "Orphaned</strong>" in html
        assert Article.objects.get(pk=article.pk).body == BODY

    def test_save_reports_each_quote_and_redirects_to_the_reader(self, page_for, editor, article):
        make_claim(by=editor, article=article, quote="the contract could be worth around $5.5 billion")
        client = page_for(editor)
        response = client.post(
            f"/articles/{article.pk}/edit/",
            {"version": 1, "title": article.title, "url": article.url, "language": "en", "body": "New.\n" + BODY},
            follow=True,
        )
        html = response.content.decode()
        assert "of its 1 quote: 1 moved" in html
        assert Article.objects.get(pk=article.pk).version == 2

    def test_a_stale_form_shows_what_changed_and_keeps_the_input(self, page_for, editor, other_editor, article):
        articles.edit_article(article, by=other_editor, body=BODY + "\nA line they added.")
        response = page_for(editor).post(
            f"/articles/{article.pk}/edit/",
            {"version": 1, "title": "My title", "url": article.url, "language": "en", "body": BODY, "save": "1"},
        )
        html = response.content.decode()
        assert response.status_code == 412
        assert "Someone else changed this article" in html
        assert "A line they added." in html
        assert 'value="My title"' in html
        assert 'name="version" value="2"' in html
        assert Article.objects.get(pk=article.pk).title != "My title"

    def test_a_reporter_cannot_open_someone_elses_article_for_editing(self, page_for, article):
        assert page_for("reporter").get(f"/articles/{article.pk}/edit/").status_code == 403
        assert page_for("reporter").post(f"/articles/{article.pk}/edit/", {"version": 1}).status_code == 403

    def test_bad_input_is_a_400(self, page_for, editor, article):
        response = page_for(editor).post(
            f"/articles/{article.pk}/edit/",
            {"version": 1, "title": "T", "url": "", "language": "not a tag", "body": "x\x00y", "save": "1"},
        )
        assert response.status_code == 400
        assert Article.objects.get(pk=article.pk).body == BODY


class ReattachPageTests:
    def test_reattach_from_the_reader(self, page_for, editor, article):
        claim = make_claim(by=editor, article=article, quote="the contract could be worth around $5.5 billion")
        articles.edit_article(article, by=editor, body=BODY.replace("the contract could be worth", "it may cost"))
        appearance = claim.appearances.get()
        body = Article.objects.get(pk=article.pk).body
        start = body.index("it may cost")
        version = Claim.objects.get(pk=claim.pk).version
        response = page_for(editor).post(
            f"/quotes/{appearance.pk}/reattach/",
            {"version": version, "start": start, "end": start + len("it may cost around $5.5 billion")},
        )
        assert response.status_code == 302
        appearance.refresh_from_db()
        assert (appearance.anchor_state, appearance.quote) == ("anchored", "it may cost around $5.5 billion")

    def test_a_reporter_may_not_reattach_an_editors_claim(self, page_for, editor, article):
        claim = make_claim(by=editor, article=article, quote="the contract could be worth around $5.5 billion")
        appearance = claim.appearances.get()
        response = page_for(make_user("reporter")).post(
            f"/quotes/{appearance.pk}/reattach/", {"version": 1, "start": 0, "end": 5}
        )
        assert response.status_code == 403

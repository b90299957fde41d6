"""Every desk page answers each role as DESIGN §3 says; anonymous visitors never see a draft."""

import pytest
from django.urls import reverse

from tests.factories import ArticleFactory, make_claim, make_user
from tracker import workflow

from .conftest import ROLES


@pytest.mark.django_db
class DeskPageTests:
    @pytest.mark.parametrize("role", ROLES)
    def test_desk_pages_open_for_every_desk_role(self, client_for, role, new_claim, article):
        client = client_for(role)
        for url in [
            reverse("home"),
            reverse("article-list"),
            reverse("article-import"),
            article.get_absolute_url(),
            reverse("claim-list"),
            new_claim.get_absolute_url(),
        ]:
            response = client.get(url)
            assert response.status_code == 200, url

    @pytest.mark.parametrize("name", ["article-list", "article-import", "claim-list", "dashboard"])
    def test_anonymous_visitors_are_sent_to_log_in(self, client, name):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_anonymous_home_is_the_public_index(self, client, published_claim, new_claim):
        response = client.get("/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "Fact-checks" in body
        assert published_claim.public_snapshot["text"] in body
        assert new_claim.text not in body

    def test_desk_home_is_the_dashboard(self, client_for):
        response = client_for("editor").get("/")
        assert "My assignments" in response.content.decode()

    def test_a_draft_answers_404_to_anonymous_visitors(self, client, new_claim):
        assert client.get(new_claim.get_absolute_url()).status_code == 404
        assert client.get(f"/claims/{new_claim.pk + 1000}/").status_code == 404

    def test_a_published_claim_sends_anonymous_visitors_to_its_public_page(self, client, published_claim):
        response = client.get(published_claim.get_absolute_url())
        assert response.status_code == 302
        assert response["Location"] == published_claim.get_public_url()

    def test_a_user_outside_the_desk_is_refused(self, client, new_claim, article):
        client.force_login(make_user(None))
        assert client.get(reverse("claim-list")).status_code == 403
        assert client.get(article.get_absolute_url()).status_code == 403
        assert client.get(new_claim.get_absolute_url()).status_code == 404

    def test_login_page_renders_and_logs_in(self, client, editor):
        assert client.get(reverse("login")).status_code == 200
        response = client.post(
            reverse("login"), {"username": editor.username, "password": "correct horse battery staple"}
        )
        assert response.status_code == 302
        assert "My assignments" in client.get("/").content.decode()

    def test_logout_is_a_post_and_lands_on_the_public_index(self, client_for):
        client = client_for("editor")
        response = client.post(reverse("logout"), follow=True)
        assert response.status_code == 200
        assert client.get(reverse("claim-list")).status_code == 302


@pytest.mark.django_db
class CsrfTests:
    def test_forms_carry_the_token_and_htmx_sends_it(self, client_for, new_claim):
        client = client_for("editor")
        body = client.get(new_claim.get_absolute_url()).content.decode()
        assert body.count('name="csrfmiddlewaretoken"') >= 5
        assert 'hx-headers=\'{"X-CSRFToken": "' in body

    def test_a_post_without_the_token_is_refused(self, editor, new_claim):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(editor)
        response = client.post(
            reverse("claim-transition", args=[new_claim.pk]), {"to": "researching", "version": new_claim.version}
        )
        assert response.status_code == 403
        new_claim.refresh_from_db()
        assert new_claim.status == "new"


@pytest.mark.django_db
class DashboardTests:
    def test_it_counts_claims_per_status_and_lists_my_work(self, client_for, editor, reviewer, other_reviewer):
        mine = make_claim(text="Assigned to the editor.", assignee=editor)
        make_claim(text="Nobody's claim.")
        response = client_for(editor).get("/")
        body = response.content.decode()
        assert response.context["total"] == 2
        assert ("new", "New", 2) in response.context["statuses"]
        assert [c.pk for c in response.context["mine"]] == [mine.pk]
        assert "Assigned to the editor." in body

    def test_waiting_for_review_leaves_out_claims_i_sent(self, client_for, reviewer, other_reviewer):
        from tests.factories import ready_for_review

        sent_by_me = make_claim(text="I sent this one.")
        sent_by_other = make_claim(text="Someone else sent this one.")
        for claim, sender in ((sent_by_me, reviewer), (sent_by_other, other_reviewer)):
            workflow.transition(claim, to="researching", by=sender)
            ready_for_review(claim, by=sender)
            workflow.transition(claim, to="in_review", by=sender)
        response = client_for(reviewer).get("/")
        assert [c.pk for c in response.context["waiting"]] == [sent_by_other.pk]


@pytest.mark.django_db
class ArticleListTests:
    def test_search_finds_by_title_and_outlet(self, client_for):
        ArticleFactory(title="Patriot deliveries slow down")
        ArticleFactory(title="Weather report")
        client = client_for("reporter")
        body = client.get(reverse("article-list"), {"q": "patriot"}).content.decode()
        assert "Patriot deliveries slow down" in body
        assert "Weather report" not in body

    def test_htmx_search_returns_only_the_results(self, client_for):
        ArticleFactory(title="Patriot deliveries slow down")
        response = client_for("reporter").get(reverse("article-list"), {"q": "patriot"}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert "Patriot deliveries slow down" in body
        assert "<html" not in body

    def test_it_paginates(self, client_for):
        ArticleFactory.create_batch(30)
        client = client_for("reporter")
        first = client.get(reverse("article-list"))
        assert len(first.context["page"].object_list) == 25
        second = client.get(reverse("article-list"), {"page": 2})
        assert len(second.context["page"].object_list) == 5
        assert client.get(reverse("article-list"), {"page": "zzz"}).status_code == 200


@pytest.mark.django_db
class ReaderTests:
    def test_every_claim_is_highlighted_and_linked(self, client_for, article, reporter):
        first = make_claim(by=reporter, article=article, quote="NATO announced Wednesday", text="First.")
        second = make_claim(by=reporter, article=article, quote="announced Wednesday that it", text="Second.")
        body = client_for("reporter").get(article.get_absolute_url()).content.decode()
        assert f'href="/claims/{first.pk}/"' in body and f'href="/claims/{second.pk}/"' in body
        # The overlap carries both claims.
        assert f'data-claims="{first.pk} {second.pk}"' in body
        assert 'data-o="0"' in body

    def test_article_html_is_shown_as_text(self, client_for):
        article = ArticleFactory(body='Before <script>alert("pwned")</script> <b>bold</b> & after.')
        body = client_for("reporter").get(article.get_absolute_url()).content.decode()
        assert "<script>alert" not in body and "<b>bold</b>" not in body
        assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in body

    def test_trashed_claims_are_not_highlighted(self, client_for, article, reporter, editor):
        claim = make_claim(by=reporter, article=article)
        workflow.trash(claim, by=editor)
        body = client_for("reporter").get(article.get_absolute_url()).content.decode()
        assert f'href="/claims/{claim.pk}/"' not in body

    def test_an_orphaned_quote_is_listed_but_not_highlighted(self, client_for, article, reporter):
        claim = make_claim(by=reporter, article=article, quote="NATO announced Wednesday")
        article.body = "A rewritten story without the quote at all, long enough to hold old offsets easily."
        article.save()
        appearance = claim.appearances.get()
        assert appearance.anchor_state == "orphaned"
        body = client_for("reporter").get(article.get_absolute_url()).content.decode()
        assert f'href="/claims/{claim.pk}/"' not in body.split('id="article-body"')[1].split("</div>")[0]
        assert "Orphaned" in body

    def test_unknown_article_is_404(self, client_for):
        assert client_for("reporter").get("/articles/999999/").status_code == 404


@pytest.mark.django_db
class ClaimPageTests:
    def test_it_shows_quote_in_context_evidence_and_history(self, client_for, editor, new_claim):
        from tests.factories import add_evidence

        workflow.transition(new_claim, to="researching", by=editor, note="Starting.")
        add_evidence(new_claim, by=editor)
        body = client_for(editor).get(new_claim.get_absolute_url()).content.decode()
        appearance = new_claim.appearances.get()
        assert f'<mark class="quote-mark">{appearance.quote}</mark>' in body
        assert appearance.prefix.strip()[-10:] in body
        assert "Quoted passage." in body
        assert "New → Researching" in body and "Starting." in body
        assert "Evidence added" in body

    def test_history_names_articles_sources_and_claimants_with_links(self, client_for, editor, new_claim):
        from tests.factories import SourceFactory, add_evidence

        workflow.transition(new_claim, to="researching", by=editor)
        source = SourceFactory(title="NATO press release", url="https://www.nato.int/release")
        add_evidence(new_claim, by=editor, source=source)
        article = new_claim.appearances.get().article
        page = client_for(editor).get(new_claim.get_absolute_url()).content.decode()
        history_html = page[page.index('id="history"') :]
        assert f'<a href="/articles/{article.pk}/">{article.title}</a>' in history_html
        assert '<a href="https://www.nato.int/release" rel="noopener noreferrer">NATO press release' in history_html
        assert new_claim.claimant.name in history_html
        assert f"article</span>: <ins>{article.pk}<" not in history_html
        assert f"source</span>: <ins>{source.pk}<" not in history_html

    def test_quote_context_is_cut_at_word_boundaries(self, client_for, editor, reporter):
        body = (
            "Overnight, Russian strikes knocked out power to the radio stations until the evening, "
            "officials of the regional administration said on Monday in a statement on their website."
        )
        claim = make_claim(by=reporter, article=ArticleFactory(body=body), quote="until the evening")
        page = client_for(editor).get(claim.get_absolute_url()).content.decode()
        shown = page.split('<p class="in-context">', 1)[1].split("</p>", 1)[0]
        assert shown.startswith("…")
        assert shown.split("<mark")[0].lstrip("…").split()[0] in body.split()  # a whole word, not "ro"
        assert shown.endswith("…")
        assert shown.split("</mark>")[1].rstrip("…").split()[-1] in body.split()

    def test_it_explains_unavailable_transitions(self, client_for, editor, new_claim):
        workflow.transition(new_claim, to="researching", by=editor)
        response = client_for(editor).get(new_claim.get_absolute_url())
        transitions = {t["to"]: t for t in response.context["transitions"]}
        assert "a rating" in transitions["in_review"]["reason"]
        assert transitions["dismissed"]["reason"] is None
        body = response.content.decode()
        assert "Before review the claim needs a rating" in body

    def test_it_shows_claimreview_warnings_for_a_claim_without_claimant(self, client_for, editor):
        claim = make_claim(by=editor, claimant=None)
        body = client_for(editor).get(claim.get_absolute_url()).content.decode()
        assert 'id="claimreview-warnings"' in body
        assert "No claimant: the ClaimReview will have no itemReviewed.author." in body
        assert "the claim can be published without them" in body

    def test_a_reporter_sees_no_transition_buttons(self, client_for, new_claim):
        response = client_for("reporter").get(new_claim.get_absolute_url())
        assert all(t["reason"] for t in response.context["transitions"])
        assert 'name="to"' not in response.content.decode()

    def test_a_reporter_cannot_edit_someone_elses_claim(self, client_for, new_claim):
        response = client_for("reporter").get(new_claim.get_absolute_url())
        assert response.context["can_edit"] is False
        assert 'id="edit-form"' not in response.content.decode()

    def test_trashed_claims_are_visible_only_to_those_who_restore(self, client_for, editor, reporter, new_claim):
        workflow.trash(new_claim, by=editor)
        assert client_for(reporter).get(new_claim.get_absolute_url()).status_code == 404
        body = client_for(editor).get(new_claim.get_absolute_url()).content.decode()
        assert "This claim is in the trash" in body


@pytest.mark.django_db
class HugeNumberTests:
    def test_huge_ids_and_page_numbers_never_500(self, client_for, new_claim):
        client = client_for("editor")
        huge = "9" * 5000
        for url in [
            f"/claims/{'9' * 25}/",
            f"/articles/{'9' * 25}/",
            f"/fact-checks/{'9' * 25}/slug/",
            f"/claims/{huge}/",
        ]:
            assert client.get(url).status_code == 404, url
        assert client.get(reverse("claim-list"), {"page": huge}).status_code == 200
        assert client.get(reverse("claim-list"), {"claimant": huge}).status_code == 400
        assert client.get(reverse("article-list"), {"page": huge}).status_code == 200
        response = client.post(
            reverse("claim-transition", args=[new_claim.pk]), {"to": "researching", "version": huge}
        )
        assert response.status_code == 400


@pytest.mark.django_db
class SiteRootFileTests:
    def test_the_favicon_is_served_and_linked_from_every_page(self, client):
        response = client.get("/favicon.ico")
        assert response.status_code == 200
        assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
        body = b"".join(response.streaming_content)
        assert body[:4] == b"\x00\x00\x01\x00"  # an ICO header
        assert '<link rel="icon" href="/favicon.ico"' in client.get("/fact-checks/").content.decode()

    def test_robots_txt_keeps_crawlers_out_of_the_desk(self, client):
        response = client.get("/robots.txt")
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode()
        assert "Disallow: /claims/" in text and "Allow: /fact-checks/" in text

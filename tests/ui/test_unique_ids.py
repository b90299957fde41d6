"""Every page's element ids are unique and every label points at a field (usable by keyboard and screen reader)."""

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.factories import ArticleFactory, make_claim
from tracker import claims, workflow


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.label_targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.label_targets.append(attrs["for"])


def ids_of(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


@pytest.fixture
def desk(reporter, editor, published_claim):
    body = "Kyiv said the strikes hit Kyiv at night. Officials in Kyiv said 12 missiles were shot down."
    article = ArticleFactory(title="Strikes on Kyiv", body=body)
    twice = make_claim(by=reporter, article=article, quote="Kyiv said the strikes hit Kyiv at night")
    claims.add_appearance(
        twice, claims.AppearanceInput(article=article, quote="12 missiles were shot down"), by=reporter
    )
    researching = make_claim(by=reporter, article=article, quote="Officials in Kyiv said", text="Officials spoke.")
    workflow.transition(researching, to="researching", by=editor)
    return {"article": article, "claims": [twice, researching, published_claim]}


def desk_pages(desk) -> list[str]:
    article = desk["article"]
    published = desk["claims"][2]
    return [
        "/",
        "/articles/",
        "/articles/import/",
        f"/articles/{article.pk}/",
        f"/articles/{article.pk}/edit/",
        "/claims/",
        "/claims/trash/",
        *[c.get_absolute_url() for c in desk["claims"]],
        "/feeds/",
        "/notifications/",
        "/fact-checks/",
        published.get_public_url(),
    ]


@pytest.mark.django_db
class UniqueIdTests:
    @pytest.mark.parametrize("role", ["reporter", "editor", "reviewer", "admin"])
    def test_every_desk_page_has_unique_ids_and_labels_that_point_at_fields(self, client_for, role, desk):
        client = client_for(role)
        for url in desk_pages(desk):
            response = client.get(url)
            if role == "reporter" and url.endswith(("/edit/", "/trash/")):
                assert response.status_code == 403  # a reporter may not edit an article or see the trash
                continue
            assert response.status_code == 200, url
            found = ids_of(response.content.decode())
            repeated = {name: n for name, n in Counter(found.ids).items() if n > 1}
            assert repeated == {}, f"{url} repeats ids {repeated}"
            dangling = set(found.label_targets) - set(found.ids)
            assert dangling == set(), f"{url} has labels for missing fields {dangling}"

    def test_public_pages_and_login_have_unique_ids(self, desk):
        client = Client()
        for url in [
            "/",
            "/fact-checks/",
            "/fact-checks/corrections/",
            desk["claims"][2].get_public_url(),
            "/accounts/login/",
        ]:
            found = ids_of(client.get(url).content.decode())
            assert [name for name, n in Counter(found.ids).items() if n > 1] == [], url

    def test_the_workflow_note_label_focuses_the_workflow_note(self, client_for, desk):
        html = client_for("editor").get(desk["claims"][1].get_absolute_url()).content.decode()
        form = html[html.index('id="transition-form"') :]
        form = form[: form.index("</form>")]
        assert 'for="transition_note"' in form and 'id="transition_note"' in form

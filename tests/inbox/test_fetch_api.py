"""POST /api/v1/articles/fetch/: a page from a local server becomes an article (DESIGN §8)."""

import pytest
from rest_framework.test import APIClient

from tests.factories import make_claim, make_user
from tests.inbox.conftest import Route, article_html
from tracker.models import Appearance, Article

STORY = [
    "NATO announced Wednesday that it would help buy up to 1,000 Patriot missiles for its members.",
    "Officials said the contract could be worth around $5.5 billion over the coming years.",
    "The alliance's procurement agency will manage the purchase on behalf of several countries.",
]
META = {
    "og:site_name": "Example News",
    "author": "Ann Author",
    "article:published_time": "2025-06-04T09:30:00+00:00",
}

URL = "/api/v1/articles/fetch/"


@pytest.fixture
def api(db):
    client = APIClient()
    client.force_authenticate(make_user("reporter"))
    return client


def serve_story(server, path="/world/patriots", paragraphs=STORY, **extra):
    html = article_html("NATO to help buy Patriot missiles", paragraphs, **{**META, **extra})
    html = html.replace("</head>", f'<link rel="canonical" href="{server.url(path)}"></head>')
    server.html(path, html)
    return server.url(path)


class FetchArticleTests:
    def test_a_page_becomes_an_article_with_its_metadata(self, api, server):
        url = serve_story(server)
        response = api.post(URL, {"url": url + "?utm_source=feed"}, format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["title"] == "NATO to help buy Patriot missiles"
        assert body["url"] == url  # the canonical address, without the tracking query
        assert body["authors"] == ["Ann Author"]
        assert body["published_at"] == "2025-06-04T09:30:00Z"
        assert body["language"] == "en"
        assert STORY[0] in body["body"] and STORY[2] in body["body"]
        assert "Home" not in body["body"] and "©" not in body["body"]
        article = Article.objects.get(pk=body["id"])
        assert article.outlet.name == "Example News" and article.outlet.domain == "127.0.0.1"

    def test_the_same_page_again_is_a_duplicate(self, api, server):
        url = serve_story(server)
        first = api.post(URL, {"url": url}, format="json").json()
        again = api.post(URL, {"url": url}, format="json")
        assert again.status_code == 409
        assert again.json()["id"] == first["id"] and again.json()["reason"] == "url"
        assert Article.objects.count() == 1

    def test_a_retry_with_the_same_idempotency_key_answers_the_first_201(self, api, server):
        url = serve_story(server)
        first = api.post(URL, {"url": url}, format="json", HTTP_IDEMPOTENCY_KEY="fetch-1")
        again = api.post(URL, {"url": url}, format="json", HTTP_IDEMPOTENCY_KEY="fetch-1")
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
        assert Article.objects.count() == 1

    def test_the_same_text_at_another_address_is_a_duplicate(self, api, server):
        first = api.post(URL, {"url": serve_story(server, "/a")}, format="json").json()
        again = api.post(URL, {"url": serve_story(server, "/b")}, format="json")
        assert again.status_code == 409 and again.json() == {**again.json(), "id": first["id"], "reason": "text"}

    def test_a_changed_page_updates_its_article_and_its_quotes(self, api, server):
        url = serve_story(server)
        article = Article.objects.get(pk=api.post(URL, {"url": url}, format="json").json()["id"])
        claim = make_claim(article=article, quote="Officials said the contract")
        serve_story(server, paragraphs=["Breaking: an update was added on top.", *STORY])
        response = api.post(URL, {"url": url}, format="json")
        assert response.status_code == 200 and response.json()["id"] == article.pk
        article.refresh_from_db()
        assert article.body.startswith("Breaking: an update")
        appearance = Appearance.objects.get(claim=claim)
        assert article.body[appearance.start : appearance.end] == "Officials said the contract"
        assert appearance.anchor_state == "moved"
        assert article.history.count() == 2

    def test_a_page_without_a_declared_charset_is_decoded(self, api, server):
        paragraphs = [
            "Министерство обороны заявило в среду, что поставки зенитных ракет продолжатся в прежнем объёме.",
            "По словам представителей ведомства, контракт может стоить около пяти миллиардов долларов.",
        ]
        html = article_html("Поставки ракет продолжатся", paragraphs).replace('lang="en"', 'lang="ru"')
        server.html("/ru", html, charset=None, encoding="cp1251")
        response = api.post(URL, {"url": server.url("/ru")}, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["title"] == "Поставки ракет продолжатся"
        assert paragraphs[1] in response.json()["body"]
        assert response.json()["language"] == "ru"

    @pytest.mark.parametrize(
        ("route", "message"),
        [
            (Route(404, b"gone", {"Content-Type": "text/html"}), "HTTP status 404"),
            (Route(200, b"%PDF-1.4", {"Content-Type": "application/pdf"}), "application/pdf, not a web page"),
            (Route(200, b"<html><body><nav>Home</nav></body></html>", {"Content-Type": "text/html"}), "no article"),
        ],
    )
    def test_a_page_that_is_no_article_is_422_with_the_reason(self, api, server, route, message):
        server.routes["/x"] = route
        response = api.post(URL, {"url": server.url("/x")}, format="json")
        assert response.status_code == 422
        assert message in response.json()["url"][0]
        assert Article.objects.count() == 0

    def test_a_page_past_the_size_limit_is_422(self, api, server, settings):
        settings.FACTDESK_FETCH_MAX_BYTES = 4096
        serve_story(server, "/big", paragraphs=STORY * 40)
        response = api.post(URL, {"url": server.url("/big")}, format="json")
        assert response.status_code == 422 and "at most" in response.json()["url"][0]

    def test_an_unreachable_server_is_422(self, api, server):
        port = server.port
        server.close()
        response = api.post(URL, {"url": f"http://127.0.0.1:{port}/"}, format="json")
        assert response.status_code == 422 and "cannot be reached" in response.json()["url"][0]
        server.__init__()

    @pytest.mark.parametrize(
        "url",
        ["file:///etc/passwd", "ftp://127.0.0.1/x", "http://127.0.0.2:{port}/", "http://10.0.0.1/", "not a url"],
    )
    def test_refused_addresses_are_400_and_nothing_is_fetched(self, api, server, url):
        response = api.post(URL, {"url": url.format(port=server.port)}, format="json")
        assert response.status_code == 400, response.json()
        assert response.json()["url"][0]
        assert server.requests == []

    def test_a_redirect_to_a_refused_address_is_400(self, api, server):
        server.routes["/r"] = Route(302, b"", {"Location": f"http://127.0.0.2:{server.port}/"})
        response = api.post(URL, {"url": server.url("/r")}, format="json")
        assert response.status_code == 400 and "127.0.0.2" in response.json()["url"][0]

    def test_the_url_is_required(self, api):
        assert api.post(URL, {}, format="json").status_code == 400
        assert api.post(URL, {"url": 5}, format="json").status_code == 400
        assert api.post(URL, ["x"], format="json").status_code == 400

    def test_only_the_desk_may_fetch(self, server, db):
        url = serve_story(server)
        assert APIClient().post(URL, {"url": url}, format="json").status_code == 401
        outsider = APIClient()
        outsider.force_authenticate(make_user(None))
        assert outsider.post(URL, {"url": url}, format="json").status_code == 403
        assert server.requests == []
        assert APIClient().get(URL).status_code == 401

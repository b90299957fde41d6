"""Every page works under the strict Content-Security-Policy: Chromium reports no violation on any of them."""

import pytest

from tests.api.conftest import publish
from tests.factories import ArticleFactory, make_claim, make_user
from tracker.inbox.models import Feed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + e.documentURI);
});
"""


def violations(page, messages) -> list[str]:
    found = page.evaluate("window.__cspViolations || []")
    return found + [m for m in messages if "Content Security Policy" in m or "Content-Security-Policy" in m]


def test_no_page_violates_the_content_security_policy(open_page, live_server):
    editor = make_user("editor")
    admin = make_user("admin", is_staff=True)
    reviewer = make_user("reviewer")
    article = ArticleFactory()
    draft = make_claim(by=editor, article=article)
    published = publish(make_claim(by=editor, article=ArticleFactory()), editor=editor, reviewer=reviewer)
    feed = Feed.objects.create(url="http://127.0.0.1:9/feed.xml", title="Local feed")
    desk_pages = [
        "/",
        "/articles/",
        "/articles/import/",
        f"/articles/{article.pk}/",
        f"/articles/{article.pk}/edit/",
        "/claims/",
        "/claims/trash/",
        f"/claims/{draft.pk}/",
        "/feeds/",
        f"/feeds/{feed.pk}/",
        "/notifications/",
        "/api/docs/",
    ]
    public_pages = ["/fact-checks/", published.get_public_url(), "/accounts/login/"]
    admin_pages = ["/admin/", "/admin/tracker/claim/", f"/admin/tracker/claim/{draft.pk}/change/"]
    seen = {}
    for user, pages in [(None, public_pages), (editor, desk_pages), (admin, admin_pages)]:
        page = open_page(user)
        page.context.add_init_script(WATCH)
        messages: list[str] = []
        page.on("console", lambda message, messages=messages: messages.append(message.text))
        for path in pages:
            response = page.goto(path)
            assert response.status == 200, path
            assert "Content-Security-Policy" in response.headers or "content-security-policy" in response.headers
            if path == "/api/docs/":
                # Swagger UI draws the operations from the schema with its own scripts.
                page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
            else:
                page.wait_for_load_state("networkidle")
            seen[path] = violations(page, messages)
            messages.clear()
        assert page.errors == [], page.errors
    broken = {path: found for path, found in seen.items() if found}
    assert broken == {}, "\n".join(f"{path}: {found}" for path, found in broken.items())
    assert len(seen) == len(desk_pages) + len(public_pages) + len(admin_pages)


def test_pages_send_a_strict_policy_and_a_permissions_policy(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    # A nonce joins script-src only on pages that use one (request.csp_nonce).
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "camera=()" in response["Permissions-Policy"]

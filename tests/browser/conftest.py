"""Playwright against the system Chromium and pytest-django's live server.

Browsers are never downloaded: the tests use /usr/bin/chromium from the
system packages. Without it they skip locally and fail in CI (CI is set).
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would then
# refuse the test's own database calls as "async-unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("FACTDESK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def chromium_browser(django_db_setup, django_db_blocker):
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}: install it with `apt-get install chromium`."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Django keeps connections per execution context; inside Playwright's loop
    # the test sees a new connection object that lacks the snapshot taken at
    # database creation, so serialized_rollback would restore nothing (no
    # groups, no ratings). Hand the snapshot over.
    snapshots = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    with sync_playwright() as playwright:
        for alias, snapshot in snapshots.items():
            if snapshot is not None:
                connections[alias]._test_serialized_contents = snapshot
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium_browser, live_server):
    """Return a function opening a fresh browser context (own cookies), logged in as user when given."""
    contexts = []

    def make(user=None, width=1280, height=860):
        context = chromium_browser.new_context(viewport={"width": width, "height": height}, base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        if user is not None:
            page.goto("/accounts/login/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(tmp_path_factory):
    """Save a screenshot of a main page; into docs/screenshots/ for the README with FACTDESK_SCREENSHOTS=1.

    Every run takes them (a page that cannot be drawn fails the test); only
    `make screenshots` replaces the committed ones, so a plain test run
    leaves the working tree clean.
    """
    folder = SCREENSHOTS if os.environ.get("FACTDESK_SCREENSHOTS") == "1" else tmp_path_factory.mktemp("screenshots")

    def save(page, name: str, full_page: bool = False) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)

    return save

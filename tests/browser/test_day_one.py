"""A newcomer's first day at the desk in a real browser: every main page passes axe-core (WCAG 2.1 A/AA) with
unique ids and no sideways scrolling at 390 px, the keyboard reaches the workflow early and lands on the result,
an ambiguous quote offers its places, and the trash gives claims back."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import ArticleFactory, make_claim, make_user
from tracker import workflow
from tracker.demo.loader import load_demo
from tracker.models import Article, Claim, Claimant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
DUPLICATE_IDS = """() => {
    const seen = {};
    document.querySelectorAll("[id]").forEach((el) => { seen[el.id] = (seen[el.id] || 0) + 1; });
    return Object.keys(seen).filter((id) => seen[id] > 1);
}"""


def violations(page) -> list:
    found = Axe().run(page, options=WCAG).response["violations"]
    return [(v["id"], [node["target"] for node in v["nodes"]][:3]) for v in found]


def check_page(page, url: str) -> None:
    """Open url and assert what a person with a screen reader, a keyboard or a phone would trip on."""
    response = page.goto(url)
    assert response.status < 400, url
    assert violations(page) == [], url
    assert page.evaluate(DUPLICATE_IDS) == [], url
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{url} scrolls sideways"


def main_pages() -> list[str]:
    claims = list(Claim.objects.order_by("pk"))
    published = [c for c in claims if c.public_snapshot]
    pages = ["/", "/articles/", "/articles/import/", "/claims/", "/claims/?status=new", "/claims/trash/"]
    pages += [a.get_absolute_url() for a in Article.objects.order_by("pk")]
    pages += [c.get_absolute_url() for c in claims]
    pages += [f"/claimants/{Claimant.objects.order_by('pk').first().pk}/", "/feeds/", "/notifications/"]
    pages += ["/fact-checks/", "/fact-checks/corrections/", *[c.get_public_url() for c in published]]
    return pages


class AccessibilityTests:
    @pytest.mark.parametrize("width", [1280, 390])
    def test_every_main_page_passes_axe_with_unique_ids_and_fits_the_screen(self, open_page, width):
        load_demo()
        editor = make_user("editor", username="eddie")
        workflow.trash(make_claim(by=editor, text="A claim in the trash."), by=editor)
        page = open_page(editor, width=width)
        for url in main_pages():
            check_page(page, url)
        anonymous = open_page(width=width)
        for url in ["/fact-checks/", "/accounts/login/"]:
            check_page(anonymous, url)
        assert page.errors == [] and anonymous.errors == []

    def test_the_conflict_page_passes_axe(self, open_page, screenshot):
        editor = make_user("editor", username="eddie")
        claim = make_claim(by=editor)
        page = open_page(editor)
        page.goto(claim.get_absolute_url())
        page.fill("#id_verdict_summary", "Mine.")
        from tracker import claims

        claims.edit_claim(claim, {"verdict_summary": "Theirs."}, by=make_user("editor"), expected_version=1)
        page.click("#edit-form button[type=submit]")
        page.wait_for_selector("#conflict")
        assert violations(page) == []

    def test_no_page_asks_for_a_missing_favicon(self, open_page):
        failed = []
        page = open_page(make_user("editor"))
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
        page.goto("/claims/")
        page.wait_for_load_state("networkidle")
        assert failed == []
        assert page.evaluate("fetch('/favicon.ico').then(r => r.status)") == 200


class KeyboardTests:
    def test_skip_link_workflow_early_and_focus_on_the_result(self, open_page, screenshot):
        editor = make_user("editor", username="eddie")
        claim = make_claim(by=editor)
        page = open_page(editor)
        page.goto(claim.get_absolute_url())
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        # From the skip link, the workflow's note and "Start research" come within a few Tab stops.
        for _ in range(7):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent").strip() == "Start research":
                break
        else:
            pytest.fail("Start research is not among the first Tab stops after the skip link")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Moved to researching")
        assert page.evaluate("document.activeElement.className") == "messages"
        assert Claim.objects.get(pk=claim.pk).status == "researching"
        # "w" jumps back to the workflow.
        page.keyboard.press("w")
        assert page.evaluate("document.activeElement.closest('#workflow') !== null")

    def test_queue_and_reader_shortcuts_and_their_overlay(self, open_page, screenshot):
        reporter = make_user("reporter", username="rita")
        article = ArticleFactory(body="NATO announced Wednesday that it would help. Officials said more was coming.")
        first = make_claim(by=reporter, article=article, quote="NATO announced Wednesday", text="First claim.")
        second = make_claim(by=reporter, article=article, quote="Officials said", text="Second claim.")
        page = open_page(reporter)
        page.goto("/claims/")
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.getAttribute('href')") == second.get_absolute_url()
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.getAttribute('href')") == first.get_absolute_url()
        page.keyboard.press("k")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**{second.get_absolute_url()}")
        page.goto(article.get_absolute_url())
        page.keyboard.press("n")
        assert page.evaluate("document.activeElement.getAttribute('href')") == first.get_absolute_url()
        page.keyboard.press("l")
        assert page.evaluate("document.activeElement.id") == "id_quote"
        page.keyboard.press("Escape")
        page.evaluate("document.activeElement.blur()")
        page.keyboard.press("?")
        overlay = page.locator("dialog#shortcuts")
        assert overlay.is_visible() and "next / previous claim" in overlay.inner_text()
        screenshot(page, "shortcuts")
        page.keyboard.press("Escape")
        assert not overlay.is_visible()


class ReaderChooserTests:
    def test_an_ambiguous_quote_offers_its_places_and_the_chosen_one_is_logged(self, open_page, screenshot):
        body = "Kyiv said the strikes hit Kyiv at night. Officials in Kyiv said 12 missiles were shot down."
        article = ArticleFactory(title="Night strikes", body=body)
        page = open_page(make_user("reporter"))
        page.goto(article.get_absolute_url())
        page.fill("#id_quote", "Kyiv")
        page.fill("#id_text", "Kyiv was struck at night.")
        page.fill("#id_claimant", "Ukrainian Air Force")
        page.click("#log-claim-form button[type=submit]")
        page.wait_for_selector("#occurrences")
        assert page.url.endswith(f"/articles/{article.pk}/#log-claim")
        assert page.locator('nav a[aria-current="page"]').inner_text() == "Articles"
        assert page.input_value("#id_text") == "Kyiv was struck at night."
        assert page.locator("#occurrences input[type=radio]").count() == 3
        screenshot(page, "reader-choose-quote")
        page.locator("#occurrences label").nth(1).click()
        page.click("#log-claim-form button[type=submit]")
        page.wait_for_selector("text=Logged claim")
        appearance = Claim.objects.get().appearances.get()
        assert appearance.start == body.index("Kyiv", 1)
        assert Claim.objects.get().claimant.kind == "organisation"
        assert not re.search(r"/claims/$", page.url)


class TrashTests:
    def test_a_trashed_claim_is_found_in_the_trash_and_restored(self, open_page, screenshot):
        editor = make_user("editor", username="eddie")
        claim = make_claim(by=editor, text="Trashed by mistake.")
        page = open_page(editor)
        page.goto(claim.get_absolute_url())
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("button:has-text('Move to trash')")
        page.wait_for_selector("text=moved to the trash")
        page.click(".messages a:has-text('trash')")
        page.wait_for_url("**/claims/trash/")
        assert "Trashed by mistake." in page.inner_text("table.trash")
        screenshot(page, "trash")
        page.click(f"button[aria-label='Restore claim #{claim.pk}']")
        page.wait_for_selector("text=restored")
        assert "The trash is empty." in page.inner_text("table.trash")
        assert not Claim.objects.get(pk=claim.pk).in_trash

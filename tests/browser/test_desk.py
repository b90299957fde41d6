"""The desk in a real browser: log, research, review, publish; two editors at once; hostile article text."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import ArticleFactory, ClaimantFactory, OutletFactory, make_claim, make_user
from tracker import articles, workflow
from tracker.importing import parse_text_document
from tracker.models import Claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BODY = (
    "Прямая речь 😀 и 𝒳: Secretary of State Marco Rubio said the United States does not have spare "
    "Patriot systems.\nNATO announced Wednesday that it would help buy up to 1,000 Patriot missiles. "
    "Officials said the contract could be worth around $5.5 billion."
)
QUOTE = "NATO announced Wednesday that it would help buy up to 1,000 Patriot missiles"
SEED = Path(__file__).resolve().parents[2] / "tracker" / "demo" / "seeds" / "000_4af4b81d9df2bd9c.txt"
SEED_QUOTE = "half of Ukraine's energy capacity was destroyed"
CLAIM_TEXT = "Russian strikes destroyed half of Ukraine's energy capacity in 2023 and 2024."


def seed_article(by):
    """Import the demo desk's Washington Post story (via InoSMI) with a few claims already logged."""
    fields = parse_text_document(SEED.read_bytes(), name=SEED.name)
    article = articles.import_article(by=by, outlet=OutletFactory(name="InoSMI"), language="en", **fields)
    claimant = ClaimantFactory(name="The Washington Post", kind="organisation", description="US newspaper")
    editor = make_user("editor")
    for quote, text, status in [
        ("not many countries are ready to ship them to Ukraine", "Few countries are ready to send Patriots.", "new"),
        ("most feared are ballistic missiles", "Ballistic missiles are the most feared weapon.", "researching"),
        ("several kilometers per second", "Ballistic missiles fly several kilometres per second.", "new"),
        (
            "speed of these ballistic missiles is several kilometers",
            "These missiles are the fastest Russia has.",
            "dismissed",
        ),
    ]:
        claim = make_claim(by=by, article=article, quote=quote, text=text, claimant=claimant)
        if status != "new":
            workflow.transition(claim, to=status, by=editor, note="Opinion, not checkable.")
    return article


def select_in_reader(page, quote: str) -> None:
    """Select quote in the article body as a reader's mouse would, then wait for the Log claim button."""
    page.evaluate(
        """(quote) => {
            const body = document.getElementById("article-body");
            const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.data.indexOf(quote);
                if (at >= 0) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + quote.length);
                    const selection = window.getSelection();
                    selection.removeAllRanges();
                    selection.addRange(range);
                    return;
                }
            }
            throw new Error("quote not found in one text node");
        }""",
        quote,
    )
    page.locator("#selection-button").wait_for(state="visible")


class DeskFlowTests:
    def test_a_claim_goes_from_selection_to_a_published_fact_check(self, open_page, screenshot):
        reporter = make_user("reporter", username="rita", first_name="Rita")
        editor = make_user("editor", username="eddie")
        reviewer = make_user("reviewer", username="rob")
        article = seed_article(reporter)
        body = article.body

        # A reporter selects the quote in the reader; the form gets the quote and code-point offsets.
        page = open_page(reporter)
        page.goto(article.get_absolute_url())
        select_in_reader(page, SEED_QUOTE)
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "reader")
        page.click("#selection-button")
        assert page.input_value("#id_quote") == SEED_QUOTE
        assert page.input_value("#id_start") == str(body.index(SEED_QUOTE))
        page.fill("#id_text", CLAIM_TEXT)
        page.fill("#id_claimant", "The Washington Post")
        page.fill("#id_tags", "energy, air defence")
        page.click("#log-claim-form button[type=submit]")
        page.wait_for_selector("text=Logged claim")
        claim = Claim.objects.get(text=CLAIM_TEXT)
        assert claim.claimant.name == "The Washington Post"
        appearance = claim.appearances.get()
        assert (appearance.start, appearance.end) == (body.index(SEED_QUOTE), body.index(SEED_QUOTE) + len(SEED_QUOTE))
        marker = page.locator(f'#article-body a.hl-marker[href="/claims/{claim.pk}/"]')
        assert marker.count() == 1
        assert page.locator(f'#article-body mark.hl[data-claims="{claim.pk}"]').inner_text() == SEED_QUOTE
        # Overlapping claims (#3 inside #4's quote) both stay marked.
        assert page.locator("#article-body mark.hl-many").count() >= 1
        assert page.errors == []

        # An editor researches it: evidence (through htmx), a verdict, then review.
        page = open_page(editor)
        page.goto(claim.get_absolute_url())
        page.click("button:has-text('Start research')")
        page.wait_for_selector("text=Moved to researching")
        page.click("#evidence summary")
        page.fill("#evidence_source_url", "https://www.iea.org/reports/ukraines-energy-security-and-the-coming-winter")
        page.fill("#evidence_source_title", "Ukraine's Energy Security and the Coming Winter")
        page.fill("#evidence_source_publisher", "International Energy Agency")
        page.select_option("#evidence_source_kind", "primary_document")
        page.select_option("#evidence_stance", "supports")
        page.fill(
            "#evidence_excerpt",
            "Russian attacks have damaged or destroyed around half of Ukraine's generation capacity.",
        )
        page.click("#evidence-form button[type=submit]")
        page.wait_for_selector("#evidence >> text=around half of Ukraine's generation capacity")
        # The workflow panel was swapped in too: evidence is no longer missing for review.
        assert "at least one piece of evidence" not in page.locator("#workflow").inner_text()
        assert "a verdict summary" in page.locator("#workflow").inner_text()
        page.select_option("#id_rating", "mostly-true")
        page.fill(
            "#id_verdict_summary",
            "About half of the capacity was hit, but damaged and destroyed are counted together.",
        )
        page.fill(
            "#id_verdict_explanation", "The IEA counts damaged and occupied plants together with destroyed ones."
        )
        page.click("#edit-form button[type=submit]")
        page.wait_for_selector("text=Saved.")
        page.click("button:has-text('Send to review')")
        page.wait_for_selector("text=Moved to in review")
        # The editor may not publish what they sent: the button is there, disabled, with the reason.
        assert page.locator("button[data-to=published]").is_disabled()
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "claim")
        page.goto("/claims/")
        screenshot(page, "queue")
        # The queue filters as you type (htmx), without leaving the page.
        page.evaluate("window.__same_page = true")
        page.fill("#id_search", "energy")
        # A locator wait, not wait_for_function: the strict CSP forbids the eval that one needs.
        expect(page.locator("#results tbody tr")).to_have_count(1)
        assert CLAIM_TEXT in page.locator("#results tbody tr").inner_text()
        assert "search=energy" in page.url and page.evaluate("window.__same_page === true")
        assert page.errors == []

        # A reviewer finds it waiting and publishes it.
        page = open_page(reviewer)
        assert page.locator(f"#main >> text={CLAIM_TEXT}").first.is_visible()
        screenshot(page, "dashboard")
        page.goto(claim.get_absolute_url())
        page.click("button:has-text('Publish')")
        page.wait_for_selector("text=Moved to published")

        # Anyone sees the verdict and the ClaimReview on the public page.
        claim.refresh_from_db()
        page = open_page()
        page.goto("/fact-checks/")
        page.click(f'a[href="{claim.get_public_url()}"]')
        assert page.locator("#verdict").inner_text() == "Mostly true"
        assert page.locator("text=damaged and occupied plants").is_visible()
        review = json.loads(page.locator('script[type="application/ld+json"]').text_content())
        assert review["claimReviewed"] == CLAIM_TEXT
        assert review["reviewRating"]["alternateName"] == "Mostly true"
        screenshot(page, "fact-check")
        assert page.errors == []

    def test_selection_offsets_count_code_points(self, open_page):
        article = ArticleFactory(title="Non-ASCII", body=BODY)
        page = open_page(make_user("reporter"))
        page.goto(article.get_absolute_url())
        for quote in (QUOTE, "Marco Rubio said", "😀 и 𝒳"):
            select_in_reader(page, quote)
            page.click("#selection-button")
            assert page.input_value("#id_quote") == quote
            # Python counts 😀 and 𝒳 as one character each; JavaScript strings count two.
            assert page.input_value("#id_start") == str(BODY.index(quote))
        # A selection that runs past the article into the form keeps the part inside the article.
        page.evaluate(
            """() => {
                const body = document.getElementById("article-body");
                const node = [...body.querySelectorAll("[data-o]")].pop().firstChild;
                const range = document.createRange();
                range.setStart(node, node.data.indexOf("Officials"));
                range.setEnd(document.querySelector("#log-claim h2").firstChild, 3);
                window.getSelection().removeAllRanges();
                window.getSelection().addRange(range);
            }"""
        )
        page.locator("#selection-button").wait_for(state="visible")
        page.click("#selection-button")
        tail = BODY[BODY.index("Officials") :]
        assert (page.input_value("#id_quote"), page.input_value("#id_start")) == (tail, str(BODY.index(tail)))
        select_in_reader(page, "😀 и 𝒳")
        page.click("#selection-button")
        page.fill("#id_text", "NATO will help Ukraine buy up to 1,000 Patriot missiles.")
        page.click("#log-claim-form button[type=submit]")
        page.wait_for_selector("text=Logged claim")
        appearance = Claim.objects.get().appearances.get()
        assert (appearance.start, appearance.quote) == (BODY.index("😀 и 𝒳"), "😀 и 𝒳")
        assert page.errors == []

    def test_the_second_of_two_editors_sees_the_conflict(self, open_page, screenshot):
        first, second = make_user("editor", username="eddie"), make_user("editor", username="erin")
        claim = make_claim(text="Ukraine has received five Patriot systems.", quote="Patriot systems")
        page_one, page_two = open_page(first), open_page(second)
        page_one.goto(claim.get_absolute_url())
        page_two.goto(claim.get_absolute_url())

        page_one.fill("#id_verdict_summary", "Eddie's summary.")
        page_one.select_option("#id_priority", "high")
        page_one.click("#edit-form button[type=submit]")
        page_one.wait_for_selector("text=Saved.")

        page_two.fill("#id_verdict_summary", "Erin's summary.")
        page_two.click("#edit-form button[type=submit]")
        conflict = page_two.locator("#conflict")
        conflict.wait_for()
        assert "Someone else changed this claim" in conflict.inner_text()
        assert "Eddie's summary." in conflict.inner_text()
        assert page_two.input_value("#id_verdict_summary") == "Erin's summary."
        assert page_two.input_value("#id_priority") == "high"  # Eddie's other change is taken, not undone
        screenshot(page_two, "conflict")
        claim.refresh_from_db()
        assert claim.verdict_summary == "Eddie's summary."

        # Having seen the change, Erin saves on purpose.
        page_two.click("#edit-form button[type=submit]")
        page_two.wait_for_selector("text=Saved.")
        claim.refresh_from_db()
        assert (claim.verdict_summary, claim.priority) == ("Erin's summary.", "high")

    def test_article_markup_is_inert_text(self, open_page):
        body = (
            "Before <script>window.__pwned = 1; alert('script ran')</script> middle "
            '<img src="x" onerror="window.__pwned = 2"> <b>not bold</b> & after.'
        )
        article = ArticleFactory(title="<i>Hostile</i> title", body=body)
        page = open_page(make_user("reporter"))
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(article.get_absolute_url())
        assert page.locator("#article-body").inner_text() == body
        assert page.locator("h1").inner_text() == "<i>Hostile</i> title"
        assert page.evaluate("window.__pwned === undefined")
        assert page.locator("#article-body script, #article-body img, #article-body b").count() == 0
        assert dialogs == []
        assert page.errors == []

"""The reader in a real browser: check-worthy suggestions, and an edit that moves, changes and orphans quotes."""

from pathlib import Path

import pytest

from tests.factories import ClaimantFactory, OutletFactory, make_claim, make_user
from tracker import articles
from tracker.importing import parse_text_document
from tracker.models import Appearance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SEED = Path(__file__).resolve().parents[2] / "tracker" / "demo" / "seeds" / "000_4af4b81d9df2bd9c.txt"
TYPO = ("the most feared are ballistic missiles", "the most feared are balistic missiles")
# (quote, claim): the second holds the typo the edit fixes, the third is deleted by it.
QUOTES = [
    ("not many countries are ready to ship them to Ukraine", "Few countries are ready to send Patriots."),
    ("most feared are balistic missiles", "Ballistic missiles are the most feared weapon."),
    ("half of Ukraine's energy capacity was destroyed", "Strikes destroyed half of Ukraine's energy capacity."),
    ("fired more than 900 drones and 65 cruise missiles", "Russia fired 900 drones and 65 cruise missiles."),
    ("North Korea has supplied about 250 ballistic missiles", "North Korea supplied 250 ballistic missiles."),
]
DELETED = (
    " With their help, half of Ukraine's energy capacity was destroyed as a result of strikes on power plants in "
    "2023 and 2024."
)
NOTE = "Editor's note: this article was updated on 3 June with the Pentagon's reply.\n"


def imported_with_five_quotes(by):
    fields = parse_text_document(SEED.read_bytes(), name=SEED.name)
    assert TYPO[0] in fields["body"] and DELETED in fields["body"]
    fields["body"] = fields["body"].replace(*TYPO)
    article = articles.import_article(by=by, outlet=OutletFactory(name="InoSMI"), language="en", **fields)
    claimant = ClaimantFactory(name="The Washington Post", kind="organisation")
    claims = [make_claim(by=by, article=article, quote=q, text=t, claimant=claimant) for q, t in QUOTES]
    return article, claims


class ReaderTests:
    def test_suggestions_then_an_edit_that_fixes_a_typo_and_deletes_a_quote(self, open_page, screenshot):
        editor = make_user("editor", username="eddie")
        article, claims = imported_with_five_quotes(editor)
        page = open_page(editor)
        page.goto(article.get_absolute_url())

        # Suggestions: factual sentences with figures, not the by-line or the rhetoric; each with "Log claim".
        suggestions = page.locator("#suggestions li")
        assert suggestions.count() >= 3
        listed = page.locator("#suggestions").inner_text()
        assert "Isobel Koshiw" not in listed
        assert "We have to get used to it" not in listed
        first = suggestions.first
        assert first.locator("a.log-suggestion").is_visible()
        assert any(ch.isdigit() for ch in first.locator("blockquote").inner_text())
        screenshot(page, "reading-suggestions")
        first.locator("a.log-suggestion").click()
        page.wait_for_selector("#id_quote")
        assert page.input_value("#id_quote") in article.body

        # The edit: a note inserted at the top, the typo fixed, one sentence with a quote deleted.
        new_body = NOTE + article.body.replace(TYPO[1], TYPO[0]).replace(DELETED, "")
        page.goto(f"/articles/{article.pk}/edit/")
        page.fill("#id_body", new_body)
        page.click("button[name=preview]")
        rows = page.locator("#preview tbody tr")
        assert rows.count() == 5
        preview = {row.locator("td").nth(0).inner_text(): row.locator("td").nth(2).inner_text() for row in rows.all()}
        by_claim = {f"#{claim.pk}": preview[f"#{claim.pk}"] for claim in claims}
        assert by_claim[f"#{claims[0].pk}"].startswith("Moves")
        assert by_claim[f"#{claims[1].pk}"].startswith("Changes (to confirm)")
        assert "balistic" in by_claim[f"#{claims[1].pk}"] and "ballistic" in by_claim[f"#{claims[1].pk}"]
        assert by_claim[f"#{claims[2].pk}"].startswith("Orphaned")
        assert by_claim[f"#{claims[3].pk}"].startswith("Moves")
        assert by_claim[f"#{claims[4].pk}"].startswith("Moves")
        screenshot(page, "reading-edit-preview")
        # Nothing is saved by a preview.
        article.refresh_from_db()
        assert not article.body.startswith(NOTE)

        page.click("button[name=save]")
        page.wait_for_url(f"**{article.get_absolute_url()}")
        message = page.locator(".messages").inner_text()
        for claim in claims:
            assert f"#{claim.pk}" in message
        attention = page.locator("#quotes-to-check").inner_text()
        assert "Orphaned: its words are no longer in the text." in attention
        assert "Changed: found where the words now differ" in attention
        article.refresh_from_db()
        assert article.body == new_body
        states = {a.claim_id: a.anchor_state for a in Appearance.objects.filter(article=article)}
        assert states == {
            claims[0].pk: "moved",
            claims[1].pk: "changed",
            claims[2].pk: "orphaned",
            claims[3].pk: "moved",
            claims[4].pk: "moved",
        }
        for claim, (quote, _) in zip(claims, QUOTES, strict=True):
            appearance = claim.appearances.get()
            if appearance.anchor_state == "moved":
                assert new_body[appearance.start : appearance.end] == quote
        changed = claims[1].appearances.get()
        assert new_body[changed.start : changed.end] == "most feared are ballistic missiles"
        # The editor's note the edit inserted is the desk's own words, not a suggestion.
        assert "Editor's note" not in page.locator("#suggestions").inner_text()
        page.locator("#quotes-to-check").scroll_into_view_if_needed()
        screenshot(page, "reading-after-edit")
        assert page.errors == []

"""The queue's name pickers in a real browser: suggestions as one types, the id submitted; and with JavaScript off."""

import pytest

from tests.browser.conftest import PASSWORD
from tests.factories import ClaimantFactory, make_claim, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def two_claimants():
    reporter = make_user("reporter")
    boris = ClaimantFactory(name="Boris Pistorius")
    make_claim(by=reporter, text="Germany sends two more Patriot systems.", claimant=boris)
    make_claim(by=reporter, text="Annalena said something else.", claimant=ClaimantFactory(name="Annalena Baerbock"))
    return boris


def test_typing_a_claimant_name_filters_the_queue(open_page):
    boris = two_claimants()
    page = open_page(make_user("editor"))
    page.goto("/claims/")
    assert page.locator("#results").get_by_text("Annalena said something else.").count() == 1
    page.click("details.more-filters summary")
    page.locator("#id_claimant_name").press_sequentially("Bor", delay=40)
    option = page.locator(f'#claimant-options option[data-id="{boris.pk}"]')
    option.wait_for(state="attached")
    assert option.get_attribute("value") == "Boris Pistorius"
    page.locator("#id_claimant_name").press_sequentially("is Pistorius", delay=20)
    page.wait_for_function(f"document.getElementById('id_claimant').value === '{boris.pk}'")
    page.locator("#id_claimant_name").press("Enter")
    page.wait_for_url(f"**/claims/?*claimant={boris.pk}*")
    results = page.locator("#results")
    results.get_by_text("Germany sends two more Patriot systems.").wait_for()
    page.wait_for_function("!document.getElementById('results').textContent.includes('Annalena said')")
    assert page.errors == []


def test_without_javascript_a_typed_name_is_resolved_on_the_server(chromium_browser, live_server):
    two_claimants()
    user = make_user("editor")
    context = chromium_browser.new_context(java_script_enabled=False, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("form button[type=submit]")
        page.goto("/claims/")
        page.click("details.more-filters summary")
        page.fill("#id_claimant_name", "boris p")
        page.click("#claim-filters button[type=submit]")
        page.wait_for_url("**/claims/?*claimant_name=boris*")
        text = page.locator("#results").inner_text()
        assert "Germany sends two more Patriot systems." in text and "Annalena said" not in text
        page.fill("#id_claimant_name", "Nobody Known")
        page.click("#claim-filters button[type=submit]")
        page.wait_for_url("**/claims/?*Nobody*")
        assert "There is no claimant called “Nobody Known”." in page.locator("#claim-filters").inner_text()
    finally:
        context.close()

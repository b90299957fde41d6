"""Search of claims (DESIGN §6) through the API and the queue, the same on SQLite and PostgreSQL."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import ArticleFactory, ClaimantFactory, make_claim, make_user
from tracker import claims
from tracker.finding import search
from tracker.models import Claim

RU_BODY = "Российские военные заявили, что сбили ракеты Patriot над Белгородом."


@pytest.fixture
def corpus(db):
    reporter = make_user("reporter")
    rubio = ClaimantFactory(name="Marco Rubio", description="US Secretary of State")
    nato = make_claim(
        by=reporter,
        text="NATO will help buy up to 1,000 Patriot missiles.",
        quote="NATO announced Wednesday",
        claimant=ClaimantFactory(name="NATO"),
        tags=["air defence"],
    )
    spare = make_claim(
        by=reporter,
        text="The United States does not have spare air-defence systems.",
        quote="Secretary of State Marco Rubio said",
        claimant=rubio,
    )
    contract = make_claim(
        by=reporter,
        text="The contract could be worth around $5.5 billion.",
        quote="around $5.5 billion",
        claimant=rubio,
        tags=["Money"],
    )
    russian = make_claim(
        by=reporter,
        text="Российские военные сбили ракеты над Белгородом.",
        article=ArticleFactory(language="ru", body=RU_BODY),
        quote="Российские военные заявили",
        claimant=ClaimantFactory(name="Министерство обороны"),
    )
    return {"nato": nato, "spare": spare, "contract": contract, "russian": russian}


def api_search(api_for, value) -> set[int]:
    response = api_for("reporter").get("/api/v1/claims/", {"search": value})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def ids(corpus, *names) -> set[int]:
    return {corpus[name].pk for name in names}


@pytest.mark.django_db
class SearchRuleTests:
    def test_every_word_in_any_order(self, api_for, corpus):
        assert api_search(api_for, "NATO Patriot") == ids(corpus, "nato")
        assert api_search(api_for, "Patriot NATO") == ids(corpus, "nato")
        assert api_search(api_for, "NATO drones") == set()

    def test_words_are_stemmed(self, api_for, corpus):
        assert api_search(api_for, "patriots") == ids(corpus, "nato")
        assert api_search(api_for, "missile helping") == ids(corpus, "nato")

    def test_claimant_names_are_searched(self, api_for, corpus):
        assert api_search(api_for, "Rubio") == ids(corpus, "spare", "contract")
        assert api_search(api_for, "министерство") == ids(corpus, "russian")

    def test_cyrillic_ignores_case_and_endings(self, api_for, corpus):
        assert api_search(api_for, "российские") == ids(corpus, "russian")
        assert api_search(api_for, "РОССИЙСКИЙ ракета") == ids(corpus, "russian")

    def test_a_phrase_must_stand_together(self, api_for, corpus):
        assert api_search(api_for, '"NATO announced"') == ids(corpus, "nato")
        assert api_search(api_for, '"announced NATO"') == set()
        assert api_search(api_for, '"spare air defence"') == ids(corpus, "spare")

    def test_a_minus_excludes(self, api_for, corpus):
        assert api_search(api_for, "Rubio -contract") == ids(corpus, "spare")
        assert api_search(api_for, 'Rubio -"spare air"') == ids(corpus, "contract")
        assert api_search(api_for, "-Rubio") == ids(corpus, "nato", "russian")

    def test_tags_and_quotes_are_searched(self, api_for, corpus):
        assert api_search(api_for, "money") == ids(corpus, "contract")
        assert api_search(api_for, "defence") == ids(corpus, "nato", "spare")
        assert api_search(api_for, "Wednesday") == ids(corpus, "nato")

    def test_punctuation_alone_finds_nothing_and_breaks_nothing(self, api_for, corpus):
        assert api_search(api_for, "'\" & | ! <-> ( ) :*") == set()
        assert api_search(api_for, '"') == set()

    def test_the_queue_searches_the_same_way(self, client, corpus):
        client.force_login(make_user("reporter"))
        response = client.get(reverse("claim-list"), {"search": "rubio billion"})
        assert response.status_code == 200
        assert [c.pk for c in response.context["page"].object_list] == [corpus["contract"].pk]


@pytest.mark.django_db
class SearchDocumentTests:
    def test_an_edit_is_found_at_once(self, api_for, corpus, editor):
        claim = corpus["spare"]
        claims.edit_claim(claim, {"text": "Interceptors ran short."}, by=editor, expected_version=claim.version)
        assert api_search(api_for, "interceptor") == ids(corpus, "spare")
        assert api_search(api_for, "spare") == set()

    def test_a_new_appearance_tag_or_renamed_claimant_is_found(self, api_for, corpus, editor):
        claim = corpus["contract"]
        article = ArticleFactory(body="Lawmakers in Kyiv welcomed the deal.")
        claims.add_appearance(claim, claims.AppearanceInput(article=article, quote="Lawmakers in Kyiv"), by=editor)
        assert api_search(api_for, "kyiv lawmaker") == ids(corpus, "contract")
        claims.edit_claim(claim, {"tags": ["Procurement"]}, by=editor, expected_version=None)
        assert api_search(api_for, "procurement") == ids(corpus, "contract")
        assert api_search(api_for, "money") == set()
        rubio = claim.claimant
        rubio.name = "Marco Antonio Rubio"
        rubio.save()
        assert api_search(api_for, "antonio") == ids(corpus, "spare", "contract")

    def test_rebuild_writes_what_the_signals_write(self, api_for, corpus):
        stored = dict(Claim.all_objects.values_list("pk", "search_document"))
        Claim.all_objects.update(search_document="")
        search.rebuild()
        assert dict(Claim.all_objects.values_list("pk", "search_document")) == stored
        assert api_search(api_for, "NATO Patriot") == ids(corpus, "nato")


@pytest.mark.django_db
def test_rebuild_search_command_reports_the_claims(corpus):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    Claim.all_objects.update(search_document="")
    call_command("rebuild_search", stdout=out)
    assert "Rebuilt the search documents of 4 claims." in out.getvalue()
    assert set(search.search_claims(Claim.objects.all(), "Rubio").values_list("pk", flat=True)) == ids(
        corpus, "spare", "contract"
    )


def test_ascii_text_is_normalised_as_the_unicode_walk_does():
    from tracker.finding import text

    every_ascii = "".join(chr(i) for i in range(128))
    samples = [every_ascii, "NATO's Patriot-2 systems, U.S. (1990s)", "MiXeD CaSe\tand\nlines", ""]
    for sample in samples:
        assert text.normalise(sample) == text._normalise_unicode(sample)
    assert text.normalise(None) == ""
    assert text.normalise("Café ZÜRICH ёж") == "cafe zurich еж"


@pytest.mark.django_db
@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics and plans")
class RareWordTests:
    """A word the statistics do not show to be common is read from the GIN index first (issue 7 at 1M)."""

    @pytest.fixture
    def analysed(self, corpus):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tracker_claim")
        search.forget_statistics()
        yield corpus
        search.forget_statistics()

    def probes(self, api_for, value):
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            found = api_search(api_for, value)
        return found, [q["sql"] for q in captured if q["sql"].startswith("SELECT id FROM tracker_claim")]

    def test_a_rare_word_is_read_by_id_and_finds_the_same_claims(self, api_for, analysed):
        found, probes = self.probes(api_for, "patriot")
        assert found == ids(analysed, "nato") and len(probes) == 1
        found, _ = self.probes(api_for, "rubio -contract")
        assert found == ids(analysed, "spare")
        assert self.probes(api_for, "nowhere")[0] == set()

    def test_more_matches_than_the_cap_go_to_the_date_walk(self, api_for, analysed, monkeypatch):
        monkeypatch.setattr(search, "RARE_CAP", 1)
        monkeypatch.setattr(search, "_word_shares", lambda: ({}, 4))  # no word listed: any may be rare
        found, probes = self.probes(api_for, "rubio")
        assert found == ids(analysed, "spare", "contract") and len(probes) == 1

    def test_without_statistics_or_positive_words_nothing_is_probed(self, api_for, corpus, monkeypatch):
        monkeypatch.setattr(search, "_word_shares", lambda: None)
        assert self.probes(api_for, "patriot") == (ids(corpus, "nato"), [])
        monkeypatch.undo()
        search.forget_statistics()
        assert self.probes(api_for, "-patriot")[1] == []

    def test_the_statistics_decide_which_words_may_be_rare(self, monkeypatch):
        monkeypatch.setattr(search, "_word_shares", lambda: ({"the": 0.8, "of": 0.6, "zurich": 0.001}, 1_000_000))
        assert not search.may_be_rare(search.parse("the"))
        assert not search.may_be_rare(search.parse("the of"))
        assert search.may_be_rare(search.parse("zurich"))  # 1,000 claims
        assert search.may_be_rare(search.parse("the 50000"))  # a word the statistics do not list
        assert not search.may_be_rare(search.parse("the -zurich"))
        assert not search.may_be_rare(search.parse("-the"))

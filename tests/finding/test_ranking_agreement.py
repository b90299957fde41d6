"""The one-statement ranking (find, a claim being logged) answers what the Python ranker (matching.rank) does.

On the seed articles' claims with a fact-check archive: Snopes' (../shared/bench/claim-matching) when it is
there, with its posts as queries, else the demo's own words.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import ArticleFactory, make_user
from tracker import claims
from tracker.api.serializers import match_row
from tracker.finding import factchecks, matching
from tracker.finding.models import MatchTerm
from tracker.finding.search import claim_language
from tracker.models import Claim, FactCheck

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parents[3] / "shared" / "bench" / "claim-matching"
ARCHIVE_SIZE = 1000
QUERIES = 40
# Fact-checks in the demo's own words, for when the Snopes archive is not there.
DEMO_ARCHIVE = [
    ("https://checks.example/patriot", "NATO will help allies buy 1,000 Patriot missiles.", "Patriots for allies?"),
    ("https://checks.example/drones", "Europe is building a wall of drones on its eastern border.", "A drone wall?"),
    ("https://checks.example/grain", "Ukraine's grain exports fell by half this year.", "Grain exports halved?"),
    ("https://checks.example/moon", "The Moon is made of cheese.", ""),
]


@pytest.fixture
def lexical(monkeypatch):
    # The semantic layer, when installed, fuses its cosines in Python: these tests are about the lexical ranker.
    monkeypatch.setattr(matching.semantic, "enabled", lambda: False)


@pytest.fixture
def desk(lexical):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    if BENCH.is_dir():
        with (BENCH / "vclaims.jsonl").open(encoding="utf-8") as lines:
            items = [json.loads(line) for _, line in zip(range(ARCHIVE_SIZE), lines, strict=False)]
        reviews = [
            {
                "@type": "ClaimReview",
                "url": f"https://checks.example/{item['vclaim_id']}",
                "claimReviewed": item["vclaim"],
                "headline": item["title"],
                "description": item.get("subtitle", ""),
            }
            for item in items
        ]
        with (BENCH / "train-dev_queries.tsv").open(encoding="utf-8") as lines:
            posts = [line.split("\t", 1)[1].strip() for _, line in zip(range(QUERIES), lines, strict=False)]
    else:
        reviews = [
            {"@type": "ClaimReview", "url": url, "claimReviewed": text, "headline": headline}
            for url, text, headline in DEMO_ARCHIVE
        ]
        posts = [text for _, text, _ in DEMO_ARCHIVE]
    assert factchecks.import_claimreviews(reviews)["errors"] == []
    return posts


def as_rank_finds(value: str, *, limit: int = 5, language: str | None = None, exclude_claim: int | None = None):
    """find's answer as the Python ranker gives it: rank's best, less the texts that are gone, rounded alike."""
    exclude = ("claim", exclude_claim) if exclude_claim is not None else None
    found = matching.rank(value, limit=limit + 5, language=language, exclude=exclude)
    alive = set(Claim.objects.filter(pk__in=[m.id for m in found if m.kind == "claim"]).values_list("pk", flat=True))
    factcheck_ids = set(FactCheck.objects.values_list("pk", flat=True))
    kept = [m for m in found if m.id in (alive if m.kind == "claim" else factcheck_ids)]
    return [(m.kind, m.id, m.score) for m in kept[:limit]]


def rows(found) -> list[tuple[str, int, float]]:
    return [(m.kind, m.id, m.score) for m in found]


def assert_same(found, expected):
    assert [(kind, ref) for kind, ref, _ in found] == [(kind, ref) for kind, ref, _ in expected]
    # Rounded to 4 decimals both; the sums' order may move one across a rounding boundary, no more.
    for (_, _, score), (_, _, want) in zip(found, expected, strict=True):
        assert score == pytest.approx(want, abs=1e-4)


class RankingAgreementTests:
    def test_match_answers_what_rank_does(self, desk):
        texts = desk + list(Claim.objects.order_by("pk").values_list("text", flat=True))
        answered = 0
        for text in texts:
            expected = as_rank_finds(text, limit=10)
            found = rows(matching.find(text, limit=10))
            assert_same(found, expected)
            answered += bool(found)
        assert answered >= len(texts) * 0.9

    def test_a_claim_being_logged_answers_what_rank_does_once_it_is_indexed(self, desk):
        editor = make_user("editor")
        logged = published = 0
        for original in Claim.objects.prefetch_related("appearances__article").order_by("pk"):
            appearances = list(original.appearances.all())
            if not appearances:
                continue
            data = claims.ClaimInput(
                text=original.text,
                appearances=[
                    claims.AppearanceInput(article=a.article, quote=a.quote, start=a.start) for a in appearances
                ],
            )
            claim = claims.log_claim(data, by=editor, matches=5)
            found = rows(claims.claim_matches(claim))
            in_order = list(claim.appearances.select_related("article"))
            value = matching.claim_text(claim, in_order)
            expected = as_rank_finds(value, language=claim_language(claim, in_order), exclude_claim=claim.pk)
            assert_same(found, expected)
            # What the answer shows of each, read with the ranking, is what the rows themselves say.
            shown = [match_row(m, None) for m in claims.claim_matches(claim)]
            assert shown == [match_row(m, None) for m in matching.find_for_claim(claim, in_order)]
            published += sum(1 for row in shown if row["kind"] == "claim" and row["rating"])
            if not original.in_trash:
                # Logged again, the claim finds itself as it was (nothing else has all its words).
                assert found[0][:2] == ("claim", original.pk)
            logged += 1
        assert logged >= 5
        assert published  # rated claims among the matches: their rating and public page shown too

    def test_terms_too_common_fall_back_to_the_rarest_three(self, lexical):
        # Past MIN_DF_CAP texts with "vaccine" and "autism": both are left out, then taken back as the rarest.
        reviews = [
            {
                "@type": "ClaimReview",
                "url": f"https://checks.example/vaccine-{i}",
                "claimReviewed": f"Vaccines cause autism in {i} children" + " again" * (i % 4),
                "headline": "Vaccine and autism" if i % 3 else "",
            }
            for i in range(matching.MIN_DF_CAP + 10)
        ]
        assert factchecks.import_claimreviews(reviews)["errors"] == []
        assert MatchTerm.objects.filter(term="autism").count() > matching.MIN_DF_CAP
        found = rows(matching.find("vaccine autism", limit=10))
        assert len(found) == 10
        assert_same(found, as_rank_finds("vaccine autism", limit=10))


# An archive where the statement's pruning decides: a few stems common to many fact-checks (the non-essential
# terms), a few rare ones, equal texts across the limit, and texts past the query's own score (share 1).
COMMON = {"budget": 7, "senate": 8, "harbor": 10}  # in every n-th text
RARE = {"walrus": (3, 17, 41, 77, 120, 201, 250, 299), "quasar": (5, 44, 90, 143, 188, 260)}
RARE["tundra"] = (3, 12, 41, 66, 90, 111, 150, 177, 201, 222, 260, 288)
TIES = 20  # equal texts: "comet falcon meteor budget", more of them than a find asks for
PAIRS, SINGLES = 4, 10  # "glacier pebble" in headlines too, "glacier" alone: a gap
BUDGETED = " ".join(["budget"] * 20)  # ... and one text with "glacier" in its summary, whose budget does the rest
LIGHT, HEAVY = 6, 8  # "orchid lantern violet" once in a long text, then repeated in texts with later ids
PADDING = [f"nowhere{i}" for i in range(200)]  # words no text has: a longer query, a lower score of its own


def pruning_archive() -> list[dict]:
    rng = random.Random(8)
    syllables = ["ka", "lo", "mi", "ne", "pu", "ra", "si", "to", "vu", "ze"]
    filler = sorted({"".join(rng.choice(syllables) for _ in range(4)) for _ in range(150)})
    reviews = []

    def review(claim, headline="", summary=""):
        reviews.append(
            {
                "@type": "ClaimReview",
                "url": f"https://checks.example/pruning-{len(reviews)}",
                "claimReviewed": claim,
                "headline": headline,
                "description": summary,
            }
        )

    def some(n):
        return " ".join(rng.sample(filler, n))

    for i in range(300):
        words = rng.sample(filler, rng.randint(3, 9))
        words += [word for word, every in COMMON.items() if i % every == 0]
        words += [word for word, ids in RARE.items() if i in ids] * (1 + i % 3)
        rng.shuffle(words)
        cut = rng.randint(1, len(words))
        review(" ".join(words[:cut]), " ".join(words[cut:]) if i % 2 else "", " ".join(words[: i % 4]))
    for _ in range(TIES):
        review("Comet falcon meteor budget", "Comet and falcon")
    for _ in range(PAIRS):
        review("Glacier pebble", "Glacier pebble")
    for i in range(SINGLES):
        review(f"Glacier {some(1 + i % 3)}")
    review(BUDGETED, "", "glacier")
    for _ in range(LIGHT):
        review(f"Orchid lantern violet {some(12)}")
    for i in range(HEAVY):
        review(" ".join(["orchid", "lantern", "violet"] * (20 + i)))
    return reviews


PRUNING_QUERIES = [
    "budget senate harbor walrus quasar tundra",  # rare and common stems: the common ones looked up
    "Budget walrus tundra",
    "budget quasar",  # fewer texts with the rare stem than asked for: the common one's postings read
    "budget senate harbor",  # only common stems
    "comet falcon meteor budget",  # equal texts across the limit: the lowest ids first
    "glacier pebble budget",  # the limit-th partial score far below the one before it
    " ".join(["orchid lantern violet budget", *PADDING[:32]]),  # shares capped at 1: the lowest ids first
    " ".join(["orchid lantern violet budget", *PADDING]),  # a text with budget alone reaches share 1
]


def ranking_path(value: str, limit: int, exclude=None) -> tuple[int, int]:
    """(pruned, lookups) of the statement ranking value: which of its paths it takes."""
    query = matching.query_terms(value)
    codes = [MatchTerm.Kind.CLAIM, MatchTerm.Kind.FACTCHECK]
    sql, params = matching._ranking_sql(query, codes, limit, exclude, matching._Pending(), False)
    head = sql[: sql.rindex("SELECT kind, ref, share FROM best")]
    with connection.cursor() as cursor:
        cursor.execute(f"{head}SELECT d.pruned, p.lookups FROM decided d, path p", params)  # noqa: S608
        return tuple(cursor.fetchone())


def ranked(value: str, limit: int, exclude=None) -> list[tuple[str, int, float]]:
    """What the one-statement ranking answers, at exactly this limit."""
    codes = [MatchTerm.Kind.CLAIM, MatchTerm.Kind.FACTCHECK]
    code = (matching.KIND_CODES[exclude[0]], exclude[1]) if exclude else None
    return rows(matching._ranked(matching.query_terms(value), codes, limit, code))


def ranks(value: str, limit: int, exclude=None) -> list[tuple[str, int, float]]:
    return [(m.kind, m.id, m.score) for m in matching.rank(value, limit=limit, exclude=exclude)]


@pytest.fixture
def pruning_desk(lexical, monkeypatch):
    # So few postings that reading them always costs less than looking them up: looked up all the same, so that
    # what the pruning keeps is what is ranked (a text it drops wrongly is missed).
    monkeypatch.setattr(matching, "LOOKUP_COST", dict.fromkeys(["postgresql", "sqlite"], 0))
    assert factchecks.import_claimreviews(pruning_archive())["errors"] == []


class PrunedRankingTests:
    @pytest.mark.parametrize("lookup_cost", [0, 10**9])
    def test_the_pruned_ranking_answers_what_rank_does(self, pruning_desk, monkeypatch, lookup_cost):
        monkeypatch.setattr(matching, "LOOKUP_COST", dict.fromkeys(["postgresql", "sqlite"], lookup_cost))
        paths = set()
        for value in PRUNING_QUERIES:
            for limit in (1, 3, 5, 10):
                assert_same(rows(matching.find(value, limit=limit)), as_rank_finds(value, limit=limit))
                assert_same(ranked(value, limit), ranks(value, limit))
                paths.add(ranking_path(value, limit))
        # Both ways were taken: pruned (the non-essential terms looked up for the survivors, or at a cost too
        # high for lookups, their postings read), and the full ranking.
        assert (1, int(not lookup_cost)) in paths
        assert (0, 0) in paths

    def test_the_common_stems_are_looked_up_when_the_rare_ones_decide(self, pruning_desk):
        assert ranking_path(PRUNING_QUERIES[0], 10) == (1, 1)
        assert ranking_path("budget quasar", 10) == (0, 0)  # 6 texts with quasar: a budget-only one is 7th

    def test_equal_texts_across_the_limit_come_lowest_id_first(self, pruning_desk):
        found = rows(matching.find("comet falcon meteor budget", limit=10))
        assert len({score for _, _, score in found}) == 1
        assert found == as_rank_finds("comet falcon meteor budget", limit=10)
        assert ranking_path("comet falcon meteor budget", 15) == (1, 1)

    def test_a_text_far_below_the_one_before_the_limit_is_still_ranked(self, pruning_desk):
        # The 4 pairs first, pruned against the 5th partial score (not the 4th), then:
        found = ranked("glacier pebble budget", PAIRS + 1)
        assert_same(found, ranks("glacier pebble budget", PAIRS + 1))
        # ... the text whose partial score is below every single's, and whose budget (near its bound) lifts it past.
        assert FactCheck.objects.get(pk=found[-1][1]).claim_reviewed == BUDGETED
        assert ranking_path("glacier pebble budget", PAIRS + 1) == (1, 1)

    def test_shares_capped_at_one_come_lowest_id_first(self, pruning_desk):
        # Past the query's own score, the long texts (lower ids) are level with the repeated ones (higher
        # scores): pruned against the capped share, not the limit-th score.
        value = PRUNING_QUERIES[-2]
        found = ranked(value, LIGHT)
        assert [score for _, _, score in found] == [1.0] * LIGHT
        orchids = FactCheck.objects.filter(claim_reviewed__icontains="orchid").order_by("pk")
        assert [ref for _, ref, _ in found] == list(orchids.values_list("pk", flat=True)[:LIGHT])
        assert FactCheck.objects.get(pk=found[-1][1]).claim_reviewed.startswith("Orchid lantern violet ")
        assert_same(found, ranks(value, LIGHT))
        assert ranking_path(value, LIGHT) == (1, 1)

    def test_a_common_stem_alone_reaching_the_cap_is_not_pruned(self, pruning_desk):
        # A long query scores little of its own: a text with budget alone (an early id) has share 1 too.
        value = PRUNING_QUERIES[-1]
        found = ranked(value, 5)
        assert_same(found, ranks(value, 5))
        assert FactCheck.objects.get(pk=found[0][1]).claim_reviewed.find("orchid") < 0
        assert ranking_path(value, 5) == (0, 0)

    def test_an_excluded_text_is_left_out_of_the_pruning_too(self, pruning_desk):
        value = PRUNING_QUERIES[0]
        best = matching.rank(value, limit=1)[0]
        for limit in (1, 5, 10):
            assert_same(ranked(value, limit, (best.kind, best.id)), ranks(value, limit, (best.kind, best.id)))
            assert ranking_path(value, limit, (matching.KIND_CODES[best.kind], best.id)) == (1, 1)

    def test_a_claim_being_logged_is_ranked_with_the_pruning_as_rank_does(self, pruning_desk):
        editor = make_user("editor")
        quote = "walrus tundra budget senate"
        article = ArticleFactory(body=f"The harbor report. Some said {quote} today, and more.")
        data = claims.ClaimInput(
            text="Quasar budget harbor walrus", appearances=[claims.AppearanceInput(article=article, quote=quote)]
        )
        claim = claims.log_claim(data, by=editor, matches=5)
        in_order = list(claim.appearances.select_related("article"))
        value = matching.claim_text(claim, in_order)
        expected = as_rank_finds(value, language=claim_language(claim, in_order), exclude_claim=claim.pk)
        assert len(expected) == 5
        assert_same(rows(claims.claim_matches(claim)), expected)

"""The one-statement ranking (find, a claim being logged) answers what the Python ranker (matching.rank) does.

On the seed articles' claims with a fact-check archive: Snopes' (../shared/bench/claim-matching) when it is
there, with its posts as queries, else the demo's own words.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import make_user
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

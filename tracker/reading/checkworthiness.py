"""Check-worthiness: how much a sentence looks like a factual claim worth checking (DESIGN §7).

Two scorers share one file, ``checkworthiness.npz`` beside this module,
built by ``make train-checkworthy`` (tracker/reading/training.py; data,
sources and licences in docs/checkworthiness.md):

- **english**: logistic regression over TF-IDF of hashed word 1–3-grams
  (punctuation marks count as words, every digit reads as 0 so that "$5.5
  billion" and "$7.2 billion" are one feature) and character 3–5-grams
  (within words), the language-neutral signals below, and the sentence's
  static vector: the weighted mean of its words' vectors, distilled from the
  all-MiniLM-L6-v2 sentence-transformer at training time into
  ``wordvectors.npz`` (tracker/reading/distill.py; int8, 64 numbers a word).
  For English articles.
- **language-neutral**: logistic regression over signals that need no
  knowledge of the language: numbers, percentages, currency, years and
  quantities; quotation marks and attribution words (for the languages we
  list); proper-noun-like capitals; length; questions. For every other
  language. It is clearly weaker (its figures are in the docs) and the API
  and reader say when it was used.

Features are hashed (scikit-learn's HashingVectorizer, a fixed function of
the text), so the file holds only numbers: each seen feature's idf and weight.
It is read once per process with numpy (no pickle) and scoring is one
sparse matrix product for all sentences. The character n-grams, the slow
part, are hashed once per distinct word of the article, not once per
occurrence: a 1,000-sentence article takes well under 300 ms.
"""

from __future__ import annotations

import math
import re
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from tracker.reading.sentences import language_key

MODEL_PATH = Path(__file__).with_name("checkworthiness.npz")
VECTORS_PATH = Path(__file__).with_name("wordvectors.npz")
ENGLISH = "english"
NEUTRAL = "language-neutral"
N_FEATURES = 2**20
MAX_SENTENCES = 500  # per POST checkworthiness/ call
MAX_SENTENCE_LENGTH = 5000

_DIGIT_ANY = re.compile(r"\d")


def _fold(text: str) -> str:
    """Lower-case, every digit read as 0: a claim's shape matters, not its figures."""
    return _DIGIT_ANY.sub("0", text.lower())


_WORD_OR_MARK = r"(?u)\b\w+\b|[^\w\s]"  # a punctuation mark is a word too ("?", "%", "$")

WORDS = HashingVectorizer(
    ngram_range=(1, 3),
    token_pattern=_WORD_OR_MARK,
    preprocessor=_fold,
    n_features=N_FEATURES,
    alternate_sign=False,
    norm=None,
    dtype=np.float64,
)
CHARS = HashingVectorizer(
    analyzer="char_wb", ngram_range=(3, 5), n_features=N_FEATURES, alternate_sign=False, norm=None, dtype=np.float64
)

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,\u00a0 ]\d{3})*(?:[.,]\d+)?(?![\w])")
_DIGIT = re.compile(r"\d")
_PERCENT = re.compile(r"%|‰|\bper ?cent\b|\bпроцент", re.IGNORECASE)
_CURRENCY = re.compile(r"[$€£₽¥₴]|\b(USD|EUR|GBP|RUB|UAH|dollars?|euros?|рубл\w*|доллар\w*|евро)\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[89]|20)\d{2}(?!\d)")
_QUANTITY = re.compile(
    r"\d\s*(km|kg|m|mi|miles?|tons?|tonnes?|million|billion|trillion|thousand|hundred|млн|млрд|тыс|км|кг|т)\b",
    re.IGNORECASE,
)
_QUOTES = re.compile(r"[“”«»„\"]")
_CAPITALISED = re.compile(r"(?<=\s)[A-ZА-ЯЁ][\w'-]+")
_TOKEN = re.compile(r"\w+")
# Attribution words, lower-case stems; a language not listed still has quotation marks and numbers.
ATTRIBUTION = {
    "en": ("said", "says", "told", "according to", "stated", "claimed", "announced", "reported", "estimated"),
    "ru": ("сказал", "заявил", "сообщил", "по словам", "по данным", "отметил", "утверждает", "объявил", "считает"),
    "de": ("sagte", "erklärte", "laut", "nach angaben", "teilte mit", "berichtete"),
    "fr": ("a déclaré", "selon", "a dit", "a annoncé", "affirme"),
    "es": ("dijo", "según", "afirmó", "declaró", "anunció"),
    "uk": ("сказав", "заявив", "повідомив", "за словами", "за даними"),
}
_ATTRIBUTION_ANY = tuple(word for words in ATTRIBUTION.values() for word in words)
NEUTRAL_FEATURES = (
    "numbers",
    "has_digit",
    "percent",
    "currency",
    "year",
    "quantity",
    "quotes",
    "attribution",
    "capitalised",
    "length",
    "question",
    "exclamation",
)


def neutral_features(texts: list[str]) -> np.ndarray:
    """Return the language-neutral signals of each text, one row per text (NEUTRAL_FEATURES order)."""
    rows = np.zeros((len(texts), len(NEUTRAL_FEATURES)))
    for i, text in enumerate(texts):
        lowered = text.lower()
        tokens = _TOKEN.findall(text)
        rows[i] = (
            math.log1p(len(_NUMBER.findall(text))),
            1.0 if _DIGIT.search(text) else 0.0,
            1.0 if _PERCENT.search(text) else 0.0,
            1.0 if _CURRENCY.search(text) else 0.0,
            1.0 if _YEAR.search(text) else 0.0,
            1.0 if _QUANTITY.search(text) else 0.0,
            1.0 if _QUOTES.search(text) else 0.0,
            1.0 if any(word in lowered for word in _ATTRIBUTION_ANY) else 0.0,
            len(_CAPITALISED.findall(text)) / max(1, len(tokens)),
            math.log1p(len(tokens)),
            1.0 if text.rstrip().endswith("?") else 0.0,
            1.0 if text.rstrip().endswith("!") else 0.0,
        )
    return rows


_STATIC_WORD = re.compile(r"(?u)\b\w+\b")


def static_words(text: str) -> list[str]:
    """The words a sentence's static vector is the mean of (lower-cased; the vocabulary holds no bare numbers)."""
    return _STATIC_WORD.findall(text.lower())


@dataclass
class WordVectors:
    """Static word vectors distilled from a sentence-transformer (tracker/reading/distill.py), numpy only."""

    index: dict[str, int]
    matrix: np.ndarray  # one row per word: its vector times its weight

    @classmethod
    def read(cls, path) -> WordVectors:
        with np.load(path, allow_pickle=False) as data:
            vectors = data["vectors"].astype(np.float32) * data["scale"]
            matrix = vectors * data["weights"][:, None]
            words = data["words"].tolist()
        return cls({word: i for i, word in enumerate(words)}, matrix)

    def features(self, texts: list[str]) -> np.ndarray:
        """Each text's weighted mean word vector, at unit length (zero for a text with no known word)."""
        rows, columns = [], []
        for i, text in enumerate(texts):
            for word in static_words(text):
                j = self.index.get(word)
                if j is not None:
                    rows.append(i)
                    columns.append(j)
        incidence = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, columns)), shape=(len(texts), len(self.index))
        )
        out = np.asarray(incidence @ self.matrix, dtype=np.float64)
        norms = np.linalg.norm(out, axis=1)
        norms[norms == 0] = 1.0
        return out / norms[:, None]


def char_counts(texts: list[str]) -> sparse.csr_matrix:
    """Return CHARS.transform(texts), hashing each distinct word once.

    char_wb n-grams never cross a word (a run of non-whitespace, lower-cased), so a text's counts are the sum
    of its words' counts: (texts × distinct words) @ (distinct words × n-grams).
    """
    vocabulary: dict[str, int] = {}
    rows, columns = [], []
    for i, text in enumerate(texts):
        for word in text.lower().split():
            rows.append(i)
            columns.append(vocabulary.setdefault(word, len(vocabulary)))
    if not vocabulary:
        return sparse.csr_matrix((len(texts), N_FEATURES), dtype=np.float64)
    incidence = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, columns)), shape=(len(texts), len(vocabulary)), dtype=np.float64
    )
    return sparse.csr_matrix(incidence @ CHARS.transform(list(vocabulary)))


def hashed_counts(texts: list[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Return the hashed word and character n-gram counts of texts."""
    return WORDS.transform(texts), char_counts(texts)


def tfidf(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear tf × idf, each row scaled to unit length (as scikit-learn's TfidfTransformer does)."""
    matrix = counts.tocsr(copy=True)
    # Features outside the model's vocabulary have idf 0: they count for nothing, not even in the length.
    matrix.data = (1.0 + np.log(matrix.data)) * idf[matrix.indices]
    matrix.eliminate_zeros()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def idf_from_counts(counts: sparse.csr_matrix, n_docs: int, min_df: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (features seen in at least min_df training texts, their smoothed idf); the others are ignored."""
    df = np.bincount(counts.tocsr().indices, minlength=counts.shape[1])
    kept = np.flatnonzero(df >= min_df)
    return kept.astype(np.int32), np.log((1 + n_docs) / (1 + df[kept])) + 1.0


@dataclass
class Scorer:
    """One logistic regression: weights over its features, and the threshold shipped with it."""

    name: str
    intercept: float
    threshold: float
    neutral_weights: np.ndarray
    neutral_mean: np.ndarray
    neutral_scale: np.ndarray
    word_idf: np.ndarray | None = None  # dense, N_FEATURES (None for the neutral scorer)
    char_idf: np.ndarray | None = None
    word_weights: np.ndarray | None = None
    char_weights: np.ndarray | None = None
    vectors: WordVectors | None = None
    static_weights: np.ndarray | None = None

    def features(self, texts: list[str]):
        neutral = (neutral_features(texts) - self.neutral_mean) / self.neutral_scale
        if self.word_idf is None:
            return None, None, neutral, None
        words, chars = hashed_counts(texts)
        static = self.vectors.features(texts)
        return tfidf(words, self.word_idf), tfidf(chars, self.char_idf), neutral, static

    def decision(self, texts: list[str]) -> np.ndarray:
        words, chars, neutral, static = self.features(texts)
        value = neutral @ self.neutral_weights + self.intercept
        if words is not None:
            value = value + words @ self.word_weights + chars @ self.char_weights + static @ self.static_weights
        return np.asarray(value).ravel()

    def scores(self, texts: list[str]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.decision(texts)))


def dense(indices: np.ndarray, values: np.ndarray, default: float) -> np.ndarray:
    full = np.full(N_FEATURES, default, dtype=np.float64)
    full[indices] = values
    return full


def load(path: Path = MODEL_PATH, vectors: Path | WordVectors = VECTORS_PATH) -> dict[str, Scorer]:
    """Read both scorers from the model file (and the English one's word vectors from theirs)."""
    if not isinstance(vectors, WordVectors):
        vectors = WordVectors.read(vectors)
    with np.load(path, allow_pickle=False) as data:
        english = Scorer(
            name=ENGLISH,
            intercept=float(data["en_intercept"]),
            threshold=float(data["en_threshold"]),
            neutral_weights=data["en_neutral_weights"].astype(np.float64),
            neutral_mean=data["neutral_mean"].astype(np.float64),
            neutral_scale=data["neutral_scale"].astype(np.float64),
            word_idf=dense(data["word_index"], data["word_idf"], 0.0),
            char_idf=dense(data["char_index"], data["char_idf"], 0.0),
            word_weights=dense(data["word_index"], data["word_weights"], 0.0),
            char_weights=dense(data["char_index"], data["char_weights"], 0.0),
            vectors=vectors,
            static_weights=data["static_weights"].astype(np.float64),
        )
        neutral = Scorer(
            name=NEUTRAL,
            intercept=float(data["neutral_intercept"]),
            threshold=float(data["neutral_threshold"]),
            neutral_weights=data["neutral_weights"].astype(np.float64),
            neutral_mean=data["neutral_mean"].astype(np.float64),
            neutral_scale=data["neutral_scale"].astype(np.float64),
        )
    return {ENGLISH: english, NEUTRAL: neutral}


_loaded: dict[str, Scorer] | None = None
_lock = threading.Lock()


class ModelUnavailable(RuntimeError):
    """The model file is missing or unreadable (a checkout without it): rebuild it with make train-checkworthy."""


def scorers() -> dict[str, Scorer]:
    """Return the scorers, reading the model file on first use only (once per process)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                try:
                    _loaded = load()
                except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
                    raise ModelUnavailable(
                        f"The check-worthiness model cannot be read from {MODEL_PATH} and {VECTORS_PATH}: {exc}"
                    ) from exc
    return _loaded


def model_version() -> str:
    """A short fingerprint of the model file, so cached scores are dropped when it is rebuilt."""
    global _version
    if _version is None:
        import hashlib

        try:
            _version = hashlib.sha256(MODEL_PATH.read_bytes() + VECTORS_PATH.read_bytes()).hexdigest()[:12]
        except OSError:
            _version = "missing"
    return _version


_version: str | None = None


def scorer_for(language: str) -> Scorer:
    """Return the English model for English text, the language-neutral one for any other language."""
    return scorers()[ENGLISH if language_key(language) == "en" else NEUTRAL]


@dataclass(frozen=True)
class Scored:
    score: float
    check_worthy: bool


def score(texts: list[str], language: str = "en") -> tuple[list[Scored], str]:
    """Score sentences; return their scores in order and the name of the scorer used."""
    model = scorer_for(language)
    if not texts:
        return [], model.name
    values = model.scores([text[:MAX_SENTENCE_LENGTH] for text in texts])
    return [Scored(round(float(v), 4), bool(v >= model.threshold)) for v in values], model.name

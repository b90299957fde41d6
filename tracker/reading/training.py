"""``make train-checkworthy``: rebuild tracker/reading/checkworthiness.npz from the benchmark's training files.

Reproducible: the same files give the same model, byte for byte (fixed
folds, a deterministic solver, hashed features, and a zip written with fixed
timestamps). The English scorer also reads the static word vectors shipped in
tracker/reading/wordvectors.npz (``make distill-checkworthy``, the one step
that needs torch), so this needs numpy and scikit-learn only. The data, their
sources and licences are described in docs/checkworthiness.md.

    python -m tracker.reading.training [--data DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from tracker.reading import checkworthiness as cw

DATA = Path(__file__).resolve().parents[3] / "shared" / "bench" / "check-worthiness"
SEED = 9
# Chosen with make bench-checkworthy (cross-validated on the training files only).
C_ENGLISH = 4.0
C_NEUTRAL = 1.0
# CLEF marks far fewer sentences check-worthy than ClaimBuster: weighed more, its sentences lower
# ClaimBuster F1 (0.760 at 0.2) without raising CLEF MAP (0.242 at 0 and 0.247 at 0.05 or 0.2).
CLEF_WEIGHT = 0.05
MIN_DF = 2


@dataclass
class Corpus:
    texts: list[str]
    labels: np.ndarray
    weights: np.ndarray
    source: np.ndarray  # "claimbuster" or "clef"
    group: np.ndarray  # the CLEF file (debate or speech), "" for ClaimBuster
    # Features computed once for every sentence (hashing is the slow part), sliced for each fold.
    words: sparse.csr_matrix | None = None
    chars: sparse.csr_matrix | None = None
    neutral: np.ndarray | None = None
    static: np.ndarray | None = None  # each sentence's static vector (the shipped wordvectors.npz)
    vectors: cw.WordVectors | None = None

    def __post_init__(self):
        if self.vectors is None:
            self.vectors = cw.WordVectors.read(cw.VECTORS_PATH)
        if self.words is None:
            self.words, self.chars = cw.hashed_counts(self.texts)
            self.neutral = cw.neutral_features(self.texts)
            self.static = self.vectors.features(self.texts)


def load_corpus(data: Path = DATA, clef_weight: float = CLEF_WEIGHT) -> Corpus:
    """Read ClaimBuster's sentences and CLEF-2019's training debates into one corpus."""
    with open(data / "claimbuster_train.json", encoding="utf-8") as handle:
        claimbuster = json.load(handle)
    with open(data / "clef2019_task1_train.csv", encoding="utf-8", newline="") as handle:
        clef = list(csv.DictReader(handle))
    texts = [row["text"] for row in claimbuster] + [row["text"] for row in clef]
    labels = [int(row["label"]) for row in claimbuster] + [int(row["label"]) for row in clef]
    source = ["claimbuster"] * len(claimbuster) + ["clef"] * len(clef)
    group = [""] * len(claimbuster) + [row["file_name"] for row in clef]
    weights = [1.0] * len(claimbuster) + [clef_weight] * len(clef)
    return Corpus(texts, np.array(labels), np.array(weights), np.array(source), np.array(group))


def subset(corpus: Corpus, rows: np.ndarray) -> Corpus:
    return Corpus(
        [corpus.texts[i] for i in rows],
        corpus.labels[rows],
        corpus.weights[rows],
        corpus.source[rows],
        corpus.group[rows],
        corpus.words[rows],
        corpus.chars[rows],
        corpus.neutral[rows],
        corpus.static[rows],
        corpus.vectors,
    )


def fit(corpus: Corpus, *, c_english: float = C_ENGLISH, c_neutral: float = C_NEUTRAL) -> dict[str, np.ndarray]:
    """Fit both scorers on corpus; return the arrays the model file holds (thresholds at 0.5 until tuned)."""
    words, chars = corpus.words, corpus.chars
    n_docs = len(corpus.texts)
    word_index, word_idf_kept = cw.idf_from_counts(words, n_docs, MIN_DF)
    char_index, char_idf_kept = cw.idf_from_counts(chars, n_docs, MIN_DF)
    word_idf = cw.dense(word_index, word_idf_kept, 0.0)
    char_idf = cw.dense(char_index, char_idf_kept, 0.0)
    raw_neutral = corpus.neutral
    mean = raw_neutral.mean(axis=0)
    scale = raw_neutral.std(axis=0)
    scale[scale == 0] = 1.0
    neutral = (raw_neutral - mean) / scale

    tf_words = cw.tfidf(words, word_idf)[:, word_index]
    tf_chars = cw.tfidf(chars, char_idf)[:, char_index]
    matrix = sparse.hstack([tf_words, tf_chars, sparse.csr_matrix(neutral), sparse.csr_matrix(corpus.static)]).tocsr()
    # liblinear: fast on sparse text features, and deterministic with a fixed seed.
    english = LogisticRegression(C=c_english, max_iter=5000, solver="liblinear", random_state=SEED)
    english.fit(matrix, corpus.labels, sample_weight=corpus.weights)
    coef = english.coef_.ravel()
    n_words, n_chars, n_neutral = len(word_index), len(char_index), neutral.shape[1]

    neutral_model = LogisticRegression(C=c_neutral, max_iter=5000, solver="liblinear", random_state=SEED)
    neutral_model.fit(neutral, corpus.labels, sample_weight=corpus.weights)
    return {
        "n_docs": np.array(n_docs),
        "word_index": word_index,
        "word_idf": word_idf_kept.astype(np.float32),
        "word_weights": coef[:n_words].astype(np.float32),
        "char_index": char_index,
        "char_idf": char_idf_kept.astype(np.float32),
        "char_weights": coef[n_words : n_words + n_chars].astype(np.float32),
        "en_neutral_weights": coef[n_words + n_chars : n_words + n_chars + n_neutral].astype(np.float32),
        "static_weights": coef[n_words + n_chars + n_neutral :].astype(np.float32),
        "en_intercept": np.array(english.intercept_[0]),
        "en_threshold": np.array(0.5),
        "neutral_mean": mean.astype(np.float32),
        "neutral_scale": scale.astype(np.float32),
        "neutral_weights": neutral_model.coef_.ravel().astype(np.float32),
        "neutral_intercept": np.array(neutral_model.intercept_[0]),
        "neutral_threshold": np.array(0.5),
    }


def scorers_from(arrays: dict[str, np.ndarray], vectors: cw.WordVectors | None = None) -> dict[str, cw.Scorer]:
    """Build the scorers from fitted arrays exactly as load() builds them from the file."""
    buffer = io.BytesIO()
    write(arrays, buffer)
    buffer.seek(0)
    return cw.load(buffer, vectors if vectors is not None else cw.VECTORS_PATH)


def best_threshold(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """Return (threshold, F1 of the positive class) maximising F1 over thresholds in steps of 0.01."""
    best = (0.5, 0.0)
    for threshold in np.round(np.arange(0.05, 0.96, 0.01), 2):
        predicted = scores >= threshold
        tp = int(np.sum(predicted & (labels == 1)))
        fp = int(np.sum(predicted & (labels == 0)))
        fn = int(np.sum(~predicted & (labels == 1)))
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best[1] + 1e-12:
            best = (float(threshold), f1)
    return best


def claimbuster_folds(corpus: Corpus, n_splits: int = 5):
    """Yield (train rows, test rows): ClaimBuster in stratified folds, CLEF always in training.

    A training sentence identical to a test sentence (the two sets share
    2016 debates) is left out of that fold's training.
    """
    cb = np.flatnonzero(corpus.source == "claimbuster")
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=SEED)
    for _, test in folds.split(cb, corpus.labels[cb]):
        test_rows = cb[test]
        test_texts = {corpus.texts[i].strip().lower() for i in test_rows}
        in_test = np.zeros(len(corpus.texts), dtype=bool)
        in_test[test_rows] = True
        train_rows = np.array(
            [
                i
                for i in range(len(corpus.texts))
                if not in_test[i] and corpus.texts[i].strip().lower() not in test_texts
            ]
        )
        yield train_rows, test_rows


def tune_thresholds(corpus: Corpus, arrays: dict[str, np.ndarray]) -> dict[str, tuple[float, float]]:
    """Set each scorer's threshold to the one maximising cross-validated ClaimBuster F1; return (threshold, F1)."""
    out_of_fold = {cw.ENGLISH: np.zeros(len(corpus.texts)), cw.NEUTRAL: np.zeros(len(corpus.texts))}
    tested = []
    for train, test in claimbuster_folds(corpus):
        models = scorers_from(fit(subset(corpus, train)), corpus.vectors)
        texts = [corpus.texts[i] for i in test]
        for name, model in models.items():
            out_of_fold[name][test] = model.scores(texts)
        tested.extend(test)
    tested = np.array(sorted(tested))
    found = {}
    for name, key in ((cw.ENGLISH, "en_threshold"), (cw.NEUTRAL, "neutral_threshold")):
        threshold, f1 = best_threshold(corpus.labels[tested], out_of_fold[name][tested])
        arrays[key] = np.array(threshold)
        found[name] = (threshold, f1)
    return found


def write(arrays: dict[str, np.ndarray], target) -> None:
    """Write arrays as an .npz (a zip of .npy files) with fixed timestamps, so the bytes depend only on the values."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(arrays[name]), allow_pickle=False)
            archive.writestr(info, buffer.getvalue())


def arguments(argv: list[str] | None, description: str, out: Path) -> argparse.Namespace | None:
    """Parse --data and --out; None (after saying why) when the training files are not there."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=out)
    args = parser.parse_args(argv)
    if not (args.data / "claimbuster_train.json").exists():
        print(f"The training files are not in {args.data} (see docs/checkworthiness.md).", file=sys.stderr)
        return None
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv, "Rebuild the check-worthiness model from the benchmark files.", cw.MODEL_PATH)
    if args is None:
        return 2
    corpus = load_corpus(args.data)
    print(f"Training on {len(corpus.texts)} sentences ({int(corpus.labels.sum())} check-worthy).")
    arrays = fit(corpus)
    for name, (threshold, f1) in tune_thresholds(corpus, arrays).items():
        print(f"{name}: threshold {threshold:.2f} (cross-validated ClaimBuster F1 {f1:.3f})")
    write(arrays, args.out)
    print(f"Wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

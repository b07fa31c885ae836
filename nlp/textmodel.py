"""A small, fast, pickle-free text classifier shared by the trained detectors.

Features are a static sentence embedding (model2vec, distilled here from all-MiniLM-L6-v2,
see models/static-minilm) concatenated with hashed word n-grams (stateless: nothing to store
but the hashing parameters); the head is a scikit-learn logistic regression. The fitted model
is plain arrays plus a small JSON-ready dict (`to_arrays` / `from_arrays`), so artefacts are
lean, readable and safe to load; `flows/artefacts.py` does the file I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32

#: a sentence ends after . ! ? (and closing quotes or brackets) followed by space, or at a newline
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*\s+|\n+")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function: a head's raw score to its probability."""
    return 1.0 / (1.0 + np.exp(-z))


def logit(p: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The inverse of `sigmoid`, with `p` clipped to [eps, 1 - eps] so it stays finite."""
    p = np.clip(p, eps, 1 - eps)
    return np.log(p / (1 - p))


class CharNgramHasher:
    """`HashingVectorizer(analyzer="char_wb", ngram_range, alternate_sign=False, norm="l2",
    lowercase=True)`, computed word by word with a cache; the same matrix, several times faster.

    A char_wb n-gram never crosses a word (a run of non-space characters, padded with one
    space each side), so a text's counts are the sum of its words' counts, and words repeat
    across texts. Each new word's n-grams are hashed once, exactly as scikit-learn's
    `FeatureHasher` hashes them (signed MurmurHash3 of the UTF-8 bytes, seed 0, |h| modulo
    `n_features`); `tests/test_textmodel.py` checks the equality against `HashingVectorizer`.

    Args:
        n_features: Hash buckets.
        ngram_range: (min_n, max_n) characters.
        max_words: The cache is emptied when it holds this many words (bounds memory).
    """

    _WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's _VectorizerMixin

    def __init__(self, n_features: int, ngram_range: tuple[int, int] = (2, 5),
                 max_words: int = 200_000) -> None:
        self.n_features = n_features
        self.min_n, self.max_n = ngram_range
        self.max_words = max_words
        self._words: dict[str, np.ndarray] = {}

    def _bucket(self, gram: str) -> int:
        h = murmurhash3_32(gram, seed=0)
        if h == -(2**31):  # abs() would overflow in int32; scikit-learn's special case
            return (2**31 - 1 - (self.n_features - 1)) % self.n_features
        return abs(h) % self.n_features

    def _word_buckets(self, word: str) -> np.ndarray:
        """The bucket of each char_wb n-gram of `word`, with repeats, as `_char_wb_ngrams`."""
        w = " " + word + " "
        grams = []
        for n in range(self.min_n, self.max_n + 1):
            offset = 0
            grams.append(w[offset:offset + n])
            while offset + n < len(w):
                offset += 1
                grams.append(w[offset:offset + n])
            if offset == 0:  # a word shorter than n is counted once
                break
        return np.fromiter((self._bucket(g) for g in grams), dtype=np.int32, count=len(grams))

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The l2-normalised count matrix (float64), one row per text (none for no text)."""
        if not len(texts):
            return sparse.csr_matrix((0, self.n_features))
        if len(self._words) > self.max_words:
            self._words.clear()
        rows, lengths = [], []
        for text in texts:
            buckets = []
            for word in self._WHITE_SPACES.sub(" ", text.lower()).split():
                cached = self._words.get(word)
                if cached is None:
                    cached = self._words[word] = self._word_buckets(word)
                buckets.append(cached)
            row = np.concatenate(buckets) if buckets else np.zeros(0, dtype=np.int32)
            rows.append(row)
            lengths.append(len(row))
        indices = np.concatenate(rows)
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        x = sparse.csr_matrix((np.ones(len(indices)), indices, indptr),
                              shape=(len(texts), self.n_features))
        x.sum_duplicates()  # also sorts the indices, as FeatureHasher does
        return normalize(x, norm="l2", copy=False)


_CHAR_HASHERS: dict[tuple[int, tuple[int, int]], CharNgramHasher] = {}


def char_hasher(n_features: int, ngram_range: tuple[int, int] = (2, 5)) -> CharNgramHasher:
    """One shared `CharNgramHasher` per configuration (its word cache outlives a batch)."""
    key = (n_features, tuple(ngram_range))
    if key not in _CHAR_HASHERS:
        _CHAR_HASHERS[key] = CharNgramHasher(n_features, key[1])
    return _CHAR_HASHERS[key]


def clear_feature_caches() -> None:
    """Forget every cached word (benchmarks use it to time a cold start)."""
    _CHAR_HASHERS.clear()


class SentenceEncoder(Protocol):
    """Anything that embeds texts as rows (model2vec's StaticModel fits)."""

    def encode(self, sentences: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class FeatureConfig:
    """How texts become features; stored with the model so inference matches training."""

    use_embedding: bool = True
    n_hash: int = 2**18  # 0 disables the n-gram block
    ngram_range: tuple[int, int] = (1, 2)
    char_ngrams: bool = False  # char_wb 2-5 grams instead of words
    embedding_weight: float = 1.0  # scales the (unit-length) embedding block
    char_hash: int = 0  # > 0 adds a hashed char_wb 2-5 gram block of this size to the words
    char_weight: float = 1.0  # scales the (unit-length) extra char block

    def vectorizer(self) -> HashingVectorizer:
        """The stateless n-gram hasher for this config."""
        return HashingVectorizer(
            n_features=self.n_hash, ngram_range=tuple(self.ngram_range),
            analyzer="char_wb" if self.char_ngrams else "word", alternate_sign=False,
            norm="l2", lowercase=True, token_pattern=r"(?u)\b\w[\w']*\b",
        )

    def char_vectorizer(self) -> HashingVectorizer:
        """The extra char_wb 2-5 gram hasher (`char_hash` > 0), beside the word n-grams."""
        return HashingVectorizer(
            n_features=self.char_hash, ngram_range=(2, 5), analyzer="char_wb",
            alternate_sign=False, norm="l2", lowercase=True,
        )


def featurize(texts: list[str], cfg: FeatureConfig, encoder: SentenceEncoder | None
              ) -> sparse.csr_matrix:
    """Turn texts into the model's feature matrix."""
    blocks = []
    if cfg.use_embedding:
        if encoder is None:
            raise ValueError("this model needs a sentence encoder (models/static-minilm)")
        emb = normalize(np.asarray(encoder.encode(list(texts)), dtype=np.float32))
        blocks.append(sparse.csr_matrix(emb * cfg.embedding_weight))
    if cfg.n_hash:
        grams = (char_hasher(cfg.n_hash, tuple(cfg.ngram_range)).transform(texts)
                 if cfg.char_ngrams else cfg.vectorizer().transform(texts))
        blocks.append(grams.astype(np.float32))
    if cfg.char_hash:
        chars = char_hasher(cfg.char_hash).transform(texts).astype(np.float32)
        blocks.append(chars * np.float32(cfg.char_weight))
    if not blocks:
        raise ValueError("FeatureConfig enables no features")
    return sparse.hstack(blocks, format="csr")


@dataclass(frozen=True)
class LinearTextModel:
    """Logistic regression over `featurize` features; `classes[i]` is column i of probabilities.

    With `multilabel`, each row of `coef` is an independent binary head (see `stack_heads`)
    and column i is P(classes[i]) on its own: rows need not sum to 1.
    """

    classes: tuple[str, ...]
    coef: np.ndarray  # (1, n_features) for two classes, else (n_classes, n_features)
    intercept: np.ndarray
    features: FeatureConfig = field(default_factory=FeatureConfig)
    meta: dict[str, Any] = field(default_factory=dict)  # provenance, thresholds, metrics
    multilabel: bool = False

    def decision(self, texts: list[str], encoder: SentenceEncoder | None) -> np.ndarray:
        """Raw scores (n_texts, n_columns)."""
        x = featurize(texts, self.features, encoder)
        return np.asarray(x @ self.coef.T, dtype=np.float64) + self.intercept

    def predict_proba(self, texts: list[str], encoder: SentenceEncoder | None) -> np.ndarray:
        """Class probabilities (n_texts, n_classes), rows summing to 1 unless `multilabel`."""
        if not texts:
            return np.zeros((0, len(self.classes)))
        z = self.decision(texts, encoder)
        if self.multilabel:
            return sigmoid(z)
        if len(self.classes) == 2:
            p = sigmoid(z[:, 0])
            return np.column_stack([1.0 - p, p])
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_arrays(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """A JSON-ready header and the arrays (for `np.savez_compressed`)."""
        header = {"classes": list(self.classes), "features": self.features.__dict__ | {
            "ngram_range": list(self.features.ngram_range)}, "meta": self.meta}
        if self.multilabel:
            header["multilabel"] = True
        # half precision for a wide hashed space (sentiment's 2^19 columns); by width, not
        # size, so stacked heads (empathy's five rows of 2^18) keep their exact coefficients
        coef = self.coef.astype(np.float16) if self.coef.shape[1] >= 2**19 else self.coef
        return header, {"coef": coef, "intercept": self.intercept}

    @classmethod
    def from_arrays(cls, header: dict[str, Any], arrays: dict[str, np.ndarray]
                    ) -> LinearTextModel:
        """Rebuild a model written by `to_arrays`."""
        feats = dict(header["features"], ngram_range=tuple(header["features"]["ngram_range"]))
        return cls(tuple(header["classes"]), np.asarray(arrays["coef"], dtype=np.float32),
                   np.asarray(arrays["intercept"], dtype=np.float64), FeatureConfig(**feats),
                   dict(header.get("meta", {})), bool(header.get("multilabel", False)))


def fit_text_model(texts: list[str], labels: list[str], encoder: SentenceEncoder | None,
                   features: FeatureConfig = FeatureConfig(), c: float = 4.0,
                   class_weight: str | None = "balanced", seed: int = 0,
                   meta: dict[str, Any] | None = None,
                   sample_weight: np.ndarray | None = None) -> LinearTextModel:
    """Fit a LinearTextModel (deterministic for a given seed; `sample_weight` per text)."""
    x = featurize(texts, features, encoder)
    clf = LogisticRegression(C=c, max_iter=2000, class_weight=class_weight, random_state=seed)
    clf.fit(x, labels, sample_weight=sample_weight)
    return LinearTextModel(tuple(str(c) for c in clf.classes_), clf.coef_.astype(np.float32),
                           clf.intercept_.astype(np.float64), features, dict(meta or {}))


def stack_heads(heads: dict[str, LinearTextModel], meta: dict[str, Any] | None = None
                ) -> LinearTextModel:
    """One multilabel model from binary heads over the same features (class "1" of each).

    The texts are featurised once and every head scores them in one matrix product, so a
    further head costs one more row of coefficients, not a second model.

    Raises:
        ValueError: If a head is not binary ("0"/"1") or the heads' features differ.
    """
    models = list(heads.values())
    if any(m.classes != ("0", "1") for m in models):
        raise ValueError("stack_heads takes binary models with classes ('0', '1')")
    if any(m.features != models[0].features for m in models):
        raise ValueError("stacked heads must share one FeatureConfig")
    return LinearTextModel(tuple(heads), np.vstack([m.coef for m in models]),
                           np.concatenate([m.intercept for m in models]), models[0].features,
                           dict(meta or {}), multilabel=True)


def regex_sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped; `[text]` when it has no non-blank sentence."""
    sentences, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[start:m.end()].strip():
            sentences.append(text[start:m.end()].strip())
        start = m.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences or [text]


def best_sentence_scores(model: LinearTextModel, texts: list[str], columns: Sequence[str]
                         ) -> np.ndarray:
    """Per text and per column, the maximum over the text's sentences of the column's raw
    score from the word n-gram block alone: (n_texts, n_columns). The heads' other weights
    are ignored, so each must be a words-only head, such as a sentence-level head padded
    into a stacked model. Needs no encoder: sentences are split and hashed once for all
    columns, which keeps a turn's extra cost small."""
    if not texts:
        return np.zeros((0, len(columns)))
    cfg = model.features
    start = model.coef.shape[1] - cfg.n_hash - cfg.char_hash  # after the embedding block
    rows = [model.classes.index(c) for c in columns]
    sentences = [regex_sentences(t) for t in texts]
    words = cfg.vectorizer().transform([s for ss in sentences for s in ss])
    z = words @ model.coef[rows, start:start + cfg.n_hash].T + model.intercept[rows]
    starts = np.cumsum([0] + [len(ss) for ss in sentences[:-1]])
    return np.maximum.reduceat(np.asarray(z, dtype=np.float64), starts, axis=0)

"""The pain student: a small convolutional reader of pain, distilled from the pain teacher.

The pain teacher (`nlp.pain_teacher`, MiniLM with adapters) reads the turns the fast detector
is unsure of better than the detector does, but at ~160-210 turns a second per core it holds
the detection stage to ~640 turns a second. The student learnt the teacher's P(pain) on ~90k
customer texts (`flows.training.pain_student`): one convolution of width 3 over the static
token vectors that the fast detector already embeds with (`models/static-minilm`, frozen),
mean- and max-pooled, and a linear head. The token vectors being fixed, each tap of the
convolution is applied to the whole vocabulary once at load (`tap_tables`, ~136 MB), so
reading a text is three table lookups per token: ~13,000 sample turns a second on one
core.

`PainStudent` is a `nlp.detectors.PainScorer`: with `CALLINSIGHT_PAIN_TEACHER=false` the
pipeline asks it, in place of the teacher, about the uncued turns within its `band` of the
fast threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

#: Token vectors read per text (the teacher reads 64 word pieces too).
MAX_TOKENS = 64
#: Texts read together (similar lengths, padded to the longest).
CHUNK = 64


class Tokenizer(Protocol):
    """A Hugging Face `tokenizers.Tokenizer` (model2vec's), as far as the student uses it."""

    def encode_batch(self, texts: list[str], add_special_tokens: bool = ...) -> list: ...


def token_ids(tokenizer: Tokenizer, texts: Sequence[str], max_tokens: int = MAX_TOKENS
              ) -> list[list[int]]:
    """Each text's first `max_tokens` token ids, no special tokens; an empty text reads as
    token 0 (the padding token), so that every text has a vector."""
    encoded = tokenizer.encode_batch(list(texts), add_special_tokens=False)
    return [list(e.ids[:max_tokens]) or [0] for e in encoded]


def tap_tables(embedding: np.ndarray, conv: np.ndarray) -> np.ndarray:
    """The convolution's three taps applied to every token vector once: (3, vocabulary + 1,
    hidden) float32, the previous, current and next token's share of a position's
    pre-activation. The last row of each is zero: the missing neighbour at a text's ends.
    With the token vectors frozen, reading is then three row lookups per token."""
    dim = embedding.shape[1]
    vectors = np.asarray(embedding, dtype=np.float32)
    weights = np.asarray(conv, dtype=np.float32)
    tables = np.zeros((3, vectors.shape[0] + 1, weights.shape[1]), dtype=np.float32)
    for tap in range(3):
        tables[tap, :-1] = vectors @ weights[tap * dim:(tap + 1) * dim]
    return tables


def student_logits(ids: Sequence[Sequence[int]], tables: np.ndarray, conv_bias: np.ndarray,
                   head: np.ndarray, head_bias: float, chunk: int = CHUNK) -> np.ndarray:
    """The student's logit per text: a width-3 convolution (zero-padded at each text's ends)
    over the texts' token vectors (`tap_tables`), ReLU, each text's mean and max over its
    tokens, a linear head (`head`: (2 x hidden,), the mean's weights then the max's). Texts
    are read `chunk` at a time in order of length, padded to the longest of their chunk."""
    lengths = np.array([len(i) for i in ids])
    missing = tables.shape[1] - 1  # the zero row: no token
    logits = np.zeros(len(ids))
    order = np.argsort(lengths, kind="stable")
    for start in range(0, len(order), chunk):
        rows = order[start:start + chunk]
        padded = np.full((len(rows), int(lengths[rows].max()) + 2), missing, dtype=np.int64)
        for row, i in enumerate(rows):
            padded[row, 1:1 + lengths[i]] = ids[i]
        tokens = padded[:, 1:-1]
        hidden = (tables[0][padded[:, :-2]] + tables[1][tokens] + tables[2][padded[:, 2:]]
                  + conv_bias)
        # ReLU, and zero past a text's end (where a neighbour's tap would reach): the max
        # of a text's non-negative values is then the max over the whole padded row.
        np.maximum(hidden, 0.0, out=hidden)
        hidden *= (tokens != missing)[:, :, None]
        mean = hidden.sum(1) / lengths[rows, None]
        logits[rows] = np.hstack([mean, hidden.max(1)]) @ head + head_bias
    return logits


class PainStudent:
    """The distilled student (its arrays and `meta` from `flows.training.pain_student`), over
    the static model's tokenizer and token vectors."""

    def __init__(self, tokenizer: Tokenizer, embedding: np.ndarray,
                 arrays: Mapping[str, np.ndarray], meta: Mapping) -> None:
        self.tokenizer = tokenizer
        self.tables = tap_tables(embedding, arrays["conv"])
        self.conv_bias = np.asarray(arrays["conv_bias"], dtype=np.float32)
        self.head = np.asarray(arrays["head"], dtype=np.float32)
        self.head_bias = float(np.asarray(arrays["head_bias"]).reshape(-1)[0])
        self.meta = dict(meta)
        self.threshold = float(self.meta["threshold"])
        self.band = float(self.meta["band"])
        self.texts_read = 0  # every text `score` has read, for the benchmark

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """P(pain) per text."""
        self.texts_read += len(texts)
        if not texts:
            return np.zeros(0)
        logits = student_logits(token_ids(self.tokenizer, texts), self.tables,
                                self.conv_bias, self.head, self.head_bias)
        return 1.0 / (1.0 + np.exp(-logits))

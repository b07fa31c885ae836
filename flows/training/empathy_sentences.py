"""Rationale supervision: sentence-level heads and their mixes into the response heads.

EPITOME marks the spans of each response that carry its emotional reaction (ER) and its
interpretation (IP). Each mixed response head has a sentence head (`SENTENCE_TARGETS`): a
sentence of a training response is a positive example when the response is rated >= 1 on one
of the head's mechanisms and the sentence overlaps one of that mechanism's spans; every other
sentence (of any response) is a negative. "reaction" reads the ER spans, "interpretation"
the IP spans; the score head has no sentence head (see `SENTENCE_TARGETS`).

A sentence head uses the response heads' C and word n-gram hasher only (no embedding: for the
reaction head it mixed as well, 0.875 vs 0.875, and sentences then need no encoder at run
time); padded with zero embedding weights it is one more stacked row. At run time
`nlp.empathy.mixed_probabilities` mixes its best-sentence logit with its response head's
logit, each weight chosen here by 5-fold CV (the trainer's folds) on that head's target.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from sklearn.metrics import roc_auc_score

from flows.training.empathy_data import EmpathyPair
from nlp.empathy import INTERPRETATION_HEAD, REACTION_HEAD, SENTENCE_MIXES
from nlp.textmodel import (
    FeatureConfig,
    LinearTextModel,
    SentenceEncoder,
    best_sentence_scores,
    fit_text_model,
    regex_sentences,
    sigmoid,
    stack_heads,
)

log = logging.getLogger(__name__)

SENTENCE_WEIGHTS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def _er_spans(p: EmpathyPair) -> tuple[str, ...]:
    return p.er_rationales if p.er >= 1 else ()


def _ip_spans(p: EmpathyPair) -> tuple[str, ...]:
    return p.ip_rationales if p.ip >= 1 else ()


@dataclass(frozen=True)
class SentenceTarget:
    """The sentence head mixed into one response head."""

    name: str  # the sentence head's row in the stacked model
    spans: Callable[[EmpathyPair], tuple[str, ...]]  # rationale spans marking positives
    label: str  # what a positive sentence is (model.meta["heads"])


#: response head -> its sentence head, in the order the rows are stacked. The score head has
#: none: its mix (ER or IP spans) raised the held-out ER-or-IP ROC-AUC 0.856 -> 0.872 but more
#: than doubled the sample's agent turns at >= 0.5 (316 -> 689, procedural ones among them:
#: "Thank you, could you confirm the right stores here please" 0.27 -> 0.62), which would move
#: the recoveries on service text with no service labels to check them against.
SENTENCE_TARGETS = {
    REACTION_HEAD: SentenceTarget("reaction_sentence", _er_spans,
                                  "a sentence overlapping an ER rationale span "
                                  "(inside the reaction mix)"),
    INTERPRETATION_HEAD: SentenceTarget("interpretation_sentence", _ip_spans,
                                        "a sentence overlapping an IP rationale span "
                                        "(inside the interpretation mix)"),
}
def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


def label_sentences(pair: EmpathyPair, head: str = REACTION_HEAD) -> list[tuple[str, int]]:
    """(sentence, 1 if it overlaps a rationale span of `head`'s sentence target else 0)."""
    text, low = pair.response, pair.response.lower()
    spans = []
    for span in SENTENCE_TARGETS[head].spans(pair):
        i = low.find(span.lower())
        i = i if i >= 0 else low.find(span.lower()[:20])  # a span edited after annotation
        if i >= 0:
            spans.append((i, i + len(span)))
    out, cursor = [], 0
    for sentence in regex_sentences(text):
        start = text.find(sentence, cursor)
        cursor = start + len(sentence)
        out.append((sentence, int(_overlaps(start, cursor, spans))))
    return out


def fit_sentence_head(pairs: list[EmpathyPair], features: FeatureConfig, c: float,
                      like: LinearTextModel, head: str = REACTION_HEAD) -> LinearTextModel:
    """`head`'s sentence-level head on the word n-grams of every sentence of `pairs`, padded
    with zero weights to the width of `like` (a response head) so it can be stacked.

    Raises:
        ValueError: If the features have a char block (the words must be the last block).
    """
    if features.char_hash:
        raise ValueError("the sentence head expects the word n-grams as the last block")
    rows = [row for p in pairs for row in label_sentences(p, head)]
    words_only = replace(features, use_embedding=False)
    model = fit_text_model([s for s, _ in rows], [str(y) for _, y in rows], None,
                           words_only, c=c)
    pad = np.zeros((1, like.coef.shape[1] - model.coef.shape[1]), dtype=model.coef.dtype)
    return replace(model, coef=np.hstack([pad, model.coef]), features=like.features)


def mix_out_of_fold(pairs: list[EmpathyPair], folds: np.ndarray, features: FeatureConfig,
                    c: float, encoder: SentenceEncoder, head: str,
                    target: Callable[[EmpathyPair], int]) -> dict[float, np.ndarray]:
    """Out-of-fold mixed probability of `head` (response target `target`) for each weight
    in SENTENCE_WEIGHTS (0 = the response head alone), by the run-time code path."""
    texts = [p.response for p in pairs]
    y = [str(target(p)) for p in pairs]
    name = SENTENCE_TARGETS[head].name
    out = {w: np.zeros(len(pairs)) for w in (0.0, *SENTENCE_WEIGHTS)}
    for k in np.unique(folds):
        fit, val = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        response = fit_text_model([texts[i] for i in fit], [y[i] for i in fit], encoder,
                                  features, c=c)
        sentence = fit_sentence_head([pairs[i] for i in fit], features, c, response, head)
        model = stack_heads({head: response, name: sentence})
        val_texts = [texts[i] for i in val]
        whole = model.decision(val_texts, encoder)[:, 0]
        best = best_sentence_scores(model, val_texts, (name,))[:, 0]
        for w in out:
            out[w][val] = sigmoid((1 - w) * whole + w * best)
    return out


def choose_sentence_weight(pairs: list[EmpathyPair], mixes: dict[float, np.ndarray],
                           target: Callable[[EmpathyPair], int], head: str
                           ) -> tuple[float, list[dict]]:
    """The weight with the best out-of-fold ROC-AUC on `target`, and every weight's AUC."""
    y = [target(p) for p in pairs]
    grid = [{"sentence_weight": w, f"cv_roc_auc_{head}": round(float(roc_auc_score(y, p)), 4)}
            for w, p in mixes.items()]
    for row in grid:
        log.info("%s mix %s", head, row)
    best = max(grid, key=lambda r: r[f"cv_roc_auc_{head}"])
    return float(best["sentence_weight"]), grid


def mix_meta(weights: dict[str, float]) -> dict[str, dict]:
    """The model.meta entry that turns the mixes on at run time (response head -> weight)."""
    return {SENTENCE_MIXES: {head: {"sentence_head": SENTENCE_TARGETS[head].name,
                                    "sentence_weight": w} for head, w in weights.items()}}

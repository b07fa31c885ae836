"""Rationale supervision for the "reaction" head: a sentence-level head and its mix.

EPITOME marks the spans of each response that carry its emotional reaction. A sentence of a
training response is a positive example when the response has ER >= 1 and the sentence
overlaps one of those spans; every other sentence (of any response) is a negative. The
sentence head uses the response heads' C and word n-gram hasher only (no embedding: in CV
it mixed as well, 0.875 vs 0.875, and sentences then need no encoder at run time); padded
with zero embedding weights it is one more stacked row. At run time
`nlp.empathy.reaction_probabilities` mixes its best-sentence logit with the response
reaction head's logit, the weight chosen here by 5-fold CV (the trainer's folds).
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
from sklearn.metrics import roc_auc_score

from flows.training.empathy_data import EmpathyPair
from nlp.empathy import REACTION_HEAD, REACTION_MIX
from nlp.textmodel import (
    FeatureConfig,
    LinearTextModel,
    SentenceEncoder,
    best_sentence_scores,
    fit_text_model,
    regex_sentences,
    stack_heads,
)

log = logging.getLogger(__name__)

SENTENCE_HEAD = "reaction_sentence"
SENTENCE_WEIGHTS = (0.4, 0.5, 0.6, 0.7, 0.8)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


def label_sentences(pair: EmpathyPair) -> list[tuple[str, int]]:
    """(sentence, 1 if it overlaps an ER rationale span of an ER >= 1 response else 0)."""
    text, low = pair.response, pair.response.lower()
    spans = []
    for span in pair.er_rationales if pair.er >= 1 else ():
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
                      like: LinearTextModel) -> LinearTextModel:
    """The sentence-level reaction head on the word n-grams of every sentence of `pairs`,
    padded with zero weights to the width of `like` (a response head) so it can be stacked.

    Raises:
        ValueError: If the features have a char block (the words must be the last block).
    """
    if features.char_hash:
        raise ValueError("the sentence head expects the word n-grams as the last block")
    rows = [row for p in pairs for row in label_sentences(p)]
    words_only = replace(features, use_embedding=False)
    model = fit_text_model([s for s, _ in rows], [str(y) for _, y in rows], None,
                           words_only, c=c)
    pad = np.zeros((1, like.coef.shape[1] - model.coef.shape[1]), dtype=model.coef.dtype)
    return replace(model, coef=np.hstack([pad, model.coef]), features=like.features)


def reaction_mix_out_of_fold(pairs: list[EmpathyPair], folds: np.ndarray,
                             features: FeatureConfig, c: float, encoder: SentenceEncoder
                             ) -> dict[float, np.ndarray]:
    """Out-of-fold mixed reaction probability for each weight in SENTENCE_WEIGHTS (0 = the
    response head alone), computed by the run-time code path."""
    texts = [p.response for p in pairs]
    y = [str(int(p.er >= 1)) for p in pairs]
    out = {w: np.zeros(len(pairs)) for w in (0.0, *SENTENCE_WEIGHTS)}
    for k in np.unique(folds):
        fit, val = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        reaction = fit_text_model([texts[i] for i in fit], [y[i] for i in fit], encoder,
                                  features, c=c)
        sentence = fit_sentence_head([pairs[i] for i in fit], features, c, reaction)
        model = stack_heads({REACTION_HEAD: reaction, SENTENCE_HEAD: sentence})
        val_texts = [texts[i] for i in val]
        whole = model.decision(val_texts, encoder)[:, 0]
        best = best_sentence_scores(model, val_texts, SENTENCE_HEAD)
        for w in out:
            out[w][val] = 1.0 / (1.0 + np.exp(-((1 - w) * whole + w * best)))
    return out


def choose_sentence_weight(pairs: list[EmpathyPair], mixes: dict[float, np.ndarray]
                           ) -> tuple[float, list[dict]]:
    """The weight with the best out-of-fold ROC-AUC on ER >= 1, and every weight's AUC."""
    y = [int(p.er >= 1) for p in pairs]
    grid = [{"sentence_weight": w, "cv_roc_auc_reaction": round(float(roc_auc_score(y, p)), 4)}
            for w, p in mixes.items()]
    for row in grid:
        log.info("reaction mix %s", row)
    best = max(grid, key=lambda r: r["cv_roc_auc_reaction"])
    return float(best["sentence_weight"]), grid


def mix_meta(weight: float) -> dict[str, dict]:
    """The model.meta entry that turns the mix on at run time."""
    return {REACTION_MIX: {"sentence_head": SENTENCE_HEAD, "sentence_weight": weight}}

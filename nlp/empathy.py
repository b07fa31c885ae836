"""Agent-turn empathy: customer-service markers and a 0..1 score.

Markers (apology, acknowledgement, ownership, reassurance) are always returned as spans.
The score comes from one of two paths:
* rules (no model): each marker kind has a weight; the score saturates as markers accumulate
  (1 - exp(-sum of weights));
* trained (models/empathy, see its MODEL_CARD.md): the model's probability that the turn shows
  emotional reactions or interpretations (EPITOME), plus a small boost when the turn apologises
  or acknowledges, capped so the markers can only nudge the model (chosen by measurement:
  ROC-AUC on EPITOME stays level while customer-service apologies are not under-scored).

The trained model has three heads over the same features (one `predict_proba` call): the
score's head ("empathy": emotional reactions OR interpretations) and one head per mechanism,
"reaction" (EPITOME emotional reactions >= 1: warmth, compassion, concern) and
"interpretation" (interpretations >= 1: showing the customer's feeling or situation was
understood). Each of the three columns may mix its head with a sentence-level head
(e.g. "reaction_sentence", trained on EPITOME's rationale sentences) taken at the turn's
best sentence for that head (`mixed_probabilities`). The two mechanisms are negatively correlated
in EPITOME, so no single score ranks both well; coaching reads them apart
(`AgentEmpathy.reaction`, `.interpretation`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict

from nlp.patterns import compile_any, get_patterns
from nlp.textmodel import LinearTextModel, SentenceEncoder, best_sentence_scores, sigmoid

if TYPE_CHECKING:
    from nlp.detectors import EmpathyReader


class EmpathyConfig(BaseModel):
    """Tunables of the empathy scorer."""

    model_config = ConfigDict(frozen=True)

    markers: str = "empathy_markers.v1"
    weights: str = "empathy_weights.v1"
    #: trained path: added once per boosted marker kind present, the total capped
    marker_boost: float = 0.1
    boost_cap: float = 0.1
    boost_kinds: tuple[str, ...] = ("apology", "acknowledgement")


#: Heads of the trained model: the score's, then one per EPITOME mechanism.
SCORE_HEAD = "empathy"
REACTION_HEAD, INTERPRETATION_HEAD = "reaction", "interpretation"
#: model.meta key: {head: {"sentence_head": name, "sentence_weight": w}}, see
#: `mixed_probabilities`
SENTENCE_MIXES = "sentence_mixes"
#: model.meta key: {"x": [...], "y": [...]}, see `score_probabilities`
SCORE_MAP = "score_map"
#: The empathy reader's meta keys (`blend_with_reader`): its share of the blend, and the
#: monotone map {"x": [...], "y": [...]} of the blend onto the linear score's scale.
BLEND_WEIGHT = "blend_weight"
BLEND_MAP = "blend_map"


@dataclass(frozen=True, slots=True)
class EmpathyMarker:
    """One empathy marker found in an agent turn."""

    kind: str  # apology | acknowledgement | ownership | reassurance
    char_start: int
    char_end: int


def find_empathy_markers(text: str, cfg: EmpathyConfig = EmpathyConfig()) -> list[EmpathyMarker]:
    """Find empathy markers in one agent turn, in text order."""
    found: list[EmpathyMarker] = []
    for kind, patterns in get_patterns(cfg.markers).items():
        for m in compile_any(tuple(patterns)).finditer(text):
            found.append(EmpathyMarker(kind, m.start(), m.end()))
    return sorted(found, key=lambda m: (m.char_start, m.kind))


@dataclass(frozen=True, slots=True)
class AgentEmpathy:
    """What the empathy scorer found in one agent turn.

    `reaction` and `interpretation` are the mechanism heads' probabilities (0..1), or None
    when the model has no such heads (the rules path, or a single-head model).
    """

    score: float  # 0..1
    markers: list[EmpathyMarker]
    reaction: float | None = None
    interpretation: float | None = None


def score_empathy(markers: list[EmpathyMarker], cfg: EmpathyConfig = EmpathyConfig()) -> float:
    """Turn markers into a 0..1 score; each kind counts once, repeated markers add little."""
    weights: dict[str, float] = get_patterns(cfg.weights)
    kinds = {m.kind for m in markers}
    total = sum(weights.get(k, 0.0) for k in kinds) + 0.1 * max(0, len(markers) - len(kinds))
    return round(1.0 - math.exp(-total), 4)


def score_agent_turns(texts: list[str], cfg: EmpathyConfig = EmpathyConfig(),
                      model: LinearTextModel | None = None,
                      encoder: SentenceEncoder | None = None,
                      reader: EmpathyReader | None = None) -> list[AgentEmpathy]:
    """Empathy score (0..1), markers and mechanism probabilities for a batch of agent turns.

    With `model`, one `predict_proba` over the whole batch: its score (blended with
    `reader`'s, when given: `blend_with_reader`) is combined with the markers by
    `combine_empathy`, its mechanism heads (if any) are returned as they are; without it,
    the v1 rules score and no mechanisms (and no reader).
    """
    if model is None:
        markers = [find_empathy_markers(t, cfg) for t in texts]
        return [AgentEmpathy(score_empathy(m, cfg), m) for m in markers]
    if not texts:
        return []
    texts = list(texts)
    proba = mixed_probabilities(model, texts, encoder)
    scores = score_probabilities(proba, model)
    if reader is not None:
        scores = blend_with_reader(scores, reader.score(texts), reader.meta)
    return empathy_from_probabilities(texts, proba, model, cfg, scores)


def empathy_from_probabilities(texts: list[str], proba: np.ndarray, model: LinearTextModel,
                               cfg: EmpathyConfig = EmpathyConfig(),
                               scores: np.ndarray | None = None) -> list[AgentEmpathy]:
    """`score_agent_turns` given the model's (mixed) probabilities of `texts` already: the
    score (`scores`, e.g. blended with a reader's; default `score_probabilities`) combined
    with the markers, the mechanism heads as they are."""
    markers = [find_empathy_markers(t, cfg) for t in texts]
    if scores is None:
        scores = score_probabilities(proba, model)
    reactions = _head(proba, model.classes, REACTION_HEAD)
    interpretations = _head(proba, model.classes, INTERPRETATION_HEAD)
    return [
        AgentEmpathy(combine_empathy(float(p), m, cfg), m, reaction, interpretation)
        for p, m, reaction, interpretation
        in zip(scores, markers, reactions, interpretations, strict=True)
    ]


def blend_with_reader(scores: np.ndarray, read: np.ndarray, meta: Mapping) -> np.ndarray:
    """The linear model's score (before the markers) and the reader's P, averaged with the
    reader's `BLEND_WEIGHT` and taken through its `BLEND_MAP` onto the linear score's scale
    (fitted on customer-service agent turns, where the blend is then distributed as the
    linear score, so the recovery bar keeps its share of them). On EPITOME the blend ranks
    better than either reader alone (models/empathy-minilm/MODEL_CARD.md)."""
    w = float(meta[BLEND_WEIGHT])
    return map_score(w * np.asarray(read, dtype=np.float64)
                     + (1.0 - w) * np.asarray(scores, dtype=np.float64), meta[BLEND_MAP])


def mixed_probabilities(model: LinearTextModel, texts: list[str],
                        encoder: SentenceEncoder | None) -> np.ndarray:
    """`model.predict_proba(texts)`, except that each head named in its meta's
    `SENTENCE_MIXES` is sigmoid((1 - w) * the turn's logit + w * the best sentence's logit
    from that head's words-only sentence head): trained on EPITOME's rationale sentences, it
    finds the sentence that carries the empathy the whole-turn head dilutes (5-fold CV
    ROC-AUC, e.g. reaction on ER 0.839 -> 0.875, see models/empathy/MODEL_CARD.md). The
    sentence heads' own columns are left as they are (whole-turn values, not read).
    """
    mixes = model.meta.get(SENTENCE_MIXES)
    if not mixes or not model.multilabel or not texts:
        return model.predict_proba(texts, encoder)
    z = model.decision(texts, encoder)
    heads = list(mixes)
    best = best_sentence_scores(model, texts, [mixes[h]["sentence_head"] for h in heads])
    for j, head in enumerate(heads):
        col, w = model.classes.index(head), float(mixes[head]["sentence_weight"])
        z[:, col] = (1.0 - w) * z[:, col] + w * best[:, j]
    return sigmoid(z)


def score_probabilities(proba: np.ndarray, model: LinearTextModel) -> np.ndarray:
    """The score's probability per turn, before the markers' boost.

    With `SCORE_MAP` in the model's meta (v5): the noisy-or of the reaction and
    interpretation columns, 1 - (1 - r)(1 - i) (a turn is empathetic when it shows either
    mechanism), read through that monotone map onto the score head's scale, so a score
    means on EPITOME what the head's probability meant (same quantiles out of fold). It ranks
    EPITOME better than the head (5-fold CV ROC-AUC on ER or IP, before the markers, 0.836
    -> 0.865). Without
    the map: the score head's column.
    """
    knots = model.meta.get(SCORE_MAP)
    if not knots:
        return proba[:, score_column(model)]
    return map_score(either_mechanism(proba[:, model.classes.index(REACTION_HEAD)],
                                      proba[:, model.classes.index(INTERPRETATION_HEAD)]), knots)


def either_mechanism(reaction: np.ndarray, interpretation: np.ndarray) -> np.ndarray:
    """P(either mechanism) as a noisy-or of the two columns: 1 - (1 - r)(1 - i)."""
    return 1.0 - (1.0 - reaction) * (1.0 - interpretation)


def map_score(values: np.ndarray, knots: dict[str, list[float]]) -> np.ndarray:
    """`values` through the piecewise-linear monotone map `knots` ({"x": ..., "y": ...})."""
    return np.interp(values, knots["x"], knots["y"])


def score_column(model: LinearTextModel) -> int:
    """The `predict_proba` column of the score's head: "empathy" in a multilabel model, the
    positive class "1" in a single-head one."""
    return model.classes.index(SCORE_HEAD if model.multilabel else "1")


def _head(proba: np.ndarray, classes: tuple[str, ...], head: str) -> list[float | None]:
    """One head's probabilities, rounded, or Nones when the model has no such head."""
    if head not in classes:
        return [None] * len(proba)
    return [round(float(p), 4) for p in proba[:, classes.index(head)]]


def combine_empathy(probability: float, markers: list[EmpathyMarker],
                    cfg: EmpathyConfig = EmpathyConfig()) -> float:
    """The model's probability plus a small, capped boost from apology/acknowledgement."""
    kinds = {m.kind for m in markers} & set(cfg.boost_kinds)
    boost = min(cfg.boost_cap, cfg.marker_boost * len(kinds))
    return round(min(1.0, max(0.0, probability + boost)), 4)

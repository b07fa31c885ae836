"""Agent-turn empathy: customer-service markers and a 0..1 score.

Markers (apology, acknowledgement, ownership, reassurance) are always returned as spans.
The score comes from one of two paths:
* rules (no model): each marker kind has a weight; the score saturates as markers accumulate
  (1 - exp(-sum of weights));
* trained (models/empathy, see its MODEL_CARD.md): the model's probability that the turn shows
  emotional reactions or interpretations (EPITOME), plus a small boost when the turn apologises
  or acknowledges, capped so the markers can only nudge the model (chosen by measurement:
  ROC-AUC on EPITOME stays level while customer-service apologies are not under-scored).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from nlp.patterns import compile_any, get_patterns
from nlp.textmodel import LinearTextModel, SentenceEncoder


class EmpathyConfig(BaseModel):
    """Tunables of the empathy scorer."""

    model_config = ConfigDict(frozen=True)

    markers: str = "empathy_markers.v1"
    weights: str = "empathy_weights.v1"
    #: trained path: added once per boosted marker kind present, the total capped
    marker_boost: float = 0.1
    boost_cap: float = 0.1
    boost_kinds: tuple[str, ...] = ("apology", "acknowledgement")


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


def score_empathy(markers: list[EmpathyMarker], cfg: EmpathyConfig = EmpathyConfig()) -> float:
    """Turn markers into a 0..1 score; each kind counts once, repeated markers add little."""
    weights: dict[str, float] = get_patterns(cfg.weights)
    kinds = {m.kind for m in markers}
    total = sum(weights.get(k, 0.0) for k in kinds) + 0.1 * max(0, len(markers) - len(kinds))
    return round(1.0 - math.exp(-total), 4)


def score_agent_turns(texts: list[str], cfg: EmpathyConfig = EmpathyConfig(),
                      model: LinearTextModel | None = None,
                      encoder: SentenceEncoder | None = None
                      ) -> list[tuple[float, list[EmpathyMarker]]]:
    """Empathy score (0..1) and markers for a batch of agent turns.

    With `model`, one `predict_proba` over the whole batch (the positive class, "1") is
    combined with the markers by `combine_empathy`; without it, the v1 rules score.
    """
    markers = [find_empathy_markers(t, cfg) for t in texts]
    if model is None:
        return [(score_empathy(m, cfg), m) for m in markers]
    if not texts:
        return []
    proba = model.predict_proba(list(texts), encoder)[:, model.classes.index("1")]
    return [(combine_empathy(float(p), m, cfg), m) for p, m in zip(proba, markers, strict=True)]


def combine_empathy(probability: float, markers: list[EmpathyMarker],
                    cfg: EmpathyConfig = EmpathyConfig()) -> float:
    """The model's probability plus a small, capped boost from apology/acknowledgement."""
    kinds = {m.kind for m in markers} & set(cfg.boost_kinds)
    boost = min(cfg.boost_cap, cfg.marker_boost * len(kinds))
    return round(min(1.0, max(0.0, probability + boost)), 4)

"""Agent-turn empathy: customer-service markers and a 0..1 score.

v1 is rule-based: apology, acknowledgement, ownership and reassurance markers, each with a
weight; the score saturates as markers accumulate (1 - exp(-sum of weights)).
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
    """Empathy score (0..1) and markers for a batch of agent turns."""
    markers = [find_empathy_markers(t, cfg) for t in texts]
    if model is None:
        return [(score_empathy(m, cfg), m) for m in markers]
    raise NotImplementedError("trained empathy scoring is added with the empathy model")

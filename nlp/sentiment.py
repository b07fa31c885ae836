"""Per-turn sentiment (-1..1) that reads conversational complaints.

VADER scores words; service conversations also carry complaints with no negative word in them
("this is the third time I'm calling", "still waiting for my refund"). Each such cue pulls the
score down, so the detector sees what a team lead would read as a complaint.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from nlp.patterns import compile_any, get_patterns
from nlp.textmodel import LinearTextModel, SentenceEncoder


class SentimentConfig(BaseModel):
    """Tunables of the turn sentiment scorer."""

    model_config = ConfigDict(frozen=True)

    cue_weight: float = 0.35  # how far one complaint cue moves the score down
    max_cues: int = 3
    cues: str = "complaint_cues.v1"


@cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def count_complaint_cues(text: str, cfg: SentimentConfig = SentimentConfig()) -> int:
    """Count conversational complaint cues in a text."""
    pattern = compile_any(tuple(get_patterns(cfg.cues)))
    return len(pattern.findall(text))


def score_sentiment(text: str, cfg: SentimentConfig = SentimentConfig()) -> float:
    """Score one text from -1 (very negative) to 1 (very positive).

    Args:
        text: a turn or a sentence.
        cfg: tunables.

    Returns:
        VADER's compound score, lowered by `cue_weight` per complaint cue, clipped to -1..1.
    """
    if not text.strip():
        return 0.0
    compound = _vader().polarity_scores(text)["compound"]
    cues = min(count_complaint_cues(text, cfg), cfg.max_cues)
    if cues:
        # A complaint cue outweighs politeness ("thanks, but still no refund").
        compound = min(compound, 0.0) - cfg.cue_weight * cues
    return max(-1.0, min(1.0, round(compound, 4)))


def score_sentiments(texts: list[str], cfg: SentimentConfig = SentimentConfig()) -> list[float]:
    """Score many texts (see `score_sentiment`)."""
    return [score_sentiment(t, cfg) for t in texts]


def score_turn_sentiments(texts: list[str], cfg: SentimentConfig = SentimentConfig(),
                          model: LinearTextModel | None = None,
                          encoder: SentenceEncoder | None = None) -> list[float]:
    """Score a batch of turns (-1..1): the trained model when given, else the rules."""
    if model is None:
        return score_sentiments(texts, cfg)
    raise NotImplementedError("trained sentiment scoring is added with the sentiment model")

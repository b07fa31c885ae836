"""Customer pain points: which sentence hurt, in which category, how badly.

v1 is rule-based and sentence-level: a customer sentence is a pain point when it reads
negative (see `nlp.sentiment`) or when it matches a category pattern while reading non-positive;
its category is the first matching category in taxonomy order, else `other`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from nlp.patterns import compile_any, get_patterns
from nlp.schema import PainPoint
from nlp.sentiment import SentimentConfig, score_sentiment
from nlp.textmodel import LinearTextModel, SentenceEncoder

#: Categories that are pain by themselves, whatever the words' polarity.
_ALWAYS_PAIN = frozenset({"cancellation", "repeat_contact"})
#: Categories that are pain when the sentence is not positive ("I want my money back").
_NEUTRAL_PAIN = frozenset({"refund", "account_access", "transfer_escalation"})


class PainPointConfig(BaseModel):
    """Tunables of the pain-point detector."""

    model_config = ConfigDict(frozen=True)

    patterns: str = "pain_patterns.v1"
    severity_cues: str = "severity_cues.v1"
    negative_threshold: float = -0.3  # sentence sentiment at or below this is pain
    neutral_ceiling: float = 0.1  # "neutral" for the categories that hurt without saying so
    min_chars: int = 8
    sentiment: SentimentConfig = SentimentConfig()


def categorise(sentence: str, cfg: PainPointConfig = PainPointConfig()) -> str | None:
    """Return the first taxonomy category whose pattern matches, or None."""
    for category, patterns in get_patterns(cfg.patterns).items():
        if compile_any(tuple(patterns)).search(sentence):
            return category
    return None


def score_severity(sentence: str, sentiment: float, category: str,
                   cfg: PainPointConfig = PainPointConfig()) -> float:
    """Severity 0..1 from negativity, intensifiers, shouting and churn threats."""
    cues = len(compile_any(tuple(get_patterns(cfg.severity_cues))).findall(sentence))
    letters = [c for c in sentence if c.isalpha()]
    shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.6
    severity = (
        0.15
        + 0.45 * max(0.0, -sentiment)
        + 0.12 * min(cues, 3)
        + (0.08 if "!" in sentence else 0.0)
        + (0.1 if shouting else 0.0)
        + (0.15 if category == "cancellation" else 0.0)
    )
    return round(min(1.0, severity), 3)


def detect_pain_points(call_id: str, turn_index: int, text: str,
                       sentences: list[tuple[int, int]],
                       cfg: PainPointConfig = PainPointConfig()) -> list[PainPoint]:
    """Detect pain points in one customer turn.

    Args:
        call_id: the call's id.
        turn_index: the turn's index in the call.
        text: the turn text (original, unredacted).
        sentences: character spans of the turn's sentences.
        cfg: tunables.

    Returns:
        One PainPoint per painful sentence, with the sentence as quote and its offsets.
    """
    found: list[PainPoint] = []
    for start, end in sentences:
        start, end = _strip_span(text, start, end)
        sentence = text[start:end]
        if end - start < cfg.min_chars:
            continue
        sentiment = score_sentiment(sentence, cfg.sentiment)
        category = categorise(sentence, cfg)
        painful = sentiment <= cfg.negative_threshold or (
            category is not None and (
                sentiment < 0 or category in _ALWAYS_PAIN
                or (category in _NEUTRAL_PAIN and sentiment <= cfg.neutral_ceiling)
            )
        )
        if not painful:
            continue
        category = category or "other"
        severity = score_severity(sentence, sentiment, category, cfg)
        found.append(PainPoint(call_id, turn_index, category, severity, start, end, sentence))
    return found


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


#: One customer turn to analyse: (call_id, turn_index, text, sentence spans).
TurnInput = tuple[str, int, str, list[tuple[int, int]]]


def detect_pain_points_batch(turns: list[TurnInput], cfg: PainPointConfig = PainPointConfig(),
                             model: LinearTextModel | None = None,
                             category_model: LinearTextModel | None = None,
                             encoder: SentenceEncoder | None = None) -> list[list[PainPoint]]:
    """Pain points of a batch of customer turns (one list per turn, in order)."""
    if model is None:
        return [detect_pain_points(cid, idx, text, spans, cfg) for cid, idx, text, spans in turns]
    raise NotImplementedError("trained pain detection is added with the pain model")

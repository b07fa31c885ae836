"""Per-turn sentiment (-1..1) that reads conversational complaints.

VADER scores words; service conversations also carry complaints with no negative word in them
("this is the third time I'm calling", "still waiting for my refund"). Each such cue pulls the
score down, so the detector sees what a team lead would read as a complaint. Resolution cues
("It's working now", "No crashes now!") are their mirror: in a turn with no complaint cue,
the turn is read both whole and without the sentences stating them, and the better reading
is lifted per such sentence, since a negated problem word otherwise reads negative.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
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
    model_cue_weight: float = 0.2  # the same pull for the trained model (chosen on validation)
    resolution_cues: str = "resolution_cues.v1"
    resolution_hedges: str = "resolution_hedges.v1"
    resolution_contrasts: str = "resolution_contrasts.v1"
    # How far one resolution cue lifts a turn with no complaint cue (the complaint pull's
    # weights mirrored, not tuned): rules path, trained path.
    resolution_weight: float = 0.35
    model_resolution_weight: float = 0.2
    neutral_band: float = 0.05  # |score| below this reads neutral (VADER's convention)
    # Trained path: polite negations ("Okay no problem.") the model reads without.
    courtesy: str | None = "courtesy_phrases.v1"


_URL = re.compile(r"https?://\S+")
# Kept apart from textmodel.regex_sentences, which reads "solved..all clear.." as one sentence.
_SENTENCE_ENDS = ".!?\n"
_SENTENCE_END = re.compile(f"[{re.escape(_SENTENCE_ENDS)}]")
_HANDLE = re.compile(r"(?<!\w)@\w+")
# A turn that opens with a bare "No," / "Nope." answers the agent's question ("Anything
# else?"); the word alone carries no polarity, yet the model reads a lone "No" as -0.99.
# "No problem.", "No worries." and "Nothing else." are the same kind of answer (-0.85 and
# -0.69 before).
_ANSWER = re.compile(r"^\s*(?:no+|nope|nah|no (?:problem|worries|rush|hurry)s?|nothing(?: else)?)"
                     r"\s*(?:[,.!;:?-]+\s*|$)", re.IGNORECASE)
# Punctuation left alone by a removed phrase: "Okay no problem." -> "Okay ."
_LEFTOVER_PUNCTUATION = re.compile(r"(?:(?<=^)|(?<=[\s,.!;:?]))[,.!;:?]+(?=\s|$)")


@cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def has_negative_word(text: str) -> bool:
    """Whether VADER's lexicon reads any word of `text` as negative."""
    return _vader().polarity_scores(text)["neg"] > 0


def count_complaint_cues(text: str, cfg: SentimentConfig = SentimentConfig()) -> int:
    """Count conversational complaint cues in a text."""
    pattern = compile_any(tuple(get_patterns(cfg.cues)))
    return len(pattern.findall(text))


def resolution_sentences(text: str, cfg: SentimentConfig = SentimentConfig()
                         ) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text` that holds a resolution cue stated as a fact.

    A cue in a question ("back to normal yet?"), after a hedge within its sentence ("Hope
    it is resolved", "told my issue has been resolved") or before a "but" ("All good now,
    but...") does not count.
    """
    pattern = compile_any(tuple(get_patterns(cfg.resolution_cues)))
    hedge = compile_any(tuple(get_patterns(cfg.resolution_hedges)))
    contrast = compile_any(tuple(get_patterns(cfg.resolution_contrasts)))
    spans: list[tuple[int, int]] = []
    for m in pattern.finditer(text):
        start = max(text.rfind(c, 0, m.start()) for c in _SENTENCE_ENDS) + 1
        end = _SENTENCE_END.search(text, m.end())
        rest = text[m.end():end.start() if end else len(text)]
        if ((end is None or end.group() != "?") and not hedge.search(text[start:m.start()])
                and not contrast.search(rest)):
            span = (start, end.end() if end else len(text))
            if span not in spans:
                spans.append(span)
    return spans


def count_resolution_cues(text: str, cfg: SentimentConfig = SentimentConfig()) -> int:
    """Count the sentences of `text` that state a resolution (`resolution_sentences`)."""
    return len(resolution_sentences(text, cfg))


def reports_resolution(text: str, cfg: SentimentConfig = SentimentConfig(),
                       spans: list[tuple[int, int]] | None = None) -> bool:
    """Whether `text` states that the problem is gone: a resolution cue and no complaint cue
    ("No crashes now!"; not "It was fixed. It still doesn't work"). `spans`: its
    `resolution_sentences`, when the caller has them."""
    found = resolution_sentences(text, cfg) if spans is None else spans
    return bool(found) and not count_complaint_cues(text, cfg)


def without_resolution(text: str, cfg: SentimentConfig = SentimentConfig(),
                       spans: list[tuple[int, int]] | None = None) -> str:
    """`text` without its resolution sentences (`spans`, when the caller has them): what is
    left to read for sentiment ("Problem was fixed 30mins ago. Flight is as is delayed!" ->
    "Flight is as is delayed!")."""
    kept, pos = [], 0
    for start, end in sorted(resolution_sentences(text, cfg) if spans is None else spans):
        kept.append(text[pos:start])
        pos = end
    kept.append(text[pos:])
    return " ".join(part.strip() for part in kept if part.strip())


def read_with_cues(texts: list[str], cfg: SentimentConfig, resolution_weight: float
                   ) -> list[tuple[str, int]]:
    """Per text that reports a resolution (`reports_resolution`): the text without its
    resolution sentences and their count, else ("", 0). `blend_cues` then reads such a text
    both whole and without them: "No crashes now!" reads positive, while "Problem was fixed.
    Flight is delayed!" stays a complaint."""
    out = []
    for text in texts:
        spans = resolution_sentences(text, cfg) if resolution_weight else []
        resolved = reports_resolution(text, cfg, spans)
        out.append((without_resolution(text, cfg, spans), len(spans)) if resolved else ("", 0))
    return out


def blend_cues(score: float, rest_score: float, text: str, resolved: int,
               complaint_weight: float, resolution_weight: float, cfg: SentimentConfig
               ) -> float:
    """A text's score with its cues (clipped to -1..1): when it reports a resolution
    (`resolved` sentences), the better of its `score` and the `rest_score` of what is left
    without them (0.0: nothing is), lifted by `resolution_weight` per sentence; else `score`
    pulled down by its complaint cues."""
    if resolved:
        score = max(score, rest_score) + resolution_weight * min(resolved, cfg.max_cues)
        return max(-1.0, min(1.0, round(float(score), 4)))
    complaints = count_complaint_cues(text, cfg) if complaint_weight else 0
    return blend_complaint_cues(score, complaints, complaint_weight, cfg.max_cues)


def score_sentiment(text: str, cfg: SentimentConfig = SentimentConfig()) -> float:
    """Score one text from -1 (very negative) to 1 (very positive).

    Args:
        text: a turn or a sentence.
        cfg: tunables.

    Returns:
        VADER's compound score, lowered by `cue_weight` per complaint cue (or, with none,
        lifted by `resolution_weight` per resolution cue), clipped to -1..1.
    """
    if not text.strip():
        return 0.0
    compound = _vader().polarity_scores(text)["compound"]
    ((rest, resolved),) = read_with_cues([text], cfg, cfg.resolution_weight)
    rest_score = _vader().polarity_scores(rest)["compound"] if rest else 0.0
    return blend_cues(compound, rest_score, text, resolved, cfg.cue_weight,
                      cfg.resolution_weight, cfg)


def score_sentiments(texts: list[str], cfg: SentimentConfig = SentimentConfig()) -> list[float]:
    """Score many texts (see `score_sentiment`)."""
    return [score_sentiment(t, cfg) for t in texts]


def prepare_text(text: str) -> str:
    """Drop @handles and URLs: tweets carry them and chat turns do not, so kept they would
    teach the model which source (and brand) a text came from instead of its sentiment."""
    return _HANDLE.sub(" ", _URL.sub(" ", text)).strip()


def strip_answer(text: str) -> str:
    """`text` without a turn-opening bare "No," / "Nope." / "No problem." ("No, that's all" ->
    "that's all"); "No thanks" and "no one called back" keep their "no"."""
    return _ANSWER.sub("", text, count=1).strip()


def strip_courtesy(text: str, cfg: SentimentConfig = SentimentConfig()) -> str:
    """`text` without its polite negations (`cfg.courtesy`: "Okay no problem." -> "Okay",
    "Not a problem. Let's see ..." -> "Let's see ..."); "" when only punctuation is left."""
    if cfg.courtesy is None:
        return text
    rest = compile_any(tuple(get_patterns(cfg.courtesy))).sub(" ", text)
    if rest == text:
        return text
    rest = _LEFTOVER_PUNCTUATION.sub(" ", rest).strip(" ,;:-")
    return " ".join(rest.split()) if any(c.isalnum() for c in rest) else ""


def class_probabilities(texts: list[str], model: LinearTextModel,
                        encoder: SentenceEncoder | None,
                        cfg: SentimentConfig = SentimentConfig()) -> np.ndarray:
    """The model's class probabilities per text, read without @handles, URLs, an opening
    bare "No," or polite negations ("no problem"); a text with nothing else in it (a lone
    "No.") is neutral."""
    proba = np.zeros((len(texts), len(model.classes)))
    proba[:, model.classes.index("neu")] = 1.0
    prepared = [prepare_text(strip_answer(strip_courtesy(t, cfg))) for t in texts]
    filled = [i for i, t in enumerate(prepared) if t]
    if filled:
        proba[filled] = model.predict_proba([prepared[i] for i in filled], encoder)
    return proba


def blend_complaint_cues(score: float, cues: int, weight: float, max_cues: int = 3) -> float:
    """Pull a score down per complaint cue: a cue outweighs politeness (clipped to -1..1)."""
    cues = min(cues, max_cues)
    if cues and weight:
        score = min(score, 0.0) - weight * cues
    return max(-1.0, min(1.0, round(float(score), 4)))


def align_with_class(proba: np.ndarray, classes: tuple[str, ...], band: float) -> np.ndarray:
    """P(pos) - P(neg), placed so that the usual neutral band agrees with the predicted class.

    A reader who calls |score| < `band` neutral (VADER's convention, band 0.05) gets the
    model's own argmax class: neutral predictions are scaled into the band, positive and
    negative ones pushed just outside it. Order within each class is kept.
    """
    pos, neg = proba[:, classes.index("pos")], proba[:, classes.index("neg")]
    polarity = pos - neg
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    inside = polarity * (band * 0.98)  # |polarity| <= 1, so this stays strictly inside
    outside = np.sign(polarity) * np.maximum(np.abs(polarity), band)
    outside = np.where(predicted == "pos", np.abs(outside), -np.abs(outside))
    return np.where(predicted == "neu", inside, outside)


def score_turn_sentiments(texts: list[str], cfg: SentimentConfig = SentimentConfig(),
                          model: LinearTextModel | None = None,
                          encoder: SentenceEncoder | None = None) -> list[float]:
    """Score a batch of turns (-1..1): the trained model when given, else the rules.

    Args:
        texts: turn texts.
        cfg: tunables.
        model: a 3-class (neg/neu/pos) sentiment model, scored in one batch call.
        encoder: the sentence encoder the model's features need.

    Returns:
        P(pos) - P(neg) per text, pulled down by complaint cues or, in a text with none,
        lifted by resolution cues; 0.0 for empty text.
    """
    if model is None:
        return score_sentiments(texts, cfg)
    # An empty turn is neutral in `class_probabilities` and has no cue: it scores 0.0.
    polarity = align_with_class(class_probabilities(texts, model, encoder, cfg), model.classes,
                                cfg.neutral_band)
    rests = read_with_cues(texts, cfg, cfg.model_resolution_weight)
    resolved = [i for i, (_, n) in enumerate(rests) if n]
    rest_polarity = np.zeros(len(texts))
    if resolved:  # rare: scored again without their resolution sentences ("" is neutral)
        rest_polarity[resolved] = align_with_class(
            class_probabilities([rests[i][0] for i in resolved], model, encoder, cfg),
            model.classes, cfg.neutral_band)
    return [blend_cues(value, rest, text, n, cfg.model_cue_weight,
                       cfg.model_resolution_weight, cfg)
            for text, value, rest, (_, n) in zip(texts, polarity, rest_polarity, rests,
                                                 strict=True)]

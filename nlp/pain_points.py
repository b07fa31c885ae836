"""Customer pain points: which sentence hurt, in which category, how badly.

Sentence-level on customer turns, two paths:
* trained (`detect_pain_points_batch` with a model, models/pain-detector and pain-category):
  every sentence of a batch is scored in one `predict_proba` call; a sentence is a pain point
  when P(pain) >= the threshold stored in the model's meta; its category is the categoriser's
  best class; severity combines P(pain) with the v1 severity cues.
* v1 rules (no model): a customer sentence is a pain point when it reads negative (see
  `nlp.sentiment`) or matches a category pattern while reading non-positive; its category is
  the first matching category in taxonomy order, else `other`.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from nlp.detectors import PainScorer
from nlp.pain_teacher import ask_teacher
from nlp.patterns import compile_any, get_patterns
from nlp.schema import PainPoint
from nlp.sentiment import (
    SentimentConfig,
    count_complaint_cues,
    count_resolution_cues,
    has_negative_word,
    reports_resolution,
    score_sentiment,
)
from nlp.textmodel import LinearTextModel, SentenceEncoder, logit, sigmoid

#: "’" -> "'", for the categoriser's input (`categorise_with_prior`).
_STRAIGHT_APOSTROPHE = str.maketrans({"\u2019": "'"})
#: Categories that are pain by themselves, whatever the words' polarity.
_ALWAYS_PAIN = frozenset({"cancellation", "repeat_contact"})
#: Categories that are pain when the sentence is not positive ("I want my money back").
_NEUTRAL_PAIN = frozenset({"refund", "account_access", "transfer_escalation"})


class PainPointConfig(BaseModel):
    """Tunables of the pain-point detector."""

    model_config = ConfigDict(frozen=True)

    # v2: transfers in the sense of the call (nlp.patterns); the v1 rules' eval rows keep v1.
    patterns: str = "pain_patterns.v2"
    severity_cues: str = "severity_cues.v1"
    negative_threshold: float = -0.3  # sentence sentiment at or below this is pain
    neutral_ceiling: float = 0.1  # "neutral" for the categories that hurt without saying so
    min_chars: int = 8
    cue_union: bool = True  # trained path: complaint cues also make a pain point
    # Trained path: the share of the v1 rule category (`categorise`) in the categoriser's
    # decision, (1 - w) * P(class) + w * [class is the rule's]. Chosen on validation (fit
    # parts; airline / BANKING77 macro-F1 at w 0 / 0.1 / 0.2 / 0.3: 0.613 / 0.620 / 0.609 /
    # 0.589 and 0.876 / 0.880 / 0.876 / 0.861), see models/pain-category/MODEL_CARD.md.
    rule_prior: float = Field(0.1, ge=0.0, le=1.0)
    # Trained path: categories no training set labels (a repeat contact, a transfer), named
    # by strict cues that then decide the category (nlp.patterns.CONTACT_PATTERNS_V2: v1 plus
    # the waits for the contact itself, stop 30);
    # None: the categoriser and its prior alone.
    contact_patterns: str | None = "contact_patterns.v2"
    # Trained path: a customer who says they are leaving ("Considering cancelling my Prime
    # service", "I'll never fly you guys again") is a churn threat whatever the categoriser
    # leans to (nlp.patterns.CHURN_THREATS_V1, stop 30); None: no such cue.
    churn_threats: str | None = "churn_threats.v1"
    # Trained path: factual problem reports ("outlook is not opening", "my card got
    # declined") are pain points like the complaint cues, unless the sentence reports the
    # problem gone (nlp.patterns.PROBLEM_CUES_V1); None: the complaint cues alone.
    problem_cues: str | None = "problem_cues.v1"
    # Trained path: a plain request for a routine service ("I need to transfer money to my
    # savings account") is no pain point, however its topic words read to the detector
    # (nlp.patterns.REQUEST_FRAMES_V1, `is_plain_request`); None: the detector decides.
    plain_requests: str | None = "request_frames.v1"
    # Trained path: classes that stand only where the sentence holds one of their words
    # (nlp.patterns.CATEGORY_CUES_V1: a churn threat names leaving, account access names
    # getting in), else the categoriser's next best class; None: the categoriser and its
    # prior alone.
    category_cues: str | None = "category_cues.v1"
    sentiment: SentimentConfig = SentimentConfig()


def first_matching(sentence: str, pattern_set: str) -> str | None:
    """The first category of the versioned `pattern_set` whose pattern matches, or None."""
    for category, patterns in get_patterns(pattern_set).items():
        if compile_any(tuple(patterns)).search(sentence):
            return category
    return None


def categorise(sentence: str, cfg: PainPointConfig = PainPointConfig()) -> str | None:
    """Return the first taxonomy category whose pattern matches, or None."""
    return first_matching(sentence, cfg.patterns)


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
        if reports_resolution(sentence, cfg.sentiment):
            continue  # "No crashes now!": the problem is gone
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
                             encoder: SentenceEncoder | None = None,
                             teacher: PainScorer | None = None) -> list[list[PainPoint]]:
    """Pain points of a batch of customer turns (one list per turn, in order); `teacher`
    (models/pain-teacher; None: the detector alone) decides the uncued turns whose best
    sentence the detector scores near its threshold (`nlp.pain_teacher`)."""
    if model is None:
        return [detect_pain_points(cid, idx, text, spans, cfg) for cid, idx, text, spans in turns]
    # Every sentence of the batch, scored in one call per model.
    units = [(t, start, end) for t, (_, _, text, spans) in enumerate(turns)
             for start, end in (_strip_span(text, s, e) for s, e in spans)
             if end - start >= cfg.min_chars]
    sentences = [turns[t][2][start:end] for t, start, end in units]
    alone = model.predict_proba(sentences, encoder)[:, model.classes.index("1")]
    p_pain = with_turn_context(model, alone, [u[0] for u in units],
                               [text for _, _, text, _ in turns], encoder)
    threshold = float(model.meta.get("threshold", 0.5))
    # A turn has pain when its best sentence, read in the turn's context, passes; the quotes
    # are then its sentences that pass on their own, or that best one when none does (the
    # context decides whether, not which: it does not turn a painful turn's every sentence
    # into a quote).
    # Conversational complaint cues ("still haven't received", "third time") and factual
    # problem reports ("my card got declined") stay pain even where the airline-trained
    # detector is unsure (`cue_flags`; measured in the "detector + cues" rows of callinsight
    # eval). A sentence that reports the problem gone ("No crashes now!", "It's working now";
    # no complaint cue, as `reports_resolution`) is no pain point, however its negated
    # problem words read to the detector, nor is a plain request ("I need to transfer money
    # to my savings account"), however its topic words do.
    cued, excluded = cue_flags(sentences, cfg)
    best: dict[int, int] = {}
    for i, (t, _, _) in enumerate(units):
        if not excluded[i] and (t not in best or p_pain[i] > p_pain[best[t]]):
            best[t] = i
    if teacher is not None and best:
        # The teacher's answer replaces the best sentence's P: it decides the turn, and the
        # severity reads it.
        p_pain = p_pain.copy()
        for t, p in _ask_teacher(teacher, best, p_pain, cued, units, threshold,
                                 [text for _, _, text, _ in turns]).items():
            p_pain[best[t]] = p
    painful = [i for i, (t, _, _) in enumerate(units)
               if cued[i] or (not excluded[i] and p_pain[best[t]] >= threshold
                              and (alone[i] >= threshold or i == best[t]))]
    categories = _categorise_trained([sentences[i] for i in painful], category_model, encoder,
                                     cfg)
    found: list[list[PainPoint]] = [[] for _ in turns]
    for i, category in zip(painful, categories, strict=True):
        t, start, end = units[i]
        call_id, turn_index, _, _ = turns[t]
        sentence = sentences[i]
        p = max(float(p_pain[i]), threshold) if cued[i] else float(p_pain[i])
        severity = score_trained_severity(sentence, p, category, cfg)
        found[t].append(PainPoint(call_id, turn_index, category, severity, start, end, sentence))
    return found


def _ask_teacher(teacher: PainScorer, best: dict[int, int], p_pain: np.ndarray,
                 cued: list[bool], units: list[tuple[int, int, int]], threshold: float,
                 texts: list[str]) -> dict[int, float]:
    """Turn -> its best sentence's P after `ask_teacher`: the teacher's, on the detector's
    scale, for the turns without a cued sentence whose best sentence scores within the
    teacher's band of `threshold`; the teacher reads the whole turn, as it was validated."""
    turn_cued = {units[i][0] for i, c in enumerate(cued) if c}
    turns = sorted(best)
    scores = ask_teacher(teacher, np.array([p_pain[best[t]] for t in turns]),
                         np.array([t in turn_cued for t in turns]), threshold,
                         [texts[t] for t in turns])
    return dict(zip(turns, scores.tolist(), strict=True))


def cue_flags(sentences: list[str], cfg: PainPointConfig = PainPointConfig()
              ) -> tuple[list[bool], list[bool]]:
    """Per sentence: (a pain point by its cues alone, never a pain point by the detector).

    Cued (with `cfg.cue_union`): a conversational complaint cue ("still haven't received"),
    or a problem report (`cfg.problem_cues`: "my card got declined") in a sentence that does
    not report the problem gone. Never by the detector: a resolution cue and no complaint
    cue ("No crashes now!"), or an uncued plain request (`is_plain_request`: "I need to
    transfer money to my savings account"). Each sentence's complaint cues are counted once.
    """
    problem = compile_any(tuple(get_patterns(cfg.problem_cues))) if cfg.problem_cues else None
    cued, excluded = [], []
    for sentence in sentences:
        complaint = count_complaint_cues(sentence, cfg.sentiment) > 0
        gone = not complaint and count_resolution_cues(sentence, cfg.sentiment) > 0
        reported = problem is not None and not gone and problem.search(sentence) is not None
        cued.append(cfg.cue_union and (complaint or reported))
        excluded.append(gone or (not complaint and not reported
                                 and is_plain_request(sentence, cfg)))
    return cued, excluded


def is_plain_request(sentence: str, cfg: PainPointConfig = PainPointConfig()) -> bool:
    """Whether `sentence` opens by asking for a routine service, or gives the customer's
    details, and reports no problem: a request frame of `cfg.plain_requests` ("I need to
    transfer", "can you check", "how do I add") or a details pattern ("my full name is", "my
    phone number is"), none of its problem words ("not", "declined", "refund", "back"), no
    VADER negative word (but the routine ones: "pay"), and no category that is pain by itself
    (a cancellation, a refund, account access, ...). Complaint cues and problem reports are
    checked by the caller (`cue_flags`)."""
    if not cfg.plain_requests:
        return False
    frames = get_patterns(cfg.plain_requests)
    return (compile_any(tuple(frames["request"] + frames["details"])).search(sentence)
            is not None
            and compile_any(tuple(frames["report"])).search(sentence) is None
            and categorise(sentence, cfg) not in _ALWAYS_PAIN | _NEUTRAL_PAIN
            and not has_negative_word(compile_any(tuple(frames["routine"])).sub("", sentence)))


#: model.meta key: the weight of a sentence's whole turn in its P(pain) (0: the sentence alone)
CONTEXT_WEIGHT = "context_weight"


def with_turn_context(model: LinearTextModel, p_sentence: np.ndarray, owners: list[int],
                      texts: list[str], encoder: SentenceEncoder | None,
                      weight: float | None = None) -> np.ndarray:
    """Each sentence's P(pain) read in the context of its whole text (turn).

    sigmoid((1 - w) * logit(P(sentence)) + w * logit(P(whole text))), `w` from the model's
    meta (`CONTEXT_WEIGHT`) unless given. Only texts with two or more scored sentences are
    mixed (a one-sentence text is its own context); a text's sentences keep their order,
    so the quote does not change, but the text decides how many pass the threshold.
    Measured on validation, see models/pain-detector/MODEL_CARD.md.

    Args:
        p_sentence: P(pain) per sentence.
        owners: index into `texts` of each sentence's text.
    """
    w = float(model.meta.get(CONTEXT_WEIGHT, 0.0)) if weight is None else weight
    if w <= 0:
        return p_sentence
    return mix_turn_context(p_sentence, turn_context(model, owners, texts, encoder), w)


def turn_context(model: LinearTextModel, owners: list[int], texts: list[str],
                 encoder: SentenceEncoder | None) -> np.ndarray:
    """Per sentence, P(pain) of its whole text when that text has two or more scored
    sentences, else NaN (a one-sentence text is its own context): one prediction per such
    text."""
    owner = np.asarray(owners, dtype=np.int64)
    multi = np.flatnonzero(np.bincount(owner, minlength=len(texts)) >= 2)
    p_text = np.full(len(texts), np.nan)
    if len(multi):
        p_text[multi] = model.predict_proba([texts[i] for i in multi], encoder)[
            :, model.classes.index("1")]
    return p_text[owner]


def mix_turn_context(p_sentence: np.ndarray, context: np.ndarray, weight: float) -> np.ndarray:
    """sigmoid((1 - w) * logit(P(sentence)) + w * logit(context)) where `context` is known
    (not NaN); the other sentences keep their own P."""
    out = np.asarray(p_sentence, dtype=np.float64).copy()
    mixed = np.isfinite(context)
    out[mixed] = sigmoid((1 - weight) * logit(out[mixed]) + weight * logit(context[mixed]))
    return out


def _categorise_trained(sentences: list[str], category_model: LinearTextModel | None,
                        encoder: SentenceEncoder | None, cfg: PainPointConfig) -> list[str]:
    """The categoriser's best class per sentence; the v1 rules when there is no categoriser."""
    if category_model is None:
        return [categorise(s, cfg) or "other" for s in sentences]
    return categorise_with_prior(sentences, category_model, encoder, cfg)


def categorise_with_prior(sentences: list[str], category_model: LinearTextModel,
                          encoder: SentenceEncoder | None,
                          cfg: PainPointConfig = PainPointConfig()) -> list[str]:
    """The categoriser's best class per sentence, its probabilities mixed with the v1 rule
    category (`cfg.rule_prior`): the rules name a category from its own words ("crash",
    "refund", "on hold") in any domain, where the categoriser has only seen three. A class
    of `cfg.category_cues` needs one of its words, else the next best class wins."""
    if not sentences:
        return []
    # The categoriser reads "can’t" as "can't": its training texts type the straight one
    # (measured in models/pain-category/MODEL_CARD.md, "Typographic apostrophes").
    proba = category_model.predict_proba([s.translate(_STRAIGHT_APOSTROPHE) for s in sentences],
                                         encoder)
    classes = list(category_model.classes)
    if cfg.rule_prior:
        rule = np.zeros_like(proba)
        for i, sentence in enumerate(sentences):
            category = categorise(sentence, cfg)
            if category in classes:
                rule[i, classes.index(category)] = 1.0
        proba = (1.0 - cfg.rule_prior) * proba + cfg.rule_prior * rule
    if cfg.category_cues is not None:
        cues = {classes.index(c): compile_any(tuple(p))
                for c, p in get_patterns(cfg.category_cues).items() if c in classes}
        for i, sentence in enumerate(sentences):
            for k in np.argsort(-proba[i], kind="stable"):
                if k not in cues or cues[k].search(sentence):
                    break
                proba[i, k] = -np.inf
    best = [classes[j] for j in proba.argmax(axis=1)]
    return [with_strict_cues(s, b, cfg) for s, b in zip(sentences, best, strict=True)]


def with_strict_cues(sentence: str, best: str, cfg: PainPointConfig = PainPointConfig()
                     ) -> str:
    """`best`, unless a strict cue names the class: `cancellation` where the customer says
    they are leaving (`cfg.churn_threats`), else the service-contact category whose cue the
    sentence holds (`contact_category`). A churn threat stays one, and a refund stays a
    refund when the contact cue is a wait: the money still owed is the issue that the wait
    delays ("No replies to letters, no refund!")."""
    threat = None if cfg.churn_threats is None else first_matching(sentence, cfg.churn_threats)
    if threat is not None:
        return threat
    contact = contact_category(sentence, cfg)
    if contact is None or best == "cancellation" or (best, contact) == ("refund", "waiting"):
        return best
    return contact


def contact_category(sentence: str, cfg: PainPointConfig = PainPointConfig()) -> str | None:
    """The service-contact category whose strict cue the sentence holds ("this is the third
    time I'm calling" -> repeat_contact, "you transferred me" -> transfer_escalation), or
    None: also when `cfg.contact_patterns` is None, and for a churn threat ("I will cancel
    my service if this still isn't resolved" stays cancellation, as in the rules' order)."""
    if cfg.contact_patterns is None:
        return None
    category = first_matching(sentence, cfg.contact_patterns)
    if category is None or categorise(sentence, cfg) == "cancellation":
        return None
    return category


def score_trained_severity(sentence: str, p_pain: float, category: str,
                           cfg: PainPointConfig = PainPointConfig()) -> float:
    """Severity 0..1 of a detected sentence: the model's confidence plus the v1 cues.

    P(pain) stands in for negativity (how clearly this reads as a complaint); the
    intensifiers, shouting and churn threats of `score_severity` add on top.
    """
    return score_severity(sentence, -max(0.0, min(1.0, p_pain)), category, cfg)

"""Per-call analysis: runs every detector over a batch of transcripts.

Pure: takes `Transcript`s, returns `CallAnalysis` records. Sentence splitting is batched over
all customer turns of the batch with `nlp.pipe`.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict
from spacy.language import Language

from nlp.detectors import Detectors
from nlp.empathy import EmpathyConfig, score_agent_turns
from nlp.language import detect_language, primary_language
from nlp.pain_points import PainPointConfig, detect_pain_points_batch
from nlp.pipeline import PipelineConfig, build_nlp, split_sentences
from nlp.recovery import RecoveryConfig, detect_recovery, summarise_trajectory
from nlp.schema import AGENT, CUSTOMER, CallAnalysis, PainPoint, Transcript, Turn, TurnAnalysis
from nlp.sentiment import SentimentConfig, score_turn_sentiments

_NOISE = re.compile(r"https?://\S+|(?<!\w)@\w+")
_SPACES = re.compile(r"\s+")


class LanguageRules(BaseModel):
    """The rule sets (`nlp.patterns` names) that replace the English ones for a language."""

    model_config = ConfigDict(frozen=True)

    pain_patterns: str  # names the category of a pain point
    empathy_markers: str  # apology, acknowledgement, ownership, reassurance spans


class AnalysisConfig(BaseModel):
    """All analysis tunables, with defaults that work."""

    model_config = ConfigDict(frozen=True)

    pipeline: PipelineConfig = PipelineConfig()
    sentiment: SentimentConfig = SentimentConfig()
    pain_points: PainPointConfig = PainPointConfig()
    empathy: EmpathyConfig = EmpathyConfig()
    recovery: RecoveryConfig = RecoveryConfig()
    statement_max_sentences: int = 3
    statement_min_words: int = 4
    # A customer turn of at most this many words goes into the issue statement whole: a short
    # message is one request, and its pain sentence alone can drop what is asked.
    statement_turn_words: int = 40
    # Language -> the rule sets for calls in that language: no categoriser and no empathy
    # model is trained for them, and the English rules read German as "other" and as 0.
    language_rules: dict[str, LanguageRules] = {"de": LanguageRules(
        pain_patterns="pain_patterns.de.v1", empathy_markers="empathy_markers.de.v1")}


def _customer_text(turns: tuple[Turn, ...]) -> str:
    return " ".join(t.text for t in turns if t.speaker == CUSTOMER and t.text.strip())


def clean_statement(text: str) -> str:
    """Drop URLs and @handles and fold white space: what issue clustering should read."""
    return _SPACES.sub(" ", _NOISE.sub(" ", text)).strip()


class CallAnalyzer:
    """Runs sentiment, pain-point, empathy and recovery detection over transcripts.

    Every detector runs once per batch over all the turns it applies to, so trained models
    score whole batches at a time.

    Args:
        cfg: analysis tunables.
        nlp: the analysis pipeline; built from `cfg.pipeline` when None.
        detectors: trained models; the v1 rules stand in for any that is None.
    """

    def __init__(self, cfg: AnalysisConfig = AnalysisConfig(), nlp: Language | None = None,
                 detectors: Detectors = Detectors()):
        self.cfg = cfg
        self.nlp = nlp if nlp is not None else build_nlp(cfg.pipeline)
        self.detectors = detectors

    def analyze(self, transcripts: list[Transcript]) -> list[CallAnalysis]:
        """Analyse a batch of calls; one CallAnalysis per transcript, in order.

        Each call is scored by the detectors of its language (`Detectors.for_language`) and
        the rule sets of its language (`language_rules`): the language given (its primary
        subtag, "de-CH" -> "de"), else the one its customer turns read as.
        """
        languages = [primary_language(t.language) if t.language
                     else detect_language(_customer_text(t.turns)) for t in transcripts]
        routed = set(self.detectors.by_language) | set(self.cfg.language_rules)
        groups: dict[str, list[int]] = {}  # "": every other language, the default detectors
        for i, language in enumerate(languages):
            groups.setdefault(language if language in routed else "", []).append(i)
        by_call: dict[str, list[TurnAnalysis]] = {}
        for key, members in groups.items():
            turns = [(transcripts[i].call_id, turn) for i in members
                     for turn in transcripts[i].turns]
            results = self._analyze_turns(turns, self.detectors.for_language(key), key)
            for (call_id, _), result in zip(turns, results, strict=True):
                by_call.setdefault(call_id, []).append(result)
        return [self._analyze_call(t, tuple(by_call.get(t.call_id, ())), language)
                for t, language in zip(transcripts, languages, strict=True)]

    def _analyze_turns(self, turns: list[tuple[str, Turn]], d: Detectors, language: str
                       ) -> list[TurnAnalysis]:
        cfg = self.cfg
        pain_cfg, empathy_cfg = cfg.pain_points, cfg.empathy
        if language in cfg.language_rules:
            rules = cfg.language_rules[language]
            pain_cfg = pain_cfg.model_copy(update={"patterns": rules.pain_patterns})
            empathy_cfg = empathy_cfg.model_copy(update={"markers": rules.empathy_markers})
        sentiments = score_turn_sentiments([t.text for _, t in turns], cfg.sentiment,
                                           d.sentiment, d.encoder)
        customer = [i for i, (_, t) in enumerate(turns) if t.speaker == CUSTOMER]
        agent = [i for i, (_, t) in enumerate(turns) if t.speaker == AGENT]
        spans = split_sentences(self.nlp, [turns[i][1].text for i in customer],
                                cfg.pipeline.batch_size)
        pains = detect_pain_points_batch(
            [(turns[i][0], turns[i][1].index, turns[i][1].text, s)
             for i, s in zip(customer, spans, strict=True)],
            pain_cfg, d.pain, d.pain_category, d.encoder, d.pain_teacher)
        empathy = score_agent_turns([turns[i][1].text for i in agent], empathy_cfg,
                                    d.empathy, d.encoder, d.empathy_reader)
        extra: dict[int, dict] = {}
        for i, s, p in zip(customer, spans, pains, strict=True):
            extra[i] = {"pain_points": tuple(p), "sentences": tuple(s)}
        for i, found in zip(agent, empathy, strict=True):
            extra[i] = {"empathy": found.score,
                        "empathy_markers": tuple(m.kind for m in found.markers),
                        "empathy_reaction": found.reaction,
                        "empathy_interpretation": found.interpretation}
        return [TurnAnalysis(turn, sentiment, **extra.get(i, {}))
                for i, ((_, turn), sentiment) in enumerate(zip(turns, sentiments, strict=True))]

    def _analyze_call(self, transcript: Transcript, turns: tuple[TurnAnalysis, ...],
                      language: str) -> CallAnalysis:
        customer = [t for t in turns if t.turn.speaker == CUSTOMER and t.turn.text.strip()]
        start, end, trend = summarise_trajectory([t.sentiment for t in customer],
                                                 self.cfg.recovery)
        pains = tuple(p for t in turns for p in t.pain_points)
        return CallAnalysis(
            transcript=transcript, turns=turns, sentiment_start=start, sentiment_end=end,
            sentiment_trend=trend,
            recovery=detect_recovery(transcript.call_id, list(turns), self.cfg.recovery),
            issue_statement=self._issue_statement(customer, pains),
            language=language, pain_points=pains,
        )

    def _issue_statement(self, customer: list[TurnAnalysis],
                         pains: tuple[PainPoint, ...]) -> str:
        """The call's reason for contact, in the customer's words.

        With pain points: the turns holding the first (up to `statement_max_sentences`) of
        them, in call order; a turn of at most `statement_turn_words` words whole, a longer
        one cut to those pain sentences. Without pain, or when the pain sentences hold fewer
        than `statement_min_words` words (a bare "Ugh!" names no reason): the first customer
        turn with a sentence of at least `statement_min_words` words, whole when short, else
        that sentence.
        """
        cfg = self.cfg

        def whole_if_short(text: str, part: str) -> str:
            whole = clean_statement(text)
            return whole if len(whole.split()) <= cfg.statement_turn_words else part

        from_pains = ""
        if pains:
            # The issue as first stated: customers open with it and react later ("Still
            # doesn't work"). Measured against TweetSumm's human summaries, see the README.
            chosen = sorted(pains, key=lambda p: (p.turn_index, p.char_start))[
                : cfg.statement_max_sentences]
            texts = {t.turn.index: t.turn.text for t in customer}
            parts: dict[int, list[str]] = {}
            for p in chosen:
                parts.setdefault(p.turn_index, []).append(p.quote)
            from_pains = clean_statement(" ".join(
                whole_if_short(texts[index], " ".join(quotes))
                for index, quotes in parts.items()))
            if len(from_pains.split()) >= cfg.statement_min_words:
                return from_pains
        for t in customer:
            for start, end in t.sentences:
                sentence = clean_statement(t.turn.text[start:end])
                if len(sentence.split()) >= cfg.statement_min_words:
                    return whole_if_short(t.turn.text, sentence)
        if from_pains:
            return from_pains
        return clean_statement(customer[0].turn.text) if customer else ""

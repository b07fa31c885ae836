"""Per-call analysis: runs every detector over a batch of transcripts.

Pure: takes `Transcript`s, returns `CallAnalysis` records. Sentence splitting is batched over
all customer turns of the batch with `nlp.pipe`.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict
from spacy.language import Language

from nlp.empathy import EmpathyConfig, find_empathy_markers, score_empathy
from nlp.language import detect_language
from nlp.pain_points import PainPointConfig, detect_pain_points
from nlp.pipeline import PipelineConfig, build_nlp, split_sentences
from nlp.recovery import RecoveryConfig, detect_recovery, summarise_trajectory
from nlp.schema import AGENT, CUSTOMER, CallAnalysis, PainPoint, Transcript, Turn, TurnAnalysis
from nlp.sentiment import SentimentConfig, score_sentiment

_NOISE = re.compile(r"https?://\S+|(?<!\w)@\w+")
_SPACES = re.compile(r"\s+")


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


def clean_statement(text: str) -> str:
    """Drop URLs and @handles and fold white space: what issue clustering should read."""
    return _SPACES.sub(" ", _NOISE.sub(" ", text)).strip()


class CallAnalyzer:
    """Runs sentiment, pain-point, empathy and recovery detection over transcripts.

    Args:
        cfg: analysis tunables.
        nlp: the analysis pipeline; built from `cfg.pipeline` when None.
    """

    def __init__(self, cfg: AnalysisConfig = AnalysisConfig(), nlp: Language | None = None):
        self.cfg = cfg
        self.nlp = nlp if nlp is not None else build_nlp(cfg.pipeline)

    def analyze(self, transcripts: list[Transcript]) -> list[CallAnalysis]:
        """Analyse a batch of calls; one CallAnalysis per transcript, in order."""
        customer_turns = [(t.call_id, turn) for t in transcripts for turn in t.turns
                          if turn.speaker == CUSTOMER]
        spans = split_sentences(self.nlp, [turn.text for _, turn in customer_turns],
                                self.cfg.pipeline.batch_size)
        sentences = {(cid, turn.index): s for (cid, turn), s in
                     zip(customer_turns, spans, strict=True)}
        return [self._analyze_call(t, sentences) for t in transcripts]

    def _analyze_call(self, transcript: Transcript,
                      sentences: dict[tuple[str, int], list[tuple[int, int]]]) -> CallAnalysis:
        turns = tuple(self._analyze_turn(transcript.call_id, turn,
                                         sentences.get((transcript.call_id, turn.index), []))
                      for turn in transcript.turns)
        customer = [t for t in turns if t.turn.speaker == CUSTOMER and t.turn.text.strip()]
        start, end, trend = summarise_trajectory([t.sentiment for t in customer],
                                                 self.cfg.recovery)
        pains = tuple(p for t in turns for p in t.pain_points)
        text = " ".join(t.turn.text for t in customer)
        return CallAnalysis(
            transcript=transcript, turns=turns, sentiment_start=start, sentiment_end=end,
            sentiment_trend=trend,
            recovery=detect_recovery(transcript.call_id, list(turns), self.cfg.recovery),
            issue_statement=self._issue_statement(transcript.call_id, customer, pains,
                                                  sentences),
            language=transcript.language or detect_language(text), pain_points=pains,
        )

    def _analyze_turn(self, call_id: str, turn: Turn, spans: list[tuple[int, int]]
                      ) -> TurnAnalysis:
        sentiment = score_sentiment(turn.text, self.cfg.sentiment)
        if turn.speaker == AGENT:
            markers = find_empathy_markers(turn.text, self.cfg.empathy)
            return TurnAnalysis(turn, sentiment, score_empathy(markers, self.cfg.empathy),
                                empathy_markers=tuple(m.kind for m in markers))
        if turn.speaker == CUSTOMER:
            pains = detect_pain_points(call_id, turn.index, turn.text, spans,
                                       self.cfg.pain_points)
            return TurnAnalysis(turn, sentiment, None, pain_points=tuple(pains))
        return TurnAnalysis(turn, sentiment, None)

    def _issue_statement(self, call_id: str, customer: list[TurnAnalysis],
                         pains: tuple[PainPoint, ...],
                         sentences: dict[tuple[str, int], list[tuple[int, int]]]) -> str:
        """The call's reason for contact: its worst pain sentences, else its first request."""
        if pains:
            worst = sorted(pains, key=lambda p: (-p.severity, p.turn_index, p.char_start))
            chosen = sorted(worst[: self.cfg.statement_max_sentences],
                            key=lambda p: (p.turn_index, p.char_start))
            return clean_statement(" ".join(p.quote for p in chosen))
        for t in customer:
            for start, end in sentences.get((call_id, t.turn.index), []):
                sentence = clean_statement(t.turn.text[start:end])
                if len(sentence.split()) >= self.cfg.statement_min_words:
                    return sentence
        return clean_statement(customer[0].turn.text) if customer else ""

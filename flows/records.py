"""Turns analysis records into output rows (the shape of CONTRACT §2), redacting every text.

Pure functions of `CallAnalysis` plus a `Redactor`; the flow hands the rows to `flows.tables`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nlp.schema import AGENT, CallAnalysis, QuarantineRecord

#: Redacts texts, each read in its call's language (`nlp.redact.Redactor.redact_many`).
Redact = Callable[[list[str], list[str] | None], list[str]]


def calls_rows(calls: list[CallAnalysis], redact: Redact) -> list[dict]:
    """One row per analysed call (issue ids are filled in after clustering)."""
    languages = [c.language for c in calls]
    statements = redact([c.issue_statement for c in calls], languages)
    metadata = redact([c.transcript.metadata_json or "" for c in calls], languages)
    return [
        {
            "call_id": c.transcript.call_id, "started_at": c.transcript.started_at,
            "language": c.language, "channel": c.transcript.channel,
            "agent_id": c.transcript.agent_id, "team": c.transcript.team,
            "n_turns": len(c.turns), "customer_sentiment_start": c.sentiment_start,
            "customer_sentiment_end": c.sentiment_end, "sentiment_trend": c.sentiment_trend,
            "pain_point_count": len(c.pain_points), "primary_issue_id": -1,
            "recovered": c.recovery is not None, "issue_statement": statement,
            "metadata": meta or None, "issue_similarity": None, "issue_match": None,
        }
        for c, statement, meta in zip(calls, statements, metadata, strict=True)
    ]


def turns_rows(calls: list[CallAnalysis], redact: Redact) -> list[dict]:
    """One row per turn, text redacted."""
    turns = [(c.transcript.call_id, c.language, t) for c in calls for t in c.turns]
    texts = redact([t.turn.text for _, _, t in turns], [lang for _, lang, _ in turns])
    return [
        {
            "call_id": call_id, "turn_index": t.turn.index, "speaker": t.turn.speaker,
            "text": text, "sentiment": t.sentiment, "is_pain_point": bool(t.pain_points),
            "pain_category": max(t.pain_points, key=lambda p: p.severity).category
            if t.pain_points else None,
            "empathy_score": t.empathy, "empathy_markers": list(t.empathy_markers)
            if t.turn.speaker == AGENT else None,
            "empathy_reaction": t.empathy_reaction,
            "empathy_interpretation": t.empathy_interpretation,
            "raw_speaker": t.turn.raw_speaker or None, "start_s": t.turn.start_s,
            "end_s": t.turn.end_s,
        }
        for (call_id, _, t), text in zip(turns, texts, strict=True)
    ]


def pain_points_rows(calls: list[CallAnalysis], redact: Redact) -> list[dict]:
    """One row per pain point; quote redacted, offsets into the original turn text."""
    pains = [(c.transcript.team, c.language, p) for c in calls for p in c.pain_points]
    quotes = redact([p.quote for _, _, p in pains], [lang for _, lang, _ in pains])
    return [
        {
            "call_id": p.call_id, "turn_index": p.turn_index, "category": p.category,
            "severity": p.severity, "quote": quote, "char_start": p.char_start,
            "char_end": p.char_end, "issue_id": -1, "team": team,
        }
        for (team, _, p), quote in zip(pains, quotes, strict=True)
    ]


def recovery_rows(calls: list[CallAnalysis], redact: Redact) -> list[dict]:
    """One row per recovery moment, quote (the pivotal agent turn) redacted."""
    saves = [c for c in calls if c.recovery is not None]
    quotes = redact([c.recovery.quote for c in saves], [c.language for c in saves])
    return [
        {
            "call_id": c.transcript.call_id, "agent_id": c.transcript.agent_id,
            "team": c.transcript.team, "turn_index": c.recovery.turn_index, "quote": quote,
            "sentiment_before": c.recovery.sentiment_before,
            "sentiment_after": c.recovery.sentiment_after, "score": c.recovery.score,
        }
        for c, quote in zip(saves, quotes, strict=True)
    ]


def quarantine_rows(records: list[QuarantineRecord], redact: Redact) -> list[dict]:
    """One row per rejected input record, excerpt redacted."""
    excerpts = redact([r.excerpt for r in records], None)  # no language: every name counts
    return [{"source": r.source, "call_id": r.call_id, "reason": r.reason, "excerpt": e}
            for r, e in zip(records, excerpts, strict=True)]


@dataclass
class RunningMean:
    """A mean kept as a sum and a count, so a night's tally stays one entry per agent."""

    total: float = 0.0
    count: int = 0

    def add(self, value: float | None) -> None:
        """Count `value`; None (not scored) is skipped."""
        if value is not None:
            self.total += value
            self.count += 1

    @property
    def mean(self) -> float | None:
        """The mean, or None when nothing was counted."""
        return self.total / self.count if self.count else None

    def merge(self, other: RunningMean) -> None:
        """Count what `other` counted."""
        self.total += other.total
        self.count += other.count


@dataclass
class AgentCounts:
    """One agent's counts over a night."""

    calls: int = 0
    hard_calls: int = 0
    recoveries: int = 0
    empathy: RunningMean = field(default_factory=RunningMean)  # the agent's turns' scores
    reaction: RunningMean = field(default_factory=RunningMean)  # mechanism heads
    interpretation: RunningMean = field(default_factory=RunningMean)

    def merge(self, other: AgentCounts) -> None:
        """Count what `other` counted."""
        self.calls += other.calls
        self.hard_calls += other.hard_calls
        self.recoveries += other.recoveries
        for name in ("empathy", "reaction", "interpretation"):
            getattr(self, name).merge(getattr(other, name))


@dataclass
class AgentTally:
    """Running per-agent counts over a night (small: one entry per agent)."""

    hard_start: float = -0.25
    hard_severity: float = 0.6
    counts: dict[tuple[str, str], AgentCounts] = field(default_factory=dict)

    def add(self, calls: list[CallAnalysis]) -> None:
        """Count a batch of calls: calls, hard calls, recoveries and agent-turn empathy."""
        for c in calls:
            key = (c.transcript.agent_id or "unknown", c.transcript.team)
            tally = self.counts.setdefault(key, AgentCounts())
            hard = (c.sentiment_start is not None and c.sentiment_start <= self.hard_start) or \
                any(p.severity >= self.hard_severity for p in c.pain_points)
            tally.calls += 1
            tally.hard_calls += int(hard)
            tally.recoveries += int(c.recovery is not None)
            for t in c.turns:
                tally.empathy.add(t.empathy)
                tally.reaction.add(t.empathy_reaction)
                tally.interpretation.add(t.empathy_interpretation)

    def merge(self, other: AgentTally) -> None:
        """Count the calls `other` tallied (a batch tallied on its own, maybe in a worker)."""
        for key, counts in other.counts.items():
            self.counts.setdefault(key, AgentCounts()).merge(counts)

    def rows(self) -> list[dict]:
        """One row per (agent, team), sorted."""
        return [
            {"agent_id": agent, "team": team, "calls": n.calls, "hard_calls": n.hard_calls,
             "recoveries": n.recoveries, "mean_empathy": n.empathy.mean,
             "mean_reaction": n.reaction.mean, "mean_interpretation": n.interpretation.mean}
            for (agent, team), n in sorted(self.counts.items())
        ]

"""In-memory records shared by the analysis code and the flow.

Frozen, slotted dataclasses: cheap to create in the hot path, hashable, and impossible to
mutate by accident once a stage has produced them. Character offsets always refer to the
*original* (unredacted) turn text; redaction happens when a text leaves the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

CUSTOMER = "customer"
AGENT = "agent"
OTHER = "other"

#: Speaker names accepted in input (lower-cased) and the role they stand for (CONTRACT §1).
SPEAKER_ALIASES: dict[str, str] = {
    "customer": CUSTOMER,
    "caller": CUSTOMER,
    "client": CUSTOMER,
    "user": CUSTOMER,
    "agent": AGENT,
    "rep": AGENT,
    "representative": AGENT,
    "advisor": AGENT,
    "support": AGENT,
}

DEFAULT_TEAM = "unassigned"


def normalise_speaker(raw: str) -> str:
    """Map a raw speaker label to `customer`, `agent` or `other` (kept, not analysed)."""
    return SPEAKER_ALIASES.get(raw.strip().lower(), OTHER)


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance of a call, in spoken order."""

    index: int
    speaker: str  # customer | agent | other (normalised)
    text: str
    raw_speaker: str = ""
    start_s: float | None = None
    end_s: float | None = None


@dataclass(frozen=True, slots=True)
class Transcript:
    """One call as read from a source, before analysis."""

    call_id: str
    turns: tuple[Turn, ...]
    started_at: datetime | None = None
    language: str | None = None
    channel: str | None = None
    agent_id: str | None = None
    team: str = DEFAULT_TEAM
    metadata_json: str | None = None
    source: str = ""

    @property
    def customer_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.speaker == CUSTOMER)

    @property
    def agent_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.speaker == AGENT)


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    """An input record that could not be used, with the reason (CONTRACT §1)."""

    source: str
    reason: str
    excerpt: str
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class PainPoint:
    """A customer pain point: a span of one customer turn."""

    call_id: str
    turn_index: int
    category: str
    severity: float  # 0..1
    char_start: int
    char_end: int
    quote: str  # original text of the span; redacted on output


@dataclass(frozen=True, slots=True)
class TurnAnalysis:
    """What the detectors found in one turn."""

    turn: Turn
    sentiment: float  # -1..1
    empathy: float | None = None  # 0..1 for agent turns, None otherwise
    pain_points: tuple[PainPoint, ...] = ()
    empathy_markers: tuple[str, ...] = ()
    # The empathy model's mechanism heads (0..1, agent turns; None without them).
    empathy_reaction: float | None = None
    empathy_interpretation: float | None = None
    sentences: tuple[tuple[int, int], ...] = ()  # sentence spans (customer turns)


@dataclass(frozen=True, slots=True)
class RecoveryMoment:
    """A save: frustrated customer, empathetic agent turn, better end."""

    call_id: str
    turn_index: int  # the pivotal agent turn
    quote: str
    sentiment_before: float
    sentiment_after: float
    score: float  # 0..1


@dataclass(frozen=True, slots=True)
class CallAnalysis:
    """Everything the per-call analysis produced, before issue clustering."""

    transcript: Transcript
    turns: tuple[TurnAnalysis, ...]
    sentiment_start: float | None
    sentiment_end: float | None
    sentiment_trend: float | None
    recovery: RecoveryMoment | None
    issue_statement: str  # what the issue clustering reads for this call
    language: str = "en"
    pain_points: tuple[PainPoint, ...] = field(default=())

"""The trained models a CallAnalyzer may use; each is optional (None: the v1 rules)."""

from __future__ import annotations

from dataclasses import dataclass

from nlp.textmodel import LinearTextModel, SentenceEncoder


@dataclass(frozen=True)
class Detectors:
    """Trained detectors plus the sentence encoder their features need."""

    encoder: SentenceEncoder | None = None
    sentiment: LinearTextModel | None = None
    pain: LinearTextModel | None = None
    pain_category: LinearTextModel | None = None
    empathy: LinearTextModel | None = None

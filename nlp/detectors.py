"""The trained models a CallAnalyzer may use; each is optional (None: the v1 rules)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from nlp.textmodel import LinearTextModel, SentenceEncoder


class PainScorer(Protocol):
    """A second reader of pain for the turns the fast detector is unsure of (the pain
    teacher, `nlp.pain_teacher.PainTeacher`, or with `CALLINSIGHT_PAIN_TEACHER=false` its
    distilled student, `nlp.pain_student.PainStudent`): P(pain) per text, its threshold,
    and the band around the fast detector's threshold inside which it decides."""

    threshold: float
    band: float

    def score(self, texts: Sequence[str]) -> np.ndarray: ...


class EmpathyReader(Protocol):
    """A second, slower reader of empathy (`nlp.adapted_minilm.AdaptedMiniLM`, shipped as
    `models/empathy-minilm`, opt-in): P(emotional reactions or interpretations) per text,
    and the meta that says how it is blended with the linear model's score
    (`nlp.empathy.blend_with_reader`)."""

    meta: Mapping

    def score(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Detectors:
    """Trained detectors plus the sentence encoder their features need.

    `by_language` holds the detectors of other languages (ISO 639-1 code -> Detectors): a
    call in one of them is scored by those, any other call by these.
    """

    encoder: SentenceEncoder | None = None
    sentiment: LinearTextModel | None = None
    pain: LinearTextModel | None = None
    pain_category: LinearTextModel | None = None
    pain_teacher: PainScorer | None = None  # the second pain reader (`PainScorer`)
    empathy: LinearTextModel | None = None
    empathy_reader: EmpathyReader | None = None
    by_language: Mapping[str, Detectors] = field(default_factory=dict)

    def for_language(self, language: str) -> Detectors:
        """The detectors that score a call in `language`."""
        return self.by_language.get(language, self)

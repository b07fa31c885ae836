"""EPITOME (Sharma et al., EMNLP 2020, Reddit portion) loaders and deterministic splits.

The three CSVs (emotional reactions, interpretations, explorations) hold the same 2,500
seeker-post / response pairs in the same row order; each rates one mechanism 0-2. A pair is
*empathetic* (`label`) when emotional reactions >= 1 OR interpretations >= 1; explorations
(questions back to the seeker) are not part of the target.

Splits hash the seeker post id (`sp_id`), so every response to one seeker post, and the 49
response ids that appear twice, fall on the same side: no seeker thread is both trained and
evaluated on.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from pathlib import Path

from flows.training.splits import hash_prefix

EPITOME_DIR = "epitome_empathy_reddit"
FILES = {"er": "emotional-reactions-reddit.csv", "ip": "interpretations-reddit.csv",
         "ex": "explorations-reddit.csv"}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class EmpathyPair:
    """One seeker post and response with its three mechanism levels (0-2)."""

    sp_id: str
    rp_id: str
    seeker: str
    response: str
    er: int
    ip: int
    ex: int
    #: EPITOME's rationale spans for emotional reactions (empty when er == 0)
    er_rationales: tuple[str, ...] = ()
    #: EPITOME's rationale spans for interpretations (empty when ip == 0)
    ip_rationales: tuple[str, ...] = ()

    @property
    def label(self) -> int:
        """1 when the response shows emotional reactions or interpretations (level >= 1)."""
        return int(self.er >= 1 or self.ip >= 1)


def clean_text(text: str) -> str:
    """Decode Reddit's HTML entities and collapse whitespace (as agent turns arrive)."""
    return _SPACE.sub(" ", html.unescape(text)).strip()


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _spans(rationales: str) -> tuple[str, ...]:
    """EPITOME's `|`-separated rationale field as cleaned spans."""
    return tuple(clean_text(s) for s in rationales.split("|") if s.strip())


def load_epitome(data_dir: Path) -> list[EmpathyPair]:
    """All 2,500 EPITOME Reddit pairs, the three files joined row by row (checked by ids)."""
    folder = data_dir / EPITOME_DIR
    tables = {k: _read(folder / name) for k, name in FILES.items()}
    pairs = []
    for er, ip, ex in zip(tables["er"], tables["ip"], tables["ex"], strict=True):
        ids = {(r["sp_id"], r["rp_id"]) for r in (er, ip, ex)}
        if len(ids) != 1:
            raise ValueError(f"EPITOME files are not row-aligned at {sorted(ids)}")
        pairs.append(EmpathyPair(er["sp_id"], er["rp_id"], clean_text(er["seeker_post"]),
                                 clean_text(er["response_post"]), int(er["level"]),
                                 int(ip["level"]), int(ex["level"]),
                                 _spans(er["rationales"]), _spans(ip["rationales"])))
    return pairs


def bucket(key: str, salt: str = "") -> float:
    """A stable pseudo-random number in [0, 1) for `key` (same on every machine)."""
    return hash_prefix(key, salt, "", "sha256") / 2**64


def split_pairs(pairs: list[EmpathyPair], test_fraction: float = 0.2, salt: str = "epitome"
                ) -> tuple[list[EmpathyPair], list[EmpathyPair]]:
    """(train, held-out) by hash of the seeker post id."""
    train = [p for p in pairs if bucket(p.sp_id, salt) >= test_fraction]
    test = [p for p in pairs if bucket(p.sp_id, salt) < test_fraction]
    return train, test


def split_validation(train: list[EmpathyPair], fraction: float = 0.2
                     ) -> tuple[list[EmpathyPair], list[EmpathyPair]]:
    """(fit, validation) inside the training split, for model selection only."""
    return split_pairs(train, fraction, salt="epitome-validation")

"""Labelled sentiment texts from `../shared/data` and their deterministic splits.

Every example carries a `group` key; the split is a stable hash of that key, so the same text
(airline retweets and copies) or the same dialogue (USS turns) never lands on both sides.
Labels are the three classes of the turn sentiment model: `neg`, `neu`, `pos`.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from flows.training.splits import hash_prefix

NEG, NEU, POS = "neg", "neu", "pos"
CLASSES = (NEG, NEU, POS)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text; `group` decides its split."""

    text: str
    label: str
    source: str
    group: str


def hash_fraction(key: str, salt: str = "") -> float:
    """A stable number in [0, 1) for `key` (same on every machine and Python run)."""
    return hash_prefix(key, salt, "|", "sha1") / 2**64


def split_examples(examples: list[Example], test_fraction: float = 0.2, salt: str = "test"
                   ) -> tuple[list[Example], list[Example]]:
    """(train, test) by the stable hash of each example's group."""
    train, test = [], []
    for ex in examples:
        (test if hash_fraction(ex.group, salt) < test_fraction else train).append(ex)
    return train, test


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def load_airline(data_dir: Path) -> list[Example]:
    """Twitter US airline tweets: negative / neutral / positive (CC BY-NC-SA 4.0)."""
    path = data_dir / "twitter_airline_sentiment" / "Tweets.csv"
    mapping = {"negative": NEG, "neutral": NEU, "positive": POS}
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [Example(_norm(r["text"]), mapping[r["airline_sentiment"]], "airline",
                    _norm(r["text"]).lower())
            for r in rows if r["airline_sentiment"] in mapping and r["text"].strip()]


def uss_label(ratings: list[int]) -> str:
    """Mean of the annotators' 1-5 satisfaction, rounded half up: 1-2 neg, 3 neu, 4-5 pos."""
    level = math.floor(sum(ratings) / len(ratings) + 0.5)
    return NEG if level <= 2 else POS if level >= 4 else NEU


def uss_dialogues(path: Path) -> list[list[str]]:
    dialogues, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                dialogues.append(current)
            current = []
        else:
            current.append(line)
    if current:
        dialogues.append(current)
    return dialogues


def dialogue_group(lines: list[str]) -> str:
    """The split key of one USS dialogue: the SHA-1 of its lines."""
    return hashlib.sha1("\n".join(lines).encode()).hexdigest()


def load_uss(data_dir: Path) -> list[Example]:
    """USS MultiWOZ user turns with the per-turn satisfaction (Sun et al., SIGIR 2021).

    Each line is `USER|SYSTEM \\t text \\t act \\t ratings`; the final `OVERALL` line of a
    dialogue is the dialogue rating and is skipped. Groups are whole dialogues.
    """
    out = []
    for lines in uss_dialogues(data_dir / "uss_user_satisfaction" / "MWOZ.txt"):
        group = dialogue_group(lines)
        for line in lines:
            parts = line.split("\t")
            if len(parts) < 4 or parts[0] != "USER" or parts[1] == "OVERALL":
                continue
            ratings = [int(x) for x in parts[3].split(",") if x.strip().isdigit()]
            if ratings and parts[1].strip():
                out.append(Example(_norm(parts[1]), uss_label(ratings), "uss", group))
    return out


LOADERS = {"airline": load_airline, "uss": load_uss}


def load_splits(data_dir: Path, sources: tuple[str, ...] = ("airline", "uss")
                ) -> dict[str, tuple[list[Example], list[Example]]]:
    """source -> (train 80%, held-out 20%), split by stable hash of the group."""
    return {name: split_examples(LOADERS[name](data_dir)) for name in sources}


def carve_validation(train: list[Example], fraction: float = 0.2
                     ) -> tuple[list[Example], list[Example]]:
    """(fit, validation) inside a train part, with a different hash salt."""
    return split_examples(train, fraction, salt="validation")

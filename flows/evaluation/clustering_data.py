"""The labelled clustering sets of `flows.evaluation.clustering`, read from ../shared/data.

Each loader returns `(texts, gold_intents)` in a fixed order, so that every measurement (and
its two-night split) is reproducible. Texts go through `clean_statement`, as the nightly
flow's issue statements do.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from nlp.analyze import clean_statement

MULTIDOGO_SENTENCES = Path("multidogo/paper_splits/splits_annotated_at_sentence_level")
MULTIDOGO_TURNS = Path("multidogo/paper_splits/splits_annotated_at_turn_level")
#: MultiDoGO dialogue-act labels that are not a reason for contact ("yes", "hi", "thanks", ...).
MULTIDOGO_NOT_INTENTS = frozenset({
    "", "contentonly", "confirmation", "openinggreeting", "rejection", "thankyou",
    "outofdomain", "closinggreeting", "intent",
})
MULTIDOGO_SAMPLE = 10_000


def load_banking77(data_dir: Path) -> tuple[list[str], list[str]]:
    """BANKING77 train: 10,003 queries, 77 intents."""
    with (data_dir / "banking77" / "train.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [clean_statement(r["text"]) for r in rows], [r["category"] for r in rows]


def load_dstc11(data_dir: Path) -> tuple[list[str], list[str]]:
    """DSTC11 track 2 development: 913 insurance customer turns, 22 intents."""
    path = data_dir / "dstc11_natcs_intents" / "development" / "test-utterances.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [clean_statement(r["utterance"]) for r in rows], [r["intent"] for r in rows]


def load_airline(data_dir: Path) -> tuple[list[str], list[str]]:
    """Negative airline tweets with a stated reason ("Can't Tell" left out): 9 reasons."""
    path = data_dir / "twitter_airline_sentiment" / "Tweets.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle)
                if r["airline_sentiment"] == "negative" and r["negativereason"]
                and r["negativereason"] != "Can't Tell"]
    return [clean_statement(r["text"]) for r in rows], [r["negativereason"] for r in rows]


def read_multidogo(data_dir: Path, level: Path, splits: tuple[str, ...]) -> list[dict]:
    """Rows of MultiDoGO's paper splits (customer turns), domain by domain, in file order."""
    rows = []
    for domain_dir in sorted((data_dir / level).iterdir()):
        for split in splits:
            with (domain_dir / f"{split}.tsv").open(newline="", encoding="utf-8") as handle:
                reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
                rows += [dict(r, domain=domain_dir.name) for r in reader]
    return rows


def load_multidogo(data_dir: Path, n: int = MULTIDOGO_SAMPLE) -> tuple[list[str], list[str]]:
    """A seeded sample of MultiDoGO train sentences that carry one task intent (six domains).

    Dialogue acts ("yes", greetings, thanks, bare slot values) and multi-intent sentences
    are left out: they are not reasons for contact.
    """
    rows = [r for r in read_multidogo(data_dir, MULTIDOGO_SENTENCES, ("train",))
            if (r.get("intent") or "").strip() not in MULTIDOGO_NOT_INTENTS
            and "<div>" not in r["intent"] and " " not in r["intent"].strip()
            and (r.get("utterance") or "").strip()]
    picked = np.sort(np.random.default_rng(0).choice(len(rows), min(n, len(rows)),
                                                     replace=False))
    return ([clean_statement(rows[i]["utterance"]) for i in picked],
            [rows[i]["intent"].strip() for i in picked])


def load_multidogo_turns(data_dir: Path, n: int) -> list[str]:
    """Up to `n` MultiDoGO customer turns (all splits, every turn): bulk text for scale runs."""
    rows = read_multidogo(data_dir, MULTIDOGO_TURNS, ("train", "dev", "test"))
    return [clean_statement(r.get("utterance") or "") for r in rows[:n]]


LOADERS = {
    "banking77 train": load_banking77,
    "dstc11 development": load_dstc11,
    "airline negative reasons": load_airline,
    "multidogo train (10k sentences)": load_multidogo,
}

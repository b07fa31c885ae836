"""Every match of the contact cues in real customer text, as a reading sheet.

Repeat contacts, transfers and (since stop 30) waits for the contact are named by strict cues
(`nlp.patterns.CONTACT_PATTERNS_V2`), as no training set labels them as such, so their
precision is measured by reading: this lists each distinct text of the airline tweets,
TweetSumm's labelled customer sentences, BANKING77 and MultiDoGO's train turns that a cue
matches, by category, with its source. The reading of stop 13 is in
models/pain-category/MODEL_CARD.md, that of stop 30 in models/pain-category/REVIEW-stop30.md.

Run: .venv/bin/python -m flows.evaluation.contact_review [--data ../shared/data]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from pathlib import Path

from flows.evaluation.run import DEFAULT_DATA
from flows.training.pain_data import (
    PainExample,
    load_airline,
    load_banking77,
    load_multidogo,
    load_tweetsumm,
)
from nlp.pain_points import contact_category

SOURCES: dict[str, Callable[[Path], Iterable[PainExample]]] = {
    "airline": load_airline,
    "tweetsumm": load_tweetsumm,
    "banking77": load_banking77,
    "multidogo train": lambda data_dir: load_multidogo(data_dir, "train"),
}


def contact_matches(texts_by_source: dict[str, Iterable[str]]) -> dict[str, list[tuple[str, str]]]:
    """(source, text) per contact category, each distinct text of a source once, in order."""
    found: dict[str, list[tuple[str, str]]] = {}
    for source, texts in texts_by_source.items():
        for text in dict.fromkeys(texts):
            category = contact_category(text)
            if category:
                found.setdefault(category, []).append((source, text))
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    texts = {name: [e.text for e in load(args.data)] for name, load in SOURCES.items()}
    for category, rows in sorted(contact_matches(texts).items()):
        print(f"\n## {category}: {len(rows)} matches\n")
        for source, text in rows:
            print(f"- [{source}] {' '.join(text.split())}")


if __name__ == "__main__":
    main()

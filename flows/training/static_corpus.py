"""The unlabelled customer-service texts `models/static-minilm-tokenlearn` is trained on.

`flows.training.distill_static --tokenlearn` teaches the static model to reproduce
all-MiniLM-L6-v2's mean token vector of real texts. The texts come from `../shared/data`, but
only from parts that no evaluation reads, so that no `callinsight eval` row or clustering
check scores the model on a text it was trained to embed:

- airline tweets in the train part of both the pain split and the sentiment split, and not in
  the clustering set (negative tweets with a stated reason);
- TweetSumm dialogues in the pain train part (customer and agent turns);
- MultiDoGO customer turns of the train and dev splits that hold none of the clustering
  set's sentences (test is the pain evaluation's);
- the IBM Twitter customer-care conversations (no evaluation reads them);
- USS (MultiWOZ) dialogues in the sentiment train part, user and system turns;
- EPITOME pairs in the empathy train part (seeker posts and responses);
- Swisscom English chatbot messages in the pain train part.

BANKING77 and DSTC11 give nothing: the clustering evaluation reads all of both. On top of
these parts, any text equal (case and spacing ignored) to one that an evaluation reads is left
out (`evaluated_texts`). Texts are deduplicated the same way and returned in a fixed order.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from flows.evaluation.clustering_data import (
    LOADERS,
    MULTIDOGO_SENTENCES,
    MULTIDOGO_TURNS,
    load_multidogo,
    read_multidogo,
)
from flows.evaluation.run import DEFAULT_DATA
from flows.training import empathy_data, pain_data, sentiment_data
from nlp.analyze import clean_statement

log = logging.getLogger(__name__)

#: At most this many MultiDoGO turns (a seeded sample), so that one source does not drown
#: the others: MultiDoGO alone has ~100k turns left after the exclusions.
MULTIDOGO_CAP = 60_000


def text_key(text: str) -> str:
    """A text as the corpus compares it: lower case, spacing collapsed."""
    return " ".join(text.lower().split())


def airline_texts(data_dir: Path) -> Iterator[str]:
    """Airline tweets that are train in the pain and the sentiment split, not clustered."""
    clustered = {text_key(t) for t in LOADERS["airline negative reasons"](data_dir)[0]}
    sentiment_test = {text_key(ex.text) for ex in sentiment_data.split_examples(
        sentiment_data.load_airline(data_dir))[1]}
    for ex in pain_data.load_airline(data_dir):
        if (pain_data.split_of(ex.group_id) == "train" and text_key(ex.text) not in sentiment_test
                and text_key(clean_statement(ex.text)) not in clustered):
            yield ex.text


def tweetsumm_texts(data_dir: Path) -> Iterator[str]:
    """Every turn (customer and agent) of the TweetSumm dialogues in the pain train part."""
    for record, turns in pain_data.tweetsumm_dialogues(data_dir):
        if pain_data.split_of(f"tweetsumm:{record['conversation_id']}") == "train":
            yield from (text for _, text in turns)


def multidogo_texts(data_dir: Path, cap: int = MULTIDOGO_CAP) -> Iterator[str]:
    """MultiDoGO train and dev turns that hold none of the clustering sample's sentences."""
    sampled = {text_key(t) for t in load_multidogo(data_dir)[0]}
    touched = {(r["domain"], r["conversationId"], r["turnNumber"])
               for r in read_multidogo(data_dir, MULTIDOGO_SENTENCES, ("train",))
               if text_key(clean_statement(r.get("utterance") or "")) in sampled}
    rows = [r for r in read_multidogo(data_dir, MULTIDOGO_TURNS, ("train", "dev"))
            if (r["domain"], r["conversationId"], r["turnNumber"]) not in touched
            and (r.get("utterance") or "").strip()]
    picked = np.sort(np.random.default_rng(0).choice(len(rows), min(cap, len(rows)),
                                                     replace=False))
    yield from (rows[i]["utterance"] for i in picked)


def ibm_texts(data_dir: Path) -> Iterator[str]:
    """Every message of the IBM Twitter customer-care conversations."""
    conversations = json.loads((data_dir / "ibm_twitter_customer_care" / "dev.json")
                               .read_text(encoding="utf-8"))
    for conversation in conversations:
        yield from (turn.get("message") or "" for turn in conversation["dialogContent"])


def uss_texts(data_dir: Path) -> Iterator[str]:
    """User and system turns of the USS dialogues in the sentiment train part."""
    test_groups = {ex.group for ex in sentiment_data.split_examples(
        sentiment_data.load_uss(data_dir))[1]}
    path = data_dir / "uss_user_satisfaction" / "MWOZ.txt"
    for lines in sentiment_data.uss_dialogues(path):
        if sentiment_data.dialogue_group(lines) in test_groups:
            continue
        for line in lines:
            parts = line.split("\t")
            if len(parts) >= 2 and parts[0] in ("USER", "SYSTEM") and parts[1] != "OVERALL":
                yield parts[1]


def epitome_texts(data_dir: Path) -> Iterator[str]:
    """Seeker posts and responses of the EPITOME pairs in the empathy train part."""
    train, _ = empathy_data.split_pairs(empathy_data.load_epitome(data_dir))
    for pair in train:
        yield pair.seeker
        yield pair.response


def swisscom_texts(data_dir: Path) -> Iterator[str]:
    """English Swisscom chatbot messages in the pain train part."""
    path = data_dir / "swisscom_churn_intent" / "EN_chatbot.csv"
    with path.open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.reader(f, delimiter="\t")):
            if row and pain_data.split_of(f"swisscom:{i}") == "train":
                yield row[0]


SOURCES = {
    "airline": airline_texts,
    "tweetsumm": tweetsumm_texts,
    "multidogo": multidogo_texts,
    "ibm": ibm_texts,
    "uss": uss_texts,
    "epitome": epitome_texts,
    "swisscom": swisscom_texts,
}


def evaluated_texts(data_dir: Path) -> set[str]:
    """Keys of every text an evaluation reads: the clustering sets, the pain, intent and
    sentiment test texts and EPITOME's held-out pairs. Crowd-sourced sets repeat themselves
    ("may i know my account balance" is in MultiDoGO's train and test), so the parts above
    are not enough on their own: a corpus text equal to any of these is left out too."""
    texts = [t for load in LOADERS.values() for t in load(data_dir)[0]]
    texts += [e.text for source in pain_data.load_all(data_dir).values()
              for e in pain_data.select(source, "test")]
    texts += [e.text for examples in pain_data.load_intent_tests(data_dir).values()
              for e in examples]
    texts += [e.text for _, held_out in sentiment_data.load_splits(data_dir).values()
              for e in held_out]
    _, epitome_test = empathy_data.split_pairs(empathy_data.load_epitome(data_dir))
    texts += [t for pair in epitome_test for t in (pair.seeker, pair.response)]
    return {text_key(t) for t in texts} | {text_key(clean_statement(t)) for t in texts}


def build_corpus(data_dir: Path = DEFAULT_DATA,
                 evaluated: set[str] | None = None) -> list[tuple[str, str]]:
    """(source, text) pairs: every source's texts in order, then the sentences of its
    multi-sentence texts (the pipeline embeds single sentences too). Copies, texts under
    three characters and texts in `evaluated` (keys; default `evaluated_texts(data_dir)`)
    are left out."""
    seen = set(evaluated_texts(data_dir) if evaluated is None else evaluated)
    out = []

    def add(name: str, text: str) -> None:
        text = " ".join(text.split())
        keys = {text_key(text), text_key(clean_statement(text))}
        if len(text) >= 3 and not keys & seen:
            seen.update(keys)
            out.append((name, text))

    for name, texts in SOURCES.items():
        before = len(out)
        whole = list(texts(data_dir))
        for text in whole:
            add(name, text)
        for text, spans in zip(whole, pain_data.sentence_spans(whole), strict=True):
            if len(spans) > 1:
                for start, end in spans:
                    add(name, text[start:end])
        log.info("%s: %d texts", name, len(out) - before)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--output", type=Path, required=True, help="a .jsonl file to write")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    corpus = build_corpus(args.data)
    with args.output.open("w", encoding="utf-8") as f:
        for source, text in corpus:
            f.write(json.dumps({"source": source, "text": text}) + "\n")
    log.info("%d texts -> %s", len(corpus), args.output)


if __name__ == "__main__":
    main()

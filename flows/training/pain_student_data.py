"""Unlabelled texts for distilling the pain teacher into the pain student.

A student learns the teacher's way of reading only where it sees the teacher read, so it is
shown far more customer text than the ~22k labelled fit examples. Every text here comes from
a *fit* part or from a set no pain evaluation reads; none is a validation or test text of a
pain source (`transfer_texts` drops them by text, too):

* `sentences`: each sentence of a multi-sentence pain text of the fit parts;
* `tweetsumm`: the customer sentences and whole customer turns of TweetSumm's fit dialogues
  that the weak labels leave out;
* `ibm`: the customers' messages of the IBM Twitter customer-care conversations;
* `dropout`: two copies of the fit texts with 15 % of their words dropped (seeds 0 and 1;
  30 % of the BANKING77 queries, whose weight is small);
* `multidogo`: every MultiDoGO *train* utterance of any intent (three words or more; 15,000
  drawn of them to stop 29);
* `banking77`: BANKING77 train-split queries of the 12 intents the pain map leaves out;
* `uss`: every turn of the USS dialogues of the sentiment train part (8,000 drawn of them to
  stop 29).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from pathlib import Path

from flows.training.pain import MIN_SENTENCE_CHARS
from flows.training.pain_data import (
    BANKING77_NOT_PAIN_INTENTS,
    BANKING77_PAIN_CATEGORY,
    PainExample,
    customer_sentences,
    is_validation,
    select,
    sentence_spans,
    split_of,
    tweetsumm_dialogues,
)
from flows.training.static_corpus import uss_texts

#: How many texts two of the large pools give, drawn with a seed (None: all of them; stop 30,
#: when all of them read DSTC11's spoken turns better, see models/pain-student/MODEL_CARD.md).
MULTIDOGO_TEXTS: int | None = None
USS_TEXTS: int | None = None
#: Share of a text's words each dropout copy drops.
DROPOUT = 0.15


def transfer_texts(data_dir: Path, data: dict[str, list[PainExample]]) -> list[tuple[str, str]]:
    """(text, pool) of every pool in the module docstring, each text once (whitespace
    normalised), none of them a labelled text of `data` outside its fit parts."""
    fit = [e for examples in data.values() for e in select(examples, "fit")]
    held = {" ".join(e.text.split()) for examples in data.values() for e in examples
            if split_of(e.group_id) == "test" or is_validation(e.group_id)}
    seen = {" ".join(e.text.split()) for e in fit} | held
    out: list[tuple[str, str]] = []
    pools = [("sentences", _pain_sentences(fit)), ("tweetsumm", _tweetsumm_unlabelled(data_dir)),
             ("ibm", _ibm_customer_messages(data_dir)), ("dropout", _dropout_copies(fit, 0)),
             ("multidogo", _multidogo_utterances(data_dir)),
             ("banking77", _banking77_unmapped(data_dir)), ("uss", _uss_turns(data_dir)),
             ("dropout", _dropout_copies(fit, 1))]
    for pool, texts in pools:
        for text in texts:
            text = " ".join(text.split())
            if len(text) >= MIN_SENTENCE_CHARS and text not in seen:
                seen.add(text)
                out.append((text, pool))
    return out


def _pain_sentences(fit: list[PainExample]) -> Iterator[str]:
    pain = [e for e in fit if e.pain]
    for example, spans in zip(pain, sentence_spans([e.text for e in pain]), strict=True):
        if len(spans) > 1:
            yield from (example.text[a:b] for a, b in spans)


def _tweetsumm_unlabelled(data_dir: Path) -> Iterator[str]:
    for record, turns in tweetsumm_dialogues(data_dir):
        group = f"tweetsumm:{record['conversation_id']}"
        if split_of(group) != "train" or is_validation(group):
            continue
        yield from (turns[i][1][a:b] for i, a, b, _ in customer_sentences(record, turns))
        yield from (text for speaker, text in turns if speaker == "Customer")


def _ibm_customer_messages(data_dir: Path) -> Iterator[str]:
    path = data_dir / "ibm_twitter_customer_care" / "dev.json"
    for conversation in json.loads(path.read_text(encoding="utf-8")):
        messages = conversation["dialogContent"]
        customer = messages[0].get("client") if messages else None
        if customer:
            yield from (m.get("message") or "" for m in messages if m.get("client") == customer)


def _dropout_copies(fit: list[PainExample], seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    for example in fit:
        if example.source == "banking77" and rng.random() > 0.3:
            continue
        words = example.text.split()
        if len(words) >= 4:
            yield " ".join(w for w in words if rng.random() > DROPOUT)


def _multidogo_utterances(data_dir: Path) -> list[str]:
    folder = data_dir / "multidogo" / "paper_splits" / "splits_annotated_at_turn_level"
    texts = set()
    for path in sorted(folder.glob("*/train.tsv")):
        with path.open(encoding="utf-8", newline="") as f:
            texts.update(row["utterance"] for row in
                         csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
                         if len((row["utterance"] or "").split()) >= 3)
    drawn = sorted(texts)
    random.Random(1).shuffle(drawn)
    return drawn[:MULTIDOGO_TEXTS]


def _banking77_unmapped(data_dir: Path) -> Iterator[str]:
    mapped = set(BANKING77_PAIN_CATEGORY) | set(BANKING77_NOT_PAIN_INTENTS)
    with (data_dir / "banking77" / "train.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            group = "banking77:" + " ".join(row["text"].lower().split())
            if row["category"] not in mapped and split_of(group) == "train":
                yield row["text"]


def _uss_turns(data_dir: Path) -> list[str]:
    drawn = sorted(set(uss_texts(data_dir)))
    random.Random(1).shuffle(drawn)
    return drawn[:USS_TEXTS]

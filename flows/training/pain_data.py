"""Labelled examples for the pain-point detector and categoriser, from ../shared/data only.

Three sources, each turned into `PainExample`s with a stable id and a deterministic split:

* `airline`: Twitter US Airline Sentiment. negative -> pain, neutral/positive -> not pain;
  the negative reason, mapped onto the taxonomy by `AIRLINE_REASON_TO_CATEGORY`, is the
  category.
* `tweetsumm`: customer sentences of the 857 TweetSumm dialogues with text. Weak labels:
  a sentence that at least 2 of the 3 human extractive summaries select (the customer's issue
  statement) and that does not read clearly positive (VADER < 0.5) -> pain; a sentence no
  annotator selects, with no complaint cue and not reading negative (VADER > -0.05) -> not
  pain; the rest is left out. The category is the v1 rule category of the customers' part
  of the human abstractive summaries (majority of the annotators), so it comes from what
  people wrote about the issue.
* `swisscom`: English chatbot messages with churn intent; churn=1 -> pain, `cancellation`
  (churn=0 messages are mostly about joining a brand, not neutral service talk: left out).

Splits: `split_of(group_id)` hashes an id with SHA-1: 80 % train, 20 % test; inside train,
`is_validation` carves 20 % for model selection. TweetSumm splits by conversation, so no
dialogue has sentences on both sides.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.pain_points import categorise
from nlp.pipeline import build_nlp, split_sentences
from nlp.sentiment import count_complaint_cues

if TYPE_CHECKING:
    from spacy.language import Language

#: Airline negative reasons -> taxonomy (nlp.patterns.PAIN_CATEGORIES). Why each:
AIRLINE_REASON_TO_CATEGORY: dict[str, str] = {
    # The customer's time is the harm (delays, queues): waiting and response time.
    "Late Flight": "waiting",
    "longlines": "waiting",
    # The service itself failed or was poor (no flight, bad seat/wifi/food): a service
    # defect, not the customer's churn threat (`cancellation` means the customer leaves).
    "Cancelled Flight": "defect_outage",
    "Bad Flight": "defect_outage",
    # The carrier lost or damaged goods it was carrying for the customer: delivery and
    # shipping (a damaged *product* would be a defect; damaged *luggage* is mishandling).
    "Lost Luggage": "delivery",
    "Damaged Luggage": "delivery",
    # Complaints about people and their help: agent conduct or knowledge.
    "Customer Service Issue": "agent_conduct",
    "Flight Attendant Complaints": "agent_conduct",
    # Booking, rebooking, seats and their rules: policy and process friction.
    "Flight Booking Problems": "policy_process",
    "Can't Tell": "other",
}

TRAIN_SHARE = 80  # percent of ids in train
VALIDATION_SHARE = 20  # percent of train ids used for model selection


@dataclass(frozen=True, slots=True)
class PainExample:
    """One labelled text; `category` is None when the source gives none."""

    source: str
    group_id: str  # what the split hashes (a tweet, a dialogue, a message)
    text: str
    pain: int
    category: str | None = None


def _bucket(key: str, salt: str) -> int:
    return int(hashlib.sha1(f"{salt}:{key}".encode()).hexdigest()[:8], 16) % 100


def split_of(group_id: str) -> str:
    """'train' or 'test', stable across runs and machines."""
    return "train" if _bucket(group_id, "pain-split") < TRAIN_SHARE else "test"


def is_validation(group_id: str) -> bool:
    """Whether a train id belongs to the validation part carved from train."""
    return _bucket(group_id, "pain-validation") < VALIDATION_SHARE


def select(examples: list[PainExample], part: str) -> list[PainExample]:
    """Examples of one part: 'train' (all of it), 'fit', 'validation' or 'test'."""
    if part == "test":
        return [e for e in examples if split_of(e.group_id) == "test"]
    train = [e for e in examples if split_of(e.group_id) == "train"]
    if part == "fit":
        return [e for e in train if not is_validation(e.group_id)]
    if part == "validation":
        return [e for e in train if is_validation(e.group_id)]
    if part != "train":
        raise ValueError(f"unknown part {part!r}")
    return train


def load_airline(data_dir: Path) -> list[PainExample]:
    """Airline tweets: negative -> pain (with its mapped reason), neutral/positive -> not."""
    path = data_dir / "twitter_airline_sentiment" / "Tweets.csv"
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            negative = row["airline_sentiment"] == "negative"
            category = (AIRLINE_REASON_TO_CATEGORY.get(row["negativereason"], "other")
                        if negative else None)
            out.append(PainExample("airline", f"airline:{row['tweet_id']}", row["text"],
                                   int(negative), category))
    return out


def load_swisscom(data_dir: Path) -> list[PainExample]:
    """English chatbot messages with churn intent -> pain, `cancellation`."""
    path = data_dir / "swisscom_churn_intent" / "EN_chatbot.csv"
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.reader(f, delimiter="\t")):
            if len(row) >= 4 and row[3].strip() == "1":
                out.append(PainExample("swisscom", f"swisscom:{i}", row[0], 1, "cancellation"))
    return out


def _dialogues(data_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """conversation id -> [(speaker, text)] from Laradji's reconstruction of the texts."""
    doc = json.loads((data_dir / "tweetsumm" / "dialog_text_laradji" / "twitter.json")
                     .read_text(encoding="utf-8"))
    out = {}
    for document in doc["document"]:
        lines = document.split("\n")
        turns = [tuple(line.split("\t")[1:3]) for line in lines[1:] if line.count("\t") >= 2]
        out[lines[0].strip()] = [(s.rstrip(":"), t) for s, t in turns]
    return out


def _summary_category(annotations: list[dict]) -> str | None:
    """Majority v1 rule category of the customers' part of the abstractive summaries."""
    votes = Counter()
    for ann in annotations:
        customer_part = " ".join(s for s in ann.get("abstractive") or []
                                 if not s.lower().lstrip().startswith(("agent", "the agent")))
        category = categorise(customer_part)
        if category:
            votes[category] += 1
    if not votes:
        return None
    category, n = votes.most_common(1)[0]
    return category if n >= 2 else None


def load_tweetsumm(data_dir: Path) -> list[PainExample]:
    """Customer sentences of TweetSumm with weak pain labels (see the module docstring)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    dialogues = _dialogues(data_dir)
    out: list[PainExample] = []
    for name in ("train", "valid", "test"):
        path = data_dir / "tweetsumm" / f"final_{name}_tweetsum.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            turns = dialogues.get(record["conversation_id"])
            if turns is None or len(turns) != len(record["tweet_ids_sentence_offset"]):
                continue
            out += _label_dialogue(record, turns, vader)
    return out


def _label_dialogue(record: dict, turns: list[tuple[str, str]], vader) -> list[PainExample]:
    cid = record["conversation_id"]
    votes = Counter((e["tweet_id"], e["sentence_offset"].replace(" ", ""))
                    for ann in record["annotations"] for e in ann.get("extractive") or [])
    category = _summary_category(record["annotations"])
    out = []
    for tweet, (speaker, text) in zip(record["tweet_ids_sentence_offset"], turns, strict=True):
        if speaker != "Customer":
            continue
        for offset in tweet["sentence_offsets"]:
            start, end = json.loads(offset)
            sentence = text[start:end].strip()
            if len(sentence) < 8:
                continue
            n = votes[(tweet["tweet_id"], offset.replace(" ", ""))]
            compound = vader.polarity_scores(sentence)["compound"]
            if n >= 2 and compound < 0.5:
                out.append(PainExample("tweetsumm", f"tweetsumm:{cid}", sentence, 1, category))
            elif n == 0 and compound > -0.05 and not count_complaint_cues(sentence):
                out.append(PainExample("tweetsumm", f"tweetsumm:{cid}", sentence, 0))
    return out


def load_all(data_dir: Path) -> dict[str, list[PainExample]]:
    """Every source's examples, by source name."""
    return {"airline": load_airline(data_dir), "tweetsumm": load_tweetsumm(data_dir),
            "swisscom": load_swisscom(data_dir)}


@cache
def _sentence_nlp() -> Language:
    return build_nlp()


def sentence_spans(texts: list[str]) -> list[list[tuple[int, int]]]:
    """Sentence spans as the pipeline splits them (for scoring whole texts sentence by sentence)."""
    return split_sentences(_sentence_nlp(), texts)

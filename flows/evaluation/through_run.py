"""Detectors measured through `callinsight run` itself, on held-out labelled texts.

`callinsight eval` scores each model on its own; this sends held-out texts as calls through
the whole nightly flow (validation, language detection and routing, detection, writing) and
scores what the Parquet tables say, as an independent evaluation reading only the tables
would:

* `epitome`: each held-out EPITOME pair as a call (seeker post = customer turn, response =
  agent turn); ROC-AUC of `turns.empathy_score`, `empathy_reaction` and
  `empathy_interpretation` against ER or IP >= 1, ER >= 1 and IP >= 1.
* `airline` / `germeval`: each held-out text as a one-turn call, no language given (airline:
  the tweets that both the pain and the sentiment split hold out); pain =
  `calls.pain_point_count` > 0 (macro-F1), and `turns.sentiment` read at +-0.05 (3-class
  macro-F1; ROC-AUC of negative against the rest).
* `tweetsumm`: each held-out TweetSumm dialogue (the pain split's test conversations) as a
  call of customer and agent turns; the human extractive summaries mark the customer
  sentences that state the issue. Every customer sentence selected by at least 2 of the 3
  annotators is a gold issue sentence, every one selected by none is not (no other filter,
  unlike the eval's weak labels); a sentence is found when a row of `pain_points` overlaps
  it (`char_start` / `char_end` index the turn as sent). Precision, recall and F1 of the
  issue class; and, per call with a pain point, whether its most severe one lies in a
  sentence that at least 2 (or 1) annotators selected: what a team lead reading the top
  quote sees.

Run: .venv/bin/python -m flows.evaluation.through_run --set epitome|airline|germeval|tweetsumm
(about 1 min each).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
from sklearn.metrics import f1_score, precision_recall_fscore_support, roc_auc_score

from flows.evaluation.run import DEFAULT_DATA
from flows.evaluation.sentiment import label_scores
from flows.evaluation.through_pipeline import call_record, run_calls
from flows.training.empathy_data import load_epitome, split_pairs
from flows.training.german import load_german, part
from flows.training.pain_data import (
    customer_sentences,
    load_airline,
    select,
    split_of,
    tweetsumm_dialogues,
)
from flows.training.sentiment_data import load_splits

SETS = ("epitome", "airline", "germeval", "tweetsumm")


def _table(output: Path, name: str, columns: list[str]) -> dict[str, list]:
    table = ds.dataset(output / name, partitioning="hive").to_table(columns=columns)
    return {c: table.column(c).to_pylist() for c in columns}


def epitome_calls(data_dir: Path) -> tuple[list[str], dict[str, dict[str, int]]]:
    """Held-out EPITOME pairs as calls, and each call's three labels."""
    _, held_out = split_pairs(load_epitome(data_dir))
    lines, gold = [], {}
    for i, pair in enumerate(held_out):
        lines.append(call_record(f"ep-{i}", ("customer", pair.seeker), ("agent", pair.response)))
        gold[f"ep-{i}"] = {"ER or IP": pair.label, "ER": int(pair.er >= 1),
                           "IP": int(pair.ip >= 1)}
    return lines, gold


def score_epitome(output: Path, gold: dict[str, dict[str, int]]) -> dict[str, float]:
    """ROC-AUC of each written empathy column on each label (agent turns)."""
    turns = _table(output, "turns", ["call_id", "speaker", "empathy_score", "empathy_reaction",
                                      "empathy_interpretation"])
    rows = [i for i, who in enumerate(turns["speaker"]) if who == "agent"]
    out = {"calls": len(rows)}
    for label in ("ER or IP", "ER", "IP"):
        y = [gold[turns["call_id"][i]][label] for i in rows]
        for column in ("empathy_score", "empathy_reaction", "empathy_interpretation"):
            out[f"{column} AUC {label}"] = round(float(roc_auc_score(
                y, [turns[column][i] for i in rows])), 3)
    return out


def text_calls(name: str, data_dir: Path) -> tuple[list[str], dict[str, dict]]:
    """Held-out airline tweets or German texts as one-turn calls, with pain and sentiment."""
    if name == "airline":  # held out by both the pain and the sentiment split
        _, sentiment_test = load_splits(data_dir, ("airline",))["airline"]
        sentiment = {" ".join(e.text.split()): e.label for e in sentiment_test}
        examples = [(e.text, e.pain, sentiment[" ".join(e.text.split())])
                    for e in select(load_airline(data_dir), "test")
                    if " ".join(e.text.split()) in sentiment]
    else:
        pain, labels = part(load_german(data_dir), "test")
        by_text = {e.text: e.label for e in labels}
        examples = [(e.text, e.pain, by_text.get(e.text)) for e in pain
                    if e.source == "germeval"]
    lines = [call_record(f"{name}-{i}", ("customer", text))
             for i, (text, _, _) in enumerate(examples)]
    gold = {f"{name}-{i}": {"pain": pain, "sentiment": label}
            for i, (_, pain, label) in enumerate(examples)}
    return lines, gold


def score_texts(output: Path, gold: dict[str, dict]) -> dict[str, float]:
    """Pain macro-F1 from `calls`, sentiment 3-class macro-F1 and AUC from `turns`."""
    calls = _table(output, "calls", ["call_id", "pain_point_count", "language"])
    y = [gold[c]["pain"] for c in calls["call_id"]]
    flags = [int(n > 0) for n in calls["pain_point_count"]]
    turns = _table(output, "turns", ["call_id", "sentiment"])
    labelled = [(gold[c]["sentiment"], s) for c, s in zip(turns["call_id"], turns["sentiment"],
                                                          strict=True) if gold[c]["sentiment"]]
    truth, scores = [t for t, _ in labelled], np.array([s for _, s in labelled])
    languages = calls["language"]
    return {
        "calls": len(y), "pain macro-F1": round(float(f1_score(y, flags, average="macro")), 3),
        "sentiment macro-F1": round(float(f1_score(truth, label_scores(scores),
                                                   average="macro")), 3),
        "sentiment AUC neg": round(float(roc_auc_score([t == "neg" for t in truth], -scores)),
                                   3),
        "languages": {lang: languages.count(lang) for lang in sorted(set(languages))},
    }


def tweetsumm_calls(data_dir: Path) -> tuple[list[str], dict[str, dict]]:
    """Held-out TweetSumm dialogues as calls, and per call the customer sentences as
    (turn index, start, end, annotators who selected it)."""
    lines, gold = [], {}
    for record, turns in tweetsumm_dialogues(data_dir):
        cid = record["conversation_id"]
        if split_of(f"tweetsumm:{cid}") != "test" or f"ts-{cid}" in gold:
            continue
        lines.append(call_record(f"ts-{cid}", *[
            ("customer" if who == "Customer" else "agent", text) for who, text in turns]))
        gold[f"ts-{cid}"] = {"sentences": list(customer_sentences(record, turns))}
    return lines, gold


def score_tweetsumm(output: Path, gold: dict[str, dict]) -> dict[str, float]:
    """Issue sentences found by `pain_points` (see the module docstring)."""
    table = _table(output, "pain_points", ["call_id", "turn_index", "char_start", "char_end",
                                           "severity"])
    pains: dict[str, list[tuple[float, int, int, int]]] = {}  # (severity, turn, start, end)
    for call, turn, start, end, severity in zip(
            table["call_id"], table["turn_index"], table["char_start"], table["char_end"],
            table["severity"], strict=True):
        pains.setdefault(call, []).append((severity, turn, start, end))

    def overlaps(pain: tuple[float, int, int, int], sentence: Sequence[int]) -> bool:
        _, turn, start, end = pain
        s_turn, s_start, s_end, _ = sentence
        return turn == s_turn and start < s_end and s_start < end

    y, found, top2, top1 = [], [], [], []
    for call, g in gold.items():
        here = pains.get(call, [])
        for sentence in g["sentences"]:  # (turn, start, end, annotators who chose it)
            annotators = sentence[3]
            if annotators >= 2 or annotators == 0:  # chosen by one: left out
                y.append(int(annotators >= 2))
                found.append(int(any(overlaps(p, sentence) for p in here)))
        if here:
            worst = max(here, key=lambda p: (p[0], -p[1], -p[2]))
            votes = [s[3] for s in g["sentences"] if overlaps(worst, s)]
            top2.append(int(any(v >= 2 for v in votes)))
            top1.append(int(any(v >= 1 for v in votes)))
    precision, recall, f1, _ = precision_recall_fscore_support(y, found, average="binary")
    return {"calls": len(gold), "calls with a pain point": len(top2),
            "issue sentences": int(sum(y)), "other customer sentences": len(y) - int(sum(y)),
            "precision": round(float(precision), 3), "recall": round(float(recall), 3),
            "F1": round(float(f1), 3),
            "top quote in an issue sentence (>= 2 annotators)": round(float(np.mean(top2)), 3),
            "top quote in a selected sentence (>= 1)": round(float(np.mean(top1)), 3)}


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Build the calls, run the flow once on them, print and return the scores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=SETS, default="epitome")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    builders = {"epitome": (epitome_calls, score_epitome),
                "tweetsumm": (tweetsumm_calls, score_tweetsumm)}
    build, scorer = builders.get(args.set, (lambda d: text_calls(args.set, d), score_texts))
    lines, gold = build(args.data)
    scores = run_calls(lines, gold, scorer)
    print(json.dumps(scores))
    return scores


if __name__ == "__main__":
    main()

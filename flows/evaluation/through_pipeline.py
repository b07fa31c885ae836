"""Issue clustering measured through `callinsight run` itself, not on raw texts.

The clustering suite feeds texts straight to the catalogue; this check sends a seeded sample
of a clustering set (BANKING77 queries by default, or DSTC11's spoken insurance turns, ...)
as one-turn calls through the whole nightly flow (validation, pain points, issue statements,
redaction, catalogue) and scores `calls.primary_issue_id` against the gold intents, so what
the statement extraction and redaction cost is visible.

Run: .venv/bin/python -m flows.evaluation.through_pipeline [--set banking77|dstc11|airline|
multidogo] [--n 3000] [--seed 0] [--per-intent 40] [--data ../shared/data] (about 1 min with
MiniLM on 2 cores). `--per-intent 40` sends 40 texts of each intent (all of them, unless `--n`
is given): BANKING77's test split, which this project never reads, has that shape.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pyarrow.dataset as ds
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from flows.evaluation.clustering_data import LOADERS
from flows.evaluation.run import DEFAULT_DATA

G = TypeVar("G")
T = TypeVar("T")

RUN_DATE = "2026-11-27"
#: --set name -> the clustering suite's loader name
SETS = {"banking77": "banking77 train", "dstc11": "dstc11 development",
        "airline": "airline negative reasons", "multidogo": "multidogo train (10k sentences)"}


def sample_calls(data_dir: Path, n: int | None, name: str = "banking77", seed: int = 0,
                 per_intent: int | None = None) -> tuple[list[str], dict[str, str]]:
    """`n` texts (None: all) of the set `name` (a `seed`ed shuffle) as one-turn calls: their
    JSON lines and call_id -> intent. With `per_intent`, the first `per_intent` texts of each
    intent in that shuffle (all of an intent that has fewer) before `n` applies: a balanced
    night, like BANKING77's test split (40 queries per intent)."""
    texts, intents = LOADERS[SETS[name]](data_dir)
    rows = list(zip(texts, intents, strict=True))
    random.Random(seed).shuffle(rows)
    if per_intent is not None:
        taken: Counter[str] = Counter()
        balanced = []
        for text, intent in rows:
            if taken[intent] < per_intent:
                taken[intent] += 1
                balanced.append((text, intent))
        rows = balanced
    lines, gold = [], {}
    for i, (text, intent) in enumerate(rows[:n]):
        call_id = f"{name}-{i}"
        gold[call_id] = intent
        lines.append(call_record(call_id, ("customer", text), team=name))
    return lines, gold


def call_record(call_id: str, *turns: tuple[str, str], team: str | None = None) -> str:
    """One input call as a JSON line: (speaker, text) turns, started on `RUN_DATE`."""
    record = {"call_id": call_id, "started_at": f"{RUN_DATE}T10:00:00Z"}
    if team is not None:
        record["team"] = team
    return json.dumps(record | {"turns": [{"speaker": who, "text": text}
                                          for who, text in turns]})


def score(output: Path, gold: dict[str, str]) -> dict[str, float]:
    """NMI, ARI, issues found and outlier share of the run's `calls` table."""
    table = ds.dataset(output / "calls", partitioning="hive").to_table(
        columns=["call_id", "primary_issue_id"])
    ids = table.column("primary_issue_id").to_pylist()
    truth = [gold[c] for c in table.column("call_id").to_pylist()]
    return {
        "calls": len(ids),
        "NMI": round(normalized_mutual_info_score(truth, ids), 3),
        "ARI": round(adjusted_rand_score(truth, ids), 3),
        "issues": len(set(ids) - {-1}),
        "outliers": round(sum(i == -1 for i in ids) / max(len(ids), 1), 3),
    }


def read_statements(output: Path, gold: dict[str, str]) -> tuple[list[str], list[str]]:
    """The run's `calls.issue_statement` (what the catalogue clustered: redacted, cut to the
    pain or request sentences) and the gold intent of each call; a call without a statement
    keeps "" so that no call is dropped."""
    table = ds.dataset(output / "calls", partitioning="hive").to_table(
        columns=["call_id", "issue_statement"])
    calls = table.column("call_id").to_pylist()
    statements = [s or "" for s in table.column("issue_statement").to_pylist()]
    return statements, [gold[c] for c in calls]


def run_calls(lines: list[str], gold: G, read: Callable[[Path, G], T]) -> T:
    """The calls' JSON `lines` through `callinsight run` in a temporary folder; returns
    `read(output folder, gold)`."""
    with tempfile.TemporaryDirectory() as tmp:
        source, output = Path(tmp, "in"), Path(tmp, "out")
        source.mkdir()
        (source / "calls.jsonl").write_text("".join(line + "\n" for line in lines),
                                            encoding="utf-8")
        run_callinsight(source, output)
        return read(output, gold)


def through_flow(data_dir: Path, n: int | None, name: str, seed: int,
                 read: Callable[[Path, dict[str, str]], T], per_intent: int | None = None) -> T:
    """`n` texts of the set `name` (`sample_calls`) through `callinsight run`; returns
    `read(output folder, call_id -> intent)`."""
    return run_calls(*sample_calls(data_dir, n, name, seed, per_intent), read)


def run_callinsight(source: Path, output: Path) -> None:
    """`callinsight run` on the calls under `source`, as a scheduler would start it."""
    cli = Path(sys.executable).with_name("callinsight")
    subprocess.run([str(cli), "run", "--input", str(source), "--output", str(output),
                    "--date", RUN_DATE], check=True, capture_output=True)


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Build the calls, run the flow once on them, print and return the scores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="banking77")
    parser.add_argument("--n", type=int, default=None,
                        help="texts sent (default 3000, or all with --per-intent)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample's shuffle")
    parser.add_argument("--per-intent", type=int, default=None,
                        help="at most this many texts per intent (40: a night shaped like "
                             "BANKING77's test split); --n still caps the total")
    args = parser.parse_args(argv)
    n = args.n if args.n is not None else (None if args.per_intent else 3000)
    scores = through_flow(args.data, n, args.set, args.seed, score, args.per_intent)
    print(json.dumps(scores))
    return scores


if __name__ == "__main__":
    main()

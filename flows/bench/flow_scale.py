"""Scale benchmark of the whole nightly flow (not a test): one large night, wall time and memory.

Builds one night of `--copies` copies of the bundled sample's 857 calls (each copy's call ids
get a suffix, so every call is distinct to the flow; the texts repeat, which makes the issue
catalogue's work a little easier than real text of that size would) and runs `callinsight
run` on it in a child process, as a scheduler does: redaction, detection, the issue
catalogue, the tables and the team summaries. Prints the night's calls and turns, the wall
time, calls and turns per second, and the child's peak resident memory.

Run: .venv/bin/python -m flows.bench.flow_scale [--copies 12]
     (`taskset -c 0` in front for one core; the flow itself runs in one process)
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flows.settings import SAMPLE_INPUT

NIGHT = "2026-11-27"


def write_night(folder: Path, copies: int, sample: Path = SAMPLE_INPUT) -> tuple[int, int]:
    """Write `copies` copies of every sample call, dated `NIGHT`, as one JSONL file in
    `folder`; returns (calls, turns)."""
    calls = []
    for path in sorted(sample.rglob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            calls += [json.loads(line) for line in lines]
    n_calls = n_turns = 0
    with gzip.open(folder / "calls.jsonl.gz", "wt", encoding="utf-8") as out:
        for copy in range(copies):
            for call in calls:
                call = {**call, "call_id": f"{call['call_id']}-c{copy}"}
                if call.get("started_at"):
                    call["started_at"] = NIGHT + call["started_at"][10:]
                out.write(json.dumps(call) + "\n")
                n_calls += 1
                n_turns += len(call["turns"])
    return n_calls, n_turns


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=12)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="callinsight-scale-") as tmp:
        night, out = Path(tmp) / "in", Path(tmp) / "out"
        night.mkdir()
        calls, turns = write_night(night, args.copies)
        command = [sys.executable, "-m", "flows.cli", "run", "--input", str(night),
                   "--output", str(out), "--date", NIGHT]
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
        seconds = time.perf_counter() - start
        if done.returncode:
            sys.exit(f"the flow failed ({done.returncode}):\n{done.stderr[-3000:]}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"one night of {calls:,} calls / {turns:,} turns: {seconds:.0f} s "
          f"({calls / seconds:.1f} calls/s, {turns / seconds:.0f} turns/s), "
          f"peak {peak:,.0f} MB")


if __name__ == "__main__":
    main()

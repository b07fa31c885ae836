"""Scale benchmark of the whole nightly flow (not a test): one large night, wall time and memory.

Builds one night of `--copies` copies of the bundled sample's 857 calls (each copy's call ids
get a suffix, so every call is distinct to the flow; the texts repeat, which makes the issue
catalogue's work a little easier than real text of that size would) and runs `callinsight
run` on it in a child process, as a scheduler does: redaction, detection, the issue
catalogue, the tables and the team summaries. Prints the night's calls and turns, the wall
time, calls and turns per second, and the peak of the resident memory of the flow's process
and its analysis workers together (sampled from /proc every half second).

The night is analysed by one worker process per core the run may use
(`CALLINSIGHT_WORKERS`, `flows/analysis.py`): `taskset -c 0` in front measures one core (no
workers), without it this machine's two cores.

Run: [taskset -c 0] .venv/bin/python -m flows.bench.flow_scale [--copies 12]
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import threading
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


def tree_rss_mb(pid: int) -> float:
    """Resident memory of process `pid` and all its descendants, in MB (0 once gone)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines()
                              if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total / 1024


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
        with tempfile.TemporaryFile("w+") as errors:
            child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
            peak = 0.0

            def sample() -> None:
                nonlocal peak
                while child.poll() is None:
                    peak = max(peak, tree_rss_mb(child.pid))
                    time.sleep(0.5)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            returncode = child.wait()
            sampler.join()
            seconds = time.perf_counter() - start
            if returncode:
                errors.seek(0)
                sys.exit(f"the flow failed ({returncode}):\n{errors.read()[-3000:]}")
    print(f"one night of {calls:,} calls / {turns:,} turns: {seconds:.0f} s "
          f"({calls / seconds:.1f} calls/s, {turns / seconds:.0f} turns/s), "
          f"peak {peak:,.0f} MB")


if __name__ == "__main__":
    main()

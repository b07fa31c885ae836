"""Recovery moments on the bundled sample: rate per 1,000 calls and a reading sheet.

Runs the analysis (no Prefect) over the sample corpus with the shipped detectors, prints the
rate, and writes up to `--n` recoveries (a deterministic sample) as Markdown: each with the
customer's turns, the pivotal agent turn and the sentiment numbers, for a person to judge.
The judgements of the last reading are kept in models/recovery/REVIEW.md.

Run: .venv/bin/python -m flows.evaluation.recovery_review [--n 50] [--out FILE]
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from flows.engine import load_detectors
from flows.settings import SAMPLE_INPUT
from flows.sources import FileSource
from nlp.analyze import CallAnalyzer
from nlp.schema import AGENT, CUSTOMER, CallAnalysis


def analyse_sample(path: Path = SAMPLE_INPUT) -> list[CallAnalysis]:
    """Analyse every call of the sample with the shipped detectors."""
    analyzer = CallAnalyzer(detectors=load_detectors())
    return [c for batch in FileSource(path).iter_batches(500)
            for c in analyzer.analyze(batch.transcripts)]


def render(call: CallAnalysis) -> str:
    """One recovery as a reading card."""
    r = call.recovery
    lines = [f"### {call.transcript.call_id} (score {r.score:.2f}; start "
             f"{call.sentiment_start:+.2f} -> end {call.sentiment_end:+.2f})", ""]
    for t in call.turns:
        text = " ".join(t.turn.text.split())[:300]
        if t.turn.speaker == CUSTOMER:
            lines.append(f"- C ({t.sentiment:+.2f}): {text}")
        elif t.turn.speaker == AGENT:
            mark = " **<- pivot**" if t.turn.index == r.turn_index else ""
            lines.append(f"- A (emp {t.empathy:.2f}): {text}{mark}")
    return "\n".join(lines + ["", "Judgement: ", ""])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path("outputs/recovery_review.md"))
    args = parser.parse_args(argv)
    calls = analyse_sample()
    saves = [c for c in calls if c.recovery is not None]
    rate = 1000 * len(saves) / len(calls)
    print(f"{len(saves)} recoveries in {len(calls)} calls: {rate:.1f} per 1,000 calls")
    key = lambda c: hashlib.sha1(c.transcript.call_id.encode()).hexdigest()  # noqa: E731
    chosen = sorted(saves, key=key)[: args.n]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(render(c) for c in chosen), encoding="utf-8")
    print(f"{len(chosen)} written to {args.out}")


if __name__ == "__main__":
    main()

"""Recovery moments on the bundled sample: rate per 1,000 calls and a reading sheet.

Runs the analysis (no Prefect) over the sample corpus with the shipped detectors, prints the
rate, and writes up to `--n` recoveries (a deterministic sample) as Markdown: each with the
customer's turns, the pivotal agent turn and the sentiment numbers, for a person to judge.
The judgements of the last reading are kept in models/recovery/REVIEW.md.

Run: .venv/bin/python -m flows.evaluation.recovery_review [--n 50] [--out FILE]

`--choose-end` instead redoes the choice of the recovery's end cut from the judgements in
REVIEW.md: the recoveries found with the cut at 0.05, split in two halves by call id; on each
half the cut that nets the most real saves over false ones, scored on the other half.
"""

from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

from flows.engine import load_detectors
from flows.settings import SAMPLE_INPUT
from flows.sources import FileSource
from nlp.analyze import AnalysisConfig, CallAnalyzer
from nlp.recovery import RecoveryConfig
from nlp.schema import AGENT, CUSTOMER, CallAnalysis

REVIEW = Path(__file__).resolve().parents[2] / "models" / "recovery" / "REVIEW.md"
#: End cuts tried by `--choose-end`; the lowest is the cut the read recoveries were found at.
END_CUTS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)
_VERDICT = re.compile(r"`(tws-[0-9a-f]+)`\s*\|\s*([✓✗])\s*\|")


def analyse_sample(path: Path = SAMPLE_INPUT, cfg: AnalysisConfig = AnalysisConfig()
                   ) -> list[CallAnalysis]:
    """Analyse every call of the sample with the shipped detectors."""
    analyzer = CallAnalyzer(cfg, detectors=load_detectors())
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


def read_verdicts(review: str) -> dict[str, bool]:
    """call id -> real save? from the tables of REVIEW.md (✓ / ✗)."""
    return {m[1]: m[2] == "✓" for m in _VERDICT.finditer(review)}


def half_of(call_id: str) -> int:
    """0 or 1: the half of the read recoveries a call falls in (SHA-1 of its id)."""
    return int(hashlib.sha1(call_id.encode()).hexdigest(), 16) % 2


def choose_end_cut(ends: dict[str, float], verdicts: dict[str, bool],
                   cuts: tuple[float, ...] = END_CUTS) -> list[dict]:
    """Per half of the judged recoveries (`ends`: call id -> end sentiment): the cut that
    nets the most real saves over false ones on it (the lower on ties) and the other half's
    (real, kept) at the lowest cut and at that one."""
    def tally(ids: list[str], cut: float) -> tuple[int, int]:
        kept = [i for i in ids if ends[i] >= cut]
        return sum(verdicts[i] for i in kept), len(kept)

    rows = []
    for half in (0, 1):
        mine = [i for i in ends if half_of(i) == half]
        other = [i for i in ends if half_of(i) != half]
        # real saves minus false ones: 2 real - kept
        net = {c: 2 * real - kept for c in cuts for real, kept in [tally(mine, c)]}
        best = max(cuts, key=lambda c: (net[c], -c))
        rows.append({"half": half, "n": len(mine), "cut": best,
                     "other at lowest": tally(other, cuts[0]), "other at cut": tally(other, best)})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path("outputs/recovery_review.md"))
    parser.add_argument("--choose-end", action="store_true")
    args = parser.parse_args(argv)
    if args.choose_end:
        cfg = AnalysisConfig(recovery=RecoveryConfig(end_at_least=END_CUTS[0]))
        verdicts = read_verdicts(REVIEW.read_text(encoding="utf-8"))
        ends = {c.transcript.call_id: c.sentiment_end for c in analyse_sample(cfg=cfg)
                if c.recovery is not None}
        missing = sorted(set(ends) - set(verdicts))
        if missing:
            raise SystemExit(f"{len(missing)} recoveries not judged in REVIEW.md: {missing}")
        for row in choose_end_cut(ends, verdicts):
            print(row)
        return
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

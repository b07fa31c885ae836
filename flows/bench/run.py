"""`make bench`: speed and memory of each stage on the bundled sample corpus.

Prints one table: stage, items, seconds, items/s; then the process's peak memory. Timings
are wall time; run it pinned to one core (`make bench` does: `taskset -c 0`) for the
per-core numbers. The detection stages run three times each and report their fastest
run: on this shared machine one run of the same code varied from 1,800 to 2,800 turns/s.
Each run starts cold (`clear_feature_caches`: no word hashed before), like a fresh process.
The 100k-statement clustering benchmark is `flows/bench/issues_scale.py`.

Run: .venv/bin/python -m flows.bench.run
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

from flows.artefacts import load_empathy_reader, load_issue_encoder
from flows.bench.issues_scale import peak_mb
from flows.engine import load_detectors, pain_readers
from flows.runtime import configure_runtime
from flows.settings import SAMPLE_INPUT
from flows.sources import FileSource
from nlp.analyze import CallAnalyzer
from nlp.embeddings import build_embedder
from nlp.issues import IssueCatalogue, IssueCatalogueConfig
from nlp.pipeline import build_redaction_nlp
from nlp.redact import Redactor
from nlp.schema import AGENT, CUSTOMER
from nlp.textmodel import clear_feature_caches

#: Runs of each detection stage; the fastest is reported (the module doc says why).
REPEATS = 3


def timed(label: str, items: int, fn, rows: list, repeats: int = 1) -> object:
    """Run `fn` `repeats` times, each from cold caches; record its fastest run under `label`;
    return its result."""
    best = float("inf")
    for _ in range(repeats):
        clear_feature_caches()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    if repeats > 1:
        label = f"{label}, best of {repeats}"
    rows.append((label, items, best, items / best if best else float("inf")))
    return result


def timed_reading(label: str, n_turns: int, analyzer: CallAnalyzer, transcripts: list,
                  reader, rows: list) -> tuple[object, int]:
    """`timed` detection runs, and the texts `reader` (a pain or empathy reader, or None)
    read per run."""
    before = reader.texts_read if reader else 0
    calls = timed(label, n_turns, lambda: analyzer.analyze(transcripts), rows, repeats=REPEATS)
    return calls, (reader.texts_read - before) // REPEATS if reader else 0


def reading_note(name: str, reader, read: int, of: int, speaker: str) -> str:
    """What a MiniLM reader read per run, or that there is none."""
    if reader is None:
        return f"no {name}"
    return (f"{name} ({'bfloat16' if reader.bf16 else 'float32'}) read {read} of {of} "
            f"{speaker} turns per run")


def main() -> None:
    configure_runtime()
    rows: list[tuple[str, int, float, float]] = []
    source = FileSource(SAMPLE_INPUT)
    transcripts = timed("read sample (all nights)", 857,
                        lambda: [t for b in source.iter_batches(500) for t in b.transcripts], rows)
    n_turns = sum(len(t.turns) for t in transcripts)
    rules = CallAnalyzer()
    timed("detection, v1 rules (turns)", n_turns, lambda: rules.analyze(transcripts), rows,
          repeats=REPEATS)
    detectors = load_detectors()
    alone = CallAnalyzer(detectors=replace(detectors, pain_teacher=None))
    alone.analyze(transcripts[:4])  # warm the encoder outside the timing
    timed("detection, fast pain detector alone (turns)", n_turns,
          lambda: alone.analyze(transcripts), rows, repeats=REPEATS)
    student = pain_readers(teacher=False)
    fast = CallAnalyzer(detectors=replace(detectors, pain_teacher=student))
    _, student_read = timed_reading("detection, teacher off: pain student (turns)", n_turns,
                                    fast, transcripts, student, rows)
    analyzer = CallAnalyzer(detectors=detectors)
    analyzer.analyze(transcripts[:40])  # load the pain teacher outside the timing
    teacher = detectors.pain_teacher
    calls, read = timed_reading("detection, shipped models with the teacher (turns)", n_turns,
                                analyzer, transcripts, teacher, rows)
    counts = {who: sum(t.turn.speaker == who for c in calls for t in c.turns)
              for who in (CUSTOMER, AGENT)}
    notes = [f"pain student read {student_read} of {counts[CUSTOMER]} {CUSTOMER} turns per run"
             if student is not None else "no pain student",
             reading_note("pain teacher", teacher, read, counts[CUSTOMER], CUSTOMER)]
    reader = load_empathy_reader()
    if reader is not None:
        opt_in = CallAnalyzer(detectors=replace(detectors, empathy_reader=reader))
        opt_in.analyze(transcripts[:40])  # load the empathy reader outside the timing
        _, read = timed_reading("detection, + opt-in empathy reader (turns)", n_turns,
                                opt_in, transcripts, reader, rows)
        notes.append(reading_note("empathy reader", reader, read, counts[AGENT], AGENT))
    texts = [t.turn.text for c in calls for t in c.turns]
    redactor = Redactor(build_redaction_nlp())
    timed("redaction incl. NER (turns)", len(texts), lambda: redactor.redact_many(texts), rows)
    pattern_only = Redactor(None)
    timed("redaction patterns only (turns)", len(texts),
          lambda: pattern_only.redact_many(texts), rows)
    statements = [c.issue_statement for c in calls]
    embedder = build_embedder("minilm")
    static = build_embedder("static", static_model=load_issue_encoder)
    static.encode(statements[:8])
    timed("static embedding (statements)", len(statements), lambda: static.encode(statements),
          rows)
    embedder.encode(statements[:8])  # load the model outside the timing
    timed("MiniLM embedding (statements)", len(statements),
          lambda: embedder.encode(statements), rows)
    catalogue = IssueCatalogue(IssueCatalogueConfig(), embedder)
    timed("issue catalogue update incl. embedding", len(statements),
          lambda: catalogue.update(statements, date(2026, 11, 26)), rows)
    width = max(len(label) for label, *_ in rows) + 2
    print(f"{'stage':<{width}}{'items':>8}{'seconds':>10}{'items/s':>12}")
    for label, items, seconds, rate in rows:
        print(f"{label:<{width}}{items:>8}{seconds:>10.2f}{rate:>12.0f}")
    print("; ".join(notes))
    print(f"peak memory (RSS): {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()

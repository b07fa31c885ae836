"""A night's batches analysed into table rows: in this process, or in worker processes.

`batch_rows` is the work of one batch. A large night (at least `parallel_min_records`
records) is spread over `analysis_workers` processes, each building its own engine once
(`flows.engine.get_engine`, from the same environment); their results come back in batch
order, and each batch carries its own per-agent tally, which the night merges in that order.
So the tables are the same whatever the number of workers: only the wall time changes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from flows import records
from flows.engine import Engine, get_engine
from flows.records import AgentTally
from flows.runtime import configure_runtime
from flows.settings import Settings
from flows.sources import SourceBatch

Rows = dict[str, list[dict]]

#: Batches handed to each worker ahead of the one the night is waiting for: enough to keep
#: every worker busy, few enough that a night's batches are never all in memory at once.
AHEAD_PER_WORKER = 2


def batch_rows(engine: Engine, batch: SourceBatch) -> tuple[Rows, AgentTally]:
    """Analyse one batch of calls: its rows per table, and its calls' per-agent counts."""
    calls = engine.analyzer.analyze(batch.transcripts)
    tally = engine.new_tally()
    tally.add(calls)
    redact = engine.redactor.redact_many
    calls_rows = records.calls_rows(calls, redact)
    return {
        "calls": calls_rows,
        "turns": records.turns_rows(calls, redact),
        "pain_points": records.pain_points_rows(calls, redact),
        "recovery_moments": records.recovery_rows(calls, redact),
        "quarantine": records.quarantine_rows(batch.quarantined, redact),
        # Redacted: statements become the issues' example quotes.
        "_statements": [{"call_id": row["call_id"], "text": row["issue_statement"],
                         "language": row["language"]} for row in calls_rows],
    }, tally


def available_cores() -> int:
    """The cores this process may run on (a `taskset` counts), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def analysis_workers(settings: Settings, night_records: int) -> int:
    """How many processes analyse a night of `night_records` records (1: this one)."""
    if night_records < settings.parallel_min_records:
        return 1
    return settings.workers or available_cores()


def _analyse(batch: SourceBatch) -> tuple[Rows, AgentTally]:
    """A worker's task: the batch's rows, by the worker's own engine."""
    return batch_rows(get_engine(Settings()), batch)


class WorkerDied(RuntimeError):
    """An analysis worker process ended without an answer (killed, e.g. out of memory)."""


def analyse_in_workers(batches: Iterable[SourceBatch], workers: int,
                       work: Callable[[SourceBatch], tuple[Rows, AgentTally]] = _analyse
                       ) -> Iterator[tuple[SourceBatch, Rows, AgentTally]]:
    """(batch, rows, tally) per batch, in batch order, analysed by `workers` fresh processes
    (spawned: no model or thread state is copied from this one) running `work`. A worker's
    error is raised here, and a worker that dies raises `WorkerDied`; the batches not yet
    analysed are then dropped, and the night's tables are left as they were."""
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=configure_runtime)
    pending: deque = deque()
    try:
        for batch in batches:
            pending.append((batch, pool.submit(work, batch)))
            if len(pending) > workers * AHEAD_PER_WORKER:
                done, future = pending.popleft()
                yield done, *future.result()
        while pending:
            done, future = pending.popleft()
            yield done, *future.result()
    except BrokenProcessPool as error:
        raise WorkerDied(
            f"an analysis worker process died ({error}); each worker loads its own models: "
            "if memory ran out, set CALLINSIGHT_WORKERS to fewer workers (1: none) and run "
            "the night again") from error
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

"""Tests for the night's analysis in worker processes: when workers are used, that results
come back in batch order whatever order the workers finish in, and that a worker that dies
gives an operator a clear error."""

from __future__ import annotations

import os
import time

import pytest

from flows.analysis import WorkerDied, analyse_in_workers, analysis_workers, available_cores
from flows.records import AgentTally
from flows.settings import Settings
from flows.sources import SourceBatch


def slow_first(batch: SourceBatch) -> tuple[dict, AgentTally]:
    """A worker's work that finishes the earlier batches last."""
    index = batch.transcripts[0]
    time.sleep(0.05 * (6 - index))
    return {"index": [index]}, AgentTally()


def dies(batch: SourceBatch) -> tuple[dict, AgentTally]:
    """A worker killed while analysing (as the kernel does when memory runs out)."""
    os._exit(9)


def batches(n: int) -> list[SourceBatch]:
    return [SourceBatch(transcripts=[i], quarantined=[]) for i in range(n)]


def test_workers_are_used_only_for_large_nights():
    settings = Settings(workers=0, parallel_min_records=100)
    assert analysis_workers(settings, 99) == 1
    assert analysis_workers(settings, 100) == available_cores() >= 1
    assert analysis_workers(Settings(workers=3, parallel_min_records=1), 5) == 3
    assert analysis_workers(Settings(workers=1, parallel_min_records=1), 10**6) == 1


def test_results_come_back_in_batch_order():
    night = batches(6)
    got = list(analyse_in_workers(night, 2, work=slow_first))
    assert [batch for batch, _rows, _tally in got] == night
    assert [rows["index"] for _batch, rows, _tally in got] == [[i] for i in range(6)]


def test_a_dead_worker_gives_a_clear_error():
    with pytest.raises(WorkerDied, match="CALLINSIGHT_WORKERS"):
        list(analyse_in_workers(batches(3), 2, work=dies))

"""The nightly Prefect flow `transcript-insights`: pull -> analyse in batches -> cluster -> write.

Tasks are thin adapters around `nlp/` and the writers in `flows/`. Transcripts stream through
in batches; per batch, the turns, recoveries and quarantine rows go straight to staged Parquet
parts, the calls and pain points too (with issue ids filled in once the night's issues are
clustered). Every table's partition is swapped in at the end, so a failed run leaves the
previous night's tables untouched.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import state
from flows.analysis import Rows, analyse_in_workers, analysis_workers, batch_rows
from flows.engine import Engine, get_engine
from flows.records import AgentTally
from flows.settings import Settings
from flows.sources import FileSource, SourceBatch, SourceError
from flows.summaries import write_summaries
from flows.tables import PartitionWriter, clean_stale_staging, write_partition

STAGED = ("calls", "turns", "pain_points", "recovery_moments", "quarantine")


@dataclass
class NightResult:
    """What a run did: the run date, the row count of every table, the summaries written."""

    run_date: date
    rows: dict[str, int]
    summaries: list[Path]


@task(retries=3, retry_delay_seconds=[2, 10, 30], cache_policy=NO_CACHE)
def open_source(input_path: Path, run_date: date | None) -> FileSource:
    """Check the input and list its files (I/O: retried)."""
    source = FileSource(input_path, run_date)
    source.list_files()
    return source


@task(cache_policy=NO_CACHE)
def analyse_batch(engine: Engine, batch: SourceBatch) -> tuple[Rows, AgentTally]:
    """Analyse one batch in this process (`batch_rows`; pure work, no retries)."""
    return batch_rows(engine, batch)


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def write_batch(writers: dict[str, PartitionWriter], rows: dict[str, list[dict]]) -> None:
    """Stage one batch's rows as Parquet parts (I/O: retried)."""
    for name, writer in writers.items():
        if rows[name]:
            writer.write_rows(rows[name])


@task(cache_policy=NO_CACHE)
def cluster_issues(engine: Engine, out: Path, statements: list[dict], run_date: date
                   ) -> tuple[dict[str, tuple], list[dict], list[dict]]:
    """Assign each call's issue statement to the issue catalogue, persisted under OUT/_state.

    Returns the call id -> (issue id, similarity, match kind) map, `issue_daily` and `issues`.
    """
    catalogue = state.load_catalogue(out, run_date, engine.catalogue_config, engine.embedder,
                                     engine.phrase_nlp, engine.router)
    night = catalogue.assign_night([s["text"] for s in statements], run_date,
                                   [s.get("language") for s in statements])
    state.save_catalogue(out, run_date, catalogue)
    similarity = [None if np.isnan(v) else float(v) for v in night.similarity.tolist()]
    assignment = {s["call_id"]: (int(i), v, m or None) for s, i, v, m in zip(
        statements, night.issue_ids.tolist(), similarity, night.match.tolist(), strict=True)}
    issues = catalogue.issue_rows()
    labels = {row["issue_id"]: row["label"] for row in issues}
    daily = [dict(row, label=labels.get(row["issue_id"])) for row in catalogue.daily_rows(run_date)]
    return assignment, daily, issues


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def publish_tables(out: Path, writers: dict[str, PartitionWriter],
                   assignment: dict[str, tuple], tables: dict[str, list[dict]], run_date: date,
                   run_id: str) -> dict[str, int]:
    """Fill in issue ids, then swap every table's partition in (I/O: retried)."""
    for name, columns in _ISSUE_COLUMNS.items():
        writers[name].rewrite_parts(lambda t, c=columns: _with_issues(t, c, assignment))
    counts = {}
    for name, writer in writers.items():
        counts[name] = writer.rows
        writer.publish(run_date)
    for name, rows in tables.items():
        write_partition(out, name, run_date, rows, run_id)
        counts[name] = len(rows)
    return counts


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def summarise(out: Path, run_date: date, run_id: str) -> list[Path]:
    """Write the team-lead summaries of the night (I/O: retried)."""
    return write_summaries(out, run_date, run_id)


#: The columns clustering fills in, per table: column -> its place in a call's assignment
#: (issue id, similarity, match kind; `cluster_issues`).
_ISSUE_COLUMNS = {"calls": {"primary_issue_id": 0, "issue_similarity": 1, "issue_match": 2},
                  "pain_points": {"issue_id": 0}}
_UNASSIGNED = (-1, None, None)


def _with_issues(table: pa.Table, columns: dict[str, int], assignment: dict[str, tuple]
                 ) -> pa.Table:
    calls = [assignment.get(c, _UNASSIGNED) for c in table["call_id"].to_pylist()]
    for column, position in columns.items():
        index = table.schema.get_field_index(column)
        field = table.schema.field(index)
        table = table.set_column(index, field, pa.array([a[position] for a in calls], field.type))
    return table


def _night_date(dates: Counter[date]) -> date:
    """The calls' own date (the most common one), else today (UTC)."""
    if not dates:
        return datetime.now(UTC).date()
    return min(dates.items(), key=lambda kv: (-kv[1], kv[0]))[0]


@flow(name="transcript-insights", log_prints=False)
def transcript_insights(input_path: Path, output: Path, run_date: date | None = None,
                        batch_size: int | None = None) -> NightResult:
    """Analyse one night of transcripts and write the insight tables and summaries.

    Args:
        input_path: a file or a folder of transcripts (see CONTRACT §1).
        output: the output root OUT.
        run_date: the night; default: the calls' own (most common) date, else today.
        batch_size: calls per batch (default from settings).
    """
    log = get_run_logger()
    settings = Settings()
    batch_size = batch_size or settings.batch_size
    source = open_source(Path(input_path), run_date)
    total = source.count_records()
    engine = get_engine(settings)
    engine.reset_night()
    out, run_id = Path(output), uuid.uuid4().hex[:12]
    clean_stale_staging(out)
    writers = {name: PartitionWriter(out, name, run_id) for name in STAGED}
    statements: list[dict] = []
    dates: Counter[date] = Counter()
    done = 0
    workers = analysis_workers(settings, total)
    if workers > 1:
        log.info("analysing %d records in %d worker processes", total, workers)
        analysed = analyse_in_workers(source.iter_batches(batch_size), workers)
    else:
        analysed = ((batch, *analyse_batch(engine, batch))
                    for batch in source.iter_batches(batch_size))
    for batch, rows, tally in analysed:
        engine.tally.merge(tally)
        write_batch(writers, rows)
        statements += rows["_statements"]
        dates.update(t.started_at.date() for t in batch.transcripts if t.started_at)
        done += len(batch.transcripts) + len(batch.quarantined)
        log.info("records done: %d / %d (%d quarantined so far)", done, total,
                 writers["quarantine"].rows)
    night = run_date or _night_date(dates)
    assignment, daily, issues = cluster_issues(engine, out, statements, night)
    tables = {"issue_daily": daily, "issues": issues, "agent_daily": engine.tally.rows()}
    counts = publish_tables(out, writers, assignment, tables, night, run_id)
    summaries = summarise(out, night, run_id)
    log.info("night %s written to %s: %s", night, out, counts)
    return NightResult(night, counts, summaries)


__all__ = ["NightResult", "SourceError", "transcript_insights"]

"""Arrow schemas of the output tables (the analyst contract) and the only Parquet writer.

Every table is a hive-partitioned dataset `OUT/<table>/run_date=YYYY-MM-DD/part-*.parquet`.
A night is written in two steps: parts go to a staging folder beside the partition, then
`publish_partition` swaps the whole folder in with renames, so readers never see a mixture of
old and new files.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1.2"
_META = {b"callinsight.schema_version": SCHEMA_VERSION.encode()}


def _schema(*fields: pa.Field) -> pa.Schema:
    return pa.schema(list(fields), metadata=_META)


F = pa.field
TS = pa.timestamp("us", tz="UTC")

SCHEMAS: dict[str, pa.Schema] = {
    "calls": _schema(
        F("call_id", pa.string(), False), F("started_at", TS), F("language", pa.string()),
        F("channel", pa.string()), F("agent_id", pa.string()), F("team", pa.string(), False),
        F("n_turns", pa.int32(), False), F("customer_sentiment_start", pa.float32()),
        F("customer_sentiment_end", pa.float32()), F("sentiment_trend", pa.float32()),
        F("pain_point_count", pa.int32(), False), F("primary_issue_id", pa.int64(), False),
        F("recovered", pa.bool_(), False), F("issue_statement", pa.string()),
        F("metadata", pa.string()), F("issue_similarity", pa.float32()),
        F("issue_match", pa.string()),
    ),
    "turns": _schema(
        F("call_id", pa.string(), False), F("turn_index", pa.int32(), False),
        F("speaker", pa.string(), False), F("text", pa.string(), False),
        F("sentiment", pa.float32(), False), F("is_pain_point", pa.bool_(), False),
        F("pain_category", pa.string()), F("empathy_score", pa.float32()),
        F("empathy_markers", pa.list_(pa.string())), F("empathy_reaction", pa.float32()),
        F("empathy_interpretation", pa.float32()), F("raw_speaker", pa.string()),
        F("start_s", pa.float64()), F("end_s", pa.float64()),
    ),
    "pain_points": _schema(
        F("call_id", pa.string(), False), F("turn_index", pa.int32(), False),
        F("category", pa.string(), False), F("severity", pa.float32(), False),
        F("quote", pa.string(), False), F("char_start", pa.int32(), False),
        F("char_end", pa.int32(), False), F("issue_id", pa.int64(), False),
        F("team", pa.string()),
    ),
    "recovery_moments": _schema(
        F("call_id", pa.string(), False), F("agent_id", pa.string()),
        F("team", pa.string(), False), F("turn_index", pa.int32(), False),
        F("quote", pa.string(), False), F("sentiment_before", pa.float32(), False),
        F("sentiment_after", pa.float32(), False), F("score", pa.float32(), False),
    ),
    "issues": _schema(
        F("issue_id", pa.int64(), False), F("label", pa.string(), False),
        F("keywords", pa.list_(pa.string()), False),
        F("example_quotes", pa.list_(pa.string()), False),
        F("first_seen", pa.date32(), False), F("last_seen", pa.date32(), False),
        F("calls_total", pa.int64(), False),
    ),
    "issue_daily": _schema(
        F("issue_id", pa.int64(), False), F("calls", pa.int64(), False),
        F("share", pa.float64(), False), F("baseline", pa.float64(), False),
        F("change", pa.float64(), False), F("is_new", pa.bool_(), False),
        F("is_growing", pa.bool_(), False), F("label", pa.string()),
        F("growth_p_value", pa.float64()),
    ),
    "agent_daily": _schema(
        F("agent_id", pa.string(), False), F("team", pa.string(), False),
        F("calls", pa.int64(), False), F("hard_calls", pa.int64(), False),
        F("recoveries", pa.int64(), False), F("mean_empathy", pa.float32()),
        F("mean_reaction", pa.float32()), F("mean_interpretation", pa.float32()),
    ),
    "quarantine": _schema(
        F("source", pa.string(), False), F("call_id", pa.string()),
        F("reason", pa.string(), False), F("excerpt", pa.string(), False),
    ),
}
TABLES = tuple(SCHEMAS)


class SchemaMismatch(ValueError):
    """A table handed to the writer does not match its declared schema."""


def to_table(name: str, rows: list[dict]) -> pa.Table:
    """Build an Arrow table from row dicts, refusing rows that do not fit the schema."""
    schema = SCHEMAS[name]
    extra = {k for row in rows for k in row} - set(schema.names)
    if extra:
        raise SchemaMismatch(f"{name}: columns not in the schema: {sorted(extra)}")
    try:
        table = pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise SchemaMismatch(f"{name}: rows do not match the schema: {e}") from e
    # Arrow does not enforce `nullable=False` on construction: check it here.
    nulls = [f.name for f in schema if not f.nullable and table[f.name].null_count]
    if nulls:
        raise SchemaMismatch(f"{name}: nulls in non-nullable columns {nulls}")
    return table


def partition_dir(out: Path, name: str, run_date: date) -> Path:
    """The folder of one night's partition of one table."""
    return out / name / f"run_date={run_date.isoformat()}"


class PartitionWriter:
    """Writes one night's parts of one table into a staging folder, then publishes them."""

    def __init__(self, out: Path, name: str, run_id: str) -> None:
        self.out = out
        self.name = name
        self.staging = out / name / f".staging-{run_id}"
        self.staging.mkdir(parents=True, exist_ok=True)
        self.parts = 0
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        """Write one part; the table must match the declared schema exactly."""
        if not table.schema.equals(SCHEMAS[self.name], check_metadata=False):
            raise SchemaMismatch(f"{self.name}: got schema {table.schema}")
        path = self.staging / f"part-{self.parts:05d}.parquet"
        pq.write_table(table.replace_schema_metadata(SCHEMAS[self.name].metadata), path,
                       compression="zstd")
        self.parts += 1
        self.rows += table.num_rows

    def write_rows(self, rows: list[dict]) -> None:
        """Write one part from row dicts (an empty list still yields an empty part once)."""
        if rows or self.parts == 0:
            self.write(to_table(self.name, rows))

    def rewrite_parts(self, transform: Callable[[pa.Table], pa.Table]) -> None:
        """Rewrite every staged part through `transform` (e.g. to fill in issue ids)."""
        for path in sorted(self.staging.glob("part-*.parquet")):
            table = transform(pq.read_table(path, schema=SCHEMAS[self.name]))
            if not table.schema.equals(SCHEMAS[self.name], check_metadata=False):
                raise SchemaMismatch(f"{self.name}: transform changed the schema")
            pq.write_table(table.replace_schema_metadata(SCHEMAS[self.name].metadata), path,
                           compression="zstd")

    def publish(self, run_date: date) -> Path:
        """Swap the staged folder in place of the night's partition."""
        if self.parts == 0:
            self.write_rows([])
        final = partition_dir(self.out, self.name, run_date)
        publish_partition(self.staging, final)
        return final


def publish_partition(staging: Path, final: Path) -> None:
    """Replace `final` by `staging` with two renames (each atomic on one file system)."""
    old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
    if final.exists():
        final.rename(old)
    staging.rename(final)
    if old.exists():
        shutil.rmtree(old)


def write_partition(out: Path, name: str, run_date: date, rows: Iterable[dict],
                    run_id: str) -> Path:
    """Write and publish one night's partition of a small table in one part."""
    writer = PartitionWriter(out, name, run_id)
    writer.write_rows(list(rows))
    return writer.publish(run_date)


def read_partition(out: Path, name: str, run_date: date) -> pa.Table:
    """Read one night's partition back (all parts, in part order)."""
    files = sorted(partition_dir(out, name, run_date).glob("part-*.parquet"))
    tables = [pq.read_table(f, schema=SCHEMAS[name]) for f in files]
    return pa.concat_tables(tables) if tables else SCHEMAS[name].empty_table()


def clean_stale_staging(out: Path) -> None:
    """Remove staging and old folders left by a crashed run (never visible to readers)."""
    for name in TABLES + ("summaries",):
        for pattern in (".staging-*", ".old-*"):
            for stale in (out / name).glob(pattern):  # nothing when the folder is absent
                shutil.rmtree(stale, ignore_errors=True)

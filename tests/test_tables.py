"""The Parquet writer: declared schemas enforced, partitions replaced whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.tables import (
    SCHEMAS,
    PartitionWriter,
    SchemaMismatch,
    partition_dir,
    read_partition,
    to_table,
    write_partition,
)

NIGHT = date(2026, 11, 26)
ROW = {"source": "in.jsonl:3", "call_id": None, "reason": "invalid JSON", "excerpt": "{"}


def test_tables_refuse_unknown_columns():
    with pytest.raises(SchemaMismatch, match="not in the schema"):
        to_table("quarantine", [dict(ROW, extra=1)])


def test_tables_refuse_wrong_types():
    with pytest.raises(SchemaMismatch):
        to_table("quarantine", [dict(ROW, reason=None)])  # reason is not nullable


def test_tables_rerun_replaces_the_partition(tmp_path: Path):
    write_partition(tmp_path, "quarantine", NIGHT, [ROW, ROW], "run1")
    write_partition(tmp_path, "quarantine", NIGHT, [ROW], "run2")
    assert read_partition(tmp_path, "quarantine", NIGHT).num_rows == 1
    assert len(list(partition_dir(tmp_path, "quarantine", NIGHT).glob("*.parquet"))) == 1
    assert not list((tmp_path / "quarantine").glob(".*"))


def test_tables_writer_stages_until_published(tmp_path: Path):
    writer = PartitionWriter(tmp_path, "quarantine", "r1")
    writer.write_rows([ROW])
    assert not partition_dir(tmp_path, "quarantine", NIGHT).exists()
    writer.publish(NIGHT)
    files = list(partition_dir(tmp_path, "quarantine", NIGHT).glob("*.parquet"))
    assert len(files) == 1
    assert pq.read_schema(files[0]).metadata[b"callinsight.schema_version"] == b"1.2"


def test_tables_empty_night_still_has_a_typed_partition(tmp_path: Path):
    write_partition(tmp_path, "recovery_moments", NIGHT, [], "r1")
    table = read_partition(tmp_path, "recovery_moments", NIGHT)
    assert table.num_rows == 0
    assert table.schema.remove_metadata().equals(SCHEMAS["recovery_moments"].remove_metadata())


def test_tables_rewrite_keeps_schema(tmp_path: Path):
    writer = PartitionWriter(tmp_path, "quarantine", "r1")
    writer.write_rows([ROW])
    with pytest.raises(SchemaMismatch):
        writer.rewrite_parts(lambda t: t.drop_columns(["excerpt"]))

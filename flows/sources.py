"""Transcript sources: read a night's calls in batches, quarantining what cannot be used.

Every source sits behind :class:`TranscriptSource` and yields :class:`SourceBatch` objects.
:class:`FileSource` reads the input formats of CONTRACT §1 (JSON Lines, gzipped JSON Lines,
JSON lists, CSV/Parquet turn tables, plain-text transcripts) one file at a time, so a night
never has to fit in memory. Every non-blank input record ends up either as a
:class:`~nlp.schema.Transcript` or as a :class:`~nlp.schema.QuarantineRecord` with a reason.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from flows.readers import csv_delimiter, read_file
from flows.validation import Reason, Record, count_quarantine_reasons, parse_call
from nlp.schema import QuarantineRecord, Transcript

logger = logging.getLogger(__name__)

__all__ = [
    "FileSource", "Reason", "SourceBatch", "SourceError", "TranscriptSource",
    "count_quarantine_reasons", "parse_call",
]


class SourceError(Exception):
    """The source as a whole cannot be read (e.g. its path does not exist)."""


@dataclass(frozen=True, slots=True)
class SourceBatch:
    """A slice of the night: usable transcripts plus the records rejected on the way."""

    transcripts: list[Transcript]
    quarantined: list[QuarantineRecord]


@runtime_checkable
class TranscriptSource(Protocol):
    """Anything that can stream a night's transcripts in batches."""

    def iter_batches(self, batch_size: int) -> Iterator[SourceBatch]:
        """Yield batches holding at most `batch_size` transcripts each."""
        ...

    def describe(self) -> str:
        """A short human description, for logs and run summaries."""
        ...


def _is_hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _visible_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not _is_hidden(p.relative_to(root)))


def _date_roots(root: Path, day: date) -> list[Path]:
    """The shallowest `YYYY-MM-DD/` or `date=YYYY-MM-DD/` folders under root, else root."""
    names = {day.isoformat(), f"date={day.isoformat()}"}
    matches = [
        d
        for d in root.rglob("*")
        if d.name in names and d.is_dir() and not _is_hidden(d.relative_to(root))
    ]
    if not matches:
        return [root]
    depth = min(len(d.parts) for d in matches)
    return sorted(d for d in matches if len(d.parts) == depth)


class FileSource:
    """Transcripts from a file or a directory tree (CONTRACT §1), read lazily.

    Args:
        path: A file, or a directory read recursively in sorted order (hidden files skipped).
        run_date: When the directory holds a folder named after this date
            (`2026-11-26/` or `date=2026-11-26/`), only that folder is read.

    Raises:
        SourceError: If `path` does not exist.
    """

    def __init__(self, path: Path, run_date: date | None = None) -> None:
        self.path = Path(path)
        self.run_date = run_date
        if not self.path.exists():
            raise SourceError(f"input path does not exist: {self.path}")

    def describe(self) -> str:
        """Say what is read, e.g. `files under /data/in (date folder 2026-11-26 if present)`."""
        if self.path.is_file():
            return f"file {self.path}"
        day = f" (date folder {self.run_date.isoformat()} if present)" if self.run_date else ""
        return f"files under {self.path}{day}"

    def list_files(self) -> list[Path]:
        """The files this source reads, in reading order."""
        if self.path.is_file():
            return [self.path]
        roots = _date_roots(self.path, self.run_date) if self.run_date else [self.path]
        return [path for root in roots for path in _visible_files(root)]

    def iter_batches(self, batch_size: int) -> Iterator[SourceBatch]:
        """Yield batches of at most `batch_size` transcripts (and quarantined records).

        Raises:
            ValueError: If `batch_size` is smaller than 1.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        transcripts: list[Transcript] = []
        quarantined: list[QuarantineRecord] = []
        n_calls = n_rejected = 0
        for record in self._iter_records():
            if isinstance(record, Transcript):
                transcripts.append(record)
                n_calls += 1
            else:
                quarantined.append(record)
                n_rejected += 1
            if len(transcripts) >= batch_size or len(quarantined) >= batch_size:
                yield SourceBatch(transcripts, quarantined)
                transcripts, quarantined = [], []
        if transcripts or quarantined:
            yield SourceBatch(transcripts, quarantined)
        logger.info("%s: %d calls read, %d quarantined", self.describe(), n_calls, n_rejected)

    def count_records(self) -> int:
        """Count the input records cheaply (lines, list items, distinct call ids), for progress."""
        return sum(_count_file_records(path) for path in self.list_files())

    def _iter_records(self) -> Iterator[Record]:
        seen: set[str] = set()  # call ids of the whole run, for duplicate detection
        for path in self.list_files():
            logger.debug("reading %s", path)
            yield from read_file(path, seen)


def _count_file_records(path: Path) -> int:
    """How many records a file holds, without validating them (1 when unknown)."""
    name = path.name.lower()
    try:
        if name.endswith(".jsonl.gz"):
            with gzip.open(path, "rb") as handle:
                return sum(1 for line in handle if line.strip())
        if name.endswith(".jsonl"):
            with path.open("rb") as handle:
                return sum(1 for line in handle if line.strip())
        if name.endswith(".csv"):
            with path.open(encoding="utf-8-sig", errors="replace") as handle:
                delimiter = csv_delimiter(handle.readline())
            column = pa_csv.read_csv(
                path, parse_options=pa_csv.ParseOptions(delimiter=delimiter),
                convert_options=pa_csv.ConvertOptions(
                    include_columns=["call_id"], column_types={"call_id": "string"}))["call_id"]
            return len(column.unique())
        if name.endswith(".parquet"):
            return len(pq.read_table(path, columns=["call_id"])["call_id"].unique())
    except (OSError, EOFError, ValueError, KeyError, zlib.error, pa.ArrowException):
        return 1
    return 1

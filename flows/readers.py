"""Per-format readers of CONTRACT §1 (validation of one record: `flows.validation`).

Each reader yields, per input record, either a `Transcript` or a `QuarantineRecord` with the
reason; `flows.sources.FileSource` walks the files and batches what the readers yield.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from flows.diarised import (
    ANONYMOUS_SPEAKER,
    anonymous_speakers,
    clock_seconds,
    vtt_call,
    with_inferred_roles,
)
from flows.validation import (
    EXCERPT_CHARS,
    InvalidRecord,
    Reason,
    Record,
    claim_call_id,
    decode_bytes,
    dump_excerpt,
    lossy_excerpt,
    parse_call,
    quarantine_record,
)
from flows.vendors import vendor_call

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- readers


def _read_jsonl(path: Path, seen: set[str]) -> Iterator[Record]:
    """Stream a `.jsonl` or `.jsonl.gz` file line by line; blank lines are not records."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    line_no = 0
    try:
        with opener(path, "rb") as handle:
            for line_no, raw in enumerate(handle, start=1):
                record = _parse_jsonl_line(raw, f"{path}:{line_no}", seen)
                if record is not None:
                    yield record
    except (OSError, EOFError, zlib.error) as e:
        # A truncated or corrupt file: what was read stays, the rest is flagged once.
        yield quarantine_record(f"{path}:{line_no + 1}", Reason.UNREADABLE_FILE, "", detail=str(e))


def _parse_jsonl_line(raw: bytes, source: str, seen: set[str]) -> Record | None:
    text = decode_bytes(raw)
    if text is None:
        return quarantine_record(source, Reason.UNKNOWN_ENCODING, lossy_excerpt(raw))
    if not text.strip():
        return None
    excerpt = text.strip()[:EXCERPT_CHARS]
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as e:
        return quarantine_record(source, Reason.INVALID_JSON, excerpt, detail=str(e)[:120])
    return claim_call_id(parse_call(obj, source, excerpt), seen, excerpt)


def _read_json(path: Path, raw: bytes, seen: set[str]) -> Iterator[Record]:
    """A `.json` file holding a list of calls (a single call object is accepted too), or a
    contact-centre platform's transcript (`flows.vendors`)."""
    text = decode_bytes(raw)
    if text is None:
        yield quarantine_record(str(path), Reason.UNKNOWN_ENCODING, lossy_excerpt(raw))
        return
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        yield quarantine_record(str(path), Reason.INVALID_JSON, text, detail=str(e)[:120])
        return
    stem = path.name[: -len(".json")]
    for item_no, obj in enumerate(data if isinstance(data, list) else [data], start=1):
        excerpt = dump_excerpt(obj)
        try:
            call = vendor_call(obj, stem if isinstance(data, dict) else f"{stem}-{item_no}")
        except InvalidRecord as e:
            yield quarantine_record(f"{path}:{item_no}", e.reason, excerpt)
            continue
        yield claim_call_id(parse_call(obj if call is None else call, f"{path}:{item_no}",
                                       excerpt), seen, excerpt)


def _read_cues(path: Path, raw: bytes, seen: set[str]) -> Iterator[Record]:
    """One call per WebVTT (`.vtt`) or SubRip (`.srt`) file, speakers by name
    (`flows.diarised`); call_id is the file name without its suffix."""
    text = decode_bytes(raw)
    if text is None:
        yield quarantine_record(str(path), Reason.UNKNOWN_ENCODING, lossy_excerpt(raw))
        return
    call_id, excerpt = path.name[: -len(path.suffix)], text.strip()
    if path.suffix.lower() == ".vtt" and not excerpt.lstrip("\ufeff").startswith("WEBVTT"):
        yield quarantine_record(str(path), Reason.UNSUPPORTED_FILE_TYPE, excerpt,
                                call_id=call_id, detail="no WEBVTT header")
        return
    try:
        call = vtt_call(text, call_id)
    except InvalidRecord as e:
        yield quarantine_record(str(path), e.reason, excerpt, call_id=call_id)
        return
    yield claim_call_id(parse_call(with_inferred_roles(call), str(path), excerpt), seen,
                        excerpt)


# Speaker labels are one word (`Agent:`, `IVR:`), or a diarisation tool's anonymous label
# (`Speaker 1:`, `[SPEAKER_00]:`); `https://` is not a speaker. A time stamp may come first,
# as many transcript exports write it: `[00:01:05] Agent: ...`, `01:05 Agent: ...`; it
# becomes the turn's `start_s`.
_SPEAKER_LINE = re.compile(
    r"^(?:\[?(?P<time>\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?)\]?[ \t]+)?"
    rf"(?P<speaker>(?i:{ANONYMOUS_SPEAKER.pattern})|[A-Za-z][\w.\-]{{0,31}})"
    r"[ \t]*:(?!//)(?P<text>.*)$")


def _read_txt(path: Path, raw: bytes, seen: set[str]) -> Iterator[Record]:
    """One call per file, `Speaker: text` lines; call_id is the file name without `.txt`."""
    text = decode_bytes(raw)
    if text is None:
        yield quarantine_record(str(path), Reason.UNKNOWN_ENCODING, lossy_excerpt(raw))
        return
    call_id, excerpt = path.name[: -len(".txt")], text.strip()
    try:
        turns = _split_speaker_lines(text)
    except InvalidRecord as e:
        yield quarantine_record(str(path), e.reason, excerpt, call_id=call_id)
        return
    if not turns:
        yield quarantine_record(str(path), Reason.EMPTY_CALL, excerpt, call_id=call_id)
        return
    call = {"call_id": call_id, "turns": turns}
    if anonymous_speakers(turns):  # a diarisation tool's labels: infer who is the agent
        call = with_inferred_roles(call)
    yield claim_call_id(parse_call(call, str(path), excerpt), seen, excerpt)


def _split_speaker_lines(text: str) -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = []
    for line_no, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        match = _SPEAKER_LINE.match(line)
        if match:
            turn: dict[str, Any] = {"speaker": match["speaker"], "text": match["text"].strip()}
            if match["time"]:
                turn["start_s"] = clock_seconds(match["time"])
            turns.append(turn)
        elif turns:  # a line without a prefix continues the previous turn
            turns[-1]["text"] = f"{turns[-1]['text']}\n{line}".strip()
        else:
            raise InvalidRecord(Reason.BAD_TURN, f"line {line_no} has no 'Speaker:' prefix")
    return turns


_REQUIRED_COLUMNS = ("call_id", "speaker", "text")
_CALL_COLUMNS = ("started_at", "agent_id", "team", "language", "channel")
_COLUMN_TYPES: dict[str, pa.DataType] = {
    "call_id": pa.string(), "speaker": pa.string(), "text": pa.string(),
    "turn_index": pa.int64(), "start_s": pa.float64(), "end_s": pa.float64(),
    "agent_id": pa.string(), "team": pa.string(), "language": pa.string(),
    "channel": pa.string(),
}  # fmt: skip
# Numbers are read per row (`_turn_index`, `flows.validation`'s seconds): one bad cell
# quarantines its call, not the whole table.
_ROW_PARSED = ("turn_index", "start_s", "end_s")
_CSV_TYPES = {**_COLUMN_TYPES, "started_at": pa.string(),
              **{name: pa.string() for name in _ROW_PARSED}}


def csv_delimiter(text: str) -> str:
    """`,`, unless the header line has none but a `;` or a tab: spreadsheets set to a
    language that writes decimal commas export `call_id;speaker;text`."""
    header = text.split("\n", 1)[0]
    if "," in header:
        return ","
    return next((d for d in (";", "\t") if d in header), ",")


def _read_csv(path: Path, raw: bytes, seen: set[str]) -> Iterator[Record]:
    """A CSV turn table; ids and texts are read as strings so `007` stays `007`."""
    text = decode_bytes(raw)
    if text is None:
        yield quarantine_record(str(path), Reason.UNKNOWN_ENCODING, lossy_excerpt(raw))
        return
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(text.encode("utf-8")),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True,
                                              delimiter=csv_delimiter(text)),
            convert_options=pa_csv.ConvertOptions(column_types=_CSV_TYPES),
        )
    except pa.ArrowException as e:
        yield quarantine_record(str(path), Reason.UNREADABLE_FILE, text, detail=str(e)[:120])
        return
    yield from _read_turn_table(path, table, seen)


def _read_parquet(path: Path, raw: bytes, seen: set[str]) -> Iterator[Record]:
    """A Parquet turn table."""
    try:
        table = pq.read_table(pa.BufferReader(raw))
    except (pa.ArrowException, OSError) as e:
        yield quarantine_record(str(path), Reason.UNREADABLE_FILE, "", detail=str(e)[:120])
        return
    yield from _read_turn_table(path, table, seen)


def _read_turn_table(path: Path, table: pa.Table, seen: set[str]) -> Iterator[Record]:
    """Group a turn table's rows into calls (first-appearance order) and validate each."""
    header = ", ".join(table.column_names)
    missing = [name for name in _REQUIRED_COLUMNS if name not in table.column_names]
    if missing:
        yield quarantine_record(str(path), Reason.MISSING_COLUMNS, header,
                                detail=", ".join(missing))
        return
    try:
        rows = _cast_columns(table).to_pylist()
    except pa.ArrowException as e:
        yield quarantine_record(str(path), Reason.UNREADABLE_FILE, header, detail=str(e)[:120])
        return
    for row_no, members in _group_rows(rows):
        source = f"{path}:{row_no}"
        try:
            call = _call_from_rows(members)
        except InvalidRecord as e:
            raw = {"call_id": members[0][1]["call_id"], "turns": [row for _, row in members]}
            yield quarantine_record(source, e.reason, dump_excerpt(raw),
                                    call_id=raw["call_id"] or None)
            continue
        excerpt = dump_excerpt(call)
        yield claim_call_id(parse_call(call, source, excerpt), seen, excerpt)


def _cast_columns(table: pa.Table) -> pa.Table:
    known = ("turn_index", *_REQUIRED_COLUMNS, *_CALL_COLUMNS, "start_s", "end_s")
    table = table.select([name for name in known if name in table.column_names])
    for name, target in _COLUMN_TYPES.items():
        if name in _ROW_PARSED:
            continue
        if name in table.column_names and table.schema.field(name).type != target:
            position = table.schema.get_field_index(name)
            table = table.set_column(position, name, table[name].cast(target))
    return table


def _group_rows(rows: list[dict[str, Any]]
                ) -> Iterator[tuple[int, list[tuple[int, dict[str, Any]]]]]:
    """Yield `(first row number, [(row number, row), ...])` per call, in first-appearance
    order; rows without a call_id stay on their own."""
    groups: dict[Any, list[tuple[int, dict[str, Any]]]] = {}
    for row_no, row in enumerate(rows, start=1):
        call_id = row["call_id"]
        key = call_id if call_id is not None and call_id.strip() else ("row", row_no)
        groups.setdefault(key, []).append((row_no, row))
    for members in groups.values():
        yield members[0][0], members


def _turn_index(value: Any, row_no: int) -> int | None:
    """A row's `turn_index` as an integer (`3`, `"3"`, `3.0`), None when absent (empty, or a
    float NaN, as some data frame libraries write a missing number).

    Raises:
        InvalidRecord: When it is there but no whole number.
    """
    if (value is None or (isinstance(value, str) and not value.strip())
            or (isinstance(value, float) and math.isnan(value))):
        return None
    number: Any = value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                number = float(value)  # "3.0"
            except ValueError:
                number = None
    if isinstance(number, int) and not isinstance(number, bool):
        return number
    if isinstance(number, float) and number.is_integer():
        return int(number)
    raise InvalidRecord(Reason.BAD_TURN, f"row {row_no} has bad turn_index {value!r}"[:80])


def _call_from_rows(members: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """One call object from its rows, in spoken order (`turn_index`, else row order).

    Raises:
        InvalidRecord: When a row's `turn_index` is no whole number.
    """
    indices = {row_no: _turn_index(row.get("turn_index"), row_no) for row_no, row in members}

    def spoken_order(member: tuple[int, dict[str, Any]]) -> tuple[bool, int, int]:
        turn_index = indices[member[0]]
        return turn_index is None, turn_index or 0, member[0]

    rows = [row for _, row in sorted(members, key=spoken_order)]
    call: dict[str, Any] = {"call_id": rows[0]["call_id"]}
    for name in _CALL_COLUMNS:  # call-level values may be repeated or only on some rows
        call[name] = next((row[name] for row in rows if row.get(name) not in (None, "")), None)
    call["turns"] = [
        {"speaker": row.get("speaker"), "text": row.get("text"),
         **{key: _blank_is_none(row.get(key)) for key in ("start_s", "end_s")}}
        for row in rows
    ]
    return call


def _blank_is_none(value: Any) -> Any:
    """An empty CSV cell (read as text) is an absent value."""
    return None if isinstance(value, str) and not value.strip() else value


# --------------------------------------------------------------------------- file source

_WHOLE_FILE_READERS = {
    ".json": _read_json,
    ".csv": _read_csv,
    ".parquet": _read_parquet,
    ".txt": _read_txt,
    ".vtt": _read_cues,
    ".srt": _read_cues,
}
_STREAMED_SUFFIXES = (".jsonl.gz", ".jsonl")


def read_file(path: Path, seen: set[str]) -> Iterator[Record]:
    """Dispatch on the file name; an unsupported file becomes one quarantine record."""
    name = path.name.lower()
    if name.endswith(_STREAMED_SUFFIXES):
        yield from _read_jsonl(path, seen)
        return
    suffix = next((s for s in _WHOLE_FILE_READERS if name.endswith(s)), None)
    try:
        raw = path.read_bytes() if suffix else _read_head(path)
    except OSError as e:
        yield quarantine_record(str(path), Reason.UNREADABLE_FILE, "", detail=str(e))
        return
    if suffix is None:
        yield quarantine_record(str(path), Reason.UNSUPPORTED_FILE_TYPE, lossy_excerpt(raw))
        return
    yield from _WHOLE_FILE_READERS[suffix](path, raw, seen)


def _read_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(EXCERPT_CHARS * 4)


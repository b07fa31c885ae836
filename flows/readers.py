"""Per-format readers of CONTRACT §1 and the validation of one call record.

Each reader yields, per input record, either a `Transcript` or a `QuarantineRecord` with the
reason; `flows.sources.FileSource` walks the files and batches what the readers yield.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from nlp.schema import DEFAULT_TEAM, QuarantineRecord, Transcript, Turn, normalise_speaker

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 200
Record = Transcript | QuarantineRecord


class Reason(StrEnum):
    """Quarantine reason categories; a record's reason is `<category>` or `<category>: <detail>`."""

    INVALID_JSON = "invalid JSON"
    NOT_AN_OBJECT = "not a JSON object"
    MISSING_CALL_ID = "missing call_id"
    MISSING_TURNS = "missing turns"
    TURNS_NOT_A_LIST = "turns is not a list"
    NO_TURNS = "no turns"
    BAD_TURN = "bad turn"
    EMPTY_CALL = "empty call"
    UNKNOWN_ENCODING = "unknown encoding"
    BAD_STARTED_AT = "bad started_at"
    DUPLICATE_CALL_ID = "duplicate call_id"
    UNSUPPORTED_FILE_TYPE = "unsupported file type"
    MISSING_COLUMNS = "missing columns"
    UNREADABLE_FILE = "unreadable file"


class _Invalid(Exception):
    """Internal: a record failed validation; carries the quarantine reason."""

    def __init__(self, reason: Reason, detail: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = str(self)


def count_quarantine_reasons(records: Iterable[QuarantineRecord]) -> Counter[str]:
    """Count quarantine records per reason category (the text before any `: detail`)."""
    return Counter(record.reason.split(":", 1)[0] for record in records)


# --------------------------------------------------------------------------- validation


def parse_call(obj: Any, source: str, excerpt: str) -> Record:
    """Validate one call object (CONTRACT §1) and map it to a Transcript.

    Args:
        obj: The decoded call, normally a dict.
        source: Where it came from, `path:line` or `path:row`.
        excerpt: The raw record text, kept (first 200 chars) when it is quarantined.

    Returns:
        The Transcript, or a QuarantineRecord saying why the call cannot be used.
    """
    call_id = None
    try:
        if not isinstance(obj, dict):
            raise _Invalid(Reason.NOT_AN_OBJECT, type(obj).__name__)
        call_id = _parse_call_id(obj.get("call_id"))
        return _build_transcript(obj, call_id, source)
    except _Invalid as e:
        return _quarantine(source, e.reason, excerpt, call_id=call_id)


def _build_transcript(obj: dict[str, Any], call_id: str, source: str) -> Transcript:
    turns = _parse_turns(obj.get("turns"))
    if not any(turn.text.strip() for turn in turns):
        raise _Invalid(Reason.EMPTY_CALL)
    return Transcript(
        call_id=call_id,
        turns=turns,
        started_at=_parse_started_at(obj.get("started_at")),
        language=_optional_str(obj.get("language")),
        channel=_optional_str(obj.get("channel")),
        agent_id=_optional_str(obj.get("agent_id")),
        team=_optional_str(obj.get("team")) or DEFAULT_TEAM,
        metadata_json=_metadata_json(obj.get("metadata")),
        source=source,
    )


def _parse_call_id(value: Any) -> str:
    # Integer ids are common in exports; containers and booleans are never ids.
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        detail = None if value is None else f"not a string ({type(value).__name__})"
        raise _Invalid(Reason.MISSING_CALL_ID, detail)
    call_id = str(value)
    if not call_id.strip():
        raise _Invalid(Reason.MISSING_CALL_ID)
    return call_id


def _parse_turns(raw: Any) -> tuple[Turn, ...]:
    if raw is None:
        raise _Invalid(Reason.MISSING_TURNS)
    if not isinstance(raw, list):
        raise _Invalid(Reason.TURNS_NOT_A_LIST)
    if not raw:
        raise _Invalid(Reason.NO_TURNS)
    return tuple(_parse_turn(index, turn) for index, turn in enumerate(raw))


def _parse_turn(index: int, raw: Any) -> Turn:
    where = f"turn {index}"
    if not isinstance(raw, dict):
        raise _Invalid(Reason.BAD_TURN, f"{where} is not an object")
    speaker = raw.get("speaker")
    if not isinstance(speaker, str) or not speaker.strip():
        raise _Invalid(Reason.BAD_TURN, f"{where} lacks speaker")
    text = raw.get("text")
    if not isinstance(text, str):
        raise _Invalid(Reason.BAD_TURN, f"{where} lacks text (a string, may be empty)")
    return Turn(
        index=index,
        speaker=normalise_speaker(speaker),
        raw_speaker=speaker,
        text=text,
        start_s=_parse_seconds(raw.get("start_s"), f"{where} has bad start_s"),
        end_s=_parse_seconds(raw.get("end_s"), f"{where} has bad end_s"),
    )


def _parse_seconds(value: Any, problem: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Invalid(Reason.BAD_TURN, problem)
    try:
        return float(value)
    except (TypeError, ValueError) as e:
        raise _Invalid(Reason.BAD_TURN, problem) from e


def _parse_started_at(value: Any) -> datetime | None:
    """ISO-8601 (trailing `Z` accepted) or a datetime, as timezone-aware UTC; naive means UTC."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value.strip())
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (AttributeError, TypeError, ValueError, OverflowError) as e:
        raise _Invalid(Reason.BAD_STARTED_AT, repr(value)[:60]) from e


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if text.strip() else None


def _metadata_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _quarantine(
    source: str, reason: str, excerpt: str, call_id: str | None = None, detail: str | None = None
) -> QuarantineRecord:
    text = f"{reason}: {detail}" if detail else str(reason)
    return QuarantineRecord(
        source=source, reason=text, excerpt=excerpt[:EXCERPT_CHARS], call_id=call_id
    )


def _claim(record: Record, seen: set[str], excerpt: str) -> Record:
    """First valid call with an id wins; later ones in the same run are quarantined."""
    if not isinstance(record, Transcript):
        return record
    if record.call_id in seen:
        return _quarantine(record.source, Reason.DUPLICATE_CALL_ID, excerpt, record.call_id)
    seen.add(record.call_id)
    return record


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _lossy_excerpt(raw: bytes) -> str:
    return raw[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def _dump_excerpt(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)[:EXCERPT_CHARS]


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
        yield _quarantine(f"{path}:{line_no + 1}", Reason.UNREADABLE_FILE, "", detail=str(e))


def _parse_jsonl_line(raw: bytes, source: str, seen: set[str]) -> Record | None:
    text = _decode(raw)
    if text is None:
        return _quarantine(source, Reason.UNKNOWN_ENCODING, _lossy_excerpt(raw))
    if not text.strip():
        return None
    excerpt = text.strip()[:EXCERPT_CHARS]
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as e:
        return _quarantine(source, Reason.INVALID_JSON, excerpt, detail=str(e)[:120])
    return _claim(parse_call(obj, source, excerpt), seen, excerpt)


def _read_json(path: Path, raw: bytes, seen: set[str]) -> Iterator[Record]:
    """A `.json` file holding a list of calls (a single call object is accepted too)."""
    text = _decode(raw)
    if text is None:
        yield _quarantine(str(path), Reason.UNKNOWN_ENCODING, _lossy_excerpt(raw))
        return
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        yield _quarantine(str(path), Reason.INVALID_JSON, text, detail=str(e)[:120])
        return
    for item_no, obj in enumerate(data if isinstance(data, list) else [data], start=1):
        excerpt = _dump_excerpt(obj)
        yield _claim(parse_call(obj, f"{path}:{item_no}", excerpt), seen, excerpt)


# Speaker labels are one word (`Agent:`, `IVR:`); `https://` is not a speaker.
_SPEAKER_LINE = re.compile(r"^([A-Za-z][\w.\-]{0,31})[ \t]*:(?!//)(.*)$")


def _read_txt(path: Path, raw: bytes, seen: set[str]) -> Iterator[Record]:
    """One call per file, `Speaker: text` lines; call_id is the file name without `.txt`."""
    text = _decode(raw)
    if text is None:
        yield _quarantine(str(path), Reason.UNKNOWN_ENCODING, _lossy_excerpt(raw))
        return
    call_id, excerpt = path.name[: -len(".txt")], text.strip()
    try:
        turns = _split_speaker_lines(text)
    except _Invalid as e:
        yield _quarantine(str(path), e.reason, excerpt, call_id=call_id)
        return
    if not turns:
        yield _quarantine(str(path), Reason.EMPTY_CALL, excerpt, call_id=call_id)
        return
    call = {"call_id": call_id, "turns": turns}
    yield _claim(parse_call(call, str(path), excerpt), seen, excerpt)


def _split_speaker_lines(text: str) -> list[dict[str, str]]:
    turns: list[dict[str, str]] = []
    for line_no, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        match = _SPEAKER_LINE.match(line)
        if match:
            turns.append({"speaker": match[1], "text": match[2].strip()})
        elif turns:  # a line without a prefix continues the previous turn
            turns[-1]["text"] = f"{turns[-1]['text']}\n{line}".strip()
        else:
            raise _Invalid(Reason.BAD_TURN, f"line {line_no} has no 'Speaker:' prefix")
    return turns


_REQUIRED_COLUMNS = ("call_id", "speaker", "text")
_CALL_COLUMNS = ("started_at", "agent_id", "team", "language", "channel")
_COLUMN_TYPES: dict[str, pa.DataType] = {
    "call_id": pa.string(), "speaker": pa.string(), "text": pa.string(),
    "turn_index": pa.int64(), "start_s": pa.float64(), "end_s": pa.float64(),
    "agent_id": pa.string(), "team": pa.string(), "language": pa.string(),
    "channel": pa.string(),
}  # fmt: skip
_CSV_TYPES = {**_COLUMN_TYPES, "started_at": pa.string()}


def _read_csv(path: Path, raw: bytes, seen: set[str]) -> Iterator[Record]:
    """A CSV turn table; ids and texts are read as strings so `007` stays `007`."""
    text = _decode(raw)
    if text is None:
        yield _quarantine(str(path), Reason.UNKNOWN_ENCODING, _lossy_excerpt(raw))
        return
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(text.encode("utf-8")),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types=_CSV_TYPES),
        )
    except pa.ArrowException as e:
        yield _quarantine(str(path), Reason.UNREADABLE_FILE, text, detail=str(e)[:120])
        return
    yield from _read_turn_table(path, table, seen)


def _read_parquet(path: Path, raw: bytes, seen: set[str]) -> Iterator[Record]:
    """A Parquet turn table."""
    try:
        table = pq.read_table(pa.BufferReader(raw))
    except (pa.ArrowException, OSError) as e:
        yield _quarantine(str(path), Reason.UNREADABLE_FILE, "", detail=str(e)[:120])
        return
    yield from _read_turn_table(path, table, seen)


def _read_turn_table(path: Path, table: pa.Table, seen: set[str]) -> Iterator[Record]:
    """Group a turn table's rows into calls (first-appearance order) and validate each."""
    header = ", ".join(table.column_names)
    missing = [name for name in _REQUIRED_COLUMNS if name not in table.column_names]
    if missing:
        yield _quarantine(str(path), Reason.MISSING_COLUMNS, header, detail=", ".join(missing))
        return
    try:
        rows = _cast_columns(table).to_pylist()
    except pa.ArrowException as e:
        yield _quarantine(str(path), Reason.UNREADABLE_FILE, header, detail=str(e)[:120])
        return
    for row_no, call in _group_rows(rows):
        excerpt = _dump_excerpt(call)
        yield _claim(parse_call(call, f"{path}:{row_no}", excerpt), seen, excerpt)


def _cast_columns(table: pa.Table) -> pa.Table:
    known = ("turn_index", *_REQUIRED_COLUMNS, *_CALL_COLUMNS, "start_s", "end_s")
    table = table.select([name for name in known if name in table.column_names])
    for name, target in _COLUMN_TYPES.items():
        if name in table.column_names and table.schema.field(name).type != target:
            position = table.schema.get_field_index(name)
            table = table.set_column(position, name, table[name].cast(target))
    return table


def _group_rows(rows: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(first row number, call object)`; rows without a call_id stay on their own."""
    groups: dict[Any, list[tuple[int, dict[str, Any]]]] = {}
    for row_no, row in enumerate(rows, start=1):
        call_id = row["call_id"]
        key = call_id if call_id is not None and call_id.strip() else ("row", row_no)
        groups.setdefault(key, []).append((row_no, row))
    for members in groups.values():
        yield members[0][0], _call_from_rows(members)


def _call_from_rows(members: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    def spoken_order(member: tuple[int, dict[str, Any]]) -> tuple[bool, int, int]:
        turn_index = member[1].get("turn_index")
        return turn_index is None, turn_index or 0, member[0]

    rows = [row for _, row in sorted(members, key=spoken_order)]
    call: dict[str, Any] = {"call_id": rows[0]["call_id"]}
    for name in _CALL_COLUMNS:  # call-level values may be repeated or only on some rows
        call[name] = next((row[name] for row in rows if row.get(name) not in (None, "")), None)
    call["turns"] = [
        {key: row.get(key) for key in ("speaker", "text", "start_s", "end_s")} for row in rows
    ]
    return call


# --------------------------------------------------------------------------- file source

_WHOLE_FILE_READERS = {
    ".json": _read_json,
    ".csv": _read_csv,
    ".parquet": _read_parquet,
    ".txt": _read_txt,
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
        yield _quarantine(str(path), Reason.UNREADABLE_FILE, "", detail=str(e))
        return
    if suffix is None:
        yield _quarantine(str(path), Reason.UNSUPPORTED_FILE_TYPE, _lossy_excerpt(raw))
        return
    yield from _WHOLE_FILE_READERS[suffix](path, raw, seen)


def _read_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(EXCERPT_CHARS * 4)


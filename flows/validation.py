"""Validation of one call record (CONTRACT §1) and the quarantine reasons.

Shared by every reader in `flows.readers`: a record either maps to a `Transcript` or becomes
a `QuarantineRecord` whose reason starts with one of the `Reason` categories.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

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


class InvalidRecord(Exception):
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
            raise InvalidRecord(Reason.NOT_AN_OBJECT, type(obj).__name__)
        call_id = _parse_call_id(obj.get("call_id"))
        return _build_transcript(obj, call_id, source)
    except InvalidRecord as e:
        return quarantine_record(source, e.reason, excerpt, call_id=call_id)


def _build_transcript(obj: dict[str, Any], call_id: str, source: str) -> Transcript:
    turns = _parse_turns(obj.get("turns"))
    if not any(turn.text.strip() for turn in turns):
        raise InvalidRecord(Reason.EMPTY_CALL)
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
        raise InvalidRecord(Reason.MISSING_CALL_ID, detail)
    call_id = str(value)
    if not call_id.strip():
        raise InvalidRecord(Reason.MISSING_CALL_ID)
    return call_id


def _parse_turns(raw: Any) -> tuple[Turn, ...]:
    if raw is None:
        raise InvalidRecord(Reason.MISSING_TURNS)
    if not isinstance(raw, list):
        raise InvalidRecord(Reason.TURNS_NOT_A_LIST)
    if not raw:
        raise InvalidRecord(Reason.NO_TURNS)
    return tuple(_parse_turn(index, turn) for index, turn in enumerate(raw))


def _parse_turn(index: int, raw: Any) -> Turn:
    where = f"turn {index}"
    if not isinstance(raw, dict):
        raise InvalidRecord(Reason.BAD_TURN, f"{where} is not an object")
    speaker = raw.get("speaker")
    if not isinstance(speaker, str) or not speaker.strip():
        raise InvalidRecord(Reason.BAD_TURN, f"{where} lacks speaker")
    text = raw.get("text")
    if not isinstance(text, str):
        raise InvalidRecord(Reason.BAD_TURN, f"{where} lacks text (a string, may be empty)")
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
        raise InvalidRecord(Reason.BAD_TURN, problem)
    try:
        return float(value)
    except (TypeError, ValueError) as e:
        raise InvalidRecord(Reason.BAD_TURN, problem) from e


def _parse_started_at(value: Any) -> datetime | None:
    """ISO-8601 (trailing `Z` accepted) or a datetime, as timezone-aware UTC; naive means UTC."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value.strip())
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (AttributeError, TypeError, ValueError, OverflowError) as e:
        raise InvalidRecord(Reason.BAD_STARTED_AT, repr(value)[:60]) from e


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if text.strip() else None


def _metadata_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def quarantine_record(
    source: str, reason: str, excerpt: str, call_id: str | None = None, detail: str | None = None
) -> QuarantineRecord:
    text = f"{reason}: {detail}" if detail else str(reason)
    return QuarantineRecord(
        source=source, reason=text, excerpt=excerpt[:EXCERPT_CHARS], call_id=call_id
    )


def claim_call_id(record: Record, seen: set[str], excerpt: str) -> Record:
    """First valid call with an id wins; later ones in the same run are quarantined."""
    if not isinstance(record, Transcript):
        return record
    if record.call_id in seen:
        return quarantine_record(record.source, Reason.DUPLICATE_CALL_ID, excerpt, record.call_id)
    seen.add(record.call_id)
    return record


def decode_bytes(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def lossy_excerpt(raw: bytes) -> str:
    return raw[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def dump_excerpt(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)[:EXCERPT_CHARS]


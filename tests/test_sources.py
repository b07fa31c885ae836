"""Tests for flows.sources: every reader round-trips, bad records are quarantined, not lost."""

from __future__ import annotations

import csv
import gzip
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.sources import (
    FileSource,
    Reason,
    SourceBatch,
    SourceError,
    TranscriptSource,
    count_quarantine_reasons,
)
from nlp.schema import (
    AGENT,
    CUSTOMER,
    DEFAULT_TEAM,
    SPEAKER_ALIASES,
    QuarantineRecord,
    Transcript,
    normalise_speaker,
)

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class RawCall:
    """A generated call as written to disk: id and (speaker label, text) pairs."""

    call_id: str
    turns: tuple[tuple[str, str], ...]

    def as_json(self) -> dict:
        return {
            "call_id": self.call_id,
            "turns": [{"speaker": s, "text": t} for s, t in self.turns],
        }


@contextmanager
def temp_dir() -> Iterator[Path]:
    # hypothesis re-runs the body many times; a function-scoped tmp_path would be shared.
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def read_all(path: Path, batch_size: int = 7, run_date: date | None = None):
    batches = list(FileSource(path, run_date=run_date).iter_batches(batch_size))
    transcripts = [t for b in batches for t in b.transcripts]
    quarantined = [q for b in batches for q in b.quarantined]
    return transcripts, quarantined


def write_jsonl(calls: list[dict], path: Path) -> None:
    """The tiny serializer the tests need; `.gz` names are gzip-compressed."""
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in calls)
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(lines)
    else:
        path.write_text(lines, encoding="utf-8")


def assert_round_trip(calls: list[RawCall], transcripts: list[Transcript]) -> None:
    assert [t.call_id for t in transcripts] == [c.call_id for c in calls]
    for call, transcript in zip(calls, transcripts, strict=True):
        assert [t.index for t in transcript.turns] == list(range(len(call.turns)))
        assert [t.raw_speaker for t in transcript.turns] == [s for s, _ in call.turns]
        assert [t.speaker for t in transcript.turns] == [
            normalise_speaker(s) for s, _ in call.turns
        ]
        assert [t.text for t in transcript.turns] == [t for _, t in call.turns]


# --------------------------------------------------------------------------- strategies

SPEAKER_NAMES = sorted(SPEAKER_ALIASES) + ["ivr", "system"]


@st.composite
def speakers(draw) -> str:
    name = draw(st.sampled_from(SPEAKER_NAMES))
    upper = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    return "".join(c.upper() if u else c for c, u in zip(name, upper, strict=True))


# Any unicode (no surrogates), with colons and newlines made likely.
ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)), st.sampled_from([":", "\n", " "])
    ),
    max_size=40,
)
CALL_IDS = st.text(min_size=1, max_size=12).filter(lambda s: s.strip())
# For CSV the only excluded character is a bare carriage return (CSV line-ending noise).
CSV_TEXT = ANY_TEXT.map(lambda s: s.replace("\r", ""))


def calls_of(texts: st.SearchStrategy[str], ids: st.SearchStrategy[str] = CALL_IDS):
    turn = st.tuples(speakers(), texts)
    call = st.builds(RawCall, ids, st.lists(turn, min_size=1, max_size=5).map(tuple)).filter(
        lambda c: any(t.strip() for _, t in c.turns)
    )
    return st.lists(call, min_size=1, max_size=8, unique_by=lambda c: c.call_id)


# Plain text: the first line of a turn may hold colons; continuation lines may not (they
# would read as a new `Speaker:` line); lines are stripped, blank lines carry no meaning.
TXT_LINE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters=":"),
    min_size=1,
    max_size=20,
)
TXT_FIRST_LINE = st.tuples(TXT_LINE, st.sampled_from(["", ": ", " 10:30 "]), TXT_LINE).map(
    lambda parts: "".join(parts).strip()
)
TXT_TEXT = st.tuples(TXT_FIRST_LINE, st.lists(TXT_LINE.map(str.strip), max_size=2)).map(
    lambda parts: "\n".join(line for line in [parts[0], *parts[1]] if line)
)


# --------------------------------------------------------------------------- readers


@FAST
@given(calls=calls_of(ANY_TEXT), gz=st.booleans())
def test_sources_jsonl_round_trip(calls: list[RawCall], gz: bool) -> None:
    with temp_dir() as root:
        path = root / ("night.jsonl.gz" if gz else "night.jsonl")
        write_jsonl([c.as_json() for c in calls], path)
        transcripts, quarantined = read_all(path)
    assert quarantined == []
    assert_round_trip(calls, transcripts)
    assert [t.source for t in transcripts] == [f"{path}:{i}" for i in range(1, len(calls) + 1)]


@FAST
@given(calls=calls_of(ANY_TEXT))
def test_sources_json_list_round_trip(calls: list[RawCall]) -> None:
    with temp_dir() as root:
        path = root / "night.json"
        path.write_text(json.dumps([c.as_json() for c in calls], ensure_ascii=False), "utf-8")
        transcripts, quarantined = read_all(path)
    assert quarantined == []
    assert_round_trip(calls, transcripts)


def test_sources_json_single_object_accepted(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"call_id": 17, "turns": [{"speaker": "Caller", "text": "hi"}]}))
    transcripts, quarantined = read_all(path)
    assert quarantined == []
    assert transcripts[0].call_id == "17"
    assert transcripts[0].turns[0].speaker == "customer"


def turn_rows(calls: list[RawCall], order: list[int] | None) -> list[dict]:
    """One row per turn; with `order`, rows are permuted and carry `turn_index`."""
    rows = [
        {"call_id": c.call_id, "speaker": s, "text": t, "turn_index": i}
        for c in calls
        for i, (s, t) in enumerate(c.turns)
    ]
    if order is None:
        return [{k: v for k, v in row.items() if k != "turn_index"} for row in rows]
    return [rows[i] for i in order]


def table_rows(calls: list[RawCall], data: st.DataObject) -> tuple[list[dict], list[RawCall]]:
    """Rows to write and the calls in the order a reader must return them."""
    n_rows = sum(len(c.turns) for c in calls)
    shuffled = data.draw(st.booleans())
    order = data.draw(st.permutations(range(n_rows))) if shuffled else None
    rows = turn_rows(calls, order)
    first_seen = list(dict.fromkeys(row["call_id"] for row in rows))
    by_id = {c.call_id: c for c in calls}
    return rows, [by_id[call_id] for call_id in first_seen]


@FAST
@given(calls=calls_of(CSV_TEXT), data=st.data())
def test_sources_csv_round_trip(calls: list[RawCall], data: st.DataObject) -> None:
    rows, expected = table_rows(calls, data)
    with temp_dir() as root:
        path = root / "turns.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        transcripts, quarantined = read_all(path)
    assert quarantined == []
    assert_round_trip(expected, transcripts)


@FAST
@given(calls=calls_of(ANY_TEXT), data=st.data())
def test_sources_parquet_round_trip(calls: list[RawCall], data: st.DataObject) -> None:
    rows, expected = table_rows(calls, data)
    with temp_dir() as root:
        path = root / "turns.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path)
        transcripts, quarantined = read_all(path)
    assert quarantined == []
    assert_round_trip(expected, transcripts)


@FAST
@given(
    calls=calls_of(TXT_TEXT, ids=st.from_regex(r"[a-z0-9][a-z0-9_-]{0,11}", fullmatch=True)),
    blank_lines=st.integers(0, 2),
)
def test_sources_text_round_trip(calls: list[RawCall], blank_lines: int) -> None:
    with temp_dir() as root:
        for call in calls:
            body = ("\n" * blank_lines).join(f"{s}: {t}\n" for s, t in call.turns)
            (root / f"{call.call_id}.txt").write_text(body, encoding="utf-8")
        transcripts, quarantined = read_all(root)
    assert quarantined == []
    assert_round_trip(sorted(calls, key=lambda c: c.call_id + ".txt"), transcripts)


def test_sources_text_continuation_lines_and_empty_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "Customer: my refund: still missing\nsince May\n\nREP: sorry\n", "utf-8"
    )
    (tmp_path / "b.txt").write_text("\n  \n", "utf-8")
    (tmp_path / "c.txt").write_text("no speaker here\nAgent: hi\n", "utf-8")
    transcripts, quarantined = read_all(tmp_path)
    assert [(t.speaker, t.text) for t in transcripts[0].turns] == [
        ("customer", "my refund: still missing\nsince May"),
        ("agent", "sorry"),
    ]
    assert {q.call_id: q.reason.split(":")[0] for q in quarantined} == {
        "b": Reason.EMPTY_CALL,
        "c": Reason.BAD_TURN,
    }


# --------------------------------------------------------------------------- nothing is lost


def is_blank(raw: bytes) -> bool:
    try:
        return not raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        return False


VALID_LINE = st.builds(
    lambda cid, text: json.dumps({"call_id": cid, "turns": [{"speaker": "agent", "text": text}]}),
    st.sampled_from(["a", "b", "c"]),
    st.text(max_size=5),
).map(str.encode)
JSON_VALUE_LINE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
).map(lambda v: json.dumps(v).encode())
ANY_LINE = st.one_of(
    st.binary(max_size=30), st.text(max_size=30).map(str.encode), VALID_LINE, JSON_VALUE_LINE
).map(lambda raw: raw.replace(b"\n", b" "))


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(ANY_LINE, max_size=12), batch_size=st.integers(1, 4))
def test_sources_jsonl_arbitrary_lines_never_lost(lines: list[bytes], batch_size: int) -> None:
    with temp_dir() as root:
        path = root / "junk.jsonl"
        path.write_bytes(b"\n".join(lines))
        transcripts, quarantined = read_all(path, batch_size=batch_size)
    expected = [f"{path}:{n}" for n, raw in enumerate(lines, start=1) if not is_blank(raw)]
    got = [t.source for t in transcripts] + [q.source for q in quarantined]
    assert sorted(got) == sorted(expected)
    assert all(q.reason and len(q.excerpt) <= 200 for q in quarantined)


# --------------------------------------------------------------------------- quarantine


BAD_LINES = {
    b"{not json": Reason.INVALID_JSON,
    b"[1, 2]": Reason.NOT_AN_OBJECT,
    b'{"turns": [{"speaker": "agent", "text": "hi"}]}': Reason.MISSING_CALL_ID,
    b'{"call_id": "  ", "turns": [{"speaker": "agent", "text": "hi"}]}': Reason.MISSING_CALL_ID,
    b'{"call_id": "m1"}': Reason.MISSING_TURNS,
    b'{"call_id": "m2", "turns": "hello"}': Reason.TURNS_NOT_A_LIST,
    b'{"call_id": "m3", "turns": []}': Reason.NO_TURNS,
    b'{"call_id": "m4", "turns": ["hi"]}': Reason.BAD_TURN,
    b'{"call_id": "m5", "turns": [{"text": "hi"}]}': Reason.BAD_TURN,
    b'{"call_id": "m6", "turns": [{"speaker": "agent"}]}': Reason.BAD_TURN,
    b'{"call_id": "m7", "turns": [{"speaker": "agent", "text": 3}]}': Reason.BAD_TURN,
    b'{"call_id": "m8", "turns": [{"speaker": "agent", "text": " \\n "}]}': Reason.EMPTY_CALL,
    b'{"call_id": "m9", "started_at": "yesterday", '
    b'"turns": [{"speaker": "agent", "text": "hi"}]}': Reason.BAD_STARTED_AT,
    b'{"call_id": "m10", "turns": [{"speaker": "agent", "text": "\xff\xfe"}]}': (
        Reason.UNKNOWN_ENCODING
    ),
}


def test_sources_quarantine_reasons(tmp_path: Path) -> None:
    good = {
        "call_id": "ok",
        "started_at": "2026-11-26T09:14:03Z",
        "team": "billing",
        "agent_id": 17,
        "metadata": {"queue": "billing-de", "a": 1},
        "turns": [{"speaker": "Caller", "text": "refund?", "start_s": 0, "end_s": 4.1}],
    }
    path = tmp_path / "night.jsonl"
    path.write_bytes(b"\n".join([json.dumps(good).encode(), *BAD_LINES]) + b"\n")
    transcripts, quarantined = read_all(path)

    assert [t.call_id for t in transcripts] == ["ok"]
    call = transcripts[0]
    assert call.started_at == datetime(2026, 11, 26, 9, 14, 3, tzinfo=UTC)
    assert (call.team, call.agent_id, call.language) == ("billing", "17", None)
    assert call.metadata_json == '{"a": 1, "queue": "billing-de"}'
    assert call.turns[0].end_s == pytest.approx(4.1)
    assert call.source == f"{path}:1"
    by_line = {q.source: q for q in quarantined}
    assert [by_line[f"{path}:{n}"].reason.split(":")[0] for n in range(2, 16)] == list(
        BAD_LINES.values()
    )
    assert by_line[f"{path}:10"].reason == "bad turn: turn 0 lacks speaker"
    assert by_line[f"{path}:10"].call_id == "m5"
    assert by_line[f"{path}:2"].excerpt == "{not json"
    assert count_quarantine_reasons(quarantined)[Reason.BAD_TURN] == 4
    assert len(quarantined) == len(BAD_LINES)


def test_sources_file_level_quarantine(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# not a transcript", "utf-8")
    (tmp_path / ".hidden.jsonl").write_text("{broken", "utf-8")
    (tmp_path / "latin1.txt").write_bytes("Agent: Grüße".encode("utf-16"))
    (tmp_path / "no_text.csv").write_text("call_id,speaker\nc1,agent\n", "utf-8")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    transcripts, quarantined = read_all(tmp_path)
    assert transcripts == []
    reasons = {Path(q.source).name: q.reason for q in quarantined}
    assert reasons.pop("broken.parquet").startswith(Reason.UNREADABLE_FILE)  # pyarrow's words
    assert reasons == {
        "notes.md": "unsupported file type",
        "latin1.txt": "unknown encoding",
        "no_text.csv": "missing columns: text",
    }
    notes = next(q for q in quarantined if q.source.endswith("notes.md"))
    assert notes.excerpt == "# not a transcript"


def test_sources_bad_number_in_a_turn_table_quarantines_its_call_only(tmp_path: Path) -> None:
    # One bad cell once made the whole table unreadable: every call in it was lost.
    (tmp_path / "night.csv").write_text(
        "call_id,speaker,text,turn_index,start_s\n"
        "c1,customer,late again,1,2.5\n"
        "c1,agent,sorry,0,0\n"
        "c2,customer,refund?,x,\n"
        "c3,customer,hello,3.0,soon\n"
        "c4,customer,bye,,\n", "utf-8")
    table = pa.table({"call_id": ["p1", "p1", "p2", "p3"],
                      "speaker": ["agent", "customer", "agent", "agent"],
                      "text": ["hi", "my card", "ok", "NaN is no index"],
                      "turn_index": ["1", "0", "2.5", None]})
    pq.write_table(table, tmp_path / "night.parquet")
    nan = pa.table({"call_id": ["f1", "f1"], "speaker": ["agent", "customer"],
                    "text": ["second", "first"],
                    "turn_index": pa.array([float("nan"), 0.0], from_pandas=False)})
    pq.write_table(nan, tmp_path / "floats.parquet")
    transcripts, quarantined = read_all(tmp_path)
    assert {t.call_id: [turn.text for turn in t.turns] for t in transcripts} == {
        "c1": ["sorry", "late again"], "c4": ["bye"], "p1": ["my card", "hi"],
        "p3": ["NaN is no index"], "f1": ["first", "second"]}
    assert next(t for t in transcripts if t.call_id == "c1").turns[1].start_s == 2.5
    assert sorted((q.call_id, q.reason, Path(q.source).name) for q in quarantined) == [
        ("c2", "bad turn: row 3 has bad turn_index 'x'", "night.csv:3"),
        ("c3", "bad turn: turn 0 has bad start_s", "night.csv:4"),
        ("p2", "bad turn: row 3 has bad turn_index '2.5'", "night.parquet:3"),
    ]
    assert "refund?" in next(q.excerpt for q in quarantined if q.call_id == "c2")


def test_sources_semicolon_and_tab_separated_turn_tables(tmp_path: Path) -> None:
    (tmp_path / "semi.csv").write_text(
        "call_id;speaker;text\ns1;customer;Meine Rechnung ist falsch, schon wieder\n"
        "s1;agent;Entschuldigung\n", "utf-8")
    (tmp_path / "tab.csv").write_text("call_id\tspeaker\ttext\nt1\tagent\thello; hi\n", "utf-8")
    transcripts, quarantined = read_all(tmp_path)
    assert quarantined == []
    assert {t.call_id: [turn.text for turn in t.turns] for t in transcripts} == {
        "s1": ["Meine Rechnung ist falsch, schon wieder", "Entschuldigung"], "t1": ["hello; hi"]}
    assert FileSource(tmp_path).count_records() == 2


def test_sources_text_lines_may_start_with_a_time_stamp(tmp_path: Path) -> None:
    (tmp_path / "call-7.txt").write_text(
        "[00:00:01] Customer: my card was declined\n"
        "[00:01:05.5] Agent: sorry, let me check\n"
        "that continues here\n"
        "12:30 Customer: thanks\n", "utf-8")
    (transcript,), quarantined = read_all(tmp_path)
    assert quarantined == []
    assert [(t.speaker, t.text, t.start_s) for t in transcript.turns] == [
        (CUSTOMER, "my card was declined", 1.0),
        (AGENT, "sorry, let me check\nthat continues here", 65.5),
        (CUSTOMER, "thanks", 750.0)]


def test_sources_truncated_or_false_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    # Counting the records of a truncated .jsonl.gz once failed the whole run.
    lines = [json.dumps({"call_id": f"g{i}", "turns": [{"speaker": "agent", "text": f"hi {i}"}]})
             for i in range(3000)]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    (tmp_path / "plain.jsonl.gz").write_bytes(b"not gzip at all\n")
    source = FileSource(tmp_path)
    assert source.count_records() >= 2
    transcripts, quarantined = read_all(tmp_path)
    assert transcripts and [t.call_id for t in transcripts] == [
        f"g{i}" for i in range(len(transcripts))]
    assert sorted(Path(q.source).name.split(":")[0] for q in quarantined) == [
        "cut.jsonl.gz", "plain.jsonl.gz"]
    assert all(q.reason.startswith(Reason.UNREADABLE_FILE) for q in quarantined)


VENDOR_FILES = Path(__file__).parent / "data" / "vendor_json"
SPOKEN_CALLS = Path(__file__).parent / "data" / "spoken_calls" / "2026-11-25" / "calls.jsonl"


def test_sources_read_amazon_transcripts_as_calls() -> None:
    # The same three calls, converted by hand (tests/data/spoken_calls): the same turns.
    transcripts, quarantined = read_all(VENDOR_FILES)
    assert [(Path(q.source).name, q.reason) for q in quarantined] == [
        ("LICENSE.md", "unsupported file type")]
    by_id = {t.call_id: t for t in transcripts}
    converted = {json.loads(line)["call_id"]: json.loads(line)["turns"]
                 for line in SPOKEN_CALLS.read_text("utf-8").splitlines()}
    for converted_id, call_id in [("aws-tca-example", "example-call.wav"),
                                  ("aws-cl-voicefoundry", "0c129ed7-5c5a-42af-ba83-e7c52c6b035e"),
                                  ("aws-pca-test", "pca-ui_testfile")]:
        call = by_id[call_id]
        assert (call.language, call.channel) == ("en-US", "voice")
        assert [(t.speaker, t.text) for t in call.turns] == [
            (turn["speaker"], turn["text"]) for turn in converted[converted_id]]
        assert all(t.start_s is not None and t.end_s >= t.start_s for t in call.turns)
    tca = by_id["example-call.wav"].turns
    assert (tca[1].start_s, tca[1].end_s) == (6.31, 10.45)  # milliseconds in the file


def test_sources_vendor_shapes_without_roles_or_ids(tmp_path: Path) -> None:
    (tmp_path / "lens.json").write_text(json.dumps({
        "Participants": [{"ParticipantId": "A1", "ParticipantRole": "AGENT"}],
        "Transcript": [{"ParticipantId": "A1", "Content": "How can I help?"},
                       {"ParticipantId": "X9", "Content": "who am I"}]}), "utf-8")
    (tmp_path / "odd.json").write_text(json.dumps({"Transcript": [{"Text": "no Content"}]}),
                                       "utf-8")
    transcripts, quarantined = read_all(tmp_path)
    assert [(t.call_id, [(turn.speaker, turn.raw_speaker) for turn in t.turns])
            for t in transcripts] == [("lens", [(AGENT, "AGENT"), ("other", "X9")])]
    assert [(Path(q.source).name, q.reason) for q in quarantined] == [
        ("odd.json:1", "missing call_id")]


def test_sources_duplicate_call_id_first_wins(tmp_path: Path) -> None:
    turn = {"speaker": "agent", "text": "hello"}
    write_jsonl(
        [{"call_id": "c1", "turns": [turn]}, {"call_id": "c2", "turns": [turn]}],
        tmp_path / "a.jsonl",
    )
    write_jsonl(
        [{"call_id": "c1", "turns": [{"speaker": "rep", "text": "again"}]}], tmp_path / "b.jsonl"
    )
    (tmp_path / "c.csv").write_text("call_id,speaker,text\nc2,agent,x\nc3,agent,y\n", "utf-8")
    transcripts, quarantined = read_all(tmp_path)
    assert [(t.call_id, t.turns[0].text) for t in transcripts] == [
        ("c1", "hello"),
        ("c2", "hello"),
        ("c3", "y"),
    ]
    assert [(q.call_id, q.reason, Path(q.source).name) for q in quarantined] == [
        ("c1", "duplicate call_id", "b.jsonl:1"),
        ("c2", "duplicate call_id", "c.csv:1"),
    ]


# --------------------------------------------------------------------------- selection


def test_sources_date_folder_selection(tmp_path: Path) -> None:
    day = date(2026, 11, 26)
    for folder, call_id in [
        ("2026-11-25", "old"),
        ("2026-11-26", "today"),
        ("date=2026-11-26", "today-hive"),
        ("other", "elsewhere"),
    ]:
        (tmp_path / folder).mkdir()
        write_jsonl(
            [{"call_id": call_id, "turns": [{"speaker": "agent", "text": "x"}]}],
            tmp_path / folder / "calls.jsonl",
        )
    (tmp_path / "nested" / "region-a" / "date=2026-11-26").mkdir(parents=True)

    ids = [t.call_id for t in read_all(tmp_path, run_date=day)[0]]
    assert ids == ["today", "today-hive"]
    everything = [t.call_id for t in read_all(tmp_path)[0]]
    assert everything == ["old", "today", "today-hive", "elsewhere"]
    no_folder = [t.call_id for t in read_all(tmp_path, run_date=date(2026, 1, 1))[0]]
    assert no_folder == everything

    nested_root = tmp_path / "nested"
    write_jsonl(
        [{"call_id": "deep", "turns": [{"speaker": "agent", "text": "x"}]}],
        nested_root / "region-a" / "date=2026-11-26" / "calls.jsonl",
    )
    write_jsonl(
        [{"call_id": "stale", "turns": [{"speaker": "agent", "text": "x"}]}],
        nested_root / "region-a" / "calls.jsonl",
    )
    assert [t.call_id for t in read_all(nested_root, run_date=day)[0]] == ["deep"]


def test_sources_missing_path_raises_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no-such-dir"):
        FileSource(tmp_path / "no-such-dir")


# --------------------------------------------------------------------------- batching


@FAST
@given(n_good=st.integers(0, 25), n_bad=st.integers(0, 10), batch_size=st.integers(1, 8))
def test_sources_batching(n_good: int, n_bad: int, batch_size: int) -> None:
    with temp_dir() as root:
        lines = [
            json.dumps({"call_id": f"c{i}", "turns": [{"speaker": "agent", "text": "x"}]})
            for i in range(n_good)
        ] + ["{bad"] * n_bad
        (root / "night.jsonl").write_text("\n".join(lines), "utf-8")
        source = FileSource(root)
        batches = list(source.iter_batches(batch_size))
    assert isinstance(source, TranscriptSource)
    assert all(isinstance(b, SourceBatch) for b in batches)
    assert all(b.transcripts or b.quarantined for b in batches)
    assert all(len(b.transcripts) <= batch_size for b in batches)
    assert all(len(b.transcripts) == batch_size for b in batches[:-1] if not b.quarantined)
    assert [t.call_id for b in batches for t in b.transcripts] == [f"c{i}" for i in range(n_good)]
    bad: list[QuarantineRecord] = [q for b in batches for q in b.quarantined]
    assert len(bad) == n_bad
    assert all(t.team == DEFAULT_TEAM for b in batches for t in b.transcripts)


def test_sources_rejects_bad_batch_size(tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").write_text("", "utf-8")
    with pytest.raises(ValueError, match="batch_size"):
        list(FileSource(tmp_path).iter_batches(0))

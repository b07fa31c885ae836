"""The nightly flow on small real data: every table, summaries, reruns, quarantine, two nights."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from flows.tables import SCHEMA_VERSION, SCHEMAS, TABLES, partition_dir, read_partition

NIGHT1, NIGHT2 = date(2026, 11, 25), date(2026, 11, 26)

#: CONTRACT §2: the columns analysts depend on.
REQUIRED = {
    "calls": ["call_id", "started_at", "language", "channel", "agent_id", "team", "n_turns",
              "customer_sentiment_start", "customer_sentiment_end", "sentiment_trend",
              "pain_point_count", "primary_issue_id", "recovered"],
    "turns": ["call_id", "turn_index", "speaker", "text", "sentiment", "is_pain_point",
              "pain_category", "empathy_score"],
    "pain_points": ["call_id", "turn_index", "category", "severity", "quote", "char_start",
                    "char_end", "issue_id"],
    "recovery_moments": ["call_id", "agent_id", "team", "turn_index", "quote",
                         "sentiment_before", "sentiment_after", "score"],
    "issues": ["issue_id", "label", "keywords", "example_quotes", "first_seen", "last_seen",
               "calls_total"],
    "issue_daily": ["issue_id", "calls", "share", "baseline", "change", "is_new", "is_growing"],
    "agent_daily": ["agent_id", "team", "calls", "hard_calls", "recoveries", "mean_empathy"],
    "quarantine": ["source", "call_id", "reason", "excerpt"],
}


def run_night(input_path: Path, out: Path, night: date):
    from flows.nightly import transcript_insights

    return transcript_insights(input_path, out, night, 16)


def read_input(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory, prefect_server) -> Path:
    """The sample slice run for two nights into one output root."""
    out = tmp_path_factory.mktemp("out")
    slice_dir = Path(__file__).parent / "data" / "sample_slice"
    run_night(slice_dir, out, NIGHT1)
    run_night(slice_dir, out, NIGHT2)
    return out


def test_flow_writes_every_table_with_contract_columns(two_nights: Path):
    for name in TABLES:
        files = sorted(partition_dir(two_nights, name, NIGHT1).glob("part-*.parquet"))
        assert files, f"no parquet for {name}"
        schema = pq.read_schema(files[0])
        assert schema.metadata[b"callinsight.schema_version"] == SCHEMA_VERSION.encode()
        assert set(REQUIRED[name]) <= set(schema.names), name
        assert schema.remove_metadata().equals(SCHEMAS[name].remove_metadata()), name


def test_flow_counts_every_call_and_turn(two_nights: Path, sample_slice: Path):
    calls_in = read_input(sample_slice / "2026-11-25" / "calls.jsonl")
    calls = read_partition(two_nights, "calls", NIGHT1)
    turns = read_partition(two_nights, "turns", NIGHT1)
    assert sorted(calls["call_id"].to_pylist()) == sorted(c["call_id"] for c in calls_in)
    assert turns.num_rows == sum(len(c["turns"]) for c in calls_in)
    by_call = {c["call_id"]: len(c["turns"]) for c in calls_in}
    ids, n_turns = calls["call_id"].to_pylist(), calls["n_turns"].to_pylist()
    assert dict(zip(ids, n_turns, strict=True)) == by_call


def test_flow_pain_points_point_into_their_turns(two_nights: Path, sample_slice: Path):
    calls_in = {c["call_id"]: c for c in read_input(sample_slice / "2026-11-25" / "calls.jsonl")}
    pains = read_partition(two_nights, "pain_points", NIGHT1).to_pylist()
    assert pains, "the sample slice has complaints: expected pain points"
    for p in pains:
        text = calls_in[p["call_id"]]["turns"][p["turn_index"]]["text"]
        assert 0 <= p["char_start"] < p["char_end"] <= len(text)
        assert 0.0 <= p["severity"] <= 1.0
        assert calls_in[p["call_id"]]["turns"][p["turn_index"]]["speaker"] == "customer"


def test_flow_values_within_contract_ranges(two_nights: Path):
    turns = read_partition(two_nights, "turns", NIGHT1).to_pylist()
    assert all(-1.0 <= t["sentiment"] <= 1.0 for t in turns)
    for t in turns:
        if t["speaker"] == "agent":
            assert 0.0 <= t["empathy_score"] <= 1.0
        else:
            assert t["empathy_score"] is None
    calls = read_partition(two_nights, "calls", NIGHT1).to_pylist()
    recovered = {c["call_id"] for c in calls if c["recovered"]}
    saves = read_partition(two_nights, "recovery_moments", NIGHT1)["call_id"].to_pylist()
    assert recovered == set(saves)


def test_flow_redacts_handles_in_every_text(two_nights: Path):
    texts = read_partition(two_nights, "turns", NIGHT1)["text"].to_pylist()
    assert any("[NAME]" in t for t in texts)
    assert not any("@1" in t or "@2" in t for t in texts), "numeric customer handles must go"


def test_flow_writes_summaries_per_team(two_nights: Path):
    teams = set(read_partition(two_nights, "calls", NIGHT1)["team"].to_pylist())
    folder = partition_dir(two_nights, "summaries", NIGHT1)
    assert {p.stem for p in folder.glob("*.md")} == teams
    assert {p.stem for p in folder.glob("*.html")} == teams
    text = (folder / "applesupport.md").read_text(encoding="utf-8")
    assert text.startswith("# applesupport: night of 2026-11-25")
    assert "Calls analysed:" in text and "## Agents" in text


def test_flow_second_night_keeps_issue_ids(two_nights: Path):
    first = read_partition(two_nights, "issues", NIGHT1).to_pylist()
    second = {r["issue_id"]: r for r in read_partition(two_nights, "issues", NIGHT2).to_pylist()}
    for issue in first:
        assert issue["issue_id"] in second
        assert second[issue["issue_id"]]["first_seen"] == issue["first_seen"]
        assert second[issue["issue_id"]]["calls_total"] >= issue["calls_total"]
    calls = read_partition(two_nights, "calls", NIGHT2).to_pylist()
    assert {c["primary_issue_id"] for c in calls} <= set(second) | {-1}
    # How each call holds its issue: a match kind and a cosine exactly when it has one.
    matches = {c["issue_match"] for c in calls if c["primary_issue_id"] != -1}
    assert matches and matches <= {"known", "new", "loose"}
    for c in calls:
        assigned = c["primary_issue_id"] != -1
        assert (c["issue_match"] is not None) == assigned
        assert (c["issue_similarity"] is not None) == assigned


def test_flow_rerun_gives_identical_tables(two_nights: Path, sample_slice: Path):
    before = {name: read_partition(two_nights, name, NIGHT1) for name in TABLES}
    run_night(sample_slice, two_nights, NIGHT1)
    for name in TABLES:
        after = read_partition(two_nights, name, NIGHT1)
        assert after.equals(before[name]), f"{name} changed on rerun"
        assert len(list(partition_dir(two_nights, name, NIGHT1).glob("*"))) >= 1
    assert not list(two_nights.glob("*/.staging-*")), "staging folders must not remain"


def test_flow_in_worker_processes_gives_the_same_tables(two_nights: Path, sample_slice: Path,
                                                        tmp_path: Path, monkeypatch):
    # Two spawned workers, one batch of 16 calls each (and a last one of the rest): every
    # table as the night analysed in this process wrote it, agent_daily's tally included.
    monkeypatch.setenv("CALLINSIGHT_WORKERS", "2")
    monkeypatch.setenv("CALLINSIGHT_PARALLEL_MIN_RECORDS", "1")
    run_night(sample_slice, tmp_path, NIGHT1)
    for name in TABLES:
        assert read_partition(tmp_path, name, NIGHT1).equals(
            read_partition(two_nights, name, NIGHT1)), f"{name} differs in workers"


def test_flow_quarantines_bad_records(tmp_path: Path, bad_records: Path, prefect_server):
    result = run_night(bad_records / "calls.jsonl", tmp_path, NIGHT2)
    lines = [ln for ln in (bad_records / "calls.jsonl").read_text().splitlines() if ln.strip()]
    calls = read_partition(tmp_path, "calls", NIGHT2)
    quarantine = read_partition(tmp_path, "quarantine", NIGHT2).to_pylist()
    assert calls.num_rows == 5 and len(quarantine) == 10
    assert calls.num_rows + len(quarantine) == len(lines), "a record was dropped silently"
    reasons = " | ".join(q["reason"] for q in quarantine)
    for expected in ("invalid JSON", "not a JSON object", "missing call_id", "missing turns",
                     "turns is not a list", "no turns", "bad turn", "empty call",
                     "duplicate call_id", "bad started_at"):
        assert expected in reasons
    assert all(q["source"].startswith(str(bad_records)) for q in quarantine)
    assert result.rows["quarantine"] == 10


def test_flow_tables_read_with_duckdb(two_nights: Path):
    con = duckdb.connect()
    glob = str(two_nights / "calls" / "**" / "*.parquet")
    rows = con.execute(
        f"select run_date, count(*) from read_parquet('{glob}', hive_partitioning=true) "
        "group by run_date order by run_date").fetchall()
    assert [(str(d), n) for d, n in rows] == [("2026-11-25", 30), ("2026-11-26", 30)]


def test_flow_quarantines_unsupported_files(tmp_path: Path, bad_records: Path, prefect_server):
    result = run_night(bad_records, tmp_path, NIGHT2)  # the folder also holds a README.md
    quarantine = read_partition(tmp_path, "quarantine", NIGHT2).to_pylist()
    assert result.rows["calls"] == 5 and len(quarantine) == 11
    assert any(q["reason"] == "unsupported file type" and q["source"].endswith("README.md")
               for q in quarantine)


@pytest.mark.slow
def test_flow_default_engine_clusters_with_minilm_and_labels(tmp_path: Path, sample_slice: Path,
                                                             prefect_server, monkeypatch):
    """The production engine (MiniLM, trained detectors, keyphrase labels) on real calls."""
    monkeypatch.setenv("CALLINSIGHT_EMBEDDER", "minilm")
    result = run_night(sample_slice, tmp_path, NIGHT1)
    assert result.rows["calls"] == 30
    issues = read_partition(tmp_path, "issues", NIGHT1).to_pylist()
    calls = read_partition(tmp_path, "calls", NIGHT1).to_pylist()
    assigned = {c["primary_issue_id"] for c in calls} - {-1}
    assert assigned <= {i["issue_id"] for i in issues}
    assert all(i["label"] and i["keywords"] for i in issues)
    turns = read_partition(tmp_path, "turns", NIGHT1).to_pylist()
    assert any(t["is_pain_point"] for t in turns)
    assert all(t["empathy_score"] is not None for t in turns if t["speaker"] == "agent")
    for t in turns:  # the empathy model's mechanism heads, agent turns only
        for column in ("empathy_reaction", "empathy_interpretation"):
            if t["speaker"] == "agent":
                assert 0.0 <= t[column] <= 1.0
            else:
                assert t[column] is None
    agents = read_partition(tmp_path, "agent_daily", NIGHT1).to_pylist()
    assert agents and all(0.0 <= a[column] <= 1.0 for a in agents
                          for column in ("mean_reaction", "mean_interpretation"))
    summary = next((tmp_path / "summaries" / f"run_date={NIGHT1}").glob("*.md")).read_text()
    assert "| interpretation |" in summary


def test_flow_scores_german_calls_with_the_german_detectors(tmp_path: Path, prefect_server):
    """Real German feedback through the nightly flow: read as German, German pain points
    with German category rules, issue keywords folded to ASCII, every contract column."""
    slice_dir = Path(__file__).parent / "data" / "german_slice"
    run_night(slice_dir, tmp_path, NIGHT1)
    con = duckdb.connect()
    calls = con.sql(f"select language, pain_point_count from read_parquet("
                    f"'{tmp_path}/calls/**/*.parquet')").fetchall()
    assert len(calls) == 30 and sum(lang == "de" for lang, _ in calls) >= 28
    assert 10 <= sum(n > 0 for _, n in calls) <= 28
    categories = {c for (c,) in con.sql(
        f"select category from read_parquet('{tmp_path}/pain_points/**/*.parquet')").fetchall()}
    assert categories - {"other"}  # the German rules name at least one category
    for table, columns in REQUIRED.items():
        assert set(columns) <= set(read_partition(tmp_path, table, NIGHT1).column_names)
    keywords = con.sql(f"select keywords from read_parquet('{tmp_path}/issues/**/*.parquet')"
                       ).fetchall()
    assert all(w.isascii() for (words,) in keywords for w in words)
    # The English NER's German "names" need a given name or a title: 59 [NAME] in these
    # 529 words without that check, 13 with it (mostly personal @handles).
    texts = [t for (t,) in con.sql(
        f"select text from read_parquet('{tmp_path}/turns/**/*.parquet')").fetchall()]
    assert sum(t.count("[NAME]") for t in texts) <= 20


def test_flow_reads_spoken_vendor_calls(tmp_path: Path, prefect_server):
    """Three real contact-centre calls from Amazon's transcription services (tests/data/
    spoken_calls): every turn kept, the vendor's own [PII] redaction kept as written, the
    customer's problem quoted, polite agent negations not read as negative."""
    slice_dir = Path(__file__).parent / "data" / "spoken_calls"
    sent = read_input(slice_dir / "2026-11-25" / "calls.jsonl")
    run_night(slice_dir, tmp_path, NIGHT1)
    con = duckdb.connect()
    turns = con.sql(f"select call_id, turn_index, speaker, text, sentiment from read_parquet("
                    f"'{tmp_path}/turns/**/*.parquet') order by call_id, turn_index").fetchall()
    assert len(turns) == sum(len(c["turns"]) for c in sent) == 62
    texts = [t for _, _, _, t, _ in turns]
    assert not any("[[" in t for t in texts)  # was "[[NAME]] hi [[NAME]]"
    assert sum(t.count("[PII]") for t in texts) == sum(
        t["text"].count("[PII]") for c in sent for t in c["turns"])
    quotes = [q for (q,) in con.sql(
        f"select quote from read_parquet('{tmp_path}/pain_points/**/*.parquet')").fetchall()]
    assert any("card fell into the water" in q for q in quotes)
    by_text = {t: s for _, _, _, t, s in turns}
    assert by_text["Uh Not a problem. Let's see if we can get that taken care of you. Uh "
                   "What's your name?"] > -0.05  # -0.55 before polite negations were read

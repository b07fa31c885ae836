"""Tests for the through-the-pipeline clustering check (flows.evaluation.through_pipeline)."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from flows.evaluation.through_pipeline import score, write_calls


def test_through_pipeline_writes_one_turn_calls_and_scores_the_calls_table(tmp_path):
    bank = tmp_path / "data" / "banking77"
    bank.mkdir(parents=True)
    (bank / "train.csv").write_text(
        "text,category\nwhere is my card,card_arrival\nmy card has not come,card_arrival\n"
        "change my pin,change_pin\nhow to change pin,change_pin\n", encoding="utf-8")
    gold = write_calls(tmp_path / "data", 3, tmp_path / "calls.jsonl")
    calls = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert len(calls) == 3 == len(gold)
    assert all(len(c["turns"]) == 1 and c["turns"][0]["speaker"] == "customer" for c in calls)
    assert {c["call_id"]: c["turns"][0]["text"] for c in calls}.keys() == gold.keys()

    part = tmp_path / "out" / "calls" / "run_date=2026-11-27"
    part.mkdir(parents=True)
    ids = {"banking77-0": 0, "banking77-1": 1, "banking77-2": -1}
    pq.write_table(pa.table({"call_id": list(ids), "primary_issue_id": list(ids.values())}),
                   part / "part-0.parquet")
    result = score(tmp_path / "out", gold)
    assert result["calls"] == 3 and result["issues"] == 2 and result["outliers"] == 0.333
    assert 0.0 <= result["NMI"] <= 1.0

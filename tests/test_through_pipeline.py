"""Tests for the clustering checks beside the eval suite: through the pipeline, and spread."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from flows.evaluation.spread import subsample_scores
from flows.evaluation.through_pipeline import read_statements, sample_calls, score
from flows.evaluation.through_run import score_epitome, score_texts, score_tweetsumm
from nlp.embeddings import HashingEmbedder


def test_through_pipeline_makes_one_turn_calls_and_scores_the_calls_table(tmp_path):
    bank = tmp_path / "data" / "banking77"
    bank.mkdir(parents=True)
    (bank / "train.csv").write_text(
        "text,category\nwhere is my card,card_arrival\nmy card has not come,card_arrival\n"
        "change my pin,change_pin\nhow to change pin,change_pin\n", encoding="utf-8")
    lines, gold = sample_calls(tmp_path / "data", 3)
    calls = [json.loads(line) for line in lines]
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


def test_through_pipeline_balances_a_night_per_intent(tmp_path):
    bank = tmp_path / "data" / "banking77"
    bank.mkdir(parents=True)
    rows = ([f"where is my card {i},card_arrival" for i in range(5)]
            + [f"change my pin {i},change_pin" for i in range(2)])
    (bank / "train.csv").write_text("text,category\n" + "\n".join(rows) + "\n",
                                    encoding="utf-8")
    lines, gold = sample_calls(tmp_path / "data", None, per_intent=3)
    assert sorted(gold.values()) == ["card_arrival"] * 3 + ["change_pin"] * 2
    again, _ = sample_calls(tmp_path / "data", None, per_intent=3)
    other, _ = sample_calls(tmp_path / "data", None, seed=1, per_intent=3)
    assert again == lines and len(other) == 5  # seeded: same draw again, same shape
    capped, capped_gold = sample_calls(tmp_path / "data", 4, per_intent=3)
    assert len(capped) == 4 and capped_gold == dict(list(gold.items())[:4])


def test_through_pipeline_reads_every_call_statement_with_its_intent(tmp_path):
    part = tmp_path / "calls" / "run_date=2026-11-27"
    part.mkdir(parents=True)
    pq.write_table(pa.table({"call_id": ["b", "a", "c"],
                             "issue_statement": ["my card [NAME]", None, "pin"]}),
                   part / "part-0.parquet")
    statements, gold = read_statements(tmp_path, {"a": "x", "b": "y", "c": "z"})
    assert statements == ["my card [NAME]", "", "pin"]  # no call dropped, order kept
    assert gold == ["y", "x", "z"]


def test_spread_scores_seeded_subsamples_of_a_set():
    texts = ([f"refund not received for order {i}" for i in range(12)]
             + [f"cannot log in to my account {i}" for i in range(12)])
    gold = ["refund"] * 12 + ["login"] * 12
    first = subsample_scores(texts, gold, HashingEmbedder(), 0.85, samples=3, fraction=0.75)
    assert first == subsample_scores(texts, gold, HashingEmbedder(), 0.85, 3, 0.75)
    assert first["samples"] == 3 and first["issues"] >= 1
    assert 0.0 <= first["NMI"] <= 1.0 and first["NMI_sd"] >= 0.0


def _write(out, table: str, columns: dict) -> None:
    part = out / table / "run_date=2026-11-27"
    part.mkdir(parents=True)
    pq.write_table(pa.table(columns), part / "part-0.parquet")


def test_through_run_scores_empathy_columns_of_agent_turns(tmp_path):
    gold = {f"ep-{i}": {"ER or IP": i % 2, "ER": i % 2, "IP": int(i == 1)} for i in range(4)}
    _write(tmp_path, "turns", {
        "call_id": [c for c in gold for _ in (0, 1)],
        "speaker": ["customer", "agent"] * 4,
        "empathy_score": [None, 0.1, None, 0.9, None, 0.2, None, 0.8],
        "empathy_reaction": [None, 0.1, None, 0.9, None, 0.2, None, 0.8],
        "empathy_interpretation": [None, 0.5, None, 0.6, None, 0.5, None, 0.4]})
    result = score_epitome(tmp_path, gold)
    assert result["calls"] == 4
    assert result["empathy_score AUC ER or IP"] == 1.0
    assert result["empathy_interpretation AUC IP"] == 1.0


def test_through_run_scores_issue_sentences_found_by_pain_points(tmp_path):
    # Call a: sentences (turn, start, end, annotators) 0:0-20 chosen by 3, 0:21-40 by none,
    # 2:0-15 by 1 (left out of P/R/F1). Call b: one chosen sentence, no pain point.
    gold = {"a": {"sentences": [(0, 0, 20, 3), (0, 21, 40, 0), (2, 0, 15, 1)]},
            "b": {"sentences": [(0, 0, 30, 2)]}}
    _write(tmp_path, "pain_points", {
        "call_id": ["a", "a", "a"], "turn_index": [0, 0, 2], "char_start": [21, 5, 0],
        "char_end": [40, 12, 15], "severity": [0.9, 0.5, 0.4]})
    result = score_tweetsumm(tmp_path, gold)
    assert result["issue sentences"] == 2 and result["other customer sentences"] == 1
    assert result["precision"] == 0.5 and result["recall"] == 0.5
    # the most severe pain point lies in the sentence nobody chose
    assert result["calls with a pain point"] == 1
    assert result["top quote in an issue sentence (>= 2 annotators)"] == 0.0


def test_through_run_scores_pain_from_calls_and_sentiment_from_turns(tmp_path):
    gold = {"a": {"pain": 1, "sentiment": "neg"}, "b": {"pain": 0, "sentiment": "pos"},
            "c": {"pain": 0, "sentiment": None}}
    _write(tmp_path, "calls", {"call_id": ["a", "b", "c"], "pain_point_count": [2, 0, 1],
                               "language": ["de", "de", "en"]})
    _write(tmp_path, "turns", {"call_id": ["a", "b", "c"], "sentiment": [-0.5, 0.4, 0.0]})
    result = score_texts(tmp_path, gold)
    assert result["calls"] == 3 and result["languages"] == {"de": 2, "en": 1}
    assert result["sentiment AUC neg"] == 1.0 and result["pain macro-F1"] < 1.0

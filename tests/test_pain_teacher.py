"""Tests of the pain teacher's cascade: who is asked, how its answer decides, the adapters."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.artefacts import _adapted_minilm, load_pain_teacher, save_adapted_minilm
from nlp.adapted_minilm import merge_adapters, native_bf16
from nlp.pain_points import PainPointConfig, detect_pain_points_batch
from nlp.pain_student import PainStudent
from nlp.pain_teacher import PainTeacher, cascade_scores, needs_teacher, on_fast_scale
from nlp.pipeline import build_nlp, split_sentences

NLP = build_nlp()


def test_pain_teacher_asks_only_uncued_turns_strictly_inside_the_band():
    fast = np.array([0.27, 0.2751, 0.425, 0.5749, 0.60, 0.45])
    cued = np.array([False, False, False, False, False, True])
    assert needs_teacher(fast, cued, 0.425, 0.15).tolist() == [
        False, True, True, True, False, False]
    assert not needs_teacher(fast, cued, 0.425, 0.0).any()


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.05, 0.95),
       st.floats(0.05, 0.95), st.floats(0.01, 0.3))
def test_pain_teacher_scale_keeps_its_decision_and_ranking(p, q, t, threshold, band):
    mapped = on_fast_scale(np.array([p, q]), threshold, band, t)
    assert (mapped[0] >= threshold) == (p >= t)
    assert threshold - band - 1e-9 <= mapped.min() <= mapped.max() <= threshold + band + 1e-9
    if p < q:
        assert mapped[0] <= mapped[1]


def test_pain_teacher_decides_inside_the_band_and_nowhere_else():
    fast = np.array([0.10, 0.40, 0.50, 0.90, 0.45])
    cued = np.array([False, False, False, False, True])
    teacher = np.array([0.99, 0.90, 0.05, 0.01, 0.0])
    scores = cascade_scores(fast, cued, teacher, 0.425, 0.15, 0.4)
    assert scores[[0, 3, 4]].tolist() == [0.10, 0.90, 0.45]
    assert (scores[[1, 2]] >= 0.425).tolist() == [True, False]


def test_pain_teacher_merged_adapters_equal_the_adapted_layer():
    import torch

    rng = np.random.default_rng(0)
    w = torch.from_numpy(rng.normal(size=(6, 4)).astype(np.float32))
    a = rng.normal(size=(2, 4)).astype(np.float32)
    b = rng.normal(size=(6, 2)).astype(np.float32)
    x = torch.from_numpy(rng.normal(size=(3, 4)).astype(np.float32))
    merged = merge_adapters({"l.weight": w, "l.bias": torch.zeros(6)},
                            {"l.lora_a": a, "l.lora_b": b}, scale=2.0)
    adapted = x @ w.T + 2.0 * (x @ torch.from_numpy(a).T @ torch.from_numpy(b).T)
    assert torch.allclose(x @ merged["l.weight"].T, adapted, atol=1e-5)
    with pytest.raises(KeyError):
        merge_adapters({}, {"l.lora_a": a, "l.lora_b": b}, scale=1.0)


class FixedTeacher:
    """A teacher that answers from a table and records what it was asked."""

    threshold = 0.5
    band = 0.15

    def __init__(self, answers: dict[str, float]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def score(self, texts):
        self.asked += list(texts)
        return np.array([self.answers[t] for t in texts])


def _fast_scores(texts, models):
    detector, _, encoder = models
    return detector.predict_proba(texts, encoder)[:, detector.classes.index("1")]


def test_pain_teacher_flips_the_turns_it_is_asked_about_in_the_pipeline(models):
    detector, categoriser, encoder = models
    threshold = float(detector.meta["threshold"])
    candidates = ["my bag is still in denver", "the seat was fine I guess", "thanks a lot",
                  "where is my refund", "is the lounge open today", "my flight got moved",
                  "the app shows the old booking", "no one answers the phone"]
    fast = _fast_scores(candidates, models)
    inside = [t for t, p in zip(candidates, fast, strict=True)
              if abs(p - threshold) < FixedTeacher.band]
    assert len(inside) >= 2, "the test needs one-sentence turns near the threshold"
    spans = split_sentences(NLP, inside)
    turns = [("c1", i, t, s) for i, (t, s) in enumerate(zip(inside, spans, strict=True))]
    for answer in (0.9, 0.1):
        teacher = FixedTeacher(dict.fromkeys(inside, answer))
        found = detect_pain_points_batch(turns, PainPointConfig(cue_union=False,
                                                                plain_requests=None),
                                         detector, categoriser, encoder, teacher)
        assert sorted(teacher.asked) == sorted(inside)
        assert all(bool(f) == (answer > 0.5) for f in found)


def test_pain_teacher_is_not_asked_about_cued_or_clear_turns(models):
    detector, categoriser, encoder = models
    texts = ["I still haven't received my refund", "Thank you so much, have a great day!"]
    spans = split_sentences(NLP, texts)
    turns = [("c1", i, t, s) for i, (t, s) in enumerate(zip(texts, spans, strict=True))]
    teacher = FixedTeacher({})
    found = detect_pain_points_batch(turns, PainPointConfig(), detector, categoriser, encoder,
                                     teacher)
    assert teacher.asked == []
    assert [bool(f) for f in found] == [True, False]


@pytest.mark.slow
def test_pain_teacher_artefact_reads_pain_and_not_pain():
    teacher = load_pain_teacher()
    assert teacher is not None and 0 < teacher.band < 0.5
    p = teacher.score(["My flight was cancelled and nobody called me back.",
                       "Thanks, have a lovely weekend!"])
    assert p[0] >= teacher.threshold > p[1]
    assert np.array_equal(p, teacher.score(["My flight was cancelled and nobody called me "
                                            "back.", "Thanks, have a lovely weekend!"]))


@pytest.mark.slow
def test_pain_teacher_reads_the_same_in_bfloat16():
    texts = ["My flight was cancelled and nobody called me back.",
             "Thanks, have a lovely weekend!", "I want to change my seat please",
             "the app keeps logging me out every time I open it"]
    exact = load_pain_teacher(bf16=False)
    fast = load_pain_teacher(bf16=True)
    assert exact.bf16 is False and fast.bf16 is True
    p32, p16 = exact.score(texts), fast.score(texts)
    assert exact.texts_read == fast.texts_read == len(texts)  # what `make bench` reports
    assert np.abs(p32 - p16).max() < 0.02
    assert np.array_equal(p32 >= exact.threshold, p16 >= fast.threshold)


def test_pain_teacher_loads_unless_the_setting_leaves_it_out(monkeypatch):
    from flows.engine import load_detectors
    from flows.settings import Settings
    from flows.training.pain_teacher import BANDS, THRESHOLDS

    monkeypatch.delenv("CALLINSIGHT_PAIN_TEACHER_BF16", raising=False)
    shipped = load_detectors().pain_teacher
    assert isinstance(shipped, PainTeacher)
    assert shipped.band in BANDS and shipped.threshold in THRESHOLDS
    # Without the teacher, its distilled student reads those turns.
    assert isinstance(load_detectors(pain_teacher=False).pain_teacher, PainStudent)
    assert Settings(pain_teacher="false").pain_teacher is False
    assert Settings().pain_teacher_bf16 is None
    assert Settings(pain_teacher_bf16="false").pain_teacher_bf16 is False
    assert load_detectors(teacher_bf16=False).pain_teacher.bf16 is False
    assert load_detectors().pain_teacher.bf16 is native_bf16()
    monkeypatch.setenv("CALLINSIGHT_PAIN_TEACHER_BF16", "false")  # as `callinsight eval` reads it
    assert load_pain_teacher().bf16 is False


def test_band_widens_only_while_each_step_pays_for_the_turns_it_adds():
    from flows.training.pain_teacher import MIN_GAIN_PER_POINT, widest_worthwhile_band

    asked = {0.1: 0.10, 0.2: 0.20, 0.3: 0.30, 0.4: 0.40}
    per_step = 10 * MIN_GAIN_PER_POINT  # what a 10-point step must gain
    f1 = {0.1: 0.80, 0.2: 0.80 + 2 * per_step, 0.3: 0.80 + 2.5 * per_step,
          0.4: 0.80 + 5 * per_step}
    # 0.1 -> 0.2 pays, 0.2 -> 0.3 does not; the walk stops there, even though 0.4 is best.
    assert widest_worthwhile_band(f1, asked) == 0.2
    assert widest_worthwhile_band({0.1: 0.8, 0.2: 0.79}, {0.1: 0.1, 0.2: 0.2}) == 0.1
    # A wider band that adds no turns is no step at all.
    assert widest_worthwhile_band({0.1: 0.8, 0.2: 0.9}, {0.1: 0.1, 0.2: 0.1}) == 0.1
    assert widest_worthwhile_band({0.15: 0.8}, {0.15: 0.2}) == 0.15


def test_adapted_minilm_artefact_round_trip_and_meta_only_rewrite(tmp_path):
    arrays = {"encoder.layer.0.x.lora_a": np.ones((2, 3), np.float16),
              "head.weight": np.arange(3, dtype=np.float32).reshape(1, 3)}
    save_adapted_minilm(tmp_path, {"threshold": 0.4, "lora_scale": 2.0}, arrays)
    _, read, meta = _adapted_minilm(tmp_path)
    assert meta == {"threshold": 0.4, "lora_scale": 2.0}
    assert read.keys() == arrays.keys()
    assert all(np.array_equal(read[k], arrays[k]) and read[k].dtype == arrays[k].dtype
               for k in arrays)
    save_adapted_minilm(tmp_path, {**meta, "threshold": 0.35})  # the adapters stay
    _, again, meta = _adapted_minilm(tmp_path)
    assert meta["threshold"] == 0.35 and np.array_equal(again["head.weight"], arrays["head.weight"])

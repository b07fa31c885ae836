"""Tests for the eval table's bootstrap intervals: each resample's metric equals scikit-learn's
on the resample spelled out, the intervals are seeded, and they hold the full set's figure."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score, roc_auc_score

from flows.evaluation.intervals import (
    binary_intervals,
    macro_f1_per_resample,
    multiclass_f1_interval,
    paired_f1_gain,
    paired_roc_auc_gain,
    resample_counts,
    roc_auc_per_resample,
)
from flows.evaluation.report import binary_row, format_table, multiclass_row


def spelled_out(counts_row: np.ndarray) -> np.ndarray:
    """The item indices of one resample, each as often as it was drawn."""
    return np.repeat(np.arange(len(counts_row)), counts_row.astype(int))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.sampled_from([0.1, 0.3, 0.5, 0.5, 0.9])),
                min_size=2, max_size=40))
def test_every_resample_scores_as_sklearn_does_with_ties(items):
    y = np.array([i[0] for i in items])
    s = np.array([i[1] for i in items])
    counts = resample_counts(len(y), resamples=20, seed=3)
    f1 = macro_f1_per_resample(y, (s >= 0.5).astype(int), counts)
    auc = roc_auc_per_resample(y, s, counts)
    for b in range(len(counts)):
        idx = spelled_out(counts[b])
        labels = sorted(set(y.tolist()) | set((s >= 0.5).astype(int).tolist()))
        assert np.isclose(f1[b], f1_score(y[idx], (s[idx] >= 0.5).astype(int), labels=labels,
                                          average="macro", zero_division=0))
        if len(set(y[idx].tolist())) == 2:
            assert np.isclose(auc[b], roc_auc_score(y[idx], s[idx]))
        else:
            assert np.isnan(auc[b])


def test_multiclass_resamples_score_as_sklearn_does():
    rng = np.random.default_rng(0)
    y = rng.choice(["neg", "neu", "pos"], 200)
    pred = np.where(rng.random(200) < 0.7, y, rng.choice(["neg", "neu", "pos"], 200))
    counts = resample_counts(200, resamples=10, seed=1)
    f1 = macro_f1_per_resample(y, pred, counts, labels=["neg", "neu", "pos"])
    for b in range(10):
        idx = spelled_out(counts[b])
        assert np.isclose(f1[b], f1_score(y[idx], pred[idx], labels=["neg", "neu", "pos"],
                                          average="macro", zero_division=0))


def test_intervals_are_seeded_hold_the_figure_and_narrow_with_more_items():
    rng = np.random.default_rng(7)

    def draw(n):
        y = rng.integers(0, 2, n)
        return y, y * 0.4 + rng.random(n)

    y, s = draw(300)
    (f_low, f_high), (a_low, a_high) = binary_intervals(y, s, 0.7)
    assert binary_intervals(y, s, 0.7) == ((f_low, f_high), (a_low, a_high))
    assert f_low < f1_score(y, (s >= 0.7).astype(int), average="macro") < f_high
    assert a_low < roc_auc_score(y, s) < a_high
    y_big, s_big = draw(3000)
    (big_low, big_high), _ = binary_intervals(y_big, s_big, 0.7)
    assert big_high - big_low < (f_high - f_low) / 2


def test_one_class_has_no_auc_interval_and_the_table_prints_what_exists():
    assert binary_intervals([1, 1, 1], [0.2, 0.6, 0.9], 0.5)[1] is None
    row = binary_row("d", "set", "split", [0, 1, 0, 1, 1, 0] * 10,
                     [0.1, 0.8, 0.4, 0.7, 0.3, 0.2] * 10, 0.5, note="threshold 0.5")
    line = format_table([row]).splitlines()[-1]
    assert "threshold 0.5; 95% CI F1 " in line and ", ROC-AUC " in line
    row = multiclass_row("d", "set", "split", ["a", "b"] * 10, ["a", "a"] * 10)
    assert format_table([row]).splitlines()[-1].count("95% CI F1 ") == 1
    assert multiclass_f1_interval(["a", "b"] * 10, ["a", "b"] * 10) == (1.0, 1.0)


def test_paired_gain_is_the_f1_difference_and_narrower_than_two_intervals():
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, 800)
    base = np.where(rng.random(800) < 0.75, y, 1 - y)
    better = np.where(rng.random(800) < 0.1, y, base)  # fixes some of base's errors only
    gain, (low, high) = paired_f1_gain(y, better, base)
    f1_better, f1_base = (f1_score(y, p, average="macro") for p in (better, base))
    assert np.isclose(gain, f1_better - f1_base)
    assert 0 < low < gain < high
    (a_low, _a_high), _ = binary_intervals(y, better, 0.5)
    (b_low, _b_high), _ = binary_intervals(y, base, 0.5)
    assert a_low < _b_high  # the two intervals overlap, yet the paired one excludes 0
    assert paired_f1_gain(y, base, base) == (0.0, (0.0, 0.0))


def test_paired_auc_gain_is_the_auc_difference_and_zero_for_the_same_score():
    rng = np.random.default_rng(12)
    y = rng.integers(0, 2, 600)
    base = y + rng.normal(0, 1.2, 600)
    better = 0.5 * base + 0.5 * (y + rng.normal(0, 1.2, 600))  # a second, independent view
    gain, (low, high) = paired_roc_auc_gain(y, better, base)
    assert np.isclose(gain, roc_auc_score(y, better) - roc_auc_score(y, base))
    assert 0 < low < gain < high
    assert paired_roc_auc_gain(y, base, base) == (0.0, (0.0, 0.0))

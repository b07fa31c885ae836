"""Bootstrap confidence intervals for the eval table's macro-F1 and ROC-AUC.

A row's figure is one test set's; these intervals say how far it would move on another draw of
the same size: the 2.5th and 97.5th percentiles over `RESAMPLES` resamples of the test items
with replacement (the percentile bootstrap), seeded, so that a rerun prints the same table.
Each resample is a row of counts (how often each item was drawn), so every metric is a few
matrix products over the counts, not a Python loop over resamples.
"""

from __future__ import annotations

import numpy as np

RESAMPLES = 1000
LEVEL = 0.95
SEED = 0

Interval = tuple[float, float]  # (low, high)


def resample_counts(n: int, resamples: int = RESAMPLES, seed: int = SEED) -> np.ndarray:
    """(resamples x n) draw counts: row b says how often each of the n items is in resample b."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(np.float64)


def macro_f1_per_resample(y_true, y_pred, counts: np.ndarray, labels=None) -> np.ndarray:
    """Macro-F1 over `labels` (default: every label in `y_true` or `y_pred`) in each resample;
    a class with no true and no predicted item in a resample scores 0, as sklearn's
    `zero_division=0` does."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    labels = sorted(set(y_true.tolist()) | set(y_pred.tolist())) if labels is None else labels
    scores = []
    for label in labels:
        t, p = y_true == label, y_pred == label
        tp = counts @ (t & p)
        wrong = counts @ (t ^ p)  # false positives + false negatives
        denominator = 2 * tp + wrong
        scores.append(np.divide(2 * tp, denominator, out=np.zeros_like(tp),
                                where=denominator > 0))
    return np.mean(scores, axis=0)


def roc_auc_per_resample(y_true, y_score, counts: np.ndarray) -> np.ndarray:
    """ROC-AUC of a binary score in each resample (ties count half); NaN where a resample
    lacks one of the classes."""
    y_true = np.asarray(y_true).astype(bool)
    y_score = np.asarray(y_score, dtype=np.float64)
    order = np.argsort(y_score, kind="stable")
    sorted_scores = y_score[order]
    # Items of equal score form one group; groups are contiguous once sorted.
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    weights = counts[:, order]
    positives = np.add.reduceat(weights * y_true[order], starts, axis=1)
    negatives = np.add.reduceat(weights * ~y_true[order], starts, axis=1)
    below = np.cumsum(negatives, axis=1) - negatives
    pairs = positives.sum(1) * negatives.sum(1)
    won = (positives * (below + 0.5 * negatives)).sum(1)
    return np.divide(won, pairs, out=np.full(len(pairs), np.nan), where=pairs > 0)


def percentile_interval(values: np.ndarray, level: float = LEVEL) -> Interval:
    """The central `level` share of `values` (NaNs left out)."""
    tail = (1.0 - level) / 2 * 100
    low, high = np.nanpercentile(values, [tail, 100 - tail])
    return float(low), float(high)


def binary_intervals(y_true, y_score, threshold: float, resamples: int = RESAMPLES,
                     seed: int = SEED) -> tuple[Interval, Interval | None]:
    """95% intervals of the macro-F1 at `threshold` and of the ROC-AUC (None when `y_true`
    holds one class) of a binary detector."""
    y_true = np.asarray(y_true).astype(int)
    y_score = np.asarray(y_score, dtype=np.float64)
    counts = resample_counts(len(y_true), resamples, seed)
    f1 = percentile_interval(macro_f1_per_resample(
        y_true, (y_score >= threshold).astype(int), counts))
    if len(set(y_true.tolist())) < 2:
        return f1, None
    return f1, percentile_interval(roc_auc_per_resample(y_true, y_score, counts))


def roc_auc_interval(y_true, y_score, resamples: int = RESAMPLES,
                     seed: int = SEED) -> Interval:
    """95% interval of the ROC-AUC of a binary score (`y_true` must hold both classes)."""
    counts = resample_counts(len(y_true), resamples, seed)
    return percentile_interval(roc_auc_per_resample(y_true, y_score, counts))


def paired_f1_gain(y_true, pred_a, pred_b, resamples: int = RESAMPLES,
                   seed: int = SEED) -> tuple[float, Interval]:
    """Macro-F1 of `pred_a` minus that of `pred_b` on the same items, and the 95% interval of
    that difference over resamples that score both on the same draw (a paired bootstrap: what
    the two share does not widen the interval, as two separate intervals would)."""
    y_true = np.asarray(y_true)
    labels = sorted(set(y_true.tolist()) | set(np.asarray(pred_a).tolist())
                    | set(np.asarray(pred_b).tolist()))

    def gains(counts: np.ndarray) -> np.ndarray:
        return (macro_f1_per_resample(y_true, pred_a, counts, labels)
                - macro_f1_per_resample(y_true, pred_b, counts, labels))

    return _paired_gain(gains, len(y_true), resamples, seed)


def paired_roc_auc_gain(y_true, score_a, score_b, resamples: int = RESAMPLES,
                        seed: int = SEED) -> tuple[float, Interval]:
    """ROC-AUC of `score_a` minus that of `score_b` on the same items (`y_true` must hold both
    classes), and the paired 95% interval of that difference (as `paired_f1_gain`)."""
    def gains(counts: np.ndarray) -> np.ndarray:
        return (roc_auc_per_resample(y_true, score_a, counts)
                - roc_auc_per_resample(y_true, score_b, counts))

    return _paired_gain(gains, len(y_true), resamples, seed)


def _paired_gain(gains, n: int, resamples: int, seed: int) -> tuple[float, Interval]:
    """`gains` (draw counts -> one difference per resample) on the whole test set (every item
    once), and the 95% interval of the differences over the seeded resamples."""
    gain = float(gains(np.ones((1, n)))[0])
    return gain, percentile_interval(gains(resample_counts(n, resamples, seed)))


def multiclass_f1_interval(y_true, y_pred, labels=None, resamples: int = RESAMPLES,
                           seed: int = SEED) -> Interval:
    """95% interval of the macro-F1 over `labels` of a multi-class prediction."""
    counts = resample_counts(len(y_true), resamples, seed)
    return percentile_interval(macro_f1_per_resample(y_true, y_pred, counts, labels))

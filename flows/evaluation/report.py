"""One table of evaluation results: a row per detector, dataset and split."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support, roc_auc_score

from flows.evaluation.intervals import Interval, binary_intervals, multiclass_f1_interval


@dataclass(frozen=True)
class Row:
    """One measured result; metrics that do not apply are NaN."""

    detector: str
    dataset: str
    split: str  # e.g. "held-out 20%", "cross: train airline -> test tweetsumm"
    n: int
    precision: float = math.nan
    recall: float = math.nan
    f1: float = math.nan  # macro-F1 unless `note` says otherwise
    roc_auc: float = math.nan
    extra: dict[str, float] = field(default_factory=dict)  # e.g. NMI, ARI, outliers
    note: str = ""
    f1_ci: Interval | None = None  # 95% bootstrap intervals (flows.evaluation.intervals)
    roc_auc_ci: Interval | None = None


def binary_row(detector: str, dataset: str, split: str, y_true, y_score, threshold: float,
               note: str = "") -> Row:
    """Macro precision/recall/F1 at `threshold` and ROC-AUC of a binary detector."""
    y_true = np.asarray(y_true).astype(int)
    y_score = np.asarray(y_score, dtype=float)
    y_pred = (y_score >= threshold).astype(int)
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="macro",
                                                 zero_division=0)
    auc = roc_auc_score(y_true, y_score) if len(set(y_true)) == 2 else math.nan
    f1_ci, auc_ci = binary_intervals(y_true, y_score, threshold)
    return Row(detector, dataset, split, len(y_true), p, r, f, auc, note=note, f1_ci=f1_ci,
               roc_auc_ci=auc_ci)


def multiclass_row(detector: str, dataset: str, split: str, y_true, y_pred,
                   note: str = "") -> Row:
    """Macro precision/recall/F1 of a multi-class prediction."""
    p, r, _, _ = precision_recall_fscore_support(y_true, y_pred, average="macro",
                                                 zero_division=0)
    f = f1_score(y_true, y_pred, average="macro", zero_division=0)
    return Row(detector, dataset, split, len(y_true), p, r, f, note=note,
               f1_ci=multiclass_f1_interval(y_true, y_pred))


def _fmt(x: float) -> str:
    return "" if isinstance(x, float) and math.isnan(x) else f"{x:.3f}"


def format_intervals(row: Row) -> str:
    """The row's intervals as the table prints them ("95% CI F1 0.771-0.811, ROC-AUC
    0.855-0.890"), or "" when it has none."""
    parts = [f"{name} {_fmt(ci[0])}-{_fmt(ci[1])}"
             for name, ci in (("F1", row.f1_ci), ("ROC-AUC", row.roc_auc_ci)) if ci]
    return f"95% CI {', '.join(parts)}" if parts else ""


def format_table(rows: list[Row]) -> str:
    """A Markdown table of the rows (also readable in a terminal)."""
    head = "| detector | dataset | split | n | precision | recall | F1 | ROC-AUC | other |"
    lines = [head, "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        other = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                          for k, v in r.extra.items())
        for part in (r.note, format_intervals(r)):
            if part:
                other = f"{other}; {part}" if other else part
        lines.append(f"| {r.detector} | {r.dataset} | {r.split} | {r.n} | {_fmt(r.precision)} "
                     f"| {_fmt(r.recall)} | {_fmt(r.f1)} | {_fmt(r.roc_auc)} | {other} |")
    return "\n".join(lines)

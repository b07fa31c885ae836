"""The issue catalogue's records and their persistence: entries, JSON state, daily rows.

Pure helpers of `nlp.issues`: no files are read or written here; the flow stores the JSON
dict and the centroid matrix (`flows/state.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.stats import binom

if TYPE_CHECKING:
    from nlp.embeddings import Embedder

STATE_VERSION = 1


@dataclass(slots=True)
class Issue:
    """One catalogue entry; `centroid` is the unit-length mean of its members' embeddings."""

    issue_id: int
    label: str
    keywords: list[str]
    example_quotes: list[str]
    first_seen: date
    last_seen: date
    centroid: np.ndarray
    calls_total: int = 0
    history: dict[str, int] = field(default_factory=dict)  # ISO date -> calls that night


MATCH_DTYPE = "<U6"  # the longest `Assignment.match`, "routed"


@dataclass(frozen=True, slots=True)
class Assignment:
    """A night's issue ids and how firmly each statement holds its issue.

    `similarity` is the cosine to the issue's centroid when the statement was assigned (NaN
    at -1 and for routed statements, which the embedder did not read). `match` says how
    firmly: "known", an issue of an earlier night, and "new", one created tonight, both at a
    cosine >= the match threshold; "loose", below it (only the outlier-reduction pass placed
    it, above the floor); "routed", on a night too large to embed whole, the router's
    classifier chose it; "" at -1. All three are arrays aligned with the night's statements.
    """

    issue_ids: np.ndarray  # int64, -1: fits no issue
    similarity: np.ndarray  # float32
    match: np.ndarray  # str


def issue_daily_row(issue: Issue, run_date: date, window: list[str], totals: dict[str, int],
                    growth_factor: float, min_growing_calls: int, alpha: float
                    ) -> dict[str, Any]:
    """One `issue_daily` row: tonight's calls and share against the trailing-window baseline.

    `baseline` is the mean share over the nights of `window` (ISO dates) that the catalogue
    saw. An issue grows when it has >= `min_growing_calls` calls, its share exceeds
    `growth_factor` times the baseline, and that rise is more than night-to-night chance:
    `growth_p_value` < `alpha`. The test compares tonight with the window's nights since the
    issue was first seen: before, it could not have had calls, and counting those nights as
    empty made every young issue look like it grew. So no issue grows on its first night
    (`is_new` says it is new) or on a catalogue's first night.
    """
    total = totals.get(run_date.isoformat(), 0)
    calls = issue.history.get(run_date.isoformat(), 0)
    share = calls / total if total else 0.0
    seen = [d for d in window if totals.get(d)]
    shares = [issue.history.get(d, 0) / totals[d] for d in seen]
    baseline = sum(shares) / len(shares) if shares else 0.0
    lived = [d for d in seen if d >= issue.first_seen.isoformat()]
    p_value = growth_p_value(calls, total, sum(issue.history.get(d, 0) for d in lived),
                             sum(totals[d] for d in lived))
    return {
        "issue_id": issue.issue_id,
        "calls": calls,
        "share": share,
        "baseline": baseline,
        "change": share - baseline,
        "is_new": issue.first_seen == run_date,
        "is_growing": (calls >= min_growing_calls and share > baseline * growth_factor
                       and p_value < alpha),
        "growth_p_value": p_value,
    }


def growth_p_value(calls: int, total: int, window_calls: int, window_total: int) -> float:
    """How likely tonight's `calls` of `total` are, or more, if the issue's rate were still
    its window's (`window_calls` of `window_total`): the one-sided conditional binomial test
    of two Poisson counts (given their sum, tonight's count is binomial with tonight's share
    of all the calls). 1.0 when there is nothing to compare.

    A fixed ratio to the baseline alone flags noise: after seven simulated nights of 625
    BANKING77 queries, the rule before stop 18 (the ratio, new issues included) flagged 7
    issues on an eighth in the same mix; with this test, 0.3 (`callinsight eval --suite
    growth`).
    """
    if calls == 0 or total == 0 or window_total == 0:
        return 1.0
    return float(binom.sf(calls - 1, calls + window_calls, total / (total + window_total)))


def issue_to_json(issue: Issue) -> dict[str, Any]:
    return {
        "issue_id": issue.issue_id,
        "label": issue.label,
        "keywords": list(issue.keywords),
        "example_quotes": list(issue.example_quotes),
        "first_seen": issue.first_seen.isoformat(),
        "last_seen": issue.last_seen.isoformat(),
        "calls_total": issue.calls_total,
        "history": dict(sorted(issue.history.items())),
    }


def issue_from_json(entry: dict[str, Any], centroid: np.ndarray) -> Issue:
    return Issue(
        issue_id=int(entry["issue_id"]),
        label=str(entry["label"]),
        keywords=[str(k) for k in entry["keywords"]],
        example_quotes=[str(q) for q in entry["example_quotes"]],
        first_seen=date.fromisoformat(entry["first_seen"]),
        last_seen=date.fromisoformat(entry["last_seen"]),
        centroid=np.asarray(centroid, dtype=np.float32).copy(),
        calls_total=int(entry["calls_total"]),
        history={str(k): int(v) for k, v in entry["history"].items()},
    )


def check_state(state: dict[str, Any], centroids: np.ndarray, embedder: Embedder) -> None:
    version = state.get("state_version")
    if version != STATE_VERSION:
        raise ValueError(f"unsupported issue catalogue state_version {version!r}")
    if state.get("embedder") != embedder.name:
        raise ValueError(
            f"state was built with embedder {state.get('embedder')!r}, not {embedder.name!r}"
        )
    n_issues = len(state["issues"])
    if centroids.ndim != 2 or centroids.shape[0] != n_issues:
        raise ValueError(f"centroid matrix {centroids.shape} does not fit {n_issues} issues")

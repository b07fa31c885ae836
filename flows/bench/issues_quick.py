"""Quick measurement of the issue catalogue on banking77 (used to choose its defaults).

Clusters 2,000 random banking77 training statements in one `IssueCatalogue.update` with
MiniLM embeddings and prints NMI/ARI against the 77 gold intents, the number of issues, the
outlier share and wall time for a few settings; then simulates two nights to check how
`match_threshold` trades matched share against purity.

Run: HF_HUB_OFFLINE=1 .venv/bin/python flows/bench/issues_quick.py [--rows 2000]
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from nlp.embeddings import MiniLMEmbedder
from nlp.issues import IssueCatalogue, IssueCatalogueConfig

# ../shared/data beside the repository (see its README).
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "banking77" / "train.csv"
NIGHT1, NIGHT2 = date(2026, 11, 25), date(2026, 11, 26)
SETTINGS = [  # (distance_threshold, pca_dims)
    (0.4, 0), (0.45, 0), (0.5, 0), (0.6, 0), (0.5, 50), (0.6, 50),
]


class CachedEmbedder:
    """Embeds each text once with MiniLM so that settings compare clustering, not encoding."""

    name = MiniLMEmbedder.name

    def __init__(self, texts: list[str]) -> None:
        start = time.perf_counter()
        vectors = MiniLMEmbedder().encode(texts)
        self.seconds = time.perf_counter() - start
        self._cache = dict(zip(texts, vectors, strict=True))

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._cache[t] for t in texts])


def read_sample(n_rows: int, seed: int) -> tuple[list[str], list[str]]:
    with DATA.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    picked = np.random.default_rng(seed).choice(len(rows), n_rows, replace=False)
    return [rows[i]["text"] for i in picked], [rows[i]["category"] for i in picked]


def score_one_night(texts, gold, embedder, config) -> str:
    start = time.perf_counter()
    ids = np.asarray(IssueCatalogue(config, embedder).update(texts, NIGHT1))
    seconds = time.perf_counter() - start
    kept = ids != -1
    return (
        f"dist={config.distance_threshold:.2f} pca={config.pca_dims:>2}: "
        f"NMI={normalized_mutual_info_score(gold, ids):.3f} "
        f"ARI={adjusted_rand_score(gold, ids):.3f} "
        f"(non-outliers NMI={normalized_mutual_info_score(np.asarray(gold)[kept], ids[kept]):.3f}"
        f" ARI={adjusted_rand_score(np.asarray(gold)[kept], ids[kept]):.3f}) "
        f"issues={len(set(ids.tolist()) - {-1})}/77 outliers={1 - kept.mean():.1%} "
        f"time={seconds:.1f}s"
    )


def score_two_nights(texts, gold, embedder, base: IssueCatalogueConfig, threshold: float) -> str:
    half = len(texts) // 2
    catalogue = IssueCatalogue(base.model_copy(update={"match_threshold": threshold}), embedder)
    first = catalogue.update(texts[:half], NIGHT1)
    majority = {
        issue: Counter(g for g, i in zip(gold[:half], first, strict=True) if i == issue)
        .most_common(1)[0][0]
        for issue in set(first) - {-1}
    }
    known = set(majority)
    night1 = [(g, i) for g, i in zip(gold[:half], first, strict=True) if i != -1]
    purity1 = np.mean([majority[i] == g for g, i in night1])
    second = catalogue.update(texts[half:], NIGHT2)
    matched = [(g, i) for g, i in zip(gold[half:], second, strict=True) if i in known]
    purity = np.mean([majority[i] == g for g, i in matched]) if matched else float("nan")
    return (
        f"match_threshold={threshold:.2f}: night-2 matched to night-1 issues "
        f"{len(matched) / (len(texts) - half):.1%}, purity {purity:.1%} "
        f"(night-1 members {purity1:.1%}), "
        f"new issues {len(set(second) - known - {-1})}, "
        f"outliers {second.count(-1) / len(second):.1%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    texts, gold = read_sample(args.rows, args.seed)
    embedder = CachedEmbedder(texts)
    print(f"{len(texts)} rows, {len(set(gold))} intents; MiniLM encode {embedder.seconds:.1f}s")
    for distance, pca_dims in SETTINGS:
        config = IssueCatalogueConfig(distance_threshold=distance, pca_dims=pca_dims)
        print(score_one_night(texts, gold, embedder, config))
    base = IssueCatalogueConfig()
    for threshold in (0.45, 0.55, 0.65):
        print(score_two_nights(texts, gold, embedder, base, threshold))


if __name__ == "__main__":
    main()

"""How much a clustering result moves with small changes of the input.

One run per set hides the spread: DSTC11's 913 turns give NMI 0.900 on the full set, 0.881
through `callinsight run` (redaction changes 133 turns). This check runs one night of the
real catalogue on seeded subsamples of a set and prints the mean and standard deviation of
NMI, ARI and the number of issues, for one or more clustering cuts.

With `--statements`, the set first goes once through `callinsight run` (one call per text,
as `flows.evaluation.through_pipeline` sends it) and the subsamples are drawn from the calls'
issue statements: what the nightly catalogue clusters, redacted and cut to the pain or
request sentences, rather than the raw texts.

Run: .venv/bin/python -m flows.evaluation.spread [--set dstc11] [--samples 10]
[--fraction 0.9] [--cuts 0.40,0.45] [--statements] [--embedder minilm] [--data ../shared/data]
(DSTC11 with MiniLM: ~1 min, +1 min with --statements; BANKING77 embeds 10k queries first,
~4 min on 2 cores).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from flows.evaluation.clustering import CachedEmbedder
from flows.evaluation.clustering_data import LOADERS
from flows.evaluation.run import DEFAULT_DATA
from flows.evaluation.through_pipeline import SETS, read_statements, through_flow
from nlp.embeddings import Embedder, build_embedder
from nlp.issues import IssueCatalogue, IssueCatalogueConfig

NIGHT = date(2026, 11, 27)


def subsample_scores(texts: list[str], gold: list[str], embedder: Embedder, cut: float,
                     samples: int, fraction: float) -> dict[str, float]:
    """Mean and s.d. of NMI, ARI and issues over `samples` seeded subsamples (one night each)."""
    rows = []
    for seed in range(samples):
        size = max(1, int(fraction * len(texts)))
        picked = np.sort(np.random.default_rng(seed).choice(len(texts), size, replace=False))
        catalogue = IssueCatalogue(IssueCatalogueConfig(distance_threshold=cut), embedder)
        ids = catalogue.update([texts[i] for i in picked], NIGHT)
        truth = [gold[i] for i in picked]
        rows.append((normalized_mutual_info_score(truth, ids), adjusted_rand_score(truth, ids),
                     len(set(ids) - {-1})))
    values = np.array(rows, dtype=np.float64)
    mean, sd = values.mean(axis=0), values.std(axis=0)
    return {"cut": cut, "samples": samples,
            "NMI": round(float(mean[0]), 3), "NMI_sd": round(float(sd[0]), 3),
            "ARI": round(float(mean[1]), 3), "ARI_sd": round(float(sd[1]), 3),
            "issues": round(float(mean[2]), 1)}


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    """Embed the set once, score every cut, print one JSON line per cut."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="dstc11")
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--fraction", type=float, default=0.9)
    parser.add_argument("--cuts", default="",
                        help="comma-separated cosine cuts (default: the embedder's own)")
    parser.add_argument("--statements", action="store_true",
                        help="cluster the issue statements `callinsight run` makes of the texts")
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if args.statements:
        # Every text of the set through `callinsight run` once: its calls' statements.
        texts, gold = through_flow(args.data, None, args.set, 0, read_statements)
    else:
        texts, gold = LOADERS[SETS[args.set]](args.data)
    embedder = CachedEmbedder(build_embedder(args.embedder), texts)
    results = []
    cuts = ([float(c) for c in args.cuts.split(",")] if args.cuts
            else [embedder.cluster_distance])
    for cut in cuts:
        result = subsample_scores(texts, gold, embedder, cut, args.samples, args.fraction)
        print(json.dumps({"set": args.set, "statements": args.statements, **result}),
              flush=True)
        results.append(result)
    return results


if __name__ == "__main__":
    main()

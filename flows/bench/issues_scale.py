"""Scale benchmark of the issue catalogue (not a test): 100k statements, time and peak memory.

Takes MultiDoGO customer turns (all six domains, all splits: 117k; the first `--rows`),
embeds them with the shipped static model and folds them into an empty catalogue as one
night: a bounded sample (`max_fit_docs`, `nlp.issues.stable_sample`) is clustered, every
other statement is assigned to the nearest issue. Then a second night of the same size (the
same turns, as a night of only known issues would be) measures the steady state. Prints
seconds per stage and the process's peak resident memory (target: <= 5 minutes, <= 2 GB).

`--embedder minilm` runs the default embedder the way the flow does: a night larger than
`max_embedded_docs` embeds a sample of `max_fit_docs` with MiniLM and the static
model routes the rest (`nlp.issues`, "Scale").

Run: HF_HUB_OFFLINE=1 .venv/bin/python -m flows.bench.issues_scale [--rows 100000]
     [--embedder static|minilm]
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date

import numpy as np

from flows.artefacts import load_issue_encoder
from flows.evaluation.clustering_data import load_multidogo_turns
from flows.evaluation.run import DEFAULT_DATA
from nlp.embeddings import build_embedder
from nlp.issues import IssueCatalogue, IssueCatalogueConfig


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--embedder", choices=("static", "minilm"), default="static")
    args = parser.parse_args()
    texts = load_multidogo_turns(DEFAULT_DATA, args.rows)
    embedder = build_embedder(args.embedder, load_issue_encoder)
    router = (build_embedder("static", load_issue_encoder) if args.embedder == "minilm"
              else None)
    catalogue = IssueCatalogue(IssueCatalogueConfig(), embedder, router=router)
    print(f"{len(texts)} statements; after loading: peak {peak_mb():.0f} MB")
    for night in (date(2026, 11, 25), date(2026, 11, 26)):
        start = time.perf_counter()
        ids = np.asarray(catalogue.update(texts, night))
        seconds = time.perf_counter() - start
        print(f"{night}: {seconds:.1f} s ({len(texts) / seconds:,.0f} statements/s), "
              f"issues {len(catalogue.issues_)}, outliers {np.mean(ids == -1):.1%}, "
              f"peak {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()

"""Are growing issues flagged? `issue_daily.is_growing` on simulated nights (suite `growth`).

Leaders read `is_growing` to see what is getting worse, and nothing labelled says which
issues grew, so growth is simulated on the clustering sets: eight nights of statements drawn
without replacement (seeded), nights 1-7 in the set's own mix of intents, night 8 with a
few intents ("surging") at `FACTOR` times their share. Each night holds a sixteenth of the
set, so that every intent still has statements left for its surge (the eight nights need
10 / 16 of an intent's share of the set). The catalogue runs night by night as in the flow;
night 8's `issue_daily` flags are scored against the surging intents:

- precision: flagged issues whose night-8 statements are mostly of a surging intent;
- recall: surging intents whose night-8 statements mostly land in one flagged issue;
- false flags without a surge: the same eight nights with night 8 in the usual mix, counting
  the flags raised (ideally none);
- new issues a night without a surge (nights 2-8 of that run), and of them how many are the
  first issue of their majority intent: a catalogue still learning intents its first night
  was too small to hold, rather than a duplicate of a known intent.

Averaged over `SEEDS` draws of the nights and the surging intents. Each set is scored with
the shipped growth rule and with the ratio alone (`growth_alpha` 1: a rise of 1.5x with >= 3
calls, from an issue's second night on; before stop 18 the rule was this ratio and flagged
new issues of >= 3 calls too).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from flows.evaluation.clustering import CachedEmbedder, issues_by_intent, majority_intents
from flows.evaluation.clustering_data import LOADERS
from flows.evaluation.report import Row
from nlp.embeddings import Embedder, build_embedder
from nlp.issues import IssueCatalogue, IssueCatalogueConfig

log = logging.getLogger(__name__)

NIGHTS, FACTOR, SEEDS = 8, 3.0, (0, 1, 2)
FIRST_NIGHT = date(2026, 11, 1)
SETS = ("banking77 train", "dstc11 development", "multidogo train (10k sentences)")


def draw_nights(gold: list[str], per_night: int, surging: set[str], factor: float,
                rng: np.random.Generator) -> list[np.ndarray]:
    """Row indices of `NIGHTS` nights drawn without replacement: each night's intent counts
    are multinomial in the set's own shares, the last night's surging intents `factor` times
    theirs (an intent that runs out gives what it has left)."""
    gold_arr = np.asarray(gold)
    intents = sorted(set(gold))
    pools = {g: list(rng.permutation(np.flatnonzero(gold_arr == g))) for g in intents}
    shares = np.array([len(pools[g]) for g in intents], dtype=float)
    nights = []
    for night in range(NIGHTS):
        weights = shares * [factor if night == NIGHTS - 1 and g in surging else 1.0
                            for g in intents]
        counts = rng.multinomial(per_night, weights / weights.sum())
        rows = [pools[g].pop() for g, k in zip(intents, counts, strict=True)
                for _ in range(min(k, len(pools[g])))]
        nights.append(np.sort(np.asarray(rows, dtype=np.int64)))
    return nights


def flag_scores(flagged: set[int], ids: np.ndarray, gold: list[str], surging: set[str]
                ) -> tuple[float, float]:
    """(precision, recall) of the flagged issues against the surging intents, on one night's
    ids and gold intents (see module doc); precision is NaN when nothing is flagged."""
    majority = majority_intents(gold, ids)
    by_intent = issues_by_intent(gold, ids.tolist())
    right = [majority[i] in surging for i in flagged if i in majority]
    found = [by_intent[g].most_common(1)[0][0] in flagged for g in surging if g in by_intent]
    return (float(np.mean(right)) if right else float("nan"),
            float(np.mean(found)) if found else 0.0)


def run_nights(texts: list[str], gold: list[str], nights: list[np.ndarray],
               embedder: Embedder, config: IssueCatalogueConfig
               ) -> tuple[set[int], np.ndarray, list[tuple[int, int]]]:
    """Fold the nights into a new catalogue.

    Returns:
        (the last night's flagged issue ids, its issue ids, and for every night after the
        first: (issues created that night, how many of them are the first issue of their
        majority intent, i.e. no earlier issue had that intent as its majority)).
    """
    catalogue = IssueCatalogue(config, embedder)
    members: dict[int, Counter] = {}  # issue -> gold intents of its statements so far
    created = []
    for k, rows in enumerate(nights):
        before = set(catalogue.issues_)
        ids = np.asarray(catalogue.update([texts[i] for i in rows],
                                          FIRST_NIGHT + timedelta(days=k)))
        night_gold = [gold[i] for i in rows]
        if k:
            held = {c.most_common(1)[0][0] for c in members.values()}
            new = {i: intent for i, intent in majority_intents(night_gold, ids).items()
                   if i not in before}
            created.append((len(new), sum(intent not in held for intent in new.values())))
        for issue, intent in zip(ids.tolist(), night_gold, strict=True):
            if issue != -1:
                members.setdefault(issue, Counter())[intent] += 1
    last = FIRST_NIGHT + timedelta(days=len(nights) - 1)
    return ({r["issue_id"] for r in catalogue.daily_rows(last) if r["is_growing"]}, ids,
            created)


def score_growth(name: str, texts: list[str], gold: list[str], embedder: Embedder,
                 config: IssueCatalogueConfig) -> Row:
    """Precision and recall of night 8's growth flags, and flags without a surge."""
    intents = sorted(set(gold))
    n_surging = max(2, len(intents) // 15)
    per_night = len(texts) // (2 * NIGHTS)
    precision, recall, flagged, false_flags, created = [], [], [], [], []
    for seed in SEEDS:
        surging = set(np.random.default_rng(seed).choice(intents, n_surging, replace=False))
        for factor in (FACTOR, 1.0):
            nights = draw_nights(gold, per_night, surging, factor,
                                 np.random.default_rng(seed))
            flags, ids, new = run_nights(texts, gold, nights, embedder, config)
            if factor == 1.0:
                false_flags.append(len(flags))
                created += new
                continue
            p, r = flag_scores(flags, ids, [gold[i] for i in nights[-1]], surging)
            precision.append(p)
            recall.append(r)
            flagged.append(len(flags))
    extra = {"surging intents": n_surging, "statements per night": per_night,
             "flagged": float(np.mean(flagged)),
             "flagged without a surge": float(np.mean(false_flags)),
             "new issues a night without a surge": float(np.mean([n for n, _ in created])),
             "of them an intent's first issue": float(np.mean([f for _, f in created]))}
    rule = "ratio only" if config.growth_alpha >= 1.0 else f"p < {config.growth_alpha:g}"
    split = f"night 8 of 8; {embedder.name}; x{FACTOR:g} surge; {rule}"
    return Row("issue growth", name, split, NIGHTS * per_night,
               precision=float(np.nanmean(precision)), recall=float(np.mean(recall)),
               extra=extra, note=f"mean of {len(SEEDS)} seeds")


def evaluate(data_dir: Path) -> list[Row]:
    """Two rows per set, the default embedder (MiniLM): catalogue defaults, and the ratio
    alone."""
    embedder = build_embedder("minilm")
    rows = []
    for name in SETS:
        texts, gold = LOADERS[name](data_dir)
        cached = CachedEmbedder(embedder, texts)
        for config in (IssueCatalogueConfig(), IssueCatalogueConfig(growth_alpha=1.0)):
            rows.append(score_growth(name, texts, gold, cached, config))
            log.info("%s", rows[-1])
    return rows

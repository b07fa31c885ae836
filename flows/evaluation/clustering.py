"""Issue clustering measured against gold intents (suite `clustering` of `callinsight eval`).

For every set in `flows.evaluation.clustering_data` and every embedder: one night with the
whole set (NMI, ARI, issues found against gold intents, outlier share), and a two-night run
(the set split in half by a seeded shuffle): stability is the share of night-2 statements
that land in the issue their gold intent got most often on night 1, beside its ceiling
(night 1's own share in that issue), and "ids kept": the share of night 1's clustered
statements that get their own night-1 issue again when they recur on a third night (what a
recurring complaint sees of the catalogue's ids); "routing overlap" is stability without
night 1's purity cap (`routing_overlap`). Novelty (`novelty`): night 1 without a fifth of the
intents, night 2 with them: the share of their statements that land in issues new on night
2, and of the other intents' statements that do. Same input, same output
is checked by running night 1 twice; "same without 1%" (`perturbed_agreement`) is the ARI
between the night and the same night without a seeded 1 % of it. MiniLM (torch, ~170
sentences/s on 2 cores) runs on every set listed in `MINILM_SETS` (all four).
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from flows.evaluation.clustering_data import LOADERS
from flows.evaluation.report import Row
from nlp.embeddings import Embedder, build_embedder
from nlp.issues import IssueCatalogue, IssueCatalogueConfig
from nlp.pipeline import build_phrase_nlp

log = logging.getLogger(__name__)

NIGHT1, NIGHT2, NIGHT3 = date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)
MINILM_SETS = ("dstc11 development", "banking77 train", "airline negative reasons",
               "multidogo train (10k sentences)")


class CachedEmbedder:
    """Embeds every text of a set once, so both runs compare clustering, not encoding; other
    texts (the label phrases the catalogue compares with its clusters) go to the embedder."""

    def __init__(self, inner: Embedder, texts: list[str]) -> None:
        self.name = inner.name
        for scale in ("cluster_distance", "match_similarity", "known_match_similarity",
                      "novel_similarity", "broad_distance", "outlier_similarity"):
            if hasattr(inner, scale):
                setattr(self, scale, getattr(inner, scale))
        unique = sorted(set(texts))
        self._rows = {t: i for i, t in enumerate(unique)}
        self._inner = inner
        self._vectors = inner.encode(unique)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Rows of the cached vectors; texts outside the set are encoded."""
        if all(t in self._rows for t in texts):
            return self._vectors[[self._rows[t] for t in texts]]
        return self._inner.encode(texts)


def score_set(name: str, texts: list[str], gold: list[str], embedder: Embedder,
              config: IssueCatalogueConfig, phrase_nlp=None) -> Row:
    """One night over the whole set, twice (determinism), plus the two-night stability."""
    start = time.perf_counter()
    catalogue = IssueCatalogue(config, embedder, phrase_nlp)
    assignment = catalogue.assign_night(texts, NIGHT1)
    ids = assignment.issue_ids
    seconds = time.perf_counter() - start
    again = IssueCatalogue(config, embedder).update(texts, NIGHT1)
    found = len(set(ids.tolist()) - {-1})
    extra = {
        "NMI": normalized_mutual_info_score(gold, ids),
        "ARI": adjusted_rand_score(gold, ids),
        "issues": found, "gold": len(set(gold)),
        "outliers": float(np.mean(ids == -1)),
        **dict(zip(("loose", "firm in majority intent", "loose in majority intent"),
                   loose_fits(assignment.match, ids, gold), strict=True)),
        **dict(zip(("stability", "night-1 purity", "ids kept", "routing overlap"),
                   two_night_stability(texts, gold, embedder, config), strict=True)),
        **dict(zip(("new intents found", "known reported new"),
                   novelty(texts, gold, embedder, config), strict=True)),
        "label names intent": label_hit_rate(catalogue, ids, gold),
        "same without 1%": perturbed_agreement(texts, ids, embedder, config),
        "deterministic": int(again == ids.tolist()),
        "seconds": round(seconds, 1),
    }
    return Row("issues", name, f"one night; {embedder.name}", len(texts), extra=extra)


def perturbed_agreement(texts: list[str], ids: np.ndarray, embedder: Embedder,
                        config: IssueCatalogueConfig, draws: int = 3) -> float:
    """Does one changed statement reshape the night? The night again without a seeded 1 % of
    its statements: the ARI between that partition and the whole night's `ids` on the
    statements both hold (1: the same issues for all of them), mean of `draws` seeds. Same
    input, same output is not enough: a catalogue whose issues move when 1 % of a night
    changes also moves from night to night."""
    scores = []
    for seed in range(draws):
        rng = np.random.default_rng(1000 + seed)
        dropped = rng.choice(len(texts), max(1, len(texts) // 100), replace=False)
        kept = np.setdiff1d(np.arange(len(texts)), dropped)
        again = IssueCatalogue(config, embedder).update([texts[i] for i in kept], NIGHT1)
        scores.append(adjusted_rand_score(ids[kept], again))
    return float(np.mean(scores))


def loose_fits(match: np.ndarray, ids: np.ndarray, gold: list[str]
               ) -> tuple[float, float, float]:
    """How much of a night holds its issue only loosely, and what that costs.

    Returns:
        (share of statements that hold their issue below the match threshold ("loose": only
        the outlier-reduction pass placed them), share of the other assigned statements whose
        gold intent is their issue's majority intent, the same share among the loose ones;
        NaN where there are none).
    """
    kinds = np.asarray(match)
    majority = majority_intents(gold, ids)
    agrees = np.array([i != -1 and majority[i] == g
                       for i, g in zip(ids.tolist(), gold, strict=True)])
    loose, firm = kinds == "loose", (kinds != "loose") & (ids != -1)
    return (float(loose.mean()),
            float(agrees[firm].mean()) if firm.any() else float("nan"),
            float(agrees[loose].mean()) if loose.any() else float("nan"))


def label_hit_rate(catalogue: IssueCatalogue, ids: np.ndarray, gold: list[str]) -> float:
    """Share of issues whose label names their majority gold intent (a readability proxy).

    A hit: a label word of >= 3 letters whose first five letters occur in the intent's name
    with case, "_" and spaces removed ("card arrived" hits `card_arrival`, "change address"
    hits `ChangeAddress`, "boarding pass" hits `getboardingpass`).
    """
    majority = majority_intents(gold, ids)
    hits = []
    for issue_id, issue in catalogue.issues_.items():
        if issue_id not in majority:
            continue
        intent = re.sub(r"[^a-z]", "", majority[issue_id].lower())
        words = {w[:5] for w in re.findall(r"[a-z]+", issue.label.lower()) if len(w) >= 3}
        hits.append(any(w in intent for w in words))
    return float(np.mean(hits)) if hits else 0.0


def issues_by_intent(gold: list[str], ids: list[int]) -> dict[str, Counter]:
    """Gold intent -> how many of its statements each issue id got (in statement order)."""
    out: dict[str, Counter] = {}
    for intent, issue in zip(gold, ids, strict=True):
        out.setdefault(intent, Counter())[issue] += 1
    return out


def majority_intents(gold: list[str], ids: np.ndarray | list[int]) -> dict[int, str]:
    """Issue id (not -1) -> the gold intent most of its statements have (ties: the one seen
    first in statement order)."""
    counts: dict[int, Counter] = {}
    for issue, intent in zip(np.asarray(ids).tolist(), gold, strict=True):
        if issue != -1:
            counts.setdefault(issue, Counter())[intent] += 1
    return {issue: c.most_common(1)[0][0] for issue, c in counts.items()}


def routing_overlap(gold1: list[str], ids1: list[int], gold2: list[str], ids2: list[int]
                    ) -> float:
    """Share of night-2 statements that night 1 routed alike: per intent, the overlap of its
    two nights' distributions over issues (sum of the smaller share per issue, -1 never
    counts), weighted by the intent's night-2 statements. 1 when every intent is spread over
    the same issues in the same proportions on both nights, however split it is."""
    night1, night2 = issues_by_intent(gold1, ids1), issues_by_intent(gold2, ids2)
    matched = 0.0
    for intent, counts2 in night2.items():
        counts1 = night1.get(intent, Counter())
        n1, n2 = sum(counts1.values()), sum(counts2.values())
        if n1:
            matched += n2 * sum(min(c / n2, counts1[i] / n1) for i, c in counts2.items()
                                if i != -1)
    return matched / max(len(gold2), 1)


def two_night_stability(texts: list[str], gold: list[str], embedder: Embedder,
                        config: IssueCatalogueConfig) -> tuple[float, float, float, float]:
    """Stability across nights, its ceiling set by the clustering itself, ids kept, and
    routing overlap.

    Returns:
        (share of night-2 statements landing in their intent's night-1 majority issue,
        share of night-1 statements that are in it: when an intent is split over several
        issues on night 1, night 2 cannot do better than night 1's own purity, so the gap
        between the two is what the night-to-night matching loses,
        share of night 1's statements outside -1 that get the same issue again when night 1
        recurs word for word on a third night, after night 2 has moved the centroids,
        `routing_overlap` of the two nights: stability without night 1's purity cap).
    """
    order = np.random.default_rng(0).permutation(len(texts))
    half = len(texts) // 2
    first, second = np.sort(order[:half]), np.sort(order[half:])
    catalogue = IssueCatalogue(config, embedder)
    ids1 = catalogue.update([texts[i] for i in first], NIGHT1)
    ids2 = catalogue.update([texts[i] for i in second], NIGHT2)
    ids3 = catalogue.update([texts[i] for i in first], NIGHT3)
    gold1, gold2 = [gold[i] for i in first], [gold[i] for i in second]
    votes = issues_by_intent(gold1, ids1)
    intent_issue = {g: c.most_common(1)[0][0] for g, c in votes.items()}

    def share(rows: np.ndarray, ids: list[int]) -> float:
        return float(np.mean([intent_issue.get(gold[i]) == issue != -1
                              for i, issue in zip(rows, ids, strict=True)]))

    kept = [a == b for a, b in zip(ids1, ids3, strict=True) if a != -1]
    overlap = routing_overlap(gold1, ids1, gold2, ids2)
    return (share(second, ids2), share(first, ids1), float(np.mean(kept)) if kept else 0.0,
            overlap)


def novelty(texts: list[str], gold: list[str], embedder: Embedder,
            config: IssueCatalogueConfig, draws: int = 3) -> tuple[float, float]:
    """Are new issues found? Night 1 is a seeded half of the set without a fifth of its
    intents; night 2 is the other half, with them. Averaged over `draws` seeds.

    Returns:
        (share of the held-back intents' night-2 statements that land in an issue created on
        night 2: the new intents found as new, share of the other intents' night-2
        statements that do: known intents wrongly reported as new).
    """
    intents = sorted(set(gold))
    found, false = [], []
    for seed in range(draws):
        rng = np.random.default_rng(seed)
        held = set(rng.choice(intents, size=max(2, len(intents) // 5), replace=False).tolist())
        order = rng.permutation(len(texts))
        half = len(texts) // 2
        first = [i for i in np.sort(order[:half]) if gold[i] not in held]
        second = np.sort(order[half:])
        catalogue = IssueCatalogue(config, embedder)
        catalogue.update([texts[i] for i in first], NIGHT1)
        known = set(catalogue.issues_)
        ids = catalogue.update([texts[i] for i in second], NIGHT2)
        new = np.array([issue != -1 and issue not in known for issue in ids])
        is_held = np.array([gold[i] in held for i in second])
        found.append(float(new[is_held].mean()))
        false.append(float(new[~is_held].mean()))
    return float(np.mean(found)), float(np.mean(false))


def build_embedders() -> dict[str, Embedder]:
    """The shipped static model (default) and MiniLM (heavier option)."""
    from flows.artefacts import load_issue_encoder

    return {"static": build_embedder("static", load_issue_encoder),
            "minilm": build_embedder("minilm")}


def evaluate(data_dir: Path) -> list[Row]:
    """Rows for every clustering set (static model) and DSTC11 (MiniLM too)."""
    embedders = build_embedders()
    phrase_nlp = build_phrase_nlp()  # the flow's own label parser (flows.engine)
    config = IssueCatalogueConfig()
    rows = []
    for name, load in LOADERS.items():
        texts, gold = load(data_dir)
        for key, embedder in embedders.items():
            if key == "minilm" and name not in MINILM_SETS:
                continue
            cached = CachedEmbedder(embedder, texts)
            rows.append(score_set(name, texts, gold, cached, config, phrase_nlp))
            log.info("%s", rows[-1])
    return rows

"""Issue catalogue: recurring customer issues with integer ids that stay stable night to night.

Each night, `IssueCatalogue.update` assigns every statement an issue id: first to a known
issue whose centroid it is close enough to, then the rest are clustered (BERTopic, see
`nlp.issue_clustering`) and every large-enough cluster becomes a new issue with the next unused
id. A new kind of call close to a known issue would join it statement by statement, so before
that second clustering the whole night is clustered once: a cluster whose centroid is far
from every known issue's (cosine under `novel_threshold`) becomes a new issue with all its
members, also those that matched a known issue one by one. Centroids average out the noise of
single statements: with MiniLM, an intent's centroids on two halves of BANKING77 or DSTC11
have cosines >= 0.94, an intent and its nearest other intent <= 0.90. Ids are never
renumbered or reused; -1 means "fits no issue". The catalogue holds no files: `to_state` /
`from_state` hand a JSON-ready dict and a centroid matrix to the flow.

What is clustered: each call's issue statement (`nlp.analyze`): the customer turns holding
its up to 3 most severe pain-point sentences (short turns whole, long ones cut to those
sentences), else its first customer request, so a call with no pain still has a reason for
contact.

Scale: only a bounded sample (`max_fit_docs`) of a night's unmatched statements is
clustered (`stable_sample`: a statement is in it by a hash of its own text, so a night
with a few statements more or less clusters nearly the same sample); every other statement
is then assigned to the nearest issue (known or new), so memory and time grow linearly with
the night beyond the sample. A night of more than `max_embedded_docs` statements, given a
cheap `router` embedder, is not even embedded whole by the (slow) embedder: a sample of
`max_fit_docs` is embedded and assigned as above, and a logistic regression on the router's
embeddings, fitted on that sample's issue ids, assigns the rest (`route_rest`). MiniLM reads
~73 statements/s on both cores here, so a 100k-call night would spend ~23 min embedding;
routed, ~1 min. Measured at stop 13 (with the seeded sample of then) on BANKING77 and
MultiDoGO (10k statements each, 5k embedded with MiniLM, the rest routed by the static
model trained to reproduce MiniLM): NMI 0.800 and 0.770, against 0.807 and 0.767 embedding
all with MiniLM and 0.730 and 0.758 embedding all with the static model
(`models/static-minilm-tokenlearn/MODEL_CARD.md`).

Outliers: after clustering, a statement stays at -1 only when no issue centroid is within
`match_threshold` (cosine) of it. Two passes then shrink the night's left-overs:

1. a broad pass: when more than `broad_pass_share` of the night is still unassigned (a small
   or varied night, where the calibrated cut finds few tight groups), the left-overs are
   clustered again with the looser `broad_distance_threshold`, giving broader issues. On the
   intent sets (<= 2 % left over) it never runs, so their issues are untouched;
2. outlier reduction (BERTopic's `reduce_outliers` by embeddings, with a floor): a left-over
   joins its nearest issue when the cosine is at least `outlier_threshold`. The floor is
   where such late assignments stop being better than chance at matching the issue's
   intent (measured per embedder, `models/static-minilm/MODEL_CARD.md`).

Refit policy: the catalogue is never refitted as a whole, since that would renumber ids.
Each night (1) matches statements to known issues, (2) splits off tonight's clusters far from
every known issue as new issues, (3) clusters the still unmatched ones into new issues with
new ids, (4) folds tonight's members into each issue's running-mean centroid
(so issues drift slowly with their members, never jump). A full refit is a deliberate,
offline act: a new embedder or new thresholds start a new catalogue (the state records the
embedder and refuses another), with a new `OUT/_state` history; old snapshots stay readable.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from nlp.embeddings import Embedder
from nlp.issue_clustering import OUTLIER, cluster_labels, describe_clusters, fit_new_clusters
from nlp.issue_labels import make_label, pick_examples, unit
from nlp.issue_state import (
    MATCH_DTYPE,
    STATE_VERSION,
    Assignment,
    Issue,
    check_state,
    issue_daily_row,
    issue_from_json,
    issue_to_json,
)

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)



class IssueCatalogueConfig(BaseModel):
    """Tunables of the issue catalogue.

    The distance cut and match similarity default to the values measured for the embedder
    (`flows/evaluation/clustering.py`): per embedder, one cut was best on both BANKING77 and
    DSTC11, without being told the number of intents. Average linkage over 5,000 statements
    takes ~8-20 s and ~0.5 GB here (20,000: 121 s, 3.4 GB), hence `max_fit_docs`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # None: the embedder's measured `match_similarity` / `cluster_distance` (cosine scales
    # differ between embedders; see nlp.embeddings).
    match_threshold: float | None = Field(None, gt=-1.0, le=1.0)  # cosine to a centroid
    # Cosine to the centroid of an issue from an earlier night needed to join it (None: the
    # match threshold). Stricter than the match to tonight's new issues, so that a new
    # intent close to a known one still forms its own, new issue.
    known_match_threshold: float | None = Field(None, gt=-1.0, le=1.0)
    # A cluster of tonight's statements whose centroid's cosine to every known issue's
    # centroid is below this is a new issue, with all its members (None: the embedder's
    # measured `novel_similarity`; -1: never, each statement is matched on its own).
    novel_threshold: float | None = Field(None, ge=-1.0, le=1.0)
    outlier_threshold: float | None = Field(None, gt=-1.0, le=1.0)  # left-overs' floor
    # Smaller clusters are outliers (-1); a night of n statements asks for
    # max(3, min(min_cluster_size, n // 100)).
    min_cluster_size: int = Field(10, ge=2)
    distance_threshold: float | None = Field(None, gt=0.0, lt=2.0)  # average linkage cut
    # The broad pass (see module doc): its cut (None: the embedder's `broad_distance`) and
    # the share of a night left unassigned above which it runs.
    broad_distance_threshold: float | None = Field(None, gt=0.0, lt=2.0)
    broad_pass_share: float = Field(0.10, ge=0.0, le=1.0)
    pca_dims: int = Field(0, ge=0)  # 0: cluster in the embedding space itself
    # > 0: also find communities of the k-nearest-neighbour graph (k = this) and keep the
    # clustering with the higher Calinski-Harabasz index (see nlp.issue_clustering).
    graph_neighbors: int = Field(15, ge=0)
    graph_resolution: float = Field(8.0, gt=0.0)
    # Louvain runs behind the graph's consensus communities (nlp.issue_clustering.KnnLouvain;
    # 1: one run). 8 measured: a night without 1 % of it keeps its issues (models/static-
    # minilm/MODEL_CARD.md, "Consensus").
    graph_runs: int = Field(8, ge=1)
    max_fit_docs: int = Field(5_000, ge=2)  # bound on statements clustered per night
    # A night of more statements embeds only a sample of `max_fit_docs` when the catalogue
    # has a router; the router's classifier assigns the rest (see module doc).
    max_embedded_docs: int = Field(10_000, ge=2)
    router_c: float = Field(10.0, gt=0.0)  # the routing classifier's inverse regularisation
    n_keywords: int = Field(10, ge=1)
    n_examples: int = Field(3, ge=1)
    baseline_nights: int = Field(7, ge=1)
    growth_factor: float = Field(1.5, gt=0.0)
    min_growing_calls: int = Field(3, ge=1)
    # A rise must also be unlikely as chance (nlp.issue_state.growth_p_value); 0.01, chosen
    # before measuring: about one chance flag a night in a catalogue of 100 issues.
    growth_alpha: float = Field(0.01, gt=0.0, le=1.0)
    seed: int = 0


class IssueCatalogue:
    """Assigns statements to issues and keeps the issues' ids, labels and daily counts.

    Args:
        config: Tunables; defaults when None.
        embedder: Turns statements into unit vectors; must be the same across nights.
        phrase_nlp: A spaCy pipeline with a parser for keyphrase labels (None: keywords).
        router: A cheap embedder whose vectors route the statements of a night larger than
            `max_embedded_docs` that the embedder does not read (None: it reads them all).
    """

    def __init__(self, config: IssueCatalogueConfig | None, embedder: Embedder,
                 phrase_nlp: Language | None = None, router: Embedder | None = None) -> None:
        self.config = config or IssueCatalogueConfig()
        self.embedder = embedder
        self.phrase_nlp = phrase_nlp
        self.router = router
        self.issues_: dict[int, Issue] = {}
        self.totals_: dict[str, int] = {}  # ISO date -> statements seen that night
        self.next_id_ = 0

    def update(self, statements: list[str], run_date: date,
               languages: list[str | None] | None = None) -> list[int]:
        """Assign each statement an issue id (or -1) and fold tonight into the catalogue.

        Args:
            statements: Tonight's statements (already PII-redacted: they become quotes).
            run_date: The night they belong to; each night can be folded in only once.
            languages: Each statement's call language (ISO 639-1), which decides how new
                issues' keywords are read; None (or a None entry): detected from the text.

        Returns:
            One issue id per statement, in input order (`assign_night` tells how firmly).

        Raises:
            ValueError: If `run_date` was already folded in (reload the earlier state to rerun).
        """
        return self.assign_night(statements, run_date, languages).issue_ids.tolist()

    def assign_night(self, statements: list[str], run_date: date,
                     languages: list[str | None] | None = None) -> Assignment:
        """Like `update`, but return the ids with each statement's similarity and match kind
        (`Assignment`)."""
        night = run_date.isoformat()
        if night in self.totals_:
            raise ValueError(f"issue catalogue already updated for {night}")
        languages = list(languages) if languages is not None else [None] * len(statements)
        if self.router is not None and len(statements) > self.config.max_embedded_docs:
            return self._update_routed(statements, run_date, languages)
        embeddings = self._embed(statements)
        assignment = self._assign(statements, embeddings, run_date, languages)
        self._absorb(embeddings, assignment.issue_ids, run_date)
        self.totals_[night] = len(statements)
        return assignment

    def _update_routed(self, statements: list[str], run_date: date,
                       languages: list[str | None]) -> Assignment:
        """A large night: embed and assign a `stable_sample`, route the rest (module doc)."""
        cfg = self.config
        sample = self._fit_sample(statements, np.ones(len(statements), dtype=bool))
        sampled = [statements[i] for i in sample]
        embeddings = self._embed(sampled)
        labels = np.full(len(statements), OUTLIER, dtype=np.int64)
        similarity = np.full(len(statements), np.nan, dtype=np.float32)
        match = np.full(len(statements), "", dtype=MATCH_DTYPE)
        assigned = self._assign(sampled, embeddings, run_date, [languages[i] for i in sample])
        labels[sample], similarity[sample] = assigned.issue_ids, assigned.similarity
        match[sample] = assigned.match
        rest = np.setdiff1d(np.arange(len(statements)), sample)
        routes = np.asarray(self.router.encode(list(statements)), dtype=np.float32)
        labels[rest] = route_rest(routes, sample, labels[sample], rest, cfg.router_c)
        match[rest[labels[rest] != OUTLIER]] = "routed"
        self._absorb(embeddings, labels[sample], run_date, counted=labels)
        self.totals_[run_date.isoformat()] = len(statements)
        logger.info("%s: %d statements, %d embedded, %d routed (%d unassigned)",
                    run_date.isoformat(), len(statements), len(sample), len(rest),
                    int((labels[rest] == OUTLIER).sum()))
        return Assignment(labels, similarity, match)

    def _assign(self, statements: list[str], embeddings: np.ndarray, run_date: date,
                languages: list[str | None]) -> Assignment:
        """Tonight's issue per embedded statement: known issues, then new ones, then the
        outlier-reduction pass (module doc), and how firmly (`Assignment`); creates the new
        issues but leaves centroids and counts to `_absorb`."""
        night = run_date.isoformat()
        labels = np.full(len(statements), OUTLIER, dtype=np.int64)
        similarity = np.full(len(statements), np.nan, dtype=np.float32)
        valid = np.linalg.norm(embeddings, axis=1) > 0 if len(statements) else labels > 0
        earlier = list(self.issues_)
        self._match(embeddings, valid, labels, similarity, earlier, self.known_match_threshold)
        unmatched = int((valid & (labels == OUTLIER)).sum())
        new_ids = self._split_off_novel(statements, languages, embeddings, valid, labels,
                                        similarity, run_date, earlier)
        self._match(embeddings, valid & (labels == OUTLIER), labels, similarity, new_ids)
        found = self._discover(statements, languages, embeddings, valid & (labels == OUTLIER),
                               run_date, self.distance_threshold, night_size=unmatched)
        self._match(embeddings, valid & (labels == OUTLIER), labels, similarity, found)
        new_ids += found
        left = valid & (labels == OUTLIER)
        if left.sum() > self.config.broad_pass_share * len(statements):
            broad_ids = self._discover(statements, languages, embeddings, left, run_date,
                                       self.broad_distance_threshold)
            self._match(embeddings, left, labels, similarity, broad_ids)
            new_ids += broad_ids
        self._match(embeddings, valid & (labels == OUTLIER), labels, similarity,
                    list(self.issues_), self.outlier_threshold)
        logger.info(
            "%s: %d statements, %d new issues, %d unassigned",
            night, len(statements), len(new_ids), int((labels == OUTLIER).sum()),
        )
        firm = similarity >= self.match_threshold  # False at NaN (-1)
        match = np.select([firm & np.isin(labels, earlier), firm, labels != OUTLIER],
                          ["known", "new", "loose"], "").astype(MATCH_DTYPE)
        return Assignment(labels, similarity, match)

    def _embed(self, statements: list[str]) -> np.ndarray:
        if not statements:
            return np.zeros((0, 0), dtype=np.float32)
        return np.asarray(self.embedder.encode(list(statements)), dtype=np.float32)

    def _scale(self, configured: float | None, measured: str, fallback: float) -> float:
        """A threshold: configured, else the embedder's measured `measured` one, else
        `fallback` (for an embedder without that measurement)."""
        if configured is not None:
            return float(configured)
        return float(getattr(self.embedder, measured, fallback))

    @property
    def distance_threshold(self) -> float:
        """The clustering cut: configured, else the embedder's measured one."""
        return self._scale(self.config.distance_threshold, "cluster_distance", 0.45)

    @property
    def broad_distance_threshold(self) -> float:
        """The broad pass's looser cut: configured, else the embedder's measured one."""
        return self._scale(self.config.broad_distance_threshold, "broad_distance",
                           self.distance_threshold + 0.15)

    @property
    def match_threshold(self) -> float:
        """Cosine to a centroid needed to join an issue: configured, else the embedder's."""
        return self._scale(self.config.match_threshold, "match_similarity", 0.5)

    @property
    def known_match_threshold(self) -> float:
        """Cosine to a known issue's centroid needed to join it tonight: configured, else the
        embedder's measured one, else the match threshold."""
        return self._scale(self.config.known_match_threshold, "known_match_similarity",
                           self.match_threshold)

    @property
    def novel_threshold(self) -> float:
        """Centroid cosine under which a cluster of tonight is new (`_split_off_novel`):
        configured, else the embedder's measured one, else -1 (off) for an embedder without
        that measurement."""
        return self._scale(self.config.novel_threshold, "novel_similarity", -1.0)

    @property
    def outlier_threshold(self) -> float:
        """Floor of the outlier-reduction pass: configured, else the embedder's measured one
        (0.1 below the match threshold for an embedder that has none)."""
        return self._scale(self.config.outlier_threshold, "outlier_similarity",
                           self.match_threshold - 0.1)

    def _match(
        self, embeddings: np.ndarray, rows: np.ndarray, labels: np.ndarray,
        similarity: np.ndarray, ids: list[int], threshold: float | None = None,
    ) -> None:
        """Give `rows` the id of their most similar issue among `ids` when close enough, and
        that cosine."""
        if not ids or not rows.any():
            return
        threshold = self.match_threshold if threshold is None else threshold
        centroids = np.stack([self.issues_[i].centroid for i in ids])
        candidates = np.flatnonzero(rows)
        cosines = embeddings[candidates] @ centroids.T
        best = cosines.argmax(axis=1)  # ties go to the lowest (oldest) id
        nearest = cosines[np.arange(len(candidates)), best]
        close = nearest >= threshold
        labels[candidates[close]] = np.asarray(ids, dtype=np.int64)[best[close]]
        similarity[candidates[close]] = nearest[close]

    def _min_cluster_size(self, n: int) -> int:
        """A small night cannot hold clusters of 10: ask for 1 % of its `n` statements, at
        least 3."""
        return max(3, min(self.config.min_cluster_size, n // 100))

    def _fit_sample(self, statements: list[str], rows: np.ndarray) -> np.ndarray:
        """Indices of `rows`, `stable_sample` of `max_fit_docs` of them when there are more."""
        cfg = self.config
        return stable_sample(statements, np.flatnonzero(rows), cfg.max_fit_docs, cfg.seed)

    def _split_off_novel(
        self, statements: list[str], languages: list[str | None], embeddings: np.ndarray,
        valid: np.ndarray, labels: np.ndarray, similarity: np.ndarray, run_date: date,
        known: list[int],
    ) -> list[int]:
        """Tonight's clusters whose centroid is far from every `known` issue's become new
        issues with all their members, also those that matched a known issue one by one
        (module doc); `labels` and `similarity` are updated for them. Returns the new ids."""
        cfg = self.config
        if not known or self.novel_threshold <= -1.0:
            return []
        candidates = self._fit_sample(statements, valid)
        clustered = cluster_labels(
            embeddings[candidates], distance_threshold=self.distance_threshold,
            min_cluster_size=self._min_cluster_size(len(candidates)), pca_dims=cfg.pca_dims,
            seed=cfg.seed, graph_neighbors=cfg.graph_neighbors,
            graph_resolution=cfg.graph_resolution, graph_runs=cfg.graph_runs)
        centroids = np.stack([self.issues_[i].centroid for i in known])
        for t in set(clustered.tolist()) - {OUTLIER}:
            rows = clustered == t
            if (centroids @ unit(embeddings[candidates[rows]].mean(axis=0))).max() >= (
                    self.novel_threshold):
                clustered[rows] = OUTLIER
        if (clustered == OUTLIER).all():
            return []
        clusters = describe_clusters(
            [statements[i] for i in candidates], embeddings[candidates], clustered,
            n_keywords=cfg.n_keywords, phrase_nlp=self.phrase_nlp,
            languages=[languages[i] for i in candidates], encode=self.embedder.encode)
        new_ids = []
        for cluster in clusters:
            rows = candidates[list(cluster.members)]
            issue = self._create([statements[i] for i in rows], embeddings[rows],
                                 list(cluster.keywords), run_date, cluster.label)
            labels[rows] = issue.issue_id
            similarity[rows] = embeddings[rows] @ issue.centroid
            new_ids.append(issue.issue_id)
        logger.info("%s: %d new issues far from every known one (%d statements)",
                    run_date.isoformat(), len(new_ids), int(np.isin(labels, new_ids).sum()))
        return new_ids

    def _discover(
        self, statements: list[str], languages: list[str | None], embeddings: np.ndarray,
        rows: np.ndarray, run_date: date, distance_threshold: float,
        night_size: int | None = None,
    ) -> list[int]:
        """Cluster the unmatched `rows` (a bounded `stable_sample`) at the cosine cut
        `distance_threshold` and create new issues; the smallest cluster kept is sized on
        `night_size` statements (None: the rows)."""
        cfg = self.config
        min_size = self._min_cluster_size(
            int(rows.sum()) if night_size is None else night_size)
        # Too few rows for a cluster of `min_size`: `cluster_labels` makes them all outliers.
        candidates = self._fit_sample(statements, rows)
        docs = [statements[i] for i in candidates]
        clusters = fit_new_clusters(
            docs,
            embeddings[candidates],
            distance_threshold=distance_threshold,
            min_cluster_size=min_size,
            pca_dims=cfg.pca_dims,
            n_keywords=cfg.n_keywords,
            seed=cfg.seed,
            phrase_nlp=self.phrase_nlp,
            graph_neighbors=cfg.graph_neighbors,
            graph_resolution=cfg.graph_resolution,
            graph_runs=cfg.graph_runs,
            languages=[languages[i] for i in candidates],
            encode=self.embedder.encode,
        )
        new_ids = []
        for cluster in clusters:
            members = list(cluster.members)
            issue = self._create(
                [docs[i] for i in members], embeddings[candidates[members]],
                list(cluster.keywords), run_date, cluster.label,
            )
            new_ids.append(issue.issue_id)
        return new_ids

    def _create(
        self, texts: list[str], embeddings: np.ndarray, keywords: list[str], run_date: date,
        label: str = "",
    ) -> Issue:
        centroid = unit(embeddings.mean(axis=0))
        issue = Issue(
            issue_id=self.next_id_,
            label=label or make_label(keywords),
            keywords=keywords,
            example_quotes=pick_examples(texts, embeddings, centroid, self.config.n_examples),
            first_seen=run_date,
            last_seen=run_date,
            centroid=centroid,
        )
        self.issues_[issue.issue_id] = issue
        self.next_id_ += 1
        return issue

    def _absorb(self, embeddings: np.ndarray, labels: np.ndarray, run_date: date,
                counted: np.ndarray | None = None) -> None:
        """Fold tonight's members into each issue: running-mean centroid, counts, dates.

        `counted`: every statement's id when only some were embedded (a routed night); an
        issue's embedded members then stand for all its calls in the centroid's mean.
        """
        counted = labels if counted is None else counted
        for issue_id in np.unique(counted[counted != OUTLIER]).tolist():
            issue = self.issues_[issue_id]
            members = embeddings[labels == issue_id]
            calls = int((counted == issue_id).sum())
            if len(members):
                # The sum itself when every call was embedded: the same floats as before
                # routing existed, so unrouted nights keep their centroids bit for bit.
                weighted = (members.sum(axis=0) if len(members) == calls
                            else members.mean(axis=0) * calls)
                issue.centroid = unit(issue.centroid * issue.calls_total + weighted)
            issue.calls_total += calls
            issue.last_seen = max(issue.last_seen, run_date)
            issue.history[run_date.isoformat()] = calls

    def daily_rows(self, run_date: date) -> list[dict[str, Any]]:
        """Rows of the `issue_daily` table for `run_date` (CONTRACT §2).

        One row per issue with calls tonight or in the trailing `baseline_nights` nights.
        `baseline` is the issue's mean share over those earlier nights the catalogue saw.
        """
        night = run_date.isoformat()
        window = [
            (run_date - timedelta(days=k)).isoformat()
            for k in range(1, self.config.baseline_nights + 1)
        ]
        rows = []
        for issue in sorted(self.issues_.values(), key=lambda i: i.issue_id):
            if issue.history.get(night, 0) or any(issue.history.get(d, 0) for d in window):
                rows.append(issue_daily_row(issue, run_date, window, self.totals_,
                                            self.config.growth_factor,
                                            self.config.min_growing_calls,
                                            self.config.growth_alpha))
        return rows

    def issue_rows(self) -> list[dict[str, Any]]:
        """Rows of the `issues` table: every issue in the catalogue, by id (CONTRACT §2)."""
        return [
            {
                "issue_id": issue.issue_id,
                "label": issue.label,
                "keywords": list(issue.keywords),
                "example_quotes": list(issue.example_quotes),
                "first_seen": issue.first_seen,
                "last_seen": issue.last_seen,
                "calls_total": issue.calls_total,
            }
            for issue in sorted(self.issues_.values(), key=lambda i: i.issue_id)
        ]

    def to_state(self) -> tuple[dict[str, Any], np.ndarray]:
        """Return a JSON-serialisable state and the centroid matrix (row i = issues[i])."""
        issues = sorted(self.issues_.values(), key=lambda i: i.issue_id)
        state = {
            "state_version": STATE_VERSION,
            "embedder": self.embedder.name,
            "next_id": self.next_id_,
            "totals": dict(sorted(self.totals_.items())),
            "issues": [issue_to_json(issue) for issue in issues],
        }
        if not issues:
            return state, np.zeros((0, 0), dtype=np.float32)
        return state, np.stack([issue.centroid for issue in issues]).astype(np.float32)

    @classmethod
    def from_state(
        cls,
        state: dict[str, Any],
        centroids: np.ndarray,
        config: IssueCatalogueConfig | None,
        embedder: Embedder,
        phrase_nlp: Language | None = None,
        router: Embedder | None = None,
    ) -> IssueCatalogue:
        """Rebuild a catalogue saved with `to_state`.

        Raises:
            ValueError: On an unknown state version, a different embedder, or a centroid
                matrix that does not match the issues.
        """
        check_state(state, centroids, embedder)
        catalogue = cls(config, embedder, phrase_nlp, router)
        catalogue.next_id_ = int(state["next_id"])
        catalogue.totals_ = {str(k): int(v) for k, v in state["totals"].items()}
        for row, entry in zip(centroids, state["issues"], strict=True):
            issue = issue_from_json(entry, row)
            catalogue.issues_[issue.issue_id] = issue
        return catalogue


def stable_sample(statements: Sequence[str], candidates: np.ndarray, size: int, seed: int
                  ) -> np.ndarray:
    """The `size` candidates (indices into `statements`) whose texts hash lowest, in index
    order; all of them when there are no more.

    Each statement is in or out by a hash (BLAKE2b) of `seed`, its text and how many copies
    of that text came before it among the candidates, not by a draw over the night's
    indices: a night with 1 % of its statements changed keeps ~99 % of its sample, where a
    seeded draw changed most of it (all 10k BANKING77 queries, one Louvain run: the night and
    the same night without 1 % of it share issues at ARI 0.766 with a seeded draw, 0.907 with
    this sample; models/static-minilm/MODEL_CARD.md, "Consensus"). Copies of one text are
    sampled one by one, so a frequent request keeps its share of the sample.
    """
    candidates = np.asarray(candidates, dtype=np.int64)
    if len(candidates) <= size:
        return candidates
    seen: dict[str, int] = {}
    keys = np.empty(len(candidates), dtype=np.uint64)
    for k, i in enumerate(candidates.tolist()):
        text = statements[i]
        copy = seen.get(text, 0)
        seen[text] = copy + 1
        digest = hashlib.blake2b(f"{seed}\x1f{copy}\x1f{text}".encode(), digest_size=8)
        keys[k] = int.from_bytes(digest.digest(), "little")
    chosen = np.argsort(keys, kind="stable")[:size]  # ties (never in practice): lower index
    return np.sort(candidates[chosen])


def route_rest(routes: np.ndarray, sample: np.ndarray, sample_labels: np.ndarray,
               rest: np.ndarray, c: float = 10.0) -> np.ndarray:
    """Issue ids for the `rest` rows of a routed night: a logistic regression on the router's
    vectors (`routes`, one row per statement), fitted on the `sample` rows' ids (outliers
    left out). A row with a zero vector (no word the router knows) stays -1; with a single
    issue in the sample, every other row joins it.
    """
    out = np.full(len(rest), OUTLIER, dtype=np.int64)
    assigned = sample_labels != OUTLIER
    known = np.linalg.norm(routes[rest], axis=1) > 0
    classes = np.unique(sample_labels[assigned])
    if len(classes) == 0 or not known.any():
        return out
    if len(classes) == 1:
        out[known] = classes[0]
        return out
    from sklearn.linear_model import LogisticRegression  # imported here: large nights only

    model = LogisticRegression(C=c, max_iter=300)
    model.fit(routes[sample[assigned]], sample_labels[assigned])
    out[known] = model.predict(routes[rest[known]])
    return out

"""Discover new issues among a night's statements: BERTopic on precomputed embeddings.

Helpers for `nlp.issues`: BERTopic assembled from cheap, deterministic sub-models, each
cluster then described by `nlp.issue_labels`. Choices, measured in
`flows/evaluation/clustering.py` (details in `models/static-minilm/MODEL_CARD.md`):

- reduction: none. PCA centres the data and changes cosine distances, so a cut would mean
  something different on every night; UMAP costs ~50 s of JIT and is not deterministic.
- clustering: average-linkage agglomerative with a cosine distance cut calibrated per
  embedder (the same cut was best on BANKING77 and DSTC11 for each embedder), so the number
  of issues comes from the data; Louvain communities of the k-nearest-neighbour graph are
  kept instead when they score a higher Calinski-Harabasz index with no more clusters; the
  communities are the consensus of several Louvain runs (`KnnLouvain`, `runs`).
  Rejected by measurement: HDBSCAN (30-65 % outliers before reduction, and with
  min_cluster_size >= 10 it collapsed BANKING77 into 2 clusters), KMeans with k = sqrt(n/2)
  (needs n_init restarts, lower NMI/ARI than the cut on DSTC11 and BANKING77) and Ward
  (close on BANKING77, worse on DSTC11).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import AgglomerativeClustering
from sklearn.decomposition import PCA
from sklearn.metrics import calinski_harabasz_score
from sklearn.preprocessing import FunctionTransformer

from nlp.issue_labels import (
    choose_phrase,
    keyword_tokens,
    keyword_vectorizer,
    make_label,
    phrase_shortlist,
    pick_examples,
    shorten,
    unit,
)
from nlp.language import KEYWORD_LANGUAGES, detect_language, keyword_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from spacy.language import Language

logger = logging.getLogger(__name__)

OUTLIER = -1


@dataclass(frozen=True, slots=True)
class NewCluster:
    """A cluster found tonight: row indices into the clustered docs, and its keywords."""

    members: tuple[int, ...]
    keywords: tuple[str, ...]
    label: str = ""


class MinSizeAgglomerative(BaseEstimator, ClusterMixin):
    """Cosine/average-linkage agglomerative clustering; clusters below a size are outliers.

    Plugged into BERTopic as its `hdbscan_model`. Deterministic (no random state) and, unlike
    HDBSCAN, it needs no `predict`: BERTopic only reads `labels_` after `fit`.

    Args:
        distance_threshold: Cosine distance above which clusters are not merged.
        min_cluster_size: Clusters smaller than this get label -1.
    """

    def __init__(self, distance_threshold: float = 0.5, min_cluster_size: int = 5) -> None:
        self.distance_threshold = distance_threshold
        self.min_cluster_size = min_cluster_size

    def fit(self, X: np.ndarray, y: object = None) -> MinSizeAgglomerative:  # noqa: N803
        """Cluster the rows of `X`; sets `labels_` (0..k-1 by first appearance, or -1)."""
        raw = AgglomerativeClustering(
            n_clusters=None,
            metric="cosine",
            linkage="average",
            distance_threshold=self.distance_threshold,
        ).fit_predict(X)
        self.labels_ = relabel_by_size(raw, self.min_cluster_size)
        return self


class KnnLouvain(BaseEstimator, ClusterMixin):
    """Louvain communities (networkx, fixed seeds) of the cosine k-nearest-neighbour graph;
    communities below a size are outliers. Deterministic for a given input order.

    With `runs` > 1, consensus communities (Lancichinetti and Fortunato, "Consensus
    clustering in complex networks", 2012, one round): Louvain runs `runs` times with seeds
    `seed`, `seed` + 1, ...; each edge keeps its cosine times the share of runs that put its
    two ends in one community; the communities of that graph (seed `seed`) are the result.
    One Louvain run follows its seed's path through a graph, so that a night without 1 % of
    its statements gave other communities for much more than that 1 %: on five samples of
    3,000 BANKING77 queries the two nights agree at ARI 0.884 with one run, 0.940 with the
    consensus of 8, at the same NMI against the intents (models/static-minilm/MODEL_CARD.md,
    "Consensus").

    Args:
        n_neighbors: Each row links to its `n_neighbors` most similar rows (weight = cosine,
            floored at 0; a pair linked both ways keeps one edge).
        resolution: Louvain's resolution; higher gives more, smaller communities.
        min_cluster_size: Communities smaller than this get label -1.
        seed: Louvain's random seed (the first of the consensus runs').
        runs: Louvain runs behind the consensus (1: a single run, no consensus).
    """

    def __init__(self, n_neighbors: int = 15, resolution: float = 8.0,
                 min_cluster_size: int = 5, seed: int = 0, runs: int = 1) -> None:
        self.n_neighbors = n_neighbors
        self.resolution = resolution
        self.min_cluster_size = min_cluster_size
        self.seed = seed
        self.runs = runs

    def fit(self, X: np.ndarray, y: object = None) -> KnnLouvain:  # noqa: N803
        """Cluster the rows of `X`; sets `labels_` (0..k-1 by first appearance, or -1)."""
        import networkx as nx  # imported here: only the catalogue's discovery needs it

        unit_rows = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
        similarity = (unit_rows @ unit_rows.T).astype(np.float32)
        np.fill_diagonal(similarity, -np.inf)
        k = min(self.n_neighbors, len(X) - 1)
        neighbours = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        graph = nx.Graph()
        graph.add_nodes_from(range(len(X)))
        for i, row in enumerate(neighbours):
            for j in row.tolist():
                graph.add_edge(i, j, weight=max(float(similarity[i, j]), 0.0))
        if self.runs > 1:
            partitions = np.stack([self._communities(graph, self.seed + r)
                                   for r in range(self.runs)])
            edges = list(graph.edges(data="weight"))
            ends = np.array([(i, j) for i, j, _ in edges], dtype=np.int64).reshape(-1, 2)
            # Per edge, the share of runs with its two ends in one community.
            together = (partitions[:, ends[:, 0]] == partitions[:, ends[:, 1]]).mean(axis=0)
            consensus = nx.Graph()
            consensus.add_nodes_from(range(len(X)))
            consensus.add_weighted_edges_from(
                (i, j, weight * float(share))
                for (i, j, weight), share in zip(edges, together, strict=True) if share > 0)
            graph = consensus
        self.labels_ = relabel_by_size(self._communities(graph, self.seed),
                                       self.min_cluster_size)
        return self

    def _communities(self, graph, seed: int) -> np.ndarray:
        """Each node's Louvain community, numbered by their smallest node."""
        import networkx as nx

        communities = nx.community.louvain_communities(
            graph, weight="weight", resolution=self.resolution, seed=seed)
        raw = np.empty(graph.number_of_nodes(), dtype=np.int64)
        for c, members in enumerate(sorted(communities, key=min)):
            raw[sorted(members)] = c
        return raw


def calinski_harabasz(X: np.ndarray, labels: np.ndarray) -> float:  # noqa: N803
    """The Calinski-Harabasz index of the clustered rows (-inf below two clusters)."""
    kept = labels != OUTLIER
    found = len(np.unique(labels[kept]))
    if found < 2 or found >= kept.sum():
        return float("-inf")
    return float(calinski_harabasz_score(X[kept], labels[kept]))


def assign_outliers(X: np.ndarray, labels: np.ndarray) -> np.ndarray:  # noqa: N803
    """`labels` with every outlier given its most similar cluster centroid (cosine): the
    partition of all rows that the catalogue's later matching passes approximate."""
    kept = labels != OUTLIER
    if kept.all() or not kept.any():
        return labels
    found = np.unique(labels[kept])
    centroids = np.stack([X[labels == c].mean(axis=0) for c in found])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    full = labels.copy()
    full[~kept] = found[(X[~kept] @ centroids.T).argmax(axis=1)]
    return full


def choose_clustering(X: np.ndarray, linkage: np.ndarray, graph: np.ndarray  # noqa: N803
                      ) -> np.ndarray:
    """The graph clustering when it has the higher Calinski-Harabasz index *and* no more
    clusters than the average linkage, else the average linkage.

    Both are scored over every row, each outlier counted in its nearest cluster
    (`assign_outliers`): the linkage leaves its hardest rows out (16-28 % of a BANKING77
    night of 1,500-3,000), and scoring only its kept rows flattered it.
    A catalogue is for reading (the issue warns that NMI rewards shattering), so more issues
    are not bought with a better index. Measured with MiniLM (models/static-minilm card):
    BANKING77 takes the graph at 3,000 and 10,000 queries (full set NMI 0.786 -> 0.807, ARI
    0.515 -> 0.575, 87 issues instead of 111); DSTC11, MultiDoGO and the airline tweets keep
    the average linkage.
    """
    linkage_score = calinski_harabasz(X, assign_outliers(X, linkage))
    graph_score = calinski_harabasz(X, assign_outliers(X, graph))
    logger.info("clusterings of %d statements: average linkage CH %.1f (%d clusters), "
                "kNN-Louvain CH %.1f (%d)", len(X), linkage_score, linkage.max() + 1,
                graph_score, graph.max() + 1)
    return graph if graph_score > linkage_score and graph.max() <= linkage.max() else linkage


class FixedLabels(BaseEstimator, ClusterMixin):
    """A clusterer that returns labels computed beforehand: BERTopic then does not refit.

    Args:
        labels: One label per row of the `X` that `fit` will receive.
    """

    def __init__(self, labels: np.ndarray) -> None:
        self.labels = labels

    def fit(self, X: np.ndarray, y: object = None) -> FixedLabels:  # noqa: N803
        """Check the row count and expose the precomputed labels as `labels_`."""
        if len(X) != len(self.labels):
            raise ValueError(f"{len(X)} rows for {len(self.labels)} precomputed labels")
        self.labels_ = np.asarray(self.labels, dtype=np.int64)
        return self


def relabel_by_size(raw: np.ndarray, min_size: int) -> np.ndarray:
    """Drop clusters smaller than `min_size` to -1; number the rest 0.. in order of first row."""
    labels = np.full(len(raw), OUTLIER, dtype=np.int64)
    sizes = np.bincount(raw) if len(raw) else np.zeros(0, dtype=np.int64)
    _, first_rows = np.unique(raw, return_index=True)
    next_label = 0
    for cluster in raw[np.sort(first_rows)]:
        if sizes[cluster] >= min_size:
            labels[raw == cluster] = next_label
            next_label += 1
    return labels


def fit_new_clusters(
    docs: list[str],
    embeddings: np.ndarray,
    *,
    distance_threshold: float,
    min_cluster_size: int,
    pca_dims: int,
    n_keywords: int,
    seed: int,
    phrase_nlp: Language | None = None,
    graph_neighbors: int = 0,
    graph_resolution: float = 8.0,
    graph_runs: int = 1,
    languages: list[str | None] | None = None,
    encode: Callable[[list[str]], np.ndarray] | None = None,
) -> list[NewCluster]:
    """Cluster `docs` with BERTopic on their precomputed embeddings: `cluster_labels`, then
    `describe_clusters` (the arguments are theirs).

    Returns:
        Clusters ordered by size (largest first), ties by first member; empty when there are
        too few docs or every doc is an outlier.
    """
    labels = cluster_labels(embeddings, distance_threshold=distance_threshold,
                            min_cluster_size=min_cluster_size, pca_dims=pca_dims, seed=seed,
                            graph_neighbors=graph_neighbors, graph_resolution=graph_resolution,
                            graph_runs=graph_runs)
    return describe_clusters(docs, embeddings, labels, n_keywords=n_keywords,
                             phrase_nlp=phrase_nlp, languages=languages, encode=encode)


def cluster_labels(
    embeddings: np.ndarray,
    *,
    distance_threshold: float,
    min_cluster_size: int,
    pca_dims: int,
    seed: int,
    graph_neighbors: int = 0,
    graph_resolution: float = 8.0,
    graph_runs: int = 1,
) -> np.ndarray:
    """Each row's cluster (OUTLIER: in no cluster of `min_cluster_size` rows; every row, when
    there are fewer rows than that or than 2).

    Args:
        embeddings: Unit-length embeddings, one row per statement.
        distance_threshold: Cosine distance cut for the agglomerative clustering.
        min_cluster_size: Smallest cluster kept; smaller ones are outliers.
        pca_dims: Dimensions kept by PCA before clustering (0: no reduction).
        seed: Seed for PCA's randomized solver and the graph's communities.
        graph_neighbors: > 0: also cluster with `KnnLouvain` (this many neighbours, at
            `graph_resolution`) and keep it when it has the higher Calinski-Harabasz index
            over every row and no more clusters (`choose_clustering`); 0: average linkage
            alone.
        graph_runs: Louvain runs behind the graph's consensus communities (`KnnLouvain`).
    """
    if len(embeddings) < max(min_cluster_size, 2):  # too few rows to hold a cluster
        return np.full(len(embeddings), OUTLIER, dtype=np.int64)
    reduced = _reduce(embeddings, pca_dims, seed)
    labels = MinSizeAgglomerative(distance_threshold, min_cluster_size).fit(reduced).labels_
    if graph_neighbors and len(embeddings) > graph_neighbors:
        graph = KnnLouvain(graph_neighbors, graph_resolution, min_cluster_size,
                           seed, graph_runs).fit(reduced).labels_
        labels = choose_clustering(reduced, labels, graph)
    return labels


def describe_clusters(
    docs: list[str],
    embeddings: np.ndarray,
    labels: np.ndarray,
    *,
    n_keywords: int,
    phrase_nlp: Language | None = None,
    languages: list[str | None] | None = None,
    encode: Callable[[list[str]], np.ndarray] | None = None,
) -> list[NewCluster]:
    """Keywords (BERTopic's c-TF-IDF) and a label for each cluster of `labels`.

    Args:
        docs: The clustered statements.
        embeddings: Their unit-length embeddings, one row per doc.
        labels: Each doc's cluster (`cluster_labels`; OUTLIER: none).
        n_keywords: Keywords kept per cluster (top c-TF-IDF terms).
        phrase_nlp: A spaCy pipeline with a parser (noun chunks) for keyphrase labels;
            None: labels from the c-TF-IDF keywords alone.
        languages: Each doc's language (its call's; None: detected from the doc), which
            decides how its keywords are read.
        encode: The embedder that made `embeddings`, to compare label phrases with a
            cluster's centroid (`choose_phrase`); None: the best phrase by keywords.

    Returns:
        Clusters ordered by size (largest first), ties by first member; empty when every doc
        is an outlier.
    """
    # The all-outlier case never reaches BERTopic (its c-TF-IDF step has nothing to describe).
    if (labels == OUTLIER).all():
        logger.info("no cluster among %d new statements", len(docs))
        return []
    # Keywords of statements in another supported language (German) come from their words
    # folded to ASCII, without that language's stop words; English statements are unchanged.
    languages = [lang or detect_language(d)
                 for d, lang in zip(docs, languages or [None] * len(docs), strict=True)]
    keyword_docs = [keyword_text(d, lang) for d, lang in zip(docs, languages, strict=True)]
    tokens = keyword_tokens(keyword_docs)
    if len(set().union(*tokens)) >= 2:
        topics, words = _run_bertopic(keyword_docs, embeddings, FixedLabels(labels),
                                      n_keywords)
    else:  # c-TF-IDF needs two words to weigh ("ok thanks", "12345", "ok refund" fail)
        logger.info("under two keywords among %d new statements: no c-TF-IDF", len(docs))
        topics = labels
        words = {t: sorted(set().union(*(tokens[i] for i in np.flatnonzero(labels == t))))
                 for t in set(labels.tolist()) - {OUTLIER}}
    topic_ids = sorted(set(topics.tolist()) - {OUTLIER})
    members = {t: np.flatnonzero(topics == t) for t in topic_ids}
    centroids = {t: unit(embeddings[members[t]].mean(axis=0)) for t in topic_ids}
    shortlists: dict[int, list[tuple[str, float, int]]] = {}
    labels_by_topic: dict[int, str] = {}
    for t in topic_ids:
        central = pick_examples([docs[i] for i in members[t]], embeddings[members[t]],
                                centroids[t], 8)
        # Phrases come from an English parse: a cluster of mostly other-language statements
        # is named by its keywords.
        english = (2 * sum(languages[i] not in KEYWORD_LANGUAGES for i in members[t])
                   > len(members[t]))
        if not words[t]:  # no keyword to rank phrases by: the most central statement
            labels_by_topic[t] = shorten(central[0]) if central else ""
        elif phrase_nlp is not None and english:
            shortlists[t] = phrase_shortlist(phrase_nlp, central, words[t])
    # One encoder call for every cluster's shortlist.
    phrases = [p for t in shortlists for p, _score, _n in shortlists[t]]
    vectors = iter(encode(phrases) if encode is not None and phrases else [])
    for t, shortlist in shortlists.items():
        rows = [next(vectors) for _ in shortlist] if encode is not None else None
        labels_by_topic[t] = choose_phrase(shortlist, rows, centroids[t])
    clusters = [NewCluster(tuple(members[t].tolist()), tuple(words[t]),
                           labels_by_topic.get(t) or make_label(words[t]))
                for t in topic_ids]
    return sorted(clusters, key=lambda c: (-len(c.members), c.members[0]))


def make_reducer(pca_dims: int, n_docs: int, seed: int) -> PCA | FunctionTransformer:
    """PCA to `pca_dims` dimensions, or the identity when `pca_dims` is 0 or >= `n_docs`.

    The identity keeps distances in the embedding space itself (so `distance_threshold`
    means the same on a night of 20 statements as on one of 20,000); PCA centres the data,
    which changes cosine distances, and on a handful of rows it only adds noise.
    """
    if pca_dims <= 0 or n_docs <= pca_dims:
        return FunctionTransformer()
    return PCA(n_components=pca_dims, random_state=seed)


def _reduce(embeddings: np.ndarray, pca_dims: int, seed: int) -> np.ndarray:
    return make_reducer(pca_dims, embeddings.shape[0], seed).fit_transform(embeddings)


def _run_bertopic(
    docs: list[str],
    embeddings: np.ndarray,
    clusterer: FixedLabels,
    n_keywords: int,
) -> tuple[np.ndarray, dict[int, list[str]]]:
    # Imported here: bertopic (and the torch it pulls in) takes ~10 s to import.
    from bertopic import BERTopic

    model = BERTopic(
        embedding_model=None,
        umap_model=FunctionTransformer(),  # clustered already, in `fit_new_clusters`
        hdbscan_model=clusterer,
        vectorizer_model=keyword_vectorizer(),
        top_n_words=n_keywords,
        calculate_probabilities=False,
        verbose=False,
    )
    topics, _ = model.fit_transform(docs, embeddings)
    words = {
        topic: [word for word, _score in (model.get_topic(topic) or []) if word]
        for topic in set(topics) - {OUTLIER}
    }
    return np.asarray(topics, dtype=np.int64), words

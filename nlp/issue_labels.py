"""Discover new issues among unmatched statements and describe them.

Helpers for `nlp.issues`: BERTopic assembled from cheap, deterministic sub-models on
precomputed embeddings, plus the labelling and example-picking that turn a cluster into a
catalogue entry. Choices, measured in `flows/evaluation/clustering.py` (details in
`models/static-minilm/MODEL_CARD.md`):

- reduction: none. PCA centres the data and changes cosine distances, so a cut would mean
  something different on every night; UMAP costs ~50 s of JIT and is not deterministic.
- clustering: average-linkage agglomerative with a cosine distance cut calibrated per
  embedder (the same cut was best on BANKING77 and DSTC11 for each embedder), so the number
  of issues comes from the data. Rejected by measurement: HDBSCAN (30-65 % outliers before
  reduction, and with min_cluster_size >= 10 it collapsed BANKING77 into 2 clusters), KMeans
  with k = sqrt(n/2) (needs n_init restarts, lower NMI/ARI than the cut on DSTC11 and
  BANKING77) and Ward (close on BANKING77, worse on DSTC11).
- labels: c-TF-IDF keywords (BERTopic) matched to the contiguous phrases of the cluster's most
  central statements, taken as written ("refund hasn't arrived", "file a life insurance
  claim"): label-names-intent 0.721 -> 0.793 on BANKING77 against phrases picked from a parse.
  The best few phrases by keywords are then read by the embedder, and the one that says most
  of what the cluster's centroid says wins (as BERTopic's KeyBERTInspired reranks keywords):
  "internet isn't working" rather than the top keyword alone, "service".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import AgglomerativeClustering
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.metrics import calinski_harabasz_score
from sklearn.preprocessing import FunctionTransformer

from nlp.language import KEYWORD_LANGUAGES, detect_language, keyword_text
from nlp.redact import PLACEHOLDERS

if TYPE_CHECKING:
    from collections.abc import Callable

    from spacy.language import Language

logger = logging.getLogger(__name__)

LABEL_SEPARATOR = " · "
OUTLIER = -1
#: Score a label phrase loses per word that is none of its cluster's keywords.
OFF_KEYWORD_PENALTY = 0.1
#: The phrases with the best keyword scores that the embedder compares with the centroid.
LABEL_SHORTLIST = 10
#: Weight of a phrase's cosine similarity to its cluster's centroid, beside its keyword score
#: as a share of the best phrase's (models/static-minilm/MODEL_CARD.md, "Labels").
CENTROID_WEIGHT = 1.0
#: Keyword tokens: words of letters (numbers, times, prices and order ids say nothing about
#: the kind of issue), apostrophes kept inside ("can't").
WORD_PATTERN = r"(?u)\b[^\W\d_][^\W\d_'’]*(?:['’][^\W\d_]+)?\b"
#: English stop words plus chat and texting fillers that c-TF-IDF would otherwise rank.
LABEL_STOP_WORDS = sorted(ENGLISH_STOP_WORDS | {
    "u", "ur", "ya", "im", "ive", "id", "dont", "didnt", "doesnt", "cant", "wont", "isnt",
    "havent", "hasnt", "wasnt", "arent", "couldnt", "shouldnt", "wouldnt", "pls", "plz",
    "please", "hi", "hey", "hello", "thanks", "thank", "ok", "okay", "yes", "just", "got",
    "getting", "going", "did", "does", "tried", "trying", "want", "need", "know", "like",
    "really", "today", "yesterday", "tomorrow", "day", "days", "time", "times", "lol",
    "ones", "thing", "things", "stuff", "guys", "lot",
    # Calendar words date a call, they do not name its issue ("april", "morning the code you
    # sent"); "may" and "march" are verbs too, and durations ("hours") can be the issue.
    "january", "february", "april", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "morning", "afternoon", "evening", "tonight", "weekend",
    # Labels are read by team leads: swearing describes the mood, not the issue.
    "shit", "shitty", "fuck", "fucking", "fucked", "crap", "crappy", "damn", "wtf", "sucks",
})
_LABEL_STOP_SET = frozenset(LABEL_STOP_WORDS)
#: Words never shown in a label: the fillers and swearing above (plain stop words may stand
#: inside a phrase: "balance of my account").
_FILLER_SET = _LABEL_STOP_SET - ENGLISH_STOP_WORDS
#: A label phrase starts (or after a negation) and ends on one of these: a thing, an action
#: or a quality.
_CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ"})
#: Words that join clauses or items: a phrase stops before them ("screen", not "iphone
#: online but screen").
_CLAUSE_JOINS = frozenset({"CCONJ", "SCONJ"})
#: The words of the redaction placeholders ("[NAME]"): never part of a label.
_PLACEHOLDER_WORDS = frozenset(p.strip("[]") for p in PLACEHOLDERS)
#: Negation words (spaCy's "neg" dependency also lands on odd tokens of broken text).
_NEGATIONS = frozenset({"not", "n't", "n’t", "never", "no"})
MAX_LABEL_WORDS = 5
#: What BERTopic's English preprocessing removes before its vectorizer sees a document.
_BERTOPIC_DROP = re.compile(r"[^A-Za-z0-9 ]+")


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
    """Louvain communities (networkx, fixed seed) of the cosine k-nearest-neighbour graph;
    communities below a size are outliers. Deterministic for a given input order.

    Args:
        n_neighbors: Each row links to its `n_neighbors` most similar rows (weight = cosine,
            floored at 0; a pair linked both ways keeps one edge).
        resolution: Louvain's resolution; higher gives more, smaller communities.
        min_cluster_size: Communities smaller than this get label -1.
        seed: Louvain's random seed.
    """

    def __init__(self, n_neighbors: int = 15, resolution: float = 8.0,
                 min_cluster_size: int = 5, seed: int = 0) -> None:
        self.n_neighbors = n_neighbors
        self.resolution = resolution
        self.min_cluster_size = min_cluster_size
        self.seed = seed

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
        communities = nx.community.louvain_communities(
            graph, weight="weight", resolution=self.resolution, seed=self.seed)
        raw = np.empty(len(X), dtype=np.int64)
        for c, members in enumerate(sorted(communities, key=min)):
            raw[sorted(members)] = c
        self.labels_ = relabel_by_size(raw, self.min_cluster_size)
        return self


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
    languages: list[str | None] | None = None,
    encode: Callable[[list[str]], np.ndarray] | None = None,
) -> list[NewCluster]:
    """Cluster `docs` with BERTopic on their precomputed embeddings.

    Args:
        docs: Statements to cluster (already known to match no existing issue).
        embeddings: Their unit-length embeddings, one row per doc.
        distance_threshold: Cosine distance cut for the agglomerative clustering.
        min_cluster_size: Smallest cluster kept; smaller ones are outliers.
        pca_dims: Dimensions kept by PCA before clustering (0: no reduction).
        n_keywords: Keywords kept per cluster (top c-TF-IDF terms).
        seed: Seed for PCA's randomized solver.
        phrase_nlp: A spaCy pipeline with a parser (noun chunks) for keyphrase labels;
            None: labels from the c-TF-IDF keywords alone.
        graph_neighbors: > 0: also cluster with `KnnLouvain` (this many neighbours, at
            `graph_resolution`) and keep it when it has the higher Calinski-Harabasz index
            over every row and no more clusters (`choose_clustering`); 0: average linkage
            alone.
        languages: Each doc's language (its call's; None: detected from the doc), which
            decides how its keywords are read.
        encode: The embedder that made `embeddings`, to compare label phrases with a
            cluster's centroid (`choose_phrase`); None: the best phrase by keywords.

    Returns:
        Clusters ordered by size (largest first), ties by first member; empty when there are
        too few docs or every doc is an outlier.
    """
    if len(docs) < max(min_cluster_size, 2):
        return []
    reduced = _reduce(embeddings, pca_dims, seed)
    labels = MinSizeAgglomerative(distance_threshold, min_cluster_size).fit(reduced).labels_
    if graph_neighbors and len(docs) > graph_neighbors:
        graph = KnnLouvain(graph_neighbors, graph_resolution, min_cluster_size,
                           seed).fit(reduced).labels_
        labels = choose_clustering(reduced, labels, graph)
    # The all-outlier case never reaches BERTopic (its c-TF-IDF step has nothing to describe).
    if (labels == OUTLIER).all():
        logger.info("no cluster of >= %d among %d new statements", min_cluster_size, len(docs))
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
            labels_by_topic[t] = _short(central[0]) if central else ""
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


def keyword_tokens(docs: list[str]) -> list[set[str]]:
    """Each doc's c-TF-IDF features (keyword unigrams and bigrams) as BERTopic will see them:
    its English preprocessing keeps only [A-Za-z0-9 ] ("don't" becomes the stop word "dont").
    BERTopic's c-TF-IDF cannot be fitted on fewer than two features in all: none is
    scikit-learn's "empty vocabulary", one breaks its sparse idf diagonal."""
    analyze = _keyword_vectorizer().build_analyzer()
    return [set(analyze(_BERTOPIC_DROP.sub("", doc.replace("\n", " ").replace("\t", " "))))
            for doc in docs]


def _keyword_vectorizer() -> CountVectorizer:
    """The c-TF-IDF vocabulary: letter words, no stop words, unigrams and bigrams.

    min_df=1: c-TF-IDF fits on one joined document per topic, so min_df=2 would keep only
    words shared by two topics, i.e. exactly the non-distinctive ones.
    """
    return CountVectorizer(stop_words=LABEL_STOP_WORDS, ngram_range=(1, 2), min_df=1,
                           token_pattern=WORD_PATTERN)


def _short(text: str, n_words: int = 6) -> str:
    """The first `n_words` words of `text`, lower case: a label when no keyword exists."""
    return " ".join(text.lower().split()[:n_words])


def phrase_shortlist(nlp: Language, texts: list[str], keywords: list[str],
                     size: int = LABEL_SHORTLIST) -> list[tuple[str, float, int]]:
    """The `size` most keyword-laden phrases of `texts`, best first.

    Candidates are the statements' contiguous phrases (`_candidate_phrases`: "file a life
    insurance claim", "refund hasn't arrived"); each scores the c-TF-IDF rank weights of the
    keywords it contains, less a little per other word, shorter phrases winning ties.

    Returns:
        (phrase, keyword score > 0, words without the negation) per phrase.
    """
    weights = {}
    for rank, keyword in enumerate(keywords):
        for token in keyword.split():
            weights.setdefault(token, 1.0 / (rank + 1))
    best: dict[str, tuple[float, int, tuple[str, ...]]] = {}
    negated: set[tuple[str, ...]] = set()
    for doc in nlp.pipe(texts, batch_size=64):
        for phrase, words in _candidate_phrases(doc):
            score = sum(weights.get(w, 0.0) for w in set(words))
            # Words that are no keyword of the cluster make a label longer, not clearer.
            score -= OFF_KEYWORD_PENALTY * sum(w not in weights and w != "not" for w in words)
            # The negation is free: "won't connect" is no longer than "connect".
            n_words = sum(w != "not" for w in words)
            if score > 0 and score > best.get(phrase, (0.0,))[0]:
                best[phrase] = (score, n_words, tuple(words))
            if words[0] == "not":
                negated.add(tuple(words[1:]))
    # The negation is the problem: "receiving my food" never stands for "not receiving my
    # food" (the embedder reads the two alike).
    ranked = sorted(((p, v) for p, v in best.items() if v[2] not in negated),
                    key=lambda item: (-item[1][0], item[1][1]))
    return [(phrase, score, n_words) for phrase, (score, n_words, _w) in ranked[:size]]


def choose_phrase(shortlist: list[tuple[str, float, int]], vectors: list | None,
                  centroid: np.ndarray | None) -> str:
    """The shortlisted phrase with the best keyword score (as a share of the best one's)
    plus `CENTROID_WEIGHT` times its cosine similarity to `centroid`; shorter phrases, then
    earlier ones, win ties. Without `vectors`: the first phrase. "" for an empty list."""
    if not shortlist:
        return ""
    if vectors is None or centroid is None:
        return shortlist[0][0]
    top = shortlist[0][1]
    keys = [(score / top + CENTROID_WEIGHT * float(unit(np.asarray(vector)) @ centroid), -n)
            for (_phrase, score, n), vector in zip(shortlist, vectors, strict=True)]
    return shortlist[max(range(len(keys)), key=keys.__getitem__)][0]  # ties: the earlier


def _candidate_phrases(doc) -> list[tuple[str, list[str]]]:
    """Every contiguous phrase of 1 to `MAX_LABEL_WORDS` tokens of `doc` that starts on a
    content word or a negation (`_negation_start`) and ends on a content word, with no
    punctuation, number, chat filler, swearing or conjunction inside, no noun chunk cut and
    no word twice: (its lower-case text as written, its words with the negation spelled
    "not"). A phrase taken verbatim reads as the customer wrote it, which words picked from a
    parse did not always ("compensated not food").
    """
    tokens = list(doc)
    # A phrase never cuts a noun chunk: it starts on a chunk's first content word and ends on
    # its root ("ticket machines", not "machines"; "lock screen", not "lock").
    inner_start, inner_end = set(), set()
    for chunk in doc.noun_chunks:
        content = [t.i for t in chunk if t.pos_ in _CONTENT_POS]
        inner_start.update(content[1:])
        inner_end.update(t.i for t in chunk if t.i != chunk.root.i)
    phrases = []
    for i, first in enumerate(tokens):
        if (i in inner_start or first.lower_.startswith(_CLITIC) or first.text[0] in "'’"
                or not (first.pos_ in _CONTENT_POS or _negation_start(tokens, i))):
            continue  # a stray "n't" or "’re" starts nothing, whatever the parser made of it
        words: list[str] = []
        for token in tokens[i:i + MAX_LABEL_WORDS]:
            if (token.is_punct or token.is_space or token.like_num
                    or not any(c.isalpha() for c in token.text)  # emoji, symbols
                    or any(c.isdigit() for c in token.text) or token.lower_ in _FILLER_SET
                    or token.pos_ in _CLAUSE_JOINS or _in_placeholder(tokens, token.i)):
                break
            if _clitic_host(tokens, token.i):
                continue  # "wo" of "won't": its "n't" stands for both
            # A verb's particle ends a phrase too ("top up", "log in", "sign up"); it is part
            # of its verb, not a word of its own that would make the label longer.
            if (token.dep_ == "prt" and token.i > i
                    and tokens[token.i - 1].pos_ in _CONTENT_POS):
                phrases.append((doc[i:token.i + 1].text.lower(), list(words)))
                continue
            word = "not" if _is_negation(token) else token.lower_
            if word in words:
                break
            words.append(word)
            if token.pos_ in _CONTENT_POS and token.i not in inner_end and word != "not":
                phrases.append((doc[i:token.i + 1].text.lower(), list(words)))
    return phrases


_CLITIC = ("n'", "n’")  # how "n't" / "n’t" begins


def _negation_start(tokens: list, i: int) -> bool:
    """Whether a phrase may start at `tokens[i]` for its negation: "not" or "never" itself,
    or the auxiliary that "n't" is attached to ("won't", "isn't": never a bare "n't")."""
    token = tokens[i]
    if _is_negation(token):
        return not _is_clitic_negation(token)
    return _clitic_host(tokens, i)


def _clitic_host(tokens: list, i: int) -> bool:
    """Whether `tokens[i]` carries a following "n't" ("wo" in "won't", "is" in "isn't"); a
    stray "n't" is no host, even when the parser gives it no negation label ("n't n't")."""
    return (not _is_negation(tokens[i]) and not tokens[i].lower_.startswith(_CLITIC)
            and i + 1 < len(tokens) and _is_clitic_negation(tokens[i + 1]))


def _in_placeholder(tokens: list, i: int) -> bool:
    """Whether `tokens[i]` is the word of a redaction placeholder ("NAME" of "[NAME]")."""
    return (0 < i < len(tokens) - 1 and tokens[i - 1].text == "["
            and tokens[i + 1].text == "]" and tokens[i].text in _PLACEHOLDER_WORDS)


def _is_negation(token) -> bool:
    return token.dep_ == "neg" and token.lower_ in _NEGATIONS


def _is_clitic_negation(token) -> bool:
    return _is_negation(token) and token.lower_.startswith(_CLITIC)


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
        vectorizer_model=_keyword_vectorizer(),
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


def make_label(keywords: list[str] | tuple[str, ...], n_words: int = 3) -> str:
    """Build a short label from the top keywords, folding unigrams into bigrams that hold them.

    Example: ["refund", "refund arrived", "arrived", "order"] -> "refund arrived · order".
    """
    chosen: list[str] = []
    for word in keywords:
        tokens = set(word.split())
        covered = {token for kept in chosen for token in kept.split()}
        if not tokens or tokens <= covered:
            continue
        subsumed = [i for i, kept in enumerate(chosen) if set(kept.split()) <= tokens]
        if subsumed:
            chosen[subsumed[0]] = word
            chosen = [k for i, k in enumerate(chosen) if i not in subsumed[1:]]
        else:
            chosen.append(word)
        if len(chosen) == n_words:
            break
    return LABEL_SEPARATOR.join(chosen) if chosen else "(no keywords)"


def pick_examples(
    texts: list[str], embeddings: np.ndarray, centroid: np.ndarray, n_examples: int
) -> list[str]:
    """Return up to `n_examples` distinct texts closest to `centroid` (ties: earlier text)."""
    similarity = embeddings @ centroid
    order = np.argsort(-similarity, kind="stable")
    examples: list[str] = []
    for row in order:
        text = texts[row].strip()
        if text and text not in examples:
            examples.append(text)
        if len(examples) == n_examples:
            break
    return examples


def unit(vector: np.ndarray) -> np.ndarray:
    """Return `vector` scaled to unit length (unchanged if it is zero), as float32."""
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float32)

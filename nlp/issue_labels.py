"""Describe an issue: c-TF-IDF keywords, a label phrase taken as written, example quotes.

Helpers of `nlp.issue_clustering` (which finds tonight's clusters) and `nlp.issues`. Choices,
measured in `flows/evaluation/clustering.py` (details in `models/static-minilm/MODEL_CARD.md`):
c-TF-IDF keywords (BERTopic) are matched to the contiguous phrases of the cluster's most
central statements, taken as written ("refund hasn't arrived", "file a life insurance
claim"): label-names-intent 0.721 -> 0.793 on BANKING77 against phrases picked from a parse.
The best few phrases by keywords are then read by the embedder, and the one that says most of
what the cluster's centroid says wins (as BERTopic's KeyBERTInspired reranks keywords):
"internet isn't working" rather than the top keyword alone, "service".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from nlp.pipeline import pipe_pieces
from nlp.redact import PLACEHOLDERS

if TYPE_CHECKING:
    from spacy.language import Language

LABEL_SEPARATOR = " · "
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
    # Texting spellings ("check dis", "cuz", "hv"): a label is read by team leads. Not "bt",
    # which is also the brand BT.
    "dis", "wat", "thx", "bc", "cuz", "coz", "tho", "gonna", "wanna", "hv", "dnt", "nd", "smh",
    "idk", "btw", "asap", "n", "r", "y", "b", "k",
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


def keyword_tokens(docs: list[str]) -> list[set[str]]:
    """Each doc's c-TF-IDF features (keyword unigrams and bigrams) as BERTopic will see them:
    its English preprocessing keeps only [A-Za-z0-9 ] ("don't" becomes the stop word "dont").
    BERTopic's c-TF-IDF cannot be fitted on fewer than two features in all: none is
    scikit-learn's "empty vocabulary", one breaks its sparse idf diagonal."""
    analyze = keyword_vectorizer().build_analyzer()
    return [set(analyze(_BERTOPIC_DROP.sub("", doc.replace("\n", " ").replace("\t", " "))))
            for doc in docs]


def keyword_vectorizer() -> CountVectorizer:
    """The c-TF-IDF vocabulary: letter words, no stop words, unigrams and bigrams.

    min_df=1: c-TF-IDF fits on one joined document per topic, so min_df=2 would keep only
    words shared by two topics, i.e. exactly the non-distinctive ones.
    """
    return CountVectorizer(stop_words=LABEL_STOP_WORDS, ngram_range=(1, 2), min_df=1,
                           token_pattern=WORD_PATTERN)


def shorten(text: str, n_words: int = 6) -> str:
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
    docs = (doc for pieces in pipe_pieces(nlp, texts, batch_size=64) for _, doc in pieces)
    for doc in docs:
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
            # of its verb, not a word of its own that would make the label longer. Only with
            # its verb: "picked the phone up" gives no "phone up", "throw all my food out"
            # no "food out".
            if (token.dep_ == "prt" and i <= token.head.i < token.i
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

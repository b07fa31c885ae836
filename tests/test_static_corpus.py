"""The tokenlearn corpus: copies left out, sentences added, and no evaluated text in it."""

from __future__ import annotations

import pytest

from flows.evaluation.clustering_data import LOADERS
from flows.evaluation.run import DEFAULT_DATA
from flows.training import pain_data, sentiment_data, static_corpus


def test_corpus_keeps_the_first_copy_and_adds_the_sentences_of_long_texts(monkeypatch, tmp_path):
    sources = {
        "a": lambda _: iter(["My card was declined.  It is the third time!", "ok", "hello there"]),
        "b": lambda _: iter(["HELLO   there", "Where is my refund?", "Where is my ORDER?"]),
    }
    monkeypatch.setattr(static_corpus, "SOURCES", sources)

    corpus = static_corpus.build_corpus(tmp_path, evaluated={"where is my order?"})

    assert corpus == [
        ("a", "My card was declined. It is the third time!"),
        ("a", "hello there"),
        ("a", "My card was declined."),
        ("a", "It is the third time!"),
        ("b", "Where is my refund?"),
    ]


@pytest.mark.slow
@pytest.mark.skipif(not (DEFAULT_DATA / "banking77").exists(), reason="../shared/data not here")
def test_no_text_an_evaluation_reads_is_in_the_corpus():
    corpus = static_corpus.build_corpus(DEFAULT_DATA)
    keys = {static_corpus.text_key(text) for _, text in corpus}
    evaluated = set()
    for load in LOADERS.values():  # the clustering sets, checked apart from evaluated_texts
        evaluated |= {static_corpus.text_key(t) for t in load(DEFAULT_DATA)[0]}
    tests = [e.text for source in pain_data.load_all(DEFAULT_DATA).values()
             for e in pain_data.select(source, "test")]
    tests += [e.text for _, held_out in sentiment_data.load_splits(DEFAULT_DATA).values()
              for e in held_out]
    evaluated |= {static_corpus.text_key(t) for t in tests}

    assert len(corpus) > 50_000
    assert {source for source, _ in corpus} == set(static_corpus.SOURCES)
    assert not keys & evaluated

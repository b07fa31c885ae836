"""Tests for the shared text-model features: the cached char n-gram hasher equals scikit-learn."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import HashingVectorizer

from nlp.textmodel import CharNgramHasher, FeatureConfig, char_hasher, featurize


def reference(texts: list[str], n_features: int) -> np.ndarray:
    """What the hasher replaces: scikit-learn's char_wb HashingVectorizer, as configured."""
    vectorizer = HashingVectorizer(n_features=n_features, ngram_range=(2, 5),
                                   analyzer="char_wb", alternate_sign=False, norm="l2",
                                   lowercase=True)
    return vectorizer.transform(texts).toarray()


def test_char_hasher_equals_hashing_vectorizer_on_awkward_texts():
    texts = ["", "   ", "a", "I", "Ab  cd\tEF\n\ngh", "İstanbul ÇAĞ straße", "x\x1cy z",
             "emoji 😀😀 ok", "ﬁne Ǆ", "the the the", "@united lost my bag https://t.co/x1"]
    for n_features in (2**6, 2**18):
        np.testing.assert_array_equal(CharNgramHasher(n_features).transform(texts).toarray(),
                                      reference(texts, n_features))


def test_char_hasher_cache_is_bounded_and_does_not_change_the_output():
    hasher = CharNgramHasher(2**10, max_words=3)
    texts = ["one two three four five", "six seven", "one two"]
    first = hasher.transform(texts).toarray()
    assert len(hasher._words) == 7  # noqa: SLF001 (filled after the check, emptied next call)
    second = hasher.transform(texts).toarray()
    assert len(hasher._words) == 7  # noqa: SLF001
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, reference(texts, 2**10))


def test_featurize_char_blocks_use_the_shared_hasher_and_keep_their_values():
    cfg = FeatureConfig(use_embedding=False, n_hash=2**12, char_ngrams=True,
                        ngram_range=(2, 5))
    texts = ["My bag never arrived.", "Thanks a lot!"]
    np.testing.assert_array_equal(featurize(texts, cfg, None).toarray(),
                                  reference(texts, 2**12).astype(np.float32))
    assert char_hasher(2**12) is char_hasher(2**12, (2, 5))
    assert CharNgramHasher(2**12).transform([]).shape == (0, 2**12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6))
def test_char_hasher_equals_hashing_vectorizer_on_any_text(texts):
    np.testing.assert_array_equal(CharNgramHasher(2**8).transform(texts).toarray(),
                                  reference(texts, 2**8))

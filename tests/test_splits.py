"""Tests for the shared split hash: every data module's split stays the one its models saw."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.training.empathy_data import bucket
from flows.training.pain_data import _bucket
from flows.training.sentiment_data import hash_fraction
from flows.training.splits import hash_prefix


def test_splits_hash_prefix_keeps_the_shipped_values():
    assert _bucket("airline:570306133677760513", "pain-split") == 49
    assert _bucket("tweetsumm:abc", "pain-validation") == 71
    assert hash_fraction("i want a refund", "test") == 0.1387672102504077
    assert hash_fraction("i want a refund", "validation") == 0.7179075587705761
    assert bucket("6ti2wo", "epitome") == 0.4954926622928268
    assert bucket("6ti2wo", "epitome-cv") == 0.5047166250870363
    assert hash_prefix("k", "s", "|", "sha1", n_bytes=1) == hashlib.sha1(b"s|k").digest()[0]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.text(max_size=12))
def test_splits_helpers_match_the_formulas_their_models_were_trained_on(key, salt):
    sha1_hex = hashlib.sha1(f"{salt}:{key}".encode()).hexdigest()
    assert _bucket(key, salt) == int(sha1_hex[:8], 16) % 100
    sha1 = hashlib.sha1(f"{salt}|{key}".encode()).digest()
    assert hash_fraction(key, salt) == int.from_bytes(sha1[:8], "big") / 2**64
    sha256 = hashlib.sha256(f"{salt}{key}".encode()).digest()
    assert bucket(key, salt) == int.from_bytes(sha256[:8], "big") / 2**64

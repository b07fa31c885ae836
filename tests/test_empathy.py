"""Unit tests for nlp.empathy: markers, kinds, offsets, score."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.empathy import EmpathyMarker, find_empathy_markers, score_empathy


def spans(text: str) -> list[tuple[str, str]]:
    return [(m.kind, text[m.char_start:m.char_end]) for m in find_empathy_markers(text)]


@pytest.mark.parametrize(("text", "kind", "phrase"), [
    ("We're really sorry about the delay.", "apology", "We're really sorry"),
    ("Please accept our apologies for this.", "apology", "apologies"),
    ("I can imagine how annoying that is.", "acknowledgement", "I can imagine"),
    ("Thank you for your patience here.", "acknowledgement", "Thank you for your patience"),
    ("Let me check that order.", "ownership", "Let me"),
    ("I've escalated it to our team.", "ownership", "I've escalated"),
    ("Rest assured, it is in hand.", "reassurance", "Rest assured"),
    ("Don't worry about it.", "reassurance", "Don't worry"),
])
def test_empathy_marker_kind_and_offsets(text, kind, phrase):
    found = spans(text)
    assert (kind, phrase) in found
    start = text.index(phrase)
    assert EmpathyMarker(kind, start, start + len(phrase)) in find_empathy_markers(text)


def test_empathy_markers_in_text_order_with_all_kinds():
    text = ("I'm so sorry to hear that, I completely understand how frustrating this is. "
            "Let me fix this for you right away.")
    found = find_empathy_markers(text)
    assert [m.char_start for m in found] == sorted(m.char_start for m in found)
    assert spans(text) == [
        ("apology", "I'm so sorry"),
        ("acknowledgement", "I completely understand"),
        ("acknowledgement", "frustrating"),
        ("ownership", "Let me"),
        ("ownership", "right away"),
    ]
    assert score_empathy(found) > 0.8


@pytest.mark.parametrize("text", [
    "Please DM us your order number.",
    "Your order number is 12345.",
    "",
])
def test_empathy_procedural_turn_scores_low(text):
    assert score_empathy(find_empathy_markers(text)) < 0.3


def test_empathy_score_each_kind_counts_once():
    one = [EmpathyMarker("apology", 0, 5)]
    two = one + [EmpathyMarker("apology", 10, 15)]
    mixed = one + [EmpathyMarker("acknowledgement", 10, 15)]
    assert score_empathy([]) == 0.0
    assert score_empathy(one) < score_empathy(two) < score_empathy(mixed)


def test_empathy_dismissive_sorry_is_not_empathetic():
    assert score_empathy(find_empathy_markers("Sorry, but that's the rules.")) < 0.5


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_empathy_score_within_zero_and_one(text):
    markers = find_empathy_markers(text)
    assert 0.0 <= score_empathy(markers) <= 1.0
    for m in markers:
        assert 0 <= m.char_start < m.char_end <= len(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["sorry", "I understand", "let me", "don't worry", "ok", "we'll"]),
                max_size=40))
def test_empathy_score_saturates_below_one(words):
    assert 0.0 <= score_empathy(find_empathy_markers(" ".join(words))) <= 1.0

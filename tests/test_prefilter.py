"""The rule regexes' literal prefilter: sound (never skips a text the regex matches)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.settings import SAMPLE_INPUT
from flows.sources import FileSource
from nlp.patterns import compile_any, regex_groups
from nlp.prefilter import Prefiltered, fold, required_literals

IC = re.IGNORECASE
PATTERN_SETS = regex_groups()  # every registered list of regexes, by name


def _same(pattern: Prefiltered, text: str) -> None:
    regex = pattern.regex
    assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in regex.finditer(text)]
    assert pattern.findall(text) == regex.findall(text)
    assert pattern.sub("#", text) == regex.sub("#", text)
    found, expected = pattern.search(text), regex.search(text)
    assert (found and found.span()) == (expected and expected.span())


@pytest.mark.parametrize(("pattern", "flags", "expected"), [
    (r"\bnobody\b", IC, {"nobody"}),
    (r"\b(?:crash(?:es|ed)?|froze)\b", IC, {"crash", "froze"}),
    (r"(?<!\bno )\bBroken\b", IC, {"broken"}),  # a negative lookbehind is not required
    (r"(?:really )?slow(?:ly)?", IC, {"slow"}),  # an optional part is not required
    (r"(?:not|never)\s+(?:received|arrived)", IC, {"received", "arrived"}),  # most selective
    (r"n['’]t work", IC, {"t work"}),  # a class ends a literal run
    (r"(?:in|for) the (?:last|past)\b", IC, {"last", "past"}),  # " the " is no rarer than "the"
    (r"Refund", 0, {"refund"}),  # lower case whatever the flags: texts are folded
    (r"(?i:ABCD)ef", 0, {"abcd"}),  # the longer run wins
])
def test_required_literals_reads_the_words_every_match_needs(pattern, flags, expected):
    assert required_literals(pattern, flags) == frozenset(expected)


@pytest.mark.parametrize("pattern", [r"a|bcd", r"\w+in", r"(?:abc)?", r"x*yz*", r"no+"])
def test_required_literals_gives_none_when_no_long_literal_is_required(pattern):
    assert required_literals(pattern, IC) is None


def test_fold_maps_what_ignorecase_matches_with_i_and_s():
    assert fold("ıt’S ſorry İT") == "it’s sorry it"
    assert fold("Café’S") == "café’s" and fold("OK") == "ok"
    for text in ("ıt", "İT", "ſorry"):  # the regex and the prefilter agree on them
        _same(Prefiltered(re.compile(r"\b(?:it|sorry)\b", IC)), text)


@pytest.mark.parametrize(("pattern", "flags"), [
    (r"Refund", 0), (r"(?-i:Refund) now", IC), (r"(?i:refund) NOW", 0)])
def test_case_sensitive_parts_answer_as_the_regex(pattern, flags):
    prefiltered = Prefiltered(re.compile(pattern, flags))
    for text in ("Refund now", "Refund NOW", "refund NOW", "REFUND now"):
        _same(prefiltered, text)
    assert prefiltered.search("Refund NOW" if flags else "Refund now, refund NOW")


def test_every_registered_pattern_set_gets_a_prefilter_or_none():
    literals = {name: compile_any(patterns).literals for name, patterns in PATTERN_SETS}
    assert len(literals) > 40
    # The costly cue sets are the ones that must be filtered.
    for name in ("problem_cues.v1:", "resolution_cues.v1:", "complaint_cues.v1:",
                 "courtesy_phrases.v1:"):
        assert literals[name] and min(map(len, literals[name])) >= 3


_WORDS = sorted({w for _, patterns in PATTERN_SETS
                 for w in (compile_any(patterns).literals or ())})
_PIECES = st.one_of(
    st.sampled_from(_WORDS), st.sampled_from([w.upper() for w in _WORDS]),
    st.sampled_from([" ", "  ", ".", "!", "?", ",", "’", "'", "n't", "n’t", "no ", "not ",
                     "ı", "İ", "ſ", "\u212a", "é", "🙁", "\n", "I", "my", "is", "was"]),
    st.text(max_size=4))


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join), st.sampled_from(PATTERN_SETS))
def test_prefiltered_patterns_answer_as_the_regex(text, named):
    _same(compile_any(named[1]), text)


@pytest.mark.slow
def test_prefiltered_patterns_answer_as_the_regex_on_the_sample_turns():
    turns = [t.text for batch in FileSource(SAMPLE_INPUT).iter_batches(500)
             for call in batch.transcripts for t in call.turns]
    skipped = 0
    for _, patterns in PATTERN_SETS:
        pattern = compile_any(patterns)
        for text in turns:
            _same(pattern, text)
            skipped += not pattern.may_match(text)
    assert skipped > len(turns) * len(PATTERN_SETS) / 2  # and it does skip most of them

"""A literal prefilter for the rule regexes: skip the regex when a text cannot match.

The cue patterns (`nlp.patterns`) are long case-insensitive alternations, many of which open
on a word boundary, a lookbehind or an optional group, so Python's `re` tries every
alternative at every position of every sentence. Yet almost every match must contain one of
a few words: "crash", "froze", "broken", "error", ... `required_literals` reads those words
off the parsed pattern (a sound rule: when it cannot tell, it gives None and the regex always
runs), and `Prefiltered` runs the regex only on texts that hold at least one of them.

The answers are the regex's own: the prefilter only ever skips texts where the regex has no
match. Literals and texts are compared lower-cased, whatever the pattern's flags: a literal a
match holds as written is also in the lower-cased text, and for the literals kept here (ASCII
letters and caseless characters such as the typographic apostrophe) `str.lower`, plus the
three characters that `re.IGNORECASE` also matches with "i" or "s" ("ı", "İ", "ſ"), folds a
text as `re.IGNORECASE` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

try:  # the parser behind re.compile (Python 3.11+); without it, no prefilter
    from re import _constants as _c
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - other Pythons
    _c = _sre_parse = None

#: Shortest literal worth checking: shorter ones occur in nearly every text.
MIN_LITERAL = 3
#: What `re.IGNORECASE` matches with an ASCII letter beyond `str.lower` (sre's equivalences).
_EXTRA_FOLDS = str.maketrans({"ı": "i", "ſ": "s", "İ": "i"})


def fold(text: str) -> str:
    """`text` lower-cased as the prefilter compares it (see the module docstring)."""
    if not text.isascii() and ("ı" in text or "ſ" in text or "İ" in text):
        text = text.translate(_EXTRA_FOLDS)
    return text.lower()


def _caseless_or_ascii(literal: str) -> bool:
    return all(c.isascii() or c.lower() == c.upper() == c for c in literal)


def required_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Lower-case strings of which every match of `pattern` contains at least one, or None
    when no such set of strings of `MIN_LITERAL` or more characters can be read off it."""
    if _sre_parse is None:
        return None
    try:
        parsed = _sre_parse.parse(pattern, flags)
    except (re.error, TypeError, ValueError):  # pragma: no cover - re.compile raised first
        return None
    found = _sequence(list(parsed))
    if found is None or not all(_caseless_or_ascii(s) for s in found):
        return None
    return frozenset(found)


def _sequence(items: list) -> frozenset[str] | None:
    """The best necessary set of a sequence: its most selective literal run or required
    sub-part (the longest shortest string, spaces at its ends not counted: " the " is no
    rarer than "the"; fewer strings break ties)."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def close() -> None:
        if len(run) >= MIN_LITERAL:
            candidates.append(frozenset({"".join(run)}))
        run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av).lower())  # texts are compared lower-cased (`fold`)
            continue
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue  # zero-width: the consumed characters around it stay adjacent
        close()
        sub = None
        if op is _c.SUBPATTERN:
            sub = _sequence(list(av[3]))
        elif op is _c.BRANCH:
            sub = _branch(av[1])
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1:
            sub = _sequence(list(av[2]))
        elif op is _c.ATOMIC_GROUP:
            sub = _sequence(list(av))
        if sub is not None:
            candidates.append(sub)
    close()
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(len(x.strip()) for x in s), -len(s)))


def _branch(alternatives: list) -> frozenset[str] | None:
    """Every alternative must bring its own necessary set; the branch needs their union."""
    union: set[str] = set()
    for alternative in alternatives:
        found = _sequence(list(alternative))
        if found is None:
            return None
        union |= found
    return frozenset(union)


class Prefiltered:
    """A compiled regex that runs only on texts holding one of its required literals.

    Offers what the rule code uses of `re.Pattern` (`search`, `findall`, `finditer`, `sub`)
    with the same results; `regex` is the pattern itself and `literals` the prefilter (None:
    every text goes to the regex).
    """

    __slots__ = ("regex", "literals", "_needles")

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.literals = required_literals(regex.pattern, regex.flags)
        self._needles = (None if self.literals is None else
                         re.compile("|".join(map(re.escape, sorted(self.literals)))))

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    def may_match(self, text: str) -> bool:
        """False only when `text` holds none of the literals, so the regex cannot match."""
        return self._needles is None or self._needles.search(fold(text)) is not None

    def search(self, text: str, *args) -> re.Match[str] | None:
        return self.regex.search(text, *args) if self.may_match(text) else None

    def findall(self, text: str, *args) -> list:
        return self.regex.findall(text, *args) if self.may_match(text) else []

    def finditer(self, text: str, *args) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text, *args) if self.may_match(text) else iter(())

    def sub(self, repl, text: str, count: int = 0) -> str:
        return self.regex.sub(repl, text, count) if self.may_match(text) else text

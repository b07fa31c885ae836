"""Language identification by stop-word share, from spaCy's own stop-word lists.

Good enough to route a call (the CONTRACT's `language` is "detected when absent"); no model,
no download. Calls shorter than a handful of words default to `default`.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import import_module

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@cache
def _stop_words(lang: str) -> frozenset[str]:
    return frozenset(import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS)


def detect_language(text: str, default: str = "en", min_words: int = 4) -> str:
    """Return the ISO 639-1 code whose stop words cover most of the text's words."""
    words = [w.lower() for w in _WORD.findall(text)[:400]]
    if len(words) < min_words:
        return default
    best, best_hits = default, 0
    for lang in LANGUAGES:
        stops = _stop_words(lang)
        hits = sum(w in stops for w in words)
        if hits > best_hits:
            best, best_hits = lang, hits
    return best

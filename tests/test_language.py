"""Unit tests for nlp.language: stop-word language identification."""

from __future__ import annotations

import pytest

from nlp.language import detect_language


@pytest.mark.parametrize(("text", "lang"), [
    ("I would like to know where my parcel is and when it will arrive.", "en"),
    ("Ich habe meine Bestellung noch nicht erhalten und das ist nicht gut.", "de"),
    ("Je n'ai pas encore reçu ma commande et je suis très déçu.", "fr"),
])
def test_language_detects_sentence_language(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "hi there", "Danke schön", "merci"])
def test_language_short_text_falls_back_to_default(text):
    assert detect_language(text) == "en"
    assert detect_language(text, default="xx") == "xx"


def test_language_min_words_is_the_fallback_threshold():
    text = "das ist nicht gut"
    assert detect_language(text, default="xx", min_words=5) == "xx"
    assert detect_language(text, default="xx", min_words=4) == "de"

"""Unit tests for nlp.language: stop-word language identification."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp.language import detect_language, fold_to_ascii, keyword_text


@pytest.mark.parametrize(("text", "lang"), [
    ("I would like to know where my parcel is and when it will arrive.", "en"),
    ("Ich habe meine Bestellung noch nicht erhalten und das ist nicht gut.", "de"),
    ("Je n'ai pas encore reçu ma commande et je suis très déçu.", "fr"),
    # GermEval headlines, one German stop word against one English: the umlauts decide
    ("Schienennetz - Deutschland lässt seine Gleise verrotten via", "de"),
    ("ICE: Bahn will Gratis-WLAN für 2. Klasse bringen", "de"),
    # an English text with a borrowed word keeps its English stop words' majority
    ("Über cool, thanks for the quick help today", "en"),
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


def test_language_fold_to_ascii_spells_out_german_letters():
    assert fold_to_ascii("Gebühr für Café, Straße, ÄRGER") == "Gebuehr fuer Cafe, Strasse, AeRGER"


def test_language_keyword_text_drops_german_stop_words_and_leaves_english_alone():
    german = "Ich möchte meinen Vertrag kündigen, die Gebühr ist viel zu teuer!"
    assert keyword_text(german, "de") == "Vertrag kuendigen, Gebuehr teuer!"
    english = "I want to cancel, the fee for the café is too high"
    assert keyword_text(english, "en") is english
    assert keyword_text(english, "fr") is english  # no keyword treatment for French


@given(st.text(max_size=200))
def test_language_keyword_text_only_drops_whole_folded_words(text):
    assert set(keyword_text(text, "de").split()) <= set(fold_to_ascii(text).split())


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßéèçñÄÖÜ .,!?'", max_size=200))
def test_language_keyword_text_of_latin_text_is_ascii(text):
    assert keyword_text(text, "de").isascii()


@pytest.mark.parametrize("text", [
    "@VirginAmerica adds Austin-Dallas Love Field route. http://t.co/XWJoL55FLH",
    "@JetBlue Offering Special Fares to @GoPureGrenada http://t.co/MBcEhCSZX3 &amp; more",
])
def test_language_urls_handles_and_entities_are_not_words(text):
    assert detect_language(text) == "en"


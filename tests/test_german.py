"""Tests of the language routing (German calls scored by the German detectors) and of the
German training data."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows.engine import LANGUAGE_ARTEFACTS, load_detectors
from flows.training.german import TARGET_SOURCE, load_german, part, target_sentences
from flows.training.pain_data import PainExample
from nlp.analyze import CallAnalyzer
from nlp.detectors import Detectors
from nlp.pain_points import PainPointConfig, categorise
from nlp.pipeline import build_nlp
from nlp.schema import AGENT, CUSTOMER, Transcript, Turn
from nlp.textmodel import FeatureConfig, fit_text_model

NLP = build_nlp()
GERMAN = "Der Zug hatte schon wieder eine Stunde Verspätung und niemand hat uns informiert."
ENGLISH = "My flight was delayed three hours and nobody told us anything."


def one_turn(call_id: str, text: str, language: str | None = None) -> Transcript:
    return Transcript(call_id, (Turn(0, CUSTOMER, text),), language=language)


def constant_sentiment(label: str):
    """A tiny 3-class model that reads every text as `label` (its intercepts dominate)."""
    texts = ["a", "b", "c"] * 4
    labels = ["neg", "neu", "pos"] * 4
    model = fit_text_model(texts, labels, None, FeatureConfig(use_embedding=False, n_hash=16))
    intercept = model.intercept.copy() * 0.0
    intercept[model.classes.index(label)] = 50.0
    return replace(model, intercept=intercept)


@pytest.fixture(scope="module")
def shipped():
    return CallAnalyzer(nlp=NLP, detectors=load_detectors())


def test_german_call_is_scored_by_the_german_detectors_and_english_by_the_default():
    detectors = Detectors(sentiment=constant_sentiment("pos"),
                          by_language={"de": Detectors(sentiment=constant_sentiment("neg"))})
    analyzer = CallAnalyzer(nlp=NLP, detectors=detectors)
    question = "Could you tell me how I change the address on my account please?"
    de, en, forced = analyzer.analyze([one_turn("de", GERMAN), one_turn("en", question),
                                       one_turn("forced", GERMAN, language="en")])
    assert (de.language, en.language, forced.language) == ("de", "en", "en")
    assert de.turns[0].sentiment < -0.9
    assert en.turns[0].sentiment > 0.9
    assert forced.turns[0].sentiment > 0.9  # a given language wins over detection


def test_german_routing_keeps_input_order_when_languages_interleave():
    detectors = Detectors(by_language={"de": Detectors(sentiment=constant_sentiment("neg"))})
    calls = [one_turn(f"c{i}", GERMAN if i % 2 else ENGLISH) for i in range(6)]
    out = CallAnalyzer(nlp=NLP, detectors=detectors).analyze(calls)
    assert [a.transcript.call_id for a in out] == [c.call_id for c in calls]
    assert [a.language for a in out] == ["en", "de"] * 3


def test_german_shipped_detectors_are_loaded_for_german_only():
    detectors = load_detectors()
    assert set(detectors.by_language) == set(LANGUAGE_ARTEFACTS) == {"de"}
    german = detectors.for_language("de")
    assert german.sentiment is not None and german.pain is not None
    assert german.sentiment.meta["language"] == german.pain.meta["language"] == "de"
    assert detectors.for_language("fr") is detectors


def test_german_shipped_models_read_a_complaint_and_a_thank_you(shipped):
    thanks = "Vielen Dank, das hat super geklappt, ich bin sehr zufrieden mit dem Service."
    complaint, happy = shipped.analyze([one_turn("a", GERMAN), one_turn("b", thanks)])
    assert complaint.pain_points and complaint.turns[0].sentiment < 0
    assert not happy.pain_points and happy.turns[0].sentiment > 0


def test_german_routing_leaves_english_calls_as_they_were(shipped):
    english_only = CallAnalyzer(nlp=NLP, detectors=replace(load_detectors(), by_language={}))
    calls = [one_turn("en", ENGLISH), one_turn("q", "How do I change my address?")]
    assert shipped.analyze(calls) == english_only.analyze(calls)


def test_german_loader_labels_dedupes_and_keeps_only_churn_messages(tmp_path):
    (tmp_path / "germeval2017").mkdir()
    (tmp_path / "germeval2017" / "fixed_dev-2017-09-15.xml").write_text(
        "<Documents>"
        "<Document id='1'><sentiment>negative</sentiment><text>Zug  zu spät</text></Document>"
        "<Document id='2'><sentiment>negative</sentiment><text>zug zu spät</text></Document>"
        "<Document id='3'><sentiment>positive</sentiment><text>Alles gut</text></Document>"
        "</Documents>", encoding="utf-8")
    (tmp_path / "swisscom_churn_intent").mkdir()
    (tmp_path / "swisscom_churn_intent" / "DE_chatbot.csv").write_text(
        "ich will kündigen\tDE\t\t1\nwie geht das?\tDE\t\t0\nich will kündigen\tDE\t\t1\n",
        encoding="utf-8")
    rows = load_german(tmp_path)
    assert sorted((e.source, e.text, e.pain, label) for e, label in rows) == [
        ("germeval", "Alles gut", 0, "pos"), ("germeval", "Zug zu spät", 1, "neg"),
        ("swisscom_de", "ich will kündigen", 1, None)]
    train_pain, train_sent = part(rows, "train")
    test_pain, test_sent = part(rows, "test")
    assert len(train_pain) + len(test_pain) == 3
    assert len(train_sent) + len(test_sent) == 2  # the churn message has no sentiment label


@pytest.mark.parametrize(("text", "category"), [
    ("Ich warte seit drei Wochen auf meine Erstattung.", "refund"),
    ("Die Rechnung ist viel zu hoch, mir wurde alles doppelt abgebucht.", "billing"),
    ("Mein Paket ist immer noch nicht angekommen.", "repeat_contact"),
    ("Das Internet fällt ständig aus, seit Tagen kein Netz.", "defect_outage"),
    ("Der Mitarbeiter an der Hotline war extrem unfreundlich.", "agent_conduct"),
    ("Mein Konto ist gesperrt und ich kann mich nicht mehr einloggen.", "account_access"),
    ("Der Zug hat 50 Minuten Verspätung.", "waiting"),
])
def test_german_category_rules_name_the_taxonomy_category(text, category):
    cfg = PainPointConfig(patterns="pain_patterns.de.v1")
    assert categorise(text, cfg) == category
    assert categorise(text) is None  # the English rules do not read German


def test_german_call_pain_points_get_german_rule_categories(shipped):
    text = "Ich möchte meinen Vertrag kündigen, der Service ist einfach schlecht."
    (call,) = shipped.analyze([one_turn("c", text)])
    assert [p.category for p in call.pain_points] == ["cancellation"]


def test_german_agent_turn_gets_german_empathy_markers(shipped):
    agent = ("Das tut mir sehr leid, ich kann Ihren Ärger gut verstehen. "
             "Ich kümmere mich sofort darum.")
    (call,) = shipped.analyze([Transcript("c", (Turn(0, CUSTOMER, GERMAN),
                                                Turn(1, AGENT, agent)))])
    turn = call.turns[1]
    assert set(turn.empathy_markers) == {"apology", "acknowledgement", "ownership"}
    assert turn.empathy >= 0.5
    (english,) = shipped.analyze([Transcript("e", (Turn(0, CUSTOMER, GERMAN),
                                                   Turn(1, AGENT, agent)), language="en")])
    assert english.turns[1].empathy_markers == ()  # the English markers do not read German


@pytest.mark.parametrize("tag", ["de", "DE", "de-DE", "de_CH", " de-AT "])
def test_german_language_tag_is_read_by_its_primary_subtag(tag):
    detectors = Detectors(by_language={"de": Detectors(sentiment=constant_sentiment("neg"))})
    (call,) = CallAnalyzer(nlp=NLP, detectors=detectors).analyze(
        [one_turn("c", "Could you tell me how I change my address please?", language=tag)])
    assert call.language == "de" and call.turns[0].sentiment < -0.9


def test_german_target_sentences_are_the_sentences_holding_a_negative_target():
    text = "Heute war alles ruhig. Die Klimaanlage im ICE ist ausgefallen. Schönen Tag noch!"
    negative = PainExample("germeval", "g1", text, 1)
    neutral = PainExample("germeval", "g2", "Die Klimaanlage läuft. Alles gut.", 0)
    out = target_sentences([negative, neutral], {"g1": ["Klimaanlage"], "g2": ["Klimaanlage"]})
    assert [e.text for e in out] == ["Die Klimaanlage im ICE ist ausgefallen."]
    assert out[0].pain == 1 and out[0].source == TARGET_SOURCE

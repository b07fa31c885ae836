"""Tests for the trained turn sentiment path, its data splits and the shipped artefact."""

from __future__ import annotations

import numpy as np
import pytest

from flows.artefacts import MODELS_DIR, load_static_encoder, load_text_model
from flows.training.sentiment_data import (
    Example,
    carve_validation,
    hash_fraction,
    load_uss,
    split_examples,
    uss_label,
)
from nlp.sentiment import (
    SentimentConfig,
    class_probabilities,
    prepare_text,
    score_turn_sentiments,
    strip_answer,
    strip_courtesy,
)
from nlp.textmodel import FeatureConfig, LinearTextModel

SHIPPED = MODELS_DIR / "sentiment"
HASH_ONLY = FeatureConfig(use_embedding=False, n_hash=2**8, ngram_range=(1, 1))


class CountingModel(LinearTextModel):
    """A hash-only LinearTextModel that records what predict_proba was asked."""

    def predict_proba(self, texts, encoder):
        self.meta.setdefault("calls", []).append(list(texts))
        return super().predict_proba(texts, encoder)


def _toy_model() -> CountingModel:
    """'great' pushes pos, 'awful' pushes neg (weights set by hand on hashed words)."""
    vec = HASH_ONLY.vectorizer()
    coef = np.zeros((3, HASH_ONLY.n_hash), dtype=np.float32)
    coef[0, vec.transform(["awful"]).indices[0]] = 8.0
    coef[2, vec.transform(["great"]).indices[0]] = 8.0
    return CountingModel(("neg", "neu", "pos"), coef, np.zeros(3), HASH_ONLY, {})


def test_sentiment_model_scores_whole_batch_in_one_call_and_empty_is_zero():
    model = _toy_model()
    scores = score_turn_sentiments(["great stuff", "", "awful stuff", "  "], model=model)
    assert len(model.meta["calls"]) == 1 and len(model.meta["calls"][0]) == 2
    assert scores[1] == scores[3] == 0.0
    assert scores[0] > 0.5 and scores[2] < -0.5


def test_sentiment_model_complaint_cue_pulls_score_below_zero():
    (score,) = score_turn_sentiments(["great, this is the third time I'm calling"],
                                     model=_toy_model())
    assert score < 0


def test_sentiment_model_resolution_lifts_and_a_complaint_beside_it_stays_negative():
    model = _toy_model()
    scores = score_turn_sentiments(["No crashes now!", "It's working now. Awful, awful day.",
                                    "great"], model=model)
    assert 0 < scores[0] <= 0.25  # neutral to the model, lifted once
    assert scores[1] < 0  # read whole and without "It's working now.": both negative
    # The resolved texts are read once more without their resolution sentences.
    assert model.meta["calls"][1] == ["Awful, awful day."]


def test_sentiment_model_masks_handles_and_urls():
    assert prepare_text("@united lost my bag https://t.co/x1") == "lost my bag"


@pytest.mark.parametrize(("text", "expected"), [
    ("No, that's all", "that's all"), ("Nope. It works now", "It works now"),
    ("no!!", ""), ("No", ""), ("  NO ,  thanks", "thanks"),
    ("No thanks", "No thanks"), ("no one called back", "no one called back"),
    ("Nobody helped", "Nobody helped"), ("I said no, twice", "I said no, twice"),
    ("No problem, thanks!", "thanks!"), ("no worries", ""),
    ("no problem with the app", "no problem with the app"), ("Nothing else, thanks", "thanks"),
    ("Nothing works!", "Nothing works!"),
])
def test_sentiment_strip_answer_drops_only_an_opening_bare_no(text, expected):
    assert strip_answer(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # Real turns (Amazon Transcribe's sample call, USS, TweetSumm agents).
    ("Uh Not a problem. Let's see if we can get that taken care of you.",
     "Uh Let's see if we can get that taken care of you."),
    ("Okay no problem.", "Okay"), ("That's no problem at all.", ""), ("Not bad.", ""),
    ("No complaints here.", ""), ("I don't need anything further.", ""),
    ("Thank you for your research. I have no more questions. Goodbye.",
     "Thank you for your research. I have Goodbye."),
    ("Thanks, no worries!", "Thanks"),
    # Not a closing clause: kept.
    ("I have no problem with the app", "I have no problem with the app"),
    ("It is not bad at all", "It is not bad at all"), ("Nothing works!", "Nothing works!"),
])
def test_sentiment_strip_courtesy_drops_polite_negations_that_close_a_clause(text, expected):
    assert strip_courtesy(text) == expected
    assert strip_courtesy(text, SentimentConfig(courtesy=None)) == text


def test_sentiment_model_reads_a_turn_without_its_polite_negations():
    model = _toy_model()
    proba = class_probabilities(["That's no problem at all.",
                                 "No, I don't have any other questions.",
                                 "Not a problem. Awful stuff"], model, None)
    assert proba[0].tolist() == proba[1].tolist() == [0.0, 1.0, 0.0]
    assert model.meta["calls"] == [["Awful stuff"]]


def test_sentiment_model_reads_a_bare_no_as_neutral_and_the_rest_of_the_turn_as_said():
    model = _toy_model()
    proba = class_probabilities(["No.", "@united https://t.co/x", "No, awful stuff"], model,
                                None)
    assert proba[0].tolist() == proba[1].tolist() == [0.0, 1.0, 0.0]
    assert model.meta["calls"] == [["awful stuff"]]
    no, awful = score_turn_sentiments(["No!", "No, awful stuff"], model=_toy_model())
    assert no == 0.0 and awful < -0.5


def test_sentiment_uss_label_maps_mean_rating_to_three_classes():
    assert uss_label([2, 2, 3]) == "neg" and uss_label([3, 3, 2, 3]) == "neu"
    assert uss_label([4, 3, 4]) == "pos" and uss_label([3, 4]) == "pos"  # 3.5 rounds up


def test_sentiment_split_is_stable_and_keeps_groups_together():
    examples = [Example(f"t{i}", "neu", "x", f"g{i // 3}") for i in range(600)]
    train, test = split_examples(examples)
    assert split_examples(examples) == (train, test)
    assert not {e.group for e in train} & {e.group for e in test}
    assert 0.12 < len(test) / len(examples) < 0.28
    fit, val = carve_validation(train)
    assert not {e.group for e in fit} & {e.group for e in val} and set(val) <= set(train)
    assert hash_fraction("abc") == hash_fraction("abc") != hash_fraction("abc", "validation")


def test_sentiment_uss_loader_reads_user_turns_and_skips_overall(tmp_path):
    folder = tmp_path / "uss_user_satisfaction"
    folder.mkdir()
    (folder / "MWOZ.txt").write_text(
        "USER\tFind me a hotel.\tHotel-Inform\t3,3,3\n"
        "SYSTEM\tThere is none.\tHotel-NoOffer\t\n"
        "USER\tThat is useless.\t\t2,1,2\n"
        "USER\tOVERALL\t\t2,2,2\n\n"
        "USER\tThanks, perfect!\tgeneral-thank\t4,5,4\n", encoding="utf-8")
    examples = load_uss(tmp_path)
    assert [(e.text, e.label) for e in examples] == [
        ("Find me a hotel.", "neu"), ("That is useless.", "neg"), ("Thanks, perfect!", "pos")]
    assert examples[0].group == examples[1].group != examples[2].group


@pytest.mark.skipif(not (SHIPPED / "model.json").exists(), reason="model not trained yet")
def test_sentiment_shipped_model_reads_conversational_customer_text():
    model, encoder = load_text_model(SHIPPED), load_static_encoder()
    assert set(model.classes) == {"neg", "neu", "pos"}
    size = sum(p.stat().st_size for p in SHIPPED.iterdir())
    assert size < 10 * 2**20
    scores = score_turn_sentiments([
        "This is the third time I'm calling about my refund.",
        "My flight was cancelled and nobody told me",
        "Thank you so much, that was really helpful!",
        "", "I need a train to Cambridge on Tuesday.",
    ], model=model, encoder=encoder)
    assert scores[0] < -0.2 and scores[1] < -0.2 and scores[2] > 0.3 and scores[3] == 0.0
    assert scores[1] < scores[4] < scores[2]
    assert all(-1.0 <= s <= 1.0 for s in scores)


def test_sentiment_score_band_agrees_with_predicted_class():
    import numpy as np

    from nlp.sentiment import align_with_class

    classes = ("neg", "neu", "pos")
    proba = np.array([[0.5, 0.3, 0.2],   # neg wins, polarity -0.3
                      [0.3, 0.4, 0.3],   # neu wins, polarity 0
                      [0.2, 0.45, 0.35],  # neu wins, polarity +0.15: must read neutral
                      [0.33, 0.3, 0.37],  # pos wins, polarity +0.04: must read positive
                      [0.36, 0.3, 0.34]])  # neg wins, polarity -0.02: must read negative
    scores = align_with_class(proba, classes, band=0.05)
    assert scores[0] == pytest.approx(-0.3)
    assert abs(scores[1]) < 0.05 and abs(scores[2]) < 0.05 and scores[2] > 0
    assert scores[3] >= 0.05 and scores[4] <= -0.05


def test_sentiment_weights_give_every_source_class_cell_the_same_mass():
    from flows.training.sentiment import source_class_weights

    examples = ([Example(f"a{i}", "neg", "airline", f"a{i}") for i in range(6)]
                + [Example("a", "pos", "airline", "a")]
                + [Example(f"u{i}", "neu", "uss", f"u{i}") for i in range(9)]
                + [Example("u", "neg", "uss", "u")])
    weights = source_class_weights(examples)
    cells: dict[tuple[str, str], float] = {}
    for ex, w in zip(examples, weights, strict=True):
        cells[(ex.source, ex.label)] = cells.get((ex.source, ex.label), 0.0) + w
    assert len(cells) == 4 and np.allclose(list(cells.values()), len(examples) / 4)
    assert weights.mean() == pytest.approx(1.0)


def test_char_block_is_appended_to_the_word_features():
    from nlp.textmodel import featurize

    words = FeatureConfig(use_embedding=False, n_hash=2**8)
    both = FeatureConfig(use_embedding=False, n_hash=2**8, char_hash=2**6, char_weight=0.5)
    x_words, x_both = featurize(["Still waiting"], words, None), featurize(["Still waiting"],
                                                                           both, None)
    assert x_both.shape == (1, 2**8 + 2**6)
    assert np.allclose(x_both[:, :2**8].toarray(), x_words.toarray())
    assert np.linalg.norm(x_both[:, 2**8:].toarray()) == pytest.approx(0.5, rel=1e-5)

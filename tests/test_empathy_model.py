"""Trained empathy path: combination with markers, the shipped artefact, the EPITOME split."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.artefacts import MODELS_DIR, load_static_encoder, load_text_model
from flows.evaluation.run import DEFAULT_DATA
from flows.training.empathy import score_map
from flows.training.empathy_data import EmpathyPair, clean_text, load_epitome, split_pairs
from flows.training.empathy_sentences import SENTENCE_TARGETS, label_sentences, mix_meta
from nlp.empathy import (
    BLEND_MAP,
    BLEND_WEIGHT,
    INTERPRETATION_HEAD,
    REACTION_HEAD,
    SCORE_HEAD,
    SCORE_MAP,
    SENTENCE_MIXES,
    EmpathyConfig,
    EmpathyMarker,
    blend_with_reader,
    combine_empathy,
    map_score,
    mixed_probabilities,
    score_agent_turns,
    score_probabilities,
)
from nlp.textmodel import (
    FeatureConfig,
    LinearTextModel,
    best_sentence_scores,
    regex_sentences,
    stack_heads,
)

ARTEFACT = MODELS_DIR / "empathy"
WORDS = FeatureConfig(use_embedding=False, n_hash=2**10, ngram_range=(1, 1))


class CountingModel(LinearTextModel):
    """A words-only model that records each predict_proba batch."""

    def predict_proba(self, texts, encoder):
        self.meta.setdefault("calls", []).append(len(texts))
        return super().predict_proba(texts, encoder)


def word_model(word: str, weight: float) -> CountingModel:
    """A two-class model whose score rises with `word` (hashed like the real features)."""
    col = WORDS.vectorizer().transform([word]).indices[0]
    coef = np.zeros((1, WORDS.n_hash), dtype=np.float32)
    coef[0, col] = weight
    return CountingModel(("0", "1"), coef, np.array([-2.0]), WORDS, {})


def test_empathy_model_one_batch_call_and_markers_kept():
    model = word_model("hugs", 12.0)
    texts = ["Sending hugs, that sounds awful", "Please DM us your order number.",
             "I'm sorry, let me check."]
    out = score_agent_turns(texts, model=model)
    assert model.meta["calls"] == [3]
    assert out[0].score > 0.9 > 0.2 > out[1].score
    assert [m.kind for m in out[2].markers] == ["apology", "ownership"]
    assert out[0].reaction is None and out[0].interpretation is None  # a one-head model
    assert score_agent_turns([], model=model) == []


def test_empathy_multilabel_model_scores_each_head_in_one_call():
    heads = {SCORE_HEAD: word_model("hugs", 12.0), REACTION_HEAD: word_model("awful", 12.0),
             INTERPRETATION_HEAD: word_model("understand", 12.0)}
    model = stack_heads(heads)
    stacked = CountingModel(model.classes, model.coef, model.intercept, model.features, {},
                            multilabel=True)
    out = score_agent_turns(["Sending hugs, that sounds awful", "I understand."],
                            model=stacked)
    assert stacked.meta["calls"] == [2]
    assert out[0].score > 0.9 and out[0].reaction > 0.9 and out[0].interpretation < 0.2
    assert out[1].score < 0.3 and out[1].reaction < 0.2 and out[1].interpretation > 0.9
    # the score head alone gives the same score as the one-head model it came from
    assert out[0].score == score_agent_turns(["Sending hugs, that sounds awful"],
                                             model=heads[SCORE_HEAD])[0].score
    header, arrays = model.to_arrays()
    assert LinearTextModel.from_arrays(header, arrays).multilabel


def test_textmodel_split_sentences_after_end_marks():
    assert regex_sentences("Oh no. That's awful!! Are you ok?  I hope so") == [
        "Oh no.", "That's awful!!", "Are you ok?", "I hope so"]
    assert regex_sentences('He said "stop." Then left.') == ['He said "stop."', "Then left."]
    assert regex_sentences("one sentence") == ["one sentence"]
    assert regex_sentences("3.5 stars...") == ["3.5 stars..."]
    assert regex_sentences("") == [""]


def test_empathy_reaction_mix_scores_the_best_sentence():
    sentence = SENTENCE_TARGETS[REACTION_HEAD].name
    heads = {SCORE_HEAD: word_model("hugs", 12.0), REACTION_HEAD: word_model("sorry", 2.0),
             sentence: word_model("awful", 8.0)}
    model = stack_heads(heads, mix_meta({REACTION_HEAD: 0.5}))
    texts = ["Please send the form. Order 123 is late. That is awful, sorry.", "Ok."]
    best = best_sentence_scores(model, texts, [sentence])[:, 0]
    # the best sentence's words, l2-normalised like the model's own features
    alone = heads[sentence].decision(["That is awful, sorry."], None)[0, 0]
    assert best == pytest.approx([alone, -2.0])
    whole = heads[REACTION_HEAD].decision(texts, None)[:, 0]
    out = score_agent_turns(texts, model=model)
    mixed = 1 / (1 + np.exp(-(0.5 * whole + 0.5 * best)))
    assert [o.reaction for o in out] == pytest.approx(mixed, abs=1e-4)
    assert out[0].reaction > score_agent_turns(texts, model=stack_heads(heads))[0].reaction
    assert best_sentence_scores(model, [], [sentence]).shape == (0, 1)


def any_mix(names: dict[str, str], weights: dict[str, float]) -> dict:
    """A model.meta mix entry for any heads (the trainer's `mix_meta` covers its own)."""
    return {SENTENCE_MIXES: {h: {"sentence_head": names[h], "sentence_weight": w}
                             for h, w in weights.items()}}


def test_empathy_every_head_can_mix_its_own_sentence_head():
    # the run-time mix works for any head, the score's too (the trainer mixes the mechanisms)
    names = {SCORE_HEAD: "empathy_sentence", REACTION_HEAD: "reaction_sentence",
             INTERPRETATION_HEAD: "interpretation_sentence"}
    heads = {SCORE_HEAD: word_model("hugs", 1.0), REACTION_HEAD: word_model("sorry", 1.0),
             INTERPRETATION_HEAD: word_model("understand", 1.0),
             names[SCORE_HEAD]: word_model("hugs", 6.0),
             names[REACTION_HEAD]: word_model("awful", 6.0),
             names[INTERPRETATION_HEAD]: word_model("understand", 6.0)}
    texts = ["Order 12 is late. Sending hugs. I understand. Awful!", "Ok."]
    weights = {SCORE_HEAD: 0.6, REACTION_HEAD: 0.5, INTERPRETATION_HEAD: 0.3}
    model = stack_heads(heads, any_mix(names, weights))
    best = best_sentence_scores(model, texts, [names[h] for h in weights])
    one_by_one = [best_sentence_scores(model, texts, [names[h]])[:, 0] for h in weights]
    assert best == pytest.approx(np.column_stack(one_by_one))
    z = model.decision(texts, None)
    expect = {head: 1 / (1 + np.exp(-((1 - w) * z[:, model.classes.index(head)]
                                      + w * best[:, j])))
              for j, (head, w) in enumerate(weights.items())}
    out = score_agent_turns(texts, model=model)
    shipped = [combine_empathy(float(p), o.markers)
               for p, o in zip(expect[SCORE_HEAD], out, strict=True)]
    assert [o.score for o in out] == pytest.approx(shipped, abs=1e-4)
    assert [o.reaction for o in out] == pytest.approx(expect[REACTION_HEAD], abs=1e-4)
    assert [o.interpretation for o in out] == pytest.approx(expect[INTERPRETATION_HEAD],
                                                            abs=1e-4)
    # a mix moves its own column only
    plain = stack_heads(heads).predict_proba(texts, None)
    unmixed = score_agent_turns(texts, model=stack_heads(heads, mix_meta({REACTION_HEAD: 0.5})))
    assert mix_meta({REACTION_HEAD: 0.5}) == any_mix(names, {REACTION_HEAD: 0.5})
    assert [o.interpretation for o in unmixed] == pytest.approx(plain[:, 2], abs=1e-4)
    assert out[0].score > unmixed[0].score


def test_empathy_label_sentences_marks_rationale_overlaps():
    pair = EmpathyPair("s", "r", "seeker", "Try a walk. I'm so sorry you feel this way. Hugs!",
                       er=1, ip=0, ex=0, er_rationales=("so sorry you feel", "Hugs"))
    assert label_sentences(pair) == [("Try a walk.", 0),
                                     ("I'm so sorry you feel this way.", 1), ("Hugs!", 1)]
    unrated = EmpathyPair("s", "r", "", pair.response, 0, 0, 0, pair.er_rationales)
    assert [y for _, y in label_sentences(unrated)] == [0, 0, 0]


def test_empathy_label_sentences_per_head_reads_its_mechanisms_spans():
    pair = EmpathyPair("s", "r", "seeker", "That must be hard. Try a walk. Hugs!", er=1, ip=2,
                       ex=0, er_rationales=("Hugs",), ip_rationales=("must be hard",))
    def ys(p, head):
        return [y for _, y in label_sentences(p, head)]
    assert ys(pair, REACTION_HEAD) == [0, 0, 1]
    assert ys(pair, INTERPRETATION_HEAD) == [1, 0, 0]
    no_ip = EmpathyPair("s", "r", "", pair.response, 1, 0, 0, pair.er_rationales,
                        pair.ip_rationales)  # spans of a level-0 mechanism are not read
    assert ys(no_ip, REACTION_HEAD) == [0, 0, 1] and ys(no_ip, INTERPRETATION_HEAD) == [0, 0, 0]
    assert SCORE_HEAD not in SENTENCE_TARGETS  # the score is not mixed (see its comment)


def test_textmodel_four_stacked_rows_of_2_18_stay_float32():
    width = 256 + 2**18
    model = LinearTextModel(tuple("abcd"), np.ones((4, width), np.float32), np.zeros(4),
                            FeatureConfig(), multilabel=True)
    assert model.to_arrays()[1]["coef"].dtype == np.float32
    wide = LinearTextModel(("a",), np.ones((1, 2**19), np.float32), np.zeros(1),
                           FeatureConfig(use_embedding=False, n_hash=2**19))
    assert wide.to_arrays()[1]["coef"].dtype == np.float16


def test_stack_heads_refuses_mismatched_heads():
    other = FeatureConfig(use_embedding=False, n_hash=2**11, ngram_range=(1, 1))
    odd = LinearTextModel(("0", "1"), np.zeros((1, 2**11), np.float32), np.zeros(1), other)
    with pytest.raises(ValueError, match="FeatureConfig"):
        stack_heads({"a": word_model("x", 1.0), "b": odd})
    three = LinearTextModel(("a", "b", "c"), np.zeros((3, 2**10), np.float32), np.zeros(3),
                            WORDS)
    with pytest.raises(ValueError, match="binary"):
        stack_heads({"a": three})


def test_empathy_model_marker_boost_is_small_and_capped():
    cfg = EmpathyConfig()
    apology, ack = EmpathyMarker("apology", 0, 5), EmpathyMarker("acknowledgement", 6, 9)
    ownership = EmpathyMarker("ownership", 10, 16)
    assert combine_empathy(0.3, [], cfg) == 0.3
    assert combine_empathy(0.3, [ownership], cfg) == 0.3  # doing is not feeling
    assert combine_empathy(0.3, [apology], cfg) == pytest.approx(0.3 + cfg.marker_boost)
    assert combine_empathy(0.3, [apology, ack], cfg) == pytest.approx(0.3 + cfg.boost_cap)
    assert combine_empathy(0.99, [apology, ack], cfg) == 1.0
    # a marker alone never lifts a turn the model finds cold over recovery's 0.5 bar
    assert combine_empathy(0.05, [apology, ack], cfg) < 0.5


def test_empathy_pair_label_is_er_or_ip():
    def pair(er: int, ip: int, ex: int = 2) -> EmpathyPair:
        return EmpathyPair("s", "r", "seeker", "response", er, ip, ex)

    assert [pair(0, 0).label, pair(1, 0).label, pair(0, 2).label, pair(2, 2).label] == [0, 1, 1, 1]
    assert clean_text(" I&#39;m  here\n&lt;3 ") == "I'm here <3"


@pytest.mark.skipif(not (ARTEFACT / "model.json").exists(), reason="models/empathy not built")
def test_empathy_shipped_model_scores_service_turns():
    model = load_text_model(ARTEFACT)
    sizes = sum(f.stat().st_size for f in ARTEFACT.iterdir())
    assert sizes < 10 * 2**20
    assert 0.0 < model.meta["threshold"] < 1.0
    encoder = load_static_encoder() if model.features.use_embedding else None
    warm, cold, feeling = score_agent_turns(
        ["I'm so sorry, I understand how frustrating this is, let me fix it now",
         "Please DM us your order number.",
         "Oh no, that sounds awful, I'm so sad to hear that."], model=model, encoder=encoder)
    # v5 reads a procedural turn a little higher (0.24; v4 <= 0.2): the reaction column gives
    # it 0.45, and the noisy-or takes the higher of the two mechanisms
    assert warm.score >= 0.8 and cold.score <= 0.3
    assert {m.kind for m in warm.markers} >= {"apology", "acknowledgement", "ownership"}
    # the mechanism heads: a feeling reaction against a show of understanding
    sentences = tuple(t.name for t in SENTENCE_TARGETS.values())
    assert model.classes == (SCORE_HEAD, REACTION_HEAD, INTERPRETATION_HEAD, *sentences)
    assert {h: m["sentence_head"] for h, m in model.meta[SENTENCE_MIXES].items()} == {
        h: t.name for h, t in SENTENCE_TARGETS.items()}
    assert feeling.reaction > feeling.interpretation
    assert warm.interpretation > cold.interpretation and warm.reaction > cold.reaction


@pytest.mark.skipif(not (DEFAULT_DATA / "epitome_empathy_reddit").exists(),
                    reason="shared EPITOME data not present")
def test_empathy_epitome_split_is_deterministic_and_disjoint_by_seeker():
    pairs = load_epitome(DEFAULT_DATA)
    train, test = split_pairs(pairs)
    assert len(pairs) == 2500 and len(train) + len(test) == 2500
    assert 0.17 < len(test) / len(pairs) < 0.23
    assert not {p.sp_id for p in train} & {p.sp_id for p in test}
    assert [p.rp_id for p in split_pairs(pairs)[1]] == [p.rp_id for p in test]
    # both mechanisms' rationale spans are read, and only rated mechanisms have any
    assert sum(bool(p.ip_rationales) for p in pairs) > 500
    assert not any(p.ip_rationales for p in pairs if p.ip == 0)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .!?\"')\n\t"), max_size=60) | st.text(max_size=60))
def test_textmodel_regex_sentences_keep_every_character(text):
    sentences = regex_sentences(text)
    if not text.strip():
        assert sentences == [text]  # a blank turn is its own (only) sentence
        return
    assert all(s and s == s.strip() for s in sentences)
    assert "".join("".join(sentences).split()) == "".join(text.split())


def test_empathy_score_map_turns_either_mechanism_into_the_score():
    heads = {SCORE_HEAD: word_model("hugs", 12.0), REACTION_HEAD: word_model("awful", 12.0),
             INTERPRETATION_HEAD: word_model("understand", 12.0)}
    model = stack_heads(heads)
    identity = {"x": [0.0, 1.0], "y": [0.0, 1.0]}
    mapped = LinearTextModel(model.classes, model.coef, model.intercept, model.features,
                             {SCORE_MAP: identity}, multilabel=True)
    texts = ["That sounds awful.", "I understand.", "Sending hugs.", "Your order number?"]
    head = [f.score for f in score_agent_turns(texts, model=model)]
    either = [f.score for f in score_agent_turns(texts, model=mapped)]
    assert head[0] < 0.3 and head[1] < 0.3 and head[2] > 0.9  # the head reads "hugs" only
    assert either[0] > 0.9 and either[1] > 0.9 and either[3] < 0.3  # either mechanism counts
    halved = {"x": [0.0, 1.0], "y": [0.0, 0.5]}
    proba = mixed_probabilities(model, texts, None)
    halved_model = replace(mapped, meta={SCORE_MAP: halved})
    np.testing.assert_allclose(score_probabilities(proba, halved_model),
                               score_probabilities(proba, mapped) / 2)


def test_empathy_training_score_map_matches_quantiles_and_is_monotone():
    rng = np.random.default_rng(0)
    mixed = {REACTION_HEAD: rng.uniform(size=500), INTERPRETATION_HEAD: rng.uniform(size=500)}
    head = rng.beta(2, 5, size=500)
    knots = score_map(mixed, head)
    assert np.all(np.diff(knots["x"]) >= 0) and np.all(np.diff(knots["y"]) >= 0)
    noisy_or = 1 - (1 - mixed[REACTION_HEAD]) * (1 - mixed[INTERPRETATION_HEAD])
    mapped = map_score(noisy_or, knots)
    # the mapped scores are distributed as the head was, and keep the noisy-or's order
    assert abs(np.median(mapped) - np.median(head)) < 0.01
    assert np.all(np.diff(mapped[np.argsort(noisy_or)]) >= -1e-12)


def test_empathy_shipped_model_has_the_score_map():
    model = load_text_model(ARTEFACT)
    assert model.meta["version"] == 5 and len(model.meta[SCORE_MAP]["x"]) == 101


class RecordingReader:
    """An empathy reader that answers from a table and records each batch it reads."""

    def __init__(self, answers: dict[str, float], weight: float = 0.5,
                 knots: dict | None = None) -> None:
        self.answers = answers
        self.meta = {BLEND_WEIGHT: weight, BLEND_MAP: knots or {"x": [0.0, 1.0],
                                                                "y": [0.0, 1.0]}}
        self.batches: list[list[str]] = []

    def score(self, texts):
        self.batches.append(list(texts))
        return np.array([self.answers[t] for t in texts])


@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=2, max_size=30),
       st.floats(0.0, 1.0))
def test_empathy_reader_blend_is_the_weighted_mean_through_the_map(pairs, weight):
    linear, read = (np.array(v) for v in zip(*pairs, strict=True))
    identity = {BLEND_WEIGHT: weight, BLEND_MAP: {"x": [0.0, 1.0], "y": [0.0, 1.0]}}
    blended = blend_with_reader(linear, read, identity)
    np.testing.assert_allclose(blended, weight * read + (1 - weight) * linear, atol=1e-12)
    halved = {**identity, BLEND_MAP: {"x": [0.0, 1.0], "y": [0.0, 0.5]}}
    np.testing.assert_allclose(blend_with_reader(linear, read, halved), blended / 2, atol=1e-12)
    # a reader that says the same of every turn leaves the linear model's order
    flat = blend_with_reader(linear, np.full(len(linear), 0.3), identity)
    assert np.all(np.diff(flat[np.argsort(linear, kind="stable")]) >= -1e-12)


def test_empathy_reader_reads_each_batch_once_and_moves_the_score():
    model = stack_heads({SCORE_HEAD: word_model("hugs", 12.0),
                         REACTION_HEAD: word_model("awful", 12.0),
                         INTERPRETATION_HEAD: word_model("understand", 12.0)})
    model = replace(model, meta={SCORE_MAP: {"x": [0.0, 1.0], "y": [0.0, 1.0]}})
    texts = ["Awful news.", "Your order number?"]
    reader = RecordingReader({texts[0]: 0.0, texts[1]: 1.0}, weight=1.0)
    alone = score_agent_turns(texts, model=model)
    read = score_agent_turns(texts, model=model, reader=reader)
    assert reader.batches == [texts]  # one batch, every agent turn
    assert alone[0].score > 0.9 and alone[1].score < 0.3
    assert read[0].score < 0.1 and read[1].score > 0.9  # weight 1: the reader's answer
    assert [f.reaction for f in read] == [f.reaction for f in alone]  # heads stay the model's
    assert [f.markers for f in read] == [f.markers for f in alone]
    # the rules path (no model) reads nothing
    score_agent_turns(texts, reader=reader)
    assert len(reader.batches) == 1


def test_empathy_reader_loads_only_when_the_setting_asks_for_it():
    from flows.artefacts import load_empathy_reader
    from flows.engine import load_detectors
    from flows.settings import Settings

    reader = load_empathy_reader()
    assert reader is not None and reader.meta[BLEND_WEIGHT] == 0.5
    assert len(reader.meta[BLEND_MAP]["x"]) == 101
    assert np.all(np.diff(reader.meta[BLEND_MAP]["x"]) >= 0)
    folder = MODELS_DIR / "empathy-minilm"
    assert sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) < 2**20
    assert load_detectors().empathy_reader is None  # opt-in
    assert load_detectors(empathy_reader=True).empathy_reader is not None
    assert Settings().empathy_reader is False
    assert Settings(empathy_reader="true").empathy_reader is True
    assert load_empathy_reader(MODELS_DIR / "nowhere") is None


@pytest.mark.slow
def test_empathy_shipped_reader_ranks_warmth_above_procedure():
    from flows.artefacts import load_empathy_reader

    warm, cold = load_empathy_reader(bf16=False).score(
        ["I'm so sorry, that sounds really hard. I understand how upsetting this must be.",
         "Please DM us your order number."])
    assert warm > 0.5 > cold

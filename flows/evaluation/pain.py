"""Pain-point suite of `callinsight eval`: detector and categoriser on held-out data.

Everything is measured on the *test* parts of `flows.training.pain_data` (the shipped models
never saw them). A text counts as a pain point when any of its sentences does, as in the
pipeline's `turns.is_pain_point`; its score is the highest sentence P(pain). Rows:
* the shipped detector within source (airline tweets, TweetSumm weak labels, BANKING77
  intents mapped to pain);
* cross-source: a fresh model with the shipped features, fitted on one source's train part
  only, tested on the other source's test part (airline and TweetSumm, both directions),
  and one fitted on every source but BANKING77, tested on BANKING77's test part;
* other domains: DSTC11 development turns (insurance calls, which no model trains on) and
  MultiDoGO test turns (six domains; the fast detector never trains on MultiDoGO, the pain
  teacher learns from a sample of its train split), intents mapped to pain
  (`pain_data.load_intent_tests`);
* the pipeline (`turns.is_pain_point`: the detector, its cues and the pain teacher), the
  pipeline with the teacher off (the pain student reads in its place) and the detector and
  cues alone, with the F1 each reader adds;
* VADER (compound <= -0.05 on the whole text) and the v1 rules on the same splits;
* the categoriser (with and without the words that some classes need, without the churn cues
  and without the wait cues of stop 30, and the v1 rules) on
  held-out airline negative reasons and BANKING77 pain intents, and on the MultiDoGO (test
  split; its train split trains the categoriser) and DSTC11 pain intents, all mapped to the
  taxonomy; per class that needs a word, the share of its gold examples holding one; and the
  share of the gold churn threats holding a churn cue.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from flows.artefacts import (
    MODELS_DIR,
    load_pain_student,
    load_pain_teacher,
    load_static_encoder,
    load_text_model,
)
from flows.evaluation.intervals import paired_f1_gain
from flows.evaluation.report import Row, binary_row, multiclass_row
from flows.training.pain import (
    CATEGORY_SOURCE_WEIGHTS,
    DETECTOR_SOURCES,
    TextScores,
    fit_detector,
)
from flows.training.pain_data import (
    PainExample,
    load_all,
    load_intent_tests,
    select,
    sentence_spans,
)
from nlp.detectors import PainScorer
from nlp.pain_points import (
    CONTEXT_WEIGHT,
    PainPointConfig,
    categorise,
    categorise_with_prior,
    cue_flags,
    detect_pain_points,
)
from nlp.pain_teacher import ask_teacher
from nlp.patterns import compile_any, get_patterns
from nlp.textmodel import LinearTextModel, SentenceEncoder

DETECTOR = "pain detector"
PIPELINE = "detector + cues (pipeline)"
#: The detector and its cues with no second reader (until stop 28 the teacher-off path).
FAST_PATH = "detector + cues alone"
#: The pipeline with `CALLINSIGHT_PAIN_TEACHER=false`: the pain student and no teacher.
STUDENT_PATH = "detector + cues + student (teacher off)"
#: The split column of the intent sets (`pain_data.load_intent_tests`).
INTENT_SPLITS = {
    "multidogo test intents": "test split (only the teacher learnt its train split)",
    "dstc11 development intents": "never trained on (domain not in training)",
}
#: The baseline rows keep the first rules (the pipeline's default patterns moved on to v2).
V1_RULES = PainPointConfig(patterns="pain_patterns.v1")
#: The categoriser as before stop 29: no class needs a word of its own.
NO_CATEGORY_CUES = PainPointConfig(category_cues=None)
#: The categoriser as before stop 30: a wait on hold or for a reply is left to it, ...
NO_WAIT_OR_CHURN_CUES = PainPointConfig(contact_patterns="contact_patterns.v1",
                                        churn_threats=None)
#: ... and a customer's own words of leaving decide nothing (stop 30).
NO_CHURN_CUES = PainPointConfig(churn_threats=None)


def vader_scores(texts: list[str]) -> np.ndarray:
    """Negated VADER compound: >= 0.05 means compound <= -0.05 (the usual negative cut)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    return np.array([-vader.polarity_scores(t)["compound"] for t in texts])


def rule_flags(texts: list[str]) -> np.ndarray:
    """1 when the v1 rules find a pain point in the text."""
    spans = sentence_spans(texts)
    return np.array([int(bool(detect_pain_points("eval", 0, t, s, V1_RULES)))
                     for t, s in zip(texts, spans, strict=True)])


def shipped_scores(model: LinearTextModel, texts: list[str], encoder: SentenceEncoder,
                   context_weight: float | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per text, the detector's highest sentence P(pain) (in its turn's context), the
    highest over the sentences the pipeline can quote (not those reporting the problem
    gone, "No crashes now!", nor plain requests), and whether a sentence is a pain point by
    its cues alone (`nlp.pain_points.cue_flags`: a complaint cue or a problem report). The
    turn-context weight is the model's own unless given."""
    scores = TextScores(model, texts, encoder)
    weight = (float(model.meta.get(CONTEXT_WEIGHT, 0.0)) if context_weight is None
              else context_weight)
    cued, excluded = cue_flags(scores.sentences)
    by_text = np.zeros(len(texts), dtype=bool)
    by_text[np.asarray(scores.owners)[np.asarray(cued, dtype=bool)]] = True
    return scores.at(weight), scores.at(weight, ~np.asarray(excluded, dtype=bool)), by_text


def _detector_rows(name: str, split: str, test: list[PainExample], scores: np.ndarray,
                   threshold: float, baselines: bool, pipeline: np.ndarray | None = None,
                   texts: list[str] | None = None) -> list[Row]:
    """Rows of the detector (and, with `baselines`, the pipeline, VADER and the v1 rules);
    `pipeline`: the pipeline's scores (`_pipeline_scores`; `scores` when not given)."""
    y = [e.pain for e in test]
    texts = [e.text for e in test] if texts is None else texts
    rows = [binary_row(DETECTOR, name, split, y, scores, threshold,
                       note=f"threshold {threshold:.3f}")]
    if baselines:
        rows.append(_pipeline_row(name, split, y, scores if pipeline is None else pipeline,
                                  threshold))
        rows.append(binary_row("VADER baseline", name, split, y, vader_scores(texts), 0.05,
                               note="compound <= -0.05"))
        rows.append(binary_row("v1 rules", name, split, y, rule_flags(texts), 0.5,
                               note="AUC of a 0/1 output"))
    return rows


def _pipeline_scores(quotable: np.ndarray, cued: np.ndarray, threshold: float,
                     texts: list[str] | None = None,
                     teacher: PainScorer | None = None) -> np.ndarray:
    """What the pipeline does: the detector over the sentences it can quote, or a sentence's
    cues (a conversational complaint or a problem report); with `teacher`, the texts the
    detector is unsure of are the teacher's (`nlp.pain_teacher.ask_teacher`), as in
    `nlp.pain_points.detect_pain_points_batch`."""
    scores = np.asarray(quotable, dtype=np.float64)
    if teacher is not None and texts is not None:
        scores = ask_teacher(teacher, scores, cued, threshold, texts)
    return np.where(cued, np.maximum(scores, threshold), scores)


def _pipeline_row(name: str, split: str, y: list[int], pipeline: np.ndarray, threshold: float,
                  label: str = PIPELINE, note: str = "") -> Row:
    """The row of the pipeline's scores (`_pipeline_scores`), read as turns.is_pain_point."""
    return binary_row(label, name, split, y, pipeline, threshold,
                      note="; ".join(filter(None, ("F1 as in turns.is_pain_point", note))))


def teacher_gain_note(y: list[int], with_teacher: np.ndarray, without: np.ndarray,
                      threshold: float, reader: str = "the teacher") -> str:
    """The F1 a reader (the teacher, the student) adds over the same test items, with its
    paired 95% interval (both F1s on each of the same resamples;
    `flows.evaluation.intervals`)."""
    gain, (low, high) = paired_f1_gain(y, (with_teacher >= threshold).astype(int),
                                       (without >= threshold).astype(int))
    return f"{reader} adds F1 {gain:+.3f} (95% CI {low:+.3f} to {high:+.3f})"


def _shipped_rows(detector: LinearTextModel, encoder: SentenceEncoder,
                  sets: list[tuple[str, str, list[PainExample]]],
                  teacher: PainScorer | None = None, student: PainScorer | None = None
                  ) -> list[Row]:
    """The shipped detector's rows, with the baselines, per (dataset, split, test examples);
    with `teacher`, the pipeline row asks it as the pipeline does; with `student`, a row of
    the teacher-off path (the student asked in its place) follows; then a row of the
    detector and cues alone. Each of the last two says what F1 the reader it lacks adds."""
    threshold = float(detector.meta["threshold"])
    rows = []
    for name, split, test in sets:
        texts = [e.text for e in test]
        y = [e.pain for e in test]
        scores, quotable, cued = shipped_scores(detector, texts, encoder)
        pipeline = _pipeline_scores(quotable, cued, threshold, texts, teacher)
        rows += _detector_rows(name, split, test, scores, threshold, baselines=True,
                               pipeline=pipeline, texts=texts)
        alone = _pipeline_scores(quotable, cued, threshold)
        if student is not None:
            fast = _pipeline_scores(quotable, cued, threshold, texts, student)
            rows.append(_pipeline_row(name, split, y, fast, threshold, label=STUDENT_PATH,
                                      note=teacher_gain_note(y, pipeline, fast, threshold)))
            rows.append(_pipeline_row(name, split, y, alone, threshold, label=FAST_PATH,
                                      note=teacher_gain_note(y, fast, alone, threshold,
                                                             "the student")))
        elif teacher is not None:
            rows.append(_pipeline_row(name, split, y, alone, threshold, label=FAST_PATH,
                                      note=teacher_gain_note(y, pipeline, alone, threshold)))
    return rows


def _cross_rows(data: dict[str, list[PainExample]], shipped: LinearTextModel,
                encoder: SentenceEncoder) -> list[Row]:
    """Fresh models trained on one source only, tested on the other's held-out part."""
    rows = []
    threshold = float(shipped.meta["threshold"])
    c = float(shipped.meta.get("C", 4.0))
    others = tuple(s for s in DETECTOR_SOURCES if s != "banking77")
    for sources, target in ((("airline",), "tweetsumm"), (("tweetsumm",), "airline"),
                            (others, "banking77")):
        train = [e for s in sources for e in select(data[s], "train")]
        model = fit_detector(train, encoder, shipped.features, c)
        test = select(data[target], "test")
        split = f"cross: train {'+'.join(sources)} -> test {target}"
        scores, quotable, cued = shipped_scores(model, [e.text for e in test], encoder,
                                                float(shipped.meta.get(CONTEXT_WEIGHT, 0.0)))
        rows += _detector_rows(target, split, test, scores, threshold, baselines=False)
        # What `callinsight run` would give with that model and no second reader (the
        # shipped teacher, and the student distilled from it, learnt every source): the cues
        # know no source.
        rows.append(_pipeline_row(target, split, [e.pain for e in test],
                                  _pipeline_scores(quotable, cued, threshold), threshold,
                                  label=FAST_PATH))
    return rows


def category_note(y_true: list[str], y_pred: list[str]) -> str:
    """Accuracy, and the macro-F1 over the gold classes only with the predictions outside them.

    Airline reasons map to 6 of the 12 categories. The F1 column averages over every label
    seen in gold *or* predictions, so each stray "billing" on an airline tweet about a fee
    adds a class scored 0 (~ -0.08 each); this note shows both readings.
    """
    gold = sorted(set(y_true))
    outside = sum(p not in gold for p in y_pred)
    f1_gold = f1_score(y_true, y_pred, labels=gold, average="macro", zero_division=0)
    accuracy = np.mean(np.array(y_pred) == np.array(y_true))
    return (f"accuracy {accuracy:.3f}; macro-F1 over the {len(gold)} gold classes "
            f"{f1_gold:.3f}; {outside} predictions outside them")


def _category_rows(data: dict[str, list[PainExample]], categoriser: LinearTextModel,
                   encoder: SentenceEncoder, intent_tests: dict[str, list[PainExample]]
                   ) -> list[Row]:
    """The categoriser (and the v1 rules) on held-out airline reasons and BANKING77 pain
    intents, and on the pain intents of the sets no model trains on, all mapped to the
    taxonomy."""
    sets = [("airline", "held-out 20%, reasons mapped to the taxonomy",
             select(data["airline"], "test")),
            ("banking77", "held-out 20%, intents mapped to the taxonomy",
             select(data["banking77"], "test"))]
    # The categoriser learns from the train split of some of these sources (MultiDoGO's;
    # the detector does not).
    sets += [(name, "held-out test split (its train split trains the categoriser), intents "
              "mapped to the taxonomy" if {e.source for e in examples} & set(
                  CATEGORY_SOURCE_WEIGHTS)
              else "never trained on, intents mapped to the taxonomy", examples)
             for name, examples in intent_tests.items()]
    rows = []
    for dataset, split, examples in sets:
        test = [e for e in examples if e.pain and e.category]
        texts, y = [e.text for e in test], [e.category for e in test]
        predicted = categorise_with_prior(texts, categoriser, encoder)  # as the pipeline
        ungated = categorise_with_prior(texts, categoriser, encoder, NO_CATEGORY_CUES)
        no_waits = categorise_with_prior(texts, categoriser, encoder, NO_WAIT_OR_CHURN_CUES)
        no_churn = categorise_with_prior(texts, categoriser, encoder, NO_CHURN_CUES)
        rules = [categorise(t, V1_RULES) or "other" for t in texts]
        rows += [multiclass_row("pain categoriser", dataset, split, y, predicted,
                                note=category_note(y, predicted)),
                 multiclass_row("pain categoriser, no category cues", dataset, split, y,
                                ungated, note=category_note(y, ungated)),
                 multiclass_row("pain categoriser, no churn cues", dataset, split, y,
                                no_churn, note=category_note(y, no_churn)
                                + f"; {_moved(predicted, no_churn)} moved by the churn cues"),
                 multiclass_row("pain categoriser, no wait or churn cues", dataset, split, y,
                                no_waits, note=category_note(y, no_waits)
                                + f"; {_moved(predicted, no_waits)} moved by the two"),
                 multiclass_row("v1 rules categories", dataset, split, y, rules,
                                note=category_note(y, rules))]
        rows += _cue_rows(dataset, split, texts, y)
    return rows


def _moved(predicted: list[str], before: list[str]) -> int:
    """How many predictions differ between two runs of the categoriser."""
    return sum(a != b for a, b in zip(predicted, before, strict=True))


def _cue_rows(dataset: str, split: str, texts: list[str], y: list[str]) -> list[Row]:
    """Per class that needs a word of its own (`nlp.patterns.CATEGORY_CUES_V1`) and has gold
    examples here: the share of them that hold one, the recall the gate can keep at most; and
    the share of the gold churn threats that hold one of the churn cues, which decide the
    class (`nlp.patterns.CHURN_THREATS_V1`), beside how many other gold examples hold one."""
    cfg = PainPointConfig()
    rows = []
    for category, patterns in get_patterns(cfg.category_cues).items():
        if category in y:
            gold, _ = _holding(patterns, category, texts, y)
            rows.append(Row(f"category cues: {category}", dataset, split, len(gold),
                            recall=float(np.mean(gold)),
                            note=f"gold {category} examples holding one of its words"))
    gold, others = _holding(get_patterns(cfg.churn_threats)["cancellation"], "cancellation",
                            texts, y)
    rows.append(Row("churn cues: cancellation", dataset, split, len(gold),
                    recall=float(np.mean(gold)) if gold else math.nan,
                    note=f"gold cancellation examples holding a churn cue; {sum(others)} of "
                         f"the {len(others)} other gold examples hold one"))
    return rows


def _holding(patterns: list[str], category: str, texts: list[str], y: list[str]
             ) -> tuple[list[bool], list[bool]]:
    """Whether each gold example of `category`, then each other gold example, holds one of
    `patterns`."""
    cue = compile_any(tuple(patterns))
    held = [bool(cue.search(t)) for t in texts]
    return ([h for h, c in zip(held, y, strict=True) if c == category],
            [h for h, c in zip(held, y, strict=True) if c != category])


def evaluate(data_dir: Path, models_dir: Path = MODELS_DIR) -> list[Row]:
    """Every pain-point row of the eval table (see the module docstring)."""
    encoder = load_static_encoder()
    detector = load_text_model(models_dir / "pain-detector")
    teacher = load_pain_teacher(models_dir)
    student = load_pain_student(models_dir)
    categoriser = load_text_model(models_dir / "pain-category")
    data = load_all(data_dir)
    intent_tests = load_intent_tests(data_dir)
    held_out = [(source, "held-out 20%", select(data[source], "test"))
                for source in ("airline", "tweetsumm", "banking77")]
    other_domains = [(name, INTENT_SPLITS[name], test) for name, test in intent_tests.items()]
    return (_shipped_rows(detector, encoder, held_out, teacher, student)
            + _cross_rows(data, detector, encoder)
            + _shipped_rows(detector, encoder, other_domains, teacher, student)
            + _category_rows(data, categoriser, encoder, intent_tests))

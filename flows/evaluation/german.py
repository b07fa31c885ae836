"""German suite: the German detectors beside the English ones on held-out German text.

Data and split as `flows.training.german` (20 % held out, never trained on):
* GermEval 2017 held-out texts: pain = negative document sentiment; 3-class sentiment.
* Swisscom German churn messages, held-out part: every one is pain, so only recall applies.
* Categories: held-out negative GermEval texts, their negative aspects mapped onto the
  taxonomy (`GERMEVAL_ASPECT_TO_CATEGORY`); German calls are categorised by rules.
  The cross row fits the shipped configuration on GermEval alone and reads these messages.
The last rows send the GermEval held-out texts through `CallAnalyzer` as one-turn calls with
the shipped detectors and no language given, as `callinsight run` does: the language check
routes each call, and a call has pain when it gets a pain point. The redaction rows count
`[NAME]` per 100 words of the same texts, read as German and as English.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from flows.artefacts import MODELS_DIR, load_given_names, load_static_encoder, load_text_model
from flows.engine import load_detectors
from flows.evaluation.pain import DETECTOR, category_note, vader_scores
from flows.evaluation.report import Row, binary_row, multiclass_row
from flows.evaluation.sentiment import model_rows, sentiment_row
from flows.training.german import load_german, part
from flows.training.pain import fit_detector, sentence_max_scores
from flows.training.pain_data import PainExample
from nlp.analyze import AnalysisConfig, CallAnalyzer
from nlp.pain_points import CONTEXT_WEIGHT, PainPointConfig, categorise
from nlp.pipeline import build_redaction_nlp
from nlp.redact import Redactor
from nlp.schema import CUSTOMER, Transcript, Turn
from nlp.textmodel import LinearTextModel, SentenceEncoder

HELD_OUT = "held-out 20% (hash split)"
GERMEVAL = "germeval 2017 (German)"
SWISSCOM = "swisscom DE churn messages"


def _pain_rows(name: str, model: LinearTextModel, encoder: SentenceEncoder | None,
               test: list[PainExample], split: str = HELD_OUT) -> Row:
    scores = sentence_max_scores(model, [e.text for e in test], encoder)
    threshold = float(model.meta["threshold"])
    return binary_row(name, GERMEVAL, split, [e.pain for e in test], scores, threshold,
                      note=f"threshold {threshold:.3f}")


def _recall_row(name: str, model: LinearTextModel, encoder: SentenceEncoder | None,
                test: list[PainExample], split: str, threshold: float) -> Row:
    scores = sentence_max_scores(model, [e.text for e in test], encoder)
    return Row(name, SWISSCOM, split, len(test), recall=float(np.mean(scores >= threshold)),
               note="every message is pain: recall = share flagged")


def category_rows(test: list[PainExample]) -> list[Row]:
    """The German category rules (as the pipeline names German pain points) and the English
    ones on the held-out negative GermEval texts, their aspects mapped to the taxonomy."""
    negative = [e for e in test if e.pain and e.category]
    texts, y = [e.text for e in negative], [e.category for e in negative]
    german = PainPointConfig(patterns=AnalysisConfig().language_rules["de"].pain_patterns)
    rows = []
    for name, cfg in (("category rules (de)", german),
                      ("category rules (English, for comparison)", PainPointConfig())):
        predicted = [categorise(t, cfg) or "other" for t in texts]
        rows.append(multiclass_row(name, GERMEVAL, "held-out 20%, aspects mapped to the "
                                   "taxonomy", y, predicted, note=category_note(y, predicted)))
    return rows


def pipeline_rows(test: list[PainExample], sentiment_test, models_dir: Path) -> list[Row]:
    """GermEval held-out texts as one-turn calls through CallAnalyzer (language detected)."""
    analyzer = CallAnalyzer(detectors=load_detectors(models_dir))
    calls = analyzer.analyze([Transcript(call_id=f"de-{i}", turns=(
        Turn(index=0, speaker=CUSTOMER, text=e.text),)) for i, e in enumerate(test)])
    flags = [int(bool(c.pain_points)) for c in calls]
    german = float(np.mean([c.language == "de" for c in calls]))
    by_text = {c.turns[0].turn.text: c.turns[0].sentiment for c in calls}
    return [
        binary_row("callinsight pipeline (language routed)", GERMEVAL, HELD_OUT,
                   [e.pain for e in test], flags, 0.5,
                   note=f"pain = the call has a pain point; read as German {german:.3f}"),
        sentiment_row("callinsight pipeline (language routed)", GERMEVAL, HELD_OUT,
                      sentiment_test, [by_text[e.text] for e in sentiment_test],
                      note="turns.sentiment at ±0.05"),
    ]


def redaction_rows(texts: list[str]) -> list[Row]:
    """`[NAME]` per 100 words of German texts, redacted as English (every NER name counts)
    and as German (an NER name needs a given name or a title; `models/first-names`)."""
    redactor = Redactor(build_redaction_nlp(), given_names=load_given_names())
    words = sum(len(t.split()) for t in texts)
    rows = []
    for name, languages in (("redaction, read as German (names confirmed)", ["de"] * len(texts)),
                            ("redaction, read as English (for comparison)", None)):
        redacted = redactor.redact_many(texts, languages)
        per_100 = 100 * sum(t.count("[NAME]") for t in redacted) / max(words, 1)
        rows.append(Row(name, GERMEVAL, HELD_OUT, len(texts),
                        extra={"[NAME] per 100 words": per_100}))
    return rows


def evaluate(data_dir: Path, models_dir: Path = MODELS_DIR) -> list[Row]:
    """Every German row of the eval table (see the module docstring)."""
    encoder = load_static_encoder()
    rows = load_german(data_dir)
    test_pain, test_sent = part(rows, "test")
    germeval = [e for e in test_pain if e.source == "germeval"]
    churn = [e for e in test_pain if e.source == "swisscom_de"]
    detector = load_text_model(models_dir / "pain-detector-de")
    english = load_text_model(models_dir / "pain-detector")
    sentiment = load_text_model(models_dir / "sentiment-de")
    out = [_pain_rows(f"{DETECTOR} (de)", detector, None, germeval),
           _pain_rows(f"{DETECTOR} (English, for comparison)", english, encoder, germeval),
           binary_row("VADER baseline", GERMEVAL, HELD_OUT, [e.pain for e in germeval],
                      vader_scores([e.text for e in germeval]), 0.05, note="compound <= -0.05")]
    threshold = float(detector.meta["threshold"])
    out.append(_recall_row(f"{DETECTOR} (de)", detector, None, churn, HELD_OUT, threshold))
    train = [e for e in part(rows, "train")[0] if e.source == "germeval"]
    cross = fit_detector(train, None, detector.features, float(detector.meta["C"]),
                         meta={CONTEXT_WEIGHT: detector.meta[CONTEXT_WEIGHT]})
    out.append(_recall_row(f"{DETECTOR} (de)", cross, None, churn,
                           "cross: train germeval -> test swisscom DE held-out", threshold))
    out.append(_recall_row(f"{DETECTOR} (English, for comparison)", english, encoder, churn,
                           HELD_OUT, float(english.meta["threshold"])))
    out += [model_rows(sentiment, None, "sentiment (de)", GERMEVAL, HELD_OUT, test_sent),
            model_rows(load_text_model(models_dir / "sentiment"), encoder,
                       "sentiment (English, for comparison)", GERMEVAL, HELD_OUT, test_sent)]
    return (out + category_rows(germeval) + pipeline_rows(germeval, test_sent, models_dir)
            + redaction_rows([e.text for e in germeval]))

"""Sentiment suite: the trained turn model beside VADER and the v1 rules, on held-out splits.

Splits are the 20% hash-held-out parts of `flows.training.sentiment_data` that the shipped
model never saw. F1 is 3-class macro-F1 (model: argmax of its probabilities; VADER and rules:
their score at the usual ±0.05 thresholds); ROC-AUC is negative-vs-rest on the -1..1 score the
pipeline writes to `turns.sentiment`. Cross-source rows refit the shipped configuration on one
source's train part and test on the other's held-out part. The TweetSumm row is a third source
no sentiment model trains on: customer sentences with the pain detector's weak labels (its
20% test part), read as negative vs not.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support, roc_auc_score
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from flows.artefacts import MODELS_DIR, load_static_encoder, load_text_model
from flows.evaluation.intervals import multiclass_f1_interval, roc_auc_interval
from flows.evaluation.report import Row
from flows.training import pain_data
from flows.training.sentiment import CANDIDATES, fit_sentiment
from flows.training.sentiment_data import CLASSES, Example, load_splits
from nlp.sentiment import class_probabilities, score_sentiments, score_turn_sentiments
from nlp.textmodel import LinearTextModel, SentenceEncoder

log = logging.getLogger(__name__)

HELD_OUT = "held-out 20% (hash split)"
DETECTOR = "sentiment (trained)"
#: Complaints a customer-service lead reads as negative, with no negative word in them.
CONVERSATIONAL_COMPLAINTS = [
    "This is the third time I'm calling about this.",
    "Still waiting for my refund.",
    "I haven't received my order yet.",
    "I was told someone would call me back two weeks ago.",
    "Why is my bill higher again this month?",
    "Any update on my case?",
    "I've been on hold for 45 minutes.",
    "My package was supposed to arrive on Monday.",
]


def label_scores(scores, band: float = 0.05) -> list[str]:
    """neg / neu / pos from a -1..1 score with a neutral band of ±`band`."""
    return ["neg" if s <= -band else "pos" if s >= band else "neu" for s in scores]


def sentiment_row(detector: str, dataset: str, split: str, examples: list[Example], scores,
                  predicted: list[str] | None = None, note: str = "") -> Row:
    """Macro P/R/F1 over the 3 classes and negative-vs-rest ROC-AUC of a -1..1 score."""
    y = [e.label for e in examples]
    band_pred = label_scores(scores)
    pred = predicted if predicted is not None else band_pred
    p, r, f, _ = precision_recall_fscore_support(y, pred, labels=list(CLASSES),
                                                 average="macro", zero_division=0)
    neg = [t == "neg" for t in y]
    auc = roc_auc_score(neg, -np.asarray(scores)) if 0 < sum(neg) < len(neg) else math.nan
    extra = {}
    if predicted is not None:  # what a ±0.05 reading of the written score gives
        extra["F1 score@±0.05"] = float(f1_score(y, band_pred, labels=list(CLASSES),
                                                 average="macro", zero_division=0))
    f1_ci = multiclass_f1_interval(y, pred, labels=list(CLASSES))
    auc_ci = None if math.isnan(auc) else roc_auc_interval(neg, -np.asarray(scores))
    return Row(detector, dataset, split, len(y), float(p), float(r), float(f), auc,
               extra=extra, note=note, f1_ci=f1_ci, roc_auc_ci=auc_ci)


def model_rows(model: LinearTextModel, encoder: SentenceEncoder | None, name: str,
               dataset: str, split: str, examples: list[Example]) -> Row:
    """Score examples as the pipeline does (cues blended in) plus the argmax class."""
    texts = [e.text for e in examples]
    scores = score_turn_sentiments(texts, model=model, encoder=encoder)
    proba = class_probabilities(texts, model, encoder)
    predicted = [model.classes[i] for i in proba.argmax(axis=1)]
    return sentiment_row(name, dataset, split, examples, scores, predicted)


def load_or_fit(train: list[Example], encoder: SentenceEncoder) -> LinearTextModel:
    """The shipped model, or (when absent) the recorded configuration fit on `train`."""
    folder = MODELS_DIR / "sentiment"
    if (folder / "model.json").exists():
        return load_text_model(folder)
    log.warning("no models/sentiment artefact; fitting the recorded configuration")
    return fit_sentiment(train, encoder, *CANDIDATES[0])


def baseline_rows(dataset: str, examples: list[Example]) -> list[Row]:
    """VADER compound and the v1 rules (VADER + complaint cues) on the same split."""
    vader = SentimentIntensityAnalyzer()
    texts = [e.text for e in examples]
    compound = [vader.polarity_scores(t)["compound"] for t in texts]
    return [sentiment_row("VADER baseline", dataset, HELD_OUT, examples, compound),
            sentiment_row("sentiment v1 rules", dataset, HELD_OUT, examples,
                          score_sentiments(texts))]


def complaint_rows(model: LinearTextModel, encoder: SentenceEncoder | None) -> list[Row]:
    """Share of the hand-written conversational complaints scored below zero."""
    vader = SentimentIntensityAnalyzer()
    texts = CONVERSATIONAL_COMPLAINTS
    systems = {
        DETECTOR: score_turn_sentiments(texts, model=model, encoder=encoder),
        "VADER baseline": [vader.polarity_scores(t)["compound"] for t in texts],
        "sentiment v1 rules": score_sentiments(texts),
    }
    return [Row(name, "conversational complaints (hand-written)", "sanity check", len(texts),
                recall=float(np.mean([s < 0 for s in scores])),
                note="recall = share scored < 0; no negative words")
            for name, scores in systems.items()]


def tweetsumm_row(model: LinearTextModel, encoder: SentenceEncoder | None, data_dir: Path
                  ) -> Row:
    """Unseen service text: TweetSumm customer sentences, weak pain labels (test part).

    Recall is the share of pain sentences scored <= -0.05, precision the share of sentences
    so scored that are pain; ROC-AUC is pain vs not on the written score. The note gives the
    share of not-pain sentences scored negative (the lean on neutral service text).
    """
    test = pain_data.select(pain_data.load_tweetsumm(data_dir), "test")
    scores = np.asarray(score_turn_sentiments([e.text for e in test], model=model,
                                              encoder=encoder))
    pain = np.array([e.pain == 1 for e in test])
    negative = scores <= -0.05
    precision = float(pain[negative].mean()) if negative.any() else math.nan
    recall, false_neg = float(negative[pain].mean()), float(negative[~pain].mean())
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Row(DETECTOR, "tweetsumm customer sentences (weak pain labels)",
               "test 20% (no sentiment training data)", len(test), precision, recall, f1,
               float(roc_auc_score(pain, -scores)),
               note=f"binary P/R/F1 of pain read as score <= -0.05; not-pain scored "
                    f"negative {false_neg:.3f}")


def evaluate(data_dir: Path) -> list[Row]:
    """All sentiment rows: within source, across sources, baselines, complaint check."""
    encoder = load_static_encoder()
    splits = load_splits(data_dir, ("airline", "uss"))
    train_all = [e for train, _ in splits.values() for e in train]
    model = load_or_fit(train_all, encoder)
    features, c = model.features, float(model.meta.get("C", CANDIDATES[0][1]))
    rows = []
    for name, (_, test) in splits.items():
        rows.append(model_rows(model, encoder, DETECTOR, name, HELD_OUT, test))
        rows += baseline_rows(name, test)
    for src, dst in (("airline", "uss"), ("uss", "airline")):
        cross = fit_sentiment(splits[src][0], encoder, features, c)
        rows.append(model_rows(cross, encoder, DETECTOR, dst,
                               f"cross: train {src} -> test {dst} held-out", splits[dst][1]))
    rows.append(tweetsumm_row(model, encoder, data_dir))
    return rows + complaint_rows(model, encoder)

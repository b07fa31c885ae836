"""Empathy suite: the shipped agent-turn score on the held-out fifth of EPITOME.

Rows per label (combined = emotional reactions >= 1 OR interpretations >= 1; ER alone; IP
alone): the trained path exactly as the pipeline scores an agent turn (model probability +
capped marker boost), the same with the opt-in empathy reader blended in
(`models/empathy-minilm`, with the ROC-AUC it adds and its paired interval) and the reader
alone, the bare model probability, the two mechanism heads (the `turns` columns
`empathy_reaction` and `empathy_interpretation`), the v1 rule markers, and VADER compound (a
sentiment lexicon, shown to say little about empathy). No trained model saw this split (see
flows.training.empathy_data.split_pairs).
"""

from __future__ import annotations

import logging
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from flows.artefacts import (
    MODELS_DIR,
    load_empathy_reader,
    load_static_encoder,
    load_text_model,
)
from flows.evaluation.intervals import paired_roc_auc_gain
from flows.evaluation.report import Row, binary_row
from flows.training.empathy_data import EmpathyPair, load_epitome, split_pairs
from nlp.detectors import EmpathyReader
from nlp.empathy import (
    INTERPRETATION_HEAD,
    REACTION_HEAD,
    SCORE_MAP,
    blend_with_reader,
    empathy_from_probabilities,
    mixed_probabilities,
    score_agent_turns,
    score_column,
    score_probabilities,
)

log = logging.getLogger(__name__)

DATASET = "EPITOME reddit"
SPLIT = "held-out 20% (sp_id hash)"
RULE_THRESHOLD = 0.5  # recovery's pivotal-turn bar
VADER_THRESHOLD = 0.05  # VADER's own "positive" cut-off
SHIPPED = "empathy model + markers (shipped)"
WITH_READER = "empathy model + reader + markers (opt-in reader)"


def labels(pairs: list[EmpathyPair]) -> dict[str, list[int]]:
    """The three binary targets reported: combined, emotional reactions, interpretations."""
    return {"ER>=1 or IP>=1": [p.label for p in pairs],
            "ER>=1": [int(p.er >= 1) for p in pairs],
            "IP>=1": [int(p.ip >= 1) for p in pairs]}


def score_baselines(texts: list[str]) -> dict[str, tuple[list[float], float]]:
    """Rule markers (v1) and VADER compound: name -> (scores, threshold)."""
    rules = [f.score for f in score_agent_turns(texts)]
    vader = SentimentIntensityAnalyzer()
    compound = [vader.polarity_scores(t)["compound"] for t in texts]
    return {"empathy rules v1": (rules, RULE_THRESHOLD),
            "VADER compound (baseline)": (compound, VADER_THRESHOLD)}


def score_trained(texts: list[str], folder: Path, reader: EmpathyReader | None = None
                  ) -> dict[str, tuple[list[float], float]]:
    """The shipped trained score (as the pipeline scores an agent turn), with the opt-in
    empathy `reader` blended in and the reader alone (when given), the probability before
    the markers, the score head alone (the score until v4) and each mechanism head
    (`turns.empathy_reaction` / `empathy_interpretation`): name -> (scores, threshold)."""
    model = load_text_model(folder)
    encoder = load_static_encoder() if model.features.use_embedding else None
    threshold = float(model.meta["threshold"])
    mixed = mixed_probabilities(model, texts, encoder)  # scored once, read thrice
    probability = score_probabilities(mixed, model)
    found = empathy_from_probabilities(texts, mixed, model, scores=probability)
    scorers = {SHIPPED: ([f.score for f in found], threshold)}
    if reader is not None:
        read = reader.score(texts)
        blended = blend_with_reader(probability, read, reader.meta)
        scorers[WITH_READER] = (
            [f.score for f in empathy_from_probabilities(texts, mixed, model, scores=blended)],
            threshold)
        scorers["empathy reader alone (MiniLM)"] = (read.tolist(), 0.5)
    scorers["empathy model probability only"] = (probability.tolist(), threshold)
    if SCORE_MAP in model.meta:  # the score head alone: the score until v4
        scorers["score head (the v4 score, no markers)"] = (
            mixed[:, score_column(model)].tolist(), threshold)
    heads = model.meta.get("mechanism_heads", {})
    if heads:
        scorers["reaction head (empathy_reaction)"] = (
            [f.reaction for f in found], heads[REACTION_HEAD]["threshold"])
        scorers["interpretation head (empathy_interpretation)"] = (
            [f.interpretation for f in found], heads[INTERPRETATION_HEAD]["threshold"])
    return scorers


def evaluate(data_dir: Path, models_dir: Path = MODELS_DIR) -> list[Row]:
    """Rows for every scorer x label on the held-out EPITOME fifth."""
    _, held_out = split_pairs(load_epitome(data_dir))
    texts = [p.response for p in held_out]
    scorers: dict[str, tuple[list[float], float]] = {}
    folder = models_dir / "empathy"
    if (folder / "model.json").exists():
        scorers |= score_trained(texts, folder, load_empathy_reader(models_dir))
    else:
        log.warning("no trained empathy model in %s; rows for rules and VADER only", folder)
    scorers |= score_baselines(texts)
    rows = []
    for name, (scores, threshold) in scorers.items():
        for label, y in labels(held_out).items():
            note = f"threshold {threshold:g}"
            if name == WITH_READER:
                note += "; " + reader_gain_note(y, scores, scorers[SHIPPED][0])
            rows.append(binary_row(name, DATASET, f"{SPLIT}: {label}", y, scores, threshold,
                                   note=note))
    return rows


def reader_gain_note(y: list[int], with_reader: list[float], without: list[float]) -> str:
    """The ROC-AUC the empathy reader adds over the same test items, with its paired 95%
    interval (both AUCs on each of the same resamples; `flows.evaluation.intervals`)."""
    gain, (low, high) = paired_roc_auc_gain(y, with_reader, without)
    return f"the reader adds ROC-AUC {gain:+.3f} (95% CI {low:+.3f} to {high:+.3f})"

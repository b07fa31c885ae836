"""Train the agent-empathy model on EPITOME and write models/empathy/.

Target of the score's head ("empathy"): a response is empathetic when its emotional-reactions
level >= 1 OR its interpretations level >= 1 (`EmpathyPair.label`). Two more heads, fitted on
the same features with the same C, give each mechanism on its own ("reaction": ER >= 1,
"interpretation": IP >= 1); the three are stacked into one multilabel model
(`nlp.textmodel.stack_heads`), so an agent turn is featurised once. Input: the response
text only (at run time an agent turn is scored on its own text). Only the training 80% (hash
of the seeker post id) is used here; the held-out 20% is for `flows.evaluation.empathy` alone.

Model selection: 5-fold cross-validation inside the training 80% (folds by hash of the seeker
post id) over feature configs and C, by mean ROC-AUC of the combined label; the decision
threshold maximises macro-F1 of the shipped score (model + capped marker boost) over the
out-of-fold predictions; each mechanism head's threshold maximises its own out-of-fold
macro-F1. The final heads are refit on the whole training 80%.

The two mechanism columns are mixes (`flows.training.empathy_sentences`): the head's logit
and the best-sentence logit of a sentence-level head trained on EPITOME's rationale spans
(reaction: ER spans; interpretation: IP spans); each weight is chosen by the same 5-fold CV
(ROC-AUC on the head's own target, the score head's features and C fixed first), and their
thresholds are chosen on the mixed out-of-fold probability. The score has no mix (see
`SENTENCE_TARGETS`).

Run: .venv/bin/python -m flows.training.empathy
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from flows.artefacts import MODELS_DIR, load_static_encoder, save_text_model
from flows.evaluation.run import DEFAULT_DATA
from flows.training.empathy_data import EmpathyPair, bucket, load_epitome, split_pairs
from flows.training.empathy_sentences import (
    SENTENCE_TARGETS,
    choose_sentence_weight,
    fit_sentence_head,
    mix_meta,
    mix_out_of_fold,
)
from nlp.empathy import (
    INTERPRETATION_HEAD,
    REACTION_HEAD,
    SCORE_HEAD,
    SCORE_MAP,
    EmpathyConfig,
    combine_empathy,
    either_mechanism,
    find_empathy_markers,
    map_score,
)
from nlp.textmodel import (
    FeatureConfig,
    LinearTextModel,
    SentenceEncoder,
    fit_text_model,
    stack_heads,
)

log = logging.getLogger(__name__)

OUT_DIR = MODELS_DIR / "empathy"
N_FOLDS = 5
#: name -> features; each is tried with every C in `CS`
CANDIDATES = {
    "embedding": FeatureConfig(n_hash=0),
    "words 1-2": FeatureConfig(use_embedding=False),
    "embedding + words 1-2": FeatureConfig(),
    "embedding + words 1-3": FeatureConfig(ngram_range=(1, 3)),
}
CS = (0.5, 1.0, 4.0)
#: Decision thresholds tried for the score and each mechanism column (out-of-fold macro-F1).
THRESHOLDS = np.round(np.arange(0.20, 0.81, 0.01), 2)
#: head -> (its binary target, what it means); the score's head first.
HEADS: dict[str, tuple[Callable[[EmpathyPair], int], str]] = {
    SCORE_HEAD: (lambda p: p.label, "emotional_reactions >= 1 OR interpretations >= 1"),
    REACTION_HEAD: (lambda p: int(p.er >= 1), "emotional_reactions >= 1"),
    INTERPRETATION_HEAD: (lambda p: int(p.ip >= 1), "interpretations >= 1"),
}


def cv_folds(pairs: list[EmpathyPair]) -> np.ndarray:
    """Fold (0..N_FOLDS-1) of each pair, by hash of its seeker post id."""
    return np.array([int(bucket(p.sp_id, "epitome-cv") * N_FOLDS) for p in pairs])


def out_of_fold(pairs: list[EmpathyPair], features: FeatureConfig, c: float,
                encoder: SentenceEncoder, head: str = SCORE_HEAD) -> np.ndarray:
    """Out-of-fold probabilities of `head`'s target over `pairs` (folds by seeker id)."""
    target = HEADS[head][0]
    folds = cv_folds(pairs)
    texts = [p.response for p in pairs]
    proba = np.zeros(len(pairs))
    for k in range(N_FOLDS):
        fit_idx, val_idx = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        model = fit_text_model([texts[i] for i in fit_idx],
                               [str(target(pairs[i])) for i in fit_idx], encoder, features, c=c)
        proba[val_idx] = model.predict_proba([texts[i] for i in val_idx], encoder)[:, 1]
    return proba


def select_model(pairs: list[EmpathyPair], encoder: SentenceEncoder
                 ) -> tuple[str, float, np.ndarray, list[dict]]:
    """Grid over CANDIDATES x CS; returns (name, C, its out-of-fold proba, all results)."""
    y = np.array([p.label for p in pairs])
    results, best = [], None
    for name, features in CANDIDATES.items():
        for c in CS:
            proba = out_of_fold(pairs, features, c, encoder)
            auc = float(roc_auc_score(y, proba))
            results.append({"features": name, "C": c, "cv_roc_auc": round(auc, 4)})
            log.info("%-24s C=%-4s CV ROC-AUC %.4f", name, c, auc)
            if best is None or auc > best[0]:
                best = (auc, name, c, proba)
    _, name, c, proba = best
    return name, c, proba, results


def choose_threshold(pairs: list[EmpathyPair], proba: np.ndarray,
                     cfg: EmpathyConfig = EmpathyConfig()) -> tuple[float, float]:
    """Threshold on the shipped score maximising macro-F1 out of fold: (threshold, F1)."""
    y = np.array([p.label for p in pairs])
    scores = np.array([combine_empathy(float(p), find_empathy_markers(pair.response, cfg), cfg)
                       for p, pair in zip(proba, pairs, strict=True)])
    f1s = [f1_score(y, scores >= t, average="macro") for t in THRESHOLDS]
    best = int(np.argmax(f1s))
    return float(THRESHOLDS[best]), float(f1s[best])


def choose_mixes(pairs: list[EmpathyPair], features: FeatureConfig, c: float,
                 encoder: SentenceEncoder) -> tuple[dict[str, float], dict, dict[str, np.ndarray]]:
    """Per head with a sentence target: its CV-chosen sentence weight, every weight's CV
    ROC-AUC, and its out-of-fold mixed probability at that weight."""
    weights, grids, mixed = {}, {}, {}
    for head in SENTENCE_TARGETS:
        target = HEADS[head][0]
        mixes = mix_out_of_fold(pairs, cv_folds(pairs), features, c, encoder, head, target)
        weights[head], grids[head] = choose_sentence_weight(pairs, mixes, target, head)
        mixed[head] = mixes[weights[head]]
    return weights, grids, mixed


def mechanism_heads(pairs: list[EmpathyPair], mixed: dict[str, np.ndarray]
                    ) -> dict[str, dict[str, float]]:
    """Per mechanism column (its out-of-fold probability in `mixed`, the sentence mix
    included): out-of-fold ROC-AUC on its own target and on the others, and the threshold on
    its probability that maximises its out-of-fold macro-F1."""
    report = {}
    for head in (REACTION_HEAD, INTERPRETATION_HEAD):
        proba = mixed[head]
        y = np.array([HEADS[head][0](p) for p in pairs])
        f1s = [f1_score(y, proba >= t, average="macro") for t in THRESHOLDS]
        report[head] = {"threshold": float(THRESHOLDS[int(np.argmax(f1s))]),
                        "cv_macro_f1_at_threshold": round(float(max(f1s)), 4)}
        for other, (target, _) in HEADS.items():
            auc = roc_auc_score([target(p) for p in pairs], proba)
            report[head][f"cv_roc_auc_{other}"] = round(float(auc), 4)
        log.info("%s head: %s", head, report[head])
    return report


def score_map(mixed: dict[str, np.ndarray], head_proba: np.ndarray, knots: int = 101
              ) -> dict[str, list[float]]:
    """The monotone map from the noisy-or of the two mechanism columns onto the score head's
    scale (`nlp.empathy.score_probabilities`): their quantiles at `knots` evenly spaced
    levels, all out of fold, so on EPITOME the mapped score is distributed as the head was."""
    return quantile_map(either_mechanism(mixed[REACTION_HEAD], mixed[INTERPRETATION_HEAD]),
                        head_proba, knots)


def quantile_map(values: np.ndarray, target: np.ndarray, knots: int = 101
                 ) -> dict[str, list[float]]:
    """The monotone map (`nlp.empathy.map_score`) that takes `values`' quantiles at `knots`
    evenly spaced levels onto `target`'s: mapped, `values` are distributed as `target`."""
    levels = np.linspace(0.0, 1.0, knots)
    x = np.quantile(values, levels)
    y = np.quantile(target, levels)
    return {"x": [round(float(v), 6) for v in np.maximum.accumulate(x)],
            "y": [round(float(v), 6) for v in np.maximum.accumulate(y)]}


def fit_heads(pairs: list[EmpathyPair], features: FeatureConfig, c: float,
              encoder: SentenceEncoder) -> dict[str, LinearTextModel]:
    """Every response head, then every sentence head, fitted on all of `pairs`."""
    texts = [p.response for p in pairs]
    heads = {head: fit_text_model(texts, [str(target(p)) for p in pairs], encoder, features,
                                  c=c)
             for head, (target, _) in HEADS.items()}
    for head, sentence in SENTENCE_TARGETS.items():
        heads[sentence.name] = fit_sentence_head(pairs, features, c, heads[head], head)
    return heads


def train(data_dir: Path = DEFAULT_DATA, out_dir: Path = OUT_DIR) -> Path:
    """Select, fit on the training 80% and save the empathy model; returns its folder."""
    train_pairs, held_out = split_pairs(load_epitome(data_dir))
    encoder = load_static_encoder()
    name, c, proba, grid = select_model(train_pairs, encoder)
    features = CANDIDATES[name]
    weights, mix_grids, mixed = choose_mixes(train_pairs, features, c, encoder)
    knots = score_map(mixed, proba)
    mapped = map_score(either_mechanism(mixed[REACTION_HEAD], mixed[INTERPRETATION_HEAD]), knots)
    threshold, cv_f1 = choose_threshold(train_pairs, mapped)
    y = [p.label for p in train_pairs]
    cv_auc = {"score head": round(float(roc_auc_score(y, proba)), 4),
              "mapped noisy-or": round(float(roc_auc_score(y, mapped)), 4)}
    log.info("chosen %s C=%s, sentence weights %s; threshold %.2f (CV macro-F1 %.4f); CV "
             "ROC-AUC %s", name, c, weights, threshold, cv_f1, cv_auc)
    meta = {
        "name": "empathy", "version": 5, "data": "EPITOME Reddit (Sharma et al. 2020)",
        SCORE_MAP: knots, "score": "noisy-or of the reaction and interpretation columns, "
        "mapped onto the score head's out-of-fold quantiles", "score_cv_roc_auc": cv_auc,
        "label": "emotional_reactions >= 1 OR interpretations >= 1 (response text only)",
        "heads": {head: label for head, (_, label) in HEADS.items()} | {
            t.name: t.label for t in SENTENCE_TARGETS.values()},
        "mechanism_heads": mechanism_heads(train_pairs, mixed), **mix_meta(weights),
        "sentence_mix_selection": mix_grids,
        "split": "train = sha256('epitome' + sp_id) bucket >= 0.2",
        "n_train": len(train_pairs), "n_held_out": len(held_out),
        "features_name": name, "C": c, "threshold": threshold,
        "cv_macro_f1_at_threshold": round(cv_f1, 4), "selection": grid,
        "licence": "EPITOME: non-commercial research use (see MODEL_CARD.md)",
    }
    heads = fit_heads(train_pairs, features, c, encoder)
    return save_text_model(stack_heads(heads, meta), out_dir)


def main() -> None:
    """Entry point of `python -m flows.training.empathy`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    folder = train()
    log.info("wrote %s", folder)


if __name__ == "__main__":
    main()

"""Train the agent-empathy model on EPITOME and write models/empathy/.

Target: a response is empathetic when its emotional-reactions level >= 1 OR its
interpretations level >= 1 (`EmpathyPair.label`). Input: the response text only (at run time
an agent turn is scored on its own text). Only the training 80% (hash of the seeker post id)
is used here; the held-out 20% is for `flows.evaluation.empathy` alone.

Model selection: 5-fold cross-validation inside the training 80% (folds by hash of the seeker
post id) over feature configs and C, by mean ROC-AUC of the combined label; the decision
threshold maximises macro-F1 of the shipped score (model + capped marker boost) over the
out-of-fold predictions. The final model is refit on the whole training 80%.

Run: .venv/bin/python -m flows.training.empathy
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from flows.artefacts import MODELS_DIR, load_static_encoder, save_text_model
from flows.evaluation.run import DEFAULT_DATA
from flows.training.empathy_data import EmpathyPair, bucket, load_epitome, split_pairs
from nlp.empathy import EmpathyConfig, combine_empathy, find_empathy_markers
from nlp.textmodel import FeatureConfig, SentenceEncoder, fit_text_model

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


def out_of_fold(pairs: list[EmpathyPair], features: FeatureConfig, c: float,
                encoder: SentenceEncoder) -> np.ndarray:
    """Out-of-fold probabilities of the combined label over `pairs` (folds by seeker id)."""
    folds = np.array([int(bucket(p.sp_id, "epitome-cv") * N_FOLDS) for p in pairs])
    texts = [p.response for p in pairs]
    proba = np.zeros(len(pairs))
    for k in range(N_FOLDS):
        fit_idx, val_idx = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        model = fit_text_model([texts[i] for i in fit_idx],
                               [str(pairs[i].label) for i in fit_idx], encoder, features, c=c)
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
    grid = np.round(np.arange(0.20, 0.81, 0.01), 2)
    f1s = [f1_score(y, scores >= t, average="macro") for t in grid]
    best = int(np.argmax(f1s))
    return float(grid[best]), float(f1s[best])


def train(data_dir: Path = DEFAULT_DATA, out_dir: Path = OUT_DIR) -> Path:
    """Select, fit on the training 80% and save the empathy model; returns its folder."""
    train_pairs, held_out = split_pairs(load_epitome(data_dir))
    encoder = load_static_encoder()
    name, c, proba, grid = select_model(train_pairs, encoder)
    threshold, cv_f1 = choose_threshold(train_pairs, proba)
    log.info("chosen %s C=%s; threshold %.2f (CV macro-F1 %.4f)", name, c, threshold, cv_f1)
    meta = {
        "name": "empathy", "version": 1, "data": "EPITOME Reddit (Sharma et al. 2020)",
        "label": "emotional_reactions >= 1 OR interpretations >= 1 (response text only)",
        "split": "train = sha256('epitome' + sp_id) bucket >= 0.2",
        "n_train": len(train_pairs), "n_held_out": len(held_out),
        "features_name": name, "C": c, "threshold": threshold,
        "cv_macro_f1_at_threshold": round(cv_f1, 4), "selection": grid,
        "licence": "EPITOME: non-commercial research use (see MODEL_CARD.md)",
    }
    model = fit_text_model([p.response for p in train_pairs],
                           [str(p.label) for p in train_pairs], encoder,
                           CANDIDATES[name], c=c, meta=meta)
    return save_text_model(model, out_dir)


def main() -> None:
    """Entry point of `python -m flows.training.empathy`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    folder = train()
    log.info("wrote %s", folder)


if __name__ == "__main__":
    main()

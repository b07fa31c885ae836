"""Fine-tune the empathy reader: low-rank adapters over all-MiniLM-L6-v2 + a linear head,
read beside the linear empathy model (`models/empathy`).

    python -m flows.training.empathy_minilm     # ~3 min on 2 cores, writes models/empathy-minilm

Target: EPITOME's combined label (emotional reactions >= 1 OR interpretations >= 1) of the
response text, as the linear model's score. Trained on the *fit* part of EPITOME's training
80 % (`split_validation`; the pain teacher's recipe, `flows.training.adapters`, with batch 16
and 96 word pieces, since responses are longer than customer turns); its validation part
gives the reader's validation ROC-AUC. With `CALLINSIGHT_EMPATHY_READER=true` the pipeline's
score is `READER_WEIGHT` x this reader's P + the rest x the linear model's score (before the
marker boost), taken through a monotone map (`nlp.empathy.blend_with_reader`). The map is
fitted on customer-service agent turns (`service_agent_turns`, no label read): there the
blend is distributed as the linear score, so the recovery bar (0.5) keeps the share of
service turns it had. The held-out 20 % of EPITOME stays for `callinsight eval`.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from sklearn.metrics import roc_auc_score

from flows.artefacts import (
    EMPATHY_READER,
    MODELS_DIR,
    load_static_encoder,
    load_text_model,
    save_adapted_minilm,
)
from flows.evaluation.run import DEFAULT_DATA
from flows.training.adapters import fit_adapters, recipe
from flows.training.empathy import quantile_map
from flows.training.empathy_data import load_epitome, split_pairs, split_validation
from flows.training.pain_data import split_of, tweetsumm_dialogues
from nlp.adapted_minilm import AdaptedMiniLM
from nlp.empathy import BLEND_MAP, BLEND_WEIGHT, mixed_probabilities, score_probabilities

log = logging.getLogger(__name__)

LEARNING_RATE = 5e-4
EPOCHS = 2
BATCH = 16
MAX_LENGTH = 96
#: The reader's share of the blend: equal weights, a plain default, not chosen on validation
#: (held-out blends at 0.3 / 0.5 / 0.7 were read and all gain; models/empathy/MODEL_CARD.md,
#: "The empathy reader").
READER_WEIGHT = 0.5


def service_agent_turns(data_dir: Path) -> list[str]:
    """The agent turns of TweetSumm's dialogues in the pain detector's train part (each
    dialogue once): customer-service replies, read for the blend's map, no label."""
    seen: set[str] = set()
    turns: list[str] = []
    for record, dialogue in tweetsumm_dialogues(data_dir):
        conversation = record["conversation_id"]
        if conversation in seen or split_of(conversation) != "train":
            continue
        seen.add(conversation)
        turns += [text for speaker, text in dialogue if speaker == "Agent"]
    return turns


def train(data_dir: Path = DEFAULT_DATA, out_dir: Path = MODELS_DIR / EMPATHY_READER,
          epochs: int = EPOCHS) -> dict:
    """Fit the reader on EPITOME's fit part, score its validation part, fit the blend's map
    on service agent turns (`service_agent_turns`), write the artefact; returns its meta."""
    import torch

    train_pairs, held_out = split_pairs(load_epitome(data_dir))
    fit, validation = split_validation(train_pairs)
    started = time.time()
    path, arrays = fit_adapters([(p.response, p.label, 1.0) for p in fit], epochs, BATCH,
                                MAX_LENGTH, LEARNING_RATE)
    meta = {**recipe(MAX_LENGTH, epochs, LEARNING_RATE, BATCH),
            "data": "EPITOME Reddit (Sharma et al. 2020), fit part of the training 80 %",
            "label": "emotional_reactions >= 1 OR interpretations >= 1 (response text only)",
            "n_fit": len(fit), "n_validation": len(validation), "n_held_out": len(held_out),
            "train_seconds": round(time.time() - started)}
    # The stored (fp16) adapters, read in float32 on every machine (as the pain teacher's
    # threshold is chosen), so that the map does not depend on the training machine's CPU.
    reader = AdaptedMiniLM(path, arrays, meta, threads=torch.get_num_threads(), bf16=False,
                           name="empathy reader")
    read = reader.score([p.response for p in validation])
    service = service_agent_turns(data_dir)
    linear = load_text_model(MODELS_DIR / "empathy")
    encoder = load_static_encoder() if linear.features.use_embedding else None
    score = score_probabilities(mixed_probabilities(linear, service, encoder), linear)
    blend = READER_WEIGHT * reader.score(service) + (1.0 - READER_WEIGHT) * score
    y = [p.label for p in validation]
    meta |= {BLEND_WEIGHT: READER_WEIGHT, BLEND_MAP: quantile_map(blend, score),
             "blend_map_fitted_on": f"{len(service)} agent turns of TweetSumm's train-part "
                                    "dialogues (flows.training.pain_data.split_of), no label",
             "validation_roc_auc": {"reader": round(float(roc_auc_score(y, read)), 4)}}
    save_adapted_minilm(out_dir, meta, arrays)
    log.info("empathy reader: %s", meta["validation_roc_auc"])
    return meta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=MODELS_DIR / EMPATHY_READER)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    meta = train(args.data, args.out, args.epochs)
    print(json.dumps({k: v for k, v in meta.items() if k != BLEND_MAP}, indent=1))


if __name__ == "__main__":
    main()

"""Distil the pain teacher into the pain student (`nlp.pain_student`).

    python -m flows.training.pain_student   # ~10 min on 2 cores, writes models/pain-student

1. The shipped teacher (`models/pain-teacher`, read as the pipeline reads it) gives its
   P(pain) for the fit parts of its sources, their sentence negatives and ~81k unlabelled
   customer texts (`flows.training.pain_student_data`).
2. The student (a width-3 convolution over the frozen `models/static-minilm` token vectors,
   mean and max pooling, a linear head) learns those P by weighted cross-entropy (the
   teacher's source weights; seeded torch on CPU).
3. On the validation parts of airline, TweetSumm and BANKING77, in the cascade the pipeline
   runs (a fast detector fitted on the fit parts, its cues): the student's band and
   threshold with the best mean macro-F1.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np

from flows.artefacts import (
    MODELS_DIR,
    PAIN_STUDENT,
    load_pain_teacher,
    load_static_encoder,
    load_text_model,
    save_pain_student,
)
from flows.evaluation.run import DEFAULT_DATA
from flows.training.pain import SENTENCE_NEGATIVE_WEIGHT, macro_f1, sentence_negatives
from flows.training.pain_data import select
from flows.training.pain_student_data import transfer_texts
from flows.training.pain_teacher import (
    BANDS,
    TEACHER_SOURCE_WEIGHTS,
    TEACHER_SOURCES,
    THRESHOLDS,
    teacher_data,
    validation_inputs,
)
from nlp.pain_student import PainStudent, token_ids
from nlp.pain_teacher import cascade_scores, needs_teacher

log = logging.getLogger(__name__)

SEED = 0
HIDDEN = 384
EPOCHS = 6
BATCH = 64
LEARNING_RATE = 2e-3
#: Unlabelled texts weigh as a labelled text; BANKING77's (queries, dropout copies) as its
#: labelled ones (`TEACHER_SOURCE_WEIGHTS`).
TRANSFER_WEIGHT = 1.0


def distillation_rows(data_dir: Path, data: dict) -> list[tuple[str, float]]:
    """(text, weight) of the fit examples of the teacher's sources, their sentence
    negatives and the transfer texts."""
    rows = []
    for source in TEACHER_SOURCES:
        fit = select(data[source], "fit")
        weight = TEACHER_SOURCE_WEIGHTS.get(source, 1.0)
        rows += [(e.text, weight) for e in fit]
        rows += [(e.text, SENTENCE_NEGATIVE_WEIGHT * weight) for e in sentence_negatives(fit)]
    small = TEACHER_SOURCE_WEIGHTS["banking77"]
    rows += [(text, TRANSFER_WEIGHT * (small if pool == "banking77" else 1.0))
             for text, pool in transfer_texts(data_dir, data)]
    return rows


def fit_student(ids: list[list[int]], targets: np.ndarray, weights: np.ndarray,
                embedding: np.ndarray, hidden: int = HIDDEN, epochs: int = EPOCHS
                ) -> dict[str, np.ndarray]:
    """Train the student on token ids against soft `targets`; returns the arrays
    `nlp.pain_student.PainStudent` reads (the two convolutions folded into one)."""
    import torch

    torch.manual_seed(SEED)
    table = torch.nn.Embedding.from_pretrained(torch.from_numpy(embedding), freeze=True)
    wide = torch.nn.Conv1d(embedding.shape[1], hidden, 3, padding=1)
    narrow = torch.nn.Conv1d(embedding.shape[1], hidden, 1)
    head = torch.nn.Linear(2 * hidden, 1)
    params = [*wide.parameters(), *narrow.parameters(), *head.parameters()]
    optimiser = torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=0.01)
    y = torch.from_numpy(targets.astype(np.float32))
    w = torch.from_numpy(weights.astype(np.float32))
    order, rng = np.arange(len(ids)), np.random.default_rng(SEED)
    for epoch in range(epochs):
        rng.shuffle(order)
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            length = max(len(ids[i]) for i in chunk)
            x = torch.zeros(len(chunk), length, dtype=torch.long)
            mask = torch.zeros(len(chunk), length, 1)
            for row, i in enumerate(chunk):
                x[row, :len(ids[i])] = torch.tensor(ids[i])
                mask[row, :len(ids[i])] = 1.0
            vectors = (table(x) * mask).transpose(1, 2)  # padding reads as zero vectors
            h = torch.relu(wide(vectors) + narrow(vectors)).transpose(1, 2)
            pooled = torch.cat([(h * mask).sum(1) / mask.sum(1), (h + (mask - 1) * 1e4).amax(1)], 1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                head(pooled).squeeze(-1), y[chunk], reduction="none")
            loss = (loss * w[chunk]).sum() / w[chunk].sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        log.info("student epoch %d: last loss %.4f", epoch + 1, float(loss))
    return {**fold_convolutions(wide, narrow),
            "head": head.weight.detach().numpy()[0].astype(np.float32),
            "head_bias": head.bias.detach().numpy().astype(np.float32)}


def fold_convolutions(wide, narrow) -> dict[str, np.ndarray]:
    """A width-3 and a width-1 `torch.nn.Conv1d` over the same input, summed, as the one
    (3 x dim, hidden) matrix `nlp.pain_student.student_logits` reads (float16) and its bias."""
    taps = wide.weight.detach().numpy()  # (hidden, dim, 3): previous, current, next token
    centre = taps[:, :, 1] + narrow.weight.detach().numpy()[:, :, 0]
    conv = np.concatenate([taps[:, :, 0].T, centre.T, taps[:, :, 2].T]).astype(np.float16)
    return {"conv": conv,
            "conv_bias": (wide.bias + narrow.bias).detach().numpy().astype(np.float32)}


def choose_band(student: PainStudent, val: dict, fast_threshold: float) -> dict:
    """The student's band and threshold: the best mean validation macro-F1 of the cascade
    over `BANDS` x `THRESHOLDS` (ties: the narrower band, the lower threshold). Returns the
    meta entries."""
    read = []
    for texts, y, quotable, cued in val.values():
        asked = np.flatnonzero(needs_teacher(quotable, cued, fast_threshold, max(BANDS)))
        p = np.zeros(len(texts))
        p[asked] = student.score([texts[i] for i in asked])
        read.append((y, quotable, cued, p))

    def mean_f1(band: float, threshold: float) -> float:
        return float(np.mean([
            macro_f1(y, np.where(cued, 1.0, cascade_scores(quotable, cued, p, fast_threshold,
                                                           band, threshold)), fast_threshold)
            for y, quotable, cued, p in read]))

    grid = {(b, t): mean_f1(b, t) for b in BANDS for t in THRESHOLDS}
    band, threshold = max(grid, key=lambda k: (round(grid[k], 6), -k[0], -k[1]))
    return {"band": band, "threshold": threshold,
            "validation_macro_f1": round(grid[band, threshold], 4),
            "validation_band_grid": {f"{b:.2f}": round(max(grid[b, t] for t in THRESHOLDS), 4)
                                     for b in BANDS},
            "threshold_sources": list(val)}


def train(data_dir: Path = DEFAULT_DATA, out_dir: Path = MODELS_DIR / PAIN_STUDENT) -> dict:
    """Distil, choose the band and threshold on validation, write the artefact; returns its
    meta."""
    import torch

    started = time.time()
    data = teacher_data(data_dir)
    rows = distillation_rows(data_dir, data)
    texts = [text for text, _ in rows]
    teacher = load_pain_teacher()
    teacher.threads = torch.get_num_threads()
    targets = teacher.score(texts)
    log.info("teacher read %d texts in %.0f s", len(texts), time.time() - started)
    encoder = load_static_encoder()
    embedding = np.asarray(encoder.embedding, dtype=np.float32)
    arrays = fit_student(token_ids(encoder.tokenizer, texts), np.asarray(targets),
                         np.array([w for _, w in rows]), embedding)
    meta = {"hidden": HIDDEN, "epochs": EPOCHS, "batch": BATCH, "learning_rate": LEARNING_RATE,
            "seed": SEED, "texts": len(texts), "teacher_bf16": bool(teacher.bf16),
            "threshold": 0.5, "band": 0.0}
    student = PainStudent(encoder.tokenizer, embedding, arrays, meta)
    fast_threshold = float(load_text_model(MODELS_DIR / "pain-detector").meta["threshold"])
    meta.update(choose_band(student, validation_inputs(data, encoder), fast_threshold))
    meta["train_seconds"] = round(time.time() - started)
    save_pain_student(out_dir, meta, arrays)
    log.info("pain student: %s", meta)
    return meta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=MODELS_DIR / PAIN_STUDENT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    print(json.dumps(train(args.data, args.out), indent=1))


if __name__ == "__main__":
    main()

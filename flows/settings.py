"""Deployment settings (paths, schedule, batch size), from the environment (`CALLINSIGHT_*`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nlp.schema import OTHER, normalise_speaker

PACKAGE_DIR = Path(__file__).resolve().parent
SAMPLE_INPUT = PACKAGE_DIR / "sample_data" / "tweetsumm"


class Settings(BaseSettings):
    """Where to read and write, when to run, how big a batch is.

    Every field can be set as `CALLINSIGHT_<FIELD>` in the environment or in a `.env` file.
    """

    model_config = SettingsConfigDict(env_prefix="CALLINSIGHT_", env_file=".env", extra="ignore")

    input: Path = SAMPLE_INPUT
    output: Path = Path("outputs")
    batch_size: int = 500
    schedule_cron: str = "30 2 * * *"  # nightly, 02:30
    timezone: str = "UTC"
    deployment_name: str = "nightly"
    # minilm: best clusters (DSTC11 NMI 0.89), ~170 statements/s; static: model2vec, ~70k/s,
    # for very large nights (weaker clusters); hashing: no model, tests only.
    embedder: str = "minilm"
    redact_names: bool = True  # spaCy NER for people's names (patterns always run)
    # The pain teacher (models/pain-teacher) decides the turns the fast detector is unsure
    # of: +0.02-0.05 macro-F1 on all five held-out sets, ~4x slower detection in bfloat16
    # (~6x in float32; stop 23). false: its distilled student (models/pain-student) reads
    # those turns instead, at about the speed of the detector alone (stop 28).
    pain_teacher: bool = True
    # Opt-in: the empathy reader (models/empathy-minilm, MiniLM) reads every agent turn
    # beside the linear empathy model and the two are blended: EPITOME held-out ROC-AUC
    # 0.871 -> 0.894, but no better on service turns as far as we read them, and ~25% more
    # time on the sample (models/empathy/MODEL_CARD.md, "The empathy reader").
    empathy_reader: bool = False
    # The MiniLM readers (the pain teacher and the empathy reader) read in bfloat16 (~1.8x
    # faster, P within ~0.01; held-out figures as in float32) where the CPU computes it
    # natively (unset); false: always float32, e.g. for identical tables across machines;
    # true: always bfloat16 (slow where not native).
    pain_teacher_bf16: bool | None = None
    # Processes that analyse a large night's batches side by side, each with its own models
    # (two took a night of 10,284 calls from 2.1 to 3.3 GB at peak, `flows.bench.flow_scale`):
    # 0, one per core this process may use; 1, all in this process. A night of
    # fewer records than `parallel_min_records` stays in this process (loading the models
    # and the first batch in a worker take ~6 s). The tables are the same whatever the number.
    workers: int = Field(0, ge=0)
    parallel_min_records: int = Field(2000, ge=1)
    # Diarised transcripts (flows/diarised.py) label speakers, not roles, and the roles are
    # inferred from the text. A deployment that knows them (stereo recordings: the agent on
    # one channel) names them here, as JSON: '{"ch_0": "agent", "ch_1": "customer"}'. A call
    # whose speaker labels are all named takes these roles; any other is inferred.
    speaker_roles: dict[str, str] = Field(default_factory=dict)

    @field_validator("speaker_roles")
    @classmethod
    def _roles_are_roles(cls, value: dict[str, str]) -> dict[str, str]:
        """Each role is one the contract knows (`agent`, `customer` or an alias)."""
        unknown = sorted(r for r in value.values() if normalise_speaker(r) == OTHER)
        if unknown:
            raise ValueError(f"speaker_roles: not a role: {', '.join(unknown)} "
                             f"(use agent or customer)")
        return {label: normalise_speaker(role) for label, role in value.items()}

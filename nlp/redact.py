"""PII redaction of every text that leaves the pipeline (CONTRACT §2).

E-mail addresses, phone numbers, payment card numbers (Luhn-checked, or named as a card just
before: a number read out or transcribed with one digit wrong still is one), IBANs
(mod-97-checked) and people's names become `[EMAIL]`, `[PHONE]`, `[CARD]`, `[IBAN]`,
`[NAME]`. Names come from spaCy NER (PERSON), from personal @handles, from agents'
sign-off initials ("^JD"), from titles ("Frau Schneider", "Mrs. Jones") and from
self-introductions ("my name is george hall", "Mein Name ist Meier"), which the small
English NER misses in about a third of DSTC11's calls that hold one: lower-case names, and
first names alone after a greeting ("Good morning, my name is Amanda, ...").

The NER is English. In German it reads many capitalised nouns as people ("Bahn plant mehr
Baustellen" -> "Bahn plant mehr [NAME]", 9.3 PERSON entities per 100 words of GermEval), so
for texts in a `confirm_languages` language a PERSON entity is kept only when one of its
words is a known given name (`given_names`, `models/first-names`) or a title precedes it
("Herr", "Frau", "Dr." ...); self-introductions count whatever the NER says.

Text that arrives already redacted keeps its placeholders as they are ("[PII]" from Amazon
Transcribe, "[REDACTED]", "[PERSON_NAME]", our own "[NAME]"; `EXISTING_PLACEHOLDER`): they
are never redacted again, where the NER read "[PII] hi [PII]" as "[[NAME]] hi [[NAME]]".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from spacy.lang.de.stop_words import STOP_WORDS as GERMAN_STOP_WORDS
from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS
from spacy.language import Language

from nlp.pipeline import pipe_pieces

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,5}(?:[\s.-]\d{2,5}){1,4}(?!\w)"
    r"|(?<![\w+])\+\d{8,15}(?!\w)|(?<!\w)0\d{9,10}(?!\w)"
)
#: A placeholder of an upstream redaction or of ours: "[PII]" (Amazon Transcribe and
#: Contact Lens), "[REDACTED]", an entity type ("[PERSON_NAME]", "[CREDIT_CARD_NUMBER]"),
#: "[NAME]". Not any capitals in brackets: "[JOHN]" may be a name, "[GB82 WEST ...]" an IBAN.
EXISTING_PLACEHOLDER = re.compile(
    r"\[(?:PII|PCI|PHI|REDACTED|NAME|EMAIL|PHONE|CARD|IBAN|[A-Z]+(?:_[A-Z]+)+)\]")
HANDLE = re.compile(r"(?<![\w@])@(\w{1,30})")
#: An agent's sign-off at the end of a reply: "^JD", "-Kim", and since stop 13 also with
#: the reply's closing marks after it, "TY - Kelly.", "Kind regards - Ross 2/2", "- Jordan
#: (2/2)", "- Laura :)" (those kept names in 1 % of TweetSumm's agent turns).
SIGNOFF = re.compile(r"(?:\^|(?<=\s)[-~*])\s?(?!(?:Thanks|Thank|TY|Ty|Cheers|Regards)\b)"
                     r"([A-Z][A-Za-z]{0,11})"
                     r"(?:\s*(?:\.+|[:;]-?[)D]|\(?\d{1,2}/\d{1,2}\)?))*\s*$")
#: Handles of organisations, kept: they name a brand, not a person.
_BRAND_HANDLE = re.compile(
    r"(?:support|help|helps|care|cares|service|team|official|desk|_cs)$|^ask", re.IGNORECASE
)
#: Words just before a 13-19 digit number that make it a card number even when its checksum
#: fails ("my credit card number is 5445 8595 5625 5525").
_CARD_CONTEXT = re.compile(r"\b(?:card|visa|mastercard|amex|debit|credit)\b[^.!?\d]{0,25}$",
                           re.IGNORECASE)
_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}\b")
#: "my (full) name is (registered as)", "my name's", "her name is", "my son's name is",
#: "Mein Name ist", "ich heiße": the words after it, up to the first function word or
#: punctuation, are a person's name.
INTRODUCTION = re.compile(
    r"\b(?:my|his|her|their|our)(?:\s+\w+(?:'s|\u2019s))?\s+"
    r"(?:full\s+|first\s+|last\s+|legal\s+|registered\s+)?name(?:\s+in\s+its\s+"
    r"entirety)?(?:\s+is|'s|\u2019s)(?:\s+registered\s+as)?\s+"
    r"|\b(?:mein\s+(?:vor|nach)?name\s+ist|ich\s+hei(?:ß|ss)e)\s+",
    re.IGNORECASE)
_GAP = re.compile(r"[ \t]+")  # between the words of a name
#: A greeting or thanks and the capitalised word after it, which `greeted_names` redacts
#: when it is a known given name: agents greet customers by name ("Hi Helen, I'm sorry to
#: hear that", "Hey Ryan!"), which the small NER missed in 57 of 6,000 TweetSumm turns.
GREETING = re.compile(
    r"\b(?i:hi|hello|hey|hiya|dear|thanks|thank you|thx|cheers|morning|evening|afternoon)"
    r"[ \t]*,?[ \t]+([A-Z][a-z]+(?:[-'][A-Z][a-z]+)?)(?![\w'\u2019-])(?!\s+[a-z])")
#: A name that closes a clause after "sorry", "welcome", "hear (that)", "day" or after a
#: lower-case word and a comma (`greeted_names`): 24 names in TweetSumm, IBM and the airline
#: tweets the rules above left, all read as real.
VOCATIVE = re.compile(
    r"(?:(\w+),|\b(?:sorry|apologies|welcome|hear(?: that)?|day|evening|weekend|night))"
    r"[ \t]+([A-Z][a-z]+)(?=[ \t]*(?:[.!?:]|,(?![ \t]*(?:[A-Z0-9]|and\b))|$))")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
#: Words after "my name is" that describe the name, not name it ("my name is wrong on it").
_NOT_NAMES = frozenset(ENGLISH_STOP_WORDS | GERMAN_STOP_WORDS | {
    "wrong", "misspelled", "spelled", "spelt", "incorrect", "correct", "listed", "missing",
    "changed", "different", "still", "already", "also", "now", "actually", "just", "showing",
    "written", "printed", "shown", "right", "same", "attached", "linked", "registered"})
#: When spans overlap they are merged and the strongest token wins (an e-mail that a phone
#: pattern runs into must not leak its rest).
_PRIORITY = {"[EMAIL]": 5, "[IBAN]": 4, "[CARD]": 3, "[PHONE]": 2, "[NAME]": 1}
#: Every placeholder a redacted text can hold.
PLACEHOLDERS = tuple(_PRIORITY)

Span = tuple[int, int, str]

#: Titles of a person, in German and English. The abbreviations "Hr" and "Fr" count only
#: with their dot ("24 Hr Support" names nobody).
_TITLE_WORDS = ("Herr", "Herrn", "Frau", "Mr", "Mrs", "Ms", "Dr", "Prof")
_DOTTED_TITLE_WORDS = ("Hr", "Fr")
_TITLE = (rf"(?:(?:{'|'.join(_TITLE_WORDS)})\.?|(?:{'|'.join(_DOTTED_TITLE_WORDS)})\.)")
#: A title word in (or a title just before) an entity makes it a person in any language.
_TITLES = frozenset(w.lower() for w in _TITLE_WORDS + _DOTTED_TITLE_WORDS)
_TITLE_BEFORE = re.compile(rf"\b{_TITLE}\s*$")
#: Payment brands and currencies that the small English NER tags as people ("Visa and
#: Mastercard" -> "[NAME] and [NAME]": 57 of BANKING77's 75 texts with a PERSON entity,
#: which holds no person). An entity made only of these words (and "pay", "card", "ATM")
#: is no name.
_NOT_PEOPLE = frozenset({"mastercard", "visa", "amex", "paypal", "venmo", "zelle", "maestro",
                         "google", "apple", "samsung", "euro", "euros"})
_PAYMENT_WORDS = frozenset({"pay", "card", "cards", "atm"})
#: A title and the capitalised words after it: "Frau Schneider", "Herrn Dr. Meier",
#: "Mrs. Jones" (the name itself is redacted, the title kept).
TITLED_NAME = re.compile(
    rf"\b{_TITLE}[ \t]+((?:Dr\.?[ \t]+)?"
    r"[A-ZÄÖÜ][^\W\d_]+(?:['\u2019-][^\W\d_]+)*(?:[ \t]+[A-ZÄÖÜ][^\W\d_]+)?)")


def luhn_valid(digits: str) -> bool:
    """Check a card number's Luhn checksum."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """Check an IBAN's ISO 13616 mod-97 checksum."""
    compact = iban.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def find_pattern_spans(text: str) -> list[Span]:
    """Find e-mail, IBAN, card, phone, handle and sign-off spans with regexes."""
    spans: list[Span] = [(m.start(), m.end(), "[EMAIL]") for m in EMAIL.finditer(text)]
    spans += [(m.start(), m.end(), "[IBAN]") for m in IBAN.finditer(text) if iban_valid(m[0])]
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m[0])
        if 13 <= len(digits) <= 19 and (luhn_valid(digits)
                                        or _CARD_CONTEXT.search(text, 0, m.start())):
            spans.append((m.start(), m.end(), "[CARD]"))
    for m in PHONE.finditer(text):
        if 9 <= sum(c.isdigit() for c in m[0]) <= 15 and not _DATE_START.match(m[0]):
            spans.append((m.start(), m.end(), "[PHONE]"))
    spans += [(m.start(), m.end(), "[NAME]") for m in HANDLE.finditer(text)
              if not _BRAND_HANDLE.search(m[1])]
    spans += [(m.start(1), m.end(1), "[NAME]") for m in SIGNOFF.finditer(text)]
    spans += introduced_names(text)
    spans += [(m.start(1), m.end(1), "[NAME]") for m in TITLED_NAME.finditer(text)]
    return spans


def greeted_names(text: str, given_names: frozenset[str]) -> list[Span]:
    """Spans of the known given names a reply addresses: right after a greeting or thanks
    ("Hi Iain, we are aware", "Hello, Grant. Yes"; capitalised, not followed by a lower-case
    word, so "Thanks Will do" is left alone), or closing a clause after "sorry", "welcome"
    or a comma ("Sorry to hear this, Jasmin.", "for the inconvenience caused, Stephen."; not
    in a list of places: "Lebanon, Jordan, Egypt", "Herndon, Virginia, 20171")."""
    spans = [(m.start(1), m.end(1), "[NAME]") for m in GREETING.finditer(text)
             if m[1].lower() in given_names]
    spans += [(m.start(2), m.end(2), "[NAME]") for m in VOCATIVE.finditer(text)
              if m[2].lower() in given_names and not (m[1] and m[1][0].isupper())]
    return spans


def introduced_names(text: str, max_words: int = 3) -> list[Span]:
    """Spans of the names speakers give for themselves ("my name is George Hall").

    Up to `max_words` words after the introduction, stopping at punctuation or at a function
    word ("... is Amanda, I want", "... is george hall and i"). In a text with capitals only
    capitalised words count, so "my name is Ann and" stops at "and" and "my name is on the
    account" names nobody.
    """
    cased = any(c.isupper() for c in text) and any(c.islower() for c in text)
    spans: list[Span] = []
    for intro in INTRODUCTION.finditer(text):
        pos, end = intro.end(), None
        for _ in range(max_words):
            word = _NAME_WORD.match(text, pos)
            if (word is None or word[0].lower() in _NOT_NAMES
                    or (cased and not word[0][0].isupper())):
                break
            end = word.end()
            gap = _GAP.match(text, end)
            if gap is None:
                break
            pos = gap.end()
        if end is not None:
            spans.append((intro.end(), end, "[NAME]"))
    return spans


def entity_words(entity: str) -> set[str]:
    """The lower-case words of an NER entity ("Herrn Dr. Meier" -> herrn, dr, meier)."""
    return {w.lower() for w in _NAME_WORD.findall(entity)}


def is_brand(entity: str) -> bool:
    """Whether an NER "person" is a payment brand or currency ("Mastercard", "Google Pay",
    "Euros"), not a name."""
    words = entity_words(entity)
    return bool(words & _NOT_PEOPLE) and words <= _NOT_PEOPLE | _PAYMENT_WORDS


def _visible(token) -> str:
    """A token's text without invisible format characters (a zero-width space pasted before
    a word)."""
    return "".join(c for c in token.text if unicodedata.category(c) != "Cf")


def _capital_word(token) -> bool:
    """A word written in capitals that is no English stop word ("BASHID", not "I" or "IS");
    invisible format characters do not count (`_visible`)."""
    word = _visible(token)
    return (word.isalpha() and len(word) >= 2 and word.isupper()
            and word.lower() not in ENGLISH_STOP_WORDS)


def capitals_around(doc, entity) -> tuple[int, int]:
    """The character span of an NER entity, widened over the capitalised words next to it
    when it is written in capitals itself: of "attachment for NAEEM BASHID KHAN" the small
    English NER marks only "KHAN", which left the first and middle name readable. An entity
    of shouted words ("EMERGENCY" in "EMERGENCY CALLS ONLY") widens over the shouting."""
    words = [t for t in entity if _visible(t).isalpha()]
    if not words or not all(_capital_word(t) for t in words):
        return entity.start_char, entity.end_char
    start, end = entity.start, entity.end
    while start > 0 and _capital_word(doc[start - 1]):
        start -= 1
    while end < len(doc) and _capital_word(doc[end]):
        end += 1
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)


def outside_placeholders(text: str, spans: Iterable[Span]) -> list[Span]:
    """`spans` cut around the placeholders already in `text` (`[PII]`, `[NAME]`): what an
    earlier redaction replaced stays as it wrote it, and the rest of a span that runs into
    one ("Sarah [PII]") is still redacted."""
    kept = [(m.start(), m.end()) for m in EXISTING_PLACEHOLDER.finditer(text)]
    if not kept:
        return list(spans)
    out = []
    for start, end, token in spans:
        pieces = [(start, end)]
        for k_start, k_end in kept:
            pieces = [part for a, b in pieces
                      for part in ((a, min(b, k_start)), (max(a, k_end), b)) if part[0] < part[1]]
        for a, b in pieces:
            piece = text[a:b]
            if any(c.isalnum() for c in piece):
                a += len(piece) - len(piece.lstrip())
                out.append((a, a + len(piece.strip()), token))
    return out


def apply_spans(text: str, spans: Iterable[Span]) -> str:
    """Replace spans by their tokens; overlapping spans merge, the strongest token wins."""
    chosen: list[Span] = []
    for start, end, token in sorted(spans, key=lambda s: (s[0], -s[1])):
        if chosen and start < chosen[-1][1]:
            prev_start, prev_end, prev_token = chosen[-1]
            strongest = max(prev_token, token, key=_PRIORITY.__getitem__)
            chosen[-1] = (prev_start, max(prev_end, end), strongest)
            continue
        chosen.append((start, end, token))
    out, pos = [], 0
    for start, end, token in chosen:
        out += [text[pos:start], token]
        pos = end
    out.append(text[pos:])
    return "".join(out)


class Redactor:
    """Redacts PII from batches of texts.

    Args:
        ner: a spaCy pipeline with an `ner` component (see `build_redaction_nlp`), or None to
            redact with patterns only.
        batch_size: `nlp.pipe` batch size.
        given_names: lower-case given names that confirm a PERSON entity in a text of a
            `confirm_languages` language; empty: every PERSON entity counts.
        confirm_languages: languages (ISO 639-1) whose PERSON entities need confirming.
    """

    def __init__(self, ner: Language | None = None, batch_size: int = 256,
                 given_names: frozenset[str] = frozenset(),
                 confirm_languages: tuple[str, ...] = ("de",)) -> None:
        self.ner = ner
        self.batch_size = batch_size
        self.given_names = given_names
        self.confirm_languages = confirm_languages if given_names else ()

    def redact_many(self, texts: list[str], languages: list[str] | None = None) -> list[str]:
        """Redact every text; the result has one string per input, in order.

        `languages`: each text's language (its call's), or None when unknown (every PERSON
        entity counts).
        """
        spans = [find_pattern_spans(t) for t in texts]
        if self.given_names:
            for text, text_spans in zip(texts, spans, strict=True):
                text_spans += greeted_names(text, self.given_names)
        if self.ner is not None:
            # Only texts with a capital letter can hold a name NER would find.
            todo = [i for i, t in enumerate(texts) if any(c.isupper() for c in t)]
            read = pipe_pieces(self.ner, (texts[i] for i in todo), batch_size=self.batch_size)
            for i, pieces in zip(todo, read, strict=True):
                confirm = languages is not None and languages[i] in self.confirm_languages
                spans[i] += [
                    (offset + start, offset + end, "[NAME]")
                    for offset, doc in pieces for e in doc.ents
                    if e.label_ == "PERSON" and not is_brand(e.text)
                    and (not confirm or self._is_person(texts[i], offset + e.start_char,
                                                        e.text))
                    for start, end in [capitals_around(doc, e)]]
        return [apply_spans(t, outside_placeholders(t, s))
                for t, s in zip(texts, spans, strict=True)]

    def _is_person(self, text: str, start: int, entity: str) -> bool:
        """A word of the entity is a given name or a title, or a title comes just before."""
        words = entity_words(entity)
        return (bool(words & self.given_names) or bool(words & _TITLES)
                or _TITLE_BEFORE.search(text, 0, start) is not None)

    def redact(self, text: str) -> str:
        """Redact one text."""
        return self.redact_many([text])[0]

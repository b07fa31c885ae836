"""Unit tests for nlp.redact: pattern redaction, NER names, overlap resolution."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.pipeline import build_redaction_nlp
from nlp.redact import EMAIL, Redactor, apply_spans, iban_valid, luhn_valid

PATTERNS = Redactor()


@pytest.fixture(scope="module")
def ner_redactor() -> Redactor:
    return Redactor(build_redaction_nlp())


@pytest.mark.parametrize(("value", "token"), [
    ("john.doe+cs@example.co.uk", "[EMAIL]"),
    ("+44 20 7946 0958", "[PHONE]"),
    ("(555) 123-4567", "[PHONE]"),
    ("555-123-4567", "[PHONE]"),
    ("4111 1111 1111 1111", "[CARD]"),
    ("4111-1111-1111-1111", "[CARD]"),
    ("DE89 3704 0044 0532 0130 00", "[IBAN]"),
    ("GB82 WEST 1234 5698 7654 32", "[IBAN]"),
    ("DE89370400440532013000", "[IBAN]"),
])
def test_redact_pattern_pii_is_replaced_by_its_token(value, token):
    assert PATTERNS.redact(f"You can reach it at {value} today.") == \
        f"You can reach it at {token} today."


def test_redact_checksums():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("DE89 3704 0044 0532 0130 00")
    assert not iban_valid("DE89 3704 0044 0532 0130 01")
    assert not iban_valid("DE89")


def test_redact_luhn_invalid_card_is_kept():
    text = "Order ref 4111 1111 1111 1112 please."
    assert PATTERNS.redact(text) == text


@pytest.mark.parametrize("iban", ["DE89 3704 0044 0532 0130 01", "GB82 WEST 1234 5698 7654 33"])
def test_redact_invalid_iban_is_not_an_iban(iban):
    assert "[IBAN]" not in PATTERNS.redact(f"iban {iban} ok")


@pytest.mark.xfail(strict=True, reason="bug: a mod-97-invalid IBAN is not left alone; its digit "
                   "tail is redacted as [PHONE] (14 digits) or, when Luhn-valid by chance, [CARD]")
@pytest.mark.parametrize("iban", ["DE89 3704 0044 0532 0130 01", "GB82 WEST 1234 5698 7654 33"])
def test_redact_invalid_iban_is_left_intact(iban):
    text = f"iban {iban} ok"
    assert PATTERNS.redact(text) == text


def test_redact_personal_handle_but_not_brand_handle():
    out = PATTERNS.redact("@johnsmith1 @AppleSupport @AmazonHelp @Delta_cs thanks")
    assert out == "[NAME] @AppleSupport @AmazonHelp @Delta_cs thanks"


@pytest.mark.xfail(strict=True, reason="weakness: _BRAND_HANDLE is an unanchored substring test, "
                   "so personal handles containing care/team/help... ('@careyjones') are kept")
def test_redact_personal_handle_containing_brand_word():
    assert PATTERNS.redact("@careyjones thanks") == "[NAME] thanks"


def test_redact_email_is_not_mistaken_for_a_handle():
    assert PATTERNS.redact("write to jo@example.com") == "write to [EMAIL]"


@pytest.mark.parametrize(("text", "expected"), [
    ("Please DM us your order number. ^JD", "Please DM us your order number. ^[NAME]"),
    ("We are on it! -Kim", "We are on it! -[NAME]"),
])
def test_redact_signoff_initials(text, expected):
    assert PATTERNS.redact(text) == expected


@pytest.mark.parametrize("text", [
    "Your order shipped on 2021-10-11.",
    "The store opens at 10:30 tomorrow.",
    "It was 11.10.2021 at 10:30, order 123456789.",
])
def test_redact_dates_times_and_short_numbers_are_kept(text):
    assert PATTERNS.redact(text) == text


@pytest.mark.xfail(strict=True, reason="bug: PHONE reads a date followed by a time "
                   "('2021-10-11 10:30') as four digit groups with 10 digits -> '[PHONE]:30'")
def test_redact_date_followed_by_time_is_kept():
    text = "Tweeted 2021-10-11 10:30 about it."
    assert PATTERNS.redact(text) == text


def test_redact_person_name_with_ner(ner_redactor):
    out = ner_redactor.redact("Hi Sarah Connor, thanks for waiting")
    assert "Sarah" not in out and "Connor" not in out
    assert out == "Hi [NAME], thanks for waiting"


def test_redact_many_keeps_order_and_combines_ner_with_patterns(ner_redactor):
    texts = ["no capitals here, mail a@b.co", "Hi Sarah Connor, call 555-123-4567", ""]
    assert ner_redactor.redact_many(texts) == [
        "no capitals here, mail [EMAIL]", "Hi [NAME], call [PHONE]", "",
    ]


def test_redact_apply_spans_overlaps_resolve_to_earliest_then_longest():
    text = "abcdefghij"
    assert apply_spans(text, []) == text
    assert apply_spans(text, [(2, 4, "[X]"), (0, 1, "[Y]")]) == "[Y]b[X]efghij"
    # Same start: the longest wins.
    assert apply_spans(text, [(2, 4, "[S]"), (2, 8, "[L]")]) == "ab[L]ij"
    # Overlapping later span is dropped, even if longer.
    assert apply_spans(text, [(1, 4, "[A]"), (3, 10, "[B]")]) == "a[A]efghij"
    # Adjacent spans both apply.
    assert apply_spans(text, [(0, 2, "[A]"), (2, 4, "[B]")]) == "[A][B]efghij"


@pytest.mark.xfail(strict=True, reason="bug: apply_spans keeps the earliest of overlapping "
                   "spans, so a phone or handle that overlaps an e-mail's local part wins and "
                   "the rest of the e-mail address leaks ('[PHONE]-jane@example.com')")
@pytest.mark.parametrize("text", ["555 123 4567-jane@example.com", "@bob.smith@example.com"])
def test_redact_overlapping_span_does_not_leak_email(text):
    assert EMAIL.search(PATTERNS.redact(text)) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_redact_never_raises_on_arbitrary_text(text):
    out = PATTERNS.redact(text)
    assert isinstance(out, str)
    if not EMAIL.search(text):
        # Nothing to leak; a text without PII-looking digits or '@' is unchanged.
        if "@" not in text and not any(c.isdigit() for c in text):
            assert out == text


PIECES = st.one_of(
    st.emails(),
    st.sampled_from(["hello", "my", "order", "+44 20 7946 0958", "555-123-4567", "@johnsmith",
                     "4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32", "2021-10-11", "10:30",
                     "Thanks!", "^JD", "(555) 123-4567", "x"]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=8), st.sampled_from([" ", "\n", ", ", " - "]))
def test_redact_output_has_no_email(pieces, sep):
    out = PATTERNS.redact(sep.join(pieces))
    assert EMAIL.search(out) is None, out

"""Labelled examples for the pain-point detector and categoriser, from ../shared/data only.

Three sources, each turned into `PainExample`s with a stable id and a deterministic split:

* `airline`: Twitter US Airline Sentiment. negative -> pain, neutral/positive -> not pain;
  the negative reason, mapped onto the taxonomy by `AIRLINE_REASON_TO_CATEGORY`, is the
  category.
* `tweetsumm`: customer sentences of the 857 TweetSumm dialogues with text. Weak labels:
  a sentence that at least 2 of the 3 human extractive summaries select (the customer's issue
  statement) and that does not read clearly positive (VADER < 0.5) -> pain; a sentence no
  annotator selects, with no complaint cue and not reading negative (VADER > -0.05) -> not
  pain; the rest is left out. The category is the v1 rule category of the customers' part
  of the human abstractive summaries (majority of the annotators), so it comes from what
  people wrote about the issue.
* `swisscom`: English chatbot messages with churn intent; churn=1 -> pain, `cancellation`
  (churn=0 messages are mostly about joining a brand, not neutral service talk: left out).
* `banking77`: BANKING77 train queries, labelled by intent (`BANKING77_PAIN_CATEGORY`: the
  customer reports something that went wrong, e.g. a declined or unrecognised payment, a
  card that never arrived, with the category it names; `BANKING77_NOT_PAIN_INTENTS`: how-to
  and information requests; 12 ambiguous intents, such as "pending_transfer" or
  "request_refund", left out). It teaches the factual complaints without negative words
  that tweets rarely show ("I was charged twice").

Two more intent sets are mapped the same way for evaluation (`load_intent_tests`):
MultiDoGO's test turns and DSTC11's development turns, domains the fast detector never trains
on. The categoriser also learns from MultiDoGO's *train* turns of pain intents
(`load_multidogo(..., "train")`): broken phones and software, lost cards, disputed charges,
closed accounts, the device and app defects that no other source names. The pain teacher
learns from a sample of its train turns (`load_multidogo_sample`); DSTC11 trains nothing.

Splits: `split_of(group_id)` hashes an id with SHA-1: 80 % train, 20 % test; inside train,
`is_validation` carves 20 % for model selection. TweetSumm splits by conversation, so no
dialogue has sentences on both sides.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from flows.training.splits import hash_prefix
from nlp.pain_points import categorise
from nlp.pipeline import build_nlp, split_sentences
from nlp.sentiment import count_complaint_cues

if TYPE_CHECKING:
    from spacy.language import Language

#: Airline negative reasons -> taxonomy (nlp.patterns.PAIN_CATEGORIES). Why each:
AIRLINE_REASON_TO_CATEGORY: dict[str, str] = {
    # The customer's time is the harm (delays, queues): waiting and response time.
    "Late Flight": "waiting",
    "longlines": "waiting",
    # The service itself failed or was poor (no flight, bad seat/wifi/food): a service
    # defect, not the customer's churn threat (`cancellation` means the customer leaves).
    "Cancelled Flight": "defect_outage",
    "Bad Flight": "defect_outage",
    # The carrier lost or damaged goods it was carrying for the customer: delivery and
    # shipping (a damaged *product* would be a defect; damaged *luggage* is mishandling).
    "Lost Luggage": "delivery",
    "Damaged Luggage": "delivery",
    # Complaints about people and their help: agent conduct or knowledge.
    "Customer Service Issue": "agent_conduct",
    "Flight Attendant Complaints": "agent_conduct",
    # Booking, rebooking, seats and their rules: policy and process friction.
    "Flight Booking Problems": "policy_process",
    "Can't Tell": "other",
}

#: BANKING77 intents where the customer reports that something went wrong -> pain, with the
#: taxonomy category each one names (unrecognised payments are unexpected charges: billing;
#: a lost or compromised card, a forgotten passcode lock the customer out: account access;
#: failed or declined payments: a service defect; money not yet arrived: waiting). A lost
#: or stolen phone names no category (None: pain, but not a categoriser example; mapped to
#: account access it taught "phone" -> account access, and MultiDoGO's broken phones went
#: from 52 of 83 to 21 of 107 defect_outage).
BANKING77_PAIN_CATEGORY: dict[str, str | None] = {
    **dict.fromkeys([
        "card_payment_fee_charged", "cash_withdrawal_charge", "extra_charge_on_statement",
        "transfer_fee_charged", "transaction_charged_twice", "card_payment_wrong_exchange_rate",
        "wrong_exchange_rate_for_cash_withdrawal", "direct_debit_payment_not_recognised",
        "card_payment_not_recognised", "cash_withdrawal_not_recognised"], "billing"),
    **dict.fromkeys(["Refund_not_showing_up", "reverted_card_payment?"], "refund"),
    "card_arrival": "delivery",
    **dict.fromkeys([
        "balance_not_updated_after_bank_transfer",
        "balance_not_updated_after_cheque_or_cash_deposit",
        "transfer_not_received_by_recipient"], "waiting"),
    **dict.fromkeys([
        "card_not_working", "contactless_not_working", "virtual_card_not_working",
        "declined_card_payment", "declined_cash_withdrawal", "declined_transfer",
        "failed_transfer", "top_up_failed", "top_up_reverted", "card_swallowed",
        "wrong_amount_of_cash_received"], "defect_outage"),
    **dict.fromkeys([
        "passcode_forgotten", "pin_blocked", "unable_to_verify_identity",
        "lost_or_stolen_card", "compromised_card"], "account_access"),
    "lost_or_stolen_phone": None,
    "beneficiary_not_allowed": "policy_process",
    "terminate_account": "cancellation",
}
BANKING77_PAIN_INTENTS = frozenset(BANKING77_PAIN_CATEGORY)
#: BANKING77 intents that ask how something works or request a service -> not pain. The
#: other 12 intents mix both (a pending payment asked about or complained of): left out.
BANKING77_NOT_PAIN_INTENTS = frozenset({
    "age_limit", "apple_pay_or_google_pay", "atm_support", "automatic_top_up",
    "card_acceptance", "card_delivery_estimate", "change_pin", "country_support",
    "disposable_card_limits", "edit_personal_details", "exchange_charge", "exchange_rate",
    "exchange_via_app", "fiat_currency_support", "get_disposable_virtual_card",
    "getting_spare_card", "getting_virtual_card", "order_physical_card", "receiving_money",
    "supported_cards_and_currencies", "top_up_by_bank_transfer_charge", "top_up_by_card_charge",
    "top_up_by_cash_or_cheque", "top_up_limits", "transfer_into_account", "transfer_timing",
    "verify_my_identity", "verify_source_of_funds", "visa_or_mastercard", "why_verify_identity"})
#: Evaluation-only intent maps, same rule: (pain intent -> category, not-pain intents); the
#: rest (the greetings, confirmations and thanks of MultiDoGO, DSTC11's ResetPassword, ...)
#: left out. An insurance claim or accident has no category of its own: other.
MULTIDOGO_INTENTS = (
    {"reportlostcard": "account_access", "disputecharge": "billing",
     "reportbrokenphone": "defect_outage", "reportbrokensoftware": "defect_outage",
     "closeaccount": "cancellation", "cancelserviceintent": "cancellation"},
    frozenset({"checkbalance", "updateaddress", "transfermoney", "replacecard",
               "getproofofinsurance", "checkclaimstatus", "bookflight", "getboardingpass",
               "changeseatassignment", "getseatinfo", "orderpizzaintent", "orderdrinkintent",
               "ordersaladintent", "orderburgerintent", "orderdessertintent",
               "ordersideintent", "startserviceintent", "softwareupdate", "expensereport",
               "startorder", "getinformationintent", "viewbillsintent"}))
DSTC11_INTENTS = (
    {"ReportBillingIssue": "billing", "ReportAutomobileAccident": "other", "FileClaim": "other",
     "CancelPlan": "cancellation"},
    frozenset({"GetQuote", "PayBill", "AddDependent", "EnrollInPlan", "RequestProofOfInsurance",
               "UpdatePaymentPreference", "CheckPaymentStatus", "ChangeAddress",
               "RemoveDependent", "CreateAccount", "GetPolicyNumber", "UpdateBillingFrequency",
               "FindAgent", "CheckAccountBalance", "ChangePlan", "ChangeSecurityQuestion"}))

#: MultiDoGO train turns that the pain teacher learns from (`load_multidogo_sample`; the fast
#: detector does not): every turn of a pain intent (1,647) and this many of the 11,377 of a
#: not-pain intent, drawn with a seed (most are food orders and flight bookings).
MULTIDOGO_TEACHER_NOT_PAIN = 3000

TRAIN_SHARE = 80  # percent of ids in train
VALIDATION_SHARE = 20  # percent of train ids used for model selection


@dataclass(frozen=True, slots=True)
class PainExample:
    """One labelled text; `category` is None when the source gives none."""

    source: str
    group_id: str  # what the split hashes (a tweet, a dialogue, a message)
    text: str
    pain: int
    category: str | None = None


def _bucket(key: str, salt: str) -> int:
    return hash_prefix(key, salt, ":", "sha1", n_bytes=4) % 100


def split_of(group_id: str) -> str:
    """'train' or 'test', stable across runs and machines."""
    return "train" if _bucket(group_id, "pain-split") < TRAIN_SHARE else "test"


def is_validation(group_id: str) -> bool:
    """Whether a train id belongs to the validation part carved from train."""
    return _bucket(group_id, "pain-validation") < VALIDATION_SHARE


def select(examples: list[PainExample], part: str) -> list[PainExample]:
    """Examples of one part: 'train' (all of it), 'fit', 'validation' or 'test'."""
    if part == "test":
        return [e for e in examples if split_of(e.group_id) == "test"]
    train = [e for e in examples if split_of(e.group_id) == "train"]
    if part == "fit":
        return [e for e in train if not is_validation(e.group_id)]
    if part == "validation":
        return [e for e in train if is_validation(e.group_id)]
    if part != "train":
        raise ValueError(f"unknown part {part!r}")
    return train


def load_airline(data_dir: Path) -> list[PainExample]:
    """Airline tweets: negative -> pain (with its mapped reason), neutral/positive -> not."""
    path = data_dir / "twitter_airline_sentiment" / "Tweets.csv"
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            negative = row["airline_sentiment"] == "negative"
            category = (AIRLINE_REASON_TO_CATEGORY.get(row["negativereason"], "other")
                        if negative else None)
            out.append(PainExample("airline", f"airline:{row['tweet_id']}", row["text"],
                                   int(negative), category))
    return out


def load_swisscom(data_dir: Path) -> list[PainExample]:
    """English chatbot messages with churn intent -> pain, `cancellation`."""
    path = data_dir / "swisscom_churn_intent" / "EN_chatbot.csv"
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.reader(f, delimiter="\t")):
            if len(row) >= 4 and row[3].strip() == "1":
                out.append(PainExample("swisscom", f"swisscom:{i}", row[0], 1, "cancellation"))
    return out


def load_banking77(data_dir: Path) -> list[PainExample]:
    """BANKING77 train queries of the mapped intents; copies of a query (any case or
    spacing) share one group, so they stay on one side of the split."""
    path = data_dir / "banking77" / "train.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = [(" ".join(row["text"].lower().split()), row["text"], row["category"])
                for row in csv.DictReader(f)]
    return _mapped("banking77", rows, (BANKING77_PAIN_CATEGORY, BANKING77_NOT_PAIN_INTENTS))


def _mapped(source: str, rows: list[tuple[str, str, str]],
            intents: tuple[dict[str, str | None], frozenset[str]]) -> list[PainExample]:
    """(group key, text, intent) rows of the mapped intents as examples: pain when the intent
    is in the pain map (its category the map's value), not pain when in the other set."""
    pain, not_pain = intents
    return [PainExample(source, f"{source}:{key}", text, int(intent in pain), pain.get(intent))
            for key, text, intent in rows if intent in pain or intent in not_pain]


def load_multidogo(data_dir: Path, split: str) -> list[PainExample]:
    """MultiDoGO turns of one paper split (`train`, `dev`, `test`; six domains) whose intent
    `MULTIDOGO_INTENTS` maps, grouped by conversation."""
    turns = []
    folder = data_dir / "multidogo" / "paper_splits" / "splits_annotated_at_turn_level"
    for path in sorted(folder.glob(f"*/{split}.tsv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                turns.append((f"{path.parent.name}:{row['conversationId']}", row["utterance"],
                              (row["intent"] or "").strip()))
    return _mapped("multidogo", turns, MULTIDOGO_INTENTS)


def load_multidogo_sample(data_dir: Path, not_pain: int = MULTIDOGO_TEACHER_NOT_PAIN,
                          seed: int = 0) -> list[PainExample]:
    """MultiDoGO's train turns of pain intents, and `not_pain` of its not-pain turns drawn
    with `seed`: the pain teacher's fifth source (spoken-style reports and requests of six
    service domains)."""
    examples = load_multidogo(data_dir, "train")
    negatives = [e for e in examples if not e.pain]
    random.Random(seed).shuffle(negatives)
    return [e for e in examples if e.pain] + negatives[:not_pain]


def load_intent_tests(data_dir: Path) -> dict[str, list[PainExample]]:
    """Pain labels from intents of domains the fast detector never trains on: MultiDoGO
    test turns (six domains; the pain teacher learns from a sample of its train turns) and
    DSTC11 development turns (insurance calls; no model trains on them)."""
    dstc = data_dir / "dstc11_natcs_intents" / "development" / "test-utterances.jsonl"
    with dstc.open(encoding="utf-8") as f:
        utterances = [json.loads(line) for line in f if line.strip()]
    return {
        "multidogo test intents": load_multidogo(data_dir, "test"),
        "dstc11 development intents": _mapped(
            "dstc11", [(str(i), u["utterance"], u["intent"]) for i, u in enumerate(utterances)],
            DSTC11_INTENTS),
    }


def tweetsumm_turns(data_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """conversation id -> [(speaker, text)] from Laradji's reconstruction of the texts."""
    doc = json.loads((data_dir / "tweetsumm" / "dialog_text_laradji" / "twitter.json")
                     .read_text(encoding="utf-8"))
    out = {}
    for document in doc["document"]:
        lines = document.split("\n")
        turns = [tuple(line.split("\t")[1:3]) for line in lines[1:] if line.count("\t") >= 2]
        out[lines[0].strip()] = [(s.rstrip(":"), t) for s, t in turns]
    return out


def _summary_category(annotations: list[dict]) -> str | None:
    """Majority v1 rule category of the customers' part of the abstractive summaries."""
    votes = Counter()
    for ann in annotations:
        customer_part = " ".join(s for s in ann.get("abstractive") or []
                                 if not s.lower().lstrip().startswith(("agent", "the agent")))
        category = categorise(customer_part)
        if category:
            votes[category] += 1
    if not votes:
        return None
    category, n = votes.most_common(1)[0]
    return category if n >= 2 else None


def tweetsumm_dialogues(data_dir: Path) -> Iterator[tuple[dict, list[tuple[str, str]]]]:
    """Each TweetSumm record (train, valid and test files) whose dialogue text exists and has
    one turn per tweet, with those turns (speaker, text)."""
    texts = tweetsumm_turns(data_dir)
    for name in ("train", "valid", "test"):
        path = data_dir / "tweetsumm" / f"final_{name}_tweetsum.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            turns = texts.get(record["conversation_id"])
            if turns is not None and len(turns) == len(record["tweet_ids_sentence_offset"]):
                yield record, turns


def customer_sentences(record: dict, turns: list[tuple[str, str]]
                       ) -> Iterator[tuple[int, int, int, int]]:
    """(turn index, start, end, annotators whose extractive summary chose it) per customer
    sentence of a TweetSumm dialogue."""
    votes = Counter((e["tweet_id"], e["sentence_offset"].replace(" ", ""))
                    for ann in record["annotations"] for e in ann.get("extractive") or [])
    for index, (tweet, (speaker, _)) in enumerate(
            zip(record["tweet_ids_sentence_offset"], turns, strict=True)):
        if speaker == "Customer":
            for offset in tweet["sentence_offsets"]:
                start, end = json.loads(offset)
                yield index, start, end, votes[(tweet["tweet_id"], offset.replace(" ", ""))]


def load_tweetsumm(data_dir: Path) -> list[PainExample]:
    """Customer sentences of TweetSumm with weak pain labels (see the module docstring)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    out: list[PainExample] = []
    for record, turns in tweetsumm_dialogues(data_dir):
        out += _label_dialogue(record, turns, vader)
    return out


def _label_dialogue(record: dict, turns: list[tuple[str, str]], vader) -> list[PainExample]:
    cid = record["conversation_id"]
    category = _summary_category(record["annotations"])
    out = []
    for index, start, end, n in customer_sentences(record, turns):
        sentence = turns[index][1][start:end].strip()
        if len(sentence) < 8:
            continue
        compound = vader.polarity_scores(sentence)["compound"]
        if n >= 2 and compound < 0.5:
            out.append(PainExample("tweetsumm", f"tweetsumm:{cid}", sentence, 1, category))
        elif n == 0 and compound > -0.05 and not count_complaint_cues(sentence):
            out.append(PainExample("tweetsumm", f"tweetsumm:{cid}", sentence, 0))
    return out


def load_all(data_dir: Path) -> dict[str, list[PainExample]]:
    """Every source's examples, by source name."""
    return {"airline": load_airline(data_dir), "tweetsumm": load_tweetsumm(data_dir),
            "swisscom": load_swisscom(data_dir), "banking77": load_banking77(data_dir)}


@cache
def _sentence_nlp() -> Language:
    return build_nlp()


def sentence_spans(texts: list[str]) -> list[list[tuple[int, int]]]:
    """Sentence spans as the pipeline splits them (for scoring whole texts sentence by sentence)."""
    return split_sentences(_sentence_nlp(), texts)

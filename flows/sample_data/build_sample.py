#!/usr/bin/env python3
"""Build the bundled TweetSumm sample corpus in callinsight's canonical JSONL format.

Reads the 857 real Twitter customer-care dialogues of TweetSumm (dialogue text as
reconstructed in IssamLaradji/chat_summarization_tutorial, ``data/twitter.json``) and
writes one gzip-compressed JSON Lines file per synthetic night::

    <out>/<YYYY-MM-DD>/calls.jsonl.gz

Everything is deterministic (SHA-256 of the call id, no clock, gzip mtime=0), so a rebuild
from the same source file is byte-identical. Standard library only.

Usage (from the repository root)::

    python flows/sample_data/build_sample.py \
        --src ../shared/data/tweetsumm/dialog_text_laradji/twitter.json \
        --out flows/sample_data/tweetsumm

Optionally ``--fixtures tests/data`` also regenerates the small test fixtures
(``sample_slice/`` and ``bad_records/``) from the generated nights.

See flows/sample_data/README.md and flows/sample_data/tweetsumm/LICENSE.md for the
licence (CC BY-NC-SA 4.0: non-commercial, share-alike) and what was changed.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import hashlib
import html
import json
import re
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SRC = (
    REPO_ROOT / ".." / "shared" / "data" / "tweetsumm" / "dialog_text_laradji" / "twitter.json"
)
DEFAULT_OUT = REPO_ROOT / "flows" / "sample_data" / "tweetsumm"

NIGHTS = ("2026-11-24", "2026-11-25", "2026-11-26")
DAY_START_S = 7 * 3600  # 07:00:00 UTC
DAY_SPAN_S = 14 * 3600  # up to 20:59:59 UTC
AGENT_POOL = 6
ID_PREFIX = "tws-"
EXPECTED_DIALOGUES = 857

# A turn starts at the beginning of the body or after a newline with "\tCustomer:\t" /
# "\tAgent:\t". Turn texts may themselves contain newlines (multi-line tweets).
TURN_RE = re.compile(r"(?:^|\n)\t(Customer|Agent):\t")
SPEAKERS = {"Customer": "customer", "Agent": "agent"}

# @mentions; anonymised customer handles in twcs are numeric (@135060), brand handles
# contain letters (@AppleSupport, @O2, @British_Airways).
MENTION_RE = re.compile(r"(?<![\w@])@(\w{1,30})", re.ASCII)

# Twitter-care sign-offs at the end of an agent tweet: "^JD", "-Mike", "- Mike", "--KR",
# "*TJ", "*MikeRice", "~AB", "/JP", "^mm", "Thanks-Sha". Trailing URLs and thread counters
# ("2/2", "(1/2)") are ignored. Plain names without a marker ("Thanks, Calum") are not used.
TRAILER_RE = re.compile(r"(?:\s*(?:https?://\S+|\(?\d+/\d+\)?))+\s*$")
SIGNATURE_RE = re.compile(
    r"(?:"
    r"\^\s?(?P<caret>[A-Z][A-Za-z]{0,19}|[a-z]{2,4})"  # ^JD, ^Raj, ^TOwo, ^mm (any context)
    r"|(?:(?<=\s)|(?<=[.!?)])|(?<=Thanks)|(?<=Cheers))"  # other markers: after a space,
    r"(?:[*~/]|[-\u2013\u2014]{1,2}\s?)"  # a sentence end or a closing "Thanks"
    r"(?P<other>[A-Z][A-Za-z]{0,19})"
    r")[.!]?$"
)


def stable_int(call_id: str, salt: str) -> int:
    """Deterministic integer from the call id (independent of PYTHONHASHSEED)."""
    digest = hashlib.sha256(f"{salt}:{call_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def parse_document(doc: str) -> tuple[str, list[dict]]:
    """Split one TweetSumm document into (conversation_id, turns), texts unchanged."""
    conv_id, sep, body = doc.partition("\n")
    conv_id = conv_id.strip()
    if not sep or not conv_id:
        raise ValueError(f"document without conversation id: {doc[:80]!r}")
    parts = TURN_RE.split(body)
    if parts[0] != "":
        raise ValueError(f"{conv_id}: text before the first turn: {parts[0][:80]!r}")
    turns = [
        {"speaker": SPEAKERS[label], "text": text}
        for label, text in zip(parts[1::2], parts[2::2], strict=True)
    ]
    if not turns:
        raise ValueError(f"{conv_id}: no turns")
    # Each turn line is newline-terminated in the source; drop only the final terminator.
    if turns[-1]["text"].endswith("\n"):
        turns[-1]["text"] = turns[-1]["text"][:-1]
    # Round-trip check: the turns must reproduce the source document exactly.
    rebuilt = (
        conv_id
        + "\n"
        + "".join(
            f"\t{'Customer' if t['speaker'] == 'customer' else 'Agent'}:\t{t['text']}\n"
            for t in turns
        )
    )
    if rebuilt != doc:
        raise ValueError(f"{conv_id}: turns do not reproduce the source document")
    # Tweets carry HTML entities (&amp; &gt;): store the text a person would read.
    return conv_id, [dict(t, text=html.unescape(t["text"])) for t in turns]


def derive_team(turns: list[dict]) -> str:
    """Brand handle the customer addresses: most-mentioned non-numeric handle, ties by first use."""
    counts: collections.Counter[str] = collections.Counter()
    first_seen: dict[str, int] = {}
    for turn in turns:
        if turn["speaker"] != "customer":
            continue
        for handle in MENTION_RE.findall(turn["text"]):
            if handle.isdigit():
                continue  # anonymised customer handle
            key = handle.lower()
            counts[key] += 1
            first_seen.setdefault(key, len(first_seen))
    if not counts:
        return "unassigned"
    return min(counts, key=lambda h: (-counts[h], first_seen[h]))


def signature(text: str) -> str | None:
    """Sign-off initials/name at the end of an agent tweet, lower case, or None."""
    stripped = TRAILER_RE.sub("", text.rstrip())
    match = SIGNATURE_RE.search(stripped)
    if not match:
        return None
    return (match.group("caret") or match.group("other")).lower()


def derive_agent(call_id: str, team: str, turns: list[dict]) -> tuple[str, bool]:
    """(agent_id, from_signature). Most frequent signature wins, ties by first use."""
    counts: collections.Counter[str] = collections.Counter()
    first_seen: dict[str, int] = {}
    for turn in turns:
        if turn["speaker"] != "agent":
            continue
        sig = signature(turn["text"])
        if sig:
            counts[sig] += 1
            first_seen.setdefault(sig, len(first_seen))
    if counts:
        best = min(counts, key=lambda s: (-counts[s], first_seen[s]))
        # Pseudonymous: a signature is often an agent's real name, which must not become an id.
        digest = hashlib.sha1(f"{team}:{best}".encode()).hexdigest()[:6]
        return f"a-{team}-{digest}", True
    n = stable_int(call_id, "agent") % AGENT_POOL + 1
    return f"a-{team}-{n:02d}", False


def started_at(call_id: str) -> str:
    night = NIGHTS[stable_int(call_id, "night") % len(NIGHTS)]
    seconds = DAY_START_S + stable_int(call_id, "time") % DAY_SPAN_S
    ts = datetime.fromisoformat(night).replace(tzinfo=UTC) + timedelta(seconds=seconds)
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_records(src: Path) -> tuple[list[dict], int]:
    data = json.loads(src.read_text(encoding="utf-8"))
    documents = data["document"] if isinstance(data, dict) else data
    records, n_signed, seen = [], 0, set()
    for doc in documents:
        conv_id, turns = parse_document(doc)
        call_id = ID_PREFIX + conv_id
        if call_id in seen:
            raise ValueError(f"duplicate conversation id {conv_id}")
        seen.add(call_id)
        team = derive_team(turns)
        agent_id, signed = derive_agent(call_id, team, turns)
        n_signed += signed
        records.append(
            {
                "call_id": call_id,
                "started_at": started_at(call_id),
                "language": "en",
                "channel": "social",
                "agent_id": agent_id,
                "team": team,
                "metadata": {"source": "tweetsumm", "conversation_id": conv_id},
                "turns": turns,
            }
        )
    records.sort(key=lambda r: (r["started_at"], r["call_id"]))
    return records, n_signed


def to_jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def write_nights(records: list[dict], out: Path) -> dict[str, list[dict]]:
    by_night: dict[str, list[dict]] = {night: [] for night in NIGHTS}
    for rec in records:
        by_night[rec["started_at"][:10]].append(rec)
    for night, recs in by_night.items():
        path = out / night / "calls.jsonl.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        # gzip.compress writes no file name and, with mtime=0, a constant header.
        path.write_bytes(gzip.compress(to_jsonl(recs), compresslevel=9, mtime=0))
    return by_night


# --------------------------------------------------------------------------- fixtures

SLICE_NIGHTS = ("2026-11-25", "2026-11-26")
SLICE_SIZE = 30
BAD_NIGHT = "2026-11-26"


def bad_record_lines(good: list[dict]) -> list[tuple[str, str]]:
    """(line, expected outcome) for tests/data/bad_records/calls.jsonl."""
    ts = f"{BAD_NIGHT}T12:00:00Z"
    hello = [
        {"speaker": "customer", "text": "My parcel still has not arrived, can you help?"},
        {"speaker": "agent", "text": "Sorry to hear that! Please DM us your order number."},
    ]

    def dump(obj: object) -> str:
        return json.dumps(obj, ensure_ascii=False)

    def call(call_id: str, **fields: object) -> dict:
        rec = {
            "call_id": call_id,
            "started_at": ts,
            "language": "en",
            "channel": "social",
            "team": "unassigned",
            "turns": hello,
        }
        rec.update(fields)
        return rec

    dup_source = good[1]
    duplicate = dict(
        dup_source,
        turns=dup_source["turns"][:2],
        metadata={"source": "bad_records", "note": "duplicate call_id"},
    )
    no_call_id = call("x")
    del no_call_id["call_id"]
    no_turns = call("bad-no-turns")
    del no_turns["turns"]
    return [
        (dump(good[0]), "good: analysed"),
        (
            '{"call_id": "bad-invalid-json", "turns": [{"speaker": "customer", "text": "hi"}',
            "quarantined: invalid JSON (truncated object)",
        ),
        (dump(good[1]), "good: analysed (first occurrence of its call_id)"),
        (
            dump(["bad-array", "a JSON array, not an object"]),
            "quarantined: record is not a JSON object (array)",
        ),
        (dump(no_call_id), "quarantined: missing call_id (call_id null in quarantine)"),
        (dump(no_turns), "quarantined: missing turns (call_id bad-no-turns)"),
        (
            dump(call("bad-turns-not-list", turns="Customer: my parcel is late")),
            "quarantined: turns is not a list (a string)",
        ),
        (dump(good[2]), "good: analysed"),
        (dump(call("bad-empty-turns", turns=[])), "quarantined: empty turns list"),
        (
            dump(
                call(
                    "bad-turn-no-speaker",
                    turns=[hello[0], {"text": "Please DM us your order number."}],
                )
            ),
            "quarantined: turn 1 has no speaker",
        ),
        (
            dump(
                call(
                    "bad-all-empty-text",
                    turns=[{"speaker": "customer", "text": ""}, {"speaker": "agent", "text": ""}],
                )
            ),
            "quarantined: empty call (every turn text is empty)",
        ),
        (dump(good[3]), "good: analysed"),
        (dump(duplicate), f"quarantined: duplicate call_id {dup_source['call_id']} (of line 3)"),
        (
            dump(call("bad-started-at", started_at="not-a-date")),
            "quarantined: started_at is not an ISO-8601 timestamp",
        ),
        (dump(good[4]), "good: analysed"),
    ]


def write_fixtures(by_night: dict[str, list[dict]], fixtures: Path, license_md: Path) -> None:
    slice_dir = fixtures / "sample_slice"
    for night in SLICE_NIGHTS:
        chosen = sorted(by_night[night], key=lambda r: r["call_id"])[:SLICE_SIZE]
        chosen.sort(key=lambda r: (r["started_at"], r["call_id"]))
        path = slice_dir / night / "calls.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(to_jsonl(chosen))
    shutil.copyfile(license_md, slice_dir / "LICENSE.md")

    good = sorted(by_night[BAD_NIGHT], key=lambda r: r["call_id"])[:5]
    lines = bad_record_lines(good)
    bad_dir = fixtures / "bad_records"
    bad_dir.mkdir(parents=True, exist_ok=True)
    (bad_dir / "calls.jsonl").write_text(
        "".join(line + "\n" for line, _ in lines), encoding="utf-8"
    )
    n_good = sum(why.startswith("good") for _, why in lines)
    rows = "\n".join(f"| {i} | {why} |" for i, (_, why) in enumerate(lines, 1))
    (bad_dir / "README.md").write_text(
        f"""# bad_records fixture

`calls.jsonl` mixes {n_good} good calls with {len(lines) - n_good} unusable records, one per
line, to test that every input record ends up either analysed or quarantined
(CONTRACT.md section 1). Expected for a run over this file: **{n_good} calls analysed,
{len(lines) - n_good} quarantine rows**, exit status 0.

| line | expected outcome and reason |
|---|---|
{rows}

Notes:
- The good calls are the first five (by `call_id`) of the {BAD_NIGHT} night of the TweetSumm
  sample (`flows/sample_data/tweetsumm/`). Their dialogue text comes from the Kaggle
  "Customer Support on Twitter" corpus by Thought Vector, licensed CC BY-NC-SA 4.0
  (non-commercial, share-alike); see `../sample_slice/LICENSE.md` for full attribution.
  The bad records' texts are invented for this fixture.
- Line 13 repeats the `call_id` of line 3 with different content: the first occurrence is
  analysed, the repeat is quarantined.
- Every record that has `started_at` is dated {BAD_NIGHT} (except line 14, whose
  `started_at` is the string `not-a-date`).
- Generated by `python flows/sample_data/build_sample.py --fixtures tests/data`; edit the
  script rather than this file.
""",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--src",
        type=Path,
        default=DEFAULT_SRC,
        help="TweetSumm dialogue text (Laradji data/twitter.json)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder; one <YYYY-MM-DD>/calls.jsonl.gz per night",
    )
    parser.add_argument(
        "--fixtures",
        type=Path,
        default=None,
        help="also write test fixtures (sample_slice/, bad_records/) here, e.g. tests/data",
    )
    args = parser.parse_args(argv)

    if not args.src.is_file():
        parser.error(f"source file not found: {args.src}")
    records, n_signed = build_records(args.src)
    if len(records) != EXPECTED_DIALOGUES:
        print(
            f"warning: expected {EXPECTED_DIALOGUES} dialogues, got {len(records)}", file=sys.stderr
        )
    by_night = write_nights(records, args.out)

    print(f"{len(records)} calls from {args.src}")
    n_pool = len(records) - n_signed
    print(f"agent_id from sign-off signature: {n_signed}; from hash pool: {n_pool}")
    print("per night:")
    for night, recs in by_night.items():
        path = args.out / night / "calls.jsonl.gz"
        print(f"  {night}  {len(recs):4d} calls  {path}  ({path.stat().st_size} bytes)")
    print("per team:")
    teams = collections.Counter(r["team"] for r in records)
    for team, n in sorted(teams.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {team:<20} {n:4d}")

    if args.fixtures is not None:
        license_md = args.out / "LICENSE.md"
        if not license_md.is_file():
            parser.error(f"{license_md} is missing; it is copied into the fixtures")
        write_fixtures(by_night, args.fixtures, license_md)
        print(f"fixtures written under {args.fixtures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

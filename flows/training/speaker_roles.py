"""Train the speaker-role model (models/speaker-roles): agent or customer, from a turn's text.

Data (`../shared/data`): every turn of the TweetSumm dialogues (Twitter customer care, 857
dialogues, `Customer` / `Agent`) and of the USS MultiWOZ dialogues (1,000 booking
dialogues, `USER` / `SYSTEM`), split by dialogue: a stable hash puts 20% of each set's
dialogues in test (`split_of`), never trained on. Handles, signatures and links are removed
first (`nlp.speaker_roles.role_text`): they name the side on Twitter and are absent from
calls. Held out beyond the two sets (`flows.evaluation.roles`): the IBM Twitter customer-care
conversations (25 brands) and the four real call transcripts of `vendor_formats`.

Run: .venv/bin/python -m flows.training.speaker_roles  (~10 s)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

from flows.artefacts import MODELS_DIR, save_text_model
from flows.runtime import configure_runtime
from flows.training.pain_data import tweetsumm_turns
from flows.training.sentiment_data import dialogue_group, uss_dialogues
from flows.training.splits import hash_prefix
from nlp.schema import AGENT, CUSTOMER
from nlp.speaker_roles import role_text
from nlp.textmodel import FeatureConfig, LinearTextModel, fit_text_model

log = logging.getLogger(__name__)

OUT_DIR = MODELS_DIR / "speaker-roles"
#: Word 1-2 grams only: no sentence encoder to load while a file is read.
FEATURES = FeatureConfig(use_embedding=False, n_hash=2**18, ngram_range=(1, 2))
C = 4.0
TEST_SHARE = 20  # percent of each set's dialogues held out
#: A dialogue: an id (what the split hashes) and its turns (role, text) in spoken order.
Dialogue = tuple[str, list[tuple[str, str]]]


def split_of(dialogue_id: str) -> str:
    """'train' or 'test', stable across runs and machines."""
    bucket = hash_prefix(dialogue_id, "roles-split", ":", "sha1", n_bytes=4) % 100
    return "test" if bucket < TEST_SHARE else "train"


def tweetsumm_role_dialogues(data_dir: Path) -> list[Dialogue]:
    """The TweetSumm dialogues whose texts exist (857), roles as written."""
    return [(cid, [(AGENT if speaker == "Agent" else CUSTOMER, text) for speaker, text in turns])
            for cid, turns in tweetsumm_turns(data_dir).items()]


def uss_role_dialogues(data_dir: Path) -> list[Dialogue]:
    """The USS MultiWOZ dialogues: USER is the customer, SYSTEM the agent."""
    out = []
    for lines in uss_dialogues(data_dir / "uss_user_satisfaction" / "MWOZ.txt"):
        turns = [(CUSTOMER if parts[0] == "USER" else AGENT, parts[1])
                 for parts in (line.split("\t") for line in lines)
                 if len(parts) >= 2 and parts[0] in ("USER", "SYSTEM")]
        if turns:
            out.append((f"uss:{dialogue_group(lines)}", turns))
    return out


def ibm_dialogues(data_dir: Path) -> list[Dialogue]:
    """IBM Twitter customer care (525 conversations): the customer's tweets with the agent's
    reply inserted where its `turn` says."""
    out = []
    path = data_dir / "ibm_twitter_customer_care" / "dev.json"
    for conversation in json.loads(path.read_text(encoding="utf-8")):
        turns = [(CUSTOMER, m["message"]) for m in conversation["dialogContent"]]
        reply = conversation["agentURL"]
        position = min(int(reply.get("turn") or len(turns)), len(turns))
        turns.insert(position, (AGENT, reply["url_utterance"]))
        out.append((conversation["dialogHeader"]["sessionID"], turns))
    return out


def turn_examples(dialogues: list[Dialogue]) -> Iterator[tuple[str, str]]:
    """(text as the model reads it, "1" for an agent's turn else "0") of every turn."""
    for _, turns in dialogues:
        for role, text in turns:
            yield role_text(text), "1" if role == AGENT else "0"


def fit_roles(dialogues: list[Dialogue], meta: dict | None = None) -> LinearTextModel:
    """The role model fitted on every turn of `dialogues` (deterministic)."""
    texts, labels = map(list, zip(*turn_examples(dialogues), strict=True))
    return fit_text_model(texts, labels, None, FEATURES, c=C, meta=meta)


def training_sets(data_dir: Path) -> dict[str, list[Dialogue]]:
    """Source name -> its dialogues (train and test parts)."""
    return {"tweetsumm": tweetsumm_role_dialogues(data_dir), "uss": uss_role_dialogues(data_dir)}


def main(data_dir: Path | None = None) -> Path:
    """Fit on the train parts of both sets and write models/speaker-roles."""
    from flows.evaluation.run import DEFAULT_DATA

    configure_runtime()
    sets = training_sets(data_dir or DEFAULT_DATA)
    train = [d for dialogues in sets.values() for d in dialogues if split_of(d[0]) == "train"]
    meta = {"trained_on": {name: sum(split_of(d[0]) == "train" for d in dialogues)
                           for name, dialogues in sets.items()},
            "turns": sum(len(turns) for _, turns in train), "c": C,
            "positive_class": "1 = agent"}
    model = fit_roles(train, meta)
    log.info("speaker roles: %d turns of %d dialogues", meta["turns"], len(train))
    return save_text_model(model, OUT_DIR)


if __name__ == "__main__":
    main()

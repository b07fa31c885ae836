"""Speaker-roles suite of `callinsight eval`: who is the agent in a transcript without roles.

Each dialogue's gold roles are hidden: its turns are labelled by role only to group them by
speaker, as a diarising service would, and `nlp.speaker_roles.assign_roles` assigns the roles
back from the shipped model's turn scores, with the reader's tie-break (below
`flows.diarised.TIE_MARGIN` the first speaker is the agent) and by the text alone. Rows give
the macro precision / recall / F1 of the roles the turns get, the ROC-AUC of the turn scores
alone, and the share of dialogues with every speaker right. Sets:
* TweetSumm and USS MultiWOZ, the 20% of dialogues the shipped model never trained on;
* never trained on: the IBM Twitter customer-care conversations (25 brands) and the four
  real call transcripts of `vendor_formats` (Amazon Transcribe Call Analytics, Connect
  Contact Lens and Post-Call Analytics with their roles; Bedrock Data Automation, whose
  `spk_1` answers as the hotel, PROVENANCE.txt);
* cross-corpus: a fresh model fitted on one set's train part, tested on the other sets;
* the baseline "the first speaker is the agent" (right for calls that the agent answers,
  wrong for tweets) on the same dialogues;
* customer turns alone, no agent beside them: the share of DSTC11's spoken insurance
  requests and of MultiDoGO's test turns (six domains) that the turn score reads as a
  customer's, spoken and chat styles the model never saw.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

from flows.artefacts import load_speaker_roles
from flows.diarised import TIE_MARGIN, diarised_call
from flows.evaluation.report import Row
from flows.training.pain_data import load_intent_tests
from flows.training.speaker_roles import (
    Dialogue,
    fit_roles,
    ibm_dialogues,
    split_of,
    training_sets,
)
from flows.vendors import vendor_call
from nlp.schema import AGENT, CUSTOMER
from nlp.speaker_roles import assign_roles, role_text
from nlp.textmodel import LinearTextModel

DETECTOR = "speaker roles"
TEXT_ONLY = "speaker roles, text alone (no tie-break)"
BASELINE = "first speaker is the agent"
REAL_CALLS = "real call transcripts (vendor_formats)"
NOTES = {REAL_CALLS: "the Post-Call Analytics file's own labels look swapped (its 'Customer' "
                     "says 'Thank you for calling ...'): scored as written"}
#: vendor_formats file -> the label its agent speaks under where the file gives no roles.
CALL_FILES = {
    "aws-transcribe-call-analytics/example-call.json": None,
    "aws-connect-contact-lens/voicefoundry_CL_sample.json": None,
    "aws-pca-parsed-output/pca-ui_testfile.json": None,
    "aws-bedrock-data-automation-audio/bda-standard.json": "spk_1",
}


def real_calls(data_dir: Path) -> list[Dialogue]:
    """The four real call transcripts of `vendor_formats` with their gold roles."""
    out = []
    for name, agent_label in CALL_FILES.items():
        path = data_dir / "vendor_formats" / name
        obj = json.loads(path.read_text(encoding="utf-8"))
        if agent_label is None:
            call = vendor_call(obj, path.stem)
            turns = [(turn["speaker"].lower(), turn["text"]) for turn in call["turns"]]
        else:
            call = diarised_call(obj, path.stem)
            turns = [(AGENT if turn["speaker"] == agent_label else CUSTOMER, turn["text"])
                     for turn in call["turns"]]
        out.append((name.split("/")[0], turns))
    return out


def score_dialogues(model: LinearTextModel, dialogues: list[Dialogue],
                    tie_margin: float = TIE_MARGIN
                    ) -> tuple[list[str], list[str], list[float], list[bool]]:
    """Gold role, assigned role and agent log-odds per turn; whether each dialogue came
    out right whole. `tie_margin` as the reader uses it (`flows.diarised.TIE_MARGIN`)."""
    gold, assigned, scores, whole = [], [], [], []
    for _, turns in dialogues:
        z = model.decision([role_text(text) for _, text in turns], None)[:, 0]
        roles = assign_roles(list(zip((role for role, _ in turns), z.tolist(), strict=True)),
                             tie_margin)
        # the gold role is the speaker label here, so a right call maps each label to itself
        gold += [role for role, _ in turns]
        assigned += [roles.roles[role] for role, _ in turns]
        scores += z.tolist()
        whole.append(all(label == role for label, role in roles.roles.items()))
    return gold, assigned, scores, whole


def roles_row(detector: str, dataset: str, split: str, gold: list[str],
              assigned: list[str], scores: list[float] | None, whole: list[bool],
              note: str = "") -> Row:
    """One row: per-turn macro P/R/F1 of the assigned roles, ROC-AUC of the turn scores."""
    p, r, f, _ = precision_recall_fscore_support(gold, assigned, average="macro",
                                                 labels=[AGENT, CUSTOMER], zero_division=0)
    y = np.array([g == AGENT for g in gold])
    auc = roc_auc_score(y, scores) if scores is not None and 0 < y.sum() < len(y) else math.nan
    return Row(detector, dataset, split, len(gold), p, r, f, auc,
               extra={"dialogues": len(whole), "all speakers right": float(np.mean(whole))},
               note=note)


def first_speaker_baseline(dialogues: list[Dialogue]) -> tuple[list[str], list[str], list[bool]]:
    """The baseline's roles: the first to speak is the agent, everyone else the customer."""
    gold, assigned, whole = [], [], []
    for _, turns in dialogues:
        first = turns[0][0]
        guess = {role: AGENT if role == first else CUSTOMER for role, _ in turns}
        gold += [role for role, _ in turns]
        assigned += [guess[role] for role, _ in turns]
        whole.append(all(label == role for label, role in guess.items()))
    return gold, assigned, whole


def evaluate(data_dir: Path) -> list[Row]:
    """Every row of the suite (see the module docstring)."""
    sets = training_sets(data_dir)
    tests = {name: [d for d in dialogues if split_of(d[0]) == "test"]
             for name, dialogues in sets.items()}
    unseen = {"ibm twitter customer care": ibm_dialogues(data_dir),
              REAL_CALLS: real_calls(data_dir)}
    held_out = "held-out 20% (dialogue hash)"
    never = "never trained on"
    model = load_speaker_roles()
    rows = []
    for dataset, dialogues, split in (
            *((name, d, held_out) for name, d in tests.items()),
            *((name, d, never) for name, d in unseen.items())):
        rows.append(roles_row(DETECTOR, dataset, split, *score_dialogues(model, dialogues),
                              note=NOTES.get(dataset, "")))
        rows.append(roles_row(TEXT_ONLY, dataset, split,
                              *score_dialogues(model, dialogues, tie_margin=0.0)))
        gold, assigned, whole = first_speaker_baseline(dialogues)
        rows.append(roles_row(BASELINE, dataset, split, gold, assigned, None, whole))
    for dataset, examples in load_intent_tests(data_dir).items():
        z = model.decision([role_text(e.text) for e in examples], None)[:, 0]
        rows.append(Row(DETECTOR + " (turn score alone)", f"{dataset}: customer turns", never,
                        len(examples), recall=float(np.mean(z < 0)),
                        note="every turn is a customer's: recall = share read as one"))
    for source, dialogues in sets.items():
        fresh = fit_roles([d for d in dialogues if split_of(d[0]) == "train"])
        targets = {**{n: d for n, d in tests.items() if n != source}, **unseen}
        for dataset, test in targets.items():
            rows.append(roles_row(DETECTOR, dataset, f"cross: train {source} -> test {dataset}",
                                  *score_dialogues(fresh, test)))
    return rows

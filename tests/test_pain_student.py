"""Tests of the pain student: its numpy reading and the shipped artefact."""

from __future__ import annotations

import numpy as np

from flows.artefacts import load_pain_student
from nlp.pain_student import PainStudent, student_logits, tap_tables


class Token:
    def __init__(self, ids: list[int]) -> None:
        self.ids = ids


class WordTokenizer:
    """One id per known word (0 for the others), like a tokenizer's `encode_batch`."""

    def __init__(self, vocabulary: list[str]) -> None:
        self.ids = {w: i for i, w in enumerate(vocabulary)}

    def encode_batch(self, texts, add_special_tokens=False):
        return [Token([self.ids.get(w, 0) for w in t.split()]) for t in texts]


def _torch_logits(ids, embedding, wide, narrow, head):
    """The training module's forward, one text at a time."""
    import torch

    out = []
    for text in ids:
        x = torch.from_numpy(embedding[text]).T.unsqueeze(0)
        h = torch.relu(wide(x) + narrow(x))[0].T
        out.append(float(head(torch.cat([h.mean(0), h.amax(0)]))[0]))
    return np.array(out)


def test_pain_student_numpy_reading_equals_the_trained_convolutions():
    import torch

    from flows.training.pain_student import fold_convolutions

    torch.manual_seed(0)
    dim, hidden = 6, 5
    wide, narrow = torch.nn.Conv1d(dim, hidden, 3, padding=1), torch.nn.Conv1d(dim, hidden, 1)
    head = torch.nn.Linear(2 * hidden, 1)
    embedding = np.random.default_rng(0).normal(size=(9, dim)).astype(np.float32)
    ids = [[1, 2, 3], [4], [5, 6, 7, 8, 1, 2], [0, 3]]
    folded = fold_convolutions(wide, narrow)
    tables = tap_tables(embedding, folded["conv"])
    numpy = student_logits(ids, tables, folded["conv_bias"],
                           head.weight.detach().numpy()[0], head.bias.item())
    with torch.no_grad():
        expected = _torch_logits(ids, embedding, wide, narrow, head)
    # The folded matrix is stored in float16.
    assert np.allclose(numpy, expected, atol=2e-2)
    # Each text is read alone: batching never lets tokens of a neighbour in.
    alone = [student_logits([i], tables, folded["conv_bias"],
                            head.weight.detach().numpy()[0], head.bias.item())[0] for i in ids]
    assert np.allclose(numpy, alone, atol=1e-5)


def test_pain_student_reads_each_token_with_its_neighbours():
    """A one-hot toy: "late" adds to the pain logit, "thanks" takes away, and the tap of the
    next token reads "late" from the word before it."""
    vocabulary = ["[PAD]", "late", "thanks", "bag"]
    conv = np.zeros((12, 3), dtype=np.float32)
    conv[4 + 1, 0] = conv[4 + 2, 1] = 1.0  # the current token: "late", "thanks"
    conv[8 + 1, 2] = 1.0  # the next token is "late"
    arrays = {"conv": conv, "conv_bias": np.zeros(3, np.float32),
              "head": np.array([0, 0, 0, 4.0, -4.0, 2.0], np.float32), "head_bias": np.zeros(1)}
    student = PainStudent(WordTokenizer(vocabulary), np.eye(4, dtype=np.float32), arrays,
                          {"band": 0.35, "threshold": 0.5})
    p = student.score(["late", "thanks", "bag late", "late bag", ""])
    assert p[0] > 0.98 and p[1] < 0.02 and p[4] == 0.5
    assert p[2] > p[3] > 0.98  # "bag" before "late" also fires the next-token tap
    assert student.texts_read == 5 and student.score([]).shape == (0,)


def test_pain_student_artefact_reads_pain_and_not_pain():
    student = load_pain_student()
    assert student is not None and 0 < student.band < 0.5
    texts = ["My flight was cancelled and nobody called me back.",
             "Thanks, have a lovely weekend!"]
    p = student.score(texts)
    assert p[0] >= student.threshold > p[1]
    assert np.array_equal(p, student.score(texts))


def test_pain_student_decides_the_turns_in_its_band_in_the_pipeline(models):
    from nlp.pain_points import PainPointConfig, detect_pain_points_batch
    from nlp.pain_teacher import needs_teacher
    from nlp.pipeline import build_nlp, split_sentences

    detector, categoriser, encoder = models
    student = load_pain_student()
    texts = ["my bag is still in denver", "the seat was fine I guess", "thanks a lot",
             "where is my refund", "is the lounge open today", "my flight got moved",
             "the app shows the old booking", "no one answers the phone"]
    spans = split_sentences(build_nlp(), texts)
    turns = [("c1", i, t, s) for i, (t, s) in enumerate(zip(texts, spans, strict=True))]
    config = PainPointConfig(cue_union=False, plain_requests=None)
    fast = detector.predict_proba(texts, encoder)[:, detector.classes.index("1")]
    inside = needs_teacher(fast, np.zeros(len(texts), bool),
                           float(detector.meta["threshold"]), student.band)
    found = detect_pain_points_batch(turns, config, detector, categoriser, encoder, student)
    assert student.texts_read == int(inside.sum()) > 0  # asked about those turns only
    p = dict(zip(texts, student.score(texts), strict=True))
    for text, in_band, points in zip(texts, inside, found, strict=True):
        if in_band:  # the student's P decides the turn
            assert bool(points) == (p[text] >= student.threshold)

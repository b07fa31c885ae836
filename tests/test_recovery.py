"""Unit tests for nlp.recovery: trajectory arithmetic and recovery moments on real snippets."""

from __future__ import annotations

import pytest

from flows.evaluation.recovery_review import choose_end_cut, half_of, read_verdicts
from nlp.analyze import CallAnalyzer
from nlp.recovery import RecoveryConfig, summarise_trajectory
from nlp.schema import AGENT, CUSTOMER, Transcript, Turn

ANALYZER = CallAnalyzer()

EMPATHETIC = ("I'm so sorry to hear that, I completely understand how frustrating this is. "
              "Let me fix this for you right away.")


def call(call_id: str, *turns: tuple[str, str]) -> Transcript:
    return Transcript(call_id, tuple(Turn(i, who, text) for i, (who, text) in enumerate(turns)))


def analyse(transcript: Transcript):
    [analysis] = ANALYZER.analyze([transcript])
    return analysis


def test_recovery_frustrated_start_empathetic_agent_happy_end_pivots_on_that_turn():
    a = analyse(call(
        "save",
        (CUSTOMER, "This is the third time I'm calling about my refund. Unacceptable."),
        (AGENT, "Can I have your order number?"),
        (CUSTOMER, "It's 12345. Still waiting for the money, nobody ever answers."),
        (AGENT, EMPATHETIC),
        (CUSTOMER, "Wow, thank you so much, that is great!"),
    ))
    r = a.recovery
    assert r is not None
    assert r.call_id == "save"
    assert r.turn_index == 3 and r.quote == EMPATHETIC
    assert r.sentiment_before < 0 < r.sentiment_after
    assert 0.0 < r.score <= 1.0
    assert a.sentiment_start < 0 < a.sentiment_end


def test_recovery_two_customer_turns_can_be_a_recovery():
    a = analyse(call(
        "short-save",
        (CUSTOMER, "This is the third time I'm calling about my refund. Unacceptable."),
        (AGENT, EMPATHETIC),
        (CUSTOMER, "Wow, thank you so much, that is great!"),
    ))
    assert a.recovery is not None


def test_recovery_none_when_happy_throughout():
    a = analyse(call(
        "happy",
        (CUSTOMER, "Hi! I love your new app, great work."),
        (AGENT, EMPATHETIC),
        (CUSTOMER, "Thanks, that's lovely."),
        (AGENT, "Happy to help!"),
        (CUSTOMER, "Wonderful, thank you so much!"),
    ))
    assert a.sentiment_start > 0
    assert a.recovery is None


def test_recovery_none_without_empathetic_agent_turn():
    a = analyse(call(
        "cold",
        (CUSTOMER, "This is the third time I'm calling about my refund. Unacceptable."),
        (AGENT, "Please DM us your order number."),
        (CUSTOMER, "It's 12345. Still waiting for the money, nobody ever answers."),
        (AGENT, "The refund was issued today."),
        (CUSTOMER, "Wow, thank you so much, that is great!"),
    ))
    assert a.sentiment_start < -0.25 and a.sentiment_trend >= 0.4  # a lift, but no empathy
    assert all((t.empathy or 0.0) < 0.5 for t in a.turns)
    assert a.recovery is None


def test_recovery_trajectory_end_weights_last_turn_twice():
    start, end, trend = summarise_trajectory([-0.8, -0.4, 0.0, 0.3, 0.9])
    assert start == pytest.approx((-0.8 + -0.4) / 2)
    assert end == pytest.approx((0.3 + 2 * 0.9) / 3)
    assert trend == pytest.approx(end - start)


def test_recovery_trajectory_single_and_empty():
    assert summarise_trajectory([]) == (None, None, None)
    assert summarise_trajectory([-0.5]) == (-0.5, -0.5, 0.0)
    # Two turns: the windows shrink to one turn each and never overlap.
    assert summarise_trajectory([-0.6, 0.6]) == (-0.6, 0.6, 1.2)
    assert summarise_trajectory([-0.6, 0.0, 0.6]) == (-0.6, 0.6, 1.2)


def test_recovery_trajectory_respects_config():
    cfg = RecoveryConfig(window=3, end_weight=3.0)
    start, end, _ = summarise_trajectory([-0.9, -0.3, 0.0, 0.6, 1.0, 1.0], cfg)
    assert start == pytest.approx(-0.4)
    assert end == pytest.approx((0.6 + 1.0 + 3 * 1.0) / 5)


def test_recovery_feeling_plus_ownership_markers_make_a_pivot():
    from nlp.recovery import is_empathetic
    from nlp.schema import Turn, TurnAnalysis

    turn = Turn(1, AGENT, "We apologise for the inconvenience, we'll get this sorted.")
    low_score = TurnAnalysis(turn, 0.0, empathy=0.2, empathy_markers=("apology", "ownership"))
    assert is_empathetic(low_score)
    apology_only = TurnAnalysis(turn, 0.0, empathy=0.2, empathy_markers=("apology",))
    assert not is_empathetic(apology_only)
    high_score = TurnAnalysis(turn, 0.0, empathy=0.7, empathy_markers=())
    assert is_empathetic(high_score)


def test_recovery_review_reads_verdicts_and_chooses_the_end_cut_on_the_other_half():
    review = ("| 1 | `tws-aa` | ✓ | stop 9 | x |\n| 2 | `tws-bb` | ✗ | stop 9 |  |\n"
              "not a table row `tws-cc` ✓\n")
    assert read_verdicts(review) == {"tws-aa": True, "tws-bb": False}
    # Ten judged recoveries per half: false ones end low, real ones end high.
    ids = [f"tws-{i:02x}" for i in range(40)]
    halves = {0: [i for i in ids if half_of(i) == 0][:10],
              1: [i for i in ids if half_of(i) == 1][:10]}
    ends, verdicts = {}, {}
    for members in halves.values():
        for k, call_id in enumerate(members):
            verdicts[call_id] = k >= 4  # 4 false, 6 real
            ends[call_id] = 0.1 if k < 4 else 0.5
    rows = choose_end_cut(ends, verdicts, cuts=(0.05, 0.2, 0.6))
    assert [r["cut"] for r in rows] == [0.2, 0.2]
    assert all(r["other at lowest"] == (6, 10) and r["other at cut"] == (6, 6) for r in rows)

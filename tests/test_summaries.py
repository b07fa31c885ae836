"""Unit tests for the team-lead summaries: customer text reaches the page as text."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.summaries import render_html, render_team_markdown, summary_stem

NIGHT = date(2026, 11, 26)
HOSTILE = "<script>alert(1)</script> see [here](http://evil.example) *now* | `x` & <b>"


def night(quote: str, label: str = "refund hasn't arrived", team: str = "care",
          agent: str = "a-1") -> dict[str, pd.DataFrame]:
    return {
        "calls": pd.DataFrame({"call_id": ["c1"], "team": [team], "pain_point_count": [1],
                               "customer_sentiment_start": [-0.6],
                               "customer_sentiment_end": [0.5], "primary_issue_id": [3],
                               "issue_match": ["known"]}),
        "pain_points": pd.DataFrame({"call_id": ["c1"], "category": ["refund"],
                                     "severity": [0.8], "quote": [quote]}),
        "recovery_moments": pd.DataFrame({"call_id": ["c1"], "team": [team],
                                          "agent_id": [agent], "score": [0.9],
                                          "sentiment_before": [-0.6],
                                          "sentiment_after": [0.5], "quote": [quote]}),
        "agent_daily": pd.DataFrame({"agent_id": [agent], "team": [team], "calls": [1],
                                     "hard_calls": [1], "recoveries": [1],
                                     "mean_empathy": [0.7], "mean_reaction": [0.6],
                                     "mean_interpretation": [0.1]}),
        "issue_daily": pd.DataFrame({"issue_id": [3], "is_new": [True], "is_growing": [False],
                                     "share": [0.05], "baseline": [0.0]}),
        "issues": pd.DataFrame({"issue_id": [3], "label": [label]}),
    }


def test_summary_shows_hostile_customer_text_as_text():
    md = render_team_markdown("care", NIGHT, night(HOSTILE, label="a | b <i>c</i>"))
    page = render_html(md, "care")
    body = page.split("<body>", 1)[1]
    assert "<script" not in body and "<a " not in body and "<b>" not in body
    assert "<i>" not in body and "<code>" not in body
    assert "*now*" in body and "`x`" in body  # Markdown in a quote stays as typed
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "[here](http://evil.example)" in body  # the words, not a link
    # the label's "|" stays inside its cell: the issue row still has 4 cells
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", body, re.S) if "a | b" in r)
    assert row.count("<td>") == 4


def test_summary_escapes_team_and_agent_names():
    md = render_team_markdown("<b>ops</b>", NIGHT, night("fine", team="<b>ops</b>",
                                                         agent="<img src=x>"))
    body = render_html(md, "<b>ops</b>").split("<body>", 1)[1]
    assert "<b>ops" not in body and "<img" not in body
    assert "&lt;b&gt;ops&lt;/b&gt;" in body and "&lt;img src=x&gt;" in body


def test_summary_leaves_loose_issue_fits_out_of_the_issue_table():
    data = night("fine")
    loose = data["calls"].assign(call_id="c2", primary_issue_id=4, issue_match="loose")
    data["calls"] = pd.concat([data["calls"], loose], ignore_index=True)
    data["issues"] = pd.DataFrame({"issue_id": [3, 4], "label": ["refund hasn't arrived",
                                                                  "tmobile"]})
    md = render_team_markdown("care", NIGHT, data)
    section = md.split("## Recurring issues", 1)[1].split("## ", 1)[0]
    assert "refund hasn" in section and "tmobile" not in section
    assert "Not counted: 1 call(s) only loosely resembling an issue" in section


def test_summary_issue_trend_reads_new_share_baseline_and_growth():
    data = night("fine")
    two = data["calls"].assign(call_id="c2", primary_issue_id=4)
    three = data["calls"].assign(call_id="c3", primary_issue_id=5)
    data["calls"] = pd.concat([data["calls"], two, three], ignore_index=True)
    data["issues"] = pd.DataFrame({"issue_id": [3, 4, 5], "label": ["a", "b", "c"]})
    data["issue_daily"] = pd.DataFrame({"issue_id": [3, 4, 5], "is_new": [True, False, False],
                                        "is_growing": [False, True, False],
                                        "share": [0.01, 0.062, 0.02],
                                        "baseline": [0.0, 0.021, 0.025]})
    section = render_team_markdown("care", NIGHT, data).split("## Recurring issues", 1)[1]
    rows = {line.split("|")[1].strip(): line.split("|")[4].strip()
            for line in section.split("## ", 1)[0].splitlines() if line.startswith("| ")}
    assert rows["3"] == "new"
    assert rows["4"] == "growing: 6.2% of calls (baseline 2.1%)"
    assert rows["5"] == "2.0% of calls (baseline 2.5%)"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_summary_of_any_quote_has_no_markup_from_it(quote):
    body = render_html(render_team_markdown("care", NIGHT, night(quote)), "care")
    tags = set(re.findall(r"<([a-z0-9]+)", body.split("<body>", 1)[1]))
    # only the tags the summary itself writes
    assert tags <= {"h1", "h2", "ul", "li", "strong", "p", "table", "thead", "tbody", "tr",
                    "th", "td", "blockquote", "em"}


def test_summary_file_names_are_the_team_names_where_safe():
    assert summary_stem("billing") == "billing"
    assert summary_stem("a-askplaystation_04.v2") == "a-askplaystation_04.v2"


@given(st.lists(st.text(max_size=12), min_size=2, max_size=6, unique=True))
def test_summary_file_names_are_distinct_visible_and_safe(teams):
    # "billing/de" and "billing_de" once shared a file, and a team ".." wrote a hidden one.
    stems = [summary_stem(team) for team in teams]
    assert len(set(stems)) == len(stems)
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", stem) for stem in stems)

"""Team-lead summaries: one Markdown and one HTML page per team per night.

Built from the night's published tables (already redacted), so a summary never says anything
the analysts' tables do not.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from datetime import date
from pathlib import Path

import markdown
import pandas as pd

from flows.tables import partition_dir, publish_partition, read_partition
from nlp.patterns import PAIN_CATEGORIES

log = logging.getLogger(__name__)

_UNSAFE_FILE = re.compile(r"[^A-Za-z0-9_.-]+")
_SAFE_STEM = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_HTML_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#222}}table{{border-collapse:collapse;margin:.5rem 0}}td,th{{border:1px solid #ccc;
padding:.25rem .5rem;text-align:left}}th{{background:#f3f3f3}}blockquote{{color:#444;
border-left:3px solid #8ab;margin:.5rem 0;padding-left:.75rem}}</style></head>
<body>{body}</body></html>
"""


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#])")
_CELL_CHARS, _QUOTE_CHARS = 160, 300  # longest table cell and quote shown


def _text(value: object, limit: int | None = None) -> str:
    """Customer, agent or team text as literal Markdown: one line, cut to `limit`, with
    HTML (`<`, `>`, `&`) and Markdown syntax escaped. Quotes are what customers wrote: a
    "<script>" or a "[link](...)" in them must reach the team lead's page as text, never as
    markup."""
    s = re.sub(r"\s+", " ", str(value)).strip()
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(s, quote=False))


def _md_table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_text(v, _CELL_CHARS) for v in row) + " |" for row in rows]


def load_night(out: Path, run_date: date) -> dict[str, pd.DataFrame]:
    """Read the night's tables that summaries use."""
    names = ("calls", "pain_points", "recovery_moments", "agent_daily", "issue_daily", "issues")
    return {n: read_partition(out, n, run_date).to_pandas() for n in names}


def render_team_markdown(team: str, run_date: date, night: dict[str, pd.DataFrame]) -> str:
    """Render one team's summary as Markdown."""
    calls = night["calls"][night["calls"]["team"] == team]
    pains = night["pain_points"][night["pain_points"]["call_id"].isin(calls["call_id"])]
    saves = night["recovery_moments"][night["recovery_moments"]["team"] == team]
    agents = night["agent_daily"][night["agent_daily"]["team"] == team]
    n = len(calls)
    lines = [
        f"# {_text(team)}: night of {run_date.isoformat()}", "",
        f"- **Calls analysed:** {n}",
        f"- **Hard calls** (frustrated start or a severe pain point): "
        f"{int(agents['hard_calls'].sum())}",
        f"- **Pain points:** {len(pains)} in {int((calls['pain_point_count'] > 0).sum())} calls",
        f"- **Saves (empathetic recoveries):** {len(saves)}"
        + (f" ({1000 * len(saves) / n:.0f} per 1,000 calls)" if n else ""),
        f"- **Customer sentiment:** starts at {calls['customer_sentiment_start'].mean():+.2f}, "
        f"ends at {calls['customer_sentiment_end'].mean():+.2f} on average" if n else "",
        "",
    ]
    lines += _pain_section(pains) + _issue_section(calls, night) + _saves_section(saves)
    lines += _agents_section(agents) + _voice_section(pains)
    return "\n".join(lines).rstrip() + "\n"


def _pain_section(pains: pd.DataFrame) -> list[str]:
    if pains.empty:
        return ["## Pain points", "", "No pain points detected tonight.", ""]
    counts = pains.groupby("category").agg(n=("call_id", "size"), sev=("severity", "mean"))
    counts = counts.sort_values(["n", "sev"], ascending=False)
    rows = [[PAIN_CATEGORIES.get(cat, cat), int(r.n), f"{r.n / len(pains):.0%}", f"{r.sev:.2f}"]
            for cat, r in counts.iterrows()]
    return ["## Pain points by category", ""] + _md_table(
        ["category", "pain points", "share", "mean severity"], rows) + [""]


def _issue_section(calls: pd.DataFrame, night: dict[str, pd.DataFrame]) -> list[str]:
    """The team's issues by calls; calls that only loosely resemble their issue (below the
    catalogue's match threshold, `calls.issue_match`) are left out and counted."""
    assigned = calls[calls["primary_issue_id"] >= 0]
    if assigned.empty:
        return []
    loose = assigned["issue_match"].eq("loose")
    ids = assigned.loc[~loose, "primary_issue_id"].value_counts()
    daily = night["issue_daily"].set_index("issue_id")
    labels = night["issues"].set_index("issue_id")["label"]
    rows = [[issue_id, labels.get(issue_id, ""), int(count),
             _trend(daily.loc[issue_id]) if issue_id in daily.index else ""]
            for issue_id, count in ids.head(8).items()]
    lines = ["## Recurring issues in this team's calls", ""]
    if rows:
        lines += _md_table(["issue", "label", "calls", "trend (all teams)"], rows) + [
            "", "_Trend: the issue's share of tonight's calls in all teams, against its mean "
            "share over the trailing nights (baseline); growing when that rise is more than "
            "chance._", ""]
    if loose.any():
        lines += [f"_Not counted: {int(loose.sum())} call(s) only loosely resembling an issue "
                  "(`issue_match` loose in the calls table)._", ""]
    return lines


def _trend(day: pd.Series) -> str:
    """An issue's night across all teams (its `issue_daily` row): new, or tonight's share of
    the calls against its `baseline`, and whether that rise is flagged as growth."""
    if bool(day["is_new"]):
        return "new"
    trend = f"{day['share']:.1%} of calls (baseline {day['baseline']:.1%})"
    return f"growing: {trend}" if bool(day["is_growing"]) else trend


def _saves_section(saves: pd.DataFrame) -> list[str]:
    if saves.empty:
        return ["## Saves to celebrate", "", "No empathetic recovery detected tonight.", ""]
    lines = ["## Saves to celebrate", ""]
    for r in saves.sort_values(["score", "call_id"], ascending=[False, True]).head(5).itertuples():
        lines += [f"- **{_text(r.agent_id or 'unknown agent')}** on call {_text(r.call_id)}: "
                  f"customer sentiment {r.sentiment_before:+.2f} → {r.sentiment_after:+.2f}",
                  f"  > {_text(r.quote, _QUOTE_CHARS)}"]
    return lines + [""]


def _agents_section(agents: pd.DataFrame) -> list[str]:
    if agents.empty:
        return []
    agents = agents.sort_values(["recoveries", "calls", "agent_id"], ascending=[False, False, True])
    rows = [[a.agent_id, int(a.calls), int(a.hard_calls), int(a.recoveries),
             _score(a.mean_empathy), _score(a.mean_reaction), _score(a.mean_interpretation)]
            for a in agents.itertuples()]
    return ["## Agents", ""] + _md_table(
        ["agent", "calls", "hard calls", "recoveries", "mean empathy", "reaction",
         "interpretation"], rows) + [
        "", "_Reaction: warmth and concern; interpretation: showing the customer's situation "
        "is understood (the empathy model's two heads, 0..1)._", ""]


def _score(value: float) -> str:
    return "" if pd.isna(value) else f"{value:.2f}"


def _voice_section(pains: pd.DataFrame) -> list[str]:
    if pains.empty:
        return []
    top = pains.sort_values(["severity", "call_id"], ascending=[False, True]).head(3)
    lines = ["## In the customers' words (most severe)", ""]
    for r in top.itertuples():
        lines.append(f"- *{PAIN_CATEGORIES.get(r.category, r.category)}*, severity "
                     f"{r.severity:.2f}: “{_text(r.quote, _QUOTE_CHARS)}”")
    return lines + [""]


def render_html(markdown_text: str, title: str) -> str:
    """Render a Markdown summary as a standalone HTML page."""
    body = markdown.markdown(markdown_text, extensions=["tables"])
    return _HTML_PAGE.format(title=html.escape(title), body=body)


def summary_stem(team: str) -> str:
    """The file name (without extension) of a team's summary: the team's name where it is a
    safe, visible file name (letters, digits, `_`, `.`, `-`, starting with a letter, a
    digit or `_`), else a safe form of it plus 8 hex digits of a hash of the name. So no two
    teams share a file ("billing/de" and "billing_de" did, and one summary replaced the
    other) and none is hidden (a team ".." wrote "...md")."""
    if _SAFE_STEM.fullmatch(team):
        return team
    safe = _UNSAFE_FILE.sub("_", team).lstrip(".-") or "team"
    return f"{safe}-{hashlib.blake2b(team.encode('utf-8'), digest_size=4).hexdigest()}"


def write_summaries(out: Path, run_date: date, run_id: str) -> list[Path]:
    """Write `OUT/summaries/run_date=D/<team>.md` and `.html` for every team of the night."""
    night = load_night(out, run_date)
    staging = out / "summaries" / f".staging-{run_id}"
    staging.mkdir(parents=True, exist_ok=True)
    written = []
    for team in sorted(night["calls"]["team"].dropna().unique()):
        text = render_team_markdown(team, run_date, night)
        stem = summary_stem(team)
        (staging / f"{stem}.md").write_text(text, encoding="utf-8")
        (staging / f"{stem}.html").write_text(render_html(text, f"{team} {run_date}"),
                                              encoding="utf-8")
        written.append(stem)
    final = partition_dir(out, "summaries", run_date)
    publish_partition(staging, final)
    log.info("wrote summaries for %d teams to %s", len(written), final)
    return [final / f"{stem}.md" for stem in written]

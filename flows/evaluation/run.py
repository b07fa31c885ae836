"""`callinsight eval`: every detector on real labelled data, on splits never trained on.

Each suite module exposes `evaluate(data_dir: Path) -> list[Row]`; this runs the chosen ones
and prints one table.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from flows.evaluation.report import Row, format_table

log = logging.getLogger(__name__)

#: suite name -> module under flows.evaluation
SUITES = {
    "pain": "flows.evaluation.pain",
    "sentiment": "flows.evaluation.sentiment",
    "empathy": "flows.evaluation.empathy",
    "clustering": "flows.evaluation.clustering",
    "growth": "flows.evaluation.growth",
    "german": "flows.evaluation.german",
    "roles": "flows.evaluation.roles",
}
DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def run_suites(names: list[str], data_dir: Path) -> list[Row]:
    """Run the named suites (all when empty) and return their rows."""
    rows: list[Row] = []
    for name in names or list(SUITES):
        try:
            module = importlib.import_module(SUITES[name])
        except ModuleNotFoundError as e:
            if e.name == SUITES[name]:
                log.warning("suite %s is not available yet", name)
                continue
            raise
        rows += module.evaluate(data_dir)
    return rows


def main(names: list[str], data_dir: Path) -> str:
    """Run, print and return the table."""
    table = format_table(run_suites(names, data_dir))
    print(table)
    return table

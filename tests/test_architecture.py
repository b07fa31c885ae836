"""Guard: the analysis code under nlp/ is pure (no Prefect, no file or environment access)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

NLP_DIR = Path(__file__).resolve().parents[1] / "nlp"
MODULES = sorted(NLP_DIR.rglob("*.py"))
FILE_METHODS = ("read_", "write_")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _violations(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] == "prefect"]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.split(".")[0] == "prefect":
                found.append(f"from {module} import ...")
            if module == "os" and any(a.name in ("environ", "getenv") for a in node.names):
                found.append("from os import environ/getenv")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "os" and node.attr in ("environ", "getenv"):
            found.append(f"os.{node.attr}")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "open":
                found.append("open(...)")
            elif isinstance(func, ast.Attribute) and (
                    func.attr == "open" or func.attr.startswith(FILE_METHODS)):
                found.append(f".{func.attr}(...)")
    return found


def test_architecture_nlp_modules_found():
    names = {p.name for p in MODULES}
    assert {"analyze.py", "redact.py", "sentiment.py", "pipeline.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_architecture_nlp_module_is_pure(path):
    assert _violations(_tree(path)) == []


@pytest.mark.parametrize(("source", "expected"), [
    ("import prefect", ["import prefect"]),
    ("from prefect.tasks import task", ["from prefect.tasks import ..."]),
    ("import os\nx = os.environ['A']", ["os.environ"]),
    ("import os\nx = os.getenv('A')", ["os.getenv"]),
    ("from os import environ", ["from os import environ/getenv"]),
    ("f = open('x')", ["open(...)"]),
    ("from pathlib import Path\nPath('x').read_text()", [".read_text(...)"]),
    ("from pathlib import Path\nPath('x').write_bytes(b'')", [".write_bytes(...)"]),
    ("import re\nre.compile('open(')", []),
    ("import prefecture", []),
])
def test_architecture_guard_catches_what_it_should(source, expected):
    assert _violations(ast.parse(source)) == expected

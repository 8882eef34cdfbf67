"""Every package the ``qa`` command imports is one the project declares: a plain
``pip install`` (no extras) runs every command. Read from the source with ``ast``, imports
inside functions included, over the runtime packages and the ``eval`` and ``bench`` modules
they reach."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from tests.conftest import ROOT
from tests.test_layers import module_name

RUNTIME_PACKAGES = ("qa", "index", "api", "cli")
PROJECT = (*RUNTIME_PACKAGES, "eval", "bench")


def imported_names(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def reached_files() -> list[Path]:
    """The runtime packages' files and every eval or bench module they import, transitively."""
    files = {module_name(path): path for name in PROJECT for path in (ROOT / name).rglob("*.py")}
    todo = [name for name in files if name.split(".")[0] in RUNTIME_PACKAGES]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [module for module in imported_names(files[name]) if module in files]
    return [files[name] for name in sorted(seen)]


def declared_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = (re.match(r"[A-Za-z0-9._-]+", spec) for spec in project["dependencies"])
    return {canonical(match.group()) for match in names if match}


def canonical(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def test_every_import_of_the_qa_command_is_a_declared_dependency() -> None:
    declared = declared_distributions()
    providers = importlib.metadata.packages_distributions()
    undeclared = []
    for path in reached_files():
        for name in imported_names(path):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top in PROJECT or top == "__future__":
                continue
            if not {canonical(dist) for dist in providers.get(top, [top])} & declared:
                undeclared.append(f"{path.relative_to(ROOT)} imports {top}")
    assert sorted(set(undeclared)) == []


def test_the_eval_and_bench_modules_the_command_reaches_are_found() -> None:
    reached = {module_name(path) for path in reached_files()}
    assert {"eval.runner", "eval.sets", "bench.speed"} <= reached
    assert "bench.page" not in reached  # a benchmark of the dev tools, never imported

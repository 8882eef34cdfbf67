"""The layers import one way, index <- qa <- api / eval <- bench <- cli, the subpackages of a
layer keep to their own parts, and no module imports itself back through others. Read from
the source with ``ast``, imports inside functions (and under ``TYPE_CHECKING``) included."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

# What each layer may import of the project, besides itself.
ALLOWED = {
    "index": set(),
    "qa": {"index"},
    "api": {"qa", "index"},
    "eval": {"qa", "index"},
    "bench": {"qa", "index", "eval"},
    "cli": {"qa", "index", "api", "eval", "bench"},
}

# Within a layer, its parts: its subpackages, and "" for its modules in none. Each part may
# import itself and the parts listed. The layer's own __init__ is left out: index's names
# the backends' classes for callers, importing them on first use.
PARTS: dict[str, dict[str, set[str]]] = {
    "index": {"": set(), "index.local": {""}, "index.milvus": {""}},
    "qa": {"": {"qa.intake", "qa.encoding"}, "qa.intake": {""}, "qa.encoding": {""}},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(path: Path) -> set[str]:
    """The project modules a file imports (a package stands for its __init__)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name.split(".")[0] in ALLOWED)
    return found


def modules() -> dict[str, set[str]]:
    files = [path for layer in ALLOWED for path in sorted((ROOT / layer).rglob("*.py"))]
    names = {module_name(path) for path in files}
    # "from qa.service import QAService" names qa.service.QAService: keep what is a module.
    return {
        module_name(path): {name for name in project_imports(path) if name in names}
        for path in files
    }


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = [
        f"{module} imports {imported}"
        for module, imported_modules in modules().items()
        for imported in imported_modules
        if imported.split(".")[0] not in ALLOWED[module.split(".")[0]] | {module.split(".")[0]}
    ]
    assert wrong == []


def test_no_module_imports_itself_back() -> None:
    graph = modules()
    cycles = []
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph.get(module, ())):
            if imported == module or (imported.startswith(module + ".") and module in graph):
                continue  # a package importing its own modules is not a cycle
            if state.get(imported) == "open":
                cycles.append(" -> ".join([*path[path.index(imported) :], imported]))
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def part_of(module: str) -> str:
    layer = module.split(".")[0]
    subpackages = (part for part in PARTS.get(layer, {}) if part)
    return next(
        (part for part in subpackages if module == part or module.startswith(part + ".")), ""
    )


def test_the_parts_of_a_layer_import_only_what_they_may() -> None:
    wrong = [
        f"{module} imports {imported}"
        for module, imported_modules in modules().items()
        if module.split(".")[0] in PARTS and module not in PARTS
        for imported in imported_modules
        if imported.split(".")[0] == module.split(".")[0]
        and part_of(imported)
        not in {part_of(module)} | PARTS[module.split(".")[0]][part_of(module)]
    ]
    assert wrong == []


def test_the_layer_test_sees_every_subpackage() -> None:
    found = {
        module_name(path.parent)
        for layer in ALLOWED
        for path in (ROOT / layer).glob("*/__init__.py")
    }
    declared = {part for parts in PARTS.values() for part in parts if part}
    # api.routes is not a part beside others but the top of api: app.py gathers its routers.
    assert found - {"api.routes"} == declared


def test_no_two_modules_share_a_name() -> None:
    # A name says what a module holds: two of one name in different packages would mean
    # two things (a news page's article and the service's static pages, say).
    paths: dict[str, list[str]] = {}
    for layer in ALLOWED:
        for path in (ROOT / layer).rglob("*.py"):
            if path.name not in {"__init__.py", "__main__.py"}:
                paths.setdefault(path.stem, []).append(module_name(path))
    assert {name: found for name, found in paths.items() if len(found) > 1} == {}

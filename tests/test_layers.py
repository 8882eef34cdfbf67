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

# Within a layer: the subpackages each part may import, besides itself and the layer's
# shared modules (those in no subpackage). The shared modules import no subpackage, except
# the package itself, which names the backends' classes for callers.
SUBPACKAGES = {
    "index": {"index.local": set(), "index.milvus": set()},
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
    # "from qa.encoder import Encoder" names qa.encoder.Encoder: keep what is a module.
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


def subpackage_of(module: str) -> str | None:
    layer = module.split(".")[0]
    return next(
        (
            sub
            for sub in SUBPACKAGES.get(layer, {})
            if module == sub or module.startswith(sub + ".")
        ),
        None,
    )


def test_each_subpackage_imports_only_the_shared_modules_and_what_it_may() -> None:
    wrong = []
    for module, imported_modules in modules().items():
        layer = module.split(".")[0]
        if layer not in SUBPACKAGES or module == layer:
            continue
        own = subpackage_of(module)
        may = SUBPACKAGES[layer][own] if own else set()
        for imported in imported_modules:
            target = subpackage_of(imported)
            if imported.split(".")[0] == layer and target not in {None, own, *may}:
                wrong.append(f"{module} imports {imported}")
    assert wrong == []


def test_the_layer_test_sees_every_subpackage() -> None:
    found = {
        module_name(path.parent)
        for layer in ALLOWED
        for path in (ROOT / layer).glob("*/__init__.py")
    }
    declared = {sub for subs in SUBPACKAGES.values() for sub in subs}
    # api.routes is not a part beside others but the top of api: app.py gathers its routers.
    assert found - {"api.routes"} == declared

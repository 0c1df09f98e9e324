"""The package's shape, checked from its imports (every import, function-local ones too):

- no module imports a module that imports it back, however long the way round;
- the domain packages stand in layers, and an import only goes to a lower layer (or within
  the same package): nothing imports upward, and no two packages import each other;
- `kit/` knows no domain, and the domains reach kit's storage backends and the embedded
  PostgreSQL only through kit's own faces (`kit.storage`, `kit.db`).

docs/ARCHITECTURE.md draws the same layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "server" / "privet_manager"
PACKAGE = "privet_manager"

# Bottom to top. A package may import its own modules and any package of a lower layer.
LAYERS: list[set[str]] = [
    {"settings"},
    {"kit", "migrate"},
    {"seal"},
    {"legacy", "auth"},
    {"activity", "events"},
    {"contracts"},
    {"clients"},
    {"devices", "support"},
    {"tariffs"},
    {"billing", "signing"},
    {"card", "admin", "analytics", "public", "disputes"},
    {"ops", "demo", "health", "spa", "models"},
    {"main", "cli"},
    {"openapi_dump"},
]
# What only kit itself and the composition root (main, cli) may import.
KIT_INTERNALS = (
    "privet_manager.kit.embedded_postgres",
    "privet_manager.kit.storage.s3",
    "privet_manager.kit.storage.local",
    "privet_manager.kit.storage.base",
    "privet_manager.kit.storage.router",
)
COMPOSITION_ROOT = {"main", "cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The project modules `path` imports, anywhere in the file."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            # `from pkg import mod` imports the module mod; `from mod import name`, mod.
            names = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names
            ]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name.startswith(PACKAGE) and name != here:
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in ROOT.rglob("*.py")}
    modules = set(paths)
    return {name: imports_of(path, modules) for name, path in paths.items()}


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_of(package: str) -> int:
    for i, layer in enumerate(LAYERS):
        if package in layer:
            return i
    raise AssertionError(f"{package}: not in LAYERS (tests/test_structure.py): place it")


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert cycles(graph()) == []


def test_imports_go_down_the_layers() -> None:
    wrong = []
    for module, targets in graph().items():
        source = top(module)
        for target in targets:
            dest = top(target)
            if dest != source and layer_of(dest) >= layer_of(source):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_kit_knows_no_domain_and_its_internals_stay_inside() -> None:
    edges = graph()
    kit_out = [
        f"{m} -> {t}"
        for m, targets in edges.items()
        if top(m) == "kit"
        for t in targets
        if top(t) not in {"kit", "settings"}
    ]
    assert kit_out == []
    internals = [
        f"{m} -> {t}"
        for m, targets in edges.items()
        if top(m) not in {"kit", *COMPOSITION_ROOT}
        for t in targets
        if t in KIT_INTERNALS
    ]
    assert internals == []


def test_the_checks_catch_what_they_are_for() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    with pytest.raises(AssertionError, match="not in LAYERS"):
        layer_of("newdomain")


def test_function_local_and_relative_imports_are_seen(tmp_path: Path) -> None:
    pkg = tmp_path / "privet_manager"
    (pkg / "x").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "x" / "__init__.py").write_text("")
    (pkg / "x" / "a.py").write_text("def f():\n    from privet_manager.x import b\n")
    (pkg / "x" / "b.py").write_text("from . import a\n")
    modules = {"privet_manager", "privet_manager.x", "privet_manager.x.a", "privet_manager.x.b"}
    global ROOT
    saved, ROOT = ROOT, pkg
    try:
        assert imports_of(pkg / "x" / "a.py", modules) == {"privet_manager.x.b"}
        assert imports_of(pkg / "x" / "b.py", modules) == {"privet_manager.x.a"}
    finally:
        ROOT = saved

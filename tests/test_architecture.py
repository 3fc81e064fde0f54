"""The package layout of docs/architecture.md: floors, no import loop, public names.

"No import loop anywhere and no module importing from a package above it
(domain → io → network → ownership/contagion → watch/mitigation → history → neo4j/report
→ cli)."
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import networkx as nx
import pytest

PKG = Path(__file__).resolve().parent.parent / "graphrisk"

#: the floor of each top-level part of the package; a module may import only from its
#: own floor or below (same-floor packages are siblings: ownership/contagion, watch/mitigation,
#: neo4j/report)
FLOORS = {
    "errors": 0, "_lazy": 0, "domain": 1, "params": 2, "io": 3, "network": 4,
    "ownership": 5, "contagion": 5, "watch": 6, "mitigation": 6, "history": 7, "neo4j": 8,
    "report": 8, "synth": 3, "cli": 9, "__main__": 10,
}
#: siblings on one floor that may use each other, in this direction only
SIDEWAYS = {("report", "neo4j"): False, ("neo4j", "report"): False,
            ("watch", "mitigation"): False, ("mitigation", "watch"): False,
            ("ownership", "contagion"): False, ("contagion", "ownership"): False}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(path: Path) -> list[str]:
    """Every graphrisk module imported by *path* (at any depth, TYPE_CHECKING included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("graphrisk"):
                # "from graphrisk.x import y" names the module graphrisk.x.y when there is one
                found += [f"{node.module}.{a.name}" if (PKG.parent / f"{node.module}.{a.name}"
                          .replace(".", "/")).with_suffix(".py").exists() else node.module
                          for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("graphrisk")]
        elif isinstance(node, ast.ImportFrom) and node.level:
            pytest.fail(f"{path}: relative import; graphrisk uses absolute imports")
    return found


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_part_has_a_floor():
    parts = {_part(m) for m in _modules()} - {"__init__"}
    assert parts <= set(FLOORS), parts - set(FLOORS)


def test_history_sits_between_the_analyses_and_the_views():
    """docs/architecture.md: history compares periods with the watchlist and the network
    analyses (below it) and is rendered by report (above it)."""
    assert max(FLOORS["watch"], FLOORS["mitigation"], FLOORS["contagion"]) < FLOORS["history"]
    assert FLOORS["history"] < min(FLOORS["report"], FLOORS["neo4j"])


def test_no_module_imports_from_a_floor_above_it():
    bad = []
    for module, path in _modules().items():
        here = _part(module)
        if here == "__init__":
            continue  # the public API names everything (lazily)
        for target in _imports(path):
            there = _part(target)
            if there == "__init__" or there == here:
                continue
            if FLOORS[there] > FLOORS[here] or (FLOORS[there] == FLOORS[here]
                                                and not SIDEWAYS.get((here, there), True)):
                bad.append(f"{module} imports {target}")
    assert not bad, "\n".join(bad)


def test_no_import_loop():
    g = nx.DiGraph()
    mods = _modules()
    for module, path in mods.items():
        for target in _imports(path):
            if target != module:
                g.add_edge(module, target)
    g.remove_nodes_from([m for m in list(g) if m == "graphrisk"])  # lazy public API
    cycles = list(nx.simple_cycles(g))
    assert not cycles, cycles


def test_internal_modules_are_underscored_and_public_packages_list_their_names():
    for module in _modules():
        parts = module.split(".")
        if len(parts) == 2 and (PKG / parts[1]).is_dir():
            pkg = importlib.import_module(module)
            assert pkg.__doc__ and pkg.__doc__.strip(), f"{module} has no docstring"
            assert pkg.__all__, f"{module} has no __all__"
            for name in pkg.__all__:
                assert getattr(pkg, name) is not None, f"{module}.{name}"


def test_the_public_api_resolves_every_name():
    import graphrisk

    assert len(graphrisk.__all__) == len(set(graphrisk.__all__))
    for name in graphrisk.__all__:
        assert getattr(graphrisk, name) is not None, name
    with pytest.raises(AttributeError):
        graphrisk.no_such_function  # noqa: B018


def _public_functions():
    """Every public function and method of every public module (not ``_x`` modules)."""
    import inspect

    for module_name in sorted(_modules()):
        if any(part.startswith("_") for part in module_name.split(".")[1:]) or \
                module_name.startswith("graphrisk.cli"):
            continue
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module_name:
                continue
            if inspect.isfunction(obj):
                yield f"{module_name}.{name}", obj
            elif inspect.isclass(obj):
                for meth_name, meth in vars(obj).items():
                    if inspect.isfunction(meth) and not meth_name.startswith("_"):
                        yield f"{module_name}.{name}.{meth_name}", meth


def test_every_public_signature_has_type_hints():
    """Issue: "type hints on every public signature, checked by mypy on the public
    packages in CI" — mypy checks the hints; this checks that they are there."""
    import inspect

    missing = []
    for qualname, fn in _public_functions():
        fn = inspect.unwrap(fn)
        sig = inspect.signature(fn)
        if sig.return_annotation is inspect.Signature.empty and fn.__name__ != "__init__":
            missing.append(f"{qualname}: return")
        for p in sig.parameters.values():
            if p.name in ("self", "cls") or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if p.annotation is inspect.Parameter.empty:
                missing.append(f"{qualname}: {p.name}")
    assert not missing, "\n".join(missing)

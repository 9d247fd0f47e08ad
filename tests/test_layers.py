"""The one-way import rule of style.md section 2, enforced by walking each module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "newsvault"

#: Layer of every module (a module may import only from lower layers, or as LATERAL allows).
LAYERS = {
    "errors": 0,
    "similarity": 0,
    "fingerprint": 1,
    "records": 0,
    "urls": 0,
    "config": 1,
    "hosts": 1,
    "feeds": 1,
    "encoding": 1,
    "clean": 1,
    "metadata": 1,
    "render": 1,
    "content": 1,
    "article": 1,
    "lock": 3,
    "runner": 4,
    "fetch": 2,
    "worker": 2,
    "models": 2,
    "db": 3,
    "archive": 3,
    "query": 3,
    "pipeline": 4,
    "cli": 5,
    "__main__": 5,
    "__init__": 5,
}

#: Imports allowed within one layer: the extraction stages build on each other in this order.
LATERAL = {
    "urls": {"errors"},
    "__main__": {"cli"},
    "content": {"clean", "encoding"},
    "article": {"clean", "content", "metadata", "render", "encoding", "config"},
    "metadata": {"clean"},
    "render": set(),
    "db": {"models"},
    "archive": {"models", "similarity"},
    "runner": {"pipeline"},
}

#: Third-party packages only one module may import (house rule: one owner per foreign library).
OWNERS = {"requests": {"fetch"}, "urllib3": {"fetch"}, "click": {"cli"}}

#: Packages the pure stages must never touch.
IMPURE = {"requests", "urllib3", "sqlalchemy", "alembic", "click"}
PURE = {"errors", "records", "urls", "similarity", "config", "encoding", "clean", "metadata",
        "render", "feeds", "content", "article", "fingerprint"}  # fmt: skip


def _imports(module: str) -> tuple[set[str], set[str]]:
    """(internal modules, top-level foreign packages) imported by a module, TYPE_CHECKING too."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    internal: set[str] = set()
    foreign: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "newsvault":
                names = [f"newsvault.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "newsvault":
                if len(parts) > 1 and parts[1] in LAYERS:
                    internal.add(parts[1])
            else:
                foreign.add(parts[0])
    return internal, foreign


def test_every_module_has_a_layer() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    assert modules == set(LAYERS), "add new modules to LAYERS in tests/test_layers.py"


@pytest.mark.parametrize("module", sorted(LAYERS))
def test_imports_run_one_way(module: str) -> None:
    internal, _ = _imports(module)
    for target in internal - {module}:
        lower = LAYERS[target] < LAYERS[module]
        sideways = target in LATERAL.get(module, set())
        assert lower or sideways, f"{module} (layer {LAYERS[module]}) imports {target}"


@pytest.mark.parametrize("package", sorted(OWNERS))
def test_foreign_libraries_have_one_owner(package: str) -> None:
    importers = {module for module in LAYERS if package in _imports(module)[1]}
    assert importers <= OWNERS[package], f"only {OWNERS[package]} may import {package}"


@pytest.mark.parametrize("module", sorted(PURE))
def test_pure_stages_do_no_io(module: str) -> None:
    _, foreign = _imports(module)
    assert not foreign & IMPURE, f"{module} is a pure stage but imports {foreign & IMPURE}"


@pytest.mark.parametrize("module", sorted(LAYERS))
def test_every_module_opens_with_a_docstring(module: str) -> None:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    docstring = ast.get_docstring(tree)
    assert docstring, f"{module}.py has no module docstring"
    assert len(docstring.splitlines()[0]) <= 100

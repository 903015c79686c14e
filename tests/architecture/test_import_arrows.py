"""The layering of architecture.md §3, enforced by parsing every import in src/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "qlikreconcile"

ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "engine": {"errors"},
    "spec": {"errors"},
    "qlik": {"engine", "spec", "errors"},
    "render": {"engine", "errors"},
    "reconcile": {"spec", "qlik", "engine", "errors", "emulator"},
    "emulator": set(),
    "cli": {"reconcile", "render", "engine", "errors", "emulator"},
    "__main__": {"cli"},
    "__init__": set(),
}
THIRD_PARTY_ONLY_IN: dict[str, set[str]] = {
    "httpx": {"qlik"},
    "deepdiff": {"engine"},
    "click": {"cli"},
    "rich": {"cli"},
    "uvicorn": {"emulator"},
    "starlette": {"emulator"},
}


def layer_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


MODULES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_respects_the_layers(path: Path) -> None:
    layer = layer_of(path)
    assert layer in ALLOWED, f"new top-level layer {layer!r}: add it to architecture.md §3"
    for name in imports(path):
        parts = name.split(".")
        if parts[0] == "qlikreconcile" and len(parts) > 1:
            target = parts[1]
            if target != layer:
                assert target in ALLOWED[layer], f"{layer} must not import {target} ({name})"
        owners = THIRD_PARTY_ONLY_IN.get(parts[0])
        if owners is not None:
            assert layer in owners, f"{parts[0]} is only for {sorted(owners)}, not {layer}"


def test_the_emulator_imports_nothing_else_of_ours() -> None:
    for path in (SRC / "emulator").rglob("*.py"):
        ours = {n for n in imports(path) if n.startswith("qlikreconcile.")}
        assert all(n.startswith("qlikreconcile.emulator") for n in ours), (path, ours)

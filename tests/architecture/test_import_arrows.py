"""The layering of docs/architecture.md (its ```arrows block), enforced on every import in src/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "qlikreconcile"

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def documented_arrows(text: str) -> dict[str, set[str]]:
    """The ```arrows block of docs/architecture.md: ``layer -> a, b`` per line."""
    block = re.search(r"^```arrows\n(.*?)^```", text, re.M | re.S)
    assert block, "docs/architecture.md has no ```arrows block"
    arrows: dict[str, set[str]] = {}
    for line in block[1].splitlines():
        layer, _, targets = line.partition("->")
        arrows[layer.strip()] = {t.strip() for t in targets.split(",") if t.strip()}
    return arrows


ALLOWED: dict[str, set[str]] = {
    **documented_arrows(DOC.read_text(encoding="utf-8")),
    "__main__": {"cli"},
    "__init__": set(),
}
THIRD_PARTY_ONLY_IN: dict[str, set[str]] = {
    "httpx": {"qlik"},
    "tenacity": {"qlik"},
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
    assert layer in ALLOWED, f"new top-level layer {layer!r}: add it to docs/architecture.md"
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


def test_the_arrows_block_names_every_layer() -> None:
    layers = {layer_of(p) for p in MODULES} - {"__main__", "__init__"}
    assert set(documented_arrows(DOC.read_text(encoding="utf-8"))) == layers

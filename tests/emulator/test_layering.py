"""The emulator imports only stdlib, starlette, pydantic, uvicorn and itself (architecture §3)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import qlikreconcile.emulator as emulator_pkg

ALLOWED = {"starlette", "pydantic", "uvicorn"}
PACKAGE = Path(emulator_pkg.__file__).parent


def test_emulator_imports() -> None:
    bad = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if name.startswith("qlikreconcile.emulator") or top == "__future__":
                    continue
                if top in ALLOWED or top in sys.stdlib_module_names:
                    continue
                bad.append(f"{path.name}: {name}")
    assert bad == []


def test_public_interface() -> None:
    assert set(emulator_pkg.__all__) >= {"create_app", "EmulatorConfig", "SOURCE_HOST", "serve"}
    assert emulator_pkg.SOURCE_HOST == "vendor-source.eu.qlikcloud.com"


def test_modules_stay_small() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert max(sizes.values()) <= 400, sizes

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


LEAVES = {"config", "hosts", "quirk", "quirks", "quirks_reloads", "rate_limits", "deprecations"}
LEAVES |= {"timefmt"}
ASSEMBLY = {"__init__", "app", "middleware", "server"}
ROOM_MAY_IMPORT = {
    "state": {"state"},
    "api": {"api", "state"},
    "control": {"control", "api", "state"},
}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def _ours(path: Path) -> set[str]:
    """Emulator modules ``path`` imports, anywhere in the file (function-level included)."""
    found: set[str] = set()
    prefix = "qlikreconcile.emulator."
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith(prefix):
                found.add(node.module.removeprefix(prefix))
                found.update(f"{node.module.removeprefix(prefix)}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                a.name.removeprefix(prefix) for a in node.names if a.name.startswith(prefix)
            )
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    known = set(modules)
    return {m: (_ours(p) & known) - {m} for m, p in modules.items()}


def _room(module: str) -> str:
    return module.split(".")[0] if "." in module else "leaf"


def test_rooms_import_only_along_the_arrows() -> None:
    wrong = []
    for module, targets in _graph().items():
        name = module.removesuffix(".__init__")
        if name in ASSEMBLY:
            continue
        room = _room(module) if name not in LEAVES else "leaf"
        for target in targets:
            target_room = "leaf" if target in LEAVES else _room(target)
            if target.endswith("__init__"):
                continue
            allowed = {"leaf"} | ROOM_MAY_IMPORT.get(room, set())
            if target_room not in allowed:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_no_import_loop() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, (*path, module))
        done.add(module)

    for module in sorted(graph):
        visit(module, ())

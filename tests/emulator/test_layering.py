"""The emulator's layering: it imports only stdlib, starlette, pydantic, uvicorn and itself
(architecture §3); its rooms import along their arrows with no loop; routes change no state."""

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


# Routes read state and call state/ functions; they never change state themselves (moto's split
# of responses and models). Routes: Qlik's (api/) and the admin ones (control/admin*); the seed
# builds a fresh state and the fault injector keeps its own counters, so neither is checked.
# What the AST can see of a change: an assignment or `del` reaching its target through an
# attribute (`app.name = ...`, `tenant.apps[k] = ...`), a mutating method called on something
# reached that way (`app.sheets.append(...)`), `setattr`, and drawing an id (`store.new_id`: ids
# belong to state/). Plain locals (a response body under construction: `body["x"] = ...`) and a
# class's own `self` are not state.
MUTATING_METHODS = {"append", "extend", "insert", "pop", "popitem", "remove", "clear", "update"}
MUTATING_METHODS |= {"setdefault", "add", "discard", "sort", "reverse"}
ROUTES_MAY_CHANGE = {
    "endpoint.py: run.__name__ = handler.__name__": "the wrapper function, not state",
    "endpoint.py: run.__doc__ = handler.__doc__": "the wrapper function, not state",
    'endpoint.py: response.headers["X-B3-Traceid"] = store.trace_id()': "the HTTP answer",
}


def _through_attribute(node: ast.expr) -> bool:
    """True when ``node`` is reached through an attribute of something other than ``self``."""
    seen_attribute = False
    while isinstance(node, ast.Attribute | ast.Subscript):
        seen_attribute = seen_attribute or isinstance(node, ast.Attribute)
        node = node.value
    is_self = isinstance(node, ast.Name) and node.id == "self"
    return seen_attribute and not is_self


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = list(node.targets)
    else:
        return []
    flat: list[ast.expr] = []
    for target in targets:
        flat.extend(target.elts if isinstance(target, ast.Tuple | ast.List) else [target])
    return flat


def _state_change(node: ast.AST) -> bool:
    if any(_through_attribute(t) for t in _targets(node)):
        return True
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in ("setattr", "delattr")
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "new_id":
        return True
    return func.attr in MUTATING_METHODS and _through_attribute(func.value)


def test_routes_leave_state_changes_to_state() -> None:
    found = []
    routes = [*(PACKAGE / "api").glob("*.py"), *(PACKAGE / "control").glob("admin*.py")]
    for path in sorted(routes):
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if _state_change(node):
                line = source.splitlines()[node.lineno - 1].strip()  # type: ignore[attr-defined]
                found.append(f"{path.name}: {line}")
    assert sorted(set(found) - set(ROUTES_MAY_CHANGE)) == []
    assert set(ROUTES_MAY_CHANGE) <= set(found), "an allowed change is gone: drop its entry"


def test_the_state_change_check_sees_changes() -> None:
    changes = [
        "ctx.tenant.apps[app.id] = app",
        "app.name = name",
        "del tenant.spaces[space_id]",
        "task.runs += [run]",
        "a.roles, a.updated_at = roles, now",
        "app.sheets.append(sheet)",
        "ctx.tenant.settings.update(values)",
        "setattr(work, attr, value)",
        "ctx.store.new_id('hex24')",
    ]
    not_changes = ['body["x"] = 1', 'meta["a"].update(b=1)', "self.opened = app", "items.sort()"]
    for text in changes:
        assert any(_state_change(n) for n in ast.walk(ast.parse(text))), text
    for text in not_changes:
        assert not any(_state_change(n) for n in ast.walk(ast.parse(text))), text

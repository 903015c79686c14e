"""COVERAGE.md names every route the emulator serves, with the status implemented or partial."""

from __future__ import annotations

import re
from pathlib import Path

import qlikreconcile.emulator as emulator_pkg
from qlikreconcile.emulator.app import all_routes

COVERAGE = Path(emulator_pkg.__file__).parent / "COVERAGE.md"
ENDPOINT = re.compile(
    r"`((?:GET|POST|PUT|PATCH|DELETE)(?:/(?:GET|POST|PUT|PATCH|DELETE))*) (/\S+?)`"
)


def _generic(path: str) -> str:
    if not path.startswith(("/api/", "/oauth", "/.well-known", "/_emulator")):
        path = "/api/v1" + path
    return re.sub(r"\{[^}]+\}", "{}", path)


def documented() -> set[tuple[str, str]]:
    out = set()
    for line in COVERAGE.read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 4 or not cells[2].startswith(("implemented", "partial")):
            continue
        for methods, path in ENDPOINT.findall(cells[1]):
            for method in methods.split("/"):
                out.add((method, _generic(path)))
    return out


def test_every_served_route_is_documented() -> None:
    served = {
        (method, _generic(route.path))
        for route in all_routes()
        for method in (getattr(route, "methods", None) or set()) - {"HEAD"}
    }
    assert sorted(served - documented()) == []

"""The emulator's indexed router picks the route Starlette's own router would pick."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import BaseRoute, Match

from qlikreconcile.emulator.app import all_routes
from qlikreconcile.emulator.routing import IndexedRouter

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _chosen(routes: list[BaseRoute], scope: dict[str, Any]) -> BaseRoute | None:
    """Starlette's choice: the first full match, else the first partial one (a 405)."""
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def _paths() -> list[str]:
    concrete = {re.sub(r"\{[^}]+\}", "x1", str(getattr(r, "path", ""))) for r in all_routes()}
    # Also paths no route has: deeper, shallower, unknown, the root.
    extra = {"/", "/api", "/api/v1", "/api/v1/nothing", "/_emulator", "/app", "/oauth"}
    extra |= {p + "/more" for p in concrete}
    return sorted(concrete | extra | {p + "/" for p in concrete})


@pytest.mark.parametrize("kind", ["http", "websocket"])
def test_narrowed_routes_choose_as_the_whole_table(kind: str) -> None:
    routes = all_routes()
    router = IndexedRouter(routes)
    checked = 0
    for path in _paths():
        narrowed = router.narrowed(path).routes
        for method in METHODS if kind == "http" else ("GET",):
            scope = {"type": kind, "path": path, "root_path": "", "method": method}
            assert _chosen(narrowed, scope) is _chosen(routes, scope), (method, path)
            checked += 1
    assert checked > (500 if kind == "http" else 200)


def test_every_route_is_reachable_through_the_index() -> None:
    router = IndexedRouter(all_routes())
    for route in all_routes():
        path = re.sub(r"\{[^}]+\}", "x1", str(getattr(route, "path", "")))
        assert route in router.narrowed(path).routes, path

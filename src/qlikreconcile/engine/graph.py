"""A small dependency graph over resource keys: topological order, cycles named."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


class CycleError(ValueError):
    """The dependencies loop back on themselves."""


def topological(nodes: Iterable[N], edges: Mapping[N, Iterable[N]]) -> list[N]:
    """Nodes ordered so that every node comes after the nodes it depends on.

    ``edges[n]`` are the nodes ``n`` depends on; edges to nodes outside ``nodes`` are ignored.
    The input order is kept wherever dependencies allow, which keeps plans deterministic.
    """
    order = dict.fromkeys(nodes)  # the order, and the membership test (no set beside it)
    state: dict[N, int] = {}
    result: list[N] = []

    def visit(node: N, trail: list[N]) -> None:
        mark = state.get(node)
        if mark == 2:
            return
        if mark == 1:
            raise CycleError(" -> ".join(str(n) for n in [*trail, node]))
        state[node] = 1
        for dep in edges.get(node, ()):
            if dep in order:
                visit(dep, [*trail, node])
        state[node] = 2
        result.append(node)

    for node in order:
        visit(node, [])
    return result

"""The seams between the generic engine and a provider (Qlik Cloud, through `qlik/`).

A provider reads actual state and runs operations; the engine never learns how. The apply
context is how operations of one run hand each other the ids of what they created: the build
app's new id reaches the script, reload and publish operations that follow it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from qlikreconcile.engine.gates import CheckResult
from qlikreconcile.engine.keys import ResourceKey
from qlikreconcile.engine.plan import Operation


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a successful operation reports: the id of what it created, a note, and the checks
    of its gate (all passed)."""

    ident: str | None = None
    detail: str | None = None
    checks: tuple[CheckResult, ...] = ()


class ApplyContext:
    """Ids known for resources during one apply, seeded from the actual state."""

    def __init__(self, idents: Mapping[ResourceKey, str] | None = None) -> None:
        self._idents: dict[ResourceKey, str] = dict(idents or {})

    def ident(self, key: ResourceKey) -> str | None:
        return self._idents.get(key)

    def require(self, key: ResourceKey) -> str:
        ident = self._idents.get(key)
        if ident is None:
            raise LookupError(f"no id known for {key}: the operation creating it did not run")
        return ident

    def record(self, key: ResourceKey, ident: str) -> None:
        self._idents[key] = ident


class OperationRunner(Protocol):
    """Runs one operation against the target. Raises an error when it does not succeed."""

    async def run(self, op: Operation, ctx: ApplyContext) -> Outcome: ...

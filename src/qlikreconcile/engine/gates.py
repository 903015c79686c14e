"""Health gates: checks an operation's result must pass before what depends on it may run.

A provider attaches gates to a resource (a reload's data checks). The plan shows them with the
operation (``Operation.gates``, one line per check, for people); the operation evaluates them
after its own work and reports every check with what it observed (:class:`CheckResult`). A check
that fails fails the operation (:class:`GateError`), so everything that depends on it is skipped
exactly as after any other failure: a reload whose data fails its checks is never published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qlikreconcile.errors import OperationError


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check of a gate: what was checked, whether it held, and the value observed."""

    check: str
    passed: bool
    observed: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "passed": self.passed, "observed": self.observed}

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "failed"
        return f"{self.check}: {verdict}, observed {self.observed}"


class GateError(OperationError):
    """The operation did its work, but its result failed one or more checks of its gate."""

    def __init__(self, message: str, checks: Sequence[CheckResult]) -> None:
        self.checks: tuple[CheckResult, ...] = tuple(checks)
        super().__init__(message)

"""What an apply did: every operation with its outcome and the reason for it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import Enum
from typing import Any

from qlikreconcile.engine.gates import CheckResult
from qlikreconcile.engine.keys import Action, ResourceKey


class Status(Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class OpResult:
    """The outcome of one operation; ``detail`` holds Qlik's words (a reload's log line).

    ``checks`` holds the result of every check of the operation's gate, when it has one and got
    as far as evaluating it: a failed check is also why the operation FAILED.
    """

    op_id: str
    key: ResourceKey
    action: Action
    status: Status
    reason: str
    detail: str | None = None
    seconds: float = 0.0
    checks: tuple[CheckResult, ...] = ()

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.passed)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.op_id,
            "tenant": self.key.tenant,
            "kind": self.key.kind,
            "name": self.key.name,
            "action": self.action.value,
            "status": self.status.value,
            "reason": self.reason,
            "detail": self.detail,
            "seconds": round(self.seconds, 3),
        }
        if self.checks:
            data["checks"] = [c.to_dict() for c in self.checks]
        return data


class WaveStatus(Enum):
    COMPLETED = "completed"
    """Every tenant of the wave reached health."""
    FAILED = "failed"
    """Some tenants failed, within the failure budget: the next wave started."""
    HALTED = "halted"
    """More tenants failed than the budget allows (or a canary failed): the rollout stopped."""
    NOT_STARTED = "not started"
    """An earlier wave halted the rollout (or apply was interrupted): nothing of it ran."""


@dataclass(frozen=True, slots=True)
class WaveOutcome:
    """How one wave ended: its tenants, and each failed tenant with why it is not healthy."""

    name: str
    status: WaveStatus
    tenants: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    allowed: int = 0
    """Failures the budget tolerated in this wave."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status.value,
            "tenants": list(self.tenants),
            "failed": [{"tenant": t, "reason": r} for t, r in self.failed],
            "allowed_failures": self.allowed,
        }


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """Every result in plan order; ``interrupted`` when a stop request cut the run short."""

    target: str
    results: tuple[OpResult, ...]
    interrupted: bool = False
    warnings: tuple[str, ...] = ()
    """Learnt while applying (a deprecation Qlik announced); the plan's own are shown with it."""
    waves: tuple[WaveOutcome, ...] = ()
    halted: str | None = None
    """Why the rollout stopped before its last wave; None when every wave was started."""

    @property
    def not_started(self) -> list[WaveOutcome]:
        return [w for w in self.waves if w.status is WaveStatus.NOT_STARTED]

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(r.status is Status.SUCCEEDED for r in self.results)

    def counts(self) -> dict[str, int]:
        counts = Counter(r.status for r in self.results)
        return {s.value: counts.get(s, 0) for s in Status}

    def with_status(self, status: Status) -> list[OpResult]:
        return [r for r in self.results if r.status is status]

    def gate_failures(self) -> dict[str, list[tuple[OpResult, CheckResult]]]:
        """Per tenant, every failed check of a gate with the operation it failed (that
        operation FAILED): the tenant's data did not reach health in this apply."""
        out: dict[str, list[tuple[OpResult, CheckResult]]] = {}
        for result in self.results:
            for check in result.failed_checks:
                out.setdefault(result.key.tenant, []).append((result, check))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "interrupted": self.interrupted,
            "warnings": list(self.warnings),
            "counts": self.counts(),
            "waves": [w.to_dict() for w in self.waves],
            "halted": self.halted,
            "results": [r.to_dict() for r in self.results],
        }

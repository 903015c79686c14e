"""Rollout policy: the waves a plan is applied in, the failure budget, the blast-radius guard.

A plan carries its :class:`Rollout` (made from ``rollout:`` in fleet.yaml), so a plan saved to a
file applies in the same waves and under the same thresholds it was reviewed with. Tenants of a
wave run in parallel; a wave starts only when the previous one ended within its failure budget
(:mod:`.waves` runs them). The guard figures are in :mod:`.guard`. Nothing here knows YAML or
Qlik: the names are plain strings, the thresholds plain numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_WAVE = "main"
"""The one wave of a fleet that declares none."""

GUARDED = ("republish", "replace", "delete")
"""What the blast-radius guard counts: republishes, replaces, deletes (deactivations included)."""

_BUDGET_RE = re.compile(r"^\s*(\d+)\s*(%?)\s*$")


class RolloutValueError(ValueError):
    """A budget or share written in a form qlikreconcile does not read."""


@dataclass(frozen=True, slots=True)
class FailureBudget:
    """How many tenants of one wave may fail before the rollout halts: ``N`` or ``P%``."""

    value: int = 0
    percent: bool = False

    @classmethod
    def parse(cls, text: str | int) -> FailureBudget:
        match = _BUDGET_RE.match(str(text))
        if match is None or (match.group(2) and int(match.group(1)) > 100):
            raise RolloutValueError(
                f"{text!r} is not a failure budget; write a number of tenants (2) or a share (10%)"
            )
        return cls(int(match.group(1)), bool(match.group(2)))

    def allowed(self, size: int) -> int:
        """Failures tolerated in a wave of ``size`` tenants (a share rounds down)."""
        return math.floor(size * self.value / 100) if self.percent else self.value

    def __str__(self) -> str:
        return f"{self.value}{'%' if self.percent else ''}"


def parse_share(text: str | int | float) -> float:
    """``"50%"`` (or 50) -> 50.0, a percentage of the fleet's tenants."""
    raw = str(text).strip().removesuffix("%").strip()
    try:
        share = float(raw)
    except ValueError:
        raise RolloutValueError(f"{text!r} is not a share; write a percentage like 50%") from None
    if not 0 <= share <= 100:
        raise RolloutValueError(f"{text!r} is not a share between 0% and 100%")
    return share


@dataclass(frozen=True, slots=True)
class Threshold:
    """The guard trips when a plan touches more than ``count`` tenants *and* more than
    ``share`` percent of the fleet: the count lets small fleets work, the share scales."""

    share: float
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"share": f"{self.share:g}%", "count": self.count}


DEFAULT_GUARD: Mapping[str, Threshold] = {
    "republish": Threshold(50.0, 2),
    "replace": Threshold(25.0, 2),
    "delete": Threshold(25.0, 2),
}
"""Defaults of `rollout.guard` (docs/rollouts.md)."""


@dataclass(frozen=True, slots=True)
class Wave:
    name: str
    tenants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rollout:
    """Waves in order (every tenant in exactly one), the failure budget, the guard thresholds."""

    waves: tuple[Wave, ...] = (Wave(DEFAULT_WAVE),)
    max_failures: FailureBudget = FailureBudget()
    guard: Mapping[str, Threshold] = field(default_factory=lambda: dict(DEFAULT_GUARD))

    @classmethod
    def single(cls, tenants: Sequence[str]) -> Rollout:
        """One wave of every tenant, default thresholds: plans saved before waves existed."""
        return cls((Wave(DEFAULT_WAVE, tuple(sorted(tenants))),))

    def wave_of(self, tenant: str) -> str:
        """The tenant's wave; a tenant no wave lists belongs to the last one."""
        for wave in self.waves:
            if tenant in wave.tenants:
                return wave.name
        return self.waves[-1].name

    def to_dict(self) -> dict[str, Any]:
        return {
            "waves": [{"name": w.name, "tenants": list(w.tenants)} for w in self.waves],
            "max_failures": str(self.max_failures),
            "guard": {kind: t.to_dict() for kind, t in sorted(self.guard.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rollout:
        waves = tuple(
            Wave(str(w["name"]), tuple(str(t) for t in w.get("tenants", []))) for w in data["waves"]
        )
        guard = {
            str(kind): Threshold(parse_share(t["share"]), int(t["count"]))
            for kind, t in dict(data.get("guard", {})).items()
        }
        return cls(waves or (Wave(DEFAULT_WAVE),), FailureBudget.parse(data["max_failures"]), guard)

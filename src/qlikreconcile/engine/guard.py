"""The blast-radius guard: how much of the fleet a plan would republish, replace or delete.

Apply checks the plan against its rollout's thresholds *before any change* and refuses it,
naming the figures, unless forced. The unit is the tenant: "republish in 3 of 3 tenants (100%)".
A plan that planned no tenant at all (an empty or unreadable spec never gets this far, but a
plan file could say so) may never delete anything, forced or not.

An adoption alone is not counted: it writes qlikreconcile's ownership marker and changes nothing
customers see. An adoption that also republishes (:attr:`Operation.then`) counts as a republish.
"""

from __future__ import annotations

from dataclasses import dataclass

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import Plan
from qlikreconcile.engine.rollout import GUARDED, Rollout, Threshold

_COUNTED: dict[str, frozenset[Action]] = {
    "republish": frozenset({Action.REPUBLISH}),
    "replace": frozenset({Action.REPLACE}),
    "delete": frozenset({Action.DELETE, Action.DEACTIVATE}),
}


@dataclass(frozen=True, slots=True)
class Radius:
    """How many of the fleet's tenants one kind of change touches, against its threshold."""

    kind: str
    tenants: int
    fleet: int
    threshold: Threshold

    @property
    def share(self) -> float:
        return 100.0 * self.tenants / self.fleet if self.fleet else 100.0

    @property
    def exceeded(self) -> bool:
        return self.tenants > self.threshold.count and self.share > self.threshold.share

    def __str__(self) -> str:
        figures = f"{self.kind} in {self.tenants} of {self.fleet} tenants ({self.share:.0f}%)"
        limit = f"more than {self.threshold.count} tenants and {self.threshold.share:g}%"
        if self.exceeded:
            return f"{figures} exceeds the guard ({limit})"
        return f"{figures}, within the guard (refused at {limit})"


def blast_radius(plan: Plan, rollout: Rollout | None = None) -> tuple[Radius, ...]:
    """Every guarded kind of change the plan makes, with its figures (kinds without changes are
    left out)."""
    policy = rollout or plan.rollout or Rollout.single(plan.all_tenants())
    fleet = len(plan.tenants)
    found = []
    for kind in GUARDED:
        threshold = policy.guard.get(kind)
        touched = {op.key.tenant for op in plan.operations if op.effects & _COUNTED[kind]}
        if threshold is not None and touched:
            found.append(Radius(kind, len(touched), fleet, threshold))
    return tuple(found)


def refusals(plan: Plan, *, force: bool = False) -> list[str]:
    """Why apply must refuse the plan (empty: it may go ahead)."""
    deletes = [op for op in plan.operations if op.effects & _COUNTED["delete"]]
    if deletes and not plan.tenants:
        return [f"the plan deletes {len(deletes)} resources but names no tenant: never applied"]
    if force:
        return []
    return [str(r) for r in blast_radius(plan) if r.exceeded]
